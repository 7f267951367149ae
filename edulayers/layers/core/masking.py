r"""Masking: mark the timesteps whose features all equal ``mask_value`` as missing.

For an input :math:`x` of shape ``(batch, timesteps, features)``,

.. math::  k_{b,t} = \bigvee_{j} \big[x_{b,t,j} \neq v\big], \qquad
           y_{b,t,j} = k_{b,t}\, x_{b,t,j}, \qquad
           \frac{\partial L}{\partial x_{b,t,j}} = k_{b,t}\,\frac{\partial L}{\partial y_{b,t,j}}

A timestep is kept (:math:`k = 1`) if any feature differs from :math:`v` = ``mask_value``;
masked timesteps are set to 0 and their gradient is 0 (the keep mask is a step function
of :math:`x`, whose gradient is taken as 0, as Keras' ``where`` does). ``compute_mask`` returns
the boolean ``(batch, timesteps)`` mask :math:`k`, which layers that support masking (RNNs,
pooling over time) use to skip the masked steps.
"""
from __future__ import annotations

import numpy as np

from ...explain import Step
from .._legacy import keras1_arguments
from ..base import InputSpec, Layer

__all__ = ["Masking"]


class Masking(Layer):
    r"""Masks timesteps whose features all equal ``mask_value``; they become 0 downstream.

    Args:
        mask_value: float, the value that marks a missing timestep (default 0.0).

    Input shape:  ``(batch, timesteps, features)`` (any rank >= 2; the last axis is features).
    Output shape: the same. Output mask: ``(batch, timesteps)`` booleans, True = keep.

    >>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]]])
    >>> Masking().compute_mask(x)
    array([[ True, False,  True]])
    """

    supports_masking = True

    @keras1_arguments
    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float, np.integer, np.floating)):
            raise ValueError(f"{self._label}: mask_value must be a number, got {mask_value!r}")
        self.mask_value = float(mask_value)
        self.input_spec = InputSpec(min_ndim=2, description="(batch, timesteps, features)")

    # ---------------------------------------------------------------- fast path: one reduction over features
    def forward(self, x, training=False, mask=None):
        keep = np.any(x != self.mask_value, axis=-1, keepdims=True)
        self.cache = keep
        return np.where(keep, x, 0).astype(x.dtype, copy=False)

    def backward(self, dy):
        return dy * self.cache

    def compute_mask(self, inputs, mask=None):
        """``(batch, timesteps)`` booleans: True where some feature differs from ``mask_value``.

        Masking computes its own mask from the values; an incoming ``mask`` is replaced, as in Keras.
        """
        x = np.asarray(inputs)
        self.input_spec.check(self._label, x.shape)
        return np.any(x != self.mask_value, axis=-1)

    # ---------------------------------------------------------------- reference path: timestep by timestep
    def forward_reference(self, x, training=False, mask=None):
        steps = x.shape[:-1]
        keep = np.zeros(steps + (1,), dtype=bool)
        y = np.zeros_like(x)
        for index in np.ndindex(steps):              # every (sample, timestep)
            for j in range(x.shape[-1]):             # kept as soon as one feature differs
                if x[index + (j,)] != self.mask_value:
                    keep[index] = True
                    break
            if keep[index][0]:
                y[index] = x[index]
        self.cache = keep
        return y

    def backward_reference(self, dy):
        dx = np.zeros_like(dy)
        for index in np.ndindex(dy.shape[:-1]):      # gradient flows only through kept timesteps
            if self.cache[index][0]:
                dx[index] = dy[index]
        return dx

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_mask_shape(self, input_shape):
        return tuple(input_shape[:-1])

    @property
    def formula(self):
        return (rf"k_{{b,t}} = \bigvee_j \big[x_{{b,t,j}} \neq {self.mask_value:g}\big],"
                r"\quad y_{b,t,:} = k_{b,t}\, x_{b,t,:}")

    def shape_steps(self, input_shape):
        out = self.compute_output_shape(input_shape)
        return [Step(f"mask k = any(x != {self.mask_value:g}) over the last axis, shape "
                     f"{self.compute_mask_shape(input_shape)}", out),
                Step("y = x where k, 0 where masked; k is passed on as the output mask", out)]

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
