"""The diabetes regression data with Keras' ``load_data()`` interface (like Keras' Boston housing).

>>> from edulayers.datasets import diabetes
>>> (x_train, y_train), (x_test, y_test) = diabetes.load_data()
>>> x_train.shape, x_train.dtype, y_train.shape, y_train.dtype
((354, 10), dtype('float64'), (354,), dtype('float64'))

Source, license and split: ``edulayers.datasets`` (``load_diabetes``).
"""
from . import DIABETES_FEATURES as FEATURES       # the columns of x
from ._storage import load_split

__all__ = ["load_data", "FEATURES"]


def load_data():
    """``(x_train, y_train), (x_test, y_test)`` as stored: float64, as Keras'
    ``boston_housing.load_data()`` returns its table.

    ``x`` ``(N, 10)`` in the original units (columns ``FEATURES``; standardize with the training
    mean and standard deviation), ``y`` ``(N,)``, disease progression one year later (25..346).
    354 training and 88 test patients, the fixed split of ``load_diabetes()`` (which returns the
    same values as float32).
    """
    x_train, y_train, x_test, y_test = load_split("diabetes.npz")
    return (x_train, y_train), (x_test, y_test)
