"""Every layer class, by its Keras name (and the Keras 1 names of the seed documents).

The subpackages mirror the notebooks: ``core``, ``convolutional``, ``pooling``,
``locally_connected``, ...
"""
from . import convolutional, core, locally_connected, pooling
from .base import InputSpec, Layer
from .convolutional import *  # noqa: F401,F403
from .core import *  # noqa: F401,F403
from .locally_connected import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403

__all__ = ["Layer", "InputSpec", *core.__all__, *convolutional.__all__, *pooling.__all__,
           *locally_connected.__all__]
