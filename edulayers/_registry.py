"""``get()`` / ``serialize()`` for the Keras-style string aliases, written once.

Initializers, regularizers and constraints all resolve identifiers the same
way Keras does: ``None`` stays ``None``; a string is looked up by its alias
(``"glorot_uniform"``) or class name (``"GlorotUniform"``); a ``{"class_name",
"config"}`` dict is rebuilt; an instance or a plain callable is kept.

Every registry (these three, activations, losses, metrics) looks names up with
``lookup`` and refuses what it cannot use with ``IdentifierError``, the one
place that words "unknown name" messages: the name, the closest valid names
(``difflib``) and all valid names. A layer constructor adds its own name and the
argument (``located``), so a typo reads::

    Dense: unknown kernel_initializer 'glorot_unifrom'; did you mean 'glorot_uniform'?
    Valid names: constant, glorot_normal, ...
"""
from __future__ import annotations

import difflib


__all__ = ["IdentifierError", "lookup", "resolve", "serialize", "unknown_name"]


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


class IdentifierError(ValueError):
    """A name (or object) a registry cannot resolve; a ``ValueError``, as Keras raises.

    ``valid`` lists the accepted names when ``identifier`` is an unknown string (``None`` when it
    is of a type the registry cannot use). ``located(owner, argument)`` is the same error as seen
    from a layer: ``Dense: unknown kernel_initializer ...``.
    """

    def __init__(self, kind, identifier, valid=None, *, owner=None, argument=None, detail=""):
        self.kind, self.identifier, self.valid = kind, identifier, valid
        self.owner, self.argument, self.detail = owner, argument, detail
        super().__init__(self._message())

    def located(self, owner, argument=None) -> "IdentifierError":
        """This error, said by ``owner`` (``"Dense"``) about its argument ``argument``."""
        return IdentifierError(self.kind, self.identifier, self.valid, owner=owner,
                               argument=argument or self.argument, detail=self.detail)

    def _message(self) -> str:
        what = self.argument or self.kind
        if self.valid is None:
            if self.owner is None:
                text = f"Could not interpret {self.kind} identifier: {self.identifier!r}"
            else:
                text = (f"could not interpret {what}={self.identifier!r} "
                        f"({type(self.identifier).__name__}) as {_article(self.kind)}")
            return _prefixed(self.owner, text + self.detail)
        text = f"unknown {what} {self.identifier!r}"
        close = _close_matches(self.identifier, self.valid)
        text += f"; did you mean {close!r}?" if close else "."
        text += f" Valid names: {', '.join(self.valid)}"
        return _prefixed(self.owner, text)


def _prefixed(owner, text: str) -> str:
    return f"{owner}: {text}" if owner else text[:1].upper() + text[1:]


def _close_matches(name, valid):
    if not isinstance(name, str):
        return None
    close = difflib.get_close_matches(name, valid, n=1) or \
        difflib.get_close_matches(name.lower(), [v.lower() for v in valid], n=1)
    if not close:
        return None
    return next(v for v in valid if v.lower() == close[0].lower())


def unknown_name(kind: str, name, valid) -> IdentifierError:
    """The error for a name that is not among ``valid`` (raise it)."""
    return IdentifierError(kind, name, sorted(set(valid)))


def lookup(name, aliases: dict, kind: str, valid=None):
    """``aliases[name]``, trying the lower-cased name too; else an ``IdentifierError`` listing
    ``valid`` (default: the lower-case keys of ``aliases``, its snake_case names)."""
    if name in aliases:
        return aliases[name]
    if isinstance(name, str):
        lowered = {k.lower(): v for k, v in aliases.items()}
        if name.lower() in lowered:
            return lowered[name.lower()]
    raise unknown_name(kind, name, valid if valid is not None else
                       [k for k in aliases if k == k.lower()])


def resolve(identifier, aliases: dict, kind: str, base: type):
    """The object ``identifier`` names: ``aliases`` maps names to classes (or factories)."""
    if identifier is None:
        return None
    if isinstance(identifier, base):
        return identifier
    if isinstance(identifier, dict):
        if "class_name" not in identifier:
            raise IdentifierError(kind, identifier, detail=" (a config dict needs 'class_name' "
                                                           "and 'config' keys)")
        name, config = identifier["class_name"], identifier.get("config") or {}
        target = lookup(name, aliases, kind)
        if isinstance(target, type):
            return target.from_config(dict(config))
        return target(**config)
    if isinstance(identifier, str):
        return lookup(identifier, aliases, kind)()
    if isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if callable(identifier):
        return identifier
    raise IdentifierError(kind, identifier)


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
