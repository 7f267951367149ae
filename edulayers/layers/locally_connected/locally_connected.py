r"""Locally connected layers: a convolution whose filters are *not shared* between positions.

``LocallyConnected1D`` and ``LocallyConnected2D`` slide a window over the input exactly as
``Conv1D``/``Conv2D`` do, but every output position :math:`p` has its own kernel :math:`W_p`
(and its own bias :math:`b_p`). With :math:`\mathrm{patch}_p(x)` the window seen at position
:math:`p`, flattened in ``(kh, kw, in_channels)`` order into a vector of length
:math:`K = k_h k_w C_{in}`:

.. math::  y_{p} = \sigma\big(\mathrm{patch}_p(x)\, W_p + b_p\big), \qquad
           W_p \in \mathbb{R}^{K \times F},\ b_p \in \mathbb{R}^{F}

A convolution is the special case :math:`W_p = W` for every :math:`p`. Unsharing multiplies the
parameter count by the number of positions: ``LocallyConnected2D(64, (3, 3))`` on a 32x32x3 image
has 30*30 = 900 positions and ``(30*30)*(3*3*3*64) + (30*30)*64 = 1,612,800`` parameters, where
``Conv2D(64, (3, 3))`` has ``3*3*3*64 + 64 = 1,792``.

Weight layout (Keras 2 ``implementation=1``, so ``set_weights`` takes Keras 2 weights):

* ``kernel``: ``(out_positions, K, filters)``, positions in row-major order
  (``p = i * out_cols + j``), each row of :math:`W_p` indexed by the patch in
  ``(kh, kw, in_channels)`` order;
* ``bias``: ``(out_rows, out_cols, filters)`` for 2-D, ``(out_length, filters)`` for 1-D.

The same layout is used for ``data_format="channels_first"``. (Keras 2 flattened a
channels-first patch in ``(in_channels, kh, kw)`` order and added the bias after a *reshape*
of ``(out_rows, out_cols, filters)`` to ``(filters, out_rows, out_cols)``, which mixes
filters and positions: a quirk edulayers does not copy. Its weights differ from Keras 2's only
for channels-first models.)

Keras 2 supports only ``padding="valid"`` (pad with ``ZeroPadding2D`` first for "same"), and the
glorot fans of the 3-D kernel are Keras' rule for kernels of rank > 2:
``fan_in = K * out_positions``, ``fan_out = filters * out_positions``. Keras 3 dropped both
layers.

Backward, with :math:`\delta_p = \partial L/\partial z_p` (through the activation):
:math:`\partial L/\partial W_p = \mathrm{patch}_p(x)^\top \delta_p`,
:math:`\partial L/\partial b_p = \sum_{\text{batch}} \delta_p`, and
:math:`\partial L/\partial x` adds :math:`\delta_p W_p^\top` back onto the window of position
:math:`p` (``col2im``).
"""
from __future__ import annotations

import numpy as np

from ... import activations
from ...explain import Step
from ...utils.conv_utils import (axes_description, conv_output_spatial_shape, from_channels_last,
                                 normalize_data_format, normalize_tuple, output_length_formula,
                                 to_channels_last)
from ...utils.windows import col2im, window_view
from .._legacy import keras1_arguments, keras1_positional_kernel
from ..base import InputSpec, Layer, positive_int

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]

_AXIS_NAMES = {1: ("steps",), 2: ("rows", "cols")}


class _LocallyConnected(Layer):
    """Shared machinery of LocallyConnected1D/2D (1 or 2 spatial axes, ``rank``)."""

    rank = 2
    notes = (
        "Keras 2 layer (implementation=1 weight layout); Keras 3 removed it.",
        "kernel (out_positions, kernel_area*in_channels, filters): one kernel per output "
        "position, patches flattened in (kh, kw, in_channels) order, also for channels_first "
        "(Keras 2 used (in_channels, kh, kw) there and reshaped the bias).",
        "glorot fans of the 3-D kernel (Keras 2 and 3): fan_in = kernel_area*in_channels*"
        "out_positions, fan_out = filters*out_positions.",
    )

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.filters = positive_int(filters, "filters", owner)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, self.rank, "strides", owner)
        if not isinstance(padding, str) or padding.lower() != "valid":
            raise ValueError(f"{owner} supports only padding='valid' (as Keras 2, the last Keras "
                             f"with this layer; add a ZeroPadding{self.rank}D layer before it for "
                             f"'same'-sized outputs), got padding={padding!r}")
        self.padding = "valid"
        if implementation != 1:
            raise ValueError(f"{owner}: only implementation=1 (Keras 2's weight layout) is "
                             f"available, got implementation={implementation!r}")
        self.implementation = 1
        self.data_format = normalize_data_format(data_format, owner)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.set_weight_options(kernel_initializer=kernel_initializer,
                                bias_initializer=bias_initializer,
                                kernel_regularizer=kernel_regularizer,
                                bias_regularizer=bias_regularizer,
                                kernel_constraint=kernel_constraint,
                                bias_constraint=bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    description=axes_description(self.rank, self.data_format))

    def build(self, input_shape):
        spatial, in_channels = self._split(input_shape)
        if any(n is None for n in spatial) or in_channels is None:
            raise ValueError(f"{self._label} needs fully known spatial sizes and channels (one "
                             f"kernel per output position), got input shape {tuple(input_shape)}")
        out = self._output_spatial(spatial)
        positions = int(np.prod(out))
        patch = int(np.prod(self.kernel_size)) * in_channels
        self.add_weight("kernel", (positions, patch, self.filters), self.kernel_initializer,
                        self.kernel_regularizer, self.kernel_constraint)
        if self.use_bias:
            self.add_weight("bias", (*out, self.filters), self.bias_initializer,
                            self.bias_regularizer, self.bias_constraint)
        # Unshared weights fix the whole input shape, not only the channels.
        axes = ({i + 1: n for i, n in enumerate(spatial)} | {-1: in_channels}
                if self.data_format == "channels_last"
                else {1: in_channels} | {i + 2: n for i, n in enumerate(spatial)})
        self.input_spec = InputSpec(ndim=self.rank + 2, axes=axes,
                                    description=axes_description(self.rank, self.data_format))

    # ---------------------------------------------------------------- fast path: batched matmul
    def forward(self, x, training=False, mask=None):
        x = to_channels_last(x, self.data_format)
        batch, out = x.shape[0], self._output_spatial(x.shape[1:-1])
        positions, patch, _ = self.kernel.shape
        # Positions become the batch axis of one np.matmul: (P, N, K) @ (P, K, F) -> (P, N, F).
        # The patches are read from a strided window view and copied once, already in that order.
        view = window_view(x, self.kernel_size, self.strides)       # (N, *out, *k, C)
        cols = np.moveaxis(view, 0, self.rank).reshape(positions, batch, patch)
        z = np.matmul(cols, self.kernel)                             # (P, N, F)
        z = np.moveaxis(z, 1, 0).reshape(batch, *out, self.filters)
        if self.use_bias:
            z = z + self.bias
        y = self._activate(z)
        self.cache = (x.shape, cols, z, y)
        return y

    def backward(self, dy):
        x_shape, cols, z, y = self.cache
        positions, patch, _ = self.kernel.shape
        dz = self._dz(z, y, dy)                                       # (N, *out, F)
        dz_p = np.moveaxis(dz.reshape(x_shape[0], positions, self.filters), 1, 0)   # (P, N, F)
        self.grads["kernel"] = np.matmul(cols.transpose(0, 2, 1), dz_p)             # (P, K, F)
        if self.use_bias:
            self.grads["bias"] = dz.sum(axis=0)
        dcols = np.matmul(dz_p, self.kernel.transpose(0, 2, 1))                     # (P, N, K)
        out = z.shape[1:-1]
        dcols = np.moveaxis(dcols, 1, 0).reshape(x_shape[0], *out, patch)
        dx = col2im(dcols, x_shape, self.kernel_size, self.strides)   # overlapping windows add up
        return np.ascontiguousarray(from_channels_last(dx, self.data_format))

    # ---------------------------------------------------------------- reference path: loops
    def forward_reference(self, x, training=False, mask=None):
        x = to_channels_last(x, self.data_format)
        batch, out = x.shape[0], self._output_spatial(x.shape[1:-1])
        z = np.zeros((batch, *out, self.filters), dtype=x.dtype)
        for p, position in enumerate(np.ndindex(*out)):               # p = i*out_cols + j
            patch = x[(slice(None),) + self._window(position)].reshape(batch, -1)  # (kh, kw, C)
            z[(slice(None),) + position] = patch @ self.kernel[p]     # this position's own kernel
            if self.use_bias:
                z[(slice(None),) + position] += self.bias[position]
        y = self._activate(z)
        self.cache = (x, z, y)
        return y

    def backward_reference(self, dy):
        x, z, y = self.cache
        batch = x.shape[0]
        dz = self._dz(z, y, dy)
        dkernel = np.zeros_like(self.kernel)
        dbias = np.zeros((*z.shape[1:-1], self.filters), dtype=dz.dtype)
        dx = np.zeros_like(x)
        for p, position in enumerate(np.ndindex(*z.shape[1:-1])):
            window = (slice(None),) + self._window(position)
            patch = x[window].reshape(batch, -1)
            delta = dz[(slice(None),) + position]                    # (batch, F)
            dkernel[p] = patch.T @ delta
            dbias[position] = delta.sum(axis=0)
            dx[window] += (delta @ self.kernel[p].T).reshape(x[window].shape)
        self.grads["kernel"] = dkernel
        if self.use_bias:
            self.grads["bias"] = dbias
        return from_channels_last(dx, self.data_format)

    # ---------------------------------------------------------------- helpers
    def _activate(self, z):
        """``activation(z)`` on ``z`` in the layer's data_format: as Keras, over the last axis of
        the output as returned (for channels_first a spatial axis, which matters for softmax)."""
        return self.activation(np.ascontiguousarray(from_channels_last(z, self.data_format)))

    def _dz(self, z, y, dy):
        """dL/dz in channels_last, from ``dy`` and ``y`` in the layer's data_format."""
        z = np.ascontiguousarray(from_channels_last(z, self.data_format))
        return to_channels_last(self.activation.backward(z, y, dy), self.data_format)

    def _split(self, shape):
        shape = tuple(shape)
        if self.data_format == "channels_last":
            return shape[1:-1], shape[-1]
        return shape[2:], shape[1]

    def _output_spatial(self, spatial):
        return conv_output_spatial_shape(self._label, spatial, self.kernel_size, self.strides,
                                         (1,) * self.rank, self.padding)

    def _window(self, position):
        return tuple(slice(i * s, i * s + k)
                     for i, s, k in zip(position, self.strides, self.kernel_size))

    # ---------------------------------------------------------------- shapes, explain, config
    def compute_output_shape(self, input_shape):
        spatial, _ = self._split(input_shape)
        out = self._output_spatial(spatial)
        if self.data_format == "channels_last":
            return (input_shape[0], *out, self.filters)
        return (input_shape[0], self.filters, *out)

    @property
    def formula(self):
        affine = r"\mathrm{patch}_p(x)\,W_p + b_p" if self.use_bias else r"\mathrm{patch}_p(x)\,W_p"
        name = getattr(self.activation, "name", "f")
        return f"y_p = {affine}" if name == "linear" else rf"y_p = \mathrm{{{name}}}({affine})"

    def shape_steps(self, input_shape):
        spatial, in_channels = self._split(input_shape)
        out = self._output_spatial(spatial)
        batch = input_shape[0]
        steps = []
        if self.data_format == "channels_first":
            steps.append(Step("channels moved last (the computation is channels_last)",
                              (batch, *spatial, in_channels)))
        for axis, (n, k, s) in enumerate(zip(spatial, self.kernel_size, self.strides)):
            steps.append(Step(f"{_AXIS_NAMES[self.rank][axis]}: "
                              f"{output_length_formula(n, k, 'valid', s)}",
                              (batch, *out[:axis + 1], *spatial[axis + 1:], in_channels)))
        positions = "*".join(map(str, out))
        area = "*".join(map(str, self.kernel_size))
        patch = int(np.prod(self.kernel_size)) * in_channels
        steps.append(Step(f"patches: {positions} = {int(np.prod(out))} positions, each "
                          f"{area}*{in_channels} = {patch} values in (kh, kw, in_channels) order",
                          (batch, *out, patch)))
        steps.append(Step(f"patch_p @ W_p for each position p, with kernel "
                          f"{tuple(self.kernel.shape)}", (batch, *out, self.filters)))
        if self.use_bias:
            steps.append(Step(f"+ b_p, with bias {(*out, self.filters)}", (batch, *out, self.filters)))
        name = getattr(self.activation, "name", "f")
        if name != "linear":
            steps.append(Step(f"{name} elementwise", (batch, *out, self.filters)))
        if self.data_format == "channels_first":
            steps.append(Step("channels first", self.compute_output_shape(input_shape)))
        return steps

    def param_formula(self, input_shape):
        spatial, in_channels = self._split(input_shape)
        positions = "(" + "*".join(map(str, self._output_spatial(spatial))) + ")"
        kernel = f"{positions}*({'*'.join(map(str, self.kernel_size))}*{in_channels}*{self.filters})"
        return f"{kernel} + {positions}*{self.filters}" if self.use_bias else kernel

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "implementation": self.implementation}


class LocallyConnected1D(_LocallyConnected):
    r"""Locally connected layer for sequences: ``Conv1D`` with a separate kernel at every step.

    .. math::  y_t = \sigma\big(\mathrm{patch}_t(x)\,W_t + b_t\big), \quad
               \mathrm{patch}_t(x) = (x_{ts}, \dots, x_{ts+k-1}) \text{ flattened in (k, in) order}

    Args:
        filters: positive int, the output channels :math:`F`.
        kernel_size: int (or tuple of 1), the window length :math:`k`.
        strides: int (or tuple of 1), the step between windows.
        padding: only ``"valid"`` (Keras 2).
        data_format: ``"channels_last"`` (``(batch, steps, channels)``, default) or
            ``"channels_first"`` (``(batch, channels, steps)``).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as ``Conv1D``.
        Keras 1 names (``nb_filter``, ``filter_length``, ``subsample_length``, ``border_mode``,
        ``init``, ``W_regularizer``, ``bias``, ``input_dim`` with ``input_length``) are accepted.

    Weights: ``kernel (out_length, k*in_channels, filters)``, ``bias (out_length, filters)``.
    Output shape: ``(batch, out_length, filters)``; parameters
    ``(out)*(k*in*filters) + (out)*filters``.

    >>> LocallyConnected1D(64, 3).explain((None, 10, 32)).param_formula
    '(8)*(3*32*64) + (8)*64'
    """
    rank = 1

    @keras1_arguments
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        # Keras 1: input_dim=features with input_length=steps means input_shape=(steps, features).
        input_length = kwargs.pop("input_length", None)
        if kwargs.get("input_dim") is not None and kwargs.get("input_shape") is None:
            kwargs["input_shape"] = (input_length, kwargs.pop("input_dim"))
        super().__init__(filters, kernel_size, strides, padding, data_format, activation, use_bias,
                         kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint,
                         bias_constraint, implementation, **kwargs)


class LocallyConnected2D(_LocallyConnected):
    r"""Locally connected layer for images: ``Conv2D`` with unshared weights.

    .. math::  y_{ij} = \sigma\big(\mathrm{patch}_{ij}(x)\,W_{p} + b_{ij}\big),\quad p = i\cdot
               \text{out\_cols} + j

    Args:
        filters: positive int, the output channels :math:`F`.
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints.
        padding: only ``"valid"`` (Keras 2).
        data_format: ``"channels_last"`` (default) or ``"channels_first"`` (same weight layout;
            see the module docstring for Keras 2's channels-first quirk).
        activation, use_bias, initializers, regularizers, constraints: as ``Conv2D``.
        Keras 1's ``LocallyConnected2D(nb_filter, nb_row, nb_col, subsample=..., init=...)``
        is accepted.

    Weights: ``kernel (out_rows*out_cols, kh*kw*in_channels, filters)``,
    ``bias (out_rows, out_cols, filters)``.

    >>> layer = LocallyConnected2D(64, (3, 3))
    >>> ex = layer.explain((None, 32, 32, 3))
    >>> ex.output_shape, ex.param_formula
    ((None, 30, 30, 64), '(30*30)*(3*3*3*64) + (30*30)*64')
    """
    rank = 2

    @keras1_positional_kernel(rank=2)
    @keras1_arguments
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, activation, use_bias,
                         kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint,
                         bias_constraint, implementation, **kwargs)
