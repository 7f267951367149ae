"""Global settings shared by every layer: the float dtype, the image data format, random seeds.

Keras keeps the same knobs (``keras.config.floatx()``, ``keras.backend.image_data_format()``,
seed generators); edulayers keeps them in one small module so a notebook can switch the whole
library to float64 for a gradient check with one call, and so that a Keras tutorial's first
lines (``K.image_data_format()``, ``K.clear_session()``) run unchanged.
"""
from __future__ import annotations

import numpy as np

_FLOATX = "float32"
_VALID_FLOATX = ("float16", "float32", "float64")
_IMAGE_DATA_FORMAT = "channels_last"

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


def image_data_format() -> str:
    """Where image layers expect the channels when ``data_format`` is not given:
    ``'channels_last'`` (``(batch, rows, cols, channels)``, Keras' default) or
    ``'channels_first'``."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Set the default ``data_format`` of the layers made from now on (as Keras)."""
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("set_image_data_format expected 'channels_last' or 'channels_first', "
                         f"got {data_format!r}")
    _IMAGE_DATA_FORMAT = data_format


def backend() -> str:
    """The name of the computing backend, as ``keras.backend.backend()``: here always NumPy."""
    return "numpy"


def clear_session() -> None:
    """Start afresh, as ``keras.backend.clear_session()``: default layer names count from
    ``dense``, ``conv2d``, ... again, and so do the default names of ``Input`` tensors.

    Models built before keep their layers and weights; only new names are affected.
    """
    from .layers.base import reset_names          # layers import this module: import late
    from .symbolic import reset_input_names
    reset_names()
    reset_input_names()


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
