r"""Metrics: numbers to watch during training, averaged over all samples of an epoch.

* ``binary_accuracy``: :math:`[\,[\hat y_d > \theta] = y_d\,]` per entry (threshold :math:`\theta = 0.5`)
* ``categorical_accuracy``: :math:`[\arg\max \hat y = \arg\max y]`
* ``sparse_categorical_accuracy``: :math:`[\arg\max \hat y = y]`
* ``top_k_categorical_accuracy``: the true class is among the ``k`` largest predictions
* every loss of ``el.losses`` by its name (``"mse"``, ``"mae"``, ...)

``"accuracy"`` / ``"acc"`` in ``compile`` picks the accuracy that fits the loss, as Keras does.
Each function returns one value per sample (``binary_accuracy``: per entry, as Keras 3).
"""
from __future__ import annotations

import numpy as np

from . import losses
from ._registry import IdentifierError, unknown_name

__all__ = ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "get"]


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = losses._pair(y_true, y_pred)
    # one value per entry, as Keras 3 (Keras 2 averaged over the last axis); epochs average either way
    return ((y_pred > threshold) == (y_true > 0.5)).astype(np.float64)


def categorical_accuracy(y_true, y_pred):
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    labels = np.asarray(y_true)
    if labels.ndim == np.ndim(y_pred) and labels.shape[-1] == 1:
        labels = labels[..., 0]
    return (labels.astype(int) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    return sparse_top_k_categorical_accuracy(np.argmax(y_true, axis=-1), y_pred, k=k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    labels = np.asarray(y_true).reshape(np.shape(y_pred)[:-1]).astype(int)
    top = np.argsort(-np.asarray(y_pred), axis=-1, kind="stable")[..., :k]
    return np.any(top == labels[..., None], axis=-1).astype(np.float64)


FUNCTIONS = {f.__name__: f for f in (binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                                     top_k_categorical_accuracy, sparse_top_k_categorical_accuracy)}


def get(identifier, loss=None):
    """``(name, fn)`` for a metric name; ``"accuracy"`` is resolved from the loss as Keras does."""
    if callable(identifier):
        return getattr(identifier, "__name__", "metric"), identifier
    if identifier in ("accuracy", "acc"):
        name = getattr(loss, "name", "")
        fn = (binary_accuracy if name == "binary_crossentropy" else
              sparse_categorical_accuracy if name == "sparse_categorical_crossentropy" else
              categorical_accuracy)
        return identifier, fn
    if identifier in FUNCTIONS:
        return identifier, FUNCTIONS[identifier]
    if isinstance(identifier, str) and identifier in losses.ALIASES:
        loss_obj = losses.ALIASES[identifier]()
        return identifier, lambda y_true, y_pred: loss_obj.per_sample(*loss_obj._prepare(y_true, y_pred))
    if isinstance(identifier, str):
        raise unknown_name("metric", identifier, ["accuracy", "acc", *FUNCTIONS,
                                                  *(k for k in losses.ALIASES if k == k.lower())])
    raise IdentifierError("metric", identifier, detail=" (give a name or a function "
                                                       "metric(y_true, y_pred))")
