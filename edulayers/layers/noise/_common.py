"""What the three noise layers share: argument checks and a per-layer seeded generator."""
from __future__ import annotations

import numpy as np

from ... import backend

__all__ = ["layer_rng", "check_rate", "check_seed"]


def layer_rng(seed):
    """One generator per layer, as Dropout: a seed makes it repeatable; without one it is seeded
    from the global generator (``el.set_random_seed``). gradcheck restores its state, so every
    evaluation of a training=True forward sees the same draw."""
    return backend.make_rng(seed if seed is not None else int(backend.global_rng().integers(2 ** 63)))


def check_rate(label, rate):
    """``rate`` in [0, 1): at 1 the noise of GaussianDropout/AlphaDropout has infinite variance."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)) \
            or not 0 <= rate < 1:
        raise ValueError(f"{label}: rate must be a float in [0, 1) (the drop probability; at 1 the "
                         f"noise variance rate / (1 - rate) is infinite), got rate={rate!r}")
    return float(rate)


def check_seed(label, seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"{label}: seed must be an int or None, got seed={seed!r}")
    return None if seed is None else int(seed)
