"""Preparing data the way Keras' tutorials do: one-hot labels, unit-norm rows, padded sequences.

``to_categorical``, ``normalize`` and ``pad_sequences`` are the first lines of most Keras
chapters; they behave as ``keras.utils`` does in Keras 3 (the same shapes, dtypes and edge
cases), so that a tutorial's code runs with ``edulayers`` in place of ``keras``.
"""
from __future__ import annotations

import numpy as np


def to_categorical(x, num_classes=None):
    """Class indices to one-hot rows: ``y[..., k] = 1`` where ``x == k``, else 0.

    Args:
        x: integer class indices, any shape. A trailing axis of size 1 (labels stored as a
            column, ``(n, 1)``) is dropped first, as Keras does.
        num_classes: the length of each one-hot row; ``max(x) + 1`` when not given.

    Returns:
        A float64 array of shape ``x.shape + (num_classes,)``.

    >>> to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    labels = np.asarray(x)
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise ValueError(f"to_categorical expected integer class indices, got non-integer values "
                         f"such as {labels[labels != np.round(labels)].ravel()[0]!r}")
    labels = labels.astype(np.int64)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1)
    if num_classes is None or num_classes == 0:
        num_classes = int(flat.max()) + 1 if flat.size else 0
    if flat.size and (flat.min() < 0 or flat.max() >= num_classes):
        bad = flat[(flat < 0) | (flat >= num_classes)][0]
        raise ValueError(f"to_categorical: class index {bad} is outside 0..{num_classes - 1} "
                         f"(num_classes={num_classes})")
    one_hot = np.zeros((flat.size, num_classes))
    one_hot[np.arange(flat.size), flat] = 1.0      # row i gets its 1 in column x_i
    return one_hot.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scale ``x`` so that its ``order``-norm along ``axis`` is 1: ``x / ||x||``.

    Rows whose norm is 0 are left as they are (divided by 1), as in Keras.

    >>> normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm = np.where(norm == 0, 1, norm)
    return x / np.expand_dims(norm, axis if axis is not None else -1)


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Sequences of different lengths as one ``(samples, maxlen, ...)`` array.

    Each sequence is cut to ``maxlen`` (keeping its end with ``truncating="pre"``, its start
    with ``"post"``) and filled with ``value`` before it (``padding="pre"``, Keras' default)
    or after it (``"post"``). ``maxlen`` defaults to the longest sequence.

    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2)
    array([[2, 3],
           [0, 4]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences expected a list of sequences, got "
                         f"{type(sequences).__name__}")
    for name, given in (("padding", padding), ("truncating", truncating)):
        if given not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post', got {given!r}")
    lengths, step_shape = [], None
    for position, seq in enumerate(sequences):
        if not hasattr(seq, "__len__"):
            raise ValueError(f"pad_sequences expected a list of sequences; item {position} is "
                             f"{seq!r}, not a sequence")
        lengths.append(len(seq))
        if step_shape is None and len(seq):
            step_shape = np.asarray(seq).shape[1:]     # every step of every sequence has this shape
    step_shape = step_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)
    text_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not text_dtype:
        raise ValueError(f"pad_sequences: a string value {value!r} needs dtype=object (or a string "
                         f"dtype), got dtype {dtype}")
    out = np.full((len(sequences), maxlen) + tuple(step_shape), value, dtype=dtype)
    for position, seq in enumerate(sequences):
        if not len(seq) or maxlen == 0:
            continue
        kept = np.asarray(seq[-maxlen:] if truncating == "pre" else seq[:maxlen], dtype=dtype)
        if kept.shape[1:] != tuple(step_shape):
            raise ValueError(f"pad_sequences: sequence {position} has steps of shape "
                             f"{kept.shape[1:]}, the others {tuple(step_shape)}")
        if padding == "pre":
            out[position, maxlen - len(kept):] = kept
        else:
            out[position, :len(kept)] = kept
    return out
