r"""Max and average pooling over 1-D, 2-D and 3-D windows: ``MaxPooling*D``, ``AveragePooling*D``.

A pooling layer slides a window of ``pool_size`` over the spatial axes with step ``strides``
(default: ``pool_size``, so the windows tile the input) and reduces each window, channel by
channel. It has no weights. In 2-D, with window :math:`W_{ij} = \{(i s_1 + a,\ j s_2 + b) :
0 \le a < p_1,\ 0 \le b < p_2\}` of the (padded) input:

.. math::  y_{ijc} = \max_{(u,v) \in W_{ij}} x_{uvc}
           \qquad\text{or}\qquad
           y_{ijc} = \frac{1}{|W_{ij} \cap \text{input}|} \sum_{(u,v) \in W_{ij} \cap \text{input}} x_{uvc}

Output length per axis (``conv_utils.conv_output_length``): ``valid``
:math:`\lfloor (n - p)/s \rfloor + 1`, ``same`` :math:`\lceil n/s \rceil` with TensorFlow's
padding rule (total :math:`\max((\lceil n/s\rceil - 1)s + p - n, 0)`, the odd cell after).

Backward:

* **average**: every cell of a window receives :math:`\partial L/\partial y_{ij}` divided by the
  number of real cells of the window, and overlapping windows add up.
* **max**: the whole gradient of a window goes to its maximum. **Tie rule:** when several cells
  of a window hold the maximum, the *first* of them in row-major window order (the order of
  ``np.argmax`` on the flattened window) gets all of it; the others get zero. TensorFlow's CPU
  ``MaxPoolGrad`` and PyTorch's ``max_pool2d`` (whose backward Keras 3 on torch uses) both keep
  the first maximum they meet scanning the window row by row, so this is their rule too.
  With overlapping windows (``strides < pool_size``) one cell can be the maximum of several
  windows and then collects the gradient of each of them. **NaN:** a window holding a NaN has
  the maximum NaN on both paths (NaN propagates, as in TensorFlow's and JAX's max pool), and its
  first NaN gets the window's gradient (``np.argmax``'s rule; Keras 3 on JAX routes it so too).

Padding ``same``: max pooling pads with :math:`-\infty` (a padded cell never wins); average
pooling averages over the real cells only (Keras on TensorFlow; Keras 3 on torch agrees when the
padding is symmetric but pads by replicating the edge when it is not, which gives a different
average: edulayers follows TensorFlow, as book/protocol.md says).

Fast path: when the windows tile the input (``strides == pool_size``, ``valid``, every size
divisible) a reshape ``(batch, n_1/p_1, p_1, ..., channels)`` turns pooling into one reduction
over the window axes. Otherwise windows are *separable*: the max (or sum) over a
:math:`p_1 \times p_2` box is the max along the columns followed by the max along the rows, and
each of those is a loop over the :math:`p` offsets of one axis, reducing one strided slice of the
whole batch per offset (:math:`p_1 + p_2` slice operations instead of :math:`p_1 p_2`). Reducing
the innermost axis first keeps the tie rule: the first row holding the maximum, and in it the
first column. The reference path loops over output positions, as a student would write it.

This module is longer than most because max and average pooling in 1, 2 and 3 dimensions share one
base class: the window arithmetic, the fast separable-max path with its tie rule, the average's
count of valid cells under same padding, and the loop reference path are each written once for six
layers.
"""
from __future__ import annotations

import itertools

import numpy as np

from ...explain import Step
from ...utils.conv_utils import (axes_description, conv_output_length, from_channels_last,
                                 normalize_data_format, normalize_padding, normalize_tuple,
                                 output_length_formula, padding_amounts, to_channels_last)
from .._legacy import keras1_arguments
from ..base import InputSpec, Layer

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
           "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
           "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D"]

_AXIS_NAMES = {1: ("steps",), 2: ("rows", "cols"), 3: ("dim1", "dim2", "dim3")}


class _Pooling(Layer):
    """Shared machinery of the six pooling layers; subclasses set ``rank`` and ``mode``."""

    rank = 2
    mode = "max"          # or "average"
    notes = (
        "0 parameters: a pooling layer only reduces windows.",
        "pool_size defaults to 2 (Keras 2); strides=None means strides = pool_size.",
    )

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", owner)
        self.strides = (self.pool_size if strides is None
                        else normalize_tuple(strides, self.rank, "strides", owner))
        self.padding = normalize_padding(padding, owner)
        self.data_format = normalize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    description=axes_description(self.rank, self.data_format))

    def build(self, input_shape):
        # No weights; only check that every output axis is non-empty (the error shows the arithmetic).
        self._output_spatial(self._spatial(input_shape))

    # ---------------------------------------------------------------- fast path
    def forward(self, x, training=False, mask=None):
        x = to_channels_last(x, self.data_format)
        out = self._output_spatial(x.shape[1:-1])
        if self._windows_tile(x.shape[1:-1]):
            # Reshape trick: (batch, o1, p1, o2, p2, ..., C) - every window is one block, and
            # cell (a, b) of all the windows is one strided slice: pooling is p1*p2 elementwise
            # maxima (or sums) of whole slices.
            blocks = x.reshape(self._block_shape(x.shape, out))
            cells = self._cells(blocks)
            y = next(cells).copy()
            for cell in cells:
                if self.mode == "max":
                    np.maximum(y, cell, out=y)
                else:
                    y += cell
            if self.mode == "average":
                y /= int(np.prod(self.pool_size))
            self.cache = ("tiles", x, blocks, y, out)
        else:
            pads = self._pads(x.shape[1:-1])
            xp = self._pad(x, pads)
            y = np.empty((x.shape[0], *out, x.shape[-1]), dtype=x.dtype)
            for chunk in self._batch_chunks(xp):
                y[chunk] = self._separable_forward(xp[chunk], out)[1]
            if self.mode == "average":
                y /= self._real_counts(x.shape[1:-1], out, x.dtype)
            self.cache = ("separable", x, xp, y, out, pads)
        return np.ascontiguousarray(from_channels_last(y, self.data_format))

    def backward(self, dy):
        dy = to_channels_last(dy, self.data_format)
        kind, x, held, y, out = self.cache[:5]
        if kind == "tiles":
            dx = self._backward_tiles(dy, x, held, y, out)
        else:
            dx = self._crop(self._backward_separable(dy, held, out, x.shape[1:-1]), self.cache[5],
                            x.shape)
        return np.ascontiguousarray(from_channels_last(dx, self.data_format))

    def _cells(self, blocks):
        """Cell ``(a, b, ...)`` of every window of the tiled ``blocks``, in row-major window order:
        ``(batch, *out, C)`` strided views."""
        for offset in itertools.product(*(range(p) for p in self.pool_size)):
            yield blocks[(slice(None),) + sum(((slice(None), a) for a in offset), ()) + (slice(None),)]

    def _backward_tiles(self, dy, x, blocks, y, out):
        expand = self._block_shape((x.shape[0], *out, x.shape[-1]), out, ones=True)
        if self.mode == "average":
            area = int(np.prod(self.pool_size))
            return np.broadcast_to(dy.reshape(expand) / area, blocks.shape).reshape(x.shape)
        winners = blocks == y.reshape(expand)
        nan_max = None
        if np.isnan(y).any():
            # a window holding NaN has the max NaN (as TensorFlow and JAX), and NaN != NaN: its
            # NaN cells are the candidates, the first of them takes the gradient (np.argmax's rule)
            nan_max = np.isnan(y)
            winners |= np.isnan(blocks) & nan_max.reshape(expand)
        if np.count_nonzero(winners) == y.size:          # one maximum per window: no ties
            return (winners * dy.reshape(expand)).reshape(x.shape)
        # Tied maxima (ReLU's zeros tie in every dead window): visit the cells of every window in
        # row-major order; a cell takes the window's gradient if it holds the maximum and no
        # earlier cell took it (the tie rule).
        dblocks = np.empty(blocks.shape, dtype=dy.dtype)
        unpaid = np.ones(y.shape, dtype=bool)
        hit = np.empty(y.shape, dtype=bool)
        for cell, dcell in zip(self._cells(blocks), self._cells(dblocks)):
            np.equal(cell, y, out=hit)
            if nan_max is not None:
                hit |= nan_max & np.isnan(cell)
            hit &= unpaid
            np.multiply(dy, hit, out=dcell)
            unpaid &= ~hit
        return dblocks.reshape(x.shape)

    # Separable windows: the max (or sum) over a p1 x p2 box is the max along the columns
    # (p2 strided slices) followed by the max along the rows (p1 slices): p1 + p2 slice operations
    # instead of p1 * p2 (6 instead of 9 for 3x3), one axis at a time, in any rank.
    # Cache blocking: the batch is processed a few samples at a time, so that the arrays of one
    # chunk stay in the CPU cache between the slice operations (3x faster on a 32x32x64 batch).
    def _batch_chunks(self, xp, target_bytes=1 << 18):
        size = max(1, target_bytes // max(1, xp[:1].nbytes))
        return [slice(i, i + size) for i in range(0, xp.shape[0], size)]

    def _separable_forward(self, xp, out):
        """Reduce the last spatial axis first, then the one before...; returns (stage inputs, y)."""
        stages, a = [], xp
        for axis in reversed(range(self.rank)):
            stages.append(a)
            reduced = None
            for offset in range(self.pool_size[axis]):        # one strided slice per offset
                cells = a[self._along(axis, offset, out[axis])]
                if reduced is None:
                    reduced = cells.copy()
                elif self.mode == "max":
                    np.maximum(reduced, cells, out=reduced)
                else:
                    reduced += cells
            a = reduced
        return stages, a

    def _backward_separable(self, dy, xp, out, spatial):
        """dL/d(padded input), chunk by chunk of the batch (``spatial``: the unpadded sizes)."""
        if self.mode == "average":
            dy = dy / self._real_counts(spatial, out, dy.dtype)
        dxp = np.empty(xp.shape, dtype=dy.dtype)
        for chunk in self._batch_chunks(xp):
            # Max: the stages are recomputed for the chunk (cheaper than storing them all).
            stages, y = (self._separable_forward(xp[chunk], out) if self.mode == "max"
                         else (None, None))
            dxp[chunk] = self._separable_backward(dy[chunk], xp[chunk].shape, stages, y, out)
        return dxp

    def _separable_backward(self, dy, xp_shape, stages, y, out):
        # Undo the stages in reverse order: axis 0 (reduced last) first.
        for axis in range(self.rank):
            shape = list(dy.shape)
            shape[axis + 1] = xp_shape[axis + 1]            # this stage's input: axis not reduced
            da = np.zeros(shape, dtype=dy.dtype)
            if self.mode == "average":
                for offset in range(self.pool_size[axis]):
                    da[self._along(axis, offset, out[axis])] += dy
            else:
                a, reduced = stages[-1 - axis], (stages + [y])[-1 - axis]
                # Offsets in window order; `left` is the gradient not yet given away, so a window
                # whose maximum appears twice pays only its first occurrence (the tie rule). Doing
                # the inner axis first makes that the first maximum in row-major window order.
                left = dy.copy()
                hit = np.empty(dy.shape, dtype=bool)
                share = np.empty_like(left)
                nan_max = np.isnan(reduced)               # a NaN in the window makes the max NaN:
                nan_max = nan_max if nan_max.any() else None   # then its first NaN is the winner
                for offset in range(self.pool_size[axis]):
                    where = self._along(axis, offset, out[axis])
                    np.equal(a[where], reduced, out=hit)
                    if nan_max is not None:
                        hit |= nan_max & np.isnan(a[where])
                    np.multiply(left, hit, out=share)
                    da[where] += share
                    left -= share
            dy = da
        return dy

    # ---------------------------------------------------------------- reference path: loops
    def forward_reference(self, x, training=False, mask=None):
        x = to_channels_last(x, self.data_format)
        out = self._output_spatial(x.shape[1:-1])
        pads = self._pads(x.shape[1:-1])
        xp = self._pad(x, pads)
        real = np.pad(np.ones(x.shape[1:-1], dtype=x.dtype), pads)   # 1 on input cells, 0 on pads
        batch, channels = x.shape[0], x.shape[-1]
        y = np.empty((batch, *out, channels), dtype=x.dtype)
        for position in np.ndindex(*out):                   # every output position
            window = self._window(position)
            patch = xp[(slice(None),) + window].reshape(batch, -1, channels)   # (batch, cells, C)
            if self.mode == "max":
                y[(slice(None),) + position] = patch.max(axis=1)
            else:                                           # padded cells hold 0: sum / real cells
                y[(slice(None),) + position] = patch.sum(axis=1) / real[window].sum()
        self.cache = (x, xp, real, pads, out)
        return from_channels_last(y, self.data_format)

    def backward_reference(self, dy):
        dy = to_channels_last(dy, self.data_format)
        x, xp, real, pads, out = self.cache
        batch, channels = x.shape[0], x.shape[-1]
        dxp = np.zeros(xp.shape, dtype=dy.dtype)
        for position in np.ndindex(*out):
            window = self._window(position)
            g = dy[(slice(None),) + position]                # (batch, C)
            if self.mode == "max":
                patch = xp[(slice(None),) + window].reshape(batch, -1, channels)
                first = patch.argmax(axis=1)                 # the first maximum (row-major order)
                dpatch = np.zeros_like(patch)
                np.put_along_axis(dpatch, first[:, None, :], g[:, None, :], axis=1)
            else:
                cells = int(np.prod(self.pool_size))
                dpatch = np.repeat(g[:, None, :] / real[window].sum(), cells, axis=1)
            dxp[(slice(None),) + window] += dpatch.reshape(batch, *self.pool_size, channels)
        return from_channels_last(self._crop(dxp, pads, x.shape), self.data_format)

    # ---------------------------------------------------------------- helpers
    def _spatial(self, shape):
        shape = tuple(shape)
        return shape[1:-1] if self.data_format == "channels_last" else shape[2:]

    def _output_spatial(self, spatial):
        out = []
        for axis, (n, p, s) in enumerate(zip(spatial, self.pool_size, self.strides)):
            length = conv_output_length(n, p, self.padding, s)
            if length is not None and length <= 0:
                name = _AXIS_NAMES[self.rank][axis]
                hint = ("a window larger than the input fits nowhere with padding='valid': use a "
                        "smaller pool_size or padding='same'" if self.padding == "valid"
                        else "the input is empty along this axis")
                raise ValueError(
                    f"{self._label}: output size along {name} (spatial axis {axis + 1}) would be "
                    f"{output_length_formula(n, p, self.padding, s)} (must be positive): the input "
                    f"has {n} positions there, pool_size is {p}, strides {s}, "
                    f"padding={self.padding!r}; {hint}")
            out.append(length)
        return tuple(out)

    def _windows_tile(self, spatial):
        return (self.padding == "valid" and self.strides == self.pool_size
                and all(n % p == 0 for n, p in zip(spatial, self.pool_size)))

    def _block_shape(self, shape, out, ones=False):
        blocks = [shape[0]]
        for o, p in zip(out, self.pool_size):
            blocks += [o, 1 if ones else p]
        return tuple(blocks) + (shape[-1],)

    def _pads(self, spatial):
        return [padding_amounts(n, p, s, 1, self.padding)
                for n, p, s in zip(spatial, self.pool_size, self.strides)]

    def _pad(self, x, pads):
        if not any(b or a for b, a in pads):
            return x
        # -inf never wins a max; 0 adds nothing to an average's sum (divided by real cells only).
        fill = -np.inf if self.mode == "max" else 0
        return np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=fill)

    def _crop(self, dxp, pads, shape):
        if not any(b or a for b, a in pads):
            return dxp
        return dxp[(slice(None),) + tuple(slice(b, b + n) for (b, _), n in zip(pads, shape[1:-1]))]

    def _along(self, axis, offset, length):
        """Tap ``offset`` of every window along one spatial axis: a strided slice of that axis."""
        index = [slice(None)] * (self.rank + 2)
        s = self.strides[axis]
        index[axis + 1] = slice(offset, offset + (length - 1) * s + 1, s)
        return tuple(index)

    def _window(self, position):
        return tuple(slice(i * s, i * s + p)
                     for i, s, p in zip(position, self.strides, self.pool_size))

    def _real_counts(self, spatial, out, dtype):
        """How many input (not padding) cells each window holds: a product of one count per axis."""
        counts = np.ones((1,) * (self.rank + 2), dtype=dtype)
        for axis, (n, p, s, o, (before, _)) in enumerate(
                zip(spatial, self.pool_size, self.strides, out, self._pads(spatial))):
            start = np.arange(o) * s - before
            along = np.minimum(start + p, n) - np.maximum(start, 0)
            shape = [1] * (self.rank + 2)
            shape[axis + 1] = o
            counts = counts * along.reshape(shape).astype(dtype)
        return counts

    # ---------------------------------------------------------------- shapes, explain, config
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        out = self._output_spatial(self._spatial(input_shape))
        if self.data_format == "channels_last":
            return (input_shape[0], *out, input_shape[-1])
        return (input_shape[0], input_shape[1], *out)

    @property
    def formula(self):
        names = "uvw"[:self.rank]
        index = "".join("ijk"[:self.rank])
        cells = ",\\,".join(names)
        window = (rf"({cells}) \in W_{{{index}}}" if self.rank > 1
                  else rf"{cells} \in W_{{{index}}}")
        if self.mode == "max":
            return rf"y_{{{index}c}} = \max_{{{window}}} x_{{{''.join(names)}c}}"
        return (rf"y_{{{index}c}} = \frac{{1}}{{|W_{{{index}}}|}} \sum_{{{window}}} "
                rf"x_{{{''.join(names)}c}}")

    def shape_steps(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = list(self._spatial(input_shape))
        offset = 1 if self.data_format == "channels_last" else 2
        steps, shape = [], list(input_shape)
        for axis, (n, p, s) in enumerate(zip(spatial, self.pool_size, self.strides)):
            shape[offset + axis] = conv_output_length(n, p, self.padding, s)
            steps.append(Step(f"{_AXIS_NAMES[self.rank][axis]}: "
                              f"{output_length_formula(n, p, self.padding, s)}", tuple(shape)))
        what = "max" if self.mode == "max" else "average"
        size = "x".join(map(str, self.pool_size)) if self.rank > 1 else f"length-{self.pool_size[0]}"
        pad = ""
        if self.padding == "same":
            pad = (", padded with -inf" if self.mode == "max"
                   else ", averaged over the real (unpadded) cells only")
        steps.append(Step(f"{what} over each {size} window (strides {self.strides}{pad}), "
                          "per channel", self.compute_output_shape(input_shape)))
        return steps

    def param_formula(self, input_shape):
        return "0"

    def explain_notes(self):
        notes = list(self.notes)
        if self.mode == "max":
            notes.append("backward: each window's gradient goes to its maximum; on a tie, to the "
                         "first maximum in row-major window order (as TensorFlow and PyTorch).")
        elif self.padding == "same":
            notes.append("padding='same' averages over the real cells only (Keras on TensorFlow); "
                         "Keras 3 on torch replicates the edge when the padding is asymmetric.")
        return notes

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format}


class MaxPooling1D(_Pooling):
    r"""Max pooling for temporal data: the maximum of each window of ``pool_size`` steps.

    .. math::  y_{ic} = \max_{0 \le a < p} x_{i s + a,\, c}

    Args:
        pool_size: int, window length (default 2).
        strides: int or None (= ``pool_size``).
        padding: ``"valid"`` or ``"same"`` (pads with :math:`-\infty`, TensorFlow's rule).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        Keras 1 names ``pool_length``, ``stride``, ``border_mode`` are accepted.

    Input shape: ``(batch, steps, channels)`` (or ``(batch, channels, steps)``).
    Output shape: ``(batch, pooled_steps, channels)``.

    Backward: the first maximum of each window (in window order) gets the window's gradient.

    >>> MaxPooling1D(2).explain((None, 10, 4)).trace
    '(None, 10, 4) -> (None, 5, 4)'
    """
    rank, mode = 1, "max"

    @keras1_arguments
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    r"""Max pooling for images: the maximum of each ``pool_size`` window, per channel.

    .. math::  y_{ijc} = \max_{0 \le a < p_1,\ 0 \le b < p_2} x_{i s_1 + a,\ j s_2 + b,\ c}

    Args:
        pool_size: int or tuple of 2 ints (default 2).
        strides: int, tuple of 2 ints, or None (= ``pool_size``).
        padding: ``"valid"`` or ``"same"`` (pads with :math:`-\infty`, TensorFlow's rule).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        Keras 1 names ``border_mode``, ``dim_ordering`` are accepted.

    Input shape: ``(batch, rows, cols, channels)`` (or ``(batch, channels, rows, cols)``).
    Output shape: ``(batch, pooled_rows, pooled_cols, channels)``.

    Backward: each window's gradient goes to its maximum; on a tie to the first maximum in
    row-major window order. With overlapping windows a cell collects from every window it wins.

    >>> MaxPooling2D((2, 2)).explain((None, 32, 32, 3)).trace
    '(None, 32, 32, 3) -> (None, 16, 32, 3) -> (None, 16, 16, 3)'
    """
    rank, mode = 2, "max"

    @keras1_arguments
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_Pooling):
    r"""Max pooling for volumes (space or space-time): the maximum of each ``pool_size`` box.

    .. math::  y_{ijkc} = \max_{a<p_1,\,b<p_2,\,e<p_3} x_{i s_1 + a,\ j s_2 + b,\ k s_3 + e,\ c}

    Args:
        pool_size: int or tuple of 3 ints (default 2).
        strides: int, tuple of 3 ints, or None (= ``pool_size``).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, dim1, dim2, dim3, channels)`` (or channels first).
    Output shape: ``(batch, pooled_dim1, pooled_dim2, pooled_dim3, channels)``.

    >>> MaxPooling3D(2).explain((None, 8, 8, 8, 1)).output_shape
    (None, 4, 4, 4, 1)
    """
    rank, mode = 3, "max"

    @keras1_arguments
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    r"""Average pooling for temporal data: the mean of each window of ``pool_size`` steps.

    .. math::  y_{ic} = \frac{1}{|W_i|} \sum_{u \in W_i} x_{uc},
               \quad W_i = \{is, \dots, is+p-1\} \cap \text{input}

    With ``padding="same"`` only the real (unpadded) cells are averaged (Keras on TensorFlow).

    Args:
        pool_size: int, window length (default 2).
        strides: int or None (= ``pool_size``).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        Keras 1 names ``pool_length``, ``stride``, ``border_mode`` are accepted.

    Input shape: ``(batch, steps, channels)``. Output shape: ``(batch, pooled_steps, channels)``.

    >>> AveragePooling1D(3, strides=2, padding="same").explain((None, 6, 1)).output_shape
    (None, 3, 1)
    """
    rank, mode = 1, "average"

    @keras1_arguments
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    r"""Average pooling for images: the mean of each ``pool_size`` window, per channel.

    .. math::  y_{ijc} = \frac{1}{|W_{ij}|} \sum_{(u,v) \in W_{ij}} x_{uvc}

    :math:`W_{ij}` holds the real cells of the window (padding is not counted, Keras on TensorFlow).

    Args:
        pool_size: int or tuple of 2 ints (default 2).
        strides: int, tuple of 2 ints, or None (= ``pool_size``).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, rows, cols, channels)``.
    Output shape: ``(batch, pooled_rows, pooled_cols, channels)``.

    >>> AveragePooling2D(2).explain((None, 4, 4, 1)).output_shape
    (None, 2, 2, 1)
    """
    rank, mode = 2, "average"

    @keras1_arguments
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling):
    r"""Average pooling for volumes: the mean of each ``pool_size`` box (real cells only).

    .. math::  y_{ijkc} = \frac{1}{|W_{ijk}|} \sum_{(u,v,w) \in W_{ijk}} x_{uvwc}

    Args:
        pool_size: int or tuple of 3 ints (default 2).
        strides: int, tuple of 3 ints, or None (= ``pool_size``).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, dim1, dim2, dim3, channels)``.
    Output shape: ``(batch, pooled_dim1, pooled_dim2, pooled_dim3, channels)``.

    >>> AveragePooling3D(2).explain((None, 4, 4, 4, 2)).output_shape
    (None, 2, 2, 2, 2)
    """
    rank, mode = 3, "average"

    @keras1_arguments
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


# Keras 3's short aliases.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
