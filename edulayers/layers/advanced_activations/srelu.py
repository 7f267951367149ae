r"""SReLU: the S-shaped rectified linear unit (Jin et al. 2015; Keras 1.2.2).

Three lines joined at two learned knots :math:`t^l \le t^r`: slope :math:`a^l` left of
:math:`t^l`, the identity in between, slope :math:`a^r` right of :math:`t^r`:

.. math::
    f(x) = \begin{cases}
        t^r + a^r (x - t^r) & x > t^r \\
        x & t^l \le x \le t^r \\
        t^l + a^l (x - t^l) & x < t^l
    \end{cases}

(Jin, Xu, Feng, Wei, Xiong and Yan 2015, "Deep Learning with S-shaped Rectified Linear
Activation Units"). With :math:`a^r < 1` it saturates softly like a sigmoid, with
:math:`a^r > 1` it is convex like :math:`x^2`: it can learn both.

Keras 1.2.2 keeps the knots in order by construction: it learns ``t_right`` but uses
:math:`t^r = t^l + |t_\mathrm{right}|`, so the right knot is never left of the left one. Its
weights are ``[t_left, a_left, t_right, a_right]`` (one of each per input entry, or per group
along ``shared_axes``), and ``t_right`` is the *distance* between the knots, not the knot.

Backward, with :math:`\delta = \partial L/\partial y` and the three regions
:math:`L = \{x < t^l\}`, :math:`R = \{x > t^r\}`:

.. math::
    \frac{\partial y}{\partial x} = a^l [L] + [\text{middle}] + a^r [R], \qquad
    \frac{\partial y}{\partial t^l} = (1 - a^l)[L] + (1 - a^r)[R], \qquad
    \frac{\partial y}{\partial a^l} = (x - t^l)[L],

.. math::
    \frac{\partial y}{\partial t_\mathrm{right}} = \mathrm{sign}(t_\mathrm{right})(1 - a^r)[R], \qquad
    \frac{\partial y}{\partial a^r} = (x - t^r)[R]

(:math:`t^l` also moves the right knot, hence its :math:`1 - a^r` on :math:`R`), each weight's
gradient summed over the batch and the shared axes.
"""
from __future__ import annotations

import numpy as np

from ... import initializers
from ...explain import Step
from ._shared import SharedAxesLayer

__all__ = ["SReLU"]

WEIGHTS = ("t_left", "a_left", "t_right", "a_right")
KERAS1_DEFAULTS = {"t_left": "zero", "a_left": "glorot_uniform", "t_right": "glorot_uniform",
                   "a_right": "one"}


class SReLU(SharedAxesLayer):
    r"""S-shaped ReLU with four learned parameters per entry (Keras 1.2.2).

    .. math::
        f(x) = \begin{cases} t^r + a^r (x - t^r) & x > t^r \\ x & t^l \le x \le t^r \\
        t^l + a^l (x - t^l) & x < t^l \end{cases}, \qquad t^r = t^l + |t_\mathrm{right}|

    Args:
        t_left_init: initializer of the left knot :math:`t^l` (default ``"zero"``).
        a_left_init: initializer of the left slope :math:`a^l` (default ``"glorot_uniform"``).
        t_right_init: initializer of ``t_right``, the knots' distance (default ``"glorot_uniform"``).
        a_right_init: initializer of the right slope :math:`a^r` (default ``"one"``).
        shared_axes: int or list of ints, the 1-based axes along which the four parameters are
            shared (as PReLU).
        keras-contrib's names ``t_left_initializer``, ... are accepted for the ``*_init``
        arguments (with Keras 1's defaults; keras-contrib's differ).

    Weights: ``[t_left, a_left, t_right, a_right]`` (Keras 1.2.2 order), each of shape
    ``input_shape[1:]`` with 1 on the shared axes.

    Input shape: ``(batch, features...)``. Output shape: the same.

    >>> SReLU(shared_axes=[1]).explain((None, 5, 3)).param_formula
    '4*(1*3)'
    """

    notes = ("Keras 1 layer (Keras 1.2.2 keras/layers/advanced_activations.py); Keras 2 moved it to "
             "keras-contrib (other initializers), Keras 3 has none.",
             "Keras 1.2.2 uses t_r = t_left + |t_right|: the weight t_right is the knots' distance.",
             "Initializers resolve as Keras 3's: glorot_uniform of a 1-D or 3-D weight uses Keras 3's "
             "fans (Keras 1 used sqrt(prod(shape)) for both fans of such shapes).",
             "Region boundaries: x = t^l and x = t^r count as the middle (slope 1).")

    def __init__(self, t_left_init="zero", a_left_init="glorot_uniform",
                 t_right_init="glorot_uniform", a_right_init="one", shared_axes=None, **kwargs):
        given = {"t_left": t_left_init, "a_left": a_left_init, "t_right": t_right_init,
                 "a_right": a_right_init}
        for name in WEIGHTS:                         # keras-contrib's (Keras 2) spelling
            if f"{name}_initializer" in kwargs:
                if given[name] != KERAS1_DEFAULTS[name]:
                    raise TypeError(f"SReLU got both '{name}_init' (Keras 1) and "
                                    f"'{name}_initializer' (keras-contrib); give one")
                given[name] = kwargs.pop(f"{name}_initializer")
        t_left_init, a_left_init, t_right_init, a_right_init = (given[n] for n in WEIGHTS)
        super().__init__(**kwargs)
        self.t_left_init = initializers.get(t_left_init)
        self.a_left_init = initializers.get(a_left_init)
        self.t_right_init = initializers.get(t_right_init)
        self.a_right_init = initializers.get(a_right_init)
        self._init_shared_axes(shared_axes)

    def build(self, input_shape):
        shape = self.param_shape(input_shape)
        for name in WEIGHTS:                         # Keras 1.2.2's order: the get_weights order
            self.add_weight(name, shape, getattr(self, f"{name}_init"))
        self._fix_input_spec(input_shape)

    # ------------------------------------------------------------ fast path: three masks, broadcasting
    def forward(self, x, training=False, mask=None):
        t_left, a_left, a_right = self.t_left, self.a_left, self.a_right
        t_r = t_left + np.abs(self.t_right)          # Keras 1: the right knot is never left of t_left
        left, right = x < t_left, x > t_r
        y = np.where(left, t_left + a_left * (x - t_left),
                     np.where(right, t_r + a_right * (x - t_r), x))
        self.cache = (x, t_r, left, right)
        return y

    def backward(self, dy):
        x, t_r, left, right = self.cache
        dy_left, dy_right = np.where(left, dy, 0), np.where(right, dy, 0)
        reduce = self.reduce_to_param
        self.grads["t_left"] = reduce(dy_left * (1 - self.a_left) + dy_right * (1 - self.a_right))
        self.grads["a_left"] = reduce(dy_left * (x - self.t_left))
        self.grads["t_right"] = reduce(dy_right * np.sign(self.t_right) * (1 - self.a_right))
        self.grads["a_right"] = reduce(dy_right * (x - t_r))
        middle = ~(left | right)
        return dy_left * self.a_left + dy_right * self.a_right + np.where(middle, dy, 0)

    # ------------------------------------------------------------ reference path: every entry
    def forward_reference(self, x, training=False, mask=None):
        values, uses = self.entries(x)       # entry i uses the parameters at uses[i]
        t_left, a_left, t_right, a_right = (self.weight_list(name) for name in WEIGHTS)
        y = []
        for v, k in zip(values, uses):
            t_l, t_r = t_left[k], t_left[k] + abs(t_right[k])
            if v < t_l:
                y.append(t_l + a_left[k] * (v - t_l))
            elif v > t_r:
                y.append(t_r + a_right[k] * (v - t_r))
            else:
                y.append(v)
        self.cache = x
        return np.array(y, dtype=x.dtype).reshape(x.shape)

    def backward_reference(self, dy):
        x = self.cache
        values, uses = self.entries(x)
        t_left, a_left, t_right, a_right = (self.weight_list(name) for name in WEIGHTS)
        grads = {name: [0.0] * len(t_left) for name in WEIGHTS}
        dx = []
        for v, k, d in zip(values, uses, dy.ravel().tolist()):
            t_l, t_r = t_left[k], t_left[k] + abs(t_right[k])
            if v < t_l:                              # y = t_l + a_l (x - t_l)
                dx.append(a_left[k] * d)
                grads["t_left"][k] += (1 - a_left[k]) * d
                grads["a_left"][k] += (v - t_l) * d
            elif v > t_r:                            # y = t_r + a_r (x - t_r), t_r = t_l + |t_right|
                dx.append(a_right[k] * d)
                grads["t_left"][k] += (1 - a_right[k]) * d
                grads["t_right"][k] += _sign(t_right[k]) * (1 - a_right[k]) * d
                grads["a_right"][k] += (v - t_r) * d
            else:                                    # y = x
                dx.append(d)
        for name in WEIGHTS:
            self.grads[name] = self.weight_array(grads[name], name)
        return np.array(dx, dtype=x.dtype).reshape(x.shape)

    # ------------------------------------------------------------ shapes, config, explain
    formula = (r"y = \begin{cases} t^r + a^r (x - t^r) & x > t^r \\ x & t^l \le x \le t^r \\ "
               r"t^l + a^l (x - t^l) & x < t^l \end{cases},\quad t^r = t^l + |t_\mathrm{right}|")

    def shape_steps(self, input_shape):
        shape = self.param_shape(input_shape)
        return [Step(f"three lines joined at t_left and t_left + abs(t_right); t_left, a_left, t_right, "
                     f"a_right: {shape} each ({self.shared_text(input_shape)})", tuple(input_shape))]

    def get_config(self):
        return {**super().get_config(),
                **{f"{name}_init": initializers.serialize(getattr(self, f"{name}_init"))
                   for name in WEIGHTS}}


def _sign(v: float) -> float:
    """d|t|/dt: +1, -1, and 0 at t = 0 (as TensorFlow's and torch's abs)."""
    return (v > 0) - (v < 0)
