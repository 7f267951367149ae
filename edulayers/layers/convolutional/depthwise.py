r"""DepthwiseConv1D/2D: every input channel convolved with its own kernels, channels never mix.

With ``C`` input channels and depth multiplier ``M``, channel ``c`` gets ``M`` kernels of its own
and produces output channels ``c*M + m`` (2-D, channels last, stride ``s``, dilation ``d``):

.. math::  y_{n,i,j,\,cM+m} = \sigma\Big(\sum_{a,b} x_{n,\, i s_h + a d_h,\, j s_w + b d_w,\, c}\,
           K_{a,b,c,m} + b_{cM+m}\Big)

The kernel ``K`` has shape ``(k_h, k_w, C, M)`` and is called ``kernel`` in Keras 3
(``depthwise_kernel`` in Keras 2); the bias has ``C*M`` entries. Parameters:
``k_h k_w C M + C M`` against ``k_h k_w C F + F`` for a Conv2D with ``F = C M`` filters: the
depthwise layer is the Conv2D restricted to a block-diagonal kernel (``groups = C`` in PyTorch).

Backward, with :math:`\delta = \partial L/\partial z` the gradient through the activation:

.. math::  \frac{\partial L}{\partial K_{a,b,c,m}} = \sum_{n,i,j} x_{n,\,i s_h + a d_h,\,j s_w + b d_w,\,c}\;
           \delta_{n,i,j,cM+m}, \qquad
           \frac{\partial L}{\partial x_{n,p,q,c}} = \sum_{\text{windows and taps that read } (p, q)}
           \sum_m K_{a,b,c,m}\, \delta_{n,i,j,cM+m}

The module-level functions are the fast depthwise stage, shared with SeparableConv1D/2D (which
follow it with a 1x1 convolution): :func:`depthwise_grid` and :func:`depthwise_grid_backward`
for stride 1 (every tap a contiguous block of the flattened padded input, see :func:`flat_grid`),
:func:`depthwise_taps` and :func:`depthwise_taps_backward` for any stride (strided slices).

This module is longer than most because besides the two layers it holds the fast depthwise stage
that SeparableConv1D/2D reuse: the stride-1 grid over the flattened padded input and the strided-
slice version, each with its backward (measured faster than running DepthwiseConv as a grouped
Conv).
"""
from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import numpy as np

from ... import activations
from ...explain import Step
from ...utils import conv_utils
from ...utils.windows import pad, window_slices
from .._legacy import keras1_arguments
from ..base import InputSpec, Layer, positive_int

__all__ = ["DepthwiseConv1D", "DepthwiseConv2D"]


# ---------------------------------------------------------------------------- the fast depthwise stage
def column_sum(a):
    """``a.sum(axis=0)`` for a 2-D array, about 10x faster when ``a`` has few columns.

    NumPy sums axis 0 row by row, an inner loop as short as the row (16 channels); folding up to
    128 rows into one long row first gives it long inner loops. (A GEMV with a ones vector is as
    fast on an idle machine, but multithreaded BLAS stalls badly when its threads compete for
    busy cores.)
    """
    rows, cols = a.shape
    fold = math.gcd(rows, 128)
    return a.reshape(rows // fold, fold * cols).sum(axis=0).reshape(fold, cols).sum(axis=0)


def add_bias(z, bias):
    """``z += bias`` for a 2-D ``z`` (rows, channels), in place if ``z`` is C-contiguous, with
    long inner loops.

    Broadcasting a ``(C,)`` vector makes NumPy add ``C`` numbers at a time; folding up to 128
    rows into one long row and adding the bias tiled 128 times gives it whole rows (as in
    :func:`column_sum`). Returns ``z``.
    """
    z = np.ascontiguousarray(z)              # (so that the reshape below is a view)
    rows, cols = z.shape
    fold = math.gcd(rows, 128)
    long_rows = z.reshape(rows // fold, fold * cols)
    np.add(long_rows, np.tile(bias, fold), out=long_rows)
    return z


def _row_of(weights, width):
    """The per-channel ``weights`` repeated along a row of ``width`` positions, ``(width, C)``.

    Multiplying a ``(batch, ..., width, C)`` slice by ``weights`` of shape ``(C,)`` makes NumPy
    loop 16 channels at a time (the broadcast stops it from merging the row and channel axes);
    by a contiguous ``(width, C)`` row it runs whole rows (~2.7x faster, the same numbers).
    """
    return np.ascontiguousarray(np.broadcast_to(weights, (width, weights.shape[0])))


def depthwise_taps(xp, kernel, out_spatial, strides, dilation):
    """``(batch, *out, C, M)``: the depthwise convolution of the padded channels-last ``xp``.

    The trick: loop over the kernel taps only (9 for 3x3). Tap ``offset`` of every window is one
    strided slice of ``xp`` (``windows.window_slices``), ``(batch, *out, C)``; times that tap's
    weights ``K[offset, :, m]`` (one per channel, broadcast along the channel axis) it is added to
    output copy ``m``. No im2col copy of all the windows and no matrix product (each channel has
    its own tiny kernel: nothing to batch into a GEMM); each iteration works on the whole batch,
    and the innermost axis stays the long channel axis, never the short ``M`` axis.
    """
    multiplier = kernel.shape[-1]
    outs = [np.empty((xp.shape[0], *out_spatial, xp.shape[-1]), dtype=xp.dtype)
            for _ in range(multiplier)]
    tmp = np.empty_like(outs[0])
    taps = itertools.product(*(range(k) for k in kernel.shape[:-2]))
    for t, offset in enumerate(taps):
        patch = xp[window_slices(offset, out_spatial, strides, dilation)]     # (batch, *out, C)
        for m, out in enumerate(outs):
            weights = _row_of(kernel[offset][:, m], out_spatial[-1])
            if t == 0:
                np.multiply(patch, weights, out=out)                          # the first tap starts the sum
            else:
                np.multiply(patch, weights, out=tmp)
                out += tmp
    if multiplier == 1:
        return outs[0][..., None]                                             # a view, no copy
    return np.stack(outs, axis=-1)                                            # (batch, *out, C, M)


def depthwise_taps_backward(dz, xp, kernel, out_spatial, strides, dilation):
    """Gradients of :func:`depthwise_taps`: ``(dxp, dkernel)`` for ``dz`` of shape ``(batch, *out, C, M)``.

    The same loop over taps, run backwards: each tap's slice of ``xp`` times ``dz``, summed over
    the batch and positions, gives that tap's kernel gradient; ``dz`` times the tap's weights is
    added back into the tap's strided slice of ``dxp`` (overlapping windows add up).
    """
    channels, multiplier = kernel.shape[-2:]
    dxp = np.zeros(xp.shape, dtype=dz.dtype)
    dkernel = np.zeros(kernel.shape, dtype=dz.dtype)
    dzs = [np.ascontiguousarray(dz[..., m]) for m in range(multiplier)]      # (batch, *out, C) each
    tmp = np.empty_like(dzs[0])
    for offset in itertools.product(*(range(k) for k in kernel.shape[:-2])):
        index = window_slices(offset, out_spatial, strides, dilation)
        patch = xp[index]
        for m, dz_m in enumerate(dzs):
            np.multiply(patch, dz_m, out=tmp)
            dkernel[offset][:, m] = column_sum(tmp.reshape(-1, channels))
            np.multiply(dz_m, _row_of(kernel[offset][:, m], out_spatial[-1]), out=tmp)
            target = dxp[index]
            np.add(target, tmp, out=target)      # in place (`dxp[index] += tmp` writes the slice twice)
    return dxp, dkernel


# ------------------------------------------------------------- stride 1: the same taps on a flat grid
# A tap's slice of the padded input, ``xp[:, a:a+H, b:b+W]``, is strided: every row jumps over
# the padding, and NumPy runs strided slices 2-3x slower than contiguous blocks. With stride 1
# there is a way round it. Flatten the padded image row by row and compute the output on the
# padded *width* (each row gets k-1 extra positions, thrown away at the end): output position
# ``i*Wp + j`` then reads input position ``i*Wp + j + (a*Wp + b)`` at tap (a, b), so every tap is
# one contiguous block of the flat input, shifted by ``a*Wp + b``. (The same holds for any rank:
# every axis but the first is kept at its padded length.)

class Grid(NamedTuple):
    """Where things are on the flat grid of :func:`flat_grid`.

    ``padded``: the padded spatial shape; ``out``: the stride-1 output shape; ``size``:
    ``prod(padded)``; ``length``: the grid's length ``L = out_1 * padded_2 * ... * padded_r``;
    ``taps``: ``(offset, start)`` per kernel tap, ``start`` being where its block begins in the
    flat input.
    """
    padded: tuple
    out: tuple
    size: int
    length: int
    taps: list

    def padded_view(self, flat):
        """The ``(batch, *padded, C)`` image inside a flat ``(batch, size + tail, C)`` buffer."""
        return flat[:, :self.size].reshape(flat.shape[0], *self.padded, flat.shape[-1])

    def outputs(self, on_grid):
        """The real outputs of a ``(batch, L, C)`` grid array, without the padded-width columns:
        a ``(batch, *out, C)`` view (assignable)."""
        rows = on_grid.reshape(on_grid.shape[0], self.out[0], *self.padded[1:], on_grid.shape[-1])
        return rows[(slice(None), slice(None)) + tuple(slice(0, o) for o in self.out[1:])]


def flat_grid(x, pads, kernel_size, dilation):
    """Zero-pad ``x`` (batch, *spatial, C) into a flat ``(batch, P + tail, C)`` buffer, where
    ``P = prod(padded)`` and the ``tail`` of zeros lets the last tap's block run past the end.

    Returns ``(flat, grid)`` (a :class:`Grid`).
    """
    padded = tuple(n + b + a for n, (b, a) in zip(x.shape[1:-1], pads))
    out = tuple(n - d * (k - 1) for n, k, d in zip(padded, kernel_size, dilation))
    steps = [int(np.prod(padded[i + 1:])) for i in range(len(padded))]     # flat stride per axis
    taps = [(offset, sum(a * d * st for a, d, st in zip(offset, dilation, steps)))
            for offset in itertools.product(*(range(k) for k in kernel_size))]
    size, length = steps[0] * padded[0], out[0] * steps[0]
    grid = Grid(padded, out, size, length, taps)
    tail = max(start for _, start in taps) + length - size
    flat = np.zeros((x.shape[0], size + tail, x.shape[-1]), dtype=x.dtype)
    interior = tuple(slice(b, b + n) for (b, _), n in zip(pads, x.shape[1:-1]))
    grid.padded_view(flat)[(slice(None),) + interior] = x
    return flat, grid


def _plane(weights, length):
    """The per-channel ``weights`` spread over a whole grid sample, ``(L, C)``: multiplying by
    it, NumPy broadcasts only along the batch axis and runs ``L*C``-long loops (a ``(C,)``
    vector would make it run 16 channels at a time; see ``_row_of``)."""
    return np.ascontiguousarray(np.broadcast_to(weights, (length, weights.shape[0])))


def depthwise_grid(flat, grid, kernel):
    """:func:`depthwise_taps` for stride 1 on the flat grid: ``(batch, *out, C, M)``."""
    batch, channels, length = flat.shape[0], flat.shape[-1], grid.length
    result = np.empty((batch, *grid.out, channels, kernel.shape[-1]), dtype=flat.dtype)
    acc = np.empty((batch, length, channels), dtype=flat.dtype)
    tmp = np.empty_like(acc)
    for m in range(kernel.shape[-1]):
        for t, (offset, start) in enumerate(grid.taps):
            patch = flat[:, start:start + length]                      # one contiguous block
            plane = _plane(kernel[offset][:, m], length)
            if t == 0:
                np.multiply(patch, plane, out=acc)                     # the first tap starts the sum
            else:
                np.multiply(patch, plane, out=tmp)
                acc += tmp
        result[..., m] = grid.outputs(acc)                             # drop the padded-width columns
    return result


def depthwise_grid_backward(dz, flat, grid, kernel):
    """Gradients of :func:`depthwise_grid`: ``(dflat, dkernel)``; ``dflat`` is laid out as ``flat``.

    ``dz`` is first placed on the grid with zeros in the padded-width columns, so those columns
    add nothing to either gradient; then every tap is contiguous again.
    """
    batch, channels, length = flat.shape[0], flat.shape[-1], grid.length
    dflat = np.zeros(flat.shape, dtype=dz.dtype)
    dkernel = np.zeros(kernel.shape, dtype=dz.dtype)
    dz_grid = np.zeros((batch, length, channels), dtype=dz.dtype)
    tmp = np.empty_like(dz_grid)
    for m in range(kernel.shape[-1]):
        grid.outputs(dz_grid)[...] = dz[..., m]
        for offset, start in grid.taps:
            np.multiply(flat[:, start:start + length], dz_grid, out=tmp)
            dkernel[offset][:, m] = column_sum(tmp.reshape(-1, channels))
            np.multiply(dz_grid, _plane(kernel[offset][:, m], length), out=tmp)
            target = dflat[:, start:start + length]
            target += tmp
    return dflat, dkernel


class _DepthwiseBase(Layer):
    """What DepthwiseConv and SeparableConv share: arguments, padding, and the depthwise stage
    (fast and reference). ``_depthwise_name`` is the kernel's weight name."""

    rank = 2
    _depthwise_name = "kernel"

    def _setup_depthwise(self, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         depthwise_constraint, bias_constraint):
        owner = type(self).__name__
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, self.rank, "kernel_size", owner)
        self.strides = conv_utils.normalize_tuple(strides, self.rank, "strides", owner)
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, self.rank, "dilation_rate", owner)
        self.padding = conv_utils.normalize_padding(padding, owner)
        self.data_format = conv_utils.normalize_data_format(data_format, owner)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", owner)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.set_weight_options(depthwise_initializer=depthwise_initializer,
                                bias_initializer=bias_initializer,
                                depthwise_regularizer=depthwise_regularizer,
                                bias_regularizer=bias_regularizer,
                                depthwise_constraint=depthwise_constraint,
                                bias_constraint=bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    description=conv_utils.axes_description(self.rank, self.data_format))

    # ------------------------------------------------------------------ shapes
    def _channels(self, input_shape):
        channels = conv_utils.channel_count(input_shape, self.data_format)
        if channels is None:
            raise ValueError(f"{self._label} needs the number of input channels to build its "
                             f"kernel; got input shape {tuple(input_shape)} with channels None")
        return channels

    def _out_spatial(self, input_shape, what="input"):
        spatial = conv_utils.spatial_shape(input_shape, self.data_format)
        return conv_utils.conv_output_spatial_shape(self._label, spatial, self.kernel_size,
                                                    self.strides, self.dilation_rate, self.padding,
                                                    what=what)

    def _out_spatial_last(self, shape_last):
        return conv_utils.conv_output_spatial_shape(self._label, shape_last[1:-1], self.kernel_size,
                                                    self.strides, self.dilation_rate, self.padding)

    def _pads(self, spatial):
        return tuple(conv_utils.padding_amounts(n, k, s, d, self.padding)
                     for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def _build_depthwise(self, input_shape):
        channels = self._channels(input_shape)
        self._out_spatial(input_shape)                       # a clear error if the kernel cannot fit
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={channel_axis: channels},
                                    description=conv_utils.axes_description(self.rank, self.data_format))
        self.add_weight(self._depthwise_name, (*self.kernel_size, channels, self.depth_multiplier),
                        self.depthwise_initializer, self.depthwise_regularizer,
                        self.depthwise_constraint)
        return channels

    # ------------------------------------------------------------------ the depthwise stage
    def _depthwise_fast(self, x_last):
        """Channels-last input -> ``(padded input, depthwise output (batch, *out, C*M), geometry)``.

        Stride 1: the taps run on the flat grid (contiguous blocks); with strides, on strided
        slices of the padded input."""
        out = self._out_spatial_last(x_last.shape)
        pads = self._pads(x_last.shape[1:-1])
        kernel = self._weights[self._depthwise_name]
        if all(s == 1 for s in self.strides):
            flat, grid = flat_grid(x_last, pads, self.kernel_size, self.dilation_rate)
            d = depthwise_grid(flat, grid, kernel)
            return flat, d.reshape(*d.shape[:-2], -1), (pads, out, grid)
        xp = pad(x_last, pads)
        d = depthwise_taps(xp, kernel, out, self.strides, self.dilation_rate)
        return xp, d.reshape(*d.shape[:-2], -1), (pads, out, None)  # channel c, copy m -> c*M + m

    def _depthwise_fast_backward(self, dd, xp, geometry, x_shape):
        pads, out, grid = geometry
        kernel = self._weights[self._depthwise_name]
        dz = dd.reshape(*dd.shape[:-1], kernel.shape[-2], kernel.shape[-1])
        if grid is None:
            dxp, dkernel = depthwise_taps_backward(dz, xp, kernel, out, self.strides,
                                                   self.dilation_rate)
        else:
            dflat, dkernel = depthwise_grid_backward(dz, xp, grid, kernel)
            dxp = grid.padded_view(dflat)
        self.grads[self._depthwise_name] = dkernel
        crop = (slice(None),) + tuple(slice(b, b + n) for (b, _), n in zip(pads, x_shape[1:-1])) \
            + (slice(None),)
        return np.ascontiguousarray(dxp[crop])

    def _depthwise_reference(self, x_last):
        """The loop: every sample, output position and channel, one small window times its kernels."""
        out = self._out_spatial_last(x_last.shape)
        pads = self._pads(x_last.shape[1:-1])
        xp = pad(x_last, pads)
        kernel = self._weights[self._depthwise_name]                 # (*k, C, M)
        channels, multiplier = kernel.shape[-2:]
        d = np.zeros((x_last.shape[0], *out, channels * multiplier), dtype=x_last.dtype)
        for n in range(x_last.shape[0]):                             # every sample
            for pos in np.ndindex(*out):                             # every output position
                window = xp[(n, *self._window_index(pos))]           # (*k, C): what the kernel sees
                for c in range(channels):                            # every channel on its own
                    for m in range(multiplier):                      # ... with each of its M kernels
                        d[(n, *pos, c * multiplier + m)] = np.sum(window[..., c] * kernel[..., c, m])
        return xp, d, (pads, out)

    def _depthwise_reference_backward(self, dd, xp, geometry, x_shape):
        pads, out = geometry
        kernel = self._weights[self._depthwise_name]
        channels, multiplier = kernel.shape[-2:]
        dxp = np.zeros(xp.shape, dtype=dd.dtype)
        dkernel = np.zeros(kernel.shape, dtype=dd.dtype)
        for n in range(xp.shape[0]):
            for pos in np.ndindex(*out):
                index = (n, *self._window_index(pos))
                window = xp[index]
                for c in range(channels):
                    for m in range(multiplier):
                        g = dd[(n, *pos, c * multiplier + m)]
                        dkernel[..., c, m] += g * window[..., c]     # dL/dK = sum of window * delta
                        dxp[index + (c,)] += g * kernel[..., c, m]   # each tap sends delta * K back
        self.grads[self._depthwise_name] = dkernel
        crop = (slice(None),) + tuple(slice(b, b + n) for (b, _), n in zip(pads, x_shape[1:-1])) \
            + (slice(None),)
        return dxp[crop]

    def _window_index(self, pos):
        """The taps of the window at output position ``pos``: ``p*s, p*s + d, ..., p*s + (k-1)*d``."""
        return tuple(slice(p * s, p * s + (k - 1) * d + 1, d)
                     for p, k, s, d in zip(pos, self.kernel_size, self.strides, self.dilation_rate))

    # ------------------------------------------------------------------ explain helpers
    def _depthwise_steps(self, input_shape, channels_out, label):
        spatial = conv_utils.spatial_shape(input_shape, self.data_format)
        batch = input_shape[0]
        channels = conv_utils.channel_count(input_shape, self.data_format)
        steps = []
        if self.padding == "same" and None not in spatial:
            pads = self._pads(spatial)
            if any(b or a for b, a in pads):
                padded = tuple(n + b + a for n, (b, a) in zip(spatial, pads))
                sums = " and ".join(f"{b} + {n} + {a}" for n, (b, a) in zip(spatial, pads))
                steps.append(Step(f"zero-pad ('same'): {sums}",
                                  conv_utils.make_shape(batch, padded, channels, self.data_format)))
        out = self._out_spatial(input_shape, what="input_shape")
        names = {1: ("steps",), 2: ("rows", "cols")}[self.rank]
        arithmetic = "; ".join(f"{name} {conv_utils.output_length_formula(n, k, self.padding, s, d)}"
                               for name, n, k, s, d in zip(names, spatial, self.kernel_size,
                                                           self.strides, self.dilation_rate))
        kernel = "x".join(str(k) for k in self.kernel_size)
        steps.append(Step(f"{label}: each of the {channels} channels slides its own "
                          f"{self.depth_multiplier} kernel(s) of size {kernel} ({arithmetic})",
                          conv_utils.make_shape(batch, out, channels_out, self.data_format)))
        return steps, out

    def _activation_name(self):
        return getattr(self.activation, "name", "f")

    def _through_activation(self, z, y, dy):
        """dL/dz from dL/dy; the identity needs no multiplication by ones."""
        if self._activation_name() == "linear":
            return dy
        return self.activation.backward(z, y, dy)


class _DepthwiseConv(_DepthwiseBase):
    """DepthwiseConv of any rank: the depthwise stage, a bias per output channel, an activation."""

    def build(self, input_shape):
        channels = self._build_depthwise(input_shape)
        if self.use_bias:
            self.add_weight("bias", (channels * self.depth_multiplier,), self.bias_initializer,
                            self.bias_regularizer, self.bias_constraint)

    # ---------------------------------------------------------------- fast path: loop over taps only
    def forward(self, x, training=False, mask=None):
        return self._forward(x, self._depthwise_fast)

    def backward(self, dy):
        return self._backward(dy, self._depthwise_fast_backward)

    # ---------------------------------------------------------------- reference path: the definition
    def forward_reference(self, x, training=False, mask=None):
        return self._forward(x, self._depthwise_reference)

    def backward_reference(self, dy):
        return self._backward(dy, self._depthwise_reference_backward)

    def _forward(self, x, stage):
        x_last = conv_utils.to_channels_last(x, self.data_format)
        xp, z_last, geometry = stage(x_last)
        if self.use_bias:
            z_last = add_bias(z_last.reshape(-1, z_last.shape[-1]), self.bias).reshape(z_last.shape)
        # The activation acts on the output in the layer's data_format, as in Keras.
        z = np.ascontiguousarray(conv_utils.from_channels_last(z_last, self.data_format))
        y = self.activation(z)
        self.cache = (x_last.shape, xp, geometry, z, y)
        return y

    def _backward(self, dy, stage_backward):
        x_shape, xp, geometry, z, y = self.cache
        dz = conv_utils.to_channels_last(self._through_activation(z, y, dy), self.data_format)
        if self.use_bias:
            self.grads["bias"] = column_sum(dz.reshape(-1, dz.shape[-1]))
        dx_last = stage_backward(dz, xp, geometry, x_shape)
        return np.ascontiguousarray(conv_utils.from_channels_last(dx_last, self.data_format))

    # ---------------------------------------------------------------- shapes, explain, config
    def compute_output_shape(self, input_shape):
        channels = conv_utils.channel_count(input_shape, self.data_format)
        out = self._out_spatial(input_shape, what="input_shape")
        return conv_utils.make_shape(input_shape[0], out,
                                     None if channels is None else channels * self.depth_multiplier,
                                     self.data_format)

    @property
    def formula(self):
        if self.rank == 1:
            idx, src, taps = "n,i,cM+m", r"x_{n,\, i s + a d,\, c}\, K_{a,c,m}", "a"
        else:
            idx = "n,i,j,cM+m"
            src = r"x_{n,\, i s_h + a d_h,\, j s_w + b d_w,\, c}\, K_{a,b,c,m}"
            taps = "a,b"
        inner = rf"\sum_{{{taps}}} {src}" + (r" + b_{cM+m}" if self.use_bias else "")
        name = self._activation_name()
        return (rf"y_{{{idx}}} = {inner}" if name == "linear"
                else rf"y_{{{idx}}} = \mathrm{{{name}}}\Big({inner}\Big)")

    def shape_steps(self, input_shape):
        channels = conv_utils.channel_count(input_shape, self.data_format)
        cm = None if channels is None else channels * self.depth_multiplier
        steps, _ = self._depthwise_steps(input_shape, cm, "depthwise")
        out = steps[-1].shape
        if self.use_bias:
            steps.append(Step(f"+ bias ({cm},): one per output channel", out))
        if self._activation_name() != "linear":
            steps.append(Step(f"{self._activation_name()} elementwise", out))
        return steps

    def param_formula(self, input_shape):
        channels = conv_utils.channel_count(input_shape, self.data_format)
        kernel = "*".join(str(k) for k in self.kernel_size)
        kernel = kernel if self.rank == 1 else f"({kernel})"
        text = f"{kernel}*{channels}*{self.depth_multiplier}"
        if self.use_bias:
            text += f" + {channels}*{self.depth_multiplier}"
        return text

    def explain_notes(self):
        return ["weight 'kernel' of shape (*kernel_size, in_channels, depth_multiplier) as Keras 3 "
                "(Keras 2 called it 'depthwise_kernel'); output channel c*depth_multiplier + m comes "
                "from input channel c and its m-th kernel",
                "the same as a Conv with groups = in_channels (PyTorch) and a block-diagonal kernel",
                "Keras 3 allows strides > 1 together with dilation_rate > 1 here (TensorFlow decomposes "
                "it), unlike Conv1D/2D"]

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "depth_multiplier": self.depth_multiplier,
                "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias}


class DepthwiseConv2D(_DepthwiseConv):
    r"""2-D depthwise convolution: each channel filtered by its own ``depth_multiplier`` kernels.

    Args:
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints (default 1).
        padding: ``"valid"`` (default) or ``"same"`` (TensorFlow's rule: the extra zero after).
        depth_multiplier: output channels per input channel (default 1).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        dilation_rate: int or tuple of 2 ints (default 1): atrous taps ``d`` apart.
        activation, use_bias: as Conv2D.
        depthwise_initializer, bias_initializer: default ``"glorot_uniform"``, ``"zeros"``.
        depthwise_regularizer, bias_regularizer, activity_regularizer, depthwise_constraint,
        bias_constraint: as in Keras.

    Weights: ``kernel (kh, kw, in_ch, depth_multiplier)`` (Keras 3's name; Keras 2:
    ``depthwise_kernel``), ``bias (in_ch * depth_multiplier,)``.

    Input shape:  ``(batch, rows, cols, channels)`` (or channels first).
    Output shape: ``(batch, new_rows, new_cols, channels * depth_multiplier)``.

    >>> DepthwiseConv2D(3, input_shape=(32, 32, 16)).explain().param_formula
    '(3*3)*16*1 + 16*1'
    """

    rank = 2

    @keras1_arguments
    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._setup_depthwise(kernel_size, strides, padding, data_format, dilation_rate,
                              depth_multiplier, activation, use_bias, depthwise_initializer,
                              bias_initializer, depthwise_regularizer, bias_regularizer,
                              depthwise_constraint, bias_constraint)


class DepthwiseConv1D(_DepthwiseConv):
    r"""1-D depthwise convolution (Keras 3): each feature channel of a sequence filtered on its own.

    Same arguments as :class:`DepthwiseConv2D` with ints for ``kernel_size``, ``strides`` and
    ``dilation_rate``. Weights: ``kernel (k, in_ch, depth_multiplier)``, ``bias (in_ch * M,)``.

    Input shape: ``(batch, steps, channels)``. Output: ``(batch, new_steps, channels * M)``.
    """

    rank = 1

    @keras1_arguments
    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._setup_depthwise(kernel_size, strides, padding, data_format, dilation_rate,
                              depth_multiplier, activation, use_bias, depthwise_initializer,
                              bias_initializer, depthwise_regularizer, bias_regularizer,
                              depthwise_constraint, bias_constraint)
