"""The merge family: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, and
Keras' functions add, subtract, multiply, average, maximum, minimum, concatenate, dot.

Modules: ``base_merge`` (the list validation and broadcasting every merge shares),
``elementwise``, ``concatenation``, ``dot_product``, ``functions``.
"""
from . import base_merge, concatenation, dot_product, elementwise, functions  # noqa: F401
from .concatenation import *  # noqa: F401,F403
from .dot_product import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .functions import *  # noqa: F401,F403

#: The layer classes.
CLASSES = [*elementwise.__all__, *concatenation.__all__, *dot_product.__all__]
#: Keras' lower-case functions (``add([a, b])`` is ``Add()([a, b])``).
FUNCTIONS = list(functions.__all__)
__all__ = CLASSES + FUNCTIONS
