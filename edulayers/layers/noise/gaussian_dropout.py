r"""GaussianDropout: multiply by 1-centred Gaussian noise while training.

In training, with :math:`p` = ``rate`` and a fresh draw on every call,

.. math::  y_i = x_i\,n_i,\quad n_i \sim \mathcal{N}\!\Big(1, \frac{p}{1 - p}\Big), \qquad
           \frac{\partial L}{\partial x_i} = n_i\,\frac{\partial L}{\partial y_i}

The variance :math:`p/(1-p)` is that of Dropout's multiplier :math:`m/(1-p)`,
:math:`m \sim \mathrm{Bernoulli}(1-p)`: the Gaussian has the same mean (1) and variance as
inverted dropout's noise (Srivastava et al., 2014). At inference :math:`y = x`.
"""
from __future__ import annotations

import math

import numpy as np

from ...explain import Step
from .._legacy import keras1_arguments
from ..base import Layer, dropout_rate
from ._common import check_seed, layer_rng

__all__ = ["GaussianDropout"]


class GaussianDropout(Layer):
    r"""Multiplicative 1-centred Gaussian noise in training: ``y = x * N(1, rate / (1 - rate))``.

    Args:
        rate: float in [0, 1), the drop probability of the Dropout it imitates (Keras 1: ``p``);
            the noise has standard deviation ``sqrt(rate / (1 - rate))``.
        seed: int, makes the sequence of draws repeatable (each training call draws anew).

    Input shape: any.  Output shape: the same as the input.

    >>> layer = GaussianDropout(0.2, seed=0)
    >>> y = layer(np.ones((2, 3)), training=True)         # entries ~ N(1, 0.25)
    """

    supports_masking = True
    notes = ("Keras 3 accepts rate = 1 (and divides by zero); edulayers refuses it. Keras 2 returned "
             "the input unchanged for rate = 1.",)

    @keras1_arguments
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = dropout_rate(rate, "rate", self._label, allow_one=False)   # 1: infinite noise
        self.seed = check_seed(self._label, seed)
        self.rng = layer_rng(seed)

    @property
    def noise_stddev(self) -> float:
        return math.sqrt(self.rate / (1.0 - self.rate))

    # ---------------------------------------------------------------- fast path: one broadcast multiply
    def forward(self, x, training=False, mask=None):
        if not training or self.rate == 0:
            self.cache = None
            return x
        noise = self._draw(x.shape, x.dtype)
        self.cache = noise                          # backward multiplies by the same draw
        return x * noise

    def backward(self, dy):
        if self.cache is None:
            return dy
        return dy * self.cache

    def _draw(self, shape, dtype):
        return (1.0 + self.noise_stddev * self.rng.standard_normal(shape)).astype(dtype, copy=False)

    # ---------------------------------------------------------------- reference path: entry by entry
    def forward_reference(self, x, training=False, mask=None):
        if not training or self.rate == 0:
            self.cache = None
            return x.copy()
        noise = self._draw(x.shape, x.dtype)
        y = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            y[index] = x[index] * noise[index]
        self.cache = noise
        return y

    def backward_reference(self, dy):
        if self.cache is None:
            return dy.copy()
        dx = np.zeros_like(dy)
        for index in np.ndindex(dy.shape):         # dL/dx_i = n_i dL/dy_i
            dx[index] = self.cache[index] * dy[index]
        return dx

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    @property
    def formula(self):
        return (r"y = \begin{cases} x \odot n,\ n_i \sim \mathcal{N}\!\left(1, \tfrac{p}{1-p}\right) & "
                rf"\text{{training}} \\ x & \text{{inference}} \end{{cases}},\quad p = {self.rate:g}")

    def shape_steps(self, input_shape):
        out = tuple(input_shape)
        return [Step(f"training: multiply by noise of the input's shape from N(1, {self.rate:g}/"
                     f"(1 - {self.rate:g})), std {self.noise_stddev:.4g}; inference: identity", out)]

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
