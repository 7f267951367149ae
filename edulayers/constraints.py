r"""Weight constraints: projections applied to a weight after every optimizer update.

With the norm of each slice along ``axis``, :math:`\|w\| = \sqrt{\sum w^2}`
(``axis=0`` for a Dense kernel ``(in, units)`` means: the weights into each unit):

* ``NonNeg``: :math:`w \leftarrow \max(w, 0)`
* ``UnitNorm``: :math:`w \leftarrow w / (\epsilon + \|w\|)`
* ``MaxNorm(m)``: :math:`w \leftarrow w \cdot \mathrm{clip}(\|w\|, 0, m) / (\epsilon + \|w\|)`
* ``MinMaxNorm(a, b, r)``: :math:`w \leftarrow w \cdot (r\,\mathrm{clip}(\|w\|, a, b) + (1 - r)\|w\|) / (\epsilon + \|w\|)`

with :math:`\epsilon = 10^{-7}` as in Keras (``keras.config.epsilon()``). ``axis`` may be an int
or a list: for a Conv2D kernel ``(rows, cols, in_ch, filters)`` use ``axis=[0, 1, 2]`` to bound
the norm of each filter. The formulas are Keras 3's, which are Keras 2's; Keras 1 called the
classes ``maxnorm``, ``nonneg``, ``unitnorm`` (still accepted as names).

A constraint is a projection, not a penalty: it has no gradient. Keras applies it to the
weight after every optimizer step (``layer.apply_constraints()`` here).
"""
from __future__ import annotations

import numpy as np

from .backend import EPSILON
from ._registry import Configurable, resolve, serialize  # noqa: F401

__all__ = ["Constraint", "NonNeg", "UnitNorm", "MaxNorm", "MinMaxNorm", "get", "serialize"]


def _norms(w, axis, owner):
    """The L2 norm of every slice along ``axis`` (kept as size-1 axes, so it broadcasts)."""
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if not isinstance(a, (int, np.integer)) or not -w.ndim <= a < w.ndim:
            raise ValueError(f"{owner}: axis {axis!r} does not fit a weight of shape {w.shape} "
                             f"(rank {w.ndim})")
    axis = tuple(int(a) for a in axes) if isinstance(axis, (list, tuple)) else int(axis)
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


def _as_float(w):
    w = np.asarray(w)
    return w if np.issubdtype(w.dtype, np.floating) else w.astype(np.float64)


class Constraint(Configurable):
    """Base class: ``constraint(w)`` returns the projected weight (a new array)."""

    def __call__(self, w):
        return w


class NonNeg(Constraint):
    r"""Negative entries become zero: :math:`w \leftarrow \max(w, 0)`."""

    def __call__(self, w):
        return np.maximum(np.asarray(w), 0)


class UnitNorm(Constraint):
    """Each slice along ``axis`` is rescaled to norm 1."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _as_float(w)
        return w / (EPSILON + _norms(w, self.axis, "UnitNorm"))

    def get_config(self):
        return {"axis": self.axis}


class MaxNorm(Constraint):
    """Slices whose norm exceeds ``max_value`` are scaled down to it; shorter ones are kept.

    Srivastava et al. (2014) used it with dropout: it bounds the weights into each unit.
    Keras' default ``max_value=2``; ``axis=0`` is the incoming weights of a Dense unit.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = _as_float(w)
        norms = _norms(w, self.axis, "MaxNorm")
        desired = np.clip(norms, 0, self.max_value)
        return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Norms pulled into ``[min_value, max_value]``; ``rate < 1`` moves only part of the way.

    The new norm is ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = _as_float(w)
        norms = _norms(w, self.axis, "MinMaxNorm")
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


ALIASES = {
    "NonNeg": NonNeg, "non_neg": NonNeg, "nonneg": NonNeg,
    "UnitNorm": UnitNorm, "unit_norm": UnitNorm, "unitnorm": UnitNorm,
    "MaxNorm": MaxNorm, "max_norm": MaxNorm, "maxnorm": MaxNorm,
    "MinMaxNorm": MinMaxNorm, "min_max_norm": MinMaxNorm,
}
non_neg, unit_norm, max_norm, min_max_norm = NonNeg, UnitNorm, MaxNorm, MinMaxNorm
nonneg, unitnorm, maxnorm = NonNeg, UnitNorm, MaxNorm      # Keras 1 and 2 names


def get(identifier):
    """A constraint from a name (``"max_norm"``, ``"MaxNorm"``), a config dict, an instance or a callable."""
    return resolve(identifier, ALIASES, "constraint", Constraint)
