r"""ActivityRegularization: the identity, plus a penalty on its output added to the loss.

.. math::  y = x, \qquad
           \Omega(y) = \frac{1}{B}\Big(\ell_1 \sum |y| + \ell_2 \sum y^2\Big), \qquad
           \frac{\partial \Omega}{\partial y} = \frac{1}{B}\big(\ell_1\,\mathrm{sign}(y) + 2\ell_2\, y\big)

with :math:`B` the batch size (Keras 3.14.0 and later, and tf.keras, divide the activity penalty
by it; Keras 3.0-3.13 and the multi-backend Keras 2 added it undivided).
The layer itself is the identity: ``backward`` passes ``dy`` through unchanged. The penalty is
collected by the base class, as for any layer's ``activity_regularizer``: ``layer.losses``
holds :math:`\Omega(y)` of the last forward and ``layer.activity_gradient()`` its gradient,
which the model adds to the upstream gradient (book/protocol.md: ``grads`` hold the upstream loss only).
"""
from __future__ import annotations

import numpy as np

from ... import regularizers
from ...explain import Step
from .._legacy import keras1_arguments
from ..base import Layer

__all__ = ["ActivityRegularization"]


class ActivityRegularization(Layer):
    r"""Identity layer that adds :math:`\ell_1 \sum|y| + \ell_2 \sum y^2` (divided by the batch
    size) to the loss.

    Args:
        l1: non-negative float, the L1 factor.
        l2: non-negative float, the L2 factor.

    Input shape:  any.
    Output shape: the same as the input.

    >>> layer = ActivityRegularization(l1=0.01)
    >>> y = layer(np.array([[1.0, -2.0]]))
    >>> round(layer.losses[0], 6)
    0.03
    """

    supports_masking = True
    notes = ("The penalty is divided by the batch size, as Keras 3.14+ (and tf.keras) do; Keras 3.0-3.13 "
             "and multi-backend Keras 2 added it undivided. The model adds it to the loss and its gradient to dy.",)

    @keras1_arguments
    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        if "activity_regularizer" in kwargs:
            raise TypeError("ActivityRegularization takes l1 and l2, not activity_regularizer")
        for name, value in (("l1", l1), ("l2", l2)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                    or not np.isfinite(value) or value < 0:
                raise ValueError(f"ActivityRegularization: {name} must be a non-negative float, "
                                 f"got {name}={value!r}")
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = float(l1), float(l2)

    # ---------------------------------------------------------------- the identity (no trick needed)
    def forward(self, x, training=False, mask=None):
        return x

    def backward(self, dy):
        return dy

    # ---------------------------------------------------------------- reference path: copy entry by entry
    def forward_reference(self, x, training=False, mask=None):
        y = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            y[index] = x[index]
        return y

    def backward_reference(self, dy):
        dx = np.zeros_like(dy)
        for index in np.ndindex(dy.shape):           # dy/dx = 1: the penalty's gradient is added by the model
            dx[index] = dy[index]
        return dx

    def penalty_reference(self, y):
        """The activity penalty written out as loops: what ``layer.losses`` holds for output ``y``."""
        total = 0.0
        for index in np.ndindex(np.shape(y)):
            total += self.l1 * abs(float(y[index])) + self.l2 * float(y[index]) ** 2
        return total / max(1, np.shape(y)[0])

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    @property
    def formula(self):
        return (rf"y = x,\quad \mathcal{{L}} \mathrel{{+}}= \frac{{1}}{{B}}\Big({self.l1:g} \sum |y|"
                rf" + {self.l2:g} \sum y^2\Big)")

    def shape_steps(self, input_shape):
        return [Step(f"identity; penalty {self.l1:g}*sum|y| + {self.l2:g}*sum y^2 "
                     "(divided by the batch size) goes to layer.losses", tuple(input_shape))]

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)    # rebuilt from l1 and l2
        return {**config, "l1": self.l1, "l2": self.l2}
