"""``get()`` / ``serialize()`` for the Keras-style string aliases, written once.

Initializers, regularizers and constraints all resolve identifiers the same
way Keras does: ``None`` stays ``None``; a string is looked up by its alias
(``"glorot_uniform"``) or class name (``"GlorotUniform"``); a ``{"class_name",
"config"}`` dict is rebuilt; an instance or a plain callable is kept.
"""
from __future__ import annotations


__all__ = ["resolve", "serialize"]


def resolve(identifier, aliases: dict, kind: str, base: type):
    """The object ``identifier`` names: ``aliases`` maps names to classes (or factories)."""
    if identifier is None:
        return None
    if isinstance(identifier, base):
        return identifier
    if isinstance(identifier, dict):
        if "class_name" not in identifier:
            raise ValueError(f"Could not interpret {kind} identifier: {identifier!r} (a config dict "
                             f"needs 'class_name' and 'config' keys)")
        name, config = identifier["class_name"], identifier.get("config") or {}
        target = _lookup(name, aliases, kind)
        if isinstance(target, type):
            return target.from_config(dict(config))
        return target(**config)
    if isinstance(identifier, str):
        return _lookup(identifier, aliases, kind)()
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")


def _lookup(name, aliases, kind):
    if name in aliases:
        return aliases[name]
    lowered = {k.lower(): v for k, v in aliases.items()}
    if isinstance(name, str) and name.lower() in lowered:
        return lowered[name.lower()]
    known = sorted(k for k in aliases if k == k.lower())
    raise ValueError(f"Unknown {kind}: {name!r}. Expected one of {known}")


def serialize(obj) -> dict | None:
    """``{"class_name", "config"}`` of an instance (what ``resolve`` rebuilds); ``None`` stays ``None``.

    A plain function has no config: it is serialized by its name.
    """
    if obj is None:
        return None
    if not hasattr(obj, "get_config"):
        return getattr(obj, "__name__", repr(obj))
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


class Configurable:
    """What initializers, regularizers and constraints share: a config that rebuilds the object
    (``type(obj).from_config(obj.get_config())``) and a ``repr`` that shows it."""

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
