"""The 8 x 8 handwritten digits with Keras' ``load_data()`` interface (laid out like Keras' MNIST).

>>> from edulayers.datasets import digits
>>> (x_train, y_train), (x_test, y_test) = digits.load_data()
>>> x_train.shape, x_train.dtype, int(x_train.max()), y_train.dtype
((1438, 8, 8), dtype('uint8'), 16, dtype('uint8'))

Source, license and split: ``edulayers.datasets`` (``load_digits``).
"""
from ._storage import load_split

__all__ = ["load_data"]


def load_data():
    """``(x_train, y_train), (x_test, y_test)`` as stored, the way Keras' ``mnist.load_data()``
    returns its images.

    ``x`` uint8 ``(N, 8, 8)``, each pixel a count 0..16 of "on" pixels (not 0..255: scale with
    ``x / 16``, not ``x / 255``), ``y`` uint8 ``(N,)`` in 0..9. 1438 training and 359 test images,
    the same fixed stratified split as ``load_digits()``, which returns them ready for
    ``Conv2D`` (float32 in [0, 1], a channel axis, int64 labels).
    """
    x_train, y_train, x_test, y_test = load_split("digits.npz")
    return (x_train.reshape(-1, 8, 8), y_train), (x_test.reshape(-1, 8, 8), y_test)
