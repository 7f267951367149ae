r"""UpSampling1D/2D/3D: make the spatial axes ``size`` times longer.

Nearest neighbour (every layer; the only mode of UpSampling1D/3D) repeats each cell:

.. math::  y_{n,i,j,c} = x_{n,\, \lfloor i / s_h \rfloor,\, \lfloor j / s_w \rfloor,\, c}

and its backward pass sums the gradient of the ``s_h * s_w`` copies back into the cell they came from.

UpSampling2D(interpolation="bilinear") is, as in Keras 3, an image resize to ``(s_h H, s_w W)``
with half-pixel centres and no antialiasing (``tf.image.resize``; ``F.interpolate(...,
align_corners=False)`` on torch). Output row ``i`` reads the input at the real coordinate

.. math::  u = \max\!\left(\frac{i + 1/2}{s_h} - \frac12,\ 0\right),\quad
           i_0 = \lfloor u \rfloor,\ i_1 = \min(i_0 + 1, H - 1),\ \alpha = u - i_0

and mixes the two rows ``(1 - \alpha) x_{i_0} + \alpha x_{i_1}`` (the same along columns).
Both axes are linear maps, so the layer is :math:`Y = A_h X A_w^\top` per sample and channel,
with :math:`A` the ``(out, in)`` interpolation matrices; the backward pass is
:math:`dX = A_h^\top\, dY A_w`.
"""
from __future__ import annotations

import numpy as np

from ...explain import Step
from ...utils.conv_utils import axes_description, normalize_data_format, normalize_tuple
from .._legacy import keras1_arguments
from ..base import InputSpec, Layer, positive_int
from .cropping import _AXIS_NAMES, _INDEX_NAMES, index_latex, spatial_axes

__all__ = ["UpSampling1D", "UpSampling2D", "UpSampling3D"]

INTERPOLATIONS = ("nearest", "bilinear")


def bilinear_matrix(in_size: int, scale: int, dtype="float64") -> np.ndarray:
    """The ``(in_size * scale, in_size)`` matrix of 1-D linear interpolation with half-pixel centres.

    Row ``o`` has weight ``1 - alpha`` at ``i0`` and ``alpha`` at ``i1`` (see the module docstring),
    so ``bilinear_matrix(H, s) @ column`` resizes a column of ``H`` values to ``s * H``.
    """
    out = np.arange(in_size * scale)
    u = np.maximum((out + 0.5) / scale - 0.5, 0.0)     # clamp: rows above the first centre read row 0
    i0 = np.floor(u).astype(int)
    i1 = np.minimum(i0 + 1, in_size - 1)
    alpha = u - i0
    matrix = np.zeros((in_size * scale, in_size), dtype=dtype)
    np.add.at(matrix, (out, i0), 1.0 - alpha)           # add.at: i0 == i1 at the last row
    np.add.at(matrix, (out, i1), alpha)
    return matrix


class _UpSampling(Layer):
    """The N-D nearest-neighbour upsampling layer (and bilinear in 2-D)."""

    rank = 2
    interpolation = "nearest"

    def __init__(self, **kwargs):
        # Keras' default names (up_sampling2d, ...); the base class would say up_sampling2_d
        super().__init__(**kwargs)


    def _setup(self, size, data_format):
        owner = type(self).__name__
        self.data_format = normalize_data_format(data_format, owner)
        self.size = normalize_tuple(size, self.rank, "size", owner)
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    description=axes_description(self.rank, self.data_format))

    # ------------------------------------------------------------------ fast path
    def forward(self, x, training=False, mask=None):
        self.cache = x.shape
        axes = spatial_axes(self.rank, self.data_format)
        if self.interpolation == "bilinear":
            ah, aw = self._matrices(x.shape, x.dtype)
            return self._apply(x, ah, aw)
        y = x
        for axis, s in zip(axes, self.size):      # np.repeat: each cell s times along the axis
            y = np.repeat(y, s, axis=axis)
        return y

    def backward(self, dy):
        shape = self.cache
        if self.interpolation == "bilinear":
            ah, aw = self._matrices(shape, dy.dtype)
            return self._apply(dy, ah.T, aw.T)    # the adjoint of Y = A_h X A_w^T
        # Split every upsampled axis into (cell, copy) and sum over the copies: a reshape, no loop.
        split = list(shape)
        sum_axes = []
        for k, (axis, s) in enumerate(zip(spatial_axes(self.rank, self.data_format), self.size)):
            pos = axis + k + 1                    # where this axis's "copy" index sits after splitting
            split.insert(pos, s)
            sum_axes.append(pos)
        return dy.reshape(split).sum(axis=tuple(sum_axes))

    def _matrices(self, shape, dtype):
        rows_axis, cols_axis = spatial_axes(2, self.data_format)
        return (bilinear_matrix(shape[rows_axis], self.size[0], dtype),
                bilinear_matrix(shape[cols_axis], self.size[1], dtype))

    def _apply(self, x, ah, aw):
        """``Y = A_h X A_w^T`` for every sample and channel, as two batched matrix products."""
        channels_first = self.data_format == "channels_first"
        xc = x if channels_first else np.moveaxis(x, -1, 1)    # (n, c, rows, cols)
        y = ah @ xc @ aw.T                                      # matmul broadcasts over (n, c)
        return np.ascontiguousarray(y if channels_first else np.moveaxis(y, 1, -1))

    # ------------------------------------------------------------------ reference path: cell by cell
    def forward_reference(self, x, training=False, mask=None):
        self.cache = x.shape
        xl = np.moveaxis(x, 1, -1) if self.data_format == "channels_first" else x
        in_spatial = xl.shape[1:-1]
        out_spatial = [n * s for n, s in zip(in_spatial, self.size)]
        y = np.zeros((xl.shape[0], *out_spatial, xl.shape[-1]), dtype=x.dtype)
        for n in range(xl.shape[0]):
            for pos in np.ndindex(*out_spatial):                # every output cell
                for src, weight in self._sources(pos, in_spatial):
                    y[(n, *pos)] += weight * xl[(n, *src)]
        return np.ascontiguousarray(np.moveaxis(y, -1, 1)) if self.data_format == "channels_first" else y

    def backward_reference(self, dy):
        dyl = np.moveaxis(dy, 1, -1) if self.data_format == "channels_first" else dy
        in_spatial = [n // s for n, s in zip(dyl.shape[1:-1], self.size)]
        dx = np.zeros((dyl.shape[0], *in_spatial, dyl.shape[-1]), dtype=dy.dtype)
        for n in range(dyl.shape[0]):
            for pos in np.ndindex(*dyl.shape[1:-1]):            # each output cell sends its gradient
                for src, weight in self._sources(pos, in_spatial):   # back to the cells it read
                    dx[(n, *src)] += weight * dyl[(n, *pos)]
        return np.ascontiguousarray(np.moveaxis(dx, -1, 1)) if self.data_format == "channels_first" else dx

    def _sources(self, pos, in_spatial):
        """The input cells output cell ``pos`` reads, with their weights."""
        if self.interpolation == "nearest":
            return [(tuple(p // s for p, s in zip(pos, self.size)), 1.0)]   # floor(i / s)
        per_axis = []
        for p, s, size in zip(pos, self.size, in_spatial):
            u = max((p + 0.5) / s - 0.5, 0.0)           # half-pixel centre, clamped at the top edge
            i0 = int(np.floor(u))
            i1 = min(i0 + 1, size - 1)                  # clamped at the bottom edge
            alpha = u - i0
            per_axis.append([(i0, 1.0 - alpha), (i1, alpha)])
        (r0, wr0), (r1, wr1) = per_axis[0]
        (c0, wc0), (c1, wc1) = per_axis[1]
        return [((r0, c0), wr0 * wc0), ((r0, c1), wr0 * wc1),
                ((r1, c0), wr1 * wc0), ((r1, c1), wr1 * wc1)]

    # ------------------------------------------------------------------ shapes and explain
    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, s in zip(spatial_axes(self.rank, self.data_format), self.size):
            if out[axis] is not None:
                out[axis] = out[axis] * s
        return tuple(out)

    @property
    def formula(self):
        names = _INDEX_NAMES[self.rank]
        if self.interpolation == "bilinear":
            return (r"y_{n,:,:,c} = A_h\, x_{n,:,:,c}\, A_w^\top,\quad "
                    r"(A_h)_{i, i_0} = 1 - \alpha_i,\ (A_h)_{i, i_1} = \alpha_i,\ "
                    r"u_i = \max\left(\tfrac{i + 1/2}{s_h} - \tfrac12, 0\right)")
        src = [rf"\lfloor {i} / {s} \rfloor" if s != 1 else i for i, s in zip(names, self.size)]
        return (rf"y_{{{index_latex(self.rank, self.data_format, names)}}} = "
                rf"x_{{{index_latex(self.rank, self.data_format, src)}}}")

    def shape_steps(self, input_shape):
        steps, shape = [], list(input_shape)
        verb = "interpolate" if self.interpolation == "bilinear" else "repeat"
        for axis, name, s in zip(spatial_axes(self.rank, self.data_format), _AXIS_NAMES[self.rank],
                                 self.size):
            size = shape[axis]
            if size is not None:
                shape[axis] = size * s
                text = f"{verb} {name}: {size} * {s} = {shape[axis]}"
            else:
                text = f"{verb} {name}: unknown size, stays unknown (None)"
            steps.append(Step(text, tuple(shape)))
        return steps

    def explain_notes(self):
        if self.interpolation == "bilinear":
            return ["bilinear as Keras 3 (image resize, half-pixel centres, antialias=False); Keras 2 "
                    "on TensorFlow 1 (resize_bilinear without half-pixel centres) differed at the borders"]
        return ["nearest neighbour: each cell copied size times per axis; the backward pass sums "
                "the gradients of the copies"]


class UpSampling1D(_UpSampling):
    r"""Repeat each time step ``size`` times: ``y[:, t] = x[:, t // size]``.

    Args:
        size: positive int, the repetition factor (default 2). Keras 1's ``length`` is accepted.

    Input shape: ``(batch, steps, features)``. Output shape: ``(batch, size * steps, features)``.

    >>> UpSampling1D(3).compute_output_shape((None, 5, 2))
    (None, 15, 2)
    """

    rank = 1

    def __init__(self, size=2, **kwargs):
        if "length" in kwargs:                    # Keras 1: UpSampling1D(length=2)
            size = kwargs.pop("length")
        super().__init__(**kwargs)
        self._setup(positive_int(size, "size", "UpSampling1D"), "channels_last")

    def get_config(self):
        return {**super().get_config(), "size": self.size[0]}


class UpSampling2D(_UpSampling):
    r"""Enlarge an image ``size = (s_h, s_w)`` times, by repetition or bilinear interpolation.

    Args:
        size: int or tuple of 2 ints (default ``(2, 2)``).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        interpolation: ``"nearest"`` (default) or ``"bilinear"`` (Keras 3's image resize with
            half-pixel centres). Keras 3 on TensorFlow also offers ``"bicubic"``, ``"area"``,
            ``"lanczos3/5"``; edulayers implements the two that every backend has in common.

    >>> UpSampling2D((2, 3)).compute_output_shape((None, 4, 4, 1))
    (None, 8, 12, 1)
    """

    rank = 2

    @keras1_arguments
    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self._setup(size, data_format)
        interpolation = str(interpolation).lower()
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"UpSampling2D: interpolation must be one of {INTERPOLATIONS}, "
                             f"got {interpolation!r}")
        self.interpolation = interpolation

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    r"""Repeat each cell of a volume ``size = (s1, s2, s3)`` times (nearest neighbour).

    Args:
        size: int or tuple of 3 ints (default ``(2, 2, 2)``).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
    """

    rank = 3

    @keras1_arguments
    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(size, data_format)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}
