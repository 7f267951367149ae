r"""Dot: a dot product of two inputs along one axis of each, per sample (Keras' ``batch_dot``).

For every sample :math:`b`, with :math:`a_1, a_2` the contracted axes (``axes``):

.. math::  y[b, i, j] = \sum_k x_1[b, \dots k \text{ at } a_1 \dots]\; x_2[b, \dots k \text{ at } a_2 \dots]

The remaining axes of :math:`x_1` (:math:`i`) come first, then those of :math:`x_2` (:math:`j`);
two vectors give ``(batch, 1)``. Moving the contracted axis last in :math:`x_1` and first (after
the batch) in :math:`x_2` makes it a batched matrix product :math:`Y_b = A_b B_b`, so

.. math::  \frac{\partial L}{\partial A_b} = \Delta_b B_b^\top,\qquad
           \frac{\partial L}{\partial B_b} = A_b^\top \Delta_b .

``normalize=True`` first L2-normalizes each input along its contracted axis, so the dot product
is the cosine similarity: :math:`u = x \cdot \min(1/\lVert x\rVert, 1/\epsilon)` with
:math:`\epsilon = 10^{-7}` (Keras 3's ``normalize``), whose gradient is the projection

.. math::  \frac{\partial L}{\partial x} = \frac{1}{\lVert x \rVert}\left(\bar u - u\,\langle u, \bar u\rangle\right)

(:math:`\bar u` the gradient reaching :math:`u`; a vector shorter than :math:`\epsilon` is just
scaled by :math:`1/\epsilon`).
"""
from __future__ import annotations

import numpy as np

from ...explain import Step, format_shape
from .base_merge import _Merge

__all__ = ["Dot"]

EPSILON = 1e-7      # keras.config.epsilon(), the cap of 1/||x|| in Keras 3's normalize


class Dot(_Merge):
    r"""Dot product of two inputs along ``axes``, sample by sample.

    Args:
        axes: int (the same axis of both inputs; negative counts from the end) or a pair
            ``(axis_of_x1, axis_of_x2)``. Not 0: the batch axis is never contracted.
        normalize: L2-normalize both inputs along their axes first (cosine similarity).

    Input: a list of 2 arrays of rank >= 2 with equal sizes along the contracted axes.
    Output: ``(batch, *other axes of x1, *other axes of x2)``, at least ``(batch, 1)``.

    >>> Dot(axes=1)([np.ones((2, 3)), np.ones((2, 3))])
    array([[3.],
           [3.]])
    """
    min_inputs = exact_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2 or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                                         for a in axes):
                raise ValueError(f"{self._label}: axes must be an int or a pair of ints, got {axes!r}")
            axes = [int(a) for a in axes]
        elif isinstance(axes, bool) or not isinstance(axes, (int, np.integer)):
            raise ValueError(f"{self._label}: axes must be an int or a pair of ints, got {axes!r}")
        else:
            axes = int(axes)
        self.axes = axes
        self.normalize = bool(normalize)

    def _resolve_axes(self, shapes):
        """The two contracted axes as non-negative ints, checked against the shapes."""
        pair = self.axes if isinstance(self.axes, list) else [self.axes, self.axes]
        resolved = []
        for axis, shape in zip(pair, shapes):
            if len(shape) < 2:
                raise ValueError(f"{self._label} expected inputs of rank >= 2 (batch, ...), got shapes "
                                 f"{format_shape(shapes)}")
            if not -len(shape) <= axis < len(shape):
                raise ValueError(f"{self._label}: axes {self.axes} is out of range for the input shapes "
                                 f"{format_shape(shapes)}")
            axis %= len(shape)
            if axis == 0:
                raise ValueError(f"{self._label} cannot take the dot product over axis 0, the batch "
                                 f"axis (axes={self.axes}, shapes {format_shape(shapes)})")
            resolved.append(axis)
        return resolved

    def _output_shape(self, shapes):
        a1, a2 = self._resolve_axes(shapes)
        s1, s2 = shapes
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ValueError(f"{self._label}: incompatible shapes {format_shape(shapes)}: axis {a1} of "
                             f"the first has size {s1[a1]}, axis {a2} of the second has size {s2[a2]}")
        rest = [d for k, d in enumerate(s1) if k != a1] + [d for k, d in enumerate(s2) if k not in (0, a2)]
        return tuple(rest) + ((1,) if len(rest) == 1 else ())

    # ---------------------------------------------------------------- fast path
    def forward(self, xs, training=False, mask=None):
        x1, x2 = xs
        a1, a2 = self._resolve_axes([x1.shape, x2.shape])
        u1, inv1 = _l2_normalize(x1, a1) if self.normalize else (x1, None)
        u2, inv2 = _l2_normalize(x2, a2) if self.normalize else (x2, None)
        # The trick: contracted axis last in A, first (after the batch) in B, the other axes
        # flattened, and the whole thing is one batched matmul (batch, R1, k) @ (batch, k, R2).
        A = np.moveaxis(u1, a1, -1)
        B = np.moveaxis(u2, a2, 1)
        rest1, rest2 = A.shape[1:-1], B.shape[2:]
        k = A.shape[-1]
        A3 = A.reshape(len(A), -1, k)
        B3 = B.reshape(len(B), k, -1)
        y = (A3 @ B3).reshape((len(A),) + rest1 + rest2)
        if y.ndim == 1:
            y = y[:, None]
        self.cache = (x1, x2, a1, a2, u1, u2, inv1, inv2, A3, B3, A.shape, B.shape)
        return y

    def backward(self, dy):
        x1, x2, a1, a2, u1, u2, inv1, inv2, A3, B3, a_shape, b_shape = self.cache
        d3 = dy.reshape(len(dy), A3.shape[1], B3.shape[2])
        dA = (d3 @ np.swapaxes(B3, 1, 2)).reshape(a_shape)
        dB = (np.swapaxes(A3, 1, 2) @ d3).reshape(b_shape)
        du1, du2 = np.moveaxis(dA, -1, a1), np.moveaxis(dB, 1, a2)
        if self.normalize:
            return [_l2_normalize_backward(u1, inv1, du1, a1), _l2_normalize_backward(u2, inv2, du2, a2)]
        return [du1, du2]

    # ---------------------------------------------------------------- reference path
    def forward_reference(self, xs, training=False, mask=None):
        x1, x2 = xs
        a1, a2 = self._resolve_axes([x1.shape, x2.shape])
        u1 = _l2_normalize_reference(x1, a1) if self.normalize else x1
        u2 = _l2_normalize_reference(x2, a2) if self.normalize else x2
        A, B = np.moveaxis(u1, a1, -1), np.moveaxis(u2, a2, 1)
        rest1, rest2 = A.shape[1:-1], B.shape[2:]
        y = np.zeros((len(A),) + rest1 + rest2, dtype=self.dtype)
        for b in range(len(A)):                        # every sample,
            for i in np.ndindex(rest1):                # every remaining position of x1,
                for j in np.ndindex(rest2):            # every remaining position of x2:
                    y[(b,) + i + j] = np.dot(A[(b,) + i], B[(b, slice(None)) + j])
        self.cache = (x1, x2, a1, a2, A, B)
        return y[:, None] if y.ndim == 1 else y

    def backward_reference(self, dy):
        x1, x2, a1, a2, A, B = self.cache
        rest1, rest2 = A.shape[1:-1], B.shape[2:]
        dy = dy.reshape((len(A),) + rest1 + rest2)
        dA, dB = np.zeros_like(A), np.zeros_like(B)
        for b in range(len(A)):
            for i in np.ndindex(rest1):
                for j in np.ndindex(rest2):
                    g = dy[(b,) + i + j]               # y[b,i,j] = sum_k A[b,i,k] B[b,k,j]
                    dA[(b,) + i] += g * B[(b, slice(None)) + j]
                    dB[(b, slice(None)) + j] += g * A[(b,) + i]
        du1, du2 = np.moveaxis(dA, -1, a1), np.moveaxis(dB, 1, a2)
        if not self.normalize:
            return [du1, du2]
        return [_l2_normalize_backward_reference(x1, du1, a1), _l2_normalize_backward_reference(x2, du2, a2)]

    # ---------------------------------------------------------------- masks, explain, config
    def compute_mask(self, inputs, mask=None):
        return None          # Keras: the contracted axes mix time steps, so no mask survives

    @property
    def formula(self):
        if self.normalize:
            return (r"y_b = \left\langle \frac{x_{1,b}}{\lVert x_{1,b}\rVert},"
                    r" \frac{x_{2,b}}{\lVert x_{2,b}\rVert} \right\rangle"
                    rf"\ \text{{(cosine similarity along axes {self.axes})}}")
        return rf"y_b = \sum_k x_{{1,b}}[\dots k \dots]\, x_{{2,b}}[\dots k \dots]\ \text{{(axes {self.axes})}}"

    def shape_steps(self, input_shape):
        a1, a2 = self._resolve_axes([tuple(s) for s in input_shape])
        steps = []
        if self.normalize:
            steps.append(Step(f"L2-normalize x1 along axis {a1} and x2 along axis {a2}",
                              [tuple(s) for s in input_shape]))
        steps.append(Step(f"sum over axis {a1} of x1 and axis {a2} of x2 "
                          f"(size {input_shape[0][a1]}), per sample", self.compute_output_shape(input_shape)))
        return steps

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


# -------------------------------------------------------------------- L2 normalization and its gradient
def _l2_normalize(x, axis):
    """``u = x * min(1/||x||, 1/eps)`` along ``axis`` (Keras 3); returns ``u`` and the factor."""
    with np.errstate(divide="ignore"):
        inv = np.minimum(1.0 / np.sqrt(np.sum(x * x, axis=axis, keepdims=True)), 1.0 / EPSILON)
    inv = inv.astype(x.dtype)
    return x * inv, inv


def _l2_normalize_backward(u, inv, du, axis):
    """Project out the component along ``u`` (the length does not change ``u``), scale by 1/||x||.

    Where the cap 1/eps was active, ``u = x / eps`` is linear in x: the gradient is just scaled.
    """
    capped = inv >= 1.0 / EPSILON
    projected = inv * (du - u * np.sum(u * du, axis=axis, keepdims=True))
    return np.where(capped, du * inv, projected)


def _l2_normalize_reference(x, axis):
    """The same normalization one vector at a time."""
    moved = np.moveaxis(x, axis, -1)
    out = np.zeros_like(moved)
    for idx in np.ndindex(moved.shape[:-1]):
        vector = moved[idx]
        norm = np.sqrt(sum(v * v for v in vector))
        out[idx] = vector * (1.0 / EPSILON if norm <= EPSILON else 1.0 / norm)
    return np.moveaxis(out, -1, axis)


def _l2_normalize_backward_reference(x, du, axis):
    """du/dx of u = x/||x|| for one vector: (I - u u^T) / ||x||, applied vector by vector."""
    xm, dum = np.moveaxis(x, axis, -1), np.moveaxis(du, axis, -1)
    dx = np.zeros_like(xm)
    for idx in np.ndindex(xm.shape[:-1]):
        norm = np.sqrt(np.sum(xm[idx] ** 2))
        if norm <= EPSILON:
            dx[idx] = dum[idx] / EPSILON
            continue
        u = xm[idx] / norm
        jacobian = (np.eye(len(u)) - np.outer(u, u)) / norm
        dx[idx] = jacobian @ dum[idx]
    return np.moveaxis(dx, -1, axis)
