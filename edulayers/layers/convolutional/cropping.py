r"""Cropping1D/2D/3D: cut a border off the spatial axes.

For a 2-D input (channels last) cropped by ``((top, bottom), (left, right))``:

.. math::  y_{n,i,j,c} = x_{n,\, i + top,\, j + left,\, c},
           \qquad H_{out} = H - top - bottom,\quad W_{out} = W - left - right

No weights. The backward pass puts the upstream gradient back where the kept cells came from
and zeros on the cropped border (those cells did not reach the output):

.. math::  \frac{\partial L}{\partial x_{n,i,j,c}} =
           \begin{cases} dy_{n,\,i - top,\, j - left,\, c} & \text{inside the kept window} \\
                         0 & \text{on the cropped border} \end{cases}

The helpers at the top (``(before, after)`` pairs, spatial axes, axis names) are shared with
ZeroPadding and UpSampling, the other shape-only layers of this family; data formats and axis
descriptions come from ``edulayers.utils.conv_utils`` like every windowed layer's.
"""
from __future__ import annotations

import numpy as np

from ...explain import Step
from ...utils.conv_utils import (axes_description, from_channels_last, normalize_data_format,
                                 to_channels_last)
from .._legacy import keras1_arguments
from ..base import InputSpec, Layer, positive_int

__all__ = ["Cropping1D", "Cropping2D", "Cropping3D"]

_AXIS_NAMES = {1: ("steps",), 2: ("rows", "cols"), 3: ("dim1", "dim2", "dim3")}
_INDEX_NAMES = {1: ("i",), 2: ("i", "j"), 3: ("i", "j", "k")}


def normalize_pairs(value, rank: int, name: str, owner: str) -> tuple:
    """Keras' forms of cropping/padding amounts -> one ``(before, after)`` pair per spatial axis.

    ``2 -> ((2, 2), (2, 2))``; ``(1, 2) -> ((1, 1), (2, 2))`` for 2-D (one symmetric amount per
    axis) but ``((1, 2),)`` for 1-D (the pair itself); ``((1, 2), (3, 4))`` is kept.
    """
    forms = ("an int or a tuple of 2 ints (before, after)" if rank == 1 else
             f"an int, a tuple of {rank} ints, or a tuple of {rank} (before, after) pairs")
    expected = f"{forms} of non-negative ints"

    def bad():
        return ValueError(f"{owner}: {name} must be {expected}, got {value!r}")

    def as_int(v):
        return positive_int(v, name, owner, allow_zero=True, expected=expected, received=repr(value))

    def as_pair(v):
        if np.isscalar(v):                   # 2, or 2.5 or "2" (refused as one amount, not a pair)
            return (as_int(v), as_int(v))
        if not hasattr(v, "__len__") or len(v) != 2:
            raise bad()
        return (as_int(v[0]), as_int(v[1]))

    if np.isscalar(value):
        return ((as_int(value),) * 2,) * rank
    if rank == 1:
        return (as_pair(value),)
    if not hasattr(value, "__len__") or len(value) != rank:
        raise bad()
    return tuple(as_pair(v) for v in value)


def spatial_axes(rank: int, data_format: str) -> tuple:
    """The axes of the spatial dimensions: ``(1, 2)`` for 2-D channels_last, ``(2, 3)`` channels_first."""
    first = 2 if data_format == "channels_first" else 1
    return tuple(range(first, first + rank))


def index_latex(rank: int, data_format: str, spatial) -> str:
    """``n, i + t, j + l, c`` (channels last) or ``n, c, i + t, j + l`` for the formulas."""
    spatial = ", ".join(spatial)
    return f"n, c, {spatial}" if data_format == "channels_first" else f"n, {spatial}, c"


class _Cropping(Layer):
    """The N-D cropping layer; Cropping1D/2D/3D fix the rank and Keras' argument forms."""

    rank = 2

    def __init__(self, **kwargs):
        # Keras' default names (cropping2d, ...); the base class would say cropping2_d
        super().__init__(**kwargs)

    def _setup(self, cropping, data_format):
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.crops = normalize_pairs(cropping, self.rank, "cropping", type(self).__name__)
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    description=axes_description(self.rank, self.data_format))

    def _spatial(self, shape):
        return [shape[a] for a in spatial_axes(self.rank, self.data_format)]

    def _check_fits(self, shape, what="input") -> None:
        """Cropping must leave at least one cell on every spatial axis."""
        for name, size, (a, b) in zip(_AXIS_NAMES[self.rank], self._spatial(shape), self.crops):
            if size is not None and a + b >= size:
                raise ValueError(
                    f"{self._label} cannot crop {a} + {b} = {a + b} {name} from an {what} with "
                    f"{size} {name} (shape {tuple(shape)}): cropping must leave at least one; "
                    f"expected {name} > {a + b}")

    def _window(self, shape):
        """The index of the kept window: ``x[window]`` is the output."""
        index = [slice(None)] * len(shape)
        for axis, size, (a, b) in zip(spatial_axes(self.rank, self.data_format),
                                      self._spatial(shape), self.crops):
            index[axis] = slice(a, size - b)
        return tuple(index)

    # ------------------------------------------------------------------ fast path: one slice each way
    def forward(self, x, training=False, mask=None):
        self._check_fits(x.shape)
        self.cache = x.shape
        return x[self._window(x.shape)]           # a view: no copy at all

    def backward(self, dy):
        shape = self.cache
        dx = np.zeros(shape, dtype=dy.dtype)
        dx[self._window(shape)] = dy              # the cropped border gets no gradient
        return dx

    # ------------------------------------------------------------------ reference path: cell by cell
    def forward_reference(self, x, training=False, mask=None):
        self._check_fits(x.shape)
        self.cache = x.shape
        xl = self._to_channels_last(x)
        out_spatial = [s - a - b for s, (a, b) in zip(xl.shape[1:-1], self.crops)]
        y = np.zeros((xl.shape[0], *out_spatial, xl.shape[-1]), dtype=x.dtype)
        starts = [a for a, _ in self.crops]
        for n in range(xl.shape[0]):                           # every sample
            for pos in np.ndindex(*out_spatial):               # every output cell (i, j, ...)
                src = tuple(p + s for p, s in zip(pos, starts))    # y[i, j] = x[i + top, j + left]
                y[(n, *pos)] = xl[(n, *src)]                   # the whole channel vector
        return self._from_channels_last(y)

    def backward_reference(self, dy):
        dyl = self._to_channels_last(dy)
        dxl = self._to_channels_last(np.zeros(self.cache, dtype=dy.dtype))
        starts = [a for a, _ in self.crops]
        for n in range(dyl.shape[0]):
            for pos in np.ndindex(*dyl.shape[1:-1]):
                src = tuple(p + s for p, s in zip(pos, starts))
                dxl[(n, *src)] = dyl[(n, *pos)]                # cropped cells stay 0
        return self._from_channels_last(dxl)

    def _to_channels_last(self, a):
        return to_channels_last(a, self.data_format)

    def _from_channels_last(self, a):
        return np.ascontiguousarray(from_channels_last(a, self.data_format))

    # ------------------------------------------------------------------ shapes and explain
    def compute_output_shape(self, input_shape):
        self._check_fits(input_shape, what="input_shape")
        out = list(input_shape)
        for axis, (a, b) in zip(spatial_axes(self.rank, self.data_format), self.crops):
            if out[axis] is not None:
                out[axis] = out[axis] - a - b
        return tuple(out)

    @property
    def formula(self):
        starts = [f"{i} + {a}" if a else i for i, (a, _) in zip(_INDEX_NAMES[self.rank], self.crops)]
        return (rf"y_{{{index_latex(self.rank, self.data_format, _INDEX_NAMES[self.rank])}}} = "
                rf"x_{{{index_latex(self.rank, self.data_format, starts)}}}")

    def shape_steps(self, input_shape):
        self._check_fits(input_shape, what="input_shape")
        steps, shape = [], list(input_shape)
        for axis, name, (a, b) in zip(spatial_axes(self.rank, self.data_format),
                                      _AXIS_NAMES[self.rank], self.crops):
            size = shape[axis]
            if size is not None:
                shape[axis] = size - a - b
                text = f"crop {name}: {size} - {a} - {b} = {shape[axis]}"
            else:
                text = f"crop {name}: unknown size, stays unknown (None)"
            steps.append(Step(text, tuple(shape)))
        return steps

    def explain_notes(self):
        return [f"cropping {self.crops} as (before, after) per spatial axis; no weights, so the "
                "gradient is dy placed back in the kept window and 0 on the cropped border"]


class Cropping1D(_Cropping):
    r"""Crop a sequence along its time axis: ``y[:, t] = x[:, t + before]``.

    Args:
        cropping: int (same at both ends) or tuple ``(before, after)``; default ``(1, 1)``.

    Input shape: ``(batch, steps, features)``. Output shape: ``(batch, steps - before - after, features)``.
    Keras 3's Cropping1D has no ``data_format`` (the time axis is always axis 1).

    >>> Cropping1D((1, 2)).compute_output_shape((None, 10, 4))
    (None, 7, 4)
    """

    rank = 1

    @keras1_arguments
    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self._setup(cropping, "channels_last")
        self.cropping = self.crops[0]

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


class Cropping2D(_Cropping):
    r"""Crop an image along rows and columns.

    Args:
        cropping: int (all four sides), tuple of 2 ints ``(symmetric_rows, symmetric_cols)``, or
            ``((top, bottom), (left, right))``; default ``((0, 0), (0, 0))``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape:  ``(batch, rows, cols, channels)`` (or channels first).
    Output shape: ``(batch, rows - top - bottom, cols - left - right, channels)``.

    >>> Cropping2D(((2, 2), (4, 4))).compute_output_shape((None, 28, 28, 3))
    (None, 24, 20, 3)
    """

    rank = 2

    @keras1_arguments
    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(cropping, data_format)
        self.cropping = self.crops

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


class Cropping3D(_Cropping):
    r"""Crop a volume along its three spatial axes.

    Args:
        cropping: int, tuple of 3 ints (symmetric per axis), or 3 ``(before, after)`` pairs;
            default ``((1, 1), (1, 1), (1, 1))``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape:  ``(batch, dim1, dim2, dim3, channels)`` (or channels first).
    Output shape: each spatial size minus its two cropping amounts.
    """

    rank = 3

    @keras1_arguments
    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(cropping, data_format)
        self.cropping = self.crops

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}
