"""Custom objects: the names a saved model's custom classes and functions are found by.

A ``.keras`` file or a JSON config names a custom layer (``"class_name": "Square"``) or an
activation function (``"my_relu"``); loading needs the object itself. As in Keras, three places
are looked in, in this order (Keras 3's ``object_registration.get_registered_object``):

1. the innermost ``CustomObjectScope`` open around the call::

       with el.utils.CustomObjectScope({"Square": Square}):      # Keras 2: custom_object_scope
           model = el.models.load_model("m.keras")

2. the global dictionary ``get_custom_objects()`` (Keras 2's
   ``get_custom_objects().update({"swish": swish})``);
3. the ``custom_objects=`` argument of ``load_model`` / ``model_from_json`` / ``from_config``.

Keras' module paths are kept: ``el.utils.CustomObjectScope``, ``el.utils.custom_object_scope``,
``el.saving.CustomObjectScope`` and Keras 2's ``el.utils.generic_utils.CustomObjectScope``.
"""
from __future__ import annotations

import threading

__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "custom_objects_in_force"]

#: Keras' ``GLOBAL_CUSTOM_OBJECTS``: what ``get_custom_objects()`` returns (and a user updates)
_GLOBAL_CUSTOM_OBJECTS: dict = {}
_scopes = threading.local()          # the open scopes' objects, per thread, as Keras keeps them


def get_custom_objects() -> dict:
    """The global dictionary of custom objects (name -> class or function), as Keras': update it
    to make a name known to every load (``get_custom_objects()["swish"] = swish``)."""
    return _GLOBAL_CUSTOM_OBJECTS


def _scope_objects() -> dict:
    return getattr(_scopes, "objects", {})


class CustomObjectScope:
    """``with CustomObjectScope({"Square": Square}):``: inside the block, loading finds these
    names (before the global ones and ``custom_objects=``), as Keras' scope.

    Args:
        custom_objects: a dict (or several, later ones winning) of name -> class or function;
            ``None`` is an empty one.

    Scopes nest; leaving one restores what was in force before it.
    """

    def __init__(self, custom_objects=None, *more):
        merged = {}
        for objects in (custom_objects, *more):
            if objects is None:
                continue
            if not isinstance(objects, dict):
                raise TypeError("CustomObjectScope takes dicts of name -> class or function, got "
                                f"{type(objects).__name__}")
            merged.update(objects)
        self.custom_objects = merged
        self._backup = None

    def __enter__(self):
        self._backup = _scope_objects()
        _scopes.objects = {**self._backup, **self.custom_objects}
        return self

    def __exit__(self, *exc_info):
        _scopes.objects = self._backup or {}
        self._backup = None
        return False


#: Keras' other name for it (``keras.utils.custom_object_scope``)
custom_object_scope = CustomObjectScope


def custom_objects_in_force(custom_objects=None) -> dict:
    """Every custom object a load can find, by name: the ``custom_objects`` argument, then the
    global ones, then the open scopes' (a later source wins, so the scope is looked in first, as
    Keras looks)."""
    return {**(custom_objects or {}), **_GLOBAL_CUSTOM_OBJECTS, **_scope_objects()}
