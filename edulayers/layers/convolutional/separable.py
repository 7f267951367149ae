r"""SeparableConv1D/2D: a depthwise convolution followed by a 1x1 (pointwise) convolution.

Stage 1 (depthwise, see ``depthwise.py``) filters each of the ``C`` input channels with its own
``M`` kernels and keeps the channels apart; stage 2 (pointwise) mixes the ``C*M`` results into
``F`` filters at every position, then bias and activation (2-D, channels last):

.. math::  d_{n,i,j,\,cM+m} = \sum_{a,b} x_{n,\, i s_h + a d_h,\, j s_w + b d_w,\, c}\, D_{a,b,c,m},
           \qquad y_{n,i,j,f} = \sigma\Big(\sum_{q} d_{n,i,j,q}\, P_{q,f} + b_f\Big)

Weights (Keras order): ``depthwise_kernel (k_h, k_w, C, M)``, ``pointwise_kernel (1, 1, C*M, F)``,
``bias (F,)``. Parameters ``k_h k_w C M + C M F + F`` instead of Conv2D's ``k_h k_w C F + F``:
for 3x3, C = 16, F = 32 that is 144 + 512 + 32 = 688 against 4640.

Backward, with :math:`\delta = \partial L/\partial z` through the activation: the pointwise stage
is a Dense layer applied at every position, :math:`\partial L/\partial P = d^\top \delta`,
:math:`\partial L/\partial b = \mathbf 1^\top\delta`, :math:`\partial L/\partial d = \delta P^\top`,
and :math:`\partial L/\partial d` goes through the depthwise stage's backward.
"""
from __future__ import annotations

import numpy as np

from ... import activations
from ...explain import Step
from ...utils import conv_utils
from .._legacy import keras1_arguments, keras1_kernel_size
from ..base import positive_int
from .depthwise import _DepthwiseBase, add_bias, column_sum

__all__ = ["SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D"]


class _SeparableConv(_DepthwiseBase):
    """SeparableConv of any rank: depthwise stage, pointwise GEMM, bias, activation."""

    _depthwise_name = "depthwise_kernel"

    def _setup_separable(self, filters, pointwise_initializer, pointwise_regularizer,
                         pointwise_constraint):
        owner = type(self).__name__
        self.filters = positive_int(filters, "filters", owner)
        self.set_weight_options(pointwise_initializer=pointwise_initializer,
                                pointwise_regularizer=pointwise_regularizer,
                                pointwise_constraint=pointwise_constraint)

    def build(self, input_shape):
        channels = self._build_depthwise(input_shape)
        self.add_weight("pointwise_kernel",
                        (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
                        self.pointwise_initializer, self.pointwise_regularizer,
                        self.pointwise_constraint)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer, self.bias_regularizer,
                            self.bias_constraint)

    # ---------------------------------------------------------------- fast path
    # Depthwise: a loop over the kernel taps (depthwise_taps). Pointwise: one GEMM
    # (batch*positions, C*M) @ (C*M, F), the 1x1 convolution seen as a Dense layer.
    def forward(self, x, training=False, mask=None):
        return self._forward(x, self._depthwise_fast)

    def backward(self, dy):
        return self._backward(dy, self._depthwise_fast_backward)

    # ---------------------------------------------------------------- reference path: the definition
    def forward_reference(self, x, training=False, mask=None):
        x_last = conv_utils.to_channels_last(x, self.data_format)
        xp, d, geometry = self._depthwise_reference(x_last)
        pointwise = self.pointwise_kernel.reshape(-1, self.filters)        # (C*M, F)
        z_last = np.zeros(d.shape[:-1] + (self.filters,), dtype=d.dtype)
        for n in range(d.shape[0]):
            for pos in np.ndindex(*d.shape[1:-1]):                         # every position
                for f in range(self.filters):                              # every filter mixes
                    z_last[(n, *pos, f)] = np.dot(d[(n, *pos)], pointwise[:, f])   # all C*M maps
                    if self.use_bias:
                        z_last[(n, *pos, f)] += self.bias[f]
        return self._finish(x_last, xp, geometry, d, z_last)

    def backward_reference(self, dy):
        x_shape, xp, geometry, d, z, y = self.cache
        dz = conv_utils.to_channels_last(self._through_activation(z, y, dy), self.data_format)
        pointwise = self.pointwise_kernel.reshape(-1, self.filters)
        dpointwise = np.zeros_like(pointwise)
        dbias = np.zeros(self.filters, dtype=dz.dtype)
        dd = np.zeros(d.shape, dtype=dz.dtype)
        for n in range(d.shape[0]):
            for pos in np.ndindex(*d.shape[1:-1]):
                dpointwise += np.outer(d[(n, *pos)], dz[(n, *pos)])       # dL/dP = sum d^T delta
                dbias += dz[(n, *pos)]
                dd[(n, *pos)] = pointwise @ dz[(n, *pos)]                 # dL/dd = delta P^T
        self.grads["pointwise_kernel"] = dpointwise.reshape(self.pointwise_kernel.shape)
        if self.use_bias:
            self.grads["bias"] = dbias
        dx_last = self._depthwise_reference_backward(dd, xp, geometry, x_shape)
        return np.ascontiguousarray(conv_utils.from_channels_last(dx_last, self.data_format))

    # ---------------------------------------------------------------- shared by both paths
    def _forward(self, x, stage):
        x_last = conv_utils.to_channels_last(x, self.data_format)
        xp, d, geometry = stage(x_last)
        rows = int(np.prod(d.shape[:-1]))
        z_last = (d.reshape(rows, -1) @ self.pointwise_kernel.reshape(-1, self.filters))
        if self.use_bias:
            add_bias(z_last, self.bias)
        return self._finish(x_last, xp, geometry, d, z_last.reshape(*d.shape[:-1], self.filters))

    def _finish(self, x_last, xp, geometry, d, z_last):
        # The activation acts on the output in the layer's data_format, as in Keras.
        z = np.ascontiguousarray(conv_utils.from_channels_last(z_last, self.data_format))
        y = self.activation(z)
        self.cache = (x_last.shape, xp, geometry, d, z, y)
        return y

    def _backward(self, dy, stage_backward):
        x_shape, xp, geometry, d, z, y = self.cache
        dz = conv_utils.to_channels_last(self._through_activation(z, y, dy), self.data_format)
        rows = int(np.prod(dz.shape[:-1]))
        dz2, d2 = dz.reshape(rows, self.filters), d.reshape(rows, -1)
        pointwise = self.pointwise_kernel.reshape(-1, self.filters)
        # (delta^T d)^T: BLAS runs the long sum over positions faster this way round
        self.grads["pointwise_kernel"] = (dz2.T @ d2).T.reshape(self.pointwise_kernel.shape)
        if self.use_bias:
            self.grads["bias"] = column_sum(dz2)
        dd = (dz2 @ pointwise.T).reshape(d.shape)
        dx_last = stage_backward(dd, xp, geometry, x_shape)
        return np.ascontiguousarray(conv_utils.from_channels_last(dx_last, self.data_format))

    # ---------------------------------------------------------------- shapes, explain, config
    def compute_output_shape(self, input_shape):
        out = self._out_spatial(input_shape, what="input_shape")
        return conv_utils.make_shape(input_shape[0], out, self.filters, self.data_format)

    @property
    def formula(self):
        if self.rank == 1:
            depth = r"d_{n,i,cM+m} = \sum_{a} x_{n,\, i s + a d,\, c}\, D_{a,c,m}"
            point, idx = r"\sum_q d_{n,i,q} P_{q,f}", "n,i,f"
        else:
            depth = (r"d_{n,i,j,cM+m} = \sum_{a,b} x_{n,\, i s_h + a d_h,\, j s_w + b d_w,\, c}\, "
                     r"D_{a,b,c,m}")
            point, idx = r"\sum_q d_{n,i,j,q} P_{q,f}", "n,i,j,f"
        inner = point + (r" + b_f" if self.use_bias else "")
        name = self._activation_name()
        out = (rf"y_{{{idx}}} = {inner}" if name == "linear"
               else rf"y_{{{idx}}} = \mathrm{{{name}}}\Big({inner}\Big)")
        return rf"{depth},\quad {out}"

    def shape_steps(self, input_shape):
        channels = conv_utils.channel_count(input_shape, self.data_format)
        cm = None if channels is None else channels * self.depth_multiplier
        steps, out = self._depthwise_steps(input_shape, cm, "depthwise stage")
        ones = "x".join("1" for _ in range(self.rank))
        shape = conv_utils.make_shape(input_shape[0], out, self.filters, self.data_format)
        steps.append(Step(f"pointwise {ones} conv: mixes the {cm} depthwise maps into "
                          f"{self.filters} filters at every position", shape))
        if self.use_bias:
            steps.append(Step(f"+ bias ({self.filters},)", shape))
        if self._activation_name() != "linear":
            steps.append(Step(f"{self._activation_name()} elementwise", shape))
        return steps

    def param_formula(self, input_shape):
        channels = conv_utils.channel_count(input_shape, self.data_format)
        kernel = "*".join(str(k) for k in self.kernel_size)
        kernel = kernel if self.rank == 1 else f"({kernel})"
        m = self.depth_multiplier
        text = f"{kernel}*{channels}*{m} + ({channels}*{m})*{self.filters}"
        if self.use_bias:
            text += f" + {self.filters}"
        return text

    def explain_notes(self):
        channels = None
        shape = self.built_input_shape
        if shape is not None:
            channels = conv_utils.channel_count(shape, self.data_format)
        notes = ["depthwise then pointwise: the strides and the dilation act on the depthwise stage "
                 "(Keras 3 allows both > 1 at once here); the pointwise stage is a 1x1 convolution "
                 "(a Dense layer per position)"]
        if channels is not None:
            kernel = "*".join(str(k) for k in self.kernel_size)
            bias = self.filters if self.use_bias else 0
            full = int(np.prod(self.kernel_size)) * channels * self.filters + bias
            notes.append(f"a Conv{self.rank}D with the same kernel_size and filters would have "
                         f"{kernel}*{channels}*{self.filters}"
                         f"{' + ' + str(self.filters) if self.use_bias else ''} = {full} parameters")
        return notes

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "depth_multiplier": self.depth_multiplier,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias}


class SeparableConv2D(_SeparableConv):
    r"""Depthwise separable 2-D convolution: per-channel spatial filtering, then a 1x1 mix.

    Args:
        filters: positive int, the output channels ``F``.
        kernel_size: int or tuple of 2 ints (the depthwise kernel).
        strides, padding (``"valid"``/``"same"``), data_format, dilation_rate: as Conv2D; they act
            on the depthwise stage.
        depth_multiplier: depthwise maps per input channel (default 1).
        activation, use_bias: as Conv2D.
        depthwise_initializer, pointwise_initializer, bias_initializer: default
            ``"glorot_uniform"``, ``"glorot_uniform"``, ``"zeros"``.
        depthwise_/pointwise_/bias_regularizer, activity_regularizer,
        depthwise_/pointwise_/bias_constraint: as in Keras.

    Weights: ``depthwise_kernel (kh, kw, in_ch, M)``, ``pointwise_kernel (1, 1, in_ch*M, F)``,
    ``bias (F,)``.

    Input shape:  ``(batch, rows, cols, channels)`` (or channels first).
    Output shape: ``(batch, new_rows, new_cols, filters)``.

    >>> SeparableConv2D(32, 3, input_shape=(32, 32, 16)).explain().param_formula
    '(3*3)*16*1 + (16*1)*32 + 32'
    """

    rank = 2

    @keras1_arguments
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._setup_depthwise(kernel_size, strides, padding, data_format, dilation_rate,
                              depth_multiplier, activation, use_bias, depthwise_initializer,
                              bias_initializer, depthwise_regularizer, bias_regularizer,
                              depthwise_constraint, bias_constraint)
        self._setup_separable(filters, pointwise_initializer, pointwise_regularizer,
                              pointwise_constraint)


class SeparableConv1D(_SeparableConv):
    r"""Depthwise separable 1-D convolution (same arguments as SeparableConv2D, ints for sizes).

    Weights: ``depthwise_kernel (k, in_ch, M)``, ``pointwise_kernel (1, in_ch*M, F)``, ``bias (F,)``.
    Input shape ``(batch, steps, channels)``; output ``(batch, new_steps, filters)``. Keras 3
    accepts ``"valid"`` and ``"same"`` padding (Keras 2 also had ``"causal"``).
    """

    rank = 1

    @keras1_arguments
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._setup_depthwise(kernel_size, strides, padding, data_format, dilation_rate,
                              depth_multiplier, activation, use_bias, depthwise_initializer,
                              bias_initializer, depthwise_regularizer, bias_regularizer,
                              depthwise_constraint, bias_constraint)
        self._setup_separable(filters, pointwise_initializer, pointwise_regularizer,
                              pointwise_constraint)


def _keras1_separable(args, kwargs, rank, owner):
    """Keras 1's ``SeparableConvolution2D(nb_filter, nb_row, nb_col, init=..., border_mode=...)``
    as Keras 2's legacy interface converted it: ``init`` sets both initializers, ``nb_row, nb_col``
    (positional or keyword) become ``kernel_size``. Keras 1 had no 1-D separable layer, so only
    ``init`` is converted there."""
    if "init" in kwargs:
        init = kwargs.pop("init")
        for name in ("depthwise_initializer", "pointwise_initializer"):
            if name in kwargs:
                raise TypeError(f"{owner} got both 'init' (Keras 1) and {name!r}; give one")
            kwargs[name] = init
    return keras1_kernel_size(args, rank), kwargs


class SeparableConvolution2D(SeparableConv2D):
    """Keras 1 name of :class:`SeparableConv2D`; also takes Keras 1's arguments
    (``nb_filter, nb_row, nb_col, init, border_mode, subsample, dim_ordering, b_regularizer,
    b_constraint, bias``), e.g. ``SeparableConvolution2D(32, 3, 3, border_mode='same')``."""

    def __init__(self, *args, **kwargs):
        args, kwargs = _keras1_separable(args, kwargs, 2, "SeparableConvolution2D")
        super().__init__(*args, **kwargs)


class SeparableConvolution1D(SeparableConv1D):
    """Keras 2 alias of :class:`SeparableConv1D` (Keras 3 keeps it as ``SeparableConvolution1D``)."""

    def __init__(self, *args, **kwargs):
        args, kwargs = _keras1_separable(args, kwargs, 1, "SeparableConvolution1D")
        super().__init__(*args, **kwargs)
