r"""TimeDistributed: the same layer applied to every time step of a sequence.

For an input :math:`x` of shape ``(batch, T, ...)`` and a wrapped layer :math:`f`,

.. math::  y_{:,t} = f(x_{:,t}), \qquad t = 1, \dots, T

with *one* set of weights :math:`\theta` shared by all time steps. Because the steps do not
interact, the gradient of the input is the wrapped layer's gradient slice by slice, and the
weight gradient adds up the contributions of every step (the chain rule for a shared weight):

.. math::  \frac{\partial L}{\partial x_{:,t}} = \frac{\partial L}{\partial x_{:,t}}\Big|_f,
           \qquad \frac{\partial L}{\partial \theta} = \sum_{t=1}^{T}
           \frac{\partial L}{\partial \theta}\Big|_{f \text{ at step } t}

Since the slices are independent they can also be stacked into one big batch: reshape
``(batch, T, ...) -> (batch*T, ...)``, call :math:`f` once, reshape back. The fast path does
exactly that; the reference path loops over :math:`t`.
"""
from __future__ import annotations

import numpy as np

from ...explain import Step, format_shape
from .._legacy import keras1_arguments
from ..base import InputSpec, call_state, restore_call_state
from .wrapper import Wrapper

__all__ = ["TimeDistributed"]


class _Folded(str):
    """A dimension shown as arithmetic in a shape trace: ``(None*5, 16)``."""
    __repr__ = str.__str__


def _fold(batch, steps):
    if isinstance(batch, int) and isinstance(steps, int):
        return batch * steps
    return _Folded(f"{batch}*{steps}")


class TimeDistributed(Wrapper):
    r"""Applies ``layer`` to every temporal slice ``x[:, t]`` of a ``(batch, T, ...)`` input.

    .. math::  y_{:,t} = f(x_{:,t}) \quad \text{for } t = 1..T, \text{ with the same weights at every } t

    Args:
        layer: the layer to apply (a ``Layer`` instance, e.g. ``Dense(8)`` or ``Conv2D(4, 3)``),
            or its ``{"class_name", "config"}`` dict.

    Input shape:  ``(batch, T, ...)``, rank >= 3; ``layer`` sees ``(batch, ...)``.
    Output shape: ``(batch, T, ...)`` with the trailing axes of ``layer``'s output.

    The wrapper's weights are ``layer``'s (same names and order, same ``count_params``). The
    mask ``(batch, T)`` is passed to ``layer`` slice by slice (if it takes one) and passed
    through unchanged as the output mask, as Keras 3 does.

    >>> td = TimeDistributed(Dense(8))
    >>> td.explain((None, 10, 16)).param_formula
    '16*8 + 8'
    """

    supports_masking = True
    notes = (
        "The same weights at every time step: the parameter count is the wrapped layer's; "
        "the weight gradient is the sum over time steps.",
        "Fast path: time folded into the batch, (batch, T, ...) -> (batch*T, ...), one call of "
        "the wrapped layer; reference path: one call per time step.",
        "Masks follow Keras 3: the input mask is passed through unchanged (Keras 2 derived the "
        "output mask from the wrapped layer's compute_mask).",
        "With training=True, a random wrapped layer (Dropout) draws one mask for the folded batch "
        "on the fast path and one per time step on the reference path: the draws differ.",
    )

    @keras1_arguments
    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.input_spec = InputSpec(min_ndim=3, description="(batch, timesteps, ...)")

    def _child_input_shape(self, input_shape):
        """The shape one time slice has: ``(batch, T, ...) -> (batch, ...)``."""
        if isinstance(input_shape, list):
            raise ValueError(f"{self._label} takes one input tensor (batch, timesteps, ...), "
                             f"got a list of {len(input_shape)} shapes")
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f"{self._label} expected input of rank >= 3 (batch, timesteps, ...), "
                             f"got shape {input_shape} (rank {len(input_shape)})")
        return (input_shape[0],) + input_shape[2:]

    def _check_inputs(self, arrays) -> None:
        raise ValueError(f"{self._label} takes one input tensor (batch, timesteps, ...), "
                         f"got a list of {len(arrays)} arrays")

    def _check_child(self, child_shape, input_shape=None):
        """The wrapped layer's input_spec against one time slice; the error names this wrapper and
        the shape the user passed (``input_shape``), not only the reshaped slice."""
        try:
            self.layer.input_spec.check(self.layer._label, child_shape, what="time slice")
        except ValueError as err:
            given = "" if input_shape is None else f" got input of shape {format_shape(input_shape)}"
            raise ValueError(f"{self._label}{given}: the wrapped layer gets each time slice x[:, t] "
                             f"of shape {format_shape(child_shape)}, which it does not accept: "
                             f"{err}") from None

    def build(self, input_shape):
        child = self._child_input_shape(input_shape)
        self._check_child(child, input_shape)
        if not self.layer.built:                       # a layer built before keeps its weights
            try:
                self.layer.build(child)
            except ValueError as err:
                raise ValueError(f"{self._label} got input of shape {format_shape(input_shape)}: the "
                                 f"wrapped layer, built for each time slice x[:, t] of shape "
                                 f"{format_shape(child)}, refuses it: {err}") from err

    # ---------------------------------------------------------------- fast path: fold time into the batch
    def forward(self, x, training=False, mask=None):
        batch, steps = self._check_call(x, mask)
        # The trick: the slices are independent, so (batch, T, ...) is just a batch of
        # batch*T samples for the wrapped layer: one reshape, one call, one reshape back.
        folded = x.reshape((batch * steps,) + x.shape[2:])
        folded_mask = None if mask is None else np.asarray(mask).reshape((batch * steps,) + np.shape(mask)[2:])
        y = self._call_layer(folded, training, "fast", folded_mask, x.shape)
        self.cache = (call_state(self.layer), x.shape)
        return y.reshape((batch, steps) + y.shape[1:])

    def backward(self, dy):
        snapshot, x_shape = self.cache
        restore_call_state(snapshot)
        batch, steps = x_shape[:2]
        dx = self.layer.backward(dy.reshape((batch * steps,) + dy.shape[2:]))
        self._collect_grads()
        return dx.reshape(x_shape)

    # ---------------------------------------------------------------- reference path: one call per time step
    def forward_reference(self, x, training=False, mask=None):
        batch, steps = self._check_call(x, mask)
        outputs, snapshots = [], []
        for t in range(steps):                               # the same layer at every time step
            mask_t = None if mask is None else np.asarray(mask)[:, t]
            outputs.append(self._call_layer(x[:, t], training, "reference", mask_t, x.shape))
            snapshots.append(call_state(self.layer))     # what backward needs for step t
        self.cache = (snapshots, x.shape)
        return np.stack(outputs, axis=1)

    def backward_reference(self, dy):
        snapshots, x_shape = self.cache
        dx = np.zeros(x_shape, dtype=dy.dtype)
        totals = {name: np.zeros_like(w) for name, w in self.layer.params.items()}
        for t in range(x_shape[1]):
            restore_call_state(snapshots[t])          # the wrapped layer as it was at step t
            dx[:, t] = self.layer.backward(dy[:, t])
            for name in totals:                              # shared weights: gradients add up over t
                totals[name] += self.layer.grads[name]
        self.layer.grads = totals
        self._collect_grads()
        return dx

    # ---------------------------------------------------------------- helpers
    def _check_call(self, x, mask):
        batch, steps = x.shape[:2]
        if steps == 0:
            raise ValueError(f"{self._label} needs at least one time step, got input of shape {x.shape}")
        if mask is not None:
            mask_shape = np.shape(mask)
            if len(mask_shape) < 2 or tuple(mask_shape[:2]) != (batch, steps):
                raise ValueError(f"{self._label} expected a mask of shape (batch, timesteps) = "
                                 f"{(batch, steps)} (or (batch, timesteps, ...)), got shape {mask_shape}")
        self._check_child((None,) + x.shape[2:], x.shape)    # before any reshape
        return batch, steps

    def _call_layer(self, x, training, path, mask, input_shape):
        try:
            y = self.layer.forward(x, training=training, path=path, mask=mask)
        except ValueError as err:
            # the wrapped layer only saw the reshaped slices: say what the user passed
            what = ("the time steps folded into the batch" if path == "fast"
                    else "one time slice x[:, t] at a time")
            raise ValueError(f"{self._label} got input of shape {format_shape(input_shape)}, given "
                             f"to the wrapped layer as {what}, shape {format_shape(x.shape)}: "
                             f"{err}") from err
        if isinstance(y, (list, tuple)):
            raise ValueError(f"{self._label}: the wrapped layer {self.layer._label} returned "
                             f"{len(y)} outputs; TimeDistributed needs a layer with one output")
        return y

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        child = self._child_input_shape(input_shape)
        self._check_child(child, input_shape)          # a built layer's sizes must fit (symbolic calls)
        child_out = self.layer.compute_output_shape(child)
        return (input_shape[0], input_shape[1]) + tuple(child_out[1:])

    @property
    def formula(self):
        return (r"y_{:,t} = f(x_{:,t}) \ \text{ for } t = 1..T, \quad \text{with } f:\ "
                + self.layer.formula)

    def shape_steps(self, input_shape):
        input_shape = tuple(input_shape)
        batch, steps = input_shape[:2]
        folded = _fold(batch, steps)
        child = self._child_input_shape(input_shape)
        # The wrapped layer's own steps, shown on the folded batch (batch*T, ...).
        inner = [Step(f"{type(self.layer).__name__}: {s.description}",
                      (folded,) + tuple(s.shape)[1:]) for s in self.layer.shape_steps((None,) + child[1:])]
        return ([Step("fold time into the batch: (batch, T, ...) -> (batch*T, ...)",
                      (folded,) + input_shape[2:])]
                + inner
                + [Step("unfold: (batch*T, ...) -> (batch, T, ...)", self.compute_output_shape(input_shape))])

    def param_formula(self, input_shape):
        return self.layer.param_formula(self._child_input_shape(tuple(input_shape)))

    def explain_children(self, input_shape):
        return [self.layer.explain(self._child_input_shape(tuple(input_shape)))]
