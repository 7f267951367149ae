r"""PReLU: a leaky ReLU whose negative slope is learned (He et al. 2015, "Delving Deep into Rectifiers").

.. math::
    y = \begin{cases} x & x > 0 \\ a\,x & x \le 0 \end{cases}
      = \max(x, 0) + a \min(x, 0)

with one slope :math:`a` per input entry (batch axis excluded), or one per group of entries
along ``shared_axes``. Backward, with :math:`\delta = \partial L/\partial y`:

.. math::
    \frac{\partial L}{\partial x} = \delta \odot \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases},
    \qquad
    \frac{\partial L}{\partial a} = \sum_{\text{batch, shared axes}} \delta \odot \min(x, 0)

The slope gets a gradient only from negative inputs. :math:`a = 0` is a ReLU, :math:`a = 0.3`
a LeakyReLU, :math:`a = 1` the identity, and :math:`a < 0` gives :math:`|x|`-like shapes: the
network decides.
"""
from __future__ import annotations

import numpy as np

from ...explain import Step
from ._shared import SharedAxesLayer

__all__ = ["PReLU"]


class PReLU(SharedAxesLayer):
    r"""Parametric ReLU: :math:`y = \max(x, 0) + a \min(x, 0)` with a learned slope :math:`a`.

    Args:
        alpha_initializer: initializer of the slopes (default ``"zeros"``: starts as a ReLU).
        alpha_regularizer, alpha_constraint: penalty and projection of the slopes.
        shared_axes: int or list of ints, the 1-based axes (axis 1 = the first axis after the
            batch) along which one slope is shared. For conv feature maps
            ``(batch, rows, cols, channels)``, ``shared_axes=[1, 2]`` gives one slope per channel.
        Keras 1's ``init`` (for alpha_initializer) and ``weights`` are accepted.

    Weights: ``alpha`` of shape ``input_shape[1:]`` with 1 on the shared axes (Keras 1 called it
    ``alphas``).

    Input shape: ``(batch, features...)``. Output shape: the same.

    >>> PReLU(shared_axes=[1, 2]).explain((None, 4, 5, 3)).param_formula
    '1*1*3'
    """

    notes = ("Keras 1 took init= (default 'zero') and named the weight alphas; Keras 2 and 3 use "
             "alpha_initializer (default 'zeros'), alpha_regularizer, alpha_constraint and the "
             "weight name alpha.",
             "At x = 0 the derivative takes the slope a, as in He et al. (2015); Keras' autodiff gives 0 "
             "there (a measure-zero difference).")

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        if "init" in kwargs:                 # Keras 1 spelling, as Keras 2's legacy interface did
            if alpha_initializer != "zeros":
                raise TypeError("PReLU got both 'init' (Keras 1) and 'alpha_initializer'; give one")
            alpha_initializer = kwargs.pop("init")
        super().__init__(**kwargs)
        self.set_weight_options(alpha_initializer=alpha_initializer,
                                alpha_regularizer=alpha_regularizer,
                                alpha_constraint=alpha_constraint)
        self._init_shared_axes(shared_axes)

    def build(self, input_shape):
        self.add_weight("alpha", self.param_shape(input_shape), self.alpha_initializer,
                        self.alpha_regularizer, self.alpha_constraint)
        self._fix_input_spec(input_shape)

    # ------------------------------------------------------------ fast path: broadcasting
    def forward(self, x, training=False, mask=None):
        # alpha has shape input_shape[1:] with 1 on shared axes: NumPy broadcasts it over the
        # batch and the shared axes, so no loop and no copy of alpha.
        y = np.where(x > 0, x, self.alpha * x)
        self.cache = x
        return y

    def backward(self, dy):
        x = self.cache
        positive = x > 0
        self.grads["alpha"] = self.reduce_to_param(np.where(positive, 0, dy * x))
        return np.where(positive, dy, dy * self.alpha)

    # ------------------------------------------------------------ reference path: every entry
    def forward_reference(self, x, training=False, mask=None):
        values, uses = self.entries(x)       # entry i uses the slope alpha[uses[i]]
        alpha = self.weight_list("alpha")
        y = []
        for v, k in zip(values, uses):
            y.append(v if v > 0 else alpha[k] * v)
        self.cache = x
        return np.array(y, dtype=x.dtype).reshape(x.shape)

    def backward_reference(self, dy):
        x = self.cache
        values, uses = self.entries(x)
        alpha = self.weight_list("alpha")
        dalpha = [0.0] * len(alpha)
        dx = []
        for v, k, d in zip(values, uses, dy.ravel().tolist()):
            if v > 0:
                dx.append(d)
            else:
                dx.append(alpha[k] * d)
                dalpha[k] += v * d               # every entry that shares alpha_k adds its part
        self.grads["alpha"] = self.weight_array(dalpha, "alpha")
        return np.array(dx, dtype=x.dtype).reshape(x.shape)

    # ------------------------------------------------------------ shapes, config, explain
    formula = r"y = \max(x, 0) + a \odot \min(x, 0),\quad a\ \text{learned (broadcast over shared axes)}"

    def shape_steps(self, input_shape):
        shape = tuple(input_shape)
        return [Step(f"max(x, 0) + a * min(x, 0), a: {self.param_shape(input_shape)} "
                     f"({self.shared_text(input_shape)})", shape)]
