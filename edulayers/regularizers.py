r"""Regularizers: penalties on weights (or on a layer's output) that the model adds to the loss.

* ``L1(l1)``: :math:`\Omega(w) = \ell_1 \sum |w|`, gradient :math:`\ell_1\,\mathrm{sign}(w)`
* ``L2(l2)``: :math:`\Omega(w) = \ell_2 \sum w^2`, gradient :math:`2\ell_2 w`
* ``L1L2(l1, l2)``: the sum of both
* ``OrthogonalRegularizer(factor, mode)``: the mean absolute cosine similarity between
  rows (or columns) of the weight, times ``factor``

Each regularizer is a callable giving the penalty, with ``gradient(w)`` giving
its derivative; the model adds the penalty to the loss and the gradient to the
weight's gradient (CONTRACT.md: layers' ``grads`` hold the upstream loss only).
Keras 3's defaults: ``l1=0.01``, ``l2=0.01``, ``L1L2(l1=0.0, l2=0.0)``
(Keras 2's ``l1_l2()`` function defaulted to 0.01 for both).
"""
from __future__ import annotations

import numpy as np

from ._registry import resolve, serialize  # noqa: F401


class Regularizer:
    """Base class: ``reg(w)`` is the penalty (a float), ``reg.gradient(w)`` its derivative."""

    def __call__(self, w) -> float:
        return 0.0

    def gradient(self, w):
        return np.zeros_like(w)

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    r""":math:`\ell_1 \sum |w| + \ell_2 \sum w^2`."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, w):
        return float(self.l1 * np.sum(np.abs(w)) + self.l2 * np.sum(np.square(w)))

    def gradient(self, w):
        return (self.l1 * np.sign(w) + 2.0 * self.l2 * w).astype(np.asarray(w).dtype)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    r""":math:`\ell_1 \sum |w|` (its gradient at 0 is taken as 0, the subgradient NumPy's sign gives)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    r""":math:`\ell_2 \sum w^2` (weight decay)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    r"""Pushes the rows (``mode="rows"``) or columns of a 2-D weight towards orthogonality.

    With :math:`n_i = w_i / \|w_i\|` and :math:`P = N N^\top`, the penalty is
    :math:`\text{factor} \cdot \tfrac12 \sum_{i \ne j} |P_{ij}| / \binom{k}{2}` for ``k`` rows.
    """

    def __init__(self, factor=0.01, mode="rows"):
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: mode must be 'rows' or 'columns', got {mode!r}")
        self.factor, self.mode = float(factor), mode

    def _rows(self, w):
        w = np.asarray(w, dtype=np.float64)
        if w.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer expects a 2-D weight, got shape {w.shape}")
        return w.T if self.mode == "columns" else w

    def __call__(self, w):
        rows = self._rows(w)
        norms = np.sqrt(np.maximum(np.sum(rows ** 2, axis=1, keepdims=True), 1e-12))
        n = rows / norms
        k = n.shape[0]
        off = (n @ n.T) * (1.0 - np.eye(k))
        return float(self.factor * 0.5 * np.sum(np.abs(off)) / (k * (k - 1) / 2.0))

    def gradient(self, w):
        rows = self._rows(w)
        norms = np.sqrt(np.maximum(np.sum(rows ** 2, axis=1, keepdims=True), 1e-12))
        n = rows / norms
        k = n.shape[0]
        coef = self.factor * 0.5 / (k * (k - 1) / 2.0)
        s = np.sign(n @ n.T) * (1.0 - np.eye(k))
        dn = coef * 2.0 * (s @ n)                       # d/dN of sum|N N^T| (symmetric S)
        drows = (dn - n * np.sum(n * dn, axis=1, keepdims=True)) / norms   # through w / ||w||
        out = drows.T if self.mode == "columns" else drows
        return out.astype(np.asarray(w).dtype)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


ALIASES = {
    "L1": L1, "l1": L1, "L2": L2, "l2": L2, "L1L2": L1L2, "l1_l2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer, "orthogonal_regularizer": OrthogonalRegularizer,
}
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer


def get(identifier):
    """A regularizer from a name (``"l2"``), a config dict, an instance or a callable."""
    return resolve(identifier, ALIASES, "regularizer", Regularizer)
