r"""GaussianNoise: add zero-centred Gaussian noise while training (a data augmentation).

In training, with a fresh draw :math:`\varepsilon_i \sim \mathcal{N}(0, 1)` on every call,

.. math::  y_i = x_i + \sigma\,\varepsilon_i, \qquad \frac{\partial L}{\partial x_i} = \frac{\partial L}{\partial y_i}

(the noise does not depend on :math:`x`, so the gradient passes through unchanged); at
inference :math:`y = x`.
"""
from __future__ import annotations

import numpy as np

from ...explain import Step
from ..base import Layer
from ._common import check_seed, layer_rng

__all__ = ["GaussianNoise"]


class GaussianNoise(Layer):
    r"""Additive zero-centred Gaussian noise in training: ``y = x + N(0, stddev^2)``; identity at inference.

    Args:
        stddev: float >= 0, the standard deviation :math:`\sigma` of the noise (Keras 1: ``sigma``).
        seed: int, makes the sequence of draws repeatable (each training call draws anew).

    Input shape: any.  Output shape: the same as the input.

    >>> layer = GaussianNoise(0.1, seed=0)
    >>> y = layer(np.zeros((2, 3)), training=True)        # entries ~ N(0, 0.01)
    """

    supports_masking = True
    notes = ("Keras 3 refuses stddev > 1; edulayers accepts any stddev >= 0 (as Keras 1/2), which "
             "suits inputs that are not scaled to about [0, 1].",)

    def __init__(self, stddev=None, seed=None, **kwargs):
        if "sigma" in kwargs:                       # Keras 1 spelling
            if stddev is not None:
                raise TypeError("GaussianNoise got both 'sigma' (Keras 1) and 'stddev'; give one")
            stddev = kwargs.pop("sigma")
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float, np.integer, np.floating)) \
                or not stddev >= 0:
            raise ValueError(f"{self._label}: stddev must be a float >= 0 (the standard deviation of "
                             f"the noise), got stddev={stddev!r}")
        self.stddev = float(stddev)
        self.seed = check_seed(self._label, seed)
        self.rng = layer_rng(seed)

    # ---------------------------------------------------------------- fast path: one vectorized draw
    def forward(self, x, training=False, mask=None):
        if not training or self.stddev == 0:
            self.cache = None
            return x
        noise = self._draw(x.shape, x.dtype)
        self.cache = noise                          # kept for inspection; dx does not need it
        return x + noise

    def backward(self, dy):
        return dy                                   # d(x + noise)/dx = 1, whatever the draw

    def _draw(self, shape, dtype):
        return (self.stddev * self.rng.standard_normal(shape)).astype(dtype, copy=False)

    # ---------------------------------------------------------------- reference path: entry by entry
    def forward_reference(self, x, training=False, mask=None):
        if not training or self.stddev == 0:
            self.cache = None
            return x.copy()
        noise = self._draw(x.shape, x.dtype)
        y = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            y[index] = x[index] + noise[index]
        self.cache = noise
        return y

    def backward_reference(self, dy):
        dx = np.zeros_like(dy)
        for index in np.ndindex(dy.shape):         # dL/dx_i = dL/dy_i
            dx[index] = dy[index]
        return dx

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    @property
    def formula(self):
        return (r"y = \begin{cases} x + \sigma\varepsilon,\ \varepsilon_i \sim \mathcal{N}(0, 1) & "
                rf"\text{{training}} \\ x & \text{{inference}} \end{{cases}},\quad \sigma = {self.stddev:g}")

    def shape_steps(self, input_shape):
        out = tuple(input_shape)
        return [Step(f"training: draw noise of the input's shape from N(0, {self.stddev:g}^2) and add "
                     "it; inference: identity", out)]

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
