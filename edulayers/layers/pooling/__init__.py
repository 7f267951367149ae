"""The pooling family: Max/AveragePooling1D/2D/3D and the global poolings."""
from .pooling import *  # noqa: F401,F403
from .global_pooling import *  # noqa: F401,F403
from . import pooling, global_pooling

__all__ = [name for module in (pooling, global_pooling,) for name in module.__all__]
