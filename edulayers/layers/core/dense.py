r"""Dense: the fully connected layer, :math:`y = \sigma(xW + b)`."""
from __future__ import annotations

import numpy as np

from ... import activations
from ...explain import Step
from .._legacy import keras1_arguments
from ..base import InputSpec, Layer, positive_int

__all__ = ["Dense"]


class Dense(Layer):
    r"""Densely connected layer: ``output = activation(dot(input, kernel) + bias)``.

    .. math::  y = \sigma(xW + b), \qquad W \in \mathbb{R}^{d_{in} \times d_{out}},\ b \in \mathbb{R}^{d_{out}}

    Backward, with :math:`\delta = \partial L/\partial z` the gradient through the activation
    (:math:`z = xW + b`):

    .. math::  \frac{\partial L}{\partial W} = x^\top \delta,\quad
               \frac{\partial L}{\partial b} = \mathbf{1}^\top \delta,\quad
               \frac{\partial L}{\partial x} = \delta W^\top

    Args:
        units: positive int, the output dimension :math:`d_{out}`.
        activation: name or function (default: none, i.e. linear).
        use_bias: whether to add :math:`b`.
        kernel_initializer, bias_initializer: default ``"glorot_uniform"``, ``"zeros"``.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties (added by the model).
        kernel_constraint, bias_constraint: projections applied after each update.
        Keras 1 names (``output_dim``, ``init``, ``W_regularizer``, ``bias``...) are accepted.

    Input shape:  ``(batch, ..., input_dim)``; the kernel acts on the last axis.
    Output shape: ``(batch, ..., units)``.

    >>> layer = Dense(32, input_shape=(16,))
    >>> layer.explain().param_formula
    '16*32 + 32'
    """

    @keras1_arguments
    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = positive_int(units, "units", "Dense")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.set_weight_options(kernel_initializer=kernel_initializer,
                                bias_initializer=bias_initializer,
                                kernel_regularizer=kernel_regularizer,
                                bias_regularizer=bias_regularizer,
                                kernel_constraint=kernel_constraint,
                                bias_constraint=bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, description="(batch, ..., input_dim)")

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.add_weight("kernel", (input_dim, self.units), self.kernel_initializer,
                        self.kernel_regularizer, self.kernel_constraint)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer,
                            self.bias_regularizer, self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim},
                                    description="(batch, ..., input_dim)")

    # ---------------------------------------------------------------- fast path: one GEMM each way
    def forward(self, x, training=False, mask=None):
        z = x @ self.kernel
        if self.use_bias:
            z = z + self.bias
        y = self.activation(z)
        self.cache = (x, z, y)
        return y

    def backward(self, dy):
        x, z, y = self.cache
        dz = self.activation.backward(z, y, dy)
        # Fold the leading axes into one: (batch, ..., units) -> (rows, units), so each
        # gradient is a single matrix product.
        x2, dz2 = x.reshape(-1, x.shape[-1]), dz.reshape(-1, self.units)
        self.grads["kernel"] = x2.T @ dz2
        if self.use_bias:
            # ones @ dz is a GEMV that BLAS runs on both cores; dz.sum(0) is a slower reduction.
            self.grads["bias"] = np.ones(dz2.shape[0], dtype=dz2.dtype) @ dz2
        return dz @ self.kernel.T

    # ---------------------------------------------------------------- reference path: the definition
    def forward_reference(self, x, training=False, mask=None):
        rows = x.reshape(-1, x.shape[-1])
        z = np.zeros((rows.shape[0], self.units), dtype=x.dtype)
        for n in range(rows.shape[0]):               # every sample
            for j in range(self.units):              # every output unit: z_j = sum_i x_i W_ij + b_j
                z[n, j] = np.dot(rows[n], self.kernel[:, j]) + (self.bias[j] if self.use_bias else 0)
        z = z.reshape(x.shape[:-1] + (self.units,))
        y = self.activation(z)
        self.cache = (x, z, y)
        return y

    def backward_reference(self, dy):
        x, z, y = self.cache
        dz = self.activation.backward(z, y, dy).reshape(-1, self.units)
        rows = x.reshape(-1, x.shape[-1])
        dkernel = np.zeros_like(self.kernel)
        dbias = np.zeros(self.units, dtype=dz.dtype)
        dx = np.zeros_like(rows)
        for n in range(rows.shape[0]):
            dkernel += np.outer(rows[n], dz[n])      # dL/dW_ij = sum_n x_ni dz_nj
            dbias += dz[n]                           # dL/db_j  = sum_n dz_nj
            dx[n] = self.kernel @ dz[n]              # dL/dx_ni = sum_j W_ij dz_nj
        self.grads["kernel"] = dkernel
        if self.use_bias:
            self.grads["bias"] = dbias
        return dx.reshape(x.shape)

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    @property
    def formula(self):
        affine = "xW + b" if self.use_bias else "xW"
        name = getattr(self.activation, "name", "f")
        return f"y = {affine}" if name == "linear" else rf"y = \mathrm{{{name}}}({affine})"

    def shape_steps(self, input_shape):
        out = self.compute_output_shape(input_shape)
        steps = [Step(f"x W, with W: {(input_shape[-1], self.units)}", out)]
        if self.use_bias:
            steps.append(Step(f"+ b, with b: {(self.units,)} (broadcast over the batch)", out))
        name = getattr(self.activation, "name", "f")
        if name != "linear":
            where = "elementwise" if getattr(self.activation, "elementwise", True) else "over the last axis"
            steps.append(Step(f"{name} {where}", out))
        return steps

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias}
