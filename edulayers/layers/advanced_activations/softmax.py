r"""Softmax: scores to probabilities along an axis, with an optional mask (Keras 3).

.. math::
    y_i = \frac{e^{x_i}}{\sum_j e^{x_j}}, \qquad
    \frac{\partial y_i}{\partial x_j} = y_i(\delta_{ij} - y_j), \qquad
    \frac{\partial L}{\partial x} = J^\top \delta = y \odot (\delta - \langle \delta, y \rangle)

The sums run over ``axis`` (an int or a tuple of axes). With a mask :math:`m` (True or > 0.5:
keep), Keras 3 first replaces the masked scores by a large negative number, so that they get
probability :math:`e^{-10^9} = 0`, and then sets the masked outputs to 0 (which matters only
when a whole row is masked: softmax would give it a uniform distribution):

.. math::
    \tilde x = \begin{cases} x & m \\ -10^{9} & \lnot m \end{cases}, \qquad
    y = m \odot \mathrm{softmax}(\tilde x)

The masked positions get no gradient: :math:`\partial L/\partial x = m \odot J^\top (m \odot \delta)`.
"""
from __future__ import annotations

import numpy as np

from ... import activations
from ...explain import Step
from .._legacy import keras1_arguments
from ..base import Layer

__all__ = ["Softmax"]

#: What Keras 3 writes into masked positions before the softmax (-3e4 for float16).
LARGE_NEGATIVE = -1e9


class Softmax(Layer):
    r"""Softmax layer: :math:`y = \mathrm{softmax}(x)` along ``axis``, optionally masked.

    .. math::  y_i = \frac{e^{x_i}}{\sum_j e^{x_j}}

    Args:
        axis: int or tuple of ints, the axis (axes) that are normalized (default -1).

    Call arguments:
        mask: optional boolean (or 0/1) array broadcastable to the input, each of its axes 1
            or equal to the input's: True (> 0.5) keeps a position, False masks it (its output
            is 0 and it takes no part in the normalization).

    Input shape: any. Output shape: the same.

    >>> Softmax()(np.array([[1.0, 2.0, 1.0]]))
    array([[0.21194156, 0.5761169 , 0.21194156]], dtype=float32)
    """

    supports_masking = True
    notes = ("Keras 2.1.3 added Softmax(axis=-1); Keras 3 accepts a tuple of axes and a mask "
             "(masked scores become -1e9, masked outputs 0). Keras 1 had only the 'softmax' activation.",)

    @keras1_arguments
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in axes):
            raise ValueError(f"Softmax: axis must be an int or a non-empty tuple of ints, got {axis!r}")
        self.axis = tuple(int(a) for a in axes) if isinstance(axis, (list, tuple)) else int(axis)

    def build(self, input_shape):
        self._axes(len(input_shape))        # a bad axis is an error at the first call

    def _axes(self, rank):
        axes = self.axis if isinstance(self.axis, tuple) else (self.axis,)
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(f"{self._label}: axis {self.axis} is out of range for an input of "
                                 f"rank {rank} (axes -{rank}..{rank - 1})")
        normalized = tuple(sorted({a % rank for a in axes}))
        if len(normalized) != len(axes):
            raise ValueError(f"{self._label}: axis {self.axis} names the same axis twice")
        return normalized

    def _prepare_mask(self, mask, x):
        if mask is None:
            return None
        mask = np.asarray(mask)
        if mask.ndim > x.ndim or any(m != 1 and m != i for m, i in zip(mask.shape[::-1], x.shape[::-1])):
            raise ValueError(f"{self._label}: the mask must be broadcastable to the input (each of its "
                             f"axes 1 or equal to the input's, no more axes); got mask shape "
                             f"{mask.shape} for input shape {x.shape}")
        keep = mask if mask.dtype == bool else mask > 0.5
        return np.broadcast_to(keep, x.shape)

    # ------------------------------------------------------------ fast path: O(n) vector-Jacobian product
    def forward(self, x, training=False, mask=None):
        axes = self._axes(x.ndim)
        keep = self._prepare_mask(mask, x)
        scores = x if keep is None else np.where(keep, x, x.dtype.type(LARGE_NEGATIVE))
        probs = activations.softmax(scores, axis=axes[0] if len(axes) == 1 else axes)
        y = probs if keep is None else np.where(keep, probs, 0).astype(x.dtype, copy=False)
        self.cache = (scores, probs, keep, axes)
        return y

    def backward(self, dy):
        scores, probs, keep, axes = self.cache
        if keep is not None:
            dy = np.where(keep, dy, 0)
        # J^T dy = y * (dy - <dy, y>) without forming the Jacobian (el.activations.softmax.backward)
        dx = activations.softmax.backward(scores, probs, dy, axis=axes)
        return dx if keep is None else np.where(keep, dx, 0).astype(dx.dtype, copy=False)

    # ------------------------------------------------------------ reference path: one row at a time
    def forward_reference(self, x, training=False, mask=None):
        axes = self._axes(x.ndim)
        keep = self._prepare_mask(mask, x)
        keep = np.ones(x.shape, dtype=bool) if keep is None else keep
        rows, restore = _rows(x, axes), _restorer(x.shape, axes)
        keep_rows = _rows(keep, axes)
        probs = np.zeros_like(rows)
        y = np.zeros_like(rows)
        for r in range(rows.shape[0]):               # every row: the entries normalized together
            scores = np.where(keep_rows[r], rows[r], LARGE_NEGATIVE)
            e = np.exp(scores - scores.max())        # subtract the max: every exponent <= 0
            probs[r] = e / e.sum()
            y[r] = np.where(keep_rows[r], probs[r], 0.0)
        self.cache = (probs, keep_rows, restore)
        return restore(y)

    def backward_reference(self, dy):
        probs, keep_rows, restore = self.cache
        axes = self._axes(dy.ndim)
        dy_rows = _rows(dy, axes)
        dx = np.zeros_like(dy_rows)
        for r in range(dy_rows.shape[0]):
            p = probs[r]
            jacobian = np.diag(p) - np.outer(p, p)   # J_ij = dy_i/dx_j = p_i (delta_ij - p_j)
            g = np.where(keep_rows[r], dy_rows[r], 0.0)
            dx[r] = np.where(keep_rows[r], jacobian.T @ g, 0.0)
        return restore(dx)

    # ------------------------------------------------------------ shapes, config, explain
    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    @property
    def formula(self):
        return (r"y_i = \frac{e^{x_i}}{\sum_j e^{x_j}}\quad\text{(sums over axis " + str(self.axis)
                + r"; masked } x_i \to -10^{9},\ \text{masked } y_i = 0\text{)}")

    def shape_steps(self, input_shape):
        return [Step(f"exp(x - max), divided by its sum over axis {self.axis} (no weights)",
                     tuple(input_shape))]

    def get_config(self):
        axis = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return {**super().get_config(), "axis": axis}


def _rows(a, axes):
    """``a`` as a 2-D array: one row per position of the other axes, the ``axes`` flattened."""
    others = [i for i in range(a.ndim) if i not in axes]
    moved = np.transpose(a, others + list(axes))
    n = int(np.prod([a.shape[i] for i in axes]))
    return moved.reshape(-1, n).copy()


def _restorer(shape, axes):
    """The inverse of ``_rows`` for arrays of ``shape``."""
    others = [i for i in range(len(shape)) if i not in axes]
    order = others + list(axes)
    moved_shape = [shape[i] for i in order]
    inverse = np.argsort(order)
    return lambda rows: np.transpose(rows.reshape(moved_shape), inverse)
