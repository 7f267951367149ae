r"""BatchNormalization: normalize each channel with batch statistics (training) or moving ones.

For every channel :math:`c` (the entries of ``axis``), over the :math:`m` entries of the other
axes (batch, and rows/cols/timesteps when there are any):

.. math::
    \mu = \frac{1}{m}\sum_i x_i,\qquad \sigma^2 = \frac{1}{m}\sum_i (x_i - \mu)^2,\qquad
    \hat{x}_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}},\qquad y_i = \gamma\,\hat{x}_i + \beta

In training (``training=True``) :math:`\mu, \sigma^2` are the statistics of the batch (the biased
variance, divided by :math:`m`), and the moving statistics follow them (Keras 3)::

    moving_mean     = moving_mean     * momentum + mu      * (1 - momentum)
    moving_variance = moving_variance * momentum + sigma^2 * (1 - momentum)

At inference :math:`\mu, \sigma^2` are ``moving_mean`` and ``moving_variance``: constants, so the
layer is a per-channel affine map.

Backward in training, with :math:`g_i = \gamma\,\partial L/\partial y_i` (every :math:`x_i` moves
:math:`\mu` and :math:`\sigma^2`, hence the two correction terms):

.. math::
    \frac{\partial L}{\partial x_i} = \frac{1}{m\sqrt{\sigma^2+\epsilon}}
        \Big(m\,g_i - \sum_j g_j - \hat{x}_i \sum_j g_j \hat{x}_j\Big),\qquad
    \frac{\partial L}{\partial \gamma} = \sum_i \frac{\partial L}{\partial y_i}\hat{x}_i,\qquad
    \frac{\partial L}{\partial \beta} = \sum_i \frac{\partial L}{\partial y_i}

At inference :math:`\partial L/\partial x_i = g_i / \sqrt{\sigma^2_{moving} + \epsilon}`.
"""
from __future__ import annotations

import math

import numpy as np

from ... import backend
from ...explain import Step
from ..base import InputSpec, Layer
from ..channelwise import column_dot, column_sum, per_channel

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    r"""Batch normalization (Ioffe and Szegedy, 2015): ``gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    .. math::  y = \gamma\,\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta

    with :math:`\mu, \sigma^2` the per-channel mean and biased variance of the batch when
    ``training=True`` (the moving statistics are then updated), and the moving statistics when
    ``training=False``. Training-mode backward (the compact formula; :math:`g = \gamma\,dy`,
    sums over the :math:`m` entries of one channel)::

        dx = 1 / (m * sqrt(var + eps)) * (m * g - sum(g) - x_hat * sum(g * x_hat))
        dgamma = sum(dy * x_hat)        dbeta = sum(dy)

    Args:
        axis: int or list of ints, the channel axis (or axes) that keep their own statistics;
            the statistics are taken over every other axis. ``-1`` after a channels_last
            layer, ``1`` after a channels_first one. A list (``[1, 3]``) follows tf.keras 2:
            the weights then have the input's rank, with 1 on the reduced axes.
        momentum: of the moving averages (0.99).
        epsilon: added to the variance before the square root (0.001).
        center: add the learned offset ``beta``.  scale: multiply by the learned ``gamma``.
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer:
            ``"zeros"``, ``"ones"``, ``"zeros"``, ``"ones"``.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as Keras.
        Keras 1 names ``beta_init``, ``gamma_init`` and ``mode=0`` are accepted (``mode`` 1 and 2
        were removed in Keras 2 and are refused, as Keras 2 did).

    Weights (``get_weights`` order): ``gamma, beta`` (trainable), ``moving_mean,
    moving_variance`` (non-trainable, but counted by ``count_params`` as Keras does).

    Masks: with ``mask`` of shape ``x.shape[:-1]`` (as Keras 3), training statistics use the
    unmasked entries only (divided by ``count + 1e-7``, as Keras 3); every entry is normalized.

    Input shape:  any rank >= 2.  Output shape: the same as the input.

    >>> bn = BatchNormalization()
    >>> y = bn(np.random.randn(32, 8) * 3 + 5, training=True)    # columns ~ mean 0, std 1
    """

    supports_masking = True
    notes = (
        "Moving averages as Keras 3: moving = moving * momentum + batch * (1 - momentum), with the "
        "biased batch variance (Keras 2 stored the unbiased m/(m-1) variance).",
        "count_params includes moving_mean and moving_variance (non-trainable), as Keras' summary().",
        "With trainable=False the layer runs in inference mode even when training=True (Keras 3).",
        "axis as a list follows tf.keras 2 (Keras 3 takes an int only): weights keep the input's "
        "rank, with size 1 on the reduced axes.",
    )

    def __init__(self, axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        legacy = {k: kwargs.pop(k) for k in ("beta_init", "gamma_init", "mode") if k in kwargs}
        super().__init__(**kwargs)
        if legacy.get("mode", 0) != 0:
            raise TypeError(f"{self._label}: mode={legacy['mode']!r} (Keras 1) no longer exists: "
                            "Keras 2 removed mode=1 (sample-wise) and mode=2 (batch statistics at "
                            "inference too); mode=0 is the only behaviour")
        if "beta_init" in legacy:
            beta_initializer = legacy["beta_init"]
        if "gamma_init" in legacy:
            gamma_initializer = legacy["gamma_init"]
        self.axis = self._validate_axis(axis)
        for name, value in (("momentum", momentum), ("epsilon", epsilon)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise ValueError(f"{self._label}: {name} must be a float, got {name}={value!r}")
        if not 0 <= momentum <= 1:
            raise ValueError(f"{self._label}: momentum must be between 0 and 1, got momentum={momentum!r}")
        if epsilon <= 0:
            raise ValueError(f"{self._label}: epsilon must be positive (it keeps 1/sqrt(var + epsilon) "
                             f"finite), got epsilon={epsilon!r}")
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.set_weight_options(beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                                moving_mean_initializer=moving_mean_initializer,
                                moving_variance_initializer=moving_variance_initializer,
                                beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                                beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        self.input_spec = InputSpec(min_ndim=2, description="(batch, ..., channels)")

    def _validate_axis(self, axis):
        if isinstance(axis, (list, tuple)):
            items = list(axis)
        else:
            items = [axis]
        if not items or any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in items):
            raise ValueError(f"{self._label}: axis must be an int or a list of ints, got axis={axis!r}")
        return [int(a) for a in items] if isinstance(axis, (list, tuple)) else int(axis)

    def _axes(self, rank):
        """The channel axes as sorted positive indices for an input of ``rank``."""
        items = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in items:
            if not -rank <= a < rank:
                raise ValueError(f"{self._label}: axis={self.axis} is out of bounds for an input of "
                                 f"rank {rank}")
        axes = sorted({a % rank for a in items})
        if len(axes) != len(items):
            raise ValueError(f"{self._label}: axis={self.axis} names the same axis twice")
        if 0 in axes:
            raise ValueError(f"{self._label}: axis={self.axis} includes axis 0, the batch axis; "
                             "the statistics are taken over the batch, so it cannot be a channel axis")
        return axes

    def build(self, input_shape):
        rank = len(input_shape)
        self._channel_axes = axes = self._axes(rank)
        for a in axes:
            if input_shape[a] is None:
                raise ValueError(f"{self._label}: axis {a} of the input must have a known size (one "
                                 f"gamma per channel), got input shape {tuple(input_shape)}")
        if len(axes) == 1:
            shape = (input_shape[axes[0]],)
        else:   # tf.keras 2: the input's rank, 1 on the reduced axes
            shape = tuple(input_shape[i] if i in axes else 1 for i in range(rank))
        if self.scale:
            self.add_weight("gamma", shape, self.gamma_initializer, self.gamma_regularizer,
                            self.gamma_constraint)
        if self.center:
            self.add_weight("beta", shape, self.beta_initializer, self.beta_regularizer,
                            self.beta_constraint)
        self.add_weight("moving_mean", shape, self.moving_mean_initializer, trainable=False)
        self.add_weight("moving_variance", shape, self.moving_variance_initializer, trainable=False)
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a] for a in axes},
                                    description="(batch, ..., channels)")

    # ---------------------------------------------------------------- helpers shared by both paths
    def _rows(self, x):
        """``x`` as a (m, channels) matrix: reduced axes first, channel axes last.

        For channels_last input (the default ``axis=-1``) this is a reshape, no copy.
        """
        rank = x.ndim
        reduced = [i for i in range(rank) if i not in self._channel_axes]
        order = reduced + list(self._channel_axes)
        moved = x.transpose(order) if order != list(range(rank)) else x
        channels = math.prod(x.shape[a] for a in self._channel_axes)
        return moved.reshape(-1, channels), order, moved.shape

    @staticmethod
    def _unrows(rows, order, moved_shape):
        """Inverse of ``_rows``."""
        out = rows.reshape(moved_shape)
        return out.transpose(np.argsort(order)) if order != sorted(order) else out

    def _vector(self, name, default, dtype):
        """A weight as a flat per-channel vector (``default`` when the layer has no such weight)."""
        if name in self._weights:
            return self._weights[name].reshape(-1)
        channels = int(np.prod(self._weights["moving_mean"].shape))
        return np.full(channels, default, dtype=dtype)

    def _mask_rows(self, x, mask):
        """The Keras 3 mask (shape ``x.shape[:-1]``) broadcast over the last axis, as (m, channels) weights."""
        mask = np.asarray(mask)
        if mask.shape != x.shape[:-1]:
            raise ValueError(f"{self._label}: the mask must have the input's shape without its last "
                             f"axis, {x.shape[:-1]} (Keras 3), got mask shape {mask.shape}")
        full = np.broadcast_to(mask.astype(bool)[..., None], x.shape).astype(x.dtype)
        return self._rows(full)[0]

    def _use_batch_statistics(self, training):
        return bool(training) and self.trainable    # Keras 3: a frozen BN runs in inference mode

    def _update_moving(self, mean, var):
        shape = self._weights["moving_mean"].shape
        # In place: optimizers and callers holding the arrays see the new values.
        self._weights["moving_mean"][...] = (self._weights["moving_mean"] * self.momentum
                                             + mean.reshape(shape) * (1.0 - self.momentum))
        self._weights["moving_variance"][...] = (self._weights["moving_variance"] * self.momentum
                                                 + var.reshape(shape) * (1.0 - self.momentum))

    def _set_grads(self, dgamma, dbeta):
        if self.scale:
            self.grads["gamma"] = dgamma.reshape(self._weights["gamma"].shape)
        if self.center:
            self.grads["beta"] = dbeta.reshape(self._weights["beta"].shape)

    # ---------------------------------------------------------------- fast path
    # The trick: view the input as an (m, channels) matrix (a reshape for channels_last) and fold
    # it into long rows (channelwise.py): every per-channel statistic is one folded column sum,
    # every per-channel scale or shift one pass with long inner loops. With
    # s = gamma * inv_std, forward is y = centered * s + beta, and the compact backward formula is
    # dx = s * (dy - dbeta / m - centered * inv_std * dgamma / m), dgamma = inv_std * sum(dy * centered).
    def forward(self, x, training=False, mask=None):
        rows, order, moved_shape = self._rows(x)
        m = rows.shape[0]
        gamma = self._vector("gamma", 1.0, x.dtype)
        beta = self._vector("beta", 0.0, x.dtype)
        weights, count = None, m
        batch_stats = self._use_batch_statistics(training)
        if batch_stats:
            if mask is None:
                mean = column_sum(rows) / m
                centered = per_channel(np.subtract, rows, mean)
                var = column_dot(centered, centered) / m
            else:
                weights = self._mask_rows(x, mask)
                count = column_sum(weights) + backend.epsilon()       # Keras 3: sum(mask) + 1e-7
                mean = column_sum(weights * rows) / count
                centered = per_channel(np.subtract, rows, mean)
                var = column_sum(weights * np.square(centered)) / count
            self._update_moving(mean, var)
        else:
            mean = self._vector("moving_mean", 0.0, x.dtype)
            var = self._vector("moving_variance", 1.0, x.dtype)
            centered = per_channel(np.subtract, rows, mean)
        inv_std = 1.0 / np.sqrt(var + self.epsilon)
        y = per_channel(np.multiply, centered, gamma * inv_std)
        per_channel(np.add, y, beta, out=y)
        self.cache = dict(centered=centered, inv_std=inv_std, gamma=gamma, order=order,
                          moved_shape=moved_shape, batch_stats=batch_stats, weights=weights,
                          count=count)
        return self._unrows(y, order, moved_shape)

    def backward(self, dy):
        c = self.cache
        dy_rows = self._rows(dy)[0]
        centered, inv_std, gamma, m = c["centered"], c["inv_std"], c["gamma"], c["count"]
        scale = gamma * inv_std
        dbeta = column_sum(dy_rows)
        dgamma = column_dot(dy_rows, centered) * inv_std            # sum(dy * x_hat)
        self._set_grads(dgamma, dbeta)
        if not c["batch_stats"]:
            dx = per_channel(np.multiply, dy_rows, scale)           # constants: a per-channel scale
        elif c["weights"] is None:
            # the compact formula (sum(g) = gamma * dbeta, sum(g * x_hat) = gamma * dgamma), in place
            dx = per_channel(np.multiply, centered, -inv_std * dgamma / m)
            dx += dy_rows
            per_channel(np.subtract, dx, dbeta / m, out=dx)
            per_channel(np.multiply, dx, scale, out=dx)
        else:
            # masked statistics: the chain rule through the weighted mean and variance
            w = c["weights"]
            g = dy_rows * gamma
            dvar = column_sum(g * centered) * -0.5 * inv_std ** 3
            dcentered = g * inv_std + dvar * 2.0 * w * centered / m
            dmean = -column_sum(dcentered)
            dx = dcentered + dmean * w / m
        return self._unrows(dx, c["order"], c["moved_shape"])

    # ---------------------------------------------------------------- reference path: channel by channel
    def forward_reference(self, x, training=False, mask=None):
        rows, order, moved_shape = self._rows(x)
        weights = self._mask_rows(x, mask) if mask is not None else np.ones_like(rows)
        gamma = self._vector("gamma", 1.0, x.dtype)
        beta = self._vector("beta", 0.0, x.dtype)
        batch_stats = self._use_batch_statistics(training)
        y = np.zeros_like(rows)
        nodes = []
        means, variances = np.zeros(rows.shape[1], x.dtype), np.zeros(rows.shape[1], x.dtype)
        for k in range(rows.shape[1]):                  # every channel on its own
            col, w = rows[:, k], weights[:, k]
            if batch_stats:
                count = np.sum(w) + (backend.epsilon() if mask is not None else 0.0)
                mean = np.sum(w * col) / count                       # 1. mean
                centered = col - mean                                # 2. centered
                var = np.sum(w * centered ** 2) / count              # 3. variance (biased)
            else:
                count = None
                mean = self._vector("moving_mean", 0.0, x.dtype)[k]
                centered = col - mean
                var = self._vector("moving_variance", 1.0, x.dtype)[k]
            inv_std = 1.0 / np.sqrt(var + self.epsilon)              # 4. inverse std
            normalized = centered * inv_std                          # 5. normalized
            y[:, k] = gamma[k] * normalized + beta[k]                # 6. scale and shift
            means[k], variances[k] = mean, var
            nodes.append((w, count, centered, var, inv_std, normalized))
        if batch_stats:
            self._update_moving(means, variances)
        self.cache = dict(nodes=nodes, gamma=gamma, order=order, moved_shape=moved_shape,
                          batch_stats=batch_stats)
        return self._unrows(y, order, moved_shape)

    def backward_reference(self, dy):
        c = self.cache
        dy_rows = self._rows(dy)[0]
        dx = np.zeros_like(dy_rows)
        dgamma = np.zeros(dy_rows.shape[1], dy_rows.dtype)
        dbeta = np.zeros(dy_rows.shape[1], dy_rows.dtype)
        for k, (w, count, centered, var, inv_std, normalized) in enumerate(c["nodes"]):
            d = dy_rows[:, k]
            # 6. y = gamma * normalized + beta
            dbeta[k] = np.sum(d)
            dgamma[k] = np.sum(d * normalized)
            dnormalized = d * c["gamma"][k]
            # 5. normalized = centered * inv_std
            dcentered = dnormalized * inv_std
            dinv_std = np.sum(dnormalized * centered)
            if not c["batch_stats"]:                     # mean and var are constants
                dx[:, k] = dcentered
                continue
            # 4. inv_std = (var + eps) ** -1/2
            dvar = dinv_std * -0.5 * (var + self.epsilon) ** -1.5
            # 3. var = sum(w * centered ** 2) / count
            dcentered = dcentered + dvar * 2.0 * w * centered / count
            # 2. centered = x - mean
            dmean = -np.sum(dcentered)
            # 1. mean = sum(w * x) / count
            dx[:, k] = dcentered + dmean * w / count
        self._set_grads(dgamma, dbeta)
        return self._unrows(dx, c["order"], c["moved_shape"])

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        self._axes(len(input_shape))
        return tuple(input_shape)

    @property
    def formula(self):
        core = r"\frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}"
        y = (r"\gamma\," if self.scale else "") + core + (r" + \beta" if self.center else "")
        return (rf"y = {y},\quad (\mu, \sigma^2) = \begin{{cases}} \text{{batch mean, biased variance}}"
                rf" & \text{{training}} \\ (\text{{moving\_mean}}, \text{{moving\_variance}}) & "
                rf"\text{{inference}} \end{{cases}},\quad \epsilon = {self.epsilon:g}")

    def shape_steps(self, input_shape):
        rank = len(input_shape)
        axes = self._axes(rank)
        reduced = tuple(i for i in range(rank) if i not in axes)
        stats = tuple(input_shape[a] for a in axes)
        out = tuple(input_shape)
        return [Step(f"training: mean and biased variance over axes {reduced}, one per channel "
                     f"{stats}; inference: moving_mean and moving_variance", out),
                Step(f"normalize: (x - mean) / sqrt(var + {self.epsilon:g}), broadcast over axes "
                     f"{reduced}", out),
                Step(("gamma * x_hat" if self.scale else "x_hat") + (" + beta" if self.center else "")
                     + f" (per channel); training also updates the moving statistics with momentum "
                     f"{self.momentum:g}", out)]

    def param_formula(self, input_shape):
        rank = len(input_shape)
        sizes = [input_shape[a] for a in self._axes(rank)]
        size = "*".join(str(s) for s in sizes)
        size = f"({size})" if len(sizes) > 1 else size
        trainable = int(self.scale) + int(self.center)
        terms = ([f"{trainable}*{size}"] if trainable else []) + [f"2*{size}"]
        return " + ".join(terms)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale}
