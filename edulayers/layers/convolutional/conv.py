r"""Conv1D, Conv2D, Conv3D: a kernel slid over 1, 2 or 3 spatial axes (and their Keras 1 names).

For a 2-D input :math:`x` (zero-padded as ``padding`` says), kernel :math:`W` of shape
``(k_h, k_w, C_in, F)``, strides :math:`s` and dilation :math:`d`:

.. math::  z_{i,j,f} = b_f + \sum_{a=0}^{k_h-1} \sum_{c=0}^{k_w-1} \sum_{m=0}^{C_{in}-1}
           x_{s_h i + d_h a,\ s_w j + d_w c,\ m}\; W_{a,c,m,f}, \qquad y = \sigma(z)

(1-D and 3-D drop or add one spatial sum). With ``groups = g`` the channels are split into
:math:`g` groups; filter :math:`f` of group :math:`\gamma` only sees that group's
:math:`C_{in}/g` input channels, so the kernel is ``(*kernel_size, C_in/g, F)``.

Backward, with :math:`\delta = \partial L / \partial z`: every weight meets every window,

.. math::  \frac{\partial L}{\partial W_{a,c,m,f}} = \sum_{i,j} x_{s_h i + d_h a,\, s_w j + d_w c,\, m}\,
           \delta_{i,j,f},\qquad \frac{\partial L}{\partial b_f} = \sum_{i,j} \delta_{i,j,f},

and every input position collects the gradient of each window it took part in:
:math:`\partial L/\partial x_{p,q,m} = \sum_{i,j,a,c,f} [s_h i + d_h a = p][s_w j + d_w c = q]\,
W_{a,c,m,f}\,\delta_{i,j,f}`.

The fast path writes this as matrix products: ``cols = im2col(x)`` (one row per window,
``prod(kernel_size)*C_in`` columns), ``z = cols @ W.reshape(-1, F) + b``; backward
``dW = cols^T @ delta`` and ``dx = col2im(delta @ W^T)`` (col2im, the adjoint of im2col, adds
overlapping windows). Shapes come from ``edulayers.utils.conv_utils``, windows from
``edulayers.utils.windows``.

This module is longer than most because Conv1D, Conv2D and Conv3D with their Keras 1 names are one
class: the argument handling, the grouped im2col fast path, the loop reference path and the
channels-first handling are written once for the three ranks.
"""
from __future__ import annotations

import itertools

import numpy as np

from ... import activations
from ...explain import Step
from ...utils import conv_utils
from ...utils.windows import (CHANNELS_LAST_MIN, col2im, col2im_t, full_correlation, im2col,
                              im2col_t, pad)
from .._legacy import keras1_arguments, keras1_kernel_size
from ..base import InputSpec, Layer, positive_int
from ..channelwise import column_sum, per_channel

# The base class Conv is importable from this module (Keras does not export BaseConv either).
__all__ = ["Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D",
           "Convolution3D", "AtrousConvolution1D", "AtrousConvolution2D"]

_SPATIAL_NAMES = {1: ("steps",), 2: ("rows", "cols"), 3: ("dim1", "dim2", "dim3")}
_INDEX = {1: ("i",), 2: ("i", "j"), 3: ("i", "j", "l")}
_TAP = {1: ("a",), 2: ("a", "c"), 3: ("a", "c", "e")}
_AXIS = {1: ("",), 2: ("_h", "_w"), 3: ("_1", "_2", "_3")}


def set_conv_arguments(layer, kernel_size, strides, padding, allowed_padding, data_format,
                       dilation_rate, activation, use_bias, **weight_options):
    """The arguments every convolution shares, checked and stored once (Conv and ConvTranspose).

    Tuples get the layer's rank, padding and data_format are validated, and strides > 1 with
    dilation_rate > 1 is refused as Keras does.
    """
    owner, rank = layer._label, layer.rank
    layer.kernel_size = conv_utils.normalize_tuple(kernel_size, rank, "kernel_size", owner)
    layer.strides = conv_utils.normalize_tuple(strides, rank, "strides", owner)
    layer.dilation_rate = conv_utils.normalize_tuple(dilation_rate, rank, "dilation_rate", owner)
    layer.padding = conv_utils.normalize_padding(padding, owner, allowed_padding)
    layer.data_format = conv_utils.normalize_data_format(data_format, owner)
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise ValueError(f"{owner}: strides > 1 not supported in conjunction with "
                         f"dilation_rate > 1 (as in Keras); got strides={layer.strides} and "
                         f"dilation_rate={layer.dilation_rate}")
    layer.activation = activations.get(activation)
    layer.use_bias = bool(use_bias)
    layer.set_weight_options(**weight_options)
    layer._axes = conv_utils.axes_description(rank, layer.data_format)
    layer.input_spec = InputSpec(ndim=rank + 2, description=layer._axes)


def _act_name(activation):
    return getattr(activation, "name", "f")


def _contiguous(a):
    return np.ascontiguousarray(a)    # a no-op for channels_last; one copy for channels_first


class Conv(Layer):
    r"""The shared N-D convolution (Keras' ``BaseConv``): ``rank`` spatial axes, kernel
    ``(*kernel_size, in_channels // groups, filters)``, bias ``(filters,)``.

    Subclasses fix ``rank`` (Conv1D: 1, Conv2D: 2, Conv3D: 3). See the module docstring for the
    math; the arguments are Keras 3's.

    Args:
        filters: number of output channels :math:`F`.
        kernel_size: int or tuple of ``rank`` ints.
        strides: int or tuple, default 1. ``strides > 1`` with ``dilation_rate > 1`` is an error
            (as in Keras).
        padding: ``"valid"`` (no padding), ``"same"`` (output length ``ceil(n/s)``, zeros split
            as TensorFlow does, the odd one after), and for Conv1D ``"causal"`` (all zeros before,
            so output ``t`` sees only inputs ``<= t``).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        dilation_rate: int or tuple; tap :math:`a` reads position :math:`s i + d a` (atrous).
        groups: split the input channels into this many groups (each group has its own filters).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as Dense.
    """

    rank = 2
    notes = (
        "Weights as Keras 2/3: kernel (*kernel_size, in_channels/groups, filters), bias (filters,). "
        "Keras 1 with dim_ordering='th' stored the kernel as (filters, in_channels, *kernel_size).",
        "padding='same' follows TensorFlow (and Keras 3 on every backend): total zeros "
        "max((ceil(n/s)-1)*s + d*(k-1)+1 - n, 0), the odd one after.",
        "groups exists since Keras 2.3 (TensorFlow 2.3); dilation_rate since Keras 2 (Keras 1 had "
        "AtrousConvolution1D/2D with atrous_rate); strides > 1 with dilation_rate > 1 is an error.",
    )

    @keras1_arguments
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner, rank = self._label, self.rank
        positive_int(filters, "filters", owner)
        if not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError(f"{owner}: groups must be a positive int, got {groups!r}")
        if filters % groups:
            raise ValueError(f"{owner}: filters ({filters}) must be divisible by groups ({groups})")
        self.filters, self.groups = int(filters), int(groups)
        allowed = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
        set_conv_arguments(self, kernel_size, strides, padding, allowed, data_format, dilation_rate,
                           activation, use_bias, kernel_initializer=kernel_initializer,
                           bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                           bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                           bias_constraint=bias_constraint)

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        channels = conv_utils.channel_count(input_shape, self.data_format)
        if channels is None:
            raise ValueError(f"{self._label}: the channel axis of the input must be known, got "
                             f"input shape {tuple(input_shape)}")
        if channels % self.groups:
            raise ValueError(f"{self._label}: the input's {channels} channels must be divisible by "
                             f"groups={self.groups} (input shape {tuple(input_shape)})")
        self.compute_output_shape(input_shape)          # a too-small input fails here, clearly
        self.add_weight("kernel", self.kernel_size + (channels // self.groups, self.filters),
                        self.kernel_initializer, self.kernel_regularizer, self.kernel_constraint)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer,
                            self.bias_regularizer, self.bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: channels},
                                    description=self._axes)

    # ---------------------------------------------------------------- helpers shared by both paths
    def _pads(self, spatial):
        return tuple(conv_utils.padding_amounts(n, k, s, d, self.padding) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def _prepare(self, x):
        """channels_last view of ``x``; checks the spatial size (a clear error, not an empty array)."""
        x = conv_utils.to_channels_last(x, self.data_format)
        conv_utils.conv_output_spatial_shape(self._label, x.shape[1:-1], self.kernel_size,
                                             self.strides, self.dilation_rate, self.padding)
        return x

    def _activate(self, z):
        """``activation(z)`` on ``z`` in the layer's data_format (channels_first copied once).

        As Keras, the activation acts on the layer's output as it is returned, so a softmax
        normalizes over its *last* axis: the channels for channels_last, the last spatial axis
        for channels_first (not the channels)."""
        return self.activation(_contiguous(conv_utils.from_channels_last(z, self.data_format)))

    def _dz(self, z, y, dy):
        """dL/dz in channels_last, from ``dy`` and ``y`` in the layer's data_format."""
        if _act_name(self.activation) != "linear":
            z = _contiguous(conv_utils.from_channels_last(z, self.data_format))
            dy = self.activation.backward(z, y, dy)     # in the data_format the forward used
        return conv_utils.to_channels_last(dy, self.data_format)

    def _group_kernels(self, with_bias):
        """The kernel as one matrix per group, ``(groups, K*C_g [+1], F_g)``; the bias rides as a
        last row when ``with_bias`` (matching the row of ones that im2col_t appends)."""
        g, k_cols = self.groups, self.kernel.shape[-2] * int(np.prod(self.kernel_size))
        w = self.kernel.reshape(k_cols, g, self.filters // g).transpose(1, 0, 2)
        if with_bias:
            w = np.concatenate([w, self.bias.reshape(g, 1, self.filters // g)], axis=1)
        return w

    # ---------------------------------------------------------------- fast path: im2col + one GEMM
    def _channels_last_windows(self, x):
        """Whether the fast path copies windows channels last (one row of ``(tap, channel)`` per
        window, :func:`~edulayers.utils.windows.im2col`): with many channels and one group its
        copies move long runs; with few channels (RGB, grayscale) or with groups the tap-major,
        channels-first layout of ``im2col_t`` copies longer ones."""
        return self.groups == 1 and x.shape[-1] >= CHANNELS_LAST_MIN

    def forward(self, x, training=False, mask=None):
        x = self._prepare(x)
        pads = self._pads(x.shape[1:-1])
        # The trick: copy every window into a row (or column) of one matrix (im2col), so that the
        # whole convolution is one matrix product per group.
        channels_last = self._channels_last_windows(x)
        if channels_last:
            cols = im2col(x, self.kernel_size, self.strides, self.dilation_rate, pads)
            out = cols.shape[1:-1]
            z = cols.reshape(-1, cols.shape[-1]) @ self.kernel.reshape(-1, self.filters)
            if self.use_bias:
                per_channel(np.add, z, self.bias, out=z)
        else:   # tap-major im2col with a row of ones: the bias rides on the product
            cols, out = im2col_t(x, self.kernel_size, self.strides, self.dilation_rate, pads,
                                 groups=self.groups, ones_row=self.use_bias)
            w = self._group_kernels(self.use_bias)
            if self.groups == 1:
                z = cols[0].T @ w[0]                                    # (N, F)
            else:
                z = np.matmul(cols.transpose(0, 2, 1), w).transpose(1, 0, 2).reshape(-1, self.filters)
        z = z.reshape(x.shape[0], *out, self.filters)
        y = self._activate(z)
        self.cache = (channels_last, x.shape, pads, cols, z, y)
        return y

    def backward(self, dy):
        channels_last, x_shape, pads, cols, z, y = self.cache
        dz = self._dz(z, y, dy)
        dz2 = np.ascontiguousarray(dz).reshape(-1, self.filters)        # (N, F)
        if channels_last:
            self.grads["kernel"] = (cols.reshape(-1, cols.shape[-1]).T @ dz2).reshape(self.kernel.shape)
            if self.use_bias:
                self.grads["bias"] = column_sum(dz2)
            if all(s == 1 for s in self.strides):    # dx: a full correlation of dz with W flipped
                dx = full_correlation(dz, self.kernel, x_shape, self.dilation_rate, pads)
            else:                                    # dx = col2im(delta W^T)
                dcols = dz2 @ self.kernel.reshape(-1, self.filters).T
                dx = col2im(dcols.reshape(cols.shape), x_shape, self.kernel_size, self.strides,
                            self.dilation_rate, pads)
            return _contiguous(conv_utils.from_channels_last(dx, self.data_format))
        g, f_g = self.groups, self.filters // self.groups
        if g == 1:
            dw = (cols[0] @ dz2)[None]                                   # (1, K*C [+1], F)
            dcols_t = self._group_kernels(False)[0] @ dz2.T              # (K*C, N): W delta^T
        else:
            dz_g = dz2.reshape(-1, g, f_g).transpose(1, 0, 2)            # (g, N, F_g)
            dw = np.matmul(cols, dz_g)
            dcols_t = np.matmul(self._group_kernels(False), dz_g.transpose(0, 2, 1))
        k_rows = self.kernel.shape[-2] * int(np.prod(self.kernel_size))
        self.grads["kernel"] = dw[:, :k_rows].transpose(1, 0, 2).reshape(self.kernel.shape)
        if self.use_bias:
            self.grads["bias"] = dw[:, k_rows].reshape(self.filters)   # the ones row: sum of delta
        dx = col2im_t(dcols_t, x_shape, self.kernel_size, self.strides, self.dilation_rate, pads)
        return _contiguous(conv_utils.from_channels_last(dx, self.data_format))

    # ---------------------------------------------------------------- reference path: the definition
    def _window(self, p):
        """Index of the (dilated) window of output position ``p`` in the padded input."""
        return tuple(slice(pi * s, pi * s + d * (k - 1) + 1, d) for pi, k, s, d in
                     zip(p, self.kernel_size, self.strides, self.dilation_rate))

    def forward_reference(self, x, training=False, mask=None):
        x = self._prepare(x)
        pads = self._pads(x.shape[1:-1])
        xp = pad(x, pads)
        out = conv_utils.conv_output_spatial_shape(self._label, x.shape[1:-1], self.kernel_size,
                                                   self.strides, self.dilation_rate, self.padding)
        c_g, f_g = self.kernel.shape[-2], self.filters // self.groups
        z = np.zeros((x.shape[0], *out, self.filters), dtype=x.dtype)
        for n in range(x.shape[0]):                          # every sample
            for p in itertools.product(*map(range, out)):    # every output position
                window = xp[(n,) + self._window(p)]          # (*kernel_size, C_in)
                for g in range(self.groups):                 # z_f = sum over window and channels
                    ch, fl = slice(g * c_g, (g + 1) * c_g), slice(g * f_g, (g + 1) * f_g)
                    z[(n, *p, fl)] = np.tensordot(window[..., ch], self.kernel[..., fl],
                                                  axes=self.rank + 1)
        if self.use_bias:
            z += self.bias
        y = self._activate(z)
        self.cache = (x, pads, z, y)
        return y

    def backward_reference(self, dy):
        x, pads, z, y = self.cache
        dz = self._dz(z, y, dy)
        xp = pad(x, pads)
        dxp = np.zeros_like(xp)
        dkernel = np.zeros_like(self.kernel)
        c_g, f_g = self.kernel.shape[-2], self.filters // self.groups
        for n in range(x.shape[0]):
            for p in itertools.product(*map(range, dz.shape[1:-1])):
                win = (n,) + self._window(p)
                for g in range(self.groups):
                    ch, fl = slice(g * c_g, (g + 1) * c_g), slice(g * f_g, (g + 1) * f_g)
                    delta = dz[(n, *p, fl)]                                     # (F_g,)
                    # dW[..., f] += window * delta_f ;  dx[window] += sum_f W[..., f] delta_f
                    dkernel[..., fl] += np.multiply.outer(xp[win][..., ch], delta)
                    dxp[win + (ch,)] += self.kernel[..., fl] @ delta
        self.grads["kernel"] = dkernel
        if self.use_bias:
            self.grads["bias"] = dz.reshape(-1, self.filters).sum(axis=0)
        crop = (slice(None),) + tuple(slice(b, b + m) for (b, _), m in zip(pads, x.shape[1:-1]))
        return _contiguous(conv_utils.from_channels_last(dxp[crop], self.data_format))

    # ---------------------------------------------------------------- shapes, explain, config
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = conv_utils.spatial_shape(input_shape, self.data_format)
        out = conv_utils.conv_output_spatial_shape(self._label, spatial, self.kernel_size,
                                                   self.strides, self.dilation_rate, self.padding)
        return conv_utils.make_shape(input_shape[0], out, self.filters, self.data_format)

    @property
    def formula(self):
        idx, tap = _INDEX[self.rank], _TAP[self.rank]
        pos = ",\\,".join(f"s{a} {i} + d{a} {t}" for a, i, t in zip(_AXIS[self.rank], idx, tap))
        sums = "".join(rf"\sum_{{{t}}}" for t in tap) + r"\sum_{m}"
        w_index = ",".join(tap) + ",m,f"
        if self.groups > 1:   # filter f sees only the channels of its group
            sums = "".join(rf"\sum_{{{t}}}" for t in tap) + r"\sum_{m \in \mathrm{group}(f)}"
        inner = f"{sums} x_{{{pos},\\,m}}\\, W_{{{w_index}}}" + (" + b_f" if self.use_bias else "")
        name = _act_name(self.activation)
        lhs = f"y_{{{','.join(idx)},f}}"
        return f"{lhs} = {inner}" if name == "linear" else rf"{lhs} = \mathrm{{{name}}}\Big({inner}\Big)"

    def shape_steps(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = conv_utils.spatial_shape(input_shape, self.data_format)
        first = 1 if self.data_format == "channels_last" else 2
        shape = list(input_shape)
        steps = []
        for axis, (n, k, s, d) in enumerate(zip(spatial, self.kernel_size, self.strides,
                                                self.dilation_rate)):
            shape[first + axis] = conv_utils.conv_output_length(n, k, self.padding, s, d)
            text = conv_utils.output_length_formula(n, k, self.padding, s, d)
            steps.append(Step(f"{_SPATIAL_NAMES[self.rank][axis]} (kernel {k}, stride {s}, "
                              f"dilation {d}, padding '{self.padding}'): {text}", tuple(shape)))
        c_in = conv_utils.channel_count(input_shape, self.data_format)
        window = "*".join(str(k) for k in self.kernel_size) + f"*{c_in // self.groups}"
        out = self.compute_output_shape(input_shape)
        kernel = self.kernel_size + (c_in // self.groups, self.filters)
        what = f"each window ({window} values) times kernel {kernel}"
        if self.groups > 1:
            what += f", {self.groups} groups of {c_in // self.groups} channels"
        steps.append(Step(what + (f" + bias ({self.filters},)" if self.use_bias else ""), out))
        if _act_name(self.activation) != "linear":
            steps.append(Step(f"{_act_name(self.activation)} elementwise", out))
        return steps

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "groups": self.groups,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias}


class Conv1D(Conv):
    r"""1-D convolution over ``(batch, steps, channels)``: :math:`y_{i,f} = \sigma(\sum_{a,m}
    x_{s i + d a, m} W_{a,m,f} + b_f)`. ``padding="causal"`` pads ``d*(k-1)`` zeros before only.

    Keras 1's ``input_dim``/``input_length`` are accepted (``input_shape=(input_length, input_dim)``).

    >>> Conv1D(32, 5, input_shape=(100, 16)).explain().param_formula
    '5*16*32 + 32'
    """
    rank = 1
    notes = Conv.notes + (
        "padding='causal' (Keras 2+) pads d*(k-1) zeros before the sequence only, so output t "
        "depends on inputs <= t (WaveNet); Keras 1 had no causal mode.",)

    def __init__(self, *args, input_dim=None, input_length=None, **kwargs):
        if input_dim is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length, input_dim)
        super().__init__(*args, **kwargs)


class Conv2D(Conv):
    r"""2-D convolution over ``(batch, rows, cols, channels)`` (the module docstring's formula).

    >>> Conv2D(64, 3, padding="same", input_shape=(32, 32, 3)).explain().param_formula
    '3*3*3*64 + 64'
    """
    rank = 2


class Conv3D(Conv):
    r"""3-D convolution over ``(batch, dim1, dim2, dim3, channels)`` (volumes, video).

    >>> Conv3D(8, 3, input_shape=(10, 10, 10, 1)).compute_output_shape((None, 10, 10, 10, 1))
    (None, 8, 8, 8, 8)
    """
    rank = 3


# ---------------------------------------------------------------------------- Keras 1 names
class Convolution1D(Conv1D):
    """Keras 1's name of :class:`Conv1D`:
    ``Convolution1D(nb_filter, filter_length, init=..., border_mode=..., subsample_length=...)``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*keras1_kernel_size(args, 1), **kwargs)


class Convolution2D(Conv2D):
    """Keras 1's name of :class:`Conv2D`:
    ``Convolution2D(nb_filter, nb_row, nb_col, border_mode=..., subsample=..., dim_ordering=...)``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*keras1_kernel_size(args, 2), **kwargs)


class Convolution3D(Conv3D):
    """Keras 1's name of :class:`Conv3D`:
    ``Convolution3D(nb_filter, kernel_dim1, kernel_dim2, kernel_dim3, border_mode=...,
    subsample=...)``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*keras1_kernel_size(args, 3), **kwargs)


class AtrousConvolution1D(Convolution1D):
    """Keras 1's dilated :class:`Conv1D`: ``AtrousConvolution1D(nb_filter, filter_length,
    atrous_rate=2, ...)``; ``atrous_rate`` is Keras 2's ``dilation_rate``."""


class AtrousConvolution2D(Convolution2D):
    """Keras 1's dilated :class:`Conv2D`: ``AtrousConvolution2D(nb_filter, nb_row, nb_col,
    atrous_rate=(2, 2), ...)``; ``atrous_rate`` is Keras 2's ``dilation_rate``."""
