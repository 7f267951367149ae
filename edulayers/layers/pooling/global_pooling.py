r"""Global pooling: one number per channel, the max or the mean over every spatial position.

``GlobalMaxPooling1D/2D/3D`` and ``GlobalAveragePooling1D/2D/3D`` reduce all spatial axes at once
(a pooling window as large as the input). With :math:`S` the set of spatial positions:

.. math::  y_c = \max_{u \in S} x_{uc} \qquad\text{or}\qquad y_c = \frac{1}{|S|} \sum_{u \in S} x_{uc}

Backward: the mean spreads :math:`\partial L/\partial y_c / |S|` over every position; the max sends
:math:`\partial L/\partial y_c` to its arg-max, and on a tie to the *first* maximum in row-major
order of the positions (``np.argmax``; TensorFlow's and PyTorch's rule too). A channel holding a
NaN has the max NaN on both paths (as ``np.max`` and TensorFlow's ``reduce_max``), and its first
NaN gets the gradient; TensorFlow's and JAX's ``reduce_max`` gradients are NaN at every position
of such a channel instead (they divide by the number of entries equal to the max: none).

``GlobalAveragePooling1D`` accepts a ``mask`` of shape ``(batch, steps)`` as Keras does: masked
steps are left out of the mean, :math:`y_c = \sum_t m_t x_{tc} / \sum_t m_t` (a sample whose
steps are all masked gives ``nan``, as in Keras). The mask is consumed (not passed on).

``keepdims=True`` keeps the spatial axes with length 1 (Keras 2.6+ / Keras 3).
"""
from __future__ import annotations

import numpy as np

from ...explain import Step
from ...utils.conv_utils import (axes_description, from_channels_last, normalize_data_format,
                                 to_channels_last)
from .._legacy import keras1_arguments
from ..base import InputSpec, Layer

__all__ = ["GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
           "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D"]


class _GlobalPooling(Layer):
    """Shared machinery of the six global pooling layers; subclasses set ``rank`` and ``mode``."""

    rank = 2
    mode = "max"          # or "average"
    notes = ("0 parameters: the whole spatial extent is one window.",)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.data_format = normalize_data_format(data_format, owner)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    description=axes_description(self.rank, self.data_format))

    # ---------------------------------------------------------------- fast path: one reduction
    def forward(self, x, training=False, mask=None):
        x = to_channels_last(x, self.data_format)
        self._check_not_empty(x.shape)
        # All spatial axes folded into one, (batch, positions, C): one argmax/mean over axis 1.
        flat = x.reshape(x.shape[0], -1, x.shape[-1])
        if self.mode == "max":
            first = flat.argmax(axis=1)                                 # first maximum per channel
            y = np.take_along_axis(flat, first[:, None, :], axis=1)[:, 0]
            self.cache = (x.shape, first)
        else:
            y = flat.mean(axis=1)
            self.cache = (x.shape, None)
        return self._shape_output(y)

    def backward(self, dy):
        shape, first = self.cache
        dy = dy.reshape(shape[0], shape[-1])                            # drop keepdims' 1s
        batch, channels = shape[0], shape[-1]
        positions = int(np.prod(shape[1:-1]))
        if self.mode == "max":
            dflat = np.zeros((batch, positions, channels), dtype=dy.dtype)
            np.put_along_axis(dflat, first[:, None, :], dy[:, None, :], axis=1)
        else:
            dflat = np.broadcast_to(dy[:, None, :] / positions, (batch, positions, channels))
        return np.ascontiguousarray(from_channels_last(dflat.reshape(shape), self.data_format))

    # ---------------------------------------------------------------- reference path: every position
    def forward_reference(self, x, training=False, mask=None):
        x = to_channels_last(x, self.data_format)
        self._check_not_empty(x.shape)
        spatial = x.shape[1:-1]
        best = np.full((x.shape[0], x.shape[-1]), -np.inf, dtype=x.dtype)
        where = np.zeros(best.shape, dtype=int)                       # index of the current best
        total = np.zeros(best.shape, dtype=x.dtype)
        for k, position in enumerate(np.ndindex(*spatial)):             # row-major order
            value = x[(slice(None),) + position]                        # (batch, C)
            # strict: the first max stays; a NaN beats everything (the max is NaN, as np.max and
            # TensorFlow's reduce_max), and the first NaN stays (np.argmax's rule on the fast path)
            better = (value > best) | (np.isnan(value) & ~np.isnan(best))
            best = np.where(better, value, best)
            where = np.where(better, k, where)
            total += value
        y = best if self.mode == "max" else total / int(np.prod(spatial))
        self.cache = (x.shape, where)
        return self._shape_output(y)

    def backward_reference(self, dy):
        shape, where = self.cache
        dy = dy.reshape(shape[0], shape[-1])
        spatial = shape[1:-1]
        dx = np.zeros(shape, dtype=dy.dtype)
        for k, position in enumerate(np.ndindex(*spatial)):
            index = (slice(None),) + position
            if self.mode == "max":
                dx[index] = np.where(where == k, dy, 0)                 # only the arg-max position
            else:
                dx[index] = dy / int(np.prod(spatial))
        return from_channels_last(dx, self.data_format)

    # ---------------------------------------------------------------- helpers
    def _check_not_empty(self, shape):
        if 0 in shape[1:-1]:
            raise ValueError(f"{self._label}: cannot pool over an empty spatial extent, got input "
                             f"with spatial shape {tuple(shape[1:-1])}")

    def _shape_output(self, y):
        """``(batch, C)``, or with ``keepdims`` ``(batch, 1.., C)`` / ``(batch, C, 1..)``."""
        if not self.keepdims:
            return y
        ones = (1,) * self.rank
        if self.data_format == "channels_last":
            return y.reshape(y.shape[0], *ones, y.shape[-1])
        return y.reshape(y.shape[0], y.shape[-1], *ones)

    # ---------------------------------------------------------------- shapes, explain, config
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        channels = input_shape[-1] if self.data_format == "channels_last" else input_shape[1]
        if not self.keepdims:
            return (input_shape[0], channels)
        ones = (1,) * self.rank
        if self.data_format == "channels_last":
            return (input_shape[0], *ones, channels)
        return (input_shape[0], channels, *ones)

    @property
    def formula(self):
        if self.mode == "max":
            return r"y_c = \max_{u \in S} x_{uc}"
        return r"y_c = \frac{1}{|S|} \sum_{u \in S} x_{uc}"

    def shape_steps(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        count = "*".join(str(s) for s in spatial)
        what = "max" if self.mode == "max" else "mean"
        known = all(s is not None for s in spatial)
        size = f"{count} = {int(np.prod(spatial))}" if known and len(spatial) > 1 else count
        keep = ", spatial axes kept with length 1" if self.keepdims else ""
        return [Step(f"{what} over the {size} positions of each channel{keep}",
                     self.compute_output_shape(input_shape))]

    def param_formula(self, input_shape):
        return "0"

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalMaxPooling1D(_GlobalPooling):
    r"""Global max pooling over the steps of temporal data: :math:`y_c = \max_t x_{tc}`.

    Args:
        data_format: ``"channels_last"`` (default, ``(batch, steps, features)``) or
            ``"channels_first"`` (``(batch, features, steps)``).
        keepdims: keep the steps axis with length 1.

    Output shape: ``(batch, features)`` (``keepdims``: ``(batch, 1, features)``).

    >>> GlobalMaxPooling1D().explain((None, 10, 4)).output_shape
    (None, 4)
    """
    rank, mode = 1, "max"

    @keras1_arguments
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalMaxPooling2D(_GlobalPooling):
    r"""Global max pooling over rows and columns: :math:`y_c = \max_{i,j} x_{ijc}`.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep the spatial axes with length 1.

    Input shape: ``(batch, rows, cols, channels)``. Output shape: ``(batch, channels)``.

    >>> GlobalMaxPooling2D().explain((None, 7, 7, 64)).output_shape
    (None, 64)
    """
    rank, mode = 2, "max"

    @keras1_arguments
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalMaxPooling3D(_GlobalPooling):
    r"""Global max pooling over a volume: :math:`y_c = \max_{i,j,k} x_{ijkc}`.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep the spatial axes with length 1.

    Input shape: ``(batch, dim1, dim2, dim3, channels)``. Output shape: ``(batch, channels)``.
    """
    rank, mode = 3, "max"

    @keras1_arguments
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling1D(_GlobalPooling):
    r"""Global average pooling over the steps, optionally masked.

    .. math::  y_c = \frac{\sum_t m_t x_{tc}}{\sum_t m_t} \qquad (m_t = 1 \text{ without a mask})

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep the steps axis with length 1.

    Call arguments:
        mask: optional ``(batch, steps)`` array, true/1 for steps to average (Keras' masking:
            an ``Embedding(mask_zero=True)`` or ``Masking`` layer upstream produces it).

    Output shape: ``(batch, features)``.

    >>> layer = GlobalAveragePooling1D()
    >>> layer(np.ones((1, 3, 2)), mask=np.array([[1, 1, 0]])).tolist()
    [[1.0, 1.0]]
    """
    rank, mode = 1, "average"
    supports_masking = True      # it consumes the mask: compute_mask returns None

    @keras1_arguments
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)

    def forward(self, x, training=False, mask=None):
        if mask is None:
            return _GlobalPooling.forward.__wrapped__(self, x, training)
        x, weights = self._masked(x, mask)
        counts = weights.sum(axis=1)                                   # (batch, 1)
        with np.errstate(invalid="ignore", divide="ignore"):           # all masked -> nan, as Keras
            y = np.where(weights > 0, x, 0).sum(axis=1) / counts
            scale = weights / counts[:, None]                          # d y / d x
        self.cache = (x.shape, None, scale)       # a masked call: three entries
        return self._shape_output(y)

    def backward(self, dy):
        if len(self.cache) == 2:                # no mask: the plain average's backward
            return _GlobalPooling.backward.__wrapped__(self, dy)
        shape, _, scale = self.cache
        dy = dy.reshape(shape[0], shape[-1])
        dx = scale * dy[:, None, :]                                    # d y_c / d x_tc = m_t / sum m
        return np.ascontiguousarray(from_channels_last(dx, self.data_format))

    def forward_reference(self, x, training=False, mask=None):
        if mask is None:
            return _GlobalPooling.forward_reference(self, x, training)
        x, weights = self._masked(x, mask)
        y = np.zeros((x.shape[0], x.shape[-1]), dtype=x.dtype)
        count = np.zeros((x.shape[0], 1), dtype=x.dtype)
        for t in range(x.shape[1]):                                     # every step
            keep = weights[:, t] > 0                                    # (batch, 1)
            y += np.where(keep, x[:, t], 0)
            count += weights[:, t]
        with np.errstate(invalid="ignore", divide="ignore"):
            y = y / count
            scale = weights / count[:, None]
        self.cache = (x.shape, None, scale)
        return self._shape_output(y)

    def backward_reference(self, dy):
        if len(self.cache) == 2:                # no mask: the plain average's backward
            return _GlobalPooling.backward_reference(self, dy)
        shape, _, scale = self.cache
        dy = dy.reshape(shape[0], shape[-1])
        dx = np.zeros(shape, dtype=dy.dtype)
        for t in range(shape[1]):
            dx[:, t] = scale[:, t] * dy
        return from_channels_last(dx, self.data_format)

    def _masked(self, x, mask):
        x = to_channels_last(x, self.data_format)
        mask = np.asarray(mask)
        if mask.shape != x.shape[:2]:
            raise ValueError(f"{self._label} expected a mask of shape (batch, steps) = "
                             f"{x.shape[:2]}, got shape {mask.shape}")
        self._check_not_empty(x.shape)
        weights = mask.astype(bool).astype(x.dtype)[:, :, None]        # (batch, steps, 1)
        return x, weights

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    r"""Global average pooling over rows and columns: :math:`y_c = \frac{1}{HW}\sum_{i,j} x_{ijc}`.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep the spatial axes with length 1.

    Input shape: ``(batch, rows, cols, channels)``. Output shape: ``(batch, channels)``.

    >>> GlobalAveragePooling2D().explain((None, 7, 7, 64)).param_count
    0
    """
    rank, mode = 2, "average"

    @keras1_arguments
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling3D(_GlobalPooling):
    r"""Global average pooling over a volume: :math:`y_c = \frac{1}{|S|}\sum_{i,j,k} x_{ijkc}`.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep the spatial axes with length 1.

    Input shape: ``(batch, dim1, dim2, dim3, channels)``. Output shape: ``(batch, channels)``.
    """
    rank, mode = 3, "average"

    @keras1_arguments
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


# Keras' short aliases.
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
