"""Wrappers: TimeDistributed (one layer at every time step) and Bidirectional (an RNN read both ways).

``Wrapper`` (the base class: weights, gradients and penalties delegated to the wrapped layers)
is importable from ``edulayers.layers.wrappers``; it is abstract, so it is not in ``__all__``.
"""
from . import bidirectional, time_distributed
from .bidirectional import *  # noqa: F401,F403
from .time_distributed import *  # noqa: F401,F403
from .wrapper import Wrapper, deserialize_layer, serialize_layer  # noqa: F401

__all__ = [*time_distributed.__all__, *bidirectional.__all__]
