r"""Activation: apply an activation function elementwise, :math:`y = f(x)`.

The layer has no weights. Its backward is the activation's own vector-Jacobian product,

.. math::  \frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} \odot f'(x)

for elementwise activations (relu, tanh, sigmoid, ...), and
:math:`\partial L/\partial x = J_f(x)^\top\,\partial L/\partial y` for those that mix the
entries of a row (softmax: :math:`y \odot (\delta - \langle \delta, y\rangle)`).
"""
from __future__ import annotations

import numpy as np

from ... import activations
from ...explain import Step
from .._legacy import keras1_arguments
from ..base import Layer

__all__ = ["Activation"]


class Activation(Layer):
    r"""Applies an activation function to its input: ``output = activation(input)``.

    .. math::  y = f(x)

    Args:
        activation: the name of an activation (``"relu"``, ``"softmax"``...) or an
            ``el.activations.ActivationFunction``. A plain Python function is accepted too:
            ``activations.get`` wraps it with a central-difference derivative (and warns), so
            give an ``ActivationFunction`` with ``derivative=`` for an exact, fast backward.

    Input shape:  any, ``(batch, ...)``.
    Output shape: the same as the input.

    >>> layer = Activation("relu")
    >>> layer(np.array([[-3.0, -1.0, 0.0, 2.0]]))
    array([[0., 0., 0., 2.]], dtype=float32)
    """

    supports_masking = True

    @keras1_arguments
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    # ---------------------------------------------------------------- fast path: NumPy ufuncs on the whole array
    def forward(self, x, training=False, mask=None):
        y = self.activation(x)
        self.cache = (x, y)
        return y

    def backward(self, dy):
        x, y = self.cache
        return self.activation.backward(x, y, dy)

    # ---------------------------------------------------------------- reference path: one sample at a time
    def forward_reference(self, x, training=False, mask=None):
        rows = []
        for n in range(x.shape[0]):                  # every sample: y_n = f(x_n)
            rows.append(self.activation(x[n:n + 1]))  # a batch of one, so softmax sees whole rows
        y = np.concatenate(rows, axis=0)
        self.cache = (x, y)
        return y

    def backward_reference(self, dy):
        x, y = self.cache
        dx = np.zeros_like(x)
        for n in range(x.shape[0]):                  # every sample: dx_n = J_f(x_n)^T dy_n
            dx[n] = self.activation.backward(x[n:n + 1], y[n:n + 1], dy[n:n + 1])[0]
        return dx

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if getattr(self.activation, "name", None) == "glu":
            # glu splits its axis into halves a, b and returns a * sigmoid(b): that axis halves.
            # (Keras 3's Activation.compute_output_shape returns the input shape even for glu.)
            axis = self.activation.defaults.get("axis", -1) % len(shape)
            half = None if shape[axis] is None else shape[axis] // 2
            shape = shape[:axis] + (half,) + shape[axis + 1:]
        return shape

    @property
    def formula(self):
        latex = getattr(self.activation, "latex", "")
        name = activations.serialize(self.activation)
        if latex.startswith("f(x)"):
            return rf"y = f(x),\quad {latex}"
        return rf"y = \mathrm{{{name}}}(x)"

    def shape_steps(self, input_shape):
        name = activations.serialize(self.activation)
        mixing = getattr(self.activation, "elementwise", True) is False
        how = "along the last axis" if mixing else "elementwise"
        if name == "glu":
            how = "along the last axis: split it into halves a, b; y = a * sigmoid(b)"
        return [Step(f"{name} {how}", self.compute_output_shape(input_shape))]

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
