r"""Concatenate: join inputs along one axis.

.. math::  y = [x_1 \,\|\, x_2 \,\|\, \dots \,\|\, x_n] \ \text{along axis } a, \qquad
           \frac{\partial L}{\partial x_k} = \delta[\dots, o_k : o_k + n_k, \dots]

where :math:`o_k` is where input :math:`k` starts along the axis and :math:`n_k` its size there:
backward cuts the upstream gradient into the pieces the inputs came from. Every other axis must
have the same size in every input (no broadcasting, as Keras).
"""
from __future__ import annotations

import numpy as np

from ...explain import format_shape
from .base_merge import _Merge

__all__ = ["Concatenate"]


class Concatenate(_Merge):
    r"""Concatenates a list of inputs along ``axis`` (default -1, the features).

    Args:
        axis: the axis to join along (negative counts from the end; 0 is the batch axis).

    Input: a list of arrays with the same shape except along ``axis``.
    Output: that shape, with the sizes along ``axis`` added up.

    >>> Concatenate()([np.zeros((2, 3)), np.ones((2, 4))]).shape
    (2, 7)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"{self._label}: axis must be an int, got {axis!r}")
        self.axis = int(axis)

    def _batch_axis_must_match(self):
        return False           # checked in _output_shape, unless joining along the batch axis

    def _axis_for(self, rank, shapes):
        if not -rank <= self.axis < rank:
            raise ValueError(f"{self._label}: axis {self.axis} is out of range for inputs of rank "
                             f"{rank}, got shapes {format_shape(shapes)}")
        return self.axis % rank

    def _output_shape(self, shapes):
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise ValueError(f"{self._label} expected inputs of the same rank, got shapes "
                             f"{format_shape(shapes)}")
        rank = ranks.pop()
        axis = self._axis_for(rank, shapes)
        out = []
        for k in range(rank):
            sizes = [s[k] for s in shapes]
            if k == axis:
                out.append(None if None in sizes else sum(sizes))
                continue
            known = set(sizes) - {None}
            if len(known) > 1:
                raise ValueError(
                    f"{self._label} requires inputs with matching shapes except along the "
                    f"concatenation axis {self.axis}, got shapes {format_shape(shapes)} (they differ "
                    f"on axis {k})")
            out.append(known.pop() if known else None)
        return tuple(out)

    # ---------------------------------------------------------------- fast path
    def forward(self, xs, training=False, mask=None):
        axis = self.axis % xs[0].ndim
        self.cache = ([x.shape[axis] for x in xs], axis)
        return np.concatenate(xs, axis=axis)

    def backward(self, dy):
        sizes, axis = self.cache
        # np.split at the running offsets returns views: the pieces the inputs came from.
        return [piece.copy() for piece in np.split(dy, np.cumsum(sizes)[:-1], axis=axis)]

    # ---------------------------------------------------------------- reference path
    def forward_reference(self, xs, training=False, mask=None):
        axis = self.axis % xs[0].ndim
        shape = list(xs[0].shape)
        shape[axis] = sum(x.shape[axis] for x in xs)
        y = np.zeros(shape, dtype=self.dtype)
        offset = 0
        for x in xs:                                   # every input, then every slice along the axis
            for j in range(x.shape[axis]):
                y[_at(axis, offset + j)] = x[_at(axis, j)]
            offset += x.shape[axis]
        self.cache = ([x.shape[axis] for x in xs], axis)
        return y

    def backward_reference(self, dy):
        sizes, axis = self.cache
        grads, offset = [], 0
        for n in sizes:                                # input k's gradient: its own slices of dy
            shape = list(dy.shape)
            shape[axis] = n
            g = np.zeros(shape, dtype=dy.dtype)
            for j in range(n):
                g[_at(axis, j)] = dy[_at(axis, offset + j)]
            grads.append(g)
            offset += n
        return grads

    # ---------------------------------------------------------------- masks, explain, config
    def compute_mask(self, inputs, mask=None):
        """Keras 3: concatenate the masks (an input without one counts as all True) and keep a
        step if any of its entries is kept."""
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(f"{self._label}: mask must be a list with one entry per input")
        if all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = np.ones(np.shape(x), dtype=bool)
            m = np.asarray(m, dtype=bool)
            if m.ndim < np.ndim(x):
                m = np.broadcast_to(m[..., None], np.shape(x))
            full.append(m)
        return np.any(np.concatenate(full, axis=self.axis), axis=-1)

    @property
    def formula(self):
        return (r"y = \left[x_1 \,\|\, x_2 \,\|\, \dots \,\|\, x_n\right]"
                rf"\ \text{{along axis }} {self.axis}")

    def step_description(self, n):
        return f"concatenate the {n} inputs along axis {self.axis} (sizes there add up)"

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def _at(axis, j):
    """The index ``[:, ..., :, j]`` with ``j`` at position ``axis``."""
    return (slice(None),) * axis + (j,)
