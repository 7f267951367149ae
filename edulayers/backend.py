"""Global settings shared by every layer: the default float dtype and seeded random generators.

Keras keeps the same two knobs (``keras.config.floatx()`` and seed generators);
edulayers keeps them in one small module so a notebook can switch the whole
library to float64 for a gradient check with one call.
"""
from __future__ import annotations

import numpy as np

_FLOATX = "float32"
_VALID_FLOATX = ("float16", "float32", "float64")

#: The fuzz factor Keras uses wherever it divides by a norm (``keras.config.epsilon()``).
EPSILON = 1e-7


def floatx() -> str:
    """The default float dtype of new layers and weights (``'float32'`` unless changed)."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float dtype (``'float16'``, ``'float32'`` or ``'float64'``)."""
    global _FLOATX
    value = str(np.dtype(value))
    if value not in _VALID_FLOATX:
        raise ValueError(f"set_floatx expected one of {_VALID_FLOATX}, got {value!r}")
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (1e-7, as in Keras)."""
    return EPSILON


def make_rng(seed=None) -> np.random.Generator:
    """A NumPy ``Generator``: repeatable when ``seed`` is an int, fresh entropy when ``None``.

    An existing ``Generator`` is returned as it is, so a caller may share one.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


_GLOBAL_RNG = np.random.default_rng()


def set_random_seed(seed: int) -> None:
    """Seed the generator that unseeded initializers and layers draw from (``keras.utils.set_random_seed``).

    Notebooks call this once at the top so that every run draws the same numbers.
    """
    global _GLOBAL_RNG
    _GLOBAL_RNG = np.random.default_rng(seed)


def global_rng() -> np.random.Generator:
    """The shared generator used when no ``seed`` is given."""
    return _GLOBAL_RNG


def rng_for(seed) -> np.random.Generator:
    """A generator for ``seed``: a fresh one for an int (repeatable), the shared one for ``None``."""
    if seed is None:
        return _GLOBAL_RNG
    return make_rng(seed)
