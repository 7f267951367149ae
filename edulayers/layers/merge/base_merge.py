r"""The base of every merge layer: a list of inputs in, one output out, a list of gradients back.

Every merge validates its list in one place (here): it must be a list (a single array is an
error), every input has the same batch size, and the shapes must fit the merge:

* elementwise merges (Add, Subtract, Multiply, Average, Maximum, Minimum) follow Keras 3's
  ``Merge``: the shapes after the batch axis must be equal or *broadcast* — compared from the
  right, a size-1 axis stretches to the other size, and an input of lower rank gets size-1
  axes right after the batch axis. E.g. ``(None, 1, 3)`` with ``(None, 4, 3)`` gives
  ``(None, 4, 3)``; ``(None, 3)`` with ``(None, 4, 3)`` too.
* Concatenate and Dot check their own rules (``_output_shape``).

Backward of a broadcast input sums the gradient over the axes it was stretched along (its
value was used once per copy), then drops the axes that were inserted.
"""
from __future__ import annotations

import numpy as np

from ...explain import Step, format_shape
from ..base import Layer

__all__: list = []     # the base is not a layer one uses directly


class _Merge(Layer):
    """Base of the merge layers: list input, Keras 3 shape rules, masks ORed (as Keras 3)."""

    supports_masking = True
    #: Fewest inputs the layer takes (Keras 3 accepts a one-element list; Subtract and Dot need 2).
    min_inputs = 1
    #: Exactly this many inputs, or None.
    exact_inputs: int | None = None

    # ---------------------------------------------------------------- validation, in one place
    def _prepare_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            shape = np.shape(inputs)
            raise ValueError(f"{self._label} expected a list of input arrays (a merge joins "
                             f"{self._how_many()} tensors), got a single array of shape {shape}")
        return super()._prepare_inputs(list(inputs))

    def _how_many(self) -> str:
        return f"exactly {self.exact_inputs}" if self.exact_inputs else f"{self.min_inputs} or more"

    def _check_count(self, n: int) -> None:
        if self.exact_inputs is not None and n != self.exact_inputs:
            raise ValueError(f"{self._label} expected exactly {self.exact_inputs} inputs, got {n}")
        if n < max(1, self.min_inputs):
            raise ValueError(f"{self._label} expected a list of {self._how_many()} inputs, got {n}")

    def _check_inputs(self, arrays) -> None:
        """The arrays themselves: count, batch sizes (not only the built shapes), and shapes."""
        self._check_count(len(arrays))
        shapes = [a.shape for a in arrays]
        if any(len(s) == 0 for s in shapes):
            raise ValueError(f"{self._label} expected inputs with a batch axis, got shapes "
                             f"{format_shape(shapes)}")
        if self._batch_axis_must_match() and len({s[0] for s in shapes}) > 1:
            raise ValueError(f"{self._label} cannot merge inputs with different batch sizes, "
                             f"got shapes {format_shape(shapes)}")
        self._output_shape(shapes)

    def _batch_axis_must_match(self) -> bool:
        return True

    def build(self, input_shape):
        if not (isinstance(input_shape, list) and all(isinstance(s, (list, tuple)) for s in input_shape)):
            raise ValueError(f"{self._label} expected a list of input shapes, got {input_shape!r}")
        self._check_count(len(input_shape))
        self._output_shape([tuple(s) for s in input_shape])

    def compute_output_shape(self, input_shape):
        input_shape = [tuple(s) for s in input_shape]
        self._check_count(len(input_shape))
        return self._output_shape(input_shape)

    def _output_shape(self, shapes):
        """Elementwise merges: Keras 3's broadcasting of the axes after the batch axis."""
        out = shapes[0][1:]
        for shape in shapes[1:]:
            out = self._broadcast_pair(out, shape[1:], shapes)
        batches = {s[0] for s in shapes} - {None}
        return ((batches.pop() if len(batches) == 1 else None),) + tuple(out)

    def _broadcast_pair(self, a, b, shapes):
        if len(a) < len(b):
            a, b = b, a
        out = list(a[:len(a) - len(b)])
        for i, j in zip(a[len(a) - len(b):], b):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1 or i == j:
                out.append(i)
            else:
                raise ValueError(
                    f"{self._label}: inputs have incompatible shapes {format_shape(shapes)}: after "
                    "the batch axis the shapes must be equal or broadcast (a size-1 axis stretches; "
                    "a lower-rank input gets size-1 axes after the batch axis, as Keras 3)")
        return tuple(out)

    # ---------------------------------------------------------------- broadcasting helpers
    @staticmethod
    def _expand(xs):
        """Give lower-rank inputs size-1 axes after the batch axis, so NumPy broadcasts them."""
        rank = max(x.ndim for x in xs)
        return [x.reshape(x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:]) for x in xs]

    @staticmethod
    def _unbroadcast(grad, shape):
        """Sum ``grad`` (the output's shape) back to an input of ``shape``.

        An input stretched along an axis was used once per copy, so its gradient is the sum
        over that axis; axes that were inserted for a lower-rank input are then removed.
        """
        rank = grad.ndim
        expanded = shape[:1] + (1,) * (rank - len(shape)) + tuple(shape[1:])
        axes = tuple(k for k, (n, g) in enumerate(zip(expanded, grad.shape)) if n == 1 and g != 1)
        if axes:
            grad = grad.sum(axis=axes, keepdims=True)
        return grad.reshape(shape)

    # ---------------------------------------------------------------- masks
    def compute_mask(self, inputs, mask=None):
        """Keras 3: the masks ORed (a position is kept if any input keeps it); None if one is None."""
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(f"{self._label}: mask must be a list with one entry per input, "
                             f"got {type(mask).__name__}")
        if any(m is None for m in mask):
            return None
        out = np.asarray(mask[0], dtype=bool)
        for m in mask[1:]:
            out = out | np.asarray(m, dtype=bool)
        return out

    # ---------------------------------------------------------------- explain
    def shape_steps(self, input_shape):
        return [Step(self.step_description(len(input_shape)),
                     self.compute_output_shape(input_shape))]

    def step_description(self, n: int) -> str:
        return f"{type(self).__name__} of {n} inputs"

    def param_formula(self, input_shape):
        return "0"

    def explain_notes(self):
        return list(self.notes) + ["No weights: 0 parameters. backward returns one gradient per input, "
                                   "in the order of the inputs."]
