r"""AlphaDropout: dropout that keeps the mean and variance of SELU activations (Klambauer et al., 2017).

Zeroing a SELU activation would shift its mean and variance, so AlphaDropout sets dropped units to
SELU's negative saturation value :math:`\alpha' = -\lambda\alpha \approx -1.7581` and then applies
the affine map :math:`a\,(\cdot) + b` that restores mean 0 and variance 1. With :math:`p` = ``rate``
and a keep mask :math:`m_i \sim \mathrm{Bernoulli}(1 - p)`,

.. math::
    y_i = a\big(m_i x_i + \alpha'(1 - m_i)\big) + b,\qquad
    a = \big((1 - p)(1 + p\,\alpha'^2)\big)^{-1/2},\qquad b = -a\,\alpha' p

so that inputs of mean 0 and variance 1 give outputs of mean 0 and variance 1, and

.. math::  \frac{\partial L}{\partial x_i} = a\,m_i\,\frac{\partial L}{\partial y_i}.

:math:`\lambda = 1.0507\ldots` and :math:`\alpha = 1.6733\ldots` are SELU's constants. At
inference :math:`y = x`.
"""
from __future__ import annotations

import numpy as np

from ...explain import Step
from .._legacy import keras1_arguments
from ..base import Layer, dropout_rate
from ..core.dropout import Dropout
from ._common import check_seed, layer_rng

__all__ = ["AlphaDropout"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
#: SELU's negative saturation value, -scale * alpha: where dropped units are set.
ALPHA_P = -SELU_ALPHA * SELU_SCALE


class AlphaDropout(Layer):
    r"""Dropout for self-normalizing networks: dropped units go to :math:`\alpha' \approx -1.7581`,
    then ``a * x + b`` restores mean 0 and variance 1; identity at inference.

    Args:
        rate: float in [0, 1), the fraction of units to drop.
        noise_shape: shape of the keep mask, batch axis included, broadcast against the input
            (``None`` entries take the input's size), as Dropout.
        seed: int, makes the sequence of masks repeatable (each training call draws anew).

    Input shape: any.  Output shape: the same as the input.

    >>> layer = AlphaDropout(0.1, seed=0)
    >>> y = layer(np.random.randn(1000, 8), training=True)   # still mean ~0, variance ~1
    """

    supports_masking = True
    notes = ("Keras' constants: alpha' = -1.7580993408473766, a = ((1-p)(1+p alpha'^2))^(-1/2), "
             "b = -a alpha' p (Keras 2 and 3 agree).",
             "Keras 3 accepts rate = 1 (and divides by zero); edulayers refuses it.")

    # noise_shape works exactly as Dropout's: the same checks and the same broadcasting
    _validate_noise_shape = Dropout._validate_noise_shape
    concrete_noise_shape = Dropout.concrete_noise_shape

    @keras1_arguments
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = dropout_rate(rate, "rate", self._label, allow_one=False)   # 1: infinite noise
        self.noise_shape = self._validate_noise_shape(noise_shape)
        self.seed = check_seed(self._label, seed)
        self.rng = layer_rng(seed)

    @property
    def affine(self) -> tuple:
        """``(a, b)``: the correction that gives mean 0 and variance 1 back."""
        p = self.rate
        a = ((1.0 - p) * (1.0 + p * ALPHA_P ** 2)) ** -0.5
        return a, -a * ALPHA_P * p

    def _draw_keep(self, input_shape, dtype):
        """The Bernoulli(1 - rate) keep mask (1.0 / 0.0) of shape ``concrete_noise_shape``."""
        u = self.rng.random(self.concrete_noise_shape(input_shape))
        return (u >= self.rate).astype(dtype)     # P(u >= rate) = 1 - rate, as Keras

    # ---------------------------------------------------------------- fast path: broadcast arithmetic
    def forward(self, x, training=False, mask=None):
        if not training or self.rate == 0:
            self.cache = None
            return x
        a, b = self.affine
        keep = self._draw_keep(x.shape, x.dtype)
        self.cache = keep                           # backward uses the same mask
        # the mask of shape noise_shape broadcasts over the input
        return a * (x * keep + ALPHA_P * (1.0 - keep)) + b

    def backward(self, dy):
        if self.cache is None:
            return dy
        a, _ = self.affine
        return a * dy * self.cache

    # ---------------------------------------------------------------- reference path: unit by unit
    def forward_reference(self, x, training=False, mask=None):
        if not training or self.rate == 0:
            self.cache = None
            return x.copy()
        a, b = self.affine
        keep = self._draw_keep(x.shape, x.dtype)
        y = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            # noise_shape axes of size 1 are shared: unit `index` uses mask entry 0 on them
            m = keep[tuple(0 if keep.shape[ax] == 1 else i for ax, i in enumerate(index))]
            value = x[index] if m else ALPHA_P       # dropped units go to SELU's saturation value
            y[index] = a * value + b
        self.cache = keep
        return y

    def backward_reference(self, dy):
        if self.cache is None:
            return dy.copy()
        a, _ = self.affine
        keep = self.cache
        dx = np.zeros_like(dy)
        for index in np.ndindex(dy.shape):         # dL/dx_i = a m_i dL/dy_i
            m = keep[tuple(0 if keep.shape[ax] == 1 else i for ax, i in enumerate(index))]
            dx[index] = a * m * dy[index]
        return dx

    # ---------------------------------------------------------------- shapes, config, explain
    compute_output_shape = Dropout.compute_output_shape    # checks noise_shape against the input

    @property
    def formula(self):
        a, b = self.affine
        return (r"y = \begin{cases} a\big(m \odot x + \alpha'(1 - m)\big) + b,\ m_i \sim "
                r"\mathrm{Bernoulli}(1 - p) & \text{training} \\ x & \text{inference} \end{cases},"
                rf"\quad \alpha' = {ALPHA_P:.4f},\ p = {self.rate:g},\ a = {a:.4f},\ b = {b:.4f}")

    def shape_steps(self, input_shape):
        out = self.compute_output_shape(input_shape)
        mask = self.concrete_noise_shape(input_shape)
        a, b = self.affine
        return [Step(f"training: keep mask of shape {mask} (each entry kept with probability "
                     f"{1 - self.rate:g}); dropped units set to alpha' = {ALPHA_P:.4f}", out),
                Step(f"training: a * x + b with a = {a:.4f}, b = {b:.4f} (mean 0, variance 1 "
                     "again); inference: identity", out)]

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}
