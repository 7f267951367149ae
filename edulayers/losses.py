r"""Losses with their gradients, as Keras 3 defines them.

A loss object is called as ``loss(y_true, y_pred) -> float`` and has
``loss.gradient(y_true, y_pred) -> dL/dy_pred``, the upstream gradient that
starts ``model.backward``. The lower-case functions (``mean_squared_error``,
...) return one value per sample, as in Keras.

Reduction (Keras' default ``"sum_over_batch_size"``): the per-sample values
are averaged, so

.. math::  L = \frac{1}{N} \sum_{n=1}^{N} \ell(y^{(n)}, \hat y^{(n)}),
           \qquad \frac{\partial L}{\partial \hat y^{(n)}} = \frac{1}{N} \frac{\partial \ell}{\partial \hat y^{(n)}}

With sample weights :math:`w_n` (``fit(sample_weight=...)``, ``class_weight``) the reduction is
still Keras 3's ``"sum_over_batch_size"``: :math:`L = \frac{1}{N} \sum_n w_n \ell_n` (divided by
the number of values, not by :math:`\sum_n w_n`), and each sample's gradient is scaled by its
:math:`w_n / N`.

``el.losses.get("mse")`` returns the per-sample *function*, as ``keras.losses.get`` does
(``get("MeanSquaredError")`` an object); ``compile`` accepts either, and any function
``my_loss(y_true, y_pred)`` that returns one value per sample (``LossFunctionWrapper``: a user's
function has no derivative, so ``fit`` needs one given with ``gradient=``; ``evaluate`` does not).

Probabilities are clipped to :math:`[\epsilon, 1 - \epsilon]` with
:math:`\epsilon = 10^{-7}` as Keras does; where the clip is active the gradient
is zero, exactly as automatic differentiation of the clipped formula gives.

This module is longer than most because every Keras 3 loss comes with its derivative, its reduction
and sample weighting, and its lower-case function form, so the gradient that starts backward is
written beside the formula it differentiates.
"""
from __future__ import annotations

import functools

import numpy as np

from ._registry import IdentifierError, lookup
from .activations import _sigmoid
from .backend import EPSILON

__all__ = [
    "Loss", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "CosineSimilarity", "Huber", "LogCosh", "Hinge", "SquaredHinge",
    "CategoricalHinge", "KLDivergence", "Poisson", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "LossFunctionWrapper", "get", "to_loss", "REDUCTIONS",
]

#: Keras 3's reductions that edulayers computes (Keras' default is the first)
REDUCTIONS = ("sum_over_batch_size", "sum")


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

    Every call takes Keras 3's ``sample_weight``: one weight per sample (shape ``(N,)`` or
    ``(N, 1)``), or one per value of ``per_sample`` (a sequence's ``(N, T)``). The weighted values
    are reduced as Keras' ``"sum_over_batch_size"``: :math:`\\sum_n w_n \\ell_n / N`, where N is the
    number of values (``reduction="sum"``, for ``LossFunctionWrapper``, leaves out the division).
    """
    name = "loss"
    formula = r"\ell(y, \hat y)"
    reduction = "sum_over_batch_size"

    def __call__(self, y_true, y_pred, sample_weight=None) -> float:
        values = np.asarray(self.per_sample(*self._prepare(y_true, y_pred)))
        if sample_weight is None and self.reduction == "sum_over_batch_size":
            return float(np.mean(values))
        return _reduce_weighted(values, sample_weight, self.reduction)[0]

    def gradient(self, y_true, y_pred, sample_weight=None):
        """:math:`\\partial L / \\partial \\hat y`: the upstream gradient that starts ``backward``."""
        return self.value_and_gradient(y_true, y_pred, sample_weight)[1]

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        """``(L, dL/dy_pred)`` from one evaluation of the per-sample values (what a training step
        uses: ``__call__`` and ``gradient`` would each compute them)."""
        y_true, y_pred = self._prepare(y_true, y_pred)
        values = np.asarray(self.per_sample(y_true, y_pred))
        per_sample_gradient = self.per_sample_gradient(y_true, y_pred)
        if sample_weight is None and self.reduction == "sum_over_batch_size":
            grad = per_sample_gradient / max(1, values.size)
            return float(np.mean(values)), grad.astype(y_pred.dtype)
        value, dvalues = _reduce_weighted(values, sample_weight, self.reduction)
        scale = _towards_predictions(dvalues, values, y_pred, self._value_axis())
        return value, (per_sample_gradient * scale).astype(y_pred.dtype)

    @property
    def has_gradient(self) -> bool:
        """Whether ``gradient`` can be computed (``fit`` needs it; ``evaluate`` does not)."""
        return type(self).per_sample_gradient is not Loss.per_sample_gradient

    def _value_axis(self) -> int:
        """The axis of ``y_pred`` that ``per_sample`` reduces (the class axis of a crossentropy)."""
        return getattr(self, "axis", -1)

    def _prepare(self, y_true, y_pred):
        return _pair(y_true, y_pred)

    def per_sample(self, y_true, y_pred):
        raise NotImplementedError

    def per_sample_gradient(self, y_true, y_pred):
        raise NotImplementedError(
            f"{type(self).__name__} has no per_sample_gradient, so fit cannot start backward: "
            "define per_sample_gradient(self, y_true, y_pred) returning d per_sample / d y_pred "
            "(the shape of y_pred)")

    def get_config(self) -> dict:
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _same_rank(values, weights):
    """Keras 3's ``squeeze_or_expand_to_same_rank``: a trailing axis of size 1 added or removed
    where the two ranks differ by one."""
    if values.ndim == weights.ndim + 1 and values.shape[-1] == 1:
        if weights.ndim == 1:
            weights = weights[..., None]
        else:
            values = values[..., 0]
    elif weights.ndim == values.ndim + 1 and weights.shape[-1] == 1:
        if values.ndim == 1:
            values = values[..., None]
        else:
            weights = weights[..., 0]
    return values, weights


def _reduce_weighted(values, sample_weight, reduction):
    """``(L, dL/dvalues)`` for Keras 3's ``reduce_weighted_values``: the values times the sample
    weights, summed, and divided by their number for ``"sum_over_batch_size"``.

    Weights with fewer axes than the values weight whole samples (a ``(N,)`` weight on the
    ``(N, T)`` values of a sequence output); Keras broadcasts from the last axis there, which
    agrees whenever it does not fail."""
    values = np.asarray(values)
    dtype = np.result_type(values.dtype, np.float32)
    weights = np.ones((), dtype) if sample_weight is None else np.asarray(sample_weight, dtype=dtype)
    v, w = _same_rank(values.astype(dtype, copy=False), weights)
    if 0 < w.ndim < v.ndim:
        w = w.reshape(w.shape + (1,) * (v.ndim - w.ndim))
    try:
        weighted = v * w
    except ValueError:
        raise ValueError(f"loss: sample_weight of shape {weights.shape} does not fit the loss "
                         f"values of shape {values.shape} (give one weight per sample)") from None
    if weighted.ndim == 0 or weighted.size == 0:       # Keras returns such values unreduced
        return float(np.sum(weighted)), np.broadcast_to(w, values.shape).astype(dtype)
    n = weighted.size if reduction == "sum_over_batch_size" else 1
    dweighted = np.broadcast_to(w, weighted.shape) / n
    if weighted.shape != v.shape:
        if v.ndim != 0:
            raise ValueError(f"loss: sample_weight of shape {weights.shape} does not fit the loss "
                             f"values of shape {values.shape} (give one weight per sample)")
        dweighted = np.sum(dweighted)                  # one value for the batch, weighted N times
    return float(np.sum(weighted) / n), np.reshape(dweighted, values.shape)


def _towards_predictions(dvalues, values, y_pred, axis):
    """``dL/dvalues`` shaped to multiply ``per_sample_gradient`` (the shape of ``y_pred``): the
    reduced axis put back where ``per_sample`` took it away."""
    if values.ndim == y_pred.ndim - 1:
        return np.expand_dims(dvalues, axis % y_pred.ndim)
    if values.ndim in (0, y_pred.ndim):
        return dvalues
    raise ValueError(f"loss: per_sample gave values of shape {values.shape} for predictions of "
                     f"shape {y_pred.shape}; one value per sample (or per entry) is needed")


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

    def gradient(y_true, y_pred, sample_weight=None, **config):
        return cls(**config).gradient(y_true, y_pred, sample_weight)
    fn.__name__ = fn.__qualname__ = cls.name
    fn.__doc__ = (f"Per-sample {cls.name} (one value per sample, as keras.losses.{cls.name}); "
                  f"the same loss as ``{cls.__name__}``, which ``compile(loss={cls.name})`` "
                  f"trains with.\n\n``{cls.name}.gradient(y_true, y_pred)`` is the gradient of "
                  "the batch mean of these values (the upstream gradient that starts backward).")
    fn.loss_class = cls            # compile(loss=this function) trains with cls(**config)
    fn.gradient = gradient
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

#: each loss's per-sample function under its Keras names (``get("mse")`` returns one, as Keras 3)
FUNCTIONS = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh, hinge, squared_hinge,
    categorical_hinge, kl_divergence, poisson, binary_crossentropy, categorical_crossentropy,
    sparse_categorical_crossentropy)}
FUNCTIONS.update({"mse": mse, "mae": mae, "mape": mape, "msle": msle, "kld": kld, "bce": binary_crossentropy,
                  "logcosh": logcosh, "huber_loss": huber, "kullback_leibler_divergence": kld})
FUNCTIONS.update({name.upper(): FUNCTIONS[name] for name in ("mse", "mae", "mape", "msle", "kld", "bce")})


class LossFunctionWrapper(Loss):
    """A loss made of a function ``fn(y_true, y_pred)`` that returns one value per sample, as
    Keras 3's ``keras.losses.LossFunctionWrapper``; ``compile(loss=my_loss)`` wraps a function in it.

    Args:
        fn: the per-sample function, e.g. ``def my_loss(y_true, y_pred): return
            np.mean((y_pred - y_true) ** 2, axis=-1)``.
        reduction: ``"sum_over_batch_size"`` (Keras' default: the weighted values summed and
            divided by their number) or ``"sum"``.
        name: the loss's name (default: the function's).
        gradient: ``gradient(y_true, y_pred)``, the derivative of each of ``fn``'s values with
            respect to that sample's prediction (an array of y_pred's shape), what a ``Loss``
            subclass's ``per_sample_gradient`` gives. edulayers differentiates by hand, not
            automatically: without it the loss evaluates (``evaluate``, ``test_on_batch``,
            metrics) but ``fit`` refuses to start, before anything changes, and says so.
        **kwargs: passed on to ``fn`` (and ``gradient``), as Keras does.

    ``y_true`` reaches ``fn`` as Keras gives it: cast to y_pred's float dtype, with a trailing
    axis of size 1 added or removed where the ranks differ by one.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, gradient=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper needs a function fn(y_true, y_pred), got "
                            f"{type(fn).__name__}")
        if reduction not in REDUCTIONS:
            raise ValueError(f"LossFunctionWrapper: reduction must be one of {REDUCTIONS}, got "
                             f"{reduction!r}")
        if gradient is not None and not callable(gradient):
            raise TypeError(f"LossFunctionWrapper: gradient must be a function gradient(y_true, "
                            f"y_pred), got {type(gradient).__name__}")
        self.fn, self.reduction, self.fn_gradient = fn, reduction, gradient
        self.name = name or getattr(fn, "__name__", type(fn).__name__)
        self.kwargs = kwargs

    def _prepare(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        y_pred = y_pred.astype(np.result_type(y_pred.dtype, np.float32), copy=False)
        y_true = np.asarray(y_true, dtype=y_pred.dtype)
        return _same_rank(y_true, y_pred)

    def per_sample(self, y_true, y_pred):
        return np.asarray(self.fn(y_true, y_pred, **self.kwargs))

    def per_sample_gradient(self, y_true, y_pred):
        if self.fn_gradient is None:
            raise NotImplementedError(self.missing_gradient())
        return np.asarray(self.fn_gradient(y_true, y_pred, **self.kwargs), dtype=y_pred.dtype)

    @property
    def has_gradient(self) -> bool:
        return self.fn_gradient is not None

    def missing_gradient(self) -> str:
        """What ``fit`` says about a function without a derivative, and how to give one."""
        return (f"the loss {self.name!r} is a function with no derivative, and edulayers "
                f"differentiates by hand: give d{self.name}/dy_pred per sample (an array of "
                f"y_pred's shape), as compile(loss=el.losses.LossFunctionWrapper({self.name}, "
                f"gradient={self.name}_gradient)), or subclass el.losses.Loss with per_sample and "
                "per_sample_gradient (evaluate and test_on_batch need neither)")

    def get_config(self) -> dict:
        return {"fn": getattr(self.fn, "__name__", repr(self.fn)), "reduction": self.reduction,
                "name": self.name, **self.kwargs}


def _builtin_loss(fn):
    """The ``Loss`` object behind one of this module's per-sample functions (or a
    ``functools.partial`` of one with keyword arguments), else ``None``."""
    config = {}
    if isinstance(fn, functools.partial) and not fn.args:
        fn, config = fn.func, dict(fn.keywords)
    if fn in FUNCTIONS.values():
        return fn.loss_class(**config)
    return None


def get(identifier):
    """A loss as ``keras.losses.get`` gives it: a function's name (``"mse"``,
    ``"categorical_crossentropy"``) returns the per-sample function, a class name
    (``"MeanSquaredError"``) or a ``{"class_name", "config"}`` dict a ``Loss`` object; a ``Loss``
    object or any function is returned as it is, ``None`` stays ``None``. What ``compile`` trains
    with is ``to_loss(identifier)``."""
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict) and "class_name" in identifier:
        cls = lookup(identifier["class_name"], ALIASES, "loss")
        return cls(**(identifier.get("config") or {}))
    if isinstance(identifier, str):
        found = lookup(identifier, {**ALIASES, **FUNCTIONS}, "loss")
        return found() if isinstance(found, type) else found
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise IdentifierError("loss", identifier, detail=" (give a name, a Loss object or a function "
                                                     "loss(y_true, y_pred))")


def to_loss(identifier) -> Loss:
    """The ``Loss`` object ``compile(loss=identifier)`` trains with: a name or a ``Loss`` as
    ``get`` resolves it; one of this module's functions as its class (so
    ``loss=el.losses.categorical_crossentropy`` trains exactly as
    ``loss="categorical_crossentropy"``); any other function in a ``LossFunctionWrapper``."""
    found = get(identifier)
    if isinstance(found, Loss):
        return found
    return _builtin_loss(found) or LossFunctionWrapper(found)
