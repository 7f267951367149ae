r"""LSTM: long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al.).

Two states, the output :math:`h` and the cell (carry) :math:`c`. One step, with the gates in
Keras' order **i, f, c, o** along the last axis of ``kernel (d, 4u)``, ``recurrent_kernel (u, 4u)``
and ``bias (4u,)``:

.. math::
    z &= x_t W + h_{t-1} U + b = [z_i, z_f, z_c, z_o] \\
    i &= \sigma(z_i),\quad f = \sigma(z_f),\quad \tilde c = \tanh(z_c),\quad o = \sigma(z_o) \\
    c_t &= f \odot c_{t-1} + i \odot \tilde c, \qquad h_t = o \odot \tanh(c_t)

(:math:`\sigma` = ``recurrent_activation``, sigmoid by default; :math:`\tanh` = ``activation``.)
Backward through one step, with :math:`\bar h` and :math:`\bar c` the gradients arriving at
:math:`h_t` (output plus the next step) and :math:`c_t` (from the next step):

.. math::
    \bar c_t &= \bar c + \bar h \odot o \odot \tanh'(c_t), \qquad
    \bar c_{t-1} = \bar c_t \odot f \\
    \delta_o &= \bar h \odot \tanh(c_t) \odot \sigma'(z_o),\quad
    \delta_i = \bar c_t \odot \tilde c \odot \sigma'(z_i),\quad
    \delta_f = \bar c_t \odot c_{t-1} \odot \sigma'(z_f),\quad
    \delta_c = \bar c_t \odot i \odot \tanh'(z_c)

and then, as in SimpleRNN, :math:`\delta = [\delta_i, \delta_f, \delta_c, \delta_o]` gives
:math:`\partial W \mathrel{+}= x_t^\top\delta`, :math:`\partial U \mathrel{+}= h_{t-1}^\top\delta`,
:math:`\partial b \mathrel{+}= \mathbf 1^\top \delta`, :math:`\bar x_t = \delta W^\top`,
:math:`\bar h_{t-1} = \delta U^\top`. The path :math:`\bar c_{t-1} = \bar c_t \odot f` has no
matrix product and no squashing derivative: with :math:`f \approx 1` the gradient travels many
steps back without vanishing (the "constant error carousel").

Keras versions: Keras 1 stored 12 arrays (``W_i, U_i, b_i, W_c, ...``, gate order i, c, f, o) and
defaulted to ``inner_activation='hard_sigmoid'``; Keras 2 concatenated them into the three arrays
above (order i, f, c, o) and Keras 2.3+/3 default to ``recurrent_activation='sigmoid'``.
``unit_forget_bias=True`` initializes the forget-gate bias to 1 (Jozefowicz et al. 2015).
"""
from __future__ import annotations

import numpy as np

from ... import activations, initializers
from ...explain import Step
from .._legacy import keras1_arguments
from .base_rnn import (CellRNN, RNNCell, mask_backward, mask_forward, masked_matmul,
                       masked_matmul_backward)
from .simple_rnn import check_arguments

__all__ = ["LSTMCell", "LSTM"]


class _UnitForgetBias:
    """``bias_initializer`` for the i and c~ and o blocks, ones for the forget block (Keras)."""

    def __init__(self, bias_initializer, units):
        self.bias_initializer, self.units = bias_initializer, units

    def __call__(self, shape, dtype=None):
        u = self.units
        return np.concatenate([self.bias_initializer((u,), dtype=dtype), np.ones(u, dtype=dtype),
                               self.bias_initializer((2 * u,), dtype=dtype)]).astype(dtype)


class LSTMCell(RNNCell):
    r"""One LSTM step (Keras' ``LSTMCell``), gate order i, f, c, o.

    Args:
        units: positive int, the size of :math:`h` and :math:`c`.
        activation: for :math:`\tilde c` and :math:`\tanh(c_t)` (default ``"tanh"``).
        recurrent_activation: for the gates i, f, o (default ``"sigmoid"``; Keras 1/2.0-2.2:
            ``"hard_sigmoid"``).
        use_bias, unit_forget_bias: a bias, with the forget block initialized to 1.
        kernel_initializer, recurrent_initializer, bias_initializer, *_regularizer, *_constraint.
        dropout, recurrent_dropout: one mask per sequence on the inputs / on :math:`h_{t-1}`.
        implementation: 2 (default) uses one input mask for the four gates; 1 (forced by
            ``recurrent_dropout > 0``, as Keras 3) draws one mask per gate.
        seed: makes the dropout masks repeatable.

    Weights: ``kernel (d, 4u)``, ``recurrent_kernel (u, 4u)``, ``bias (4u,)``.
    """

    @keras1_arguments
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, implementation=2, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.units, self.dropout, self.recurrent_dropout = check_arguments(
            self._label, units, dropout, recurrent_dropout)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.unit_forget_bias = bool(unit_forget_bias)
        if implementation not in (1, 2):
            raise ValueError(f"{self._label}: implementation must be 1 or 2, got {implementation!r}")
        self.implementation = 1 if self.recurrent_dropout else int(implementation)
        self.dropout_mask_count = 4 if self.implementation == 1 else 1
        self.set_weight_options(kernel_initializer=kernel_initializer,
                                recurrent_initializer=recurrent_initializer,
                                bias_initializer=bias_initializer,
                                kernel_regularizer=kernel_regularizer,
                                recurrent_regularizer=recurrent_regularizer,
                                bias_regularizer=bias_regularizer,
                                kernel_constraint=kernel_constraint,
                                recurrent_constraint=recurrent_constraint,
                                bias_constraint=bias_constraint)
        self.state_size, self.output_size = (self.units, self.units), self.units

    def build(self, input_shape):
        u = self.units
        self.add_weight("kernel", (input_shape[-1], 4 * u), self.kernel_initializer,
                        self.kernel_regularizer, self.kernel_constraint)
        self.add_weight("recurrent_kernel", (u, 4 * u), self.recurrent_initializer,
                        self.recurrent_regularizer, self.recurrent_constraint)
        if self.use_bias:
            init = (_UnitForgetBias(initializers.get(self.bias_initializer), u)
                    if self.unit_forget_bias else self.bias_initializer)
            self.add_weight("bias", (4 * u,), init, self.bias_regularizer, self.bias_constraint)

    # ---------------------------------------------------------------- the step, as in the docstring
    def step_forward(self, x_t, states, training=False):
        z = self._input_part(x_t) + masked_matmul(states[0], self.recurrent_masks, self.recurrent_kernel)
        h, c, gates = self._gates(z, states[1])
        return h, [h, c], (x_t, states[0], states[1], z, gates, c)

    def step_backward(self, dh, dstates, step_cache):
        x_t, h_prev, c_prev, z, gates, c = step_cache
        dz, dh_prev, dc_prev = self._gates_backward(dh, dstates, h_prev, c_prev, z, gates, c)
        dx_t, dkernel = masked_matmul_backward(x_t, self.input_masks, self.kernel, dz)
        self.grads["kernel"] += dkernel
        if self.use_bias:
            self.grads["bias"] += dz.sum(axis=0)
        return dx_t, [dh_prev, dc_prev]

    # ---------------------------------------------------------------- the gates of one step
    def _input_part(self, x):
        zx = masked_matmul(x, self.input_masks, self.kernel)
        return zx + self.bias if self.use_bias else zx

    def _gates(self, z, c_prev):
        z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c_tilde = self.activation(z_c)
        o = self.recurrent_activation(z_o)
        c = f * c_prev + i * c_tilde
        tanh_c = self.activation(c)
        h = o * tanh_c
        return h, c, (i, f, c_tilde, o, tanh_c)

    def _gates_backward(self, dh, dstates, h_prev, c_prev, z, gates, c):
        i, f, c_tilde, o, tanh_c = gates
        z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
        dh = dh + dstates[0]                         # output and state are the same h_t
        dc = dstates[1] + self.activation.backward(c, tanh_c, dh * o)
        dz = np.concatenate([
            self.recurrent_activation.backward(z_i, i, dc * c_tilde),     # input gate
            self.recurrent_activation.backward(z_f, f, dc * c_prev),      # forget gate
            self.activation.backward(z_c, c_tilde, dc * i),               # candidate c~
            self.recurrent_activation.backward(z_o, o, dh * tanh_c),      # output gate
        ], axis=-1)
        dh_prev, drec = masked_matmul_backward(h_prev, self.recurrent_masks, self.recurrent_kernel, dz)
        self.grads["recurrent_kernel"] += drec
        return dz, dh_prev, dc * f

    # ---------------------------------------------------------------- fast path: the whole sequence
    @property
    def has_fast_path(self) -> bool:
        # the one-tanh trick needs sigmoid gates and tanh; recurrent dropout masks h_(t-1) inside
        # every product: the reference loop does those
        return (self.recurrent_activation is activations.sigmoid and self.activation is activations.tanh
                and not self.recurrent_dropout)

    def sequence_forward(self, x_steps, states, keep, training=False):
        r"""All steps (time-major), the four activations of a step as one ``tanh``.

        :math:`\sigma(x) = (1 + \tanh(x/2))/2`: with the columns of the gates i, f, o of
        :math:`W, U, b` halved once (:math:`a` = 1/2 there, 1 on :math:`\tilde c`), a step is
        :math:`z'_t = Z'_x[t] + h_{t-1} U'`, :math:`[i, f, \tilde c, o] = a \tanh(z'_t) + (1 - a)`,
        then :math:`c_t, h_t` as in ``step_forward``. :math:`Z'_x = X W' + b'` is one product for
        all :math:`T` steps.
        """
        steps, batch, _ = x_steps.shape
        u = self.units
        half = np.where(np.arange(4 * u) // u == 2, 1.0, 0.5).astype(x_steps.dtype)      # a
        offset = 1 - half
        # The trick: the input projection of all steps in one product, and one tanh per step.
        gates = masked_matmul(x_steps, self.input_masks, self.kernel * half)   # Z'_x, then the gates
        if self.use_bias:
            gates += self.bias * half
        recurrent = self.recurrent_kernel * half
        # Every array the loop writes exists before it: a step is then only NumPy calls with out=,
        # and what backward needs (gates, states, tanh(c_t)) is already in place when it ends.
        h_in = np.empty((steps + 1, batch, u), dtype=gates.dtype)   # the states entering each step
        c_in = np.empty_like(h_in)
        h_in[0], c_in[0] = states
        tanh_c = np.empty((steps, batch, u), dtype=gates.dtype)
        i_c_tilde = np.empty((batch, u), dtype=gates.dtype)        # scratch for i * c~
        outputs = h_in[1:] if keep is None else np.empty_like(tanh_c)
        for t in range(steps):
            g = gates[t]
            g += h_in[t] @ recurrent
            np.tanh(g, out=g)
            g *= half
            g += offset
            i, f, c_tilde, o = g[:, :u], g[:, u:2 * u], g[:, 2 * u:3 * u], g[:, 3 * u:]
            np.multiply(f, c_in[t], out=c_in[t + 1])
            c_in[t + 1] += np.multiply(i, c_tilde, out=i_c_tilde)
            np.tanh(c_in[t + 1], out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=h_in[t + 1])
            if keep is not None:
                prev_out = outputs[t - 1] if t else np.zeros_like(h_in[0])
                outputs[t], (h_in[t + 1], c_in[t + 1]) = mask_forward(
                    keep[t], h_in[t + 1], [h_in[t + 1], c_in[t + 1]], prev_out, [h_in[t], c_in[t]])
        return outputs, [h_in[-1].copy(), c_in[-1].copy()], (x_steps, gates, h_in, c_in, tanh_c, keep)

    def sequence_backward(self, douts, dstates, cache):
        r"""BPTT with only the recurrence in the loop.

        Every factor that needs no gradient is computed for all steps before the loop:
        :math:`P_c = o \odot \tanh'(c_t)`, :math:`F = [\tilde c\,\sigma'_i,\ c_{t-1}\sigma'_f,\
        i\tanh'_{\tilde c},\ \tanh(c_t)\,\sigma'_o]`. The loop is then
        :math:`\bar h = \bar y_t + \bar h_t`, :math:`\bar c = \bar c_t + \bar h \odot P_c`,
        :math:`\delta_t = [\bar c, \bar c, \bar c, \bar h] \odot F`,
        :math:`\bar c_{t-1} = \bar c \odot f`, :math:`\bar h_{t-1} = \delta_t U^\top`, and with
        every :math:`\delta_t` kept, :math:`\partial W = X^\top\Delta`,
        :math:`\partial U = H_{\text{prev}}^\top \Delta`, :math:`\partial b = \mathbf 1^\top\Delta`,
        :math:`\bar X = \Delta W^\top` are one product each after it.
        """
        x_steps, gates, h_in, c_in, tanh_c, keep = cache
        steps, batch, u = tanh_c.shape
        i, f, c_tilde, o = (gates[..., k * u:(k + 1) * u] for k in range(4))
        from_h = np.square(tanh_c)
        np.subtract(1, from_h, out=from_h)
        from_h *= o
        # The four slopes in one pass over all steps: sigma' = s (1 - s) on the gates i, f, o and
        # tanh' = (1 - c~)(1 + c~) on c~ are both (1 - g)(g + b), with b = 0 and 1.
        b = np.where(np.arange(4 * u) // u == 2, 1, 0).astype(gates.dtype)
        factors = np.subtract(1, gates).reshape(steps, batch, 4, u)
        factors *= (gates + b).reshape(steps, batch, 4, u)
        factors[:, :, 0] *= c_tilde
        factors[:, :, 1] *= c_in[:-1]
        factors[:, :, 2] *= i
        factors[:, :, 3] *= tanh_c
        delta = np.empty_like(factors)
        recurrent_t = np.ascontiguousarray(self.recurrent_kernel.T)
        (dh_state, dc_state), d_prev_out = dstates, np.zeros_like(dstates[0])
        for t in reversed(range(steps)):
            dh = douts[t]
            if keep is not None:
                dh, (dh_state, dc_state), d_prev_out, around = mask_backward(
                    keep[t], dh + d_prev_out, [dh_state, dc_state])
            dh = dh + dh_state
            dc = dh * from_h[t]
            dc += dc_state
            np.multiply(factors[t, :, :3], dc[:, None, :], out=delta[t, :, :3])
            np.multiply(factors[t, :, 3], dh, out=delta[t, :, 3])
            dc_state = dc * f[t]
            dh_state = delta[t].reshape(batch, 4 * u) @ recurrent_t
            if keep is not None:
                dh_state, dc_state = dh_state + around[0], dc_state + around[1]
        delta = delta.reshape(steps, batch, 4 * u)
        dx, dkernel = masked_matmul_backward(x_steps, self.input_masks, self.kernel, delta)
        self.grads["kernel"] += dkernel
        # only the weight gradient: the gradient into each h_(t-1) was the loop's
        self.grads["recurrent_kernel"] += h_in[:-1].reshape(-1, u).T @ delta.reshape(-1, 4 * u)
        if self.use_bias:
            self.grads["bias"] += delta.reshape(-1, 4 * u).sum(axis=0)
        return dx, [dh_state, dc_state]

    # ---------------------------------------------------------------- explain, config
    @property
    def formula(self):
        act = getattr(self.activation, "name", "g")
        rec = getattr(self.recurrent_activation, "name", "s")
        bias = " + b" if self.use_bias else ""
        return (rf"[z_i, z_f, z_c, z_o] = x_t W + h_{{t-1}} U{bias},\ "
                rf"i = \mathrm{{{rec}}}(z_i),\ f = \mathrm{{{rec}}}(z_f),\ "
                rf"\tilde c = \mathrm{{{act}}}(z_c),\ o = \mathrm{{{rec}}}(z_o),\ "
                rf"c_t = f \odot c_{{t-1}} + i \odot \tilde c,\ h_t = o \odot \mathrm{{{act}}}(c_t)")

    def shape_steps(self, input_shape):
        x_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        batch, d, u = x_shape[0], x_shape[-1], self.units
        bias = " + b" if self.use_bias else ""
        return [Step(f"z = x_t W + h_(t-1) U{bias}, W: {(d, 4 * u)}, U: {(u, 4 * u)}", (batch, 4 * u)),
                Step("split z into the gates i, f, c~, o (Keras order), each", (batch, u)),
                Step("c_t = f * c_(t-1) + i * c~", (batch, u)),
                Step("h_t = o * tanh(c_t)", self.compute_output_shape(input_shape))]

    def param_formula(self, input_shape):
        d, u = input_shape[-1], self.units
        return f"4*({d}*{u} + {u}*{u} + {u})" if self.use_bias else f"4*({d}*{u} + {u}*{u})"

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias, "unit_forget_bias": self.unit_forget_bias,
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "implementation": self.implementation}


_KERAS1_CONSUME_LESS = {"cpu": 1, "mem": 1, "gpu": 2}


class LSTM(CellRNN):
    r"""Long short-term memory layer (Keras' ``LSTM``): the ``LSTMCell`` step over the sequence.

    Args:
        units, activation, recurrent_activation, use_bias, unit_forget_bias, initializers,
        regularizers, constraints, dropout, recurrent_dropout, seed, implementation: as ``LSTMCell``.
        return_sequences, return_state, go_backwards, stateful, unroll: as ``RNN``;
        ``return_state=True`` returns ``[output, h_T, c_T]``.
        Keras 1 names are accepted: ``output_dim``, ``init``, ``inner_init``, ``forget_bias_init``
        (``'one'`` means ``unit_forget_bias=True``), ``inner_activation``, ``W_regularizer``,
        ``U_regularizer``, ``b_regularizer``, ``dropout_W``, ``dropout_U``, ``consume_less``.

    Input shape:  ``(batch, timesteps, features)``.
    Output shape: ``(batch, units)`` or ``(batch, timesteps, units)`` with ``return_sequences``.

    >>> LSTM(64).explain((None, 50, 32)).param_formula
    '4*(32*64 + 64*64 + 64)'
    """

    notes = ("Gate order i, f, c, o in kernel (d, 4u), recurrent_kernel (u, 4u), bias (4u,), as Keras 2/3 "
             "(Keras 1 kept 12 separate arrays). recurrent_activation defaults to sigmoid (Keras 2.3+/3); "
             "Keras 1 and 2.0-2.2 used hard_sigmoid.",)

    @keras1_arguments
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, implementation=2,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, forget_bias_init=None, inner_activation=None, consume_less=None,
                 **kwargs):
        # Keras 1 spellings that Keras 2's legacy interface converted.
        if forget_bias_init is not None:
            unit_forget_bias = forget_bias_init in ("one", "ones", "Ones")
        if inner_activation is not None:
            recurrent_activation = inner_activation
        if consume_less is not None:
            implementation = _KERAS1_CONSUME_LESS.get(consume_less, 2)
        check_arguments(type(self).__name__, units, dropout, recurrent_dropout)
        cell = LSTMCell(units, activation=activation, recurrent_activation=recurrent_activation,
                        use_bias=use_bias, kernel_initializer=kernel_initializer,
                        recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                        unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                        recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                        kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                        bias_constraint=bias_constraint, dropout=dropout,
                        recurrent_dropout=recurrent_dropout, seed=seed, implementation=implementation,
                        dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)

