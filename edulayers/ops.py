"""``el.ops``: Keras 3's operations (``keras.ops``) on NumPy arrays, for custom layers.

A custom layer in a Keras 3 tutorial computes with ``keras.ops.matmul(x, self.w)``,
``ops.sum``, ``ops.exp``, ... Here every tensor is a NumPy array, so each op is the NumPy
function of the same meaning, with Keras' name and argument order; the activations are
edulayers' own (``el.activations``), so ``ops.sigmoid`` is the same function a layer uses.
Only the forward computation lives here: a layer's ``backward`` is written by hand.

>>> import numpy as np
>>> from edulayers import ops
>>> ops.matmul(np.ones((2, 3)), np.ones((3, 4))).shape
(2, 4)
"""
from __future__ import annotations

import numpy as np

from . import activations as _activations
from .utils.data import to_categorical as _to_categorical

# ---------------------------------------------------------------------------- creation and casting


def convert_to_tensor(x, dtype=None):
    """``x`` as an array (a "tensor" here is a NumPy array)."""
    return np.asarray(x, dtype=dtype)


def convert_to_numpy(x):
    return np.asarray(x)


def cast(x, dtype):
    return np.asarray(x).astype(dtype)


def shape(x):
    return np.shape(x)


def zeros(shape, dtype="float32"):
    return np.zeros(shape, dtype=dtype)


def ones(shape, dtype="float32"):
    return np.ones(shape, dtype=dtype)


def zeros_like(x, dtype=None):
    return np.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None):
    return np.ones_like(x, dtype=dtype)


def one_hot(x, num_classes):
    """``one_hot(labels, n)``: the last axis is the class, as ``el.utils.to_categorical``."""
    return _to_categorical(x, num_classes)


# ---------------------------------------------------------------------------- arithmetic
add, subtract, multiply, divide = np.add, np.subtract, np.multiply, np.divide
power, negative, square, sqrt, abs = np.power, np.negative, np.square, np.sqrt, np.abs
exp, log, maximum, minimum, where = np.exp, np.log, np.maximum, np.minimum, np.where
matmul, dot, einsum, tensordot, outer = np.matmul, np.dot, np.einsum, np.tensordot, np.outer
tanh, sign, floor, round = np.tanh, np.sign, np.floor, np.round


def clip(x, x_min, x_max):
    return np.clip(x, x_min, x_max)


# ---------------------------------------------------------------------------- reductions


def sum(x, axis=None, keepdims=False):  # noqa: A001 (Keras' name)
    return np.sum(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return np.mean(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    return np.max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return np.min(x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return np.var(x, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return np.std(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    return np.argmax(x, axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    return np.argmin(x, axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------------------- shapes
reshape, transpose, expand_dims, squeeze = np.reshape, np.transpose, np.expand_dims, np.squeeze
concatenate, stack, tile, repeat = np.concatenate, np.stack, np.tile, np.repeat

# ---------------------------------------------------------------------------- activations (``keras.ops`` has them too)
sigmoid = _activations.sigmoid
relu = _activations.relu
softplus = _activations.softplus
softsign = _activations.softsign
elu = _activations.elu
selu = _activations.selu
gelu = _activations.gelu
silu = _activations.silu
hard_sigmoid = _activations.hard_sigmoid


def softmax(x, axis=-1):
    return _activations.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return _activations.log_softmax(x, axis=axis)
