"""Keras 2's ``keras.utils.generic_utils``: the module path older tutorials import from.

``from edulayers.utils.generic_utils import CustomObjectScope`` (and ``custom_object_scope``,
``get_custom_objects``) gives the objects of ``edulayers.saving.object_registration``, where
Keras 3 keeps them (``keras.saving``, also exported as ``keras.utils``).
"""
from ..saving.object_registration import CustomObjectScope, custom_object_scope, get_custom_objects

__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects"]
