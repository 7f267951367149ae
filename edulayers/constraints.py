r"""Weight constraints: projections applied to a weight after every optimizer update.

With the norm of each slice along ``axis``, :math:`\|w\| = \sqrt{\sum w^2}`
(``axis=0`` for a Dense kernel ``(in, units)`` means: the weights into each unit):

* ``NonNeg``: :math:`w \leftarrow \max(w, 0)`
* ``UnitNorm``: :math:`w \leftarrow w / (\epsilon + \|w\|)`
* ``MaxNorm(m)``: :math:`w \leftarrow w \cdot \mathrm{clip}(\|w\|, 0, m) / (\epsilon + \|w\|)`
* ``MinMaxNorm(a, b, r)``: :math:`w \leftarrow w \cdot (r\,\mathrm{clip}(\|w\|, a, b) + (1 - r)\|w\|) / (\epsilon + \|w\|)`

with :math:`\epsilon = 10^{-7}` as in Keras.
"""
from __future__ import annotations

import numpy as np

from .backend import EPSILON
from ._registry import resolve, serialize  # noqa: F401


def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: ``constraint(w)`` returns the projected weight (a new array)."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class NonNeg(Constraint):
    """Negative entries become zero."""

    def __call__(self, w):
        return w * (w >= 0).astype(w.dtype)


class UnitNorm(Constraint):
    """Each slice along ``axis`` is rescaled to norm 1."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MaxNorm(Constraint):
    """Slices whose norm exceeds ``max_value`` are scaled down to it; shorter ones are kept."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Norms pulled into ``[min_value, max_value]``; ``rate < 1`` moves only part of the way."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
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


def get(identifier):
    """A constraint from a name (``"max_norm"``, ``"MaxNorm"``), a config dict, an instance or a callable."""
    return resolve(identifier, ALIASES, "constraint", Constraint)
