r"""What the advanced activation layers share: the elementwise pattern and ``shared_axes``.

Elementwise layers (ReLU, LeakyReLU, ELU, ThresholdedReLU) compute :math:`y_i = f(x_i)` and
:math:`\partial L/\partial x_i = f'(x_i)\,\partial L/\partial y_i`. Their fast path calls the
activation of ``el.activations`` on the whole array; their reference path applies the scalar
definition (``_value``/``_slope``, written with ``if``) to one element at a time.

Layers with learned parameters (PReLU, ParametricSoftplus, SReLU) keep one parameter per input
entry, without the batch axis, unless ``shared_axes`` (1-based, as Keras: axis 1 is the first
axis after the batch) makes a group of entries share one. For an input ``(batch, 4, 5, 6)``
and ``shared_axes=[1, 2]`` each weight has shape ``(1, 1, 6)``: one value per channel.
Because a shared weight is used by every entry of its group, and by every sample, its
gradient is the sum over the batch axis and the shared axes:

.. math:: \frac{\partial L}{\partial a_{c}} = \sum_{n} \sum_{i, j}
          \frac{\partial L}{\partial y_{n,i,j,c}}\,\frac{\partial y_{n,i,j,c}}{\partial a_c}
"""
from __future__ import annotations

import numbers

import numpy as np

from ...explain import Step
from ..base import InputSpec, Layer

__all__ = []   # helpers only; the layers are exported by their own modules


def check_number(owner, name, value, minimum=None, allow_none=False):
    """``value`` as a float, or a ValueError naming the layer and the argument."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{owner}: {name} must be >= {minimum}, got {value!r}")
    return float(value)


class ElementwiseActivation(Layer):
    """Base of the weightless elementwise layers: ``y = f(x)`` entry by entry, any rank (as Keras)."""

    supports_masking = True

    def forward(self, x, training=False, mask=None):
        y = self._function(x)
        self.cache = (x, y)
        return y

    def backward(self, dy):
        x, y = self.cache
        return self._derivative(x, y) * dy

    # ------------------------------------------------------------ reference: the scalar definition
    def forward_reference(self, x, training=False, mask=None):
        y = []
        for v in x.ravel().tolist():             # every entry, as a Python float: y = f(x)
            y.append(self._value(v))
        self.cache = (x, None)
        return np.array(y, dtype=x.dtype).reshape(x.shape)

    def backward_reference(self, dy):
        x, _ = self.cache
        dx = []
        for v, d in zip(x.ravel().tolist(), dy.ravel().tolist()):   # dL/dx = f'(x) dL/dy
            dx.append(self._slope(v) * d)
        return np.array(dx, dtype=x.dtype).reshape(x.shape)

    # ------------------------------------------------------------ to override
    def _function(self, x):
        raise NotImplementedError

    def _derivative(self, x, y):
        raise NotImplementedError

    def _value(self, v: float) -> float:
        raise NotImplementedError

    def _slope(self, v: float) -> float:
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def shape_steps(self, input_shape):
        return [Step(f"{self._step_text} elementwise (no weights)", tuple(input_shape))]

    _step_text = "f(x)"


class SharedAxesLayer(Layer):
    """Base of PReLU, ParametricSoftplus and SReLU: per-entry weights, optionally shared."""

    supports_masking = True

    def _init_shared_axes(self, shared_axes):
        self.input_spec = InputSpec(min_ndim=2, description="(batch, features...)")
        if shared_axes is None:
            self.shared_axes = None
            return
        axes = [shared_axes] if not isinstance(shared_axes, (list, tuple)) else list(shared_axes)
        for axis in axes:
            if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or axis < 1:
                raise ValueError(f"{type(self).__name__}: shared_axes are the 1-based axes after the "
                                 f"batch axis (1 = the first feature axis), so positive ints; got "
                                 f"{shared_axes!r}")
        if len(set(axes)) != len(axes):
            raise ValueError(f"{type(self).__name__}: shared_axes has a repeated axis: {shared_axes!r}")
        self.shared_axes = [int(a) for a in axes]

    def param_shape(self, input_shape):
        """The weights' shape: the input shape without the batch axis, 1 on the shared axes."""
        rank = len(input_shape)
        shared = self.shared_axes or []
        for axis in shared:
            if axis >= rank:
                raise ValueError(f"{self._label}: shared_axes={shared} names axis {axis}, but the "
                                 f"input {tuple(input_shape)} has only the axes 1..{rank - 1} after "
                                 "the batch axis")
        shape = []
        for axis in range(1, rank):
            if axis in shared:
                shape.append(1)
            elif input_shape[axis] is None:
                raise ValueError(f"{self._label} needs the size of input axis {axis} to create its "
                                 f"weights, got input shape {tuple(input_shape)}; give the size or "
                                 f"share that axis (shared_axes=[{axis}])")
            else:
                shape.append(int(input_shape[axis]))
        return tuple(shape)

    def _fix_input_spec(self, input_shape):
        # After build the non-shared axes are fixed by the weights' shape, as in Keras.
        shared = self.shared_axes or []
        axes = {axis: input_shape[axis] for axis in range(1, len(input_shape)) if axis not in shared}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes,
                                    description="(batch, features...)")

    def reduce_to_param(self, g):
        """Sum a per-entry gradient over the batch axis and the shared axes: the weight's gradient."""
        axes = (0,) + tuple(self.shared_axes or ())
        return g.sum(axis=axes, keepdims=True)[0]

    def entries(self, x):
        """The reference paths' loop variables: every input entry as a Python float, and the
        (flat) index of the weight entry it uses: the same one for every sample and along the
        shared axes."""
        shape = next(iter(self._weights.values())).shape
        which = np.arange(int(np.prod(shape))).reshape(shape)
        return x.ravel().tolist(), np.broadcast_to(which, x.shape).ravel().tolist()

    def weight_list(self, name):
        """Weight ``name`` as a flat list of Python floats (indexed by ``entries``' indices)."""
        return self._weights[name].ravel().tolist()

    def weight_array(self, values, name):
        """A flat list of per-weight-entry values back into the shape of weight ``name``."""
        w = self._weights[name]
        return np.array(values, dtype=w.dtype).reshape(w.shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def param_formula(self, input_shape):
        shape = self.param_shape(input_shape)
        per_weight = "*".join(str(s) for s in shape)
        n = len(self._weights)
        return per_weight if n == 1 else f"{n}*({per_weight})"

    def shared_text(self, input_shape):
        if not self.shared_axes:
            return "one per input entry (batch axis excluded)"
        return f"shared along axes {self.shared_axes}"

    def get_config(self):
        return {**super().get_config(), "shared_axes": self.shared_axes}
