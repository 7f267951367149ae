r"""Highway: a gated fully connected layer, :math:`y = T \odot h + (1 - T) \odot x`
(Srivastava, Greff and Schmidhuber 2015, "Highway Networks"; Keras 1.2.2 ``Highway``).

With the transform gate :math:`T = \sigma(x W_C + b_C)` and the candidate
:math:`h = \mathrm{act}(x W + b)`, each unit mixes its new value :math:`h` with the
unchanged input :math:`x` ("carry"):

.. math::  y = T \odot h + (1 - T) \odot x

:math:`b_C` starts negative (``transform_bias=-2``), so at initialization
:math:`T \approx 0.12` and the layer mostly carries :math:`x` through: deep stacks of highway
layers train because the identity path lets gradients pass, as in an LSTM's cell.

Backward, with :math:`\delta = \partial L / \partial y`:

.. math::
    \frac{\partial L}{\partial h} = \delta \odot T, \qquad
    \frac{\partial L}{\partial T} = \delta \odot (h - x), \qquad
    \delta_C = \frac{\partial L}{\partial T} \odot T \odot (1 - T)

.. math::
    \frac{\partial L}{\partial x} = \delta \odot (1 - T) + \delta_H W^\top + \delta_C W_C^\top

where :math:`\delta_H` is :math:`\partial L/\partial h` pulled back through the activation;
:math:`\partial L/\partial W = x^\top \delta_H` and :math:`\partial L/\partial W_C = x^\top \delta_C`.
"""
from __future__ import annotations

import numbers

import numpy as np

from ... import activations, initializers
from ...explain import Step
from ..base import InputSpec, Layer

__all__ = ["Highway"]


class Highway(Layer):
    r"""Densely connected highway layer (Keras 1): ``y = T * h + (1 - T) * x``.

    .. math::  T = \sigma(x W_C + b_C),\quad h = \mathrm{act}(x W + b),\quad
               y = T \odot h + (1 - T) \odot x,\qquad W, W_C \in \mathbb{R}^{d \times d}

    The output has the input's size ``d`` (the carry term adds ``x`` itself), so ``W`` is square.

    Args (Keras 1 names and defaults):
        init: initializer of ``W`` and ``W_carry`` (default ``"glorot_uniform"``).
        transform_bias: the initial value of every entry of ``b_carry`` (default ``-2``).
        activation: of the candidate ``h`` (default ``"linear"``).
        weights: initial weights ``[W, W_carry, b, b_carry]``, loaded once the layer is built.
        W_regularizer, b_regularizer: penalties on ``W`` and ``b`` (not on the gate's weights,
            as in Keras 1); activity_regularizer: penalty on ``y``.
        W_constraint, b_constraint: projections of ``W`` and ``b`` after each update.
        bias: whether to use ``b`` and ``b_carry`` (default True).
        input_dim: ``d``, for the first layer of a model.

    Weights (``get_weights`` order): ``W (d, d)``, ``W_carry (d, d)``, ``b (d,)``,
    ``b_carry (d,)``: Keras 1.2's creation order. Keras 1.0/1.1 listed them as
    ``[W, b, W_carry, b_carry]``; reorder when loading weights saved by those versions.

    Keras versions: Keras 1.0 and 1.1 set ``b_carry = transform_bias``; Keras 1.2 deprecated
    ``transform_bias``, ignored it and started ``b_carry`` at ones (``transform_bias=1`` here
    reproduces that); Keras 2.0/2.1 kept the layer in ``keras.legacy`` and 2.2 removed it;
    Keras 3 has no Highway (build it from two Dense layers).

    Input shape:  ``(batch, input_dim)``.
    Output shape: ``(batch, input_dim)``.

    >>> layer = Highway(input_dim=16)
    >>> layer.explain().param_formula
    '2*(16*16) + 2*16'
    """

    notes = (
        "Keras 1 layer: Keras 2.0/2.1 kept it in keras.legacy, Keras 2.2 removed it, Keras 3 has no "
        "Highway.",
        "Weights in Keras 1.2 order [W, W_carry, b, b_carry]; Keras 1.0/1.1 listed "
        "[W, b, W_carry, b_carry].",
        "b_carry starts at transform_bias (default -2, Keras 1.0/1.1 and the paper); Keras 1.2 "
        "ignored transform_bias and started it at 1.",
        "W_regularizer/W_constraint act on W only and b_regularizer/b_constraint on b only, as in "
        "Keras 1; the gate's W_carry and b_carry are unregularized.",
    )

    def __init__(self, init="glorot_uniform", transform_bias=-2, activation="linear",
                 weights=None, W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, input_dim=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, weights=weights,
                         input_dim=input_dim, **kwargs)
        if (not isinstance(transform_bias, numbers.Real) or isinstance(transform_bias, bool)
                or not np.isfinite(transform_bias)):
            raise ValueError(f"Highway: transform_bias must be a finite number (the initial gate "
                             f"bias, e.g. -2), got {transform_bias!r}")
        if not isinstance(bias, (bool, np.bool_)):
            raise ValueError(f"Highway: bias must be True or False, got {bias!r}")
        self.init = initializers.get(init)
        self.transform_bias = float(transform_bias)
        self.activation = activations.get(activation)
        self.set_weight_options(W_regularizer=W_regularizer, b_regularizer=b_regularizer,
                                W_constraint=W_constraint, b_constraint=b_constraint)
        self.bias = bool(bias)
        self.input_dim = None if input_dim is None else int(input_dim)
        self.input_spec = InputSpec(ndim=2, description="(batch, input_dim)")

    def build(self, input_shape):
        d = input_shape[-1]
        if d is None:
            raise ValueError(f"{self._label} needs a known input_dim (the last axis) to build its "
                             f"square weights, got input shape {tuple(input_shape)}")
        # Keras 1.2 creation order, which is the get_weights order: W, W_carry, b, b_carry.
        self.add_weight("W", (d, d), self.init, self.W_regularizer, self.W_constraint)
        self.add_weight("W_carry", (d, d), self.init)
        if self.bias:
            self.add_weight("b", (d,), "zeros", self.b_regularizer, self.b_constraint)
            self.add_weight("b_carry", (d,), initializers.Constant(self.transform_bias))
        self.input_spec = InputSpec(ndim=2, axes={-1: d}, description="(batch, input_dim)")

    # ---------------------------------------------------------------- fast path
    def forward(self, x, training=False, mask=None):
        d = x.shape[-1]
        # One GEMM for both branches: x [W | W_carry] gives (batch, 2d), split into z_h and z_t.
        z = x @ np.concatenate([self.W, self.W_carry], axis=1)
        if self.bias:
            z += np.concatenate([self.b, self.b_carry])
        z_h, z_t = z[:, :d], z[:, d:]
        h = self.activation(z_h)
        t = activations.sigmoid(z_t)
        y = t * h + (1 - t) * x
        self.cache = (x, z_h, h, t)
        return y

    def backward(self, dy):
        x, z_h, h, t = self.cache
        d = x.shape[-1]
        dz_h = self.activation.backward(z_h, h, dy * t)     # through y = t*h + ... and h = act(z_h)
        dz_t = dy * (h - x) * t * (1 - t)                   # through t, then the sigmoid
        dz = np.concatenate([dz_h, dz_t], axis=1)           # (batch, 2d): both branches at once
        dkernels = x.T @ dz
        self.grads["W"], self.grads["W_carry"] = dkernels[:, :d], dkernels[:, d:]
        if self.bias:
            # ones @ dz is a GEMV that BLAS runs on both cores; dz.sum(0) is a slower reduction.
            dbiases = np.ones(dz.shape[0], dtype=dz.dtype) @ dz
            self.grads["b"], self.grads["b_carry"] = dbiases[:d], dbiases[d:]
        return dy * (1 - t) + dz @ np.concatenate([self.W, self.W_carry], axis=1).T

    # ---------------------------------------------------------------- reference path
    def forward_reference(self, x, training=False, mask=None):
        n, d = x.shape
        z_h = np.zeros((n, d), dtype=x.dtype)
        z_t = np.zeros((n, d), dtype=x.dtype)
        for s in range(n):                      # every sample
            for j in range(d):                  # every unit: a dot product per branch
                z_h[s, j] = np.dot(x[s], self.W[:, j]) + (self.b[j] if self.bias else 0)
                z_t[s, j] = np.dot(x[s], self.W_carry[:, j]) + (self.b_carry[j] if self.bias else 0)
        h = self.activation(z_h)
        t = activations.sigmoid(z_t)            # the transform gate, 1 / (1 + exp(-z_t))
        y = np.zeros_like(x)
        for s in range(n):
            for j in range(d):                  # transform a share t of the unit, carry 1 - t
                y[s, j] = t[s, j] * h[s, j] + (1 - t[s, j]) * x[s, j]
        self.cache = (x, z_h, h, t)
        return y

    def backward_reference(self, dy):
        x, z_h, h, t = self.cache
        n, d = x.shape
        dz_h = self.activation.backward(z_h, h, dy * t)     # dL/dz_h = act'(z_h) * dy * t
        dW, dW_carry = np.zeros_like(self.W), np.zeros_like(self.W_carry)
        db, db_carry = np.zeros(d, dtype=dy.dtype), np.zeros(d, dtype=dy.dtype)
        dx = np.zeros_like(x)
        for s in range(n):
            for j in range(d):
                dz_t = dy[s, j] * (h[s, j] - x[s, j]) * t[s, j] * (1 - t[s, j])  # sigma' = t(1 - t)
                dx[s, j] += dy[s, j] * (1 - t[s, j])          # the carry path
                # z_j = sum_i x_i W_ij + b_j, so dL/dW_ij gets x_i dz_j and dL/dx_i gets W_ij dz_j
                dW[:, j] += x[s] * dz_h[s, j]
                dW_carry[:, j] += x[s] * dz_t
                dx[s] += self.W[:, j] * dz_h[s, j] + self.W_carry[:, j] * dz_t
                db[j] += dz_h[s, j]
                db_carry[j] += dz_t
        self.grads["W"], self.grads["W_carry"] = dW, dW_carry
        if self.bias:
            self.grads["b"], self.grads["b_carry"] = db, db_carry
        return dx

    # ---------------------------------------------------------------- shapes, explain, config
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"{self._label} expected input_shape of rank 2 (batch, input_dim), "
                             f"got {input_shape}")
        return input_shape

    @property
    def formula(self):
        name = getattr(self.activation, "name", "f")
        affine_h, affine_t = ("xW + b", "xW_C + b_C") if self.bias else ("xW", "xW_C")
        h = affine_h if name == "linear" else rf"\mathrm{{{name}}}({affine_h})"
        return (rf"y = T \odot h + (1 - T) \odot x,\quad T = \sigma({affine_t}),\quad h = {h}")

    def shape_steps(self, input_shape):
        out = self.compute_output_shape(input_shape)
        d = input_shape[-1]
        name = getattr(self.activation, "name", "f")
        b_t, b_h = (" + b_carry", " + b") if self.bias else ("", "")
        h = f"x W{b_h}" if name == "linear" else f"{name}(x W{b_h})"
        return [Step(f"gate T = sigmoid(x W_carry{b_t}), with W_carry: {(d, d)}", out),
                Step(f"candidate h = {h}, with W: {(d, d)}", out),
                Step("y = T * h + (1 - T) * x (elementwise)", out)]

    def param_formula(self, input_shape):
        d = input_shape[-1]
        return f"2*({d}*{d}) + 2*{d}" if self.bias else f"2*({d}*{d})"

    def get_config(self):
        return {**super().get_config(), "init": initializers.serialize(self.init),
                "transform_bias": self.transform_bias,
                "activation": activations.serialize(self.activation),
                "bias": self.bias, "input_dim": self.input_dim}
