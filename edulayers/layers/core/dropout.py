r"""Dropout: randomly zero a fraction ``rate`` of the inputs while training (inverted dropout).

In training, with a keep mask :math:`m_i \sim \mathrm{Bernoulli}(1 - p)` drawn afresh on every
call (:math:`p` = ``rate``),

.. math::  y_i = \frac{m_i\, x_i}{1 - p}, \qquad
           \frac{\partial L}{\partial x_i} = \frac{m_i}{1 - p}\,\frac{\partial L}{\partial y_i}

so that :math:`\mathbb{E}[y_i] = x_i`: the kept units are scaled up during training and the
layer is the identity at inference, with nothing to rescale ("inverted" dropout, as Keras does).

``noise_shape`` draws a smaller mask that is broadcast over the input: with inputs
``(batch, timesteps, features)`` and ``noise_shape=(None, 1, features)`` each sample drops the
same features at every timestep. ``None`` entries take the input's size.
"""
from __future__ import annotations

import numpy as np

from ... import backend
from ...explain import Step
from .._legacy import keras1_arguments
from ..base import Layer, dropout_rate, positive_int

__all__ = ["Dropout"]


class Dropout(Layer):
    r"""Applies dropout to the input: in training, each unit is zeroed with probability ``rate``
    and the kept units are scaled by :math:`1/(1 - \mathrm{rate})`; at inference ``y = x``.

    Args:
        rate: float in ``[0, 1]``, the fraction of units to drop (Keras 1 called it ``p``).
        noise_shape: shape of the keep mask, batch axis included, broadcast against the input
            (``None`` entries are filled from the input), e.g. ``(None, 1, features)``.
        seed: int, makes the sequence of masks repeatable (each training call still draws a
            new mask, as in Keras). Without a seed the layer's generator is seeded from the
            global one (``el.set_random_seed``) when the layer is created.

    Input shape:  any.
    Output shape: the same as the input.

    >>> layer = Dropout(0.5, seed=0)
    >>> y = layer(np.ones((2, 4)), training=True)     # entries are 0 or 2 = 1 / (1 - 0.5)
    """

    supports_masking = True
    notes = ("Inverted dropout as Keras 2/3: kept units are scaled by 1/(1 - rate) in training, "
             "inference is the identity. Keras 3 rejects rate outside [0, 1]; Keras 2 clipped it.",)

    @keras1_arguments
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = dropout_rate(rate, "rate", self._label)      # [0, 1], as Keras 3
        self.noise_shape = self._validate_noise_shape(noise_shape)
        self.seed = seed
        # One generator per layer: a seed makes it repeatable; gradcheck restores its state so
        # that every evaluation of a training=True forward sees the same mask.
        self.rng = backend.make_rng(seed if seed is not None
                                    else int(backend.global_rng().integers(2 ** 63)))

    def _validate_noise_shape(self, noise_shape):
        if noise_shape is None:
            return None
        if isinstance(noise_shape, (str, bytes)) or not hasattr(noise_shape, "__iter__"):
            raise ValueError(f"{self._label}: noise_shape must be a tuple of ints or None "
                             f"(batch axis included), got noise_shape={noise_shape!r}")
        noise_shape = tuple(noise_shape)
        return tuple(None if d is None else
                     positive_int(d, "noise_shape entries", self._label, expected="positive ints or None",
                                  received=f"{d!r} at index {i} of noise_shape={noise_shape!r}")
                     for i, d in enumerate(noise_shape))

    def concrete_noise_shape(self, input_shape):
        """``noise_shape`` with ``None`` filled from ``input_shape``; checks it broadcasts."""
        input_shape = tuple(input_shape)
        if self.noise_shape is None:
            return input_shape
        if len(self.noise_shape) != len(input_shape):
            raise ValueError(f"{self._label}: noise_shape={self.noise_shape} has rank "
                             f"{len(self.noise_shape)} but the input has shape {input_shape} "
                             f"(rank {len(input_shape)}); give one entry per input axis, batch included")
        shape = tuple(i if n is None else n for n, i in zip(self.noise_shape, input_shape))
        for axis, (n, i) in enumerate(zip(shape, input_shape)):
            if n != 1 and i is not None and n != i:
                raise ValueError(f"{self._label}: noise_shape={self.noise_shape} cannot broadcast "
                                 f"to the input shape {input_shape}: axis {axis} has {n}, expected "
                                 f"1 or {i}")
        return shape

    # ---------------------------------------------------------------- fast path: one broadcast multiply
    def forward(self, x, training=False, mask=None):
        if not training or self.rate == 0:
            self.cache = None                        # the identity: dx = dy
            return x
        keep = self._draw_keep(x.shape)
        # The mask of shape noise_shape broadcasts over the input in one multiply.
        scale = keep.astype(x.dtype) / (1.0 - self.rate) if self.rate < 1 else keep.astype(x.dtype)
        self.cache = scale
        return x * scale

    def backward(self, dy):
        if self.cache is None:
            return dy
        return dy * self.cache                       # the same mask and scale as forward

    def _draw_keep(self, input_shape):
        """The Bernoulli(1 - rate) keep mask of shape ``concrete_noise_shape(input_shape)``."""
        u = self.rng.random(self.concrete_noise_shape(input_shape))
        return u >= self.rate                        # P(u >= rate) = 1 - rate

    # ---------------------------------------------------------------- reference path: unit by unit
    def forward_reference(self, x, training=False, mask=None):
        if not training or self.rate == 0:
            self.cache = None
            return x.copy()
        keep = self._draw_keep(x.shape)
        y = np.zeros_like(x)
        scale = np.zeros(x.shape, dtype=x.dtype)
        for index in np.ndindex(x.shape):
            # noise_shape axes of size 1 are shared: unit `index` uses mask entry 0 on them
            m = keep[tuple(0 if keep.shape[a] == 1 else i for a, i in enumerate(index))]
            if m:                                    # kept: scaled up by 1/(1 - rate)
                scale[index] = 1.0 / (1.0 - self.rate)
                y[index] = x[index] * scale[index]
        self.cache = scale
        return y

    def backward_reference(self, dy):
        if self.cache is None:
            return dy.copy()
        dx = np.zeros_like(dy)
        for index in np.ndindex(dy.shape):           # dL/dx_i = m_i / (1 - rate) * dL/dy_i
            dx[index] = self.cache[index] * dy[index]
        return dx

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        if self.noise_shape is not None:
            self.concrete_noise_shape(input_shape)
        return tuple(input_shape)

    @property
    def formula(self):
        return (r"y = \begin{cases} \dfrac{m \odot x}{1 - p},\ m_i \sim \mathrm{Bernoulli}(1 - p)"
                rf" & \text{{training}} \\ x & \text{{inference}} \end{{cases}},\quad p = {self.rate:g}")

    def shape_steps(self, input_shape):
        out = self.compute_output_shape(input_shape)
        mask = self.concrete_noise_shape(input_shape)
        keep = 1.0 - self.rate
        scale = f"1/{keep:g}" if keep > 0 else "0 (rate = 1 drops everything)"
        return [Step(f"training: keep mask of shape {mask} (each entry kept with probability "
                     f"{keep:g}), broadcast over the input", out),
                Step(f"training: kept units scaled by {scale}; inference: identity", out)]

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}
