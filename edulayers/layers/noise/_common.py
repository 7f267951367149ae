"""What the three noise layers share: the seed check and a per-layer seeded generator.

(Their rates go through ``layers.base.dropout_rate``, as every rate does.)
"""
from __future__ import annotations

import numpy as np

from ... import backend

__all__ = ["layer_rng", "check_seed"]


def layer_rng(seed):
    """One generator per layer, as Dropout: a seed makes it repeatable; without one it is seeded
    from the global generator (``el.set_random_seed``). gradcheck restores its state, so every
    evaluation of a training=True forward sees the same draw."""
    return backend.make_rng(seed if seed is not None else int(backend.global_rng().integers(2 ** 63)))


def check_seed(label, seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"{label}: seed must be an int or None, got seed={seed!r}")
    return None if seed is None else int(seed)
