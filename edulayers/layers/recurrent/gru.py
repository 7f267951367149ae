r"""GRU: the gated recurrent unit (Cho et al., 2014), one step and the whole sequence.

With the input projection :math:`a_t = x_t W + b^{(x)}` (split into the three gate blocks
``z, r, h`` of ``kernel``, in that order) and the previous state :math:`h_{t-1}`:

.. math::
    z_t &= \sigma(a^z_t + h_{t-1} U_z + b^{(h)}_z) &&\text{update gate} \\
    r_t &= \sigma(a^r_t + h_{t-1} U_r + b^{(h)}_r) &&\text{reset gate} \\
    \tilde h_t &= \tanh\bigl(a^h_t + r_t \odot (h_{t-1} U_h + b^{(h)}_h)\bigr)
        &&\text{reset\_after=True (Keras 3 default)} \\
    \tilde h_t &= \tanh\bigl(a^h_t + (r_t \odot h_{t-1}) U_h\bigr)
        &&\text{reset\_after=False (Keras 1/2 default)} \\
    h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t

``reset_after=True`` (cuDNN's form) applies the reset gate *after* the recurrent product and so
has a second bias :math:`b^{(h)}`: ``bias`` has shape ``(2, 3*units)``, row 0 the input bias,
row 1 the recurrent bias. ``reset_after=False`` (1406.1078v3) has one bias ``(3*units,)``.

Backward through one step, with :math:`\bar h = \partial L/\partial h_t` (output plus next step):

.. math::
    \delta^h &= \bar h \odot (1 - z_t) \odot \tanh'(\cdot), \quad
    \delta^z = \bar h \odot (h_{t-1} - \tilde h_t) \odot \sigma'(\cdot), \quad
    \delta^r = \bar r \odot \sigma'(\cdot), \quad \bar h_{t-1} \mathrel{+}= \bar h \odot z_t

where :math:`\bar r = \delta^h \odot (h_{t-1}U_h + b^{(h)}_h)` (reset_after) or
:math:`\bar r = (\delta^h U_h^\top) \odot h_{t-1}` (reset before), and the recurrent
products send :math:`\delta\, U^\top` back to :math:`h_{t-1}`. The input side
:math:`\delta_t = [\delta^z, \delta^r, \delta^h]` gives :math:`\bar x_t = \delta_t W^\top` and
:math:`\partial W = \sum_t x_t^\top \delta_t`.

As in LSTM, the step is written once (``step_forward``/``step_backward``, the reference path) and
the fast path runs the same arithmetic over the whole sequence (``sequence_forward`` /
``sequence_backward``), with the projections and weight gradients of all steps one matrix
product each. This module is longer than most because GRU has two candidate forms
(``reset_after``), each in both paths.
"""
from __future__ import annotations

import numpy as np

from ... import activations
from ...explain import Step
from .._legacy import keras1_arguments
from ..base import InputSpec
from .base_rnn import (CellRNN, RNNCell, mask_backward, mask_forward, masked_matmul,
                       masked_matmul_backward)
from .simple_rnn import check_arguments

__all__ = ["GRU", "GRUCell"]


def _legacy_recurrent_arguments(kwargs, recurrent_activation):
    """Keras 1/2 arguments with no Keras 3 meaning: ``inner_activation`` is the gates' activation;
    ``implementation`` (Keras 2) and ``consume_less`` (Keras 1) chose how the backend batched the
    products, which does not change the result, so they are accepted and ignored."""
    kwargs.pop("implementation", None)
    kwargs.pop("consume_less", None)
    if "inner_activation" in kwargs:
        recurrent_activation = kwargs.pop("inner_activation")
    return recurrent_activation


def _tex_name(activation, symbols):
    """LaTeX for an activation's name: a symbol where there is one, else ``\\mathrm{name}``."""
    name = getattr(activation, "name", "f")
    return symbols.get(name, r"\mathrm{" + name.replace("_", r"\_") + "}")


class GRUCell(RNNCell):
    r"""One GRU step: update gate :math:`z`, reset gate :math:`r`, candidate :math:`\tilde h`.

    .. math::
        z_t = \sigma(x_t W_z + h_{t-1} U_z + b_z),\quad r_t = \sigma(x_t W_r + h_{t-1} U_r + b_r),\\
        \tilde h_t = \tanh\bigl(x_t W_h + b^{(x)}_h + r_t \odot (h_{t-1} U_h + b^{(h)}_h)\bigr),\quad
        h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t

    (``reset_after=True``; with ``reset_after=False`` the candidate is
    :math:`\tanh(x_t W_h + b_h + (r_t \odot h_{t-1}) U_h)`.)

    Args:
        units: positive int, the size of :math:`h_t`.
        activation: of the candidate (default ``"tanh"``).
        recurrent_activation: of the gates (default ``"sigmoid"``, Keras 3; Keras 1/2 used
            ``"hard_sigmoid"``).
        use_bias: whether the gates have biases.
        kernel_initializer, recurrent_initializer, bias_initializer: default ``"glorot_uniform"``,
            ``"orthogonal"``, ``"zeros"``; ``*_regularizer``, ``*_constraint`` as Keras.
        dropout, recurrent_dropout: fractions of the inputs / of :math:`h_{t-1}` dropped (in the
            products with ``kernel`` / ``recurrent_kernel``), one mask per sequence. As Keras 3:
            one input mask for all three gates, unless ``recurrent_dropout > 0``, then one mask
            per gate on both sides (Keras' ``implementation=1``). A rate outside ``[0, 1]`` is an
            error here (Keras 3 silently clips it).
        reset_after: ``True`` (Keras 3 default, cuDNN-compatible, ``bias`` ``(2, 3*units)``) or
            ``False`` (Keras 1/2 default, ``bias`` ``(3*units,)``).
        seed: makes the dropout masks repeatable.

    Weights (Keras order): ``kernel (input_dim, 3*units)``, ``recurrent_kernel (units, 3*units)``,
    ``bias``; the gate blocks along the last axis are ``z, r, h``.
    """

    @keras1_arguments
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        recurrent_activation = _legacy_recurrent_arguments(kwargs, recurrent_activation)
        super().__init__(seed=seed, **kwargs)
        self.units, self.dropout, self.recurrent_dropout = check_arguments(
            self._label, units, dropout, recurrent_dropout)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.reset_after = bool(reset_after)
        # As Keras 3: recurrent dropout switches to one mask per gate (its implementation=1).
        self.dropout_mask_count = 3 if self.recurrent_dropout > 0 else 1
        self.state_size = (self.units,)
        self.output_size = self.units
        self.set_weight_options(kernel_initializer=kernel_initializer,
                                recurrent_initializer=recurrent_initializer,
                                bias_initializer=bias_initializer,
                                kernel_regularizer=kernel_regularizer,
                                recurrent_regularizer=recurrent_regularizer,
                                bias_regularizer=bias_regularizer,
                                kernel_constraint=kernel_constraint,
                                recurrent_constraint=recurrent_constraint,
                                bias_constraint=bias_constraint)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.add_weight("kernel", (input_dim, 3 * self.units), self.kernel_initializer,
                        self.kernel_regularizer, self.kernel_constraint)
        self.add_weight("recurrent_kernel", (self.units, 3 * self.units), self.recurrent_initializer,
                        self.recurrent_regularizer, self.recurrent_constraint)
        if self.use_bias:
            # reset_after: row 0 is the input bias, row 1 the recurrent bias (inside r * (...)).
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self.add_weight("bias", shape, self.bias_initializer, self.bias_regularizer,
                            self.bias_constraint)
        self.input_spec = InputSpec(ndim=2, axes={-1: input_dim}, description="(batch, input_dim)")

    def _biases(self):
        """``(b_x, b_h)``: the input bias and the recurrent bias, each ``(3*units,)`` (zeros where
        the layer has none: no bias, or the recurrent one with ``reset_after=False``)."""
        zeros = np.zeros(3 * self.units, dtype=self.dtype)
        if not self.use_bias:
            return zeros, zeros
        return (self.bias[0], self.bias[1]) if self.reset_after else (self.bias, zeros)

    def _recurrent_masks(self):
        """The recurrent dropout masks of the z and r products, and of the candidate's h_(t-1)."""
        if self.recurrent_masks is None:
            return None, None
        return self.recurrent_masks[:2], self.recurrent_masks[2]

    def _add_bias_grad(self, d_input, d_recurrent):
        """Bias gradients: row 0 from the input side, row 1 from the recurrent side (reset_after)."""
        if not self.use_bias:
            return
        if self.reset_after:
            self.grads["bias"][0] += d_input
            self.grads["bias"][1] += d_recurrent
        else:
            self.grads["bias"] += d_input

    # ------------------------------------------------------------ the step, as in the docstring
    def step_forward(self, x_t, states, training=False):
        h_prev, u = states[0], self.units
        b_x, b_h = self._biases()
        U = self.recurrent_kernel
        masks_zr, mask_h = self._recurrent_masks()
        a = masked_matmul(x_t, self.input_masks, self.kernel) + b_x          # blocks z, r, h
        rec_zr = masked_matmul(h_prev, masks_zr, U[:, :2 * u]) + b_h[:2 * u]
        pre_z, pre_r = a[:, :u] + rec_zr[:, :u], a[:, u:2 * u] + rec_zr[:, u:]
        z = self.recurrent_activation(pre_z)                       # update gate
        r = self.recurrent_activation(pre_r)                       # reset gate
        h_in = h_prev if mask_h is None else h_prev * mask_h       # h_(t-1) in the candidate
        if self.reset_after:
            reset_part = h_in @ U[:, 2 * u:] + b_h[2 * u:]         # r gates the product
            pre_h = a[:, 2 * u:] + r * reset_part
        else:
            reset_part = r * h_in                                  # r gates the state
            pre_h = a[:, 2 * u:] + reset_part @ U[:, 2 * u:]
        h_tilde = self.activation(pre_h)                           # candidate state
        h = z * h_prev + (1 - z) * h_tilde
        return h, [h], (x_t, h_prev, h_in, pre_z, pre_r, pre_h, z, r, reset_part, h_tilde)

    def step_backward(self, dh, dstates, step_cache):
        x_t, h_prev, h_in, pre_z, pre_r, pre_h, z, r, reset_part, h_tilde = step_cache
        u, U = self.units, self.recurrent_kernel
        masks_zr, mask_h = self._recurrent_masks()
        dh = dh + dstates[0]                       # h_t is both the output and the next state
        dpre_h = self.activation.backward(pre_h, h_tilde, dh * (1 - z))
        if self.reset_after:
            dr = dpre_h * reset_part
            d_reset_part = dpre_h * r              # d(h_in U_h + b_h)
            dh_in = d_reset_part @ U[:, 2 * u:].T
            dU_h = h_in.T @ d_reset_part
        else:
            d_reset_part = dpre_h @ U[:, 2 * u:].T     # d(r * h_in)
            dr = d_reset_part * h_in
            dh_in = d_reset_part * r
            dU_h = reset_part.T @ dpre_h
        dpre_z = self.recurrent_activation.backward(pre_z, z, dh * (h_prev - h_tilde))
        dpre_r = self.recurrent_activation.backward(pre_r, r, dr)
        d_zr = np.concatenate([dpre_z, dpre_r], axis=1)
        dh_prev_zr, dU_zr = masked_matmul_backward(h_prev, masks_zr, U[:, :2 * u], d_zr)
        self.grads["recurrent_kernel"] += np.concatenate([dU_zr, dU_h], axis=1)
        dh_prev = dh * z + dh_prev_zr + (dh_in if mask_h is None else dh_in * mask_h)
        da = np.concatenate([d_zr, dpre_h], axis=1)
        dx_t, dkernel = masked_matmul_backward(x_t, self.input_masks, self.kernel, da)
        self.grads["kernel"] += dkernel
        self._add_bias_grad(da.sum(axis=0), np.concatenate([d_zr, d_reset_part], axis=1).sum(axis=0)
                            if self.reset_after else None)
        return dx_t, [dh_prev]

    # ------------------------------------------------------------ fast path: the whole sequence
    @property
    def has_fast_path(self) -> bool:
        # the one-tanh gates need sigmoid and tanh; recurrent dropout masks h_(t-1) inside every
        # product: the reference loop does those
        return (self.recurrent_activation is activations.sigmoid and self.activation is activations.tanh
                and not self.recurrent_dropout)

    def sequence_forward(self, x_steps, states, keep, training=False):
        r"""All steps (time-major), the two gates of a step as one ``tanh``.

        :math:`\sigma(x) = (1 + \tanh(x/2))/2`: with the z and r columns of :math:`W, U` and of the
        biases halved once, :math:`[z_t, r_t] = (1 + \tanh(A'[t] + h_{t-1} U'_{zr}))/2`, where
        :math:`A' = X W' + b'` (the recurrent z, r biases folded in) is one product for all
        :math:`T` steps; then :math:`\tilde h_t` and :math:`h_t = \tilde h_t + z_t (h_{t-1} - \tilde h_t)`
        as in ``step_forward``.
        """
        steps, batch, _ = x_steps.shape
        u = self.units
        half = np.where(np.arange(3 * u) < 2 * u, 0.5, 1.0).astype(x_steps.dtype)
        b_x, b_h = self._biases()
        # The trick: the input projection of all steps in one product, and one tanh for z and r.
        a = masked_matmul(x_steps, self.input_masks, self.kernel * half)
        a += (b_x + np.where(half < 1, b_h, 0)) * half
        U = self.recurrent_kernel * half
        U_zr, U_h, b_hh = np.ascontiguousarray(U[:, :2 * u]), U[:, 2 * u:], b_h[2 * u:]
        gates = np.empty((steps, batch, 2 * u), dtype=a.dtype)       # z, r
        reset_part = np.empty((steps, batch, u), dtype=a.dtype)
        h_tilde = np.empty_like(reset_part)
        h_in = np.empty((steps + 1, batch, u), dtype=a.dtype)       # the state entering each step
        h_in[0] = states[0]
        outputs = h_in[1:] if keep is None else np.empty_like(h_tilde)
        for t in range(steps):
            h_prev, g, cand = h_in[t], gates[t], h_tilde[t]
            if self.reset_after:
                hu = h_prev @ U
                np.add(a[t, :, :2 * u], hu[:, :2 * u], out=g)
                np.add(hu[:, 2 * u:], b_hh, out=reset_part[t])
            else:
                np.add(a[t, :, :2 * u], h_prev @ U_zr, out=g)
            np.tanh(g, out=g)
            g *= 0.5
            g += 0.5
            z, r = g[:, :u], g[:, u:]
            if self.reset_after:
                np.multiply(r, reset_part[t], out=cand)
            else:
                np.multiply(r, h_prev, out=reset_part[t])
                np.matmul(reset_part[t], U_h, out=cand)
            cand += a[t, :, 2 * u:]
            np.tanh(cand, out=cand)
            np.subtract(h_prev, cand, out=h_in[t + 1])
            h_in[t + 1] *= z
            h_in[t + 1] += cand
            if keep is not None:
                prev_out = outputs[t - 1] if t else np.zeros_like(h_prev)
                outputs[t], (h_in[t + 1],) = mask_forward(keep[t], h_in[t + 1], [h_in[t + 1]],
                                                          prev_out, [h_prev])
        return outputs, [h_in[-1].copy()], (x_steps, gates, reset_part, h_tilde, h_in, keep)

    def sequence_backward(self, douts, dstates, cache):
        r"""BPTT with only the recurrence in the loop.

        Before it, for all steps: :math:`P_z = (h_{t-1} - \tilde h_t)\,\sigma'_z`,
        :math:`P_h = (1 - z_t)\tanh'`. In it: :math:`\delta^z = \bar h P_z`, :math:`\delta^h = \bar h P_h`,
        :math:`\delta^r = \bar r\, \sigma'_r` (reset_after: :math:`\bar r = \delta^h \odot
        (h_{t-1}U_h + b^{(h)}_h)`, all precomputed; else :math:`(\delta^h U_h^\top) \odot h_{t-1}`),
        :math:`\bar h_{t-1} = \bar h z_t + \ldots U^\top`. Every step's deltas are kept, so that
        :math:`\partial W, \partial U, \partial b` and :math:`\bar X` are one product each after it.
        """
        x_steps, gates, reset_part, h_tilde, h_in, keep = cache
        steps, batch, u = h_tilde.shape
        z, r = gates[..., :u], gates[..., u:]
        h_prev = h_in[:-1]
        p_z = (h_prev - h_tilde) * z * (1 - z)
        p_h = (1 - z) * (1 - h_tilde ** 2)
        U = self.recurrent_kernel
        delta = np.empty((steps, batch, 3 * u), dtype=gates.dtype)     # d(input projection)
        dh_state, d_prev_out = dstates[0], np.zeros_like(dstates[0])
        if self.reset_after:
            # every factor of dh is known before the loop; only dh itself is recurrent
            factors = np.stack([p_z, p_h * reset_part * r * (1 - r), p_h * r], axis=2)
            d_rec = np.empty((steps, batch, 3, u), dtype=gates.dtype)    # d(h_(t-1) U + b^(h))
            dh_all = np.empty_like(h_tilde)
            recurrent_t = np.ascontiguousarray(U.T)
        else:
            p_r = h_prev * r * (1 - r)
            U_h_t, U_zr_t = np.ascontiguousarray(U[:, 2 * u:].T), np.ascontiguousarray(U[:, :2 * u].T)
        for t in reversed(range(steps)):
            dh = douts[t] + d_prev_out
            if keep is not None:
                dh, (dh_state,), d_prev_out, (around,) = mask_backward(keep[t], dh, [dh_state])
            dh = dh + dh_state
            if self.reset_after:
                dh_all[t] = dh
                np.multiply(factors[t], dh[:, None, :], out=d_rec[t])
                dh_state = dh * z[t] + d_rec[t].reshape(batch, 3 * u) @ recurrent_t
            else:
                d = delta[t]
                np.multiply(dh, p_h[t], out=d[:, 2 * u:])
                d_reset_part = d[:, 2 * u:] @ U_h_t
                np.multiply(d_reset_part, p_r[t], out=d[:, u:2 * u])
                np.multiply(dh, p_z[t], out=d[:, :u])
                dh_state = dh * z[t] + d_reset_part * r[t] + d[:, :2 * u] @ U_zr_t
            if keep is not None:
                dh_state = dh_state + around
        if self.reset_after:
            d_rec = d_rec.reshape(steps, batch, 3 * u)
            delta[:] = d_rec
            delta[..., 2 * u:] = dh_all * p_h
            dU = masked_matmul_backward(h_prev, None, U, d_rec)[1]
            self._add_bias_grad(delta.reshape(-1, 3 * u).sum(axis=0), d_rec.reshape(-1, 3 * u).sum(axis=0))
        else:
            dU = np.concatenate([masked_matmul_backward(h_prev, None, U[:, :2 * u], delta[..., :2 * u])[1],
                                 masked_matmul_backward(reset_part, None, U[:, 2 * u:], delta[..., 2 * u:])[1]],
                                axis=1)
            self._add_bias_grad(delta.reshape(-1, 3 * u).sum(axis=0), None)
        self.grads["recurrent_kernel"] += dU
        dx, dkernel = masked_matmul_backward(x_steps, self.input_masks, self.kernel, delta)
        self.grads["kernel"] += dkernel
        return dx, [dh_state]

    # ------------------------------------------------------------ explain and config
    @property
    def formula(self):
        gate = _tex_name(self.recurrent_activation, {"sigmoid": r"\sigma"})
        cand = _tex_name(self.activation, {"tanh": r"\tanh", "linear": ""})
        bz, br = (r" + b_z", r" + b_r") if self.use_bias else ("", "")
        bxh, bhh = (r" + b^{(x)}_h", r" + b^{(h)}_h") if self.use_bias else ("", "")
        if self.reset_after:
            candidate = (rf"\tilde h_t &= {cand}\bigl(x_t W_h{bxh} + r_t \odot (h_{{t-1}} U_h{bhh})\bigr)"
                         r" && \text{reset\_after=True (Keras 3 default)}")
        else:
            bh = r" + b_h" if self.use_bias else ""
            candidate = (rf"\tilde h_t &= {cand}\bigl(x_t W_h{bh} + (r_t \odot h_{{t-1}}) U_h\bigr)"
                         r" && \text{reset\_after=False (Keras 2.1.5 through 2.3 default)}")
        return (r"\begin{aligned}"
                rf"z_t &= {gate}(x_t W_z + h_{{t-1}} U_z{bz}) && \text{{update gate}} \\ "
                rf"r_t &= {gate}(x_t W_r + h_{{t-1}} U_r{br}) && \text{{reset gate}} \\ "
                rf"{candidate} \\ "
                r"h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t"
                r"\end{aligned}")

    def explain_notes(self):
        other = (r"reset_after=False (the default from Keras 2.1.5 through 2.3, arXiv 1406.1078v3) computes "
                 r"$\tilde h_t = \tanh(x_t W_h + b_h + (r_t \odot h_{t-1}) U_h)$ with one bias "
                 r"(3*units,)" if self.reset_after else
                 r"reset_after=True (the Keras 3 default, cuDNN's form) computes "
                 r"$\tilde h_t = \tanh(x_t W_h + b^{(x)}_h + r_t \odot (h_{t-1} U_h + b^{(h)}_h))$ "
                 r"with bias (2, 3*units): row 0 input bias, row 1 recurrent bias")
        notes = [other,
                 "Weights as Keras: kernel (input_dim, 3*units) and recurrent_kernel (units, 3*units) "
                 "with the gate blocks in the order z, r, h; "
                 + ("bias (2, 3*units), row 0 input bias, row 1 recurrent bias "
                    "($b_z = b^{(x)}_z + b^{(h)}_z$, same for $b_r$)." if self.reset_after
                    else "bias (3*units,)."),
                 "Gate activation: sigmoid from Keras 2.3.0 on; Keras 1 and 2.0-2.2 defaulted to "
                 "hard_sigmoid (0.2x + 0.5: pass recurrent_activation='hard_sigmoid_keras2' for that curve)."]
        if self.dropout or self.recurrent_dropout:
            notes.append("Dropout masks are drawn once per sequence and reused at every step; "
                         "with recurrent_dropout > 0 each gate has its own mask (Keras' implementation=1).")
        return notes

    def shape_steps(self, input_shape):
        batch, u = input_shape[0], self.units
        both = (batch, 3 * u)
        steps = [Step(f"x_t W{' + b_x' if self.use_bias else ''}, W: {(input_shape[-1], 3 * u)} "
                      "(blocks z, r, h)", both),
                 Step(f"h_(t-1) U, U: {(u, 3 * u)}", both),
                 Step("gates z_t, r_t (each)", (batch, u)),
                 Step("candidate h~_t", (batch, u)),
                 Step("h_t = z_t * h_(t-1) + (1 - z_t) * h~_t", (batch, u))]
        return steps

    def param_formula(self, input_shape):
        d, u = input_shape[-1], self.units
        text = f"3*({d}*{u} + {u}*{u})"
        if self.use_bias:
            text += f" + 2*3*{u}" if self.reset_after else f" + 3*{u}"
        return text

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias, "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout, "reset_after": self.reset_after}


# ---------------------------------------------------------------------------- the layer
class GRU(CellRNN):
    r"""Gated Recurrent Unit (Cho et al., 2014): a ``GRUCell`` run over the time axis.

    .. math::
        z_t = \sigma(x_t W_z + h_{t-1} U_z + b_z),\quad r_t = \sigma(x_t W_r + h_{t-1} U_r + b_r),\\
        \tilde h_t = \tanh\bigl(x_t W_h + b^{(x)}_h + r_t \odot (h_{t-1} U_h + b^{(h)}_h)\bigr),\quad
        h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t

    ``reset_after=True`` is the Keras 3 default (and cuDNN's form; ``bias (2, 3*units)``);
    Keras 1 computed, and Keras 2.1.5-2.3 defaulted to, ``reset_after=False``,
    :math:`\tilde h_t = \tanh(x_t W_h + b_h + (r_t \odot h_{t-1}) U_h)` with ``bias (3*units,)``;
    Keras 1 and 2.0-2.2 also defaulted to ``recurrent_activation="hard_sigmoid"`` (sigmoid from
    2.3.0): pass both to reproduce such a model (``"hard_sigmoid_keras2"`` for Keras 2's
    0.2x + 0.5 curve).

    Args:
        units, activation, recurrent_activation, use_bias, the ``*_initializer``,
        ``*_regularizer``, ``*_constraint`` arguments, ``dropout``, ``recurrent_dropout``,
        ``reset_after``, ``seed``: as ``GRUCell``.
        return_sequences, return_state, go_backwards, stateful, unroll: as ``RNN``.
        Keras 1 names are accepted: ``output_dim``, ``init``, ``inner_init``, ``inner_activation``,
        ``W_regularizer``, ``U_regularizer``, ``b_regularizer``, ``dropout_W``, ``dropout_U``
        (and ``implementation`` / ``consume_less``, ignored: they did not change the result).

    Input shape:  ``(batch, timesteps, features)``.
    Output shape: ``(batch, units)``; ``(batch, timesteps, units)`` with ``return_sequences``;
    with ``return_state`` the list ``[output, h_T]``.

    >>> layer = GRU(4, input_shape=(10, 8))
    >>> layer.explain().param_formula
    '3*(8*4 + 4*4) + 2*3*4'
    """

    @keras1_arguments
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=True, **kwargs):
        recurrent_activation = _legacy_recurrent_arguments(kwargs, recurrent_activation)
        kwargs.pop("use_cudnn", None)       # Keras 3's GPU switch: there is no cuDNN here
        check_arguments(type(self).__name__, units, dropout, recurrent_dropout)   # the user's layer
        cell = GRUCell(units, activation=activation, recurrent_activation=recurrent_activation,
                       use_bias=use_bias, kernel_initializer=kernel_initializer,
                       recurrent_initializer=recurrent_initializer,
                       bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                       recurrent_regularizer=recurrent_regularizer,
                       bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                       recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                       dropout=dropout, recurrent_dropout=recurrent_dropout,
                       reset_after=reset_after, seed=seed, dtype=kwargs.get("dtype"),
                       trainable=kwargs.get("trainable", True))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)

