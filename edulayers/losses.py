r"""Losses with their gradients, as Keras 3 defines them.

A loss object is called as ``loss(y_true, y_pred) -> float`` and has
``loss.gradient(y_true, y_pred) -> dL/dy_pred``, the upstream gradient that
starts ``model.backward``. The lower-case functions (``mean_squared_error``,
...) return one value per sample, as in Keras.

Reduction (Keras' default ``"sum_over_batch_size"``): the per-sample values
are averaged, so

.. math::  L = \frac{1}{N} \sum_{n=1}^{N} \ell(y^{(n)}, \hat y^{(n)}),
           \qquad \frac{\partial L}{\partial \hat y^{(n)}} = \frac{1}{N} \frac{\partial \ell}{\partial \hat y^{(n)}}

Probabilities are clipped to :math:`[\epsilon, 1 - \epsilon]` with
:math:`\epsilon = 10^{-7}` as Keras does; where the clip is active the gradient
is zero, exactly as automatic differentiation of the clipped formula gives.
"""
from __future__ import annotations

import numpy as np

from ._registry import IdentifierError, lookup
from .activations import _sigmoid
from .backend import EPSILON

__all__ = [
    "Loss", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "CosineSimilarity", "Huber", "LogCosh", "Hinge", "SquaredHinge",
    "CategoricalHinge", "KLDivergence", "Poisson", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "get",
]


def _pair(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    y_pred = y_pred.astype(np.result_type(y_pred.dtype, np.float32), copy=False)
    y_true = np.asarray(y_true, dtype=y_pred.dtype)
    # Keras squeezes or expands a trailing axis of size 1 so that (N,) and (N, 1) agree.
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true[..., None]
    elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"loss expected y_true and y_pred of the same shape, got y_true "
                         f"{y_true.shape} and y_pred {y_pred.shape}")
    return y_true, y_pred


def _mean_last(values):
    return np.mean(values, axis=-1)


def _clip_grad(x, lo, hi):
    """1 where clip(x, lo, hi) passes x through, 0 where it clips (autodiff's convention)."""
    return ((x >= lo) & (x <= hi)).astype(x.dtype)


class Loss:
    """A loss: ``loss(y_true, y_pred)`` is the batch mean, ``gradient`` its derivative w.r.t. y_pred.

    Subclasses give ``per_sample(y_true, y_pred)`` and ``per_sample_gradient(y_true, y_pred)``
    (the derivative of each per-sample value with respect to that sample's prediction).
    """
    name = "loss"
    formula = r"\ell(y, \hat y)"

    def __call__(self, y_true, y_pred) -> float:
        values = self.per_sample(*self._prepare(y_true, y_pred))
        return float(np.mean(values))

    def gradient(self, y_true, y_pred):
        y_true, y_pred = self._prepare(y_true, y_pred)
        per_sample = self.per_sample(y_true, y_pred)
        return (self.per_sample_gradient(y_true, y_pred) / max(1, per_sample.size)).astype(y_pred.dtype)

    def _prepare(self, y_true, y_pred):
        return _pair(y_true, y_pred)

    def per_sample(self, y_true, y_pred):
        raise NotImplementedError

    def per_sample_gradient(self, y_true, y_pred):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MeanSquaredError(Loss):
    r""":math:`\ell = \frac1D \sum_d (\hat y_d - y_d)^2`, gradient :math:`\frac2D (\hat y - y)`."""
    name, formula = "mean_squared_error", r"\ell = \frac{1}{D}\sum_d (\hat y_d - y_d)^2"

    def per_sample(self, y_true, y_pred):
        return _mean_last(np.square(y_pred - y_true))

    def per_sample_gradient(self, y_true, y_pred):
        return 2.0 * (y_pred - y_true) / y_pred.shape[-1]


class MeanAbsoluteError(Loss):
    r""":math:`\ell = \frac1D \sum_d |\hat y_d - y_d|`, gradient :math:`\frac1D \mathrm{sign}(\hat y - y)`."""
    name, formula = "mean_absolute_error", r"\ell = \frac{1}{D}\sum_d |\hat y_d - y_d|"

    def per_sample(self, y_true, y_pred):
        return _mean_last(np.abs(y_pred - y_true))

    def per_sample_gradient(self, y_true, y_pred):
        return np.sign(y_pred - y_true) / y_pred.shape[-1]


class MeanAbsolutePercentageError(Loss):
    r""":math:`\ell = \frac{100}{D} \sum_d |y_d - \hat y_d| / \max(|y_d|, \epsilon)`."""
    name = "mean_absolute_percentage_error"
    formula = r"\ell = \frac{100}{D}\sum_d \frac{|y_d - \hat y_d|}{\max(|y_d|, \epsilon)}"

    def per_sample(self, y_true, y_pred):
        return 100.0 * _mean_last(np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), EPSILON))

    def per_sample_gradient(self, y_true, y_pred):
        return 100.0 * np.sign(y_pred - y_true) / np.maximum(np.abs(y_true), EPSILON) / y_pred.shape[-1]


class MeanSquaredLogarithmicError(Loss):
    r""":math:`\ell = \frac1D \sum_d (\log(\max(\hat y_d, \epsilon) + 1) - \log(\max(y_d, \epsilon) + 1))^2`."""
    name = "mean_squared_logarithmic_error"
    formula = r"\ell = \frac{1}{D}\sum_d \left(\log(\hat y_d + 1) - \log(y_d + 1)\right)^2"

    def per_sample(self, y_true, y_pred):
        diff = np.log(np.maximum(y_pred, EPSILON) + 1.0) - np.log(np.maximum(y_true, EPSILON) + 1.0)
        return _mean_last(np.square(diff))

    def per_sample_gradient(self, y_true, y_pred):
        clipped = np.maximum(y_pred, EPSILON)
        diff = np.log(clipped + 1.0) - np.log(np.maximum(y_true, EPSILON) + 1.0)
        return 2.0 * diff / (clipped + 1.0) * (y_pred >= EPSILON) / y_pred.shape[-1]


class CosineSimilarity(Loss):
    r""":math:`\ell = -\frac{y \cdot \hat y}{\|y\| \|\hat y\|}` (Keras returns the negative similarity)."""
    name, formula = "cosine_similarity", r"\ell = -\frac{y \cdot \hat y}{\|y\|\,\|\hat y\|}"

    def __init__(self, axis=-1):
        self.axis = axis

    def _unit(self, v):
        norm = np.sqrt(np.maximum(np.sum(v * v, axis=self.axis, keepdims=True), 1e-12))
        return v / norm, norm

    def per_sample(self, y_true, y_pred):
        t, _ = self._unit(y_true)
        p, _ = self._unit(y_pred)
        return -np.sum(t * p, axis=self.axis)

    def per_sample_gradient(self, y_true, y_pred):
        t, _ = self._unit(y_true)
        p, norm = self._unit(y_pred)
        # d(-t.p)/dy_pred through p = y/||y||: -(t - p (p.t)) / ||y||
        return -(t - p * np.sum(p * t, axis=self.axis, keepdims=True)) / norm

    def get_config(self):
        return {"axis": self.axis}


class Huber(Loss):
    r"""Quadratic near zero, linear beyond ``delta``: :math:`\tfrac12 e^2` if :math:`|e| \le \delta`,
    else :math:`\delta |e| - \tfrac12 \delta^2`, averaged over the last axis."""
    name = "huber"
    formula = r"\ell = \frac1D\sum_d \begin{cases}\frac12 e_d^2 & |e_d|\le\delta\\ \delta|e_d| - \frac12\delta^2 & \text{else}\end{cases}"

    def __init__(self, delta=1.0):
        self.delta = float(delta)

    def per_sample(self, y_true, y_pred):
        e = y_pred - y_true
        return _mean_last(np.where(np.abs(e) <= self.delta, 0.5 * e * e,
                                   self.delta * np.abs(e) - 0.5 * self.delta ** 2))

    def per_sample_gradient(self, y_true, y_pred):
        e = y_pred - y_true
        return np.where(np.abs(e) <= self.delta, e, self.delta * np.sign(e)) / y_pred.shape[-1]

    def get_config(self):
        return {"delta": self.delta}


class LogCosh(Loss):
    r""":math:`\ell = \frac1D \sum_d \log\cosh(\hat y_d - y_d)`, gradient :math:`\frac1D \tanh(\hat y - y)`."""
    name, formula = "log_cosh", r"\ell = \frac{1}{D}\sum_d \log\cosh(\hat y_d - y_d)"

    def per_sample(self, y_true, y_pred):
        e = y_pred - y_true
        # log(cosh(e)) = e + softplus(-2e) - log 2, stable for large |e|
        return _mean_last(e + np.logaddexp(0.0, -2.0 * e) - np.log(2.0))

    def per_sample_gradient(self, y_true, y_pred):
        return np.tanh(y_pred - y_true) / y_pred.shape[-1]


def _hinge_labels(y_true):
    # Keras maps {0, 1} labels to {-1, 1}; labels already in {-1, 1} are kept
    return np.where(y_true == 0, -1.0, y_true).astype(y_true.dtype) if np.all(
        np.isin(y_true, (0, 1))) else y_true


class Hinge(Loss):
    r""":math:`\ell = \frac1D \sum_d \max(0, 1 - y_d \hat y_d)` with labels in {-1, 1} (0 becomes -1)."""
    name, formula = "hinge", r"\ell = \frac{1}{D}\sum_d \max(0, 1 - y_d \hat y_d)"

    def per_sample(self, y_true, y_pred):
        return _mean_last(np.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0))

    def per_sample_gradient(self, y_true, y_pred):
        t = _hinge_labels(y_true)
        return -t * (1.0 - t * y_pred > 0) / y_pred.shape[-1]


class SquaredHinge(Loss):
    r""":math:`\ell = \frac1D \sum_d \max(0, 1 - y_d \hat y_d)^2`."""
    name, formula = "squared_hinge", r"\ell = \frac{1}{D}\sum_d \max(0, 1 - y_d \hat y_d)^2"

    def per_sample(self, y_true, y_pred):
        return _mean_last(np.square(np.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)))

    def per_sample_gradient(self, y_true, y_pred):
        t = _hinge_labels(y_true)
        return -2.0 * t * np.maximum(1.0 - t * y_pred, 0.0) / y_pred.shape[-1]


class CategoricalHinge(Loss):
    r""":math:`\ell = \max(0, 1 + \max_d (1 - y_d)\hat y_d - \sum_d y_d \hat y_d)`."""
    name = "categorical_hinge"
    formula = r"\ell = \max\left(0,\ 1 + \max_d (1 - y_d)\hat y_d - \sum_d y_d \hat y_d\right)"

    def per_sample(self, y_true, y_pred):
        pos = np.sum(y_true * y_pred, axis=-1)
        neg = np.max((1.0 - y_true) * y_pred, axis=-1)
        return np.maximum(neg - pos + 1.0, 0.0)

    def per_sample_gradient(self, y_true, y_pred):
        neg_terms = (1.0 - y_true) * y_pred
        arg = np.argmax(neg_terms, axis=-1)          # the first maximum gets the gradient
        dneg = np.zeros_like(y_pred)
        np.put_along_axis(dneg, arg[..., None], 1.0, axis=-1)
        dneg *= 1.0 - y_true
        active = (self.per_sample(y_true, y_pred) > 0)[..., None]
        return (dneg - y_true) * active


class KLDivergence(Loss):
    r""":math:`\ell = \sum_d y_d \log(y_d / \hat y_d)`, both clipped to :math:`[\epsilon, 1]`."""
    name, formula = "kl_divergence", r"\ell = \sum_d y_d \log\frac{y_d}{\hat y_d}"

    def per_sample(self, y_true, y_pred):
        t, p = np.clip(y_true, EPSILON, 1.0), np.clip(y_pred, EPSILON, 1.0)
        return np.sum(t * np.log(t / p), axis=-1)

    def per_sample_gradient(self, y_true, y_pred):
        t, p = np.clip(y_true, EPSILON, 1.0), np.clip(y_pred, EPSILON, 1.0)
        return -t / p * _clip_grad(y_pred, EPSILON, 1.0)


class Poisson(Loss):
    r""":math:`\ell = \frac1D \sum_d \hat y_d - y_d \log(\hat y_d + \epsilon)`."""
    name, formula = "poisson", r"\ell = \frac{1}{D}\sum_d \hat y_d - y_d \log(\hat y_d + \epsilon)"

    def per_sample(self, y_true, y_pred):
        return _mean_last(y_pred - y_true * np.log(y_pred + EPSILON))

    def per_sample_gradient(self, y_true, y_pred):
        return (1.0 - y_true / (y_pred + EPSILON)) / y_pred.shape[-1]


class BinaryCrossentropy(Loss):
    r""":math:`\ell = -\frac1D \sum_d y_d \log p_d + (1 - y_d) \log(1 - p_d)`.

    ``from_logits=True``: :math:`p = \sigma(\hat y)` and the gradient simplifies to
    :math:`(\sigma(\hat y) - y)/D`. Otherwise :math:`p = \mathrm{clip}(\hat y, \epsilon, 1 - \epsilon)`.
    ``label_smoothing`` moves labels toward 1/2: :math:`y (1 - s) + s/2`.
    """
    name = "binary_crossentropy"
    formula = r"\ell = -\frac{1}{D}\sum_d y_d \log p_d + (1 - y_d)\log(1 - p_d)"

    def __init__(self, from_logits=False, label_smoothing=0.0):
        self.from_logits, self.label_smoothing = bool(from_logits), float(label_smoothing)

    def _prepare(self, y_true, y_pred):
        y_true, y_pred = _pair(y_true, y_pred)
        if self.label_smoothing:
            y_true = y_true * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        return y_true, y_pred

    def per_sample(self, y_true, y_pred):
        if self.from_logits:
            # -[y log s(z) + (1-y) log(1-s(z))] = max(z,0) - z y + log(1 + e^{-|z|})
            z = y_pred
            return _mean_last(np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z))))
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return _mean_last(-(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p)))

    def per_sample_gradient(self, y_true, y_pred):
        d = y_pred.shape[-1]
        if self.from_logits:
            return (_sigmoid(y_pred) - y_true) / d
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return (-(y_true / p) + (1.0 - y_true) / (1.0 - p)) * _clip_grad(y_pred, EPSILON, 1 - EPSILON) / d

    def get_config(self):
        return {"from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(Loss):
    r""":math:`\ell = -\sum_k y_k \log p_k` over the class axis.

    ``from_logits=True``: :math:`\log p = \mathrm{log\_softmax}(\hat y)`, gradient :math:`\mathrm{softmax}(\hat y) - y`
    (for labels summing to 1). Otherwise Keras first renormalizes :math:`\hat y / \sum \hat y` and clips
    to :math:`[\epsilon, 1 - \epsilon]`. ``label_smoothing``: :math:`y (1 - s) + s / K`.
    """
    name, formula = "categorical_crossentropy", r"\ell = -\sum_k y_k \log p_k"

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1):
        self.from_logits, self.label_smoothing, self.axis = bool(from_logits), float(label_smoothing), axis

    def _prepare(self, y_true, y_pred):
        y_true, y_pred = _pair(y_true, y_pred)
        if self.label_smoothing:
            k = y_pred.shape[self.axis]
            y_true = y_true * (1.0 - self.label_smoothing) + self.label_smoothing / k
        return y_true, y_pred

    def _log_prob(self, y_pred):
        if self.from_logits:
            shifted = y_pred - np.max(y_pred, axis=self.axis, keepdims=True)
            return shifted - np.log(np.sum(np.exp(shifted), axis=self.axis, keepdims=True))
        total = np.sum(y_pred, axis=self.axis, keepdims=True)
        return np.log(np.clip(y_pred / total, EPSILON, 1.0 - EPSILON))

    def per_sample(self, y_true, y_pred):
        return -np.sum(y_true * self._log_prob(y_pred), axis=self.axis)

    def per_sample_gradient(self, y_true, y_pred):
        ax = self.axis
        if self.from_logits:
            p = np.exp(self._log_prob(y_pred))
            return p * np.sum(y_true, axis=ax, keepdims=True) - y_true
        total = np.sum(y_pred, axis=ax, keepdims=True)
        q = y_pred / total
        dq = -y_true / np.clip(q, EPSILON, 1.0 - EPSILON) * _clip_grad(q, EPSILON, 1.0 - EPSILON)
        # through q = y / sum(y): dq_j/dy_i = (delta_ij - q_j) / total
        return (dq - np.sum(dq * q, axis=ax, keepdims=True)) / total

    def get_config(self):
        return {"from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis}


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    r"""Categorical crossentropy with integer labels: :math:`\ell = -\log p_{y}`."""
    name, formula = "sparse_categorical_crossentropy", r"\ell = -\log p_{y}"

    def __init__(self, from_logits=False, axis=-1):
        super().__init__(from_logits=from_logits, axis=axis)

    def _prepare(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        y_pred = y_pred.astype(np.result_type(y_pred.dtype, np.float32), copy=False)
        labels = np.asarray(y_true)
        if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
            labels = labels[..., 0]
        k = y_pred.shape[-1]
        if labels.shape != y_pred.shape[:-1]:
            raise ValueError(f"sparse_categorical_crossentropy expected integer labels of shape "
                             f"{y_pred.shape[:-1]}, got {labels.shape}")
        if labels.size and (labels.min() < 0 or labels.max() >= k):
            raise ValueError(f"sparse_categorical_crossentropy: labels must be in [0, {k}), "
                             f"got values from {labels.min()} to {labels.max()}")
        return np.eye(k, dtype=y_pred.dtype)[labels.astype(int)], y_pred

    def get_config(self):
        return {"from_logits": self.from_logits, "axis": self.axis}


ALIASES = {cls.name: cls for cls in (
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    CosineSimilarity, Huber, LogCosh, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy)}
ALIASES.update({"mse": MeanSquaredError, "mae": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
                "msle": MeanSquaredLogarithmicError, "kld": KLDivergence, "logcosh": LogCosh,
                "huber_loss": Huber, "kullback_leibler_divergence": KLDivergence})
ALIASES.update({cls.__name__: cls for cls in set(ALIASES.values())})


def _per_sample_function(cls):
    def fn(y_true, y_pred, **config):
        loss = cls(**config)
        return loss.per_sample(*loss._prepare(y_true, y_pred))
    fn.__name__ = cls.name
    fn.__doc__ = f"Per-sample {cls.name} (one value per sample, as keras.losses.{cls.name})."
    return fn


mean_squared_error = mse = _per_sample_function(MeanSquaredError)
mean_absolute_error = mae = _per_sample_function(MeanAbsoluteError)
mean_absolute_percentage_error = mape = _per_sample_function(MeanAbsolutePercentageError)
mean_squared_logarithmic_error = msle = _per_sample_function(MeanSquaredLogarithmicError)
cosine_similarity = _per_sample_function(CosineSimilarity)
huber = _per_sample_function(Huber)
log_cosh = logcosh = _per_sample_function(LogCosh)
hinge = _per_sample_function(Hinge)
squared_hinge = _per_sample_function(SquaredHinge)
categorical_hinge = _per_sample_function(CategoricalHinge)
kl_divergence = kld = _per_sample_function(KLDivergence)
poisson = _per_sample_function(Poisson)
binary_crossentropy = _per_sample_function(BinaryCrossentropy)
categorical_crossentropy = _per_sample_function(CategoricalCrossentropy)
sparse_categorical_crossentropy = _per_sample_function(SparseCategoricalCrossentropy)


def get(identifier) -> Loss:
    """A loss object from a Keras name (``"mse"``, ``"categorical_crossentropy"``) or an instance."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        return lookup(identifier, ALIASES, "loss")()
    raise IdentifierError("loss", identifier, detail=" (give a name or a Loss object; a plain "
                                                     "function has no gradient)")
