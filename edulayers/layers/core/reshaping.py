r"""Layers that move numbers around without changing them: Flatten, Reshape, Permute, RepeatVector.

None of them has weights; each is a fixed rearrangement (or copy) of the entries of a sample,
so its backward is the inverse rearrangement of the upstream gradient:

* ``Flatten``:  :math:`y_{n,\,k} = x_{n,\,i_1 \dots i_r}` with :math:`k` the row-major index
  :math:`k = (\dots(i_1 d_2 + i_2) d_3 + \dots) d_r + i_r`; backward reshapes ``dy`` back.
* ``Reshape(target_shape)``: the same row-major order, read out into another shape.
* ``Permute(dims)``: :math:`y_{n,\,i_{\pi(1)} \dots i_{\pi(r)}} = x_{n,\,i_1 \dots i_r}`
  (``dims`` counts axes from 1, the batch axis stays first); backward applies the inverse
  permutation.
* ``RepeatVector(n)``: :math:`y_{b,t,j} = x_{b,j}` for :math:`t = 1..n`; a copy read ``n`` times
  collects ``n`` gradients, so :math:`\partial L/\partial x_{b,j} = \sum_t \partial L/\partial y_{b,t,j}`.
"""
from __future__ import annotations

import math

import numpy as np

from ...explain import Step
from .._legacy import keras1_arguments
from ..base import InputSpec, Layer, positive_int

__all__ = ["Flatten", "Reshape", "Permute", "RepeatVector"]


def _product_text(dims) -> str:
    """``(3, 4, 5) -> "3*4*5"``, the arithmetic a student checks by hand."""
    return "*".join(str(d) for d in dims) if len(dims) else "1"


def _format_sample(shape) -> str:
    """A sample shape with the batch axis in front: ``(3, 4) -> "(None, 3, 4)"``."""
    return "(None, " + ", ".join(str(d) for d in shape) + ")" if shape else "(None,)"


def _row_major_index(index, shape) -> int:
    """The position of ``index`` in a row-major (C order) walk through an array of ``shape``."""
    k = 0
    for i, d in zip(index, shape):
        k = k * d + i
    return k


# ==================================================================================== Flatten
class Flatten(Layer):
    r"""Flattens every sample into a vector; the batch axis is kept.

    .. math::  (\text{batch}, d_1, \dots, d_r) \to (\text{batch},\ d_1 d_2 \cdots d_r)

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``. With
            ``channels_first`` the input is first transposed to channels-last order, so that the
            flattened vector has the same order for both formats (as Keras 2 and 3 do).

    Input shape:  ``(batch, ...)``; a ``(batch,)`` input becomes ``(batch, 1)``.
    Output shape: ``(batch, d_1 * ... * d_r)``.

    >>> Flatten().explain((None, 3, 4, 5)).trace
    '(None, 3, 4, 5) -> (None, 60)'
    """

    @keras1_arguments
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        data_format = "channels_last" if data_format is None else data_format
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{self._label}: data_format must be 'channels_last' or "
                             f"'channels_first', got {data_format!r}")
        self.data_format = data_format
        self.input_spec = InputSpec(min_ndim=1, description="(batch, ...)")

    def _channels_last_axes(self, rank):
        """``(0, 2, ..., rank-1, 1)``: moves the channel axis last (channels_first only)."""
        if self.data_format == "channels_first" and rank > 2:
            return (0, *range(2, rank), 1)
        return None

    # ---------------------------------------------------------------- fast path: a reshape is a view, no copy
    def forward(self, x, training=False, mask=None):
        axes = self._channels_last_axes(x.ndim)
        self.cache = x.shape
        if axes is not None:
            x = x.transpose(axes)
        return x.reshape(x.shape[0], -1) if x.ndim > 1 else x.reshape(-1, 1)

    def backward(self, dy):
        shape = self.cache
        axes = self._channels_last_axes(len(shape))
        if axes is None:
            return dy.reshape(shape)
        moved = tuple(shape[a] for a in axes)        # the channels-last shape forward flattened
        return dy.reshape(moved).transpose(np.argsort(axes))

    # ---------------------------------------------------------------- reference path: entry by entry
    def forward_reference(self, x, training=False, mask=None):
        axes = self._channels_last_axes(x.ndim)
        self.cache = x.shape
        dims = x.shape[1:]
        # channels_first: the entries are read in channels-last order, (c, i, j) -> (i, j, c)
        moved = (lambda index: index) if axes is None else \
            (lambda index: tuple(index[a - 1] for a in axes[1:]))
        y = np.zeros((x.shape[0], math.prod(dims)), dtype=x.dtype)
        for n in range(x.shape[0]):
            for index in np.ndindex(dims):
                y[n, _row_major_index(moved(index), moved(dims))] = x[(n,) + index]
        return y

    def backward_reference(self, dy):
        shape = self.cache
        axes = self._channels_last_axes(len(shape))
        dims = shape[1:]
        moved = (lambda index: index) if axes is None else \
            (lambda index: tuple(index[a - 1] for a in axes[1:]))
        dx = np.zeros(shape, dtype=dy.dtype)
        for n in range(shape[0]):
            for index in np.ndindex(dims):           # each x entry went to exactly one y entry
                dx[(n,) + index] = dy[n, _row_major_index(moved(index), moved(dims))]
        return dx

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        dims = tuple(input_shape[1:])
        if not dims:
            return (input_shape[0], 1)
        if any(d is None for d in dims):
            return (input_shape[0], None)
        return (input_shape[0], math.prod(dims))

    formula = r"y_{n,\,k} = x_{n,\,i_1 \dots i_r},\quad k = \text{row-major index of } (i_1, \dots, i_r)"

    def shape_steps(self, input_shape):
        input_shape = tuple(input_shape)
        steps = []
        axes = self._channels_last_axes(len(input_shape))
        if axes is not None:
            input_shape = tuple(input_shape[a] for a in axes)
            steps.append(Step(f"channels_first: transpose to channels_last, axes {axes}", input_shape))
        out = self.compute_output_shape(input_shape)
        dims = input_shape[1:]
        if not dims:
            text = "a (batch,) input gets a feature axis of size 1"
        elif out[1] is None:
            text = f"flatten {_product_text(['?' if d is None else d for d in dims])} (unknown size)"
        else:
            text = f"flatten {_product_text(dims)} = {out[1]}"
        steps.append(Step(text, out))
        return steps

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


# ==================================================================================== Reshape
class Reshape(Layer):
    r"""Reshapes every sample to ``target_shape`` (the batch axis is kept), in row-major order.

    Args:
        target_shape: tuple of ints, without the batch axis; one entry may be ``-1`` and is
            then inferred from the number of values per sample.

    Input shape:  ``(batch, ...)`` with as many values per sample as ``target_shape`` holds.
    Output shape: ``(batch, *target_shape)``.

    >>> Reshape((-1, 2, 2)).compute_output_shape((None, 12))
    (None, 3, 2, 2)
    """

    @keras1_arguments
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target_shape = (target_shape,) if isinstance(target_shape, (int, np.integer)) \
                else tuple(target_shape)
        except TypeError:
            raise ValueError(f"{self._label}: target_shape must be a tuple of ints, "
                             f"got {target_shape!r}") from None
        for d in target_shape:
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or (d <= 0 and d != -1):
                raise ValueError(f"{self._label}: target_shape entries must be positive ints or one "
                                 f"-1 (inferred), got target_shape={target_shape!r}")
        if list(target_shape).count(-1) > 1:
            raise ValueError(f"{self._label}: target_shape may have at most one -1 (the entry to "
                             f"infer), got target_shape={target_shape!r}")
        self.target_shape = tuple(int(d) for d in target_shape)
        self.input_spec = InputSpec(min_ndim=1, description="(batch, ...)")

    def resolve_target_shape(self, sample_shape):
        """``target_shape`` with its ``-1`` worked out for samples of ``sample_shape``.

        Raises a ``ValueError`` that shows the arithmetic when the sizes cannot match.
        """
        sample_shape = tuple(sample_shape)
        target = self.target_shape
        if any(d is None for d in sample_shape):
            return tuple(None if d == -1 else d for d in target)
        size = math.prod(sample_shape)
        known = math.prod(d for d in target if d != -1)
        have = f"input {_format_sample(sample_shape)} holds {_product_text(sample_shape)} = {size} values per sample"
        if -1 not in target:
            if known != size:
                raise ValueError(f"{self._label} cannot reshape: {have}, but target_shape "
                                 f"{target} holds {_product_text(target)} = {known}")
            return target
        if known == 0 or size % known:
            raise ValueError(f"{self._label} cannot reshape: {have}, which is not a multiple of "
                             f"the known entries of target_shape {target}: "
                             f"{_product_text([d for d in target if d != -1])} = {known}")
        return tuple(size // known if d == -1 else d for d in target)

    # ---------------------------------------------------------------- fast path: a reshape is a view, no copy
    def forward(self, x, training=False, mask=None):
        target = self.resolve_target_shape(x.shape[1:])
        self.cache = x.shape
        return x.reshape((x.shape[0],) + target)

    def backward(self, dy):
        return dy.reshape(self.cache)

    # ---------------------------------------------------------------- reference path: entry by entry
    def forward_reference(self, x, training=False, mask=None):
        target = self.resolve_target_shape(x.shape[1:])
        self.cache = x.shape
        flat = np.zeros((x.shape[0], math.prod(x.shape[1:])), dtype=x.dtype)
        for n in range(x.shape[0]):                  # read the sample in row-major order ...
            for index in np.ndindex(x.shape[1:]):
                flat[n, _row_major_index(index, x.shape[1:])] = x[(n,) + index]
        y = np.zeros((x.shape[0],) + target, dtype=x.dtype)
        for n in range(x.shape[0]):                  # ... and write it out in row-major order
            for index in np.ndindex(target):
                y[(n,) + index] = flat[n, _row_major_index(index, target)]
        return y

    def backward_reference(self, dy):
        shape = self.cache
        dx = np.zeros(shape, dtype=dy.dtype)
        for n in range(shape[0]):                    # entry k of x went to entry k of y
            for index in np.ndindex(shape[1:]):
                k = _row_major_index(index, shape[1:])
                dx[(n,) + index] = dy[(n,) + np.unravel_index(k, dy.shape[1:])]
        return dx

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self.resolve_target_shape(input_shape[1:])

    @property
    def formula(self):
        return (r"y_{n} = \mathrm{reshape}(x_{n},\ " + str(self.target_shape).replace(" ", "")
                + r"),\ \text{row-major order kept}")

    def shape_steps(self, input_shape):
        out = self.compute_output_shape(input_shape)
        sample = tuple(input_shape[1:])
        if -1 in self.target_shape and all(d is not None for d in sample):
            known = [d for d in self.target_shape if d != -1]
            size = math.prod(sample)
            text = (f"-1 = {_product_text(sample)} // {_product_text(known)} = "
                    f"{size // math.prod(known)}; reshape to {out[1:]}")
        elif all(d is not None for d in sample):
            text = f"reshape {_product_text(sample)} = {math.prod(sample)} values to {out[1:]}"
        else:
            text = f"reshape to {out[1:]}"
        return [Step(text, out)]

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


# ==================================================================================== Permute
class Permute(Layer):
    r"""Permutes the axes of every sample: output axis ``k`` is input axis ``dims[k-1]``.

    Args:
        dims: tuple of ints, a permutation of ``1..r`` (axes count from 1; the batch axis 0
            never moves). ``(2, 1)`` swaps the two axes of ``(batch, steps, features)``.

    Input shape:  ``(batch, d_1, ..., d_r)`` with ``r = len(dims)``.
    Output shape: ``(batch, d_{dims[0]}, ..., d_{dims[r-1]})``.

    >>> Permute((2, 1)).compute_output_shape((None, 10, 64))
    (None, 64, 10)
    """

    @keras1_arguments
    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            raise ValueError(f"{self._label}: dims must be a tuple of ints (a permutation of "
                             f"1..r), got {dims!r}") from None
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"{self._label}: dims must be a permutation of 1..{len(dims)} (axes "
                             f"count from 1; the batch axis 0 never moves), got dims={dims}")
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1,
                                    description="(batch, " + ", ".join(f"d{i}" for i in range(1, len(dims) + 1)) + ")")

    # ---------------------------------------------------------------- fast path: transpose is a strided view
    def forward(self, x, training=False, mask=None):
        return x.transpose((0,) + self.dims)

    def backward(self, dy):
        # the inverse permutation: axis dims[k-1] of x came from output axis k
        return dy.transpose(np.argsort((0,) + self.dims))

    # ---------------------------------------------------------------- reference path: entry by entry
    def forward_reference(self, x, training=False, mask=None):
        y = np.zeros(self.compute_output_shape(x.shape), dtype=x.dtype)
        for index in np.ndindex(x.shape):            # x[n, i1..ir] lands at y[n, i_dims[0], ...]
            y[(index[0],) + tuple(index[d] for d in self.dims)] = x[index]
        return y

    def backward_reference(self, dy):
        shape = [0] * dy.ndim
        shape[0] = dy.shape[0]
        for k, d in enumerate(self.dims, start=1):
            shape[d] = dy.shape[k]
        dx = np.zeros(shape, dtype=dy.dtype)
        for index in np.ndindex(dx.shape):           # the same map, read the other way
            dx[index] = dy[(index[0],) + tuple(index[d] for d in self.dims)]
        return dx

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    @property
    def formula(self):
        idx = ", ".join(f"i_{d}" for d in self.dims)
        src = ", ".join(f"i_{k}" for k in range(1, len(self.dims) + 1))
        return rf"y_{{n,\,{idx}}} = x_{{n,\,{src}}}"

    def shape_steps(self, input_shape):
        out = self.compute_output_shape(input_shape)
        moves = ", ".join(f"axis {k} <- input axis {d}" for k, d in enumerate(self.dims, start=1))
        return [Step(f"permute {self.dims}: {moves}", out)]

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


# ==================================================================================== RepeatVector
class RepeatVector(Layer):
    r"""Repeats each input vector ``n`` times: ``(batch, features) -> (batch, n, features)``.

    .. math::  y_{b,t,j} = x_{b,j},\qquad
               \frac{\partial L}{\partial x_{b,j}} = \sum_{t=1}^{n} \frac{\partial L}{\partial y_{b,t,j}}

    Args:
        n: positive int, the number of repetitions.

    Input shape:  ``(batch, features)``.
    Output shape: ``(batch, n, features)``.

    >>> RepeatVector(3).compute_output_shape((None, 32))
    (None, 3, 32)
    """

    @keras1_arguments
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = positive_int(n, "n", self._label, expected="a positive int (the number of repeats)")
        self.input_spec = InputSpec(ndim=2, description="(batch, features)")

    # ---------------------------------------------------------------- fast path: broadcast, then one sum
    def forward(self, x, training=False, mask=None):
        return np.repeat(x[:, None, :], self.n, axis=1)

    def backward(self, dy):
        return dy.sum(axis=1)

    # ---------------------------------------------------------------- reference path: one copy per repeat
    def forward_reference(self, x, training=False, mask=None):
        y = np.zeros((x.shape[0], self.n, x.shape[1]), dtype=x.dtype)
        for t in range(self.n):                      # y[:, t, :] = x for every step t
            y[:, t, :] = x
        return y

    def backward_reference(self, dy):
        dx = np.zeros((dy.shape[0], dy.shape[2]), dtype=dy.dtype)
        for t in range(self.n):                      # x was read n times: add the n gradients
            dx += dy[:, t, :]
        return dx

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    @property
    def formula(self):
        return rf"y_{{b,t,j}} = x_{{b,j}},\quad t = 1, \dots, {self.n}"

    def shape_steps(self, input_shape):
        return [Step(f"insert a time axis and repeat {self.n} times", self.compute_output_shape(input_shape))]

    def get_config(self):
        return {**super().get_config(), "n": self.n}
