r"""Regularizers: penalties on weights (or on a layer's output) that the model adds to the loss.

* ``L1(l1)``: :math:`\Omega(w) = \ell_1 \sum |w|`, gradient :math:`\ell_1\,\mathrm{sign}(w)`
* ``L2(l2)``: :math:`\Omega(w) = \ell_2 \sum w^2`, gradient :math:`2\ell_2 w`
  (no :math:`\tfrac12`: Keras' L2 is *not* the :math:`\tfrac{\lambda}{2}\|w\|^2` of textbooks)
* ``L1L2(l1, l2)``: the sum of both
* ``OrthogonalRegularizer(factor, mode)``: with the rows (or columns) :math:`n_i` of the weight
  scaled to unit length, :math:`\Omega = \text{factor} \cdot \tfrac12 \sum_{i \ne j}
  |n_i \cdot n_j| / \binom{k}{2}`: ``factor`` times the mean absolute cosine between the
  :math:`k` rows (each pair counted once)

Each regularizer is a callable giving the penalty, with ``gradient(w)`` giving
:math:`\partial\Omega/\partial w`; the model adds the penalty to the loss and the gradient to the
weight's gradient (book/protocol.md: layers' ``grads`` hold the upstream loss only). An activity
regularizer's penalty is divided by the batch size (Keras 3.14 and later), so is its gradient.

Keras 3's defaults: ``L1(l1=0.01)``, ``L2(l2=0.01)``, ``L1L2(l1=0.0, l2=0.0)``,
``OrthogonalRegularizer(factor=0.01, mode="rows")``; factors must be non-negative numbers.
Names: Keras 3 resolves ``"l1"``, ``"l2"``, ``"l1l2"`` (an ``L1L2()`` with both factors 0, so
no penalty) and ``"orthogonal_regularizer"``. The name ``"l1_l2"`` was Keras 2's function
``l1_l2(l1=0.01, l2=0.01)``; Keras 3 no longer resolves that string (its docstring still
promises 0.01 for both), and here it gives ``L1L2(0.01, 0.01)`` as in Keras 2. Keras 1 had
``l1l2(l1=0.01, l2=0.01)`` and ``activity_l1``/``activity_l2`` instead.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .backend import EPSILON
from ._registry import Configurable, resolve, serialize  # noqa: F401

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "get", "serialize"]


def _factor(value, name, owner):
    """Keras' check: a finite, non-negative number (``None`` is taken by the caller)."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or math.isinf(value) or math.isnan(value) or value < 0):
        raise ValueError(f"{owner}: {name} must be a non-negative float, got {name}={value!r}")
    return float(value)


class Regularizer(Configurable):
    """Base class: ``reg(w)`` is the penalty (a float), ``reg.gradient(w)`` its derivative."""

    def __call__(self, w) -> float:
        return 0.0

    def gradient(self, w):
        return np.zeros_like(np.asarray(w))


class L1L2(Regularizer):
    r""":math:`\ell_1 \sum |w| + \ell_2 \sum w^2`, gradient :math:`\ell_1\,\mathrm{sign}(w) + 2\ell_2 w`.

    The gradient of :math:`|w|` at :math:`w = 0` is taken as 0 (the subgradient ``np.sign``
    gives, and what automatic differentiation in Keras' backends gives).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(0.0 if l1 is None else l1, "l1", type(self).__name__)
        self.l2 = _factor(0.0 if l2 is None else l2, "l2", type(self).__name__)

    def __call__(self, w):
        w = np.asarray(w)
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * np.sum(np.abs(w))
        if self.l2:
            penalty += self.l2 * np.sum(np.square(w))
        return float(penalty)

    def gradient(self, w):
        w = np.asarray(w)
        return (self.l1 * np.sign(w) + 2.0 * self.l2 * w).astype(w.dtype)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    r""":math:`\ell_1 \sum |w|`: pushes weights to exactly zero (sparse weights)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=0.01 if l1 is None else l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    r""":math:`\ell_2 \sum w^2` (weight decay: the gradient :math:`2\ell_2 w` shrinks every weight)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=0.01 if l2 is None else l2)

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    r"""Pushes the rows (``mode="rows"``) or columns of a 2-D weight towards orthogonality.

    With :math:`n_i = w_i / \max(\|w_i\|, \epsilon)` (:math:`\epsilon = 10^{-7}`, as Keras'
    ``normalize``), :math:`P = N N^\top` and :math:`k` rows, the penalty is
    :math:`\Omega = c \sum_{i \ne j} |P_{ij}|` with :math:`c = \text{factor} \cdot \tfrac12 /
    \binom{k}{2}`. Its gradient, with :math:`S = \mathrm{sign}(P)` off the diagonal (0 on it):
    :math:`G = \partial\Omega/\partial N = 2c\,S N`, then through the normalization
    :math:`\partial\Omega/\partial w_i = (g_i - n_i (n_i \cdot g_i)) / \|w_i\|`
    (or :math:`g_i / \epsilon` for a row shorter than :math:`\epsilon`).
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _factor(factor, "factor", "OrthogonalRegularizer")
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: mode must be 'rows' or 'columns', got {mode!r}")
        self.mode = mode

    def _rows(self, w):
        w = np.asarray(w)
        if w.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer expects a 2-D weight, got shape {w.shape}")
        rows = w.T if self.mode == "columns" else w
        if rows.shape[0] < 2:
            raise ValueError(f"OrthogonalRegularizer(mode={self.mode!r}) needs at least 2 "
                             f"{self.mode} to compare, got a weight of shape {w.shape}")
        return rows

    @staticmethod
    def _normalize(rows):
        lengths = np.sqrt(np.sum(np.square(rows), axis=1, keepdims=True))
        denominators = np.maximum(lengths, EPSILON)
        return rows / denominators, lengths, denominators

    def _coefficient(self, k):
        return self.factor * 0.5 / (k * (k - 1) / 2.0)

    def __call__(self, w):
        n, _, _ = self._normalize(self._rows(w))
        k = n.shape[0]
        off_diagonal = (n @ n.T) * (1.0 - np.eye(k, dtype=n.dtype))
        return float(self._coefficient(k) * np.sum(np.abs(off_diagonal)))

    def gradient(self, w):
        rows = self._rows(w)
        n, lengths, denominators = self._normalize(rows)
        k = n.shape[0]
        signs = np.sign(n @ n.T) * (1.0 - np.eye(k, dtype=n.dtype))
        dn = 2.0 * self._coefficient(k) * (signs @ n)       # d/dN of c * sum|N N^T| (S symmetric)
        radial = n * np.sum(n * dn, axis=1, keepdims=True)  # the part along n_i, which w/|w| drops
        drows = np.where(lengths > EPSILON, (dn - radial) / denominators, dn / EPSILON)
        out = drows.T if self.mode == "columns" else drows
        return out.astype(np.asarray(w).dtype)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def _keras2_l1_l2(l1=0.01, l2=0.01):
    """Keras 2's ``l1_l2()`` function: an ``L1L2`` with both factors 0.01 by default."""
    return L1L2(l1=l1, l2=l2)


ALIASES = {
    "L1": L1, "l1": L1, "L2": L2, "l2": L2,
    "L1L2": L1L2, "l1l2": L1L2, "l1_l2": _keras2_l1_l2,
    "OrthogonalRegularizer": OrthogonalRegularizer, "orthogonal_regularizer": OrthogonalRegularizer,
}
# Keras 3's lower-case aliases are the classes (``keras.regularizers.l1_l2`` is ``L1L2``)
l1, l2, l1_l2, l1l2, orthogonal_regularizer = L1, L2, L1L2, L1L2, OrthogonalRegularizer


class FunctionRegularizer(Regularizer):
    """A plain function ``penalty(w) -> float`` made into a regularizer.

    Its gradient is computed by central differences in float64 (one pair of penalty evaluations
    per weight entry: slow for large weights), with a warning that says so; subclass
    ``Regularizer`` and write ``gradient`` for an exact one.
    """

    def __init__(self, function):
        self.function = function
        self.__name__ = getattr(function, "__name__", "regularizer")

    def __call__(self, w):
        return float(self.function(w))

    def gradient(self, w, eps=1e-6):
        import warnings
        warnings.warn(f"regularizer {self.__name__!r} is a plain function: its gradient is computed "
                      "numerically (central differences); subclass el.regularizers.Regularizer and "
                      "define gradient() for an exact one", stacklevel=2)
        w64 = np.array(w, dtype=np.float64)
        grad = np.zeros_like(w64)
        for idx in np.ndindex(w64.shape):
            old = w64[idx]
            w64[idx] = old + eps
            plus = self.function(w64)
            w64[idx] = old - eps
            minus = self.function(w64)
            w64[idx] = old
            grad[idx] = (plus - minus) / (2 * eps)
        return grad.astype(np.asarray(w).dtype)

    def get_config(self):
        return {"function": self.__name__}


def get(identifier):
    """A regularizer from a name (``"l2"``), a config dict, an instance, a class or a callable."""
    found = resolve(identifier, ALIASES, "regularizer", Regularizer)
    if found is not None and not isinstance(found, Regularizer):
        return FunctionRegularizer(found)
    return found
