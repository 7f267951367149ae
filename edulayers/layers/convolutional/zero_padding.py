r"""ZeroPadding1D/2D/3D: add a border of zeros around the spatial axes.

For a 2-D input (channels last) padded by ``((top, bottom), (left, right))``:

.. math::  y_{n,i,j,c} = \begin{cases} x_{n,\, i - top,\, j - left,\, c} & \text{inside} \\
                                       0 & \text{on the border} \end{cases},
           \qquad H_{out} = top + H + bottom,\quad W_{out} = left + W + right

No weights. Padding is the adjoint of cropping: the backward pass crops the upstream gradient
(the zeros of the border do not depend on ``x``), so ``dx = dy[:, top:top+H, left:left+W, :]``.
Convolutions with ``padding="same"`` do exactly this before sliding their kernel.
"""
from __future__ import annotations

import numpy as np

from ...explain import Step
from ...utils.conv_utils import axes_description, normalize_data_format
from .._legacy import keras1_arguments
from ..base import InputSpec, Layer
from .cropping import _AXIS_NAMES, _INDEX_NAMES, index_latex, normalize_pairs, spatial_axes

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"]


class _ZeroPadding(Layer):
    """The N-D zero-padding layer; ZeroPadding1D/2D/3D fix the rank and Keras' argument forms."""

    rank = 2

    def __init__(self, **kwargs):
        # Keras' default names (zero_padding2d, ...); the base class would say zero_padding2_d
        super().__init__(**kwargs)

    def _setup(self, padding, data_format):
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.pads = normalize_pairs(padding, self.rank, "padding", type(self).__name__)
        self.padding = self.pads[0] if self.rank == 1 else self.pads
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    description=axes_description(self.rank, self.data_format))

    def _inside(self, padded_shape):
        """The index of the original input inside the padded output: ``y[inside] = x``."""
        index = [slice(None)] * len(padded_shape)
        for axis, (a, b) in zip(spatial_axes(self.rank, self.data_format), self.pads):
            index[axis] = slice(a, padded_shape[axis] - b)
        return tuple(index)

    # ------------------------------------------------------------------ fast path: np.pad / one slice
    def forward(self, x, training=False, mask=None):
        width = [(0, 0)] * x.ndim
        for axis, pair in zip(spatial_axes(self.rank, self.data_format), self.pads):
            width[axis] = pair
        y = np.pad(x, width)                      # constant mode, value 0
        self.cache = y.shape
        return y

    def backward(self, dy):
        return np.ascontiguousarray(dy[self._inside(dy.shape)])   # the adjoint of padding is cropping

    # ------------------------------------------------------------------ reference path: cell by cell
    def forward_reference(self, x, training=False, mask=None):
        xl = np.moveaxis(x, 1, -1) if self.data_format == "channels_first" else x
        out_spatial = [a + s + b for s, (a, b) in zip(xl.shape[1:-1], self.pads)]
        y = np.zeros((xl.shape[0], *out_spatial, xl.shape[-1]), dtype=x.dtype)   # the zero border
        starts = [a for a, _ in self.pads]
        for n in range(xl.shape[0]):                         # every sample
            for pos in np.ndindex(*xl.shape[1:-1]):          # every input cell lands at pos + before
                dst = tuple(p + s for p, s in zip(pos, starts))
                y[(n, *dst)] = xl[(n, *pos)]
        y = np.ascontiguousarray(np.moveaxis(y, -1, 1)) if self.data_format == "channels_first" else y
        self.cache = y.shape
        return y

    def backward_reference(self, dy):
        dyl = np.moveaxis(dy, 1, -1) if self.data_format == "channels_first" else dy
        in_spatial = [s - a - b for s, (a, b) in zip(dyl.shape[1:-1], self.pads)]
        dx = np.zeros((dyl.shape[0], *in_spatial, dyl.shape[-1]), dtype=dy.dtype)
        starts = [a for a, _ in self.pads]
        for n in range(dyl.shape[0]):
            for pos in np.ndindex(*in_spatial):              # dx[i, j] = dy[i + top, j + left]
                dx[(n, *pos)] = dyl[(n, *(p + s for p, s in zip(pos, starts)))]
        return np.ascontiguousarray(np.moveaxis(dx, -1, 1)) if self.data_format == "channels_first" else dx

    # ------------------------------------------------------------------ shapes and explain
    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, (a, b) in zip(spatial_axes(self.rank, self.data_format), self.pads):
            if out[axis] is not None:
                out[axis] = a + out[axis] + b
        return tuple(out)

    @property
    def formula(self):
        names = _INDEX_NAMES[self.rank]
        shifted = [f"{i} - {a}" if a else i for i, (a, _) in zip(names, self.pads)]
        return (rf"y_{{{index_latex(self.rank, self.data_format, names)}}} = "
                rf"x_{{{index_latex(self.rank, self.data_format, shifted)}}}"
                r"\ \text{inside},\quad 0 \text{ on the border}")

    def shape_steps(self, input_shape):
        steps, shape = [], list(input_shape)
        for axis, name, (a, b) in zip(spatial_axes(self.rank, self.data_format),
                                      _AXIS_NAMES[self.rank], self.pads):
            size = shape[axis]
            if size is not None:
                shape[axis] = a + size + b
                text = f"pad {name}: {a} + {size} + {b} = {shape[axis]}"
            else:
                text = f"pad {name}: unknown size, stays unknown (None)"
            steps.append(Step(text, tuple(shape)))
        return steps

    def explain_notes(self):
        return [f"padding {self.pads} zeros as (before, after) per spatial axis; no weights; "
                "the backward pass crops dy back to the input's window"]

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    r"""Zeros at the start and end of a sequence.

    Args:
        padding: int (both ends) or tuple ``(before, after)``; default 1.
        data_format: ``"channels_last"`` (default, ``(batch, steps, features)``) or
            ``"channels_first"`` (``(batch, features, steps)``; Keras 3 added it).

    >>> ZeroPadding1D(2).compute_output_shape((None, 10, 4))
    (None, 14, 4)
    """

    rank = 1

    @keras1_arguments
    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(padding, data_format)


class ZeroPadding2D(_ZeroPadding):
    r"""Rows of zeros at the top and bottom, columns of zeros at the left and right of an image.

    Args:
        padding: int (all four sides), tuple of 2 ints ``(symmetric_rows, symmetric_cols)``, or
            ``((top, bottom), (left, right))``; default ``(1, 1)``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    >>> ZeroPadding2D(((1, 2), (3, 4))).compute_output_shape((None, 28, 28, 3))
    (None, 31, 35, 3)
    """

    rank = 2

    @keras1_arguments
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(padding, data_format)


class ZeroPadding3D(_ZeroPadding):
    r"""Zeros around a volume on its three spatial axes.

    Args:
        padding: int, tuple of 3 ints (symmetric per axis), or 3 ``(before, after)`` pairs;
            default ``((1, 1), (1, 1), (1, 1))``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
    """

    rank = 3

    @keras1_arguments
    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(padding, data_format)
