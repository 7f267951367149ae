r"""The rectifier layers: ReLU, LeakyReLU and ThresholdedReLU.

All three are elementwise and have no weights. With threshold :math:`\theta`, cap :math:`m`
(``max_value``) and slope :math:`\alpha` below the threshold, Keras 3's ``ReLU`` is

.. math::
    f(x) = \begin{cases} \min(x, m) & x > \theta \\ \alpha\,(x - \theta) & x \le \theta \end{cases}
    \qquad
    f'(x) = \begin{cases} [x < m] & x > \theta \\ \alpha & x < \theta \end{cases}

(:math:`m = \infty` when ``max_value`` is ``None``). ``LeakyReLU`` is the case
:math:`\theta = 0, m = \infty` with :math:`\alpha = 0.3`; ``ThresholdedReLU`` (Keras 1 and 2) is
:math:`\alpha = 0`, :math:`m = \infty` and a threshold :math:`\theta = 1`:
:math:`f(x) = x\,[x > \theta]`, which jumps from 0 to :math:`\theta` at the threshold.
At the kinks the derivative takes the value of the left piece (``x <= 0`` gets :math:`\alpha`).
"""
from __future__ import annotations

import math

import numpy as np

from ... import activations
from .._legacy import keras1_arguments
from ._shared import ElementwiseActivation, check_number

__all__ = ["ReLU", "LeakyReLU", "ThresholdedReLU"]


class ReLU(ElementwiseActivation):
    r"""Rectified linear unit with an optional cap, leak and threshold (Keras 3 ``ReLU``).

    .. math::
        f(x) = \begin{cases} \min(x, m) & x > \theta \\ \alpha\,(x - \theta) & x \le \theta \end{cases}

    Args:
        max_value: float >= 0, the cap :math:`m` (``None``: no cap). ``ReLU(max_value=6)`` is relu6.
        negative_slope: float >= 0, the slope :math:`\alpha` below the threshold (default 0).
        threshold: float >= 0, :math:`\theta`: values at or below it are not passed (default 0).

    Input shape: any. Output shape: the same.

    >>> ReLU(max_value=10, negative_slope=0.5)(np.array([-10.0, -5.0, 0.0, 5.0, 10.0]))
    array([-5. , -2.5,  0. ,  5. , 10. ], dtype=float32)
    """

    notes = ("Keras 2.2 added ReLU(max_value, negative_slope, threshold); Keras 3 keeps the same "
             "arguments. Keras 1 had only the 'relu' activation.",)

    @keras1_arguments
    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = check_number("ReLU", "max_value", max_value, minimum=0.0, allow_none=True)
        self.negative_slope = check_number("ReLU", "negative_slope", negative_slope, minimum=0.0)
        self.threshold = check_number("ReLU", "threshold", threshold, minimum=0.0)

    # fast path: Keras 3's ReLU term by term, on the whole array (NumPy ufuncs, no Python loop).
    # For finite x it is el.activations.relu; at -inf and NaN it is Keras': the passed part is
    # relu(x) (NaN stays NaN, -inf gives 0) or, with a threshold, where(x > theta, x, 0) (NaN and
    # -inf give 0); the leak is subtracted only when negative_slope != 0 (0 * -inf would be NaN).
    def _function(self, x):
        theta, cap, slope = self.threshold, self.max_value, self.negative_slope
        y = np.maximum(x, 0) if theta == 0 else np.where(x > theta, x, 0)
        if cap is not None:
            y = np.minimum(y, cap)
        if slope:
            y = y - slope * np.maximum(theta - x, 0)
        return y.astype(x.dtype, copy=False)

    def _derivative(self, x, y):
        return activations.relu.derivative(x, y, negative_slope=self.negative_slope,
                                           max_value=self.max_value, threshold=self.threshold)

    # reference path: the definition, one number at a time
    def _value(self, v):
        if math.isnan(v):         # as Keras 3: relu keeps NaN, the threshold's where() drops it
            return v if self.threshold == 0 or self.negative_slope else 0.0
        if v > self.threshold:
            return v if self.max_value is None else min(v, self.max_value)
        if self.negative_slope == 0:
            return 0.0            # also for v = -inf (0 * -inf would be NaN)
        return self.negative_slope * (v - self.threshold)

    def _slope(self, v):
        if v > self.threshold:
            return 1.0 if self.max_value is None or v < self.max_value else 0.0
        if v < self.threshold:
            return self.negative_slope
        return 0.0

    @property
    def formula(self):
        top = r"x" if self.max_value is None else rf"\min(x, {self.max_value:g})"
        low = "0" if self.negative_slope == 0 else (
            rf"{self.negative_slope:g}\,(x - {self.threshold:g})" if self.threshold else
            rf"{self.negative_slope:g}\,x")
        return (rf"y = \begin{{cases}} {top} & x > {self.threshold:g} \\ {low} & "
                rf"x \le {self.threshold:g} \end{{cases}}")

    @property
    def _step_text(self):
        return "relu" if self.max_value is None else f"relu capped at {self.max_value:g}"

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(ElementwiseActivation):
    r"""Leaky ReLU: a small slope :math:`\alpha` for negative inputs, so they still get a gradient.

    .. math::
        f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}, \qquad
        f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}

    Args:
        negative_slope: float >= 0, :math:`\alpha` (default 0.3, the layer's Keras default; the
            ``leaky_relu`` activation defaults to 0.2). Keras 1 and 2 called it ``alpha``:
            ``LeakyReLU(alpha=0.1)`` is accepted (and, as in Keras 3, wins over negative_slope).

    Input shape: any. Output shape: the same.

    >>> LeakyReLU(0.5)(np.array([-10.0, -5.0, 0.0, 5.0, 10.0]))
    array([-5. , -2.5,  0. ,  5. , 10. ], dtype=float32)
    """

    notes = ("Keras 3 names the slope negative_slope; Keras 1 and 2 called it alpha (accepted here). "
             "The layer defaults to 0.3, the leaky_relu activation to 0.2.",)

    @keras1_arguments
    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:                # Keras 1/2 spelling
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = check_number("LeakyReLU", "negative_slope", negative_slope, minimum=0.0)

    # fast path: el.activations.leaky_relu on the whole array
    def _function(self, x):
        return activations.leaky_relu(x, negative_slope=self.negative_slope)

    def _derivative(self, x, y):
        return activations.leaky_relu.derivative(x, y, negative_slope=self.negative_slope)

    def _value(self, v):
        return v if v > 0 else self.negative_slope * v

    def _slope(self, v):
        return 1.0 if v > 0 else self.negative_slope

    @property
    def formula(self):
        return (rf"y = \begin{{cases}} x & x > 0 \\ {self.negative_slope:g}\,x & x \le 0 "
                r"\end{cases}")

    @property
    def _step_text(self):
        return f"leaky relu (slope {self.negative_slope:g} below 0)"

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ThresholdedReLU(ElementwiseActivation):
    r"""Thresholded ReLU (Keras 1 and 2; Konda et al. 2015, zero-bias autoencoders).

    .. math::
        f(x) = \begin{cases} x & x > \theta \\ 0 & x \le \theta \end{cases}
        = x\,[x > \theta], \qquad f'(x) = [x > \theta]

    Unlike ReLU with a threshold, the output jumps from 0 to :math:`\theta` at :math:`x = \theta`:
    small activations are switched off, not shifted. It equals Keras 3's
    ``ReLU(threshold=theta)`` (which is how to write it there) on finite inputs; at ``-inf`` and
    ``NaN`` it follows Keras 2's product ``x * [x > theta]`` (NaN), where Keras 3's ReLU gives 0.

    Args:
        theta: float >= 0, the threshold :math:`\theta` (default 1.0).

    Input shape: any. Output shape: the same.

    >>> ThresholdedReLU(theta=1.0)(np.array([-2.0, 0.5, 1.0, 1.5]))
    array([0. , 0. , 0. , 1.5], dtype=float32)
    """

    notes = ("Keras 1 and 2 layer; Keras 3 removed it: use ReLU(threshold=theta), which computes "
             "the same function.",
             "theta must be >= 0 (tf.keras 2 checks it; Keras 1 accepted any float).")

    @keras1_arguments
    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = check_number("ThresholdedReLU", "theta", theta, minimum=0.0)

    # fast path: Keras 2's x * [x > theta], without its -0.0 below the threshold: 0 there, but
    # NaN where the product is NaN (x = -inf or NaN: -inf * 0 and NaN * 0 are NaN)
    def _function(self, x):
        below = np.where(np.isfinite(x), 0, np.nan)
        return np.where(x > self.theta, x, below).astype(x.dtype, copy=False)

    def _derivative(self, x, y):
        return activations.relu.derivative(x, y, threshold=self.theta)

    def _value(self, v):
        if v > self.theta:
            return v
        return 0.0 if math.isfinite(v) else math.nan      # x * [x > theta]: -inf * 0 is NaN

    def _slope(self, v):
        return 1.0 if v > self.theta else 0.0

    @property
    def formula(self):
        return rf"y = \begin{{cases}} x & x > {self.theta:g} \\ 0 & x \le {self.theta:g} \end{{cases}}"

    @property
    def _step_text(self):
        return f"x [x > {self.theta:g}]"

    def get_config(self):
        return {**super().get_config(), "theta": self.theta}
