"""The synthetic monthly series of the LSTM example with Keras' ``load_data()`` interface.

>>> from edulayers.datasets import time_series
>>> (x_train, y_train), (x_test, y_test) = time_series.load_data(lookback=12)
>>> x_train.shape, y_train.shape, x_test.shape, y_test.shape
((348, 12, 1), (348, 1), (120, 12, 1), (120, 1))

Keras has no such data set; this one follows its ``(x_train, y_train), (x_test, y_test)``
convention. The series is ``load_time_series()`` (synthetic, seeded; see ``edulayers.datasets``).
"""
import numpy as np

from . import load_time_series, windowed

__all__ = ["load_data", "SPLIT"]

#: The first month of the test part: 30 "years" to train on, the last 10 to test on.
SPLIT = 360


def load_data(lookback: int = 12):
    """``(x_train, y_train), (x_test, y_test)``: next-value windows of the series, split in time.

    ``x`` float32 ``(N, lookback, 1)`` (the ``lookback`` months before a target), ``y`` float32
    ``(N, 1)``. The targets of the training part are months ``lookback .. 359``, those of the
    test part months ``360 .. 479`` (120 windows, whatever the lookback: their inputs may reach
    back before month 360, as a forecast would). Values are *not* standardized: use the mean and
    standard deviation of ``load_time_series()[:SPLIT]``, the training months.
    """
    series = load_time_series()
    is_int = isinstance(lookback, (int, np.integer)) and not isinstance(lookback, bool)
    if not is_int or not 1 <= lookback < SPLIT:
        raise ValueError(f"time_series.load_data: lookback must be an int in 1..{SPLIT - 1}, "
                         f"got {lookback!r}")
    lookback = int(lookback)
    return windowed(series[:SPLIT], lookback), windowed(series[SPLIT - lookback:], lookback)
