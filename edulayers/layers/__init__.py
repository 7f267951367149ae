"""Every layer class, by its Keras name (and the Keras 1 names of the seed documents)."""
from .base import InputSpec, Layer
from .core import *  # noqa: F401,F403
from .core import __all__ as _core

__all__ = ["Layer", "InputSpec", *_core]
