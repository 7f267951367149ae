r"""ELU: the exponential linear unit (Clevert, Unterthiner and Hochreiter 2016).

.. math::
    f(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}, \qquad
    f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^{x} = f(x) + \alpha & x \le 0 \end{cases}

Negative inputs saturate smoothly at :math:`-\alpha` instead of being cut to 0, which pushes the
mean activation towards 0; for :math:`\alpha = 1` the function is continuously differentiable.
"""
from __future__ import annotations

import math

from ... import activations
from .._legacy import keras1_arguments
from ._shared import ElementwiseActivation, check_number

__all__ = ["ELU"]


class ELU(ElementwiseActivation):
    r"""Exponential linear unit layer.

    .. math::
        f(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}

    Args:
        alpha: float, the scale :math:`\alpha` of the negative part (default 1.0): the value
            the output approaches for very negative inputs is :math:`-\alpha`.

    Input shape: any. Output shape: the same.

    >>> ELU()(np.array([-1.0, 0.0, 2.0]))
    array([-0.63212055,  0.        ,  2.        ], dtype=float32)
    """

    notes = ("Same argument in Keras 1, 2 and 3. Keras 3's ELU layer leaves alpha out of "
             "get_config (a Keras bug); edulayers keeps it.",)

    @keras1_arguments
    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_number("ELU", "alpha", alpha)

    # fast path: el.activations.elu on the whole array (expm1 of min(x, 0): no overflow)
    def _function(self, x):
        return activations.elu(x, alpha=self.alpha)

    def _derivative(self, x, y):
        return activations.elu.derivative(x, y, alpha=self.alpha)

    def _value(self, v):
        return v if v > 0 else self.alpha * (math.exp(v) - 1.0)

    def _slope(self, v):
        return 1.0 if v > 0 else self.alpha * math.exp(v)

    @property
    def formula(self):
        return (rf"y = \begin{{cases}} x & x > 0 \\ {self.alpha:g}\,(e^{{x}} - 1) & x \le 0 "
                r"\end{cases}")

    @property
    def _step_text(self):
        return f"elu (alpha {self.alpha:g})"

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
