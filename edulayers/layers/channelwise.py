r"""Per-channel arithmetic on a ``(rows, channels)`` matrix, with long inner loops.

Channels-last layers keep their activations as ``(batch, *spatial, channels)``, which is a
``(rows, channels)`` matrix with no copy. Per-channel work on it comes in two kinds:

* a **column sum** :math:`s_c = \sum_r a_{r,c}` (a bias gradient, a batch mean) or a column
  dot product :math:`\sum_r a_{r,c} b_{r,c}` (a variance, a scale's gradient), and
* a **broadcast** :math:`a_{r,c} \circ v_c` of a ``(channels,)`` vector (add a bias, scale by
  :math:`\gamma / \sigma`).

Written the obvious way (``a.sum(axis=0)``, ``a * v``), NumPy's innermost loop runs along one row,
only ``channels`` numbers long (16 or 32), and both run several times slower than a plain
elementwise operation on the same array. Both functions below *fold* the matrix: ``F`` consecutive
rows side by side make one long row of ``F * channels`` numbers (a reshape, no copy), the vector
is tiled ``F`` times to match, and NumPy's loops run whole long rows.

How long a folded row should be is a measured choice (``benchmarks/bench_normalization.py`` times
the result): column sums ran fastest on rows of about 2,048 numbers (long enough for NumPy's vector
loops, short enough that the partial sums stay in cache), broadcasts on rows of 8,192 or more.

Folding is also more accurate for the column sum: NumPy adds the rows of ``a.sum(axis=0)`` one
after another, so in float32 the error grows like ``rows * 2**-24`` (1e-5 relative for 65,536
rows); the fold adds ``rows / F`` long rows and then the ``F`` partial sums, an error near
``(rows / F + F) * 2**-24``. (A GEMV with a ones vector is as fast on an idle machine, but
multithreaded BLAS stalls when its threads compete for busy cores, and OpenBLAS' float32 GEMV
measured less accurate than the fold.)
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["column_sum", "column_dot", "per_channel"]

#: Numbers per folded row: for column sums, and for broadcasts (see the module docstring).
SUM_ROW, BROADCAST_ROW = 2048, 8192


def _fold(cols, length):
    """How many rows of ``cols`` numbers make a folded row of about ``length`` (a power of two)."""
    return 1 << max(0, (length // cols).bit_length() - 1)


def column_sum(a):
    """``a.sum(axis=0)`` for a 2-D ``(rows, channels)`` array: folded rows, then the partial sums.

    ``F`` rows at a time are laid side by side (a view when ``a`` is C-contiguous), the long rows
    summed, and the ``F`` partial sums added at the end; rows left over (when ``rows`` is not a
    multiple of ``F``) are summed on their own and added.
    """
    rows, cols = a.shape
    fold = _fold(cols, SUM_ROW)
    whole = rows - rows % fold
    if fold == 1 or whole == 0:
        return a.sum(axis=0)
    total = np.ascontiguousarray(a[:whole]).reshape(whole // fold, fold * cols).sum(axis=0)
    total = total.reshape(fold, cols).sum(axis=0)
    return total + a[whole:].sum(axis=0) if whole < rows else total


def column_dot(a, b):
    """``(a * b).sum(axis=0)`` for two 2-D ``(rows, channels)`` arrays, without the product array.

    Folded as in :func:`column_sum`; ``np.einsum`` multiplies and adds in one pass over the two
    inputs (no ``rows x channels`` temporary is written and read back).
    """
    rows, cols = a.shape
    fold = math.gcd(rows, _fold(cols, SUM_ROW))
    long_a = np.ascontiguousarray(a).reshape(rows // fold, fold * cols)
    long_b = np.ascontiguousarray(b).reshape(rows // fold, fold * cols)
    return np.einsum("ij,ij->j", long_a, long_b).reshape(fold, cols).sum(axis=0)


def per_channel(ufunc, a, vector, out=None):
    """``ufunc(a, vector)`` broadcast along the channel axis of a 2-D ``a``, with long inner loops.

    ``F`` rows (a divisor of ``rows``) are folded into one row of ``F * channels`` numbers and
    ``vector`` tiled ``F`` times: the same numbers as ``ufunc(a, vector)``, element for element.
    ``out`` (C-contiguous, ``a``'s shape; ``a`` itself for an in-place update) receives the result.
    Returns the ``(rows, channels)`` result.
    """
    rows, cols = a.shape
    fold = math.gcd(rows, _fold(cols, BROADCAST_ROW))
    tiled = np.tile(vector, fold)
    long_a = np.ascontiguousarray(a).reshape(rows // fold, fold * cols)
    if out is None:
        return ufunc(long_a, tiled).reshape(rows, cols)
    if not out.flags.c_contiguous:
        raise ValueError("per_channel: out must be C-contiguous (its folded view is written)")
    ufunc(long_a, tiled, out=out.reshape(rows // fold, fold * cols))
    return out
