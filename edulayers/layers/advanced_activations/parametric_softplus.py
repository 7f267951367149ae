r"""ParametricSoftplus (Keras 1.2.2): a softplus with a learned height and sharpness.

.. math::
    y = \alpha \log\bigl(1 + e^{\beta x}\bigr) = \alpha\,\mathrm{softplus}(\beta x)

(McFarland, Cui and Butts 2013, "Inferring nonlinear neuronal computation based on
physiologically plausible inputs"). :math:`\beta` sets how sharp the bend is (as
:math:`\beta \to \infty`, :math:`\frac{1}{\beta}\mathrm{softplus}(\beta x) \to \max(x, 0)`),
:math:`\alpha` scales the output; for large :math:`x`, :math:`y \approx \alpha\beta x`. Keras 1
starts at :math:`\alpha = 0.2,\ \beta = 5`, so :math:`\alpha\beta = 1`: a smoothed ReLU.

Backward, with :math:`\sigma` the logistic sigmoid (the derivative of softplus) and
:math:`\delta = \partial L/\partial y`:

.. math::
    \frac{\partial L}{\partial x} = \delta\,\alpha\beta\,\sigma(\beta x), \qquad
    \frac{\partial L}{\partial \alpha} = \sum \delta\,\mathrm{softplus}(\beta x), \qquad
    \frac{\partial L}{\partial \beta} = \sum \delta\,\alpha x\,\sigma(\beta x)

the sums running over the batch and the shared axes.
"""
from __future__ import annotations

import math

import numpy as np

from ... import activations, initializers
from ...explain import Step
from ._shared import SharedAxesLayer, check_number

__all__ = ["ParametricSoftplus"]


class ParametricSoftplus(SharedAxesLayer):
    r"""Parametric softplus: :math:`y = \alpha \log(1 + e^{\beta x})`, :math:`\alpha, \beta` learned.

    Args:
        alpha_init: float, the initial value of every :math:`\alpha` (default 0.2).
        beta_init: float, the initial value of every :math:`\beta` (default 5.0).
        shared_axes: int or list of ints, the 1-based axes along which one
            :math:`(\alpha, \beta)` pair is shared (as PReLU).
        weights: initial weights ``[alphas, betas]`` (Keras 1).

    Weights: ``[alphas, betas]`` (Keras 1.2.2 order and names), each of shape
    ``input_shape[1:]`` with 1 on the shared axes.

    Input shape: ``(batch, features...)``. Output shape: the same.

    >>> ParametricSoftplus().explain((None, 3, 4)).param_formula
    '2*(3*4)'
    """

    notes = ("Keras 1 layer (Keras 1.2.2 keras/layers/advanced_activations.py); Keras 2 removed it "
             "(keras-contrib did not keep it). Weights [alphas, betas], initialized to the constants "
             "alpha_init and beta_init.",)

    def __init__(self, alpha_init=0.2, beta_init=5.0, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_init = check_number("ParametricSoftplus", "alpha_init", alpha_init)
        self.beta_init = check_number("ParametricSoftplus", "beta_init", beta_init)
        self._init_shared_axes(shared_axes)

    def build(self, input_shape):
        shape = self.param_shape(input_shape)
        self.add_weight("alphas", shape, initializers.Constant(self.alpha_init))
        self.add_weight("betas", shape, initializers.Constant(self.beta_init))
        self._fix_input_spec(input_shape)

    # ------------------------------------------------------------ fast path: broadcasting
    def forward(self, x, training=False, mask=None):
        z = self.betas * x                           # the weights broadcast over batch and shared axes
        softplus = activations.softplus(z)           # max(z, 0) + log1p(e^{-|z|}): never overflows
        self.cache = (x, z, softplus)
        return self.alphas * softplus

    def backward(self, dy):
        x, z, softplus = self.cache
        sigmoid = activations.sigmoid(z)             # softplus'(z)
        self.grads["alphas"] = self.reduce_to_param(dy * softplus)
        self.grads["betas"] = self.reduce_to_param(dy * self.alphas * x * sigmoid)
        return dy * self.alphas * self.betas * sigmoid

    # ------------------------------------------------------------ reference path: every entry
    def forward_reference(self, x, training=False, mask=None):
        values, uses = self.entries(x)       # entry i uses alphas[uses[i]], betas[uses[i]]
        alphas, betas = self.weight_list("alphas"), self.weight_list("betas")
        y = []
        for v, k in zip(values, uses):
            y.append(alphas[k] * _softplus(betas[k] * v))
        self.cache = x
        return np.array(y, dtype=x.dtype).reshape(x.shape)

    def backward_reference(self, dy):
        x = self.cache
        values, uses = self.entries(x)
        alphas, betas = self.weight_list("alphas"), self.weight_list("betas")
        dalphas, dbetas = [0.0] * len(alphas), [0.0] * len(betas)
        dx = []
        for v, k, d in zip(values, uses, dy.ravel().tolist()):
            a, b = alphas[k], betas[k]
            s = _sigmoid(b * v)
            dx.append(d * a * b * s)              # dy/dx = a b sigma(b x)
            dalphas[k] += d * _softplus(b * v)    # dy/da = softplus(b x)
            dbetas[k] += d * a * v * s            # dy/db = a x sigma(b x)
        self.grads["alphas"] = self.weight_array(dalphas, "alphas")
        self.grads["betas"] = self.weight_array(dbetas, "betas")
        return np.array(dx, dtype=x.dtype).reshape(x.shape)

    # ------------------------------------------------------------ shapes, config, explain
    formula = (r"y = \alpha \odot \log\bigl(1 + e^{\beta \odot x}\bigr),\quad \alpha, \beta\ "
               r"\text{learned (broadcast over shared axes)}")

    def shape_steps(self, input_shape):
        shape = self.param_shape(input_shape)
        return [Step(f"alpha * softplus(beta * x), alphas and betas: {shape} "
                     f"({self.shared_text(input_shape)})", tuple(input_shape))]

    def get_config(self):
        return {**super().get_config(), "alpha_init": self.alpha_init, "beta_init": self.beta_init}


def _softplus(z: float) -> float:
    """log(1 + e^z), written so that e^z never overflows."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
