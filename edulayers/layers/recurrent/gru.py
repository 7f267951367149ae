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

Backward through one step, with :math:`\delta h_t = \partial L/\partial h_t`:

.. math::
    \delta z &= \delta h_t \odot (h_{t-1} - \tilde h_t), \quad
    \delta \tilde h = \delta h_t \odot (1 - z_t), \quad
    \delta h_{t-1} \mathrel{+}= \delta h_t \odot z_t \\
    \delta a^h &= \delta \tilde h \odot \tanh'(\cdot), \quad
    \delta a^z = \delta z \odot \sigma'(\cdot), \quad \delta a^r = \delta r \odot \sigma'(\cdot)

where :math:`\delta r = \delta a^h \odot (h_{t-1}U_h + b^{(h)}_h)` (reset_after) or
:math:`\delta r = (\delta a^h U_h^\top) \odot h_{t-1}` (reset before), and the recurrent
products send :math:`\delta a\, U^\top` back to :math:`h_{t-1}`. The input side
:math:`\delta a_t` gives :math:`\partial L/\partial x_t = \delta a_t W^\top`,
:math:`\partial L/\partial W = \sum_t x_t^\top \delta a_t`.

The step functions below are pure (arrays in, arrays out): ``gru_step_forward`` and
``gru_step_backward``. They take the input projection ``xw`` already computed, so that the fast
path of the layer can project every time step in one matrix product.
"""
from __future__ import annotations

import numpy as np

from ... import activations
from ...explain import Step
from .._legacy import keras1_arguments
from ..base import InputSpec
from .base_rnn import CellRNN, RNNCell
from .simple_rnn import check_arguments

__all__ = ["GRU", "GRUCell"]


# ---------------------------------------------------------------------------- one step, pure
def _gate_columns(matrix, units):
    """The z, r, h column blocks of a ``(rows, 3*units)`` matrix, each made contiguous: a column
    slice (and its transpose) is not a layout BLAS accepts, and NumPy's fallback loop is ~40x slower."""
    return [np.ascontiguousarray(matrix[:, i * units:(i + 1) * units]) for i in range(3)]


def gru_step_forward(xw, h_prev, recurrent_kernel, recurrent_bias=None, *, reset_after=True,
                     activation, recurrent_activation, recurrent_masks=None):
    """One GRU step.

    Args:
        xw: ``(batch, 3*units)``, the input projection ``x_t @ kernel + input_bias`` (blocks z, r, h).
        h_prev: ``(batch, units)``, the previous state.
        recurrent_kernel: ``(units, 3*units)``.
        recurrent_bias: ``(3*units,)`` (only with ``reset_after``) or ``None``.
        activation, recurrent_activation: of the candidate and of the gates.
        recurrent_masks: ``None`` or three ``(batch, units)`` recurrent-dropout masks (already
            scaled by ``1/(1-rate)``), one per gate, applied to ``h_prev`` in the recurrent products
            only (the carry ``z * h_prev`` uses the unmasked state, as in Keras).

    Returns:
        ``(h, cache)``: the new state and what ``gru_step_backward`` needs.
    """
    u = h_prev.shape[-1]
    if recurrent_masks is None:
        hz = hr = hh = h_prev
        # One product h_prev U for all the blocks that multiply h_prev itself.
        cols = 3 * u if reset_after else 2 * u
        hu = h_prev @ recurrent_kernel[:, :cols]
        rec_z, rec_r = hu[:, :u], hu[:, u:2 * u]
    else:
        hz, hr, hh = (h_prev * m for m in recurrent_masks)
        U_z, U_r, _ = _gate_columns(recurrent_kernel, u)
        rec_z, rec_r = hz @ U_z, hr @ U_r
    pre_z, pre_r = xw[:, :u] + rec_z, xw[:, u:2 * u] + rec_r
    if recurrent_bias is not None:
        pre_z, pre_r = pre_z + recurrent_bias[:u], pre_r + recurrent_bias[u:2 * u]
    z, r = recurrent_activation(pre_z), recurrent_activation(pre_r)
    if reset_after:
        # reset applied after the product: rec_h = hh U_h + b_h, then r * rec_h
        rec_h = hu[:, 2 * u:] if recurrent_masks is None else hh @ _gate_columns(recurrent_kernel, u)[2]
        if recurrent_bias is not None:
            rec_h = rec_h + recurrent_bias[2 * u:]
        pre_h = xw[:, 2 * u:] + r * rec_h
    else:
        # reset applied before the product: rec_h = r * hh, then rec_h U_h
        rec_h = r * hh
        pre_h = xw[:, 2 * u:] + rec_h @ recurrent_kernel[:, 2 * u:]
    h_tilde = activation(pre_h)
    h = z * h_prev + (1 - z) * h_tilde
    cache = (h_prev, (hz, hr, hh), recurrent_masks, pre_z, pre_r, pre_h, z, r, rec_h, h_tilde,
             recurrent_kernel, reset_after, activation, recurrent_activation)
    return h, cache


def gru_step_backward(dh, cache, with_recurrent_bias=True):
    """Backward of ``gru_step_forward``.

    Args:
        dh: ``(batch, units)``, dL/dh_t (from the output and from step t+1).
        cache: the cache of the forward step.
        with_recurrent_bias: whether to return the recurrent bias gradient.

    Returns:
        ``(dxw, dh_prev, drecurrent_kernel, drecurrent_bias)``; ``dxw`` is dL/d(input projection),
        ``drecurrent_bias`` is ``None`` unless ``with_recurrent_bias``.
    """
    (h_prev, (hz, hr, hh), masks, pre_z, pre_r, pre_h, z, r, rec_h, h_tilde,
     recurrent_kernel, reset_after, activation, recurrent_activation) = cache
    u = h_prev.shape[-1]
    U_z, U_r, U_h = _gate_columns(recurrent_kernel, u)
    # h = z * h_prev + (1 - z) * h_tilde
    dz = dh * (h_prev - h_tilde)
    dh_prev = dh * z
    dpre_h = activation.backward(pre_h, h_tilde, dh * (1 - z))
    if reset_after:
        # pre_h = a_h + r * rec_h, rec_h = hh U_h + b_h
        dr = dpre_h * rec_h
        drec_h = dpre_h * r
    else:
        # pre_h = a_h + (r * hh) U_h
        drec_h = dpre_h
        d_rhh = dpre_h @ U_h.T
        dr = d_rhh * hh
    dpre_z = recurrent_activation.backward(pre_z, z, dz)
    dpre_r = recurrent_activation.backward(pre_r, r, dr)
    if masks is None and reset_after:
        # All three recurrent blocks multiply h_prev: one product each way.
        drec = np.concatenate([dpre_z, dpre_r, drec_h], axis=1)
        drecurrent_kernel = h_prev.T @ drec
        dh_prev = dh_prev + drec @ recurrent_kernel.T
    elif masks is None:
        drec = np.concatenate([dpre_z, dpre_r], axis=1)
        drecurrent_kernel = np.concatenate([h_prev.T @ drec, rec_h.T @ dpre_h], axis=1)
        dh_prev = dh_prev + drec @ np.ascontiguousarray(recurrent_kernel[:, :2 * u]).T + d_rhh * r
    else:
        dU_h = hh.T @ drec_h if reset_after else rec_h.T @ dpre_h
        dhh = drec_h @ U_h.T if reset_after else d_rhh * r
        drecurrent_kernel = np.concatenate([hz.T @ dpre_z, hr.T @ dpre_r, dU_h], axis=1)
        dh_prev = dh_prev + (dpre_z @ U_z.T) * masks[0] + (dpre_r @ U_r.T) * masks[1] + dhh * masks[2]
    dxw = np.concatenate([dpre_z, dpre_r, dpre_h], axis=1)
    drecurrent_bias = None
    if with_recurrent_bias:
        drecurrent_bias = np.concatenate([dpre_z.sum(0), dpre_r.sum(0), drec_h.sum(0)])
    return dxw, dh_prev, drecurrent_kernel, drecurrent_bias


# ---------------------------------------------------------------------------- the cell
_GATES = ("z", "r", "h")


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


def _three(masks):
    """Dropout masks per gate: ``None``, one mask shared by the three gates, or one per gate."""
    if masks is None:
        return None
    return list(masks) * 3 if len(masks) == 1 else list(masks)


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

    def _input_bias(self):
        if not self.use_bias:
            return None
        return self.bias[0] if self.reset_after else self.bias

    def _recurrent_bias(self):
        return self.bias[1] if self.use_bias and self.reset_after else None

    def _add_grad(self, name, value, where=Ellipsis):
        """``self.grads[name][where] += value``: the steps' gradients add up (BPTT)."""
        if name in self.grads:      # a frozen (trainable=False) cell collects no gradients
            self.grads[name][where] += value

    # ------------------------------------------------------------ fast path: project all steps at once
    def project_inputs(self, x, training=False):
        """``x W + b^{(x)}`` for every timestep: ``(batch, T, d) -> (batch, T, 3*units)``."""
        masks = _three(self.input_masks)
        batch, steps, d = x.shape
        if masks is None:
            # The trick: one (batch*T, d) @ (d, 3*units) product instead of T small ones.
            zx = (x.reshape(-1, d) @ self.kernel).reshape(batch, steps, -1)
        else:
            # Dropout masks are per sequence: broadcast over time, one product per gate block.
            zx = np.concatenate([((x * m[:, None, :]).reshape(-1, d) @ W).reshape(batch, steps, -1)
                                 for m, W in zip(masks, _gate_columns(self.kernel, self.units))],
                                axis=-1)
        if self.use_bias:
            zx = zx + self._input_bias()
        self._projected_x = x
        return zx

    def step_forward_projected(self, zx_t, states, training=False):
        h, cache = gru_step_forward(zx_t, states[0], self.recurrent_kernel, self._recurrent_bias(),
                                    reset_after=self.reset_after, activation=self.activation,
                                    recurrent_activation=self.recurrent_activation,
                                    recurrent_masks=_three(self.recurrent_masks))
        return h, [h], cache

    def step_backward_projected(self, dh, dstates, cache):
        # The output and the state are the same h_t: their gradients add.
        with_rb = self.use_bias and self.reset_after
        dzx, dh_prev, drecurrent_kernel, drecurrent_bias = gru_step_backward(
            dh + dstates[0], cache, with_recurrent_bias=with_rb)
        self._add_grad("recurrent_kernel", drecurrent_kernel)
        if with_rb:
            self._add_grad("bias", drecurrent_bias, 1)
        return dzx, [dh_prev]

    def project_inputs_backward(self, dzx):
        """dx, dkernel and the input-bias gradient of all steps from ``dL/d(xW + b)``."""
        x = self._projected_x
        d, u = x.shape[-1], self.units
        x2, dz2 = x.reshape(-1, d), dzx.reshape(-1, 3 * u)
        masks = _three(self.input_masks)
        if masks is None:
            self._add_grad("kernel", x2.T @ dz2)
            dx = (dz2 @ self.kernel.T).reshape(x.shape)
        else:
            dx = np.zeros_like(x)
            for i, (m, W) in enumerate(zip(masks, _gate_columns(self.kernel, u))):
                dz_block = np.ascontiguousarray(dz2[:, i * u:(i + 1) * u])
                xm = (x * m[:, None, :]).reshape(-1, d)
                self._add_grad("kernel", xm.T @ dz_block, (slice(None), slice(i * u, (i + 1) * u)))
                dx += (dz_block @ W.T).reshape(x.shape) * m[:, None, :]
        if self.use_bias:
            dbias = np.ones(dz2.shape[0], dtype=dz2.dtype) @ dz2
            self._add_grad("bias", dbias, 0 if self.reset_after else Ellipsis)
        return dx

    # ------------------------------------------------------------ reference path: each gate written out
    def _gate_blocks(self):
        """The weights of each gate: ``W[g]``, ``U[g]``, input bias ``bx[g]``, recurrent bias ``bh[g]``."""
        u = self.units
        blocks = {g: slice(i * u, (i + 1) * u) for i, g in enumerate(_GATES)}
        zeros = np.zeros(3 * u, dtype=self.dtype)
        b_x = self._input_bias() if self.use_bias else zeros
        b_h = self._recurrent_bias() if self.use_bias and self.reset_after else zeros
        W = dict(zip(_GATES, _gate_columns(self.kernel, u)))
        U = dict(zip(_GATES, _gate_columns(self.recurrent_kernel, u)))
        return blocks, W, U, {g: b_x[s] for g, s in blocks.items()}, {g: b_h[s] for g, s in blocks.items()}

    def step_forward(self, x_t, states, training=False):
        h_prev = states[0]
        blocks, W, U, b_x, b_h = self._gate_blocks()
        # Dropout masks (drawn once per sequence by the RNN); 1 where there is no dropout.
        in_masks = dict(zip(_GATES, _three(self.input_masks) or [1, 1, 1]))
        rec_masks = dict(zip(_GATES, _three(self.recurrent_masks) or [1, 1, 1]))
        x_in = {g: x_t * in_masks[g] for g in _GATES}
        h_in = {g: h_prev * rec_masks[g] for g in _GATES}
        pre_z = x_in["z"] @ W["z"] + b_x["z"] + h_in["z"] @ U["z"] + b_h["z"]
        pre_r = x_in["r"] @ W["r"] + b_x["r"] + h_in["r"] @ U["r"] + b_h["r"]
        z = self.recurrent_activation(pre_z)                       # update gate
        r = self.recurrent_activation(pre_r)                       # reset gate
        if self.reset_after:
            rec_h = h_in["h"] @ U["h"] + b_h["h"]                  # r gates the product
            pre_h = x_in["h"] @ W["h"] + b_x["h"] + r * rec_h
        else:
            rec_h = r * h_in["h"]                                  # r gates the state
            pre_h = x_in["h"] @ W["h"] + b_x["h"] + rec_h @ U["h"]
        h_tilde = self.activation(pre_h)                           # candidate state
        h = z * h_prev + (1 - z) * h_tilde
        cache = (x_in, h_in, h_prev, in_masks, rec_masks, pre_z, pre_r, pre_h, z, r, rec_h, h_tilde)
        return h, [h], cache

    def step_backward(self, dh, dstates, cache):
        x_in, h_in, h_prev, in_masks, rec_masks, pre_z, pre_r, pre_h, z, r, rec_h, h_tilde = cache
        blocks, W, U, _, _ = self._gate_blocks()
        dh = dh + dstates[0]                       # h_t is both the output and the next state
        dz = dh * (h_prev - h_tilde)               # h = z h_prev + (1 - z) h_tilde
        dh_prev = dh * z
        dpre = {"h": self.activation.backward(pre_h, h_tilde, dh * (1 - z))}
        if self.reset_after:
            dr = dpre["h"] * rec_h
            drec = dpre["h"] * r                   # d(h_in U_h + b_h)
            self._add_grad("recurrent_kernel", h_in["h"].T @ drec, (slice(None), blocks["h"]))
            dh_prev += (drec @ U["h"].T) * rec_masks["h"]
            if self.use_bias:
                self._add_grad("bias", drec.sum(axis=0), (1, blocks["h"]))
        else:
            self._add_grad("recurrent_kernel", rec_h.T @ dpre["h"], (slice(None), blocks["h"]))
            drec = dpre["h"] @ U["h"].T           # d(r * h_in)
            dr = drec * h_in["h"]
            dh_prev += drec * r * rec_masks["h"]
        dpre["z"] = self.recurrent_activation.backward(pre_z, z, dz)
        dpre["r"] = self.recurrent_activation.backward(pre_r, r, dr)
        for g in ("z", "r"):                       # the recurrent side of the two gates
            self._add_grad("recurrent_kernel", h_in[g].T @ dpre[g], (slice(None), blocks[g]))
            dh_prev += (dpre[g] @ U[g].T) * rec_masks[g]
            if self.use_bias and self.reset_after:
                self._add_grad("bias", dpre[g].sum(axis=0), (1, blocks[g]))
        dx = np.zeros_like(x_in["z"])
        for g in _GATES:                           # the input side of all three
            self._add_grad("kernel", x_in[g].T @ dpre[g], (slice(None), blocks[g]))
            dx += (dpre[g] @ W[g].T) * in_masks[g]
            if self.use_bias:
                where = (0, blocks[g]) if self.reset_after else blocks[g]
                self._add_grad("bias", dpre[g].sum(axis=0), where)
        return dx, [dh_prev]

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
                         r" && \text{reset\_after=False (Keras 1/2 default)}")
        return (r"\begin{aligned}"
                rf"z_t &= {gate}(x_t W_z + h_{{t-1}} U_z{bz}) && \text{{update gate}} \\ "
                rf"r_t &= {gate}(x_t W_r + h_{{t-1}} U_r{br}) && \text{{reset gate}} \\ "
                rf"{candidate} \\ "
                r"h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t"
                r"\end{aligned}")

    def explain_notes(self):
        other = (r"reset_after=False (the Keras 1/2 default, arXiv 1406.1078v3) computes "
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
                 "Gate activation: sigmoid in Keras 3; Keras 1/2 defaulted to hard_sigmoid "
                 "(0.2x + 0.5: pass recurrent_activation='hard_sigmoid_keras2' for that curve)."]
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
    Keras 1 and 2 defaulted to ``reset_after=False``,
    :math:`\tilde h_t = \tanh(x_t W_h + b_h + (r_t \odot h_{t-1}) U_h)` with ``bias (3*units,)``,
    and to ``recurrent_activation="hard_sigmoid"``: pass both to reproduce a Keras 2 model
    (``"hard_sigmoid_keras2"`` for Keras 2's 0.2x + 0.5 curve).

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

