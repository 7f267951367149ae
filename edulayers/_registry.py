"""``get()`` / ``serialize()`` for the Keras-style string aliases, written once.

Initializers, regularizers and constraints all resolve identifiers the same
way Keras does: ``None`` stays ``None``; a string is looked up by its alias
(``"glorot_uniform"``) or class name (``"GlorotUniform"``); a ``{"class_name",
"config"}`` dict is rebuilt; an instance or a plain callable is kept.
"""
from __future__ import annotations


def resolve(identifier, aliases: dict, kind: str, base: type):
    if identifier is None:
        return None
    if isinstance(identifier, base):
        return identifier
    if isinstance(identifier, dict):
        name, config = identifier.get("class_name"), identifier.get("config", {})
        return _lookup(name, aliases, kind)(**config)
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
    if obj is None:
        return None
    return {"class_name": type(obj).__name__, "config": obj.get_config()}
