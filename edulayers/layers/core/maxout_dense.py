r"""MaxoutDense: the elementwise maximum of ``nb_feature`` dense layers
(Goodfellow et al. 2013, "Maxout Networks"; Keras 1.2.2 ``MaxoutDense``).

With :math:`K` = ``nb_feature`` affine maps :math:`z_k = x W_k + b_k`, each output unit takes
the largest of its :math:`K` candidates:

.. math::  y_j = \max_{k = 1..K} z_{kj}, \qquad z_{kj} = \sum_i x_i W_{kij} + b_{kj}

There is no activation: the max of affine maps is itself a convex, piecewise-linear function of
:math:`x`, a learned activation (with :math:`K = 2`, :math:`W_2 = 0`, :math:`b_2 = 0` a unit is
a ReLU of :math:`x W_1 + b_1`).

Backward: the max passes the upstream gradient to the winning feature only. With
:math:`k^*_{j} = \arg\max_k z_{kj}` (per sample),

.. math::  \frac{\partial L}{\partial z_{kj}} = [k = k^*_j]\, \delta_j, \qquad
           \frac{\partial L}{\partial W_k} = x^\top \frac{\partial L}{\partial z_k}, \qquad
           \frac{\partial L}{\partial x} = \sum_k \frac{\partial L}{\partial z_k} W_k^\top

Ties go to the lowest feature index :math:`k` (``np.argmax``), which gets the whole gradient.
"""
from __future__ import annotations

import copy

import numpy as np

from ... import initializers
from ...explain import Step
from ..base import InputSpec, Layer, positive_int

__all__ = ["MaxoutDense"]

FAN_CONVENTIONS = ("keras1", "keras3")


class MaxoutDense(Layer):
    r"""A dense maxout layer (Keras 1): ``y = max_k (x W_k + b_k)``.

    .. math::  y_j = \max_{k=1..K} \Big(\sum_i x_i W_{kij} + b_{kj}\Big),\qquad
               W \in \mathbb{R}^{K \times d_{in} \times d_{out}},\ b \in \mathbb{R}^{K \times d_{out}}

    Args (Keras 1 names and defaults):
        output_dim: positive int, :math:`d_{out}`.
        nb_feature: positive int, :math:`K`, the number of affine maps each unit maximizes over
            (default 4).
        init: initializer of ``W`` (default ``"glorot_uniform"``).
        weights: initial weights ``[W, b]``, loaded once the layer is built.
        W_regularizer, b_regularizer, activity_regularizer: penalties (added by the model).
        W_constraint, b_constraint: projections applied after each update.
        bias: whether to use ``b`` (default True).
        input_dim: :math:`d_{in}`, for the first layer of a model.
        fan_convention: ``"keras1"`` (default) or ``"keras3"``: the fans a variance-scaling
            ``init`` uses for the 3-D ``W``.

    Initialization: Keras 1's ``get_fans`` treats a 3-D shape with "no specific assumptions",
    ``fan_in = fan_out = sqrt(K * d_in * d_out)``, so Keras 1's ``glorot_uniform`` drew ``W``
    from :math:`U(-\ell, \ell)` with :math:`\ell = \sqrt{6 / (2\sqrt{K d_{in} d_{out}})}`. That is
    what ``fan_convention="keras1"`` does for every variance-scaling initializer (Glorot, He,
    LeCun). ``"keras3"`` uses Keras 3's rule for a ``(K, d_in, d_out)`` kernel instead
    (``fan_in = K d_in``, ``fan_out = K d_out``, as for a convolution kernel).

    Backward routes ``dy`` to the winning feature; ties go to the lowest ``k`` (``np.argmax``).
    Theano's max gave the full gradient to every tied entry and TensorFlow's splits it evenly;
    ties have probability zero for continuous inputs and weights.

    Input shape:  ``(batch, input_dim)``.
    Output shape: ``(batch, output_dim)``.

    >>> layer = MaxoutDense(8, nb_feature=4, input_dim=16)
    >>> layer.explain().param_formula
    '4*16*8 + 4*8'
    """

    notes = (
        "Keras 1 layer: Keras 2.0/2.1 kept it in keras.legacy, Keras 2.2 removed it, Keras 3 has no "
        "MaxoutDense (a Dense with nb_feature*output_dim units, a Reshape and a max does the same).",
        "W has shape (nb_feature, input_dim, output_dim) and b (nb_feature, output_dim), as Keras 1.",
        "Keras 1 glorot fans for the 3-D W: fan_in = fan_out = sqrt(nb_feature*input_dim*output_dim).",
        "Backward gives dy to the arg-max feature; ties go to the lowest feature index.",
    )

    def __init__(self, output_dim, nb_feature=4, init="glorot_uniform", weights=None,
                 W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, input_dim=None,
                 fan_convention="keras1", **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, weights=weights,
                         input_dim=input_dim, **kwargs)
        for arg, value in (("output_dim", output_dim), ("nb_feature", nb_feature)):
            positive_int(value, arg, "MaxoutDense")
        if not isinstance(bias, (bool, np.bool_)):
            raise ValueError(f"MaxoutDense: bias must be True or False, got {bias!r}")
        if fan_convention not in FAN_CONVENTIONS:
            raise ValueError(f"MaxoutDense: fan_convention must be one of {FAN_CONVENTIONS}, "
                             f"got {fan_convention!r}")
        self.output_dim = int(output_dim)
        self.nb_feature = int(nb_feature)
        self.init = initializers.get(init)
        self.set_weight_options(W_regularizer=W_regularizer, b_regularizer=b_regularizer,
                                W_constraint=W_constraint, b_constraint=b_constraint)
        self.bias = bool(bias)
        self.input_dim = None if input_dim is None else int(input_dim)
        self.fan_convention = fan_convention
        self.input_spec = InputSpec(ndim=2, description="(batch, input_dim)")

    def build(self, input_shape):
        d_in = input_shape[-1]
        if d_in is None:
            raise ValueError(f"{self._label} needs a known input_dim (the last axis) to build W, "
                             f"got input shape {tuple(input_shape)}")
        init = self.init
        if self.fan_convention == "keras1" and isinstance(init, initializers.VarianceScaling):
            # Keras 1's get_fans gives a 3-D weight fan_in = fan_out = sqrt(prod(shape))
            init = copy.copy(init)
            init.fan_convention = "keras1"
        self.add_weight("W", (self.nb_feature, d_in, self.output_dim), init,
                        self.W_regularizer, self.W_constraint)
        if self.bias:
            self.add_weight("b", (self.nb_feature, self.output_dim), "zeros",
                            self.b_regularizer, self.b_constraint)
        self.input_spec = InputSpec(ndim=2, axes={-1: d_in}, description="(batch, input_dim)")

    # ---------------------------------------------------------------- fast path
    def _stacked_kernel(self):
        # (K, in, out) -> (in, K*out): the K dense layers side by side, so one GEMM does them all.
        K, d_in, d_out = self.W.shape
        return self.W.transpose(1, 0, 2).reshape(d_in, K * d_out)

    def forward(self, x, training=False, mask=None):
        n, (K, d_out) = x.shape[0], (self.nb_feature, self.output_dim)
        z = (x @ self._stacked_kernel()).reshape(n, K, d_out)
        if self.bias:
            z += self.b
        winner = np.argmax(z, axis=1)                              # (n, d_out), first max on ties
        y = np.take_along_axis(z, winner[:, None, :], axis=1)[:, 0, :]
        self.cache = (x, winner)
        return y

    def backward(self, dy):
        x, winner = self.cache
        n, (K, d_out) = x.shape[0], (self.nb_feature, self.output_dim)
        dz = np.zeros((n, K, d_out), dtype=dy.dtype)
        np.put_along_axis(dz, winner[:, None, :], dy[:, None, :], axis=1)   # dy to the arg-max only
        dz2 = dz.reshape(n, K * d_out)
        self.grads["W"] = (x.T @ dz2).reshape(x.shape[1], K, d_out).transpose(1, 0, 2)
        if self.bias:
            self.grads["b"] = (np.ones(n, dtype=dz2.dtype) @ dz2).reshape(K, d_out)
        return dz2 @ self._stacked_kernel().T

    # ---------------------------------------------------------------- reference path
    def forward_reference(self, x, training=False, mask=None):
        n = x.shape[0]
        y = np.zeros((n, self.output_dim), dtype=x.dtype)
        winner = np.zeros((n, self.output_dim), dtype=np.intp)
        for s in range(n):                              # every sample
            for j in range(self.output_dim):            # every output unit
                for k in range(self.nb_feature):        # every candidate z_kj = x . W[k, :, j] + b_kj
                    z = np.dot(x[s], self.W[k, :, j]) + (self.b[k, j] if self.bias else 0)
                    if k == 0 or z > y[s, j]:           # strict >: the first maximum wins ties
                        y[s, j], winner[s, j] = z, k
        self.cache = (x, winner)
        return y

    def backward_reference(self, dy):
        x, winner = self.cache
        n = x.shape[0]
        dW = np.zeros_like(self.W)
        db = np.zeros((self.nb_feature, self.output_dim), dtype=dy.dtype)
        dx = np.zeros_like(x)
        for s in range(n):
            for j in range(self.output_dim):
                k = winner[s, j]                        # only the winning candidate saw dy
                dW[k, :, j] += x[s] * dy[s, j]
                db[k, j] += dy[s, j]
                dx[s] += self.W[k, :, j] * dy[s, j]
        self.grads["W"] = dW
        if self.bias:
            self.grads["b"] = db
        return dx

    # ---------------------------------------------------------------- shapes, explain, config
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"{self._label} expected input_shape of rank 2 (batch, input_dim), "
                             f"got {input_shape}")
        return (input_shape[0], self.output_dim)

    @property
    def formula(self):
        K = self.nb_feature
        inner = r"x W_{k} + b_{k}" if self.bias else r"x W_{k}"
        return rf"y = \max_{{k = 1..{K}}} \left({inner}\right)"

    def shape_steps(self, input_shape):
        batch, d_in = input_shape
        K, d_out = self.nb_feature, self.output_dim
        b = f" + b_k, with b: {(K, d_out)}" if self.bias else ""
        return [Step(f"z_k = x W_k{b} for k = 1..{K} (W: {(K, d_in, d_out)})", (batch, K, d_out)),
                Step(f"max over the {K} features", (batch, d_out))]

    def param_formula(self, input_shape):
        K, d_in, d_out = self.nb_feature, input_shape[-1], self.output_dim
        return f"{K}*{d_in}*{d_out} + {K}*{d_out}" if self.bias else f"{K}*{d_in}*{d_out}"

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim,
                "nb_feature": self.nb_feature, "init": initializers.serialize(self.init),
                "bias": self.bias, "input_dim": self.input_dim,
                "fan_convention": self.fan_convention}
