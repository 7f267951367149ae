"""Every layer class, by its Keras name (and the Keras 1 names of the seed documents).

The subpackages mirror the notebooks: ``core``, ``convolutional``, ``pooling``,
``locally_connected``, ``recurrent``, ``embedding``, ``advanced_activations``,
``normalization``, ``noise``, ``wrappers``, ``merge``.
"""
from . import (advanced_activations, convolutional, core, embedding, locally_connected, merge, noise,
               normalization, pooling, recurrent, wrappers)
from .advanced_activations import *  # noqa: F401,F403
from ..symbolic import Input           # keras.layers.Input, as Keras spells it too
from .base import InputSpec, Layer
from .convolutional import *  # noqa: F401,F403
from .core import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .locally_connected import *  # noqa: F401,F403
from .merge import *  # noqa: F401,F403
from .noise import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .recurrent import *  # noqa: F401,F403
from .wrappers import *  # noqa: F401,F403

FAMILIES = (core, convolutional, pooling, locally_connected, recurrent, embedding, advanced_activations,
            normalization, noise, wrappers, merge)

__all__ = ["Layer", "InputSpec", "Input", *(name for family in FAMILIES for name in family.__all__)]
