r"""SimpleRNN: the Elman recurrence :math:`h_t = \tanh(x_t W + h_{t-1} U + b)`.

One state, which is also the output. For a step, with :math:`z_t = x_t W + h_{t-1} U + b`:

.. math::  h_t = \sigma(z_t), \qquad W \in \mathbb{R}^{d \times u},\ U \in \mathbb{R}^{u \times u},\ b \in \mathbb{R}^{u}

Backward through one step, where :math:`\bar h_t = \partial L/\partial h_t` collects the gradient of
the output at :math:`t` and of the state passed on to step :math:`t+1`:

.. math::  \delta_t = \bar h_t \odot \sigma'(z_t),\quad
           \frac{\partial L}{\partial W} \mathrel{+}= x_t^\top \delta_t,\quad
           \frac{\partial L}{\partial U} \mathrel{+}= h_{t-1}^\top \delta_t,\quad
           \frac{\partial L}{\partial b} \mathrel{+}= \mathbf{1}^\top \delta_t,\quad
           \frac{\partial L}{\partial x_t} = \delta_t W^\top,\quad
           \frac{\partial L}{\partial h_{t-1}} = \delta_t U^\top

The factor :math:`U^\top \mathrm{diag}(\sigma'(z_t))` applied once per step backwards is why the
gradient reaching early steps shrinks (or explodes) geometrically: vanishing gradients.
"""
from __future__ import annotations

import numpy as np

from ... import activations
from ...explain import Step
from .._legacy import keras1_arguments
from ..base import dropout_rate, positive_int
from .base_rnn import (CellRNN, RNNCell, mask_backward, mask_forward, masked_matmul,
                       masked_matmul_backward)

__all__ = ["SimpleRNNCell", "SimpleRNN"]


def check_arguments(owner, units, dropout, recurrent_dropout):
    """``(units, dropout, recurrent_dropout)`` of SimpleRNN, LSTM, GRU and their cells, checked.

    A layer checks them under its own name before it makes its cell, so that ``LSTM(0)`` is
    refused as the LSTM's. A rate outside [0, 1] is an error (Keras 3 clips it silently).
    """
    return (positive_int(units, "units", owner), dropout_rate(dropout, "dropout", owner),
            dropout_rate(recurrent_dropout, "recurrent_dropout", owner))


class SimpleRNNCell(RNNCell):
    r"""One step of SimpleRNN: :math:`h_t = \sigma(x_t W + h_{t-1} U + b)` (Keras' ``SimpleRNNCell``).

    Args:
        units: positive int, the size of :math:`h`.
        activation: default ``"tanh"``.
        use_bias: whether to add :math:`b`.
        kernel_initializer, recurrent_initializer, bias_initializer: default
            ``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
        recurrent_constraint, bias_constraint: as Dense.
        dropout, recurrent_dropout: fractions of the inputs / of :math:`h_{t-1}` to drop (one mask
            per sequence).
        seed: makes the dropout masks repeatable.

    Weights (Keras order): ``kernel (d, units)``, ``recurrent_kernel (units, units)``, ``bias (units,)``.
    """

    @keras1_arguments
    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.units, self.dropout, self.recurrent_dropout = check_arguments(
            self._label, units, dropout, recurrent_dropout)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.set_weight_options(kernel_initializer=kernel_initializer,
                                recurrent_initializer=recurrent_initializer,
                                bias_initializer=bias_initializer,
                                kernel_regularizer=kernel_regularizer,
                                recurrent_regularizer=recurrent_regularizer,
                                bias_regularizer=bias_regularizer,
                                kernel_constraint=kernel_constraint,
                                recurrent_constraint=recurrent_constraint,
                                bias_constraint=bias_constraint)
        self.state_size, self.output_size = (self.units,), self.units

    def build(self, input_shape):
        self.add_weight("kernel", (input_shape[-1], self.units), self.kernel_initializer,
                        self.kernel_regularizer, self.kernel_constraint)
        self.add_weight("recurrent_kernel", (self.units, self.units), self.recurrent_initializer,
                        self.recurrent_regularizer, self.recurrent_constraint)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer, self.bias_regularizer,
                            self.bias_constraint)

    # ---------------------------------------------------------------- the step, as written in the docstring
    def step_forward(self, x_t, states, training=False):
        h_prev = states[0]
        z = self._input_part(x_t) + masked_matmul(h_prev, self.recurrent_masks, self.recurrent_kernel)
        h = self.activation(z)
        return h, [h], (x_t, h_prev, z, h)

    def step_backward(self, dh, dstates, step_cache):
        x_t, h_prev, z, h = step_cache
        # The output and the state are the same h_t: their gradients add.
        dz = self.activation.backward(z, h, dh + dstates[0])
        dh_prev, drec = masked_matmul_backward(h_prev, self.recurrent_masks, self.recurrent_kernel, dz)
        self.grads["recurrent_kernel"] += drec
        dx_t, dkernel = masked_matmul_backward(x_t, self.input_masks, self.kernel, dz)
        self.grads["kernel"] += dkernel
        if self.use_bias:
            self.grads["bias"] += dz.sum(axis=0)
        return dx_t, [dh_prev]

    # ---------------------------------------------------------------- the input part, both paths
    def _input_part(self, x):
        zx = masked_matmul(x, self.input_masks, self.kernel)
        return zx + self.bias if self.use_bias else zx

    # ---------------------------------------------------------------- fast path: the whole sequence
    @property
    def has_fast_path(self) -> bool:
        # sigma'(z) is taken for all steps at once, so the activation must be elementwise;
        # recurrent dropout masks h_(t-1) inside every product: the reference loop does that
        return self.activation.elementwise and not self.recurrent_dropout

    def sequence_forward(self, x_steps, states, keep, training=False):
        r"""All steps (time-major): :math:`Z = X W + b` for the :math:`T` steps in one product, then
        the loop :math:`z_t \mathrel{+}= h_{t-1} U,\ h_t = \sigma(z_t)`."""
        steps, batch, _ = x_steps.shape
        # The trick: x W + b of all T steps is one matrix product; the loop adds h_(t-1) U only.
        z = self._input_part(x_steps)                     # (T, batch, units), completed in the loop
        h_in = np.empty((steps + 1, batch, self.units), dtype=z.dtype)   # the state entering each step
        h_in[0] = states[0]
        h_new = np.empty_like(z)
        outputs = h_new if keep is None else np.empty_like(z)
        prev_out = np.zeros_like(h_in[0])
        for t in range(steps):
            z[t] += h_in[t] @ self.recurrent_kernel
            h_new[t] = self.activation(z[t])
            if keep is None:
                h_in[t + 1] = h_new[t]
            else:
                outputs[t], (h_in[t + 1],) = mask_forward(keep[t], h_new[t], [h_new[t]], prev_out,
                                                          [h_in[t]])
                prev_out = outputs[t]
        return outputs, [h_in[-1].copy()], (x_steps, z, h_new, h_in, keep)

    def sequence_backward(self, douts, dstates, cache):
        r"""BPTT with only the recurrence in the loop: :math:`\sigma'(Z)` of every step before it;
        in it :math:`\delta_t = (\bar y_t + \bar h_t) \odot \sigma'(z_t)` and
        :math:`\bar h_{t-1} = \delta_t U^\top`; every :math:`\delta_t` is kept, so that
        :math:`\partial W = X^\top \Delta`, :math:`\partial U = H_{\text{prev}}^\top \Delta`,
        :math:`\partial b = \mathbf 1^\top \Delta` and :math:`\bar X = \Delta W^\top` are one
        product each after it."""
        x_steps, z, h_new, h_in, keep = cache
        slope = self.activation.derivative(z, h_new)
        delta = np.empty_like(z)
        recurrent_t = np.ascontiguousarray(self.recurrent_kernel.T)
        dh_state, d_prev_out = dstates[0], np.zeros_like(dstates[0])
        for t in reversed(range(z.shape[0])):
            dh = douts[t] + d_prev_out
            if keep is not None:
                dh, (dh_state,), d_prev_out, (around,) = mask_backward(keep[t], dh, [dh_state])
            np.multiply(dh + dh_state, slope[t], out=delta[t])
            dh_state = delta[t] @ recurrent_t
            if keep is not None:
                dh_state = dh_state + around
        dx, dkernel = masked_matmul_backward(x_steps, self.input_masks, self.kernel, delta)
        self.grads["kernel"] += dkernel
        self.grads["recurrent_kernel"] += masked_matmul_backward(h_in[:-1], None, self.recurrent_kernel,
                                                                 delta)[1]
        if self.use_bias:
            self.grads["bias"] += delta.reshape(-1, self.units).sum(axis=0)
        return dx, [dh_state]

    # ---------------------------------------------------------------- explain, config
    @property
    def formula(self):
        name = getattr(self.activation, "name", "f")
        bias = " + b" if self.use_bias else ""
        return rf"h_t = \mathrm{{{name}}}(x_t W + h_{{t-1}} U{bias})"

    def shape_steps(self, input_shape):
        batch = input_shape[0] if not isinstance(input_shape, list) else input_shape[0][0]
        d, u = (input_shape[0] if isinstance(input_shape, list) else input_shape)[-1], self.units
        bias = " + b" if self.use_bias else ""
        name = getattr(self.activation, "name", "f")
        return [Step(f"z_t = x_t W + h_(t-1) U{bias}, W: {(d, u)}, U: {(u, u)}", (batch, u)),
                Step(f"h_t = {name}(z_t)", self.compute_output_shape(input_shape))]

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout}


class SimpleRNN(CellRNN):
    r"""Fully connected recurrent layer: :math:`h_t = \tanh(x_t W + h_{t-1} U + b)` over the sequence.

    Args:
        units, activation, use_bias, initializers, regularizers, constraints, dropout,
        recurrent_dropout, seed: as ``SimpleRNNCell``.
        return_sequences, return_state, go_backwards, stateful, unroll: as ``RNN``.
        Keras 1 names (``output_dim``, ``init``, ``inner_init``, ``W_regularizer``,
        ``U_regularizer``, ``b_regularizer``, ``dropout_W``, ``dropout_U``) are accepted.

    Input shape:  ``(batch, timesteps, features)``.
    Output shape: ``(batch, units)`` or, with ``return_sequences``, ``(batch, timesteps, units)``.

    >>> layer = SimpleRNN(4, input_shape=(10, 3))
    >>> layer.explain().param_formula
    '3*4 + 4*4 + 4'
    """

    @keras1_arguments
    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, **kwargs):
        check_arguments(type(self).__name__, units, dropout, recurrent_dropout)
        cell = SimpleRNNCell(units, activation=activation, use_bias=use_bias,
                             kernel_initializer=kernel_initializer,
                             recurrent_initializer=recurrent_initializer,
                             bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                             recurrent_regularizer=recurrent_regularizer,
                             bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                             recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                             dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                             dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)

