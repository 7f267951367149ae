"""Keras 1 keyword arguments, converted to Keras 2/3 names in one place.

The seed documents use Keras 1 spellings (``Dense(output_dim=32, init='he_normal')``,
``Convolution2D(nb_filter, nb_row, nb_col, border_mode='same', subsample=(2, 2))``).
Keras 2's legacy interface converted them; edulayers does the same here, for every layer.
"""
from __future__ import annotations

import functools
import inspect

import numpy as np

#: Keras 1 name -> Keras 2/3 name, shared by every layer that has the Keras 2 argument.
KERAS1_NAMES = {
    "output_dim": "units",
    "init": "kernel_initializer",
    "inner_init": "recurrent_initializer",
    "W_regularizer": "kernel_regularizer",
    "U_regularizer": "recurrent_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "U_constraint": "recurrent_constraint",
    "b_constraint": "bias_constraint",
    "bias": "use_bias",
    "nb_filter": "filters",
    "border_mode": "padding",
    "subsample": "strides",
    "subsample_length": "strides",
    "filter_length": "kernel_size",
    "atrous_rate": "dilation_rate",
    "pool_length": "pool_size",
    "stride": "strides",
    "dropout_W": "dropout",
    "dropout_U": "recurrent_dropout",
    "p": "rate",
}

_DIM_ORDERING = {"tf": "channels_last", "th": "channels_first", "default": "channels_last"}


def convert_keras1(owner: str, kwargs: dict, names=None) -> dict:
    """Rename the Keras 1 keywords in ``kwargs`` (in place, also returned).

    ``names`` limits the conversion to the Keras 2 arguments the layer has. Giving both spellings
    of one argument is an error. ``dim_ordering='tf'/'th'`` becomes ``data_format``, and
    ``nb_row``/``nb_col`` (and ``kernel_dim1..3``) become ``kernel_size``.
    """
    for old, new in KERAS1_NAMES.items():
        if old in kwargs and (names is None or new in names):
            if new in kwargs:
                raise TypeError(f"{owner} got both {old!r} (Keras 1) and {new!r}; give one")
            kwargs[new] = kwargs.pop(old)
    if "dim_ordering" in kwargs:
        kwargs["data_format"] = _DIM_ORDERING[kwargs.pop("dim_ordering")]
    for dims in (("nb_row", "nb_col"), ("kernel_dim1", "kernel_dim2", "kernel_dim3")):
        if dims[0] in kwargs:
            kwargs["kernel_size"] = tuple(kwargs.pop(d) for d in dims if d in kwargs)
    return kwargs


def keras1_kernel_size(args, rank: int) -> list:
    """Keras 1 gave a kernel's sizes as separate positional ints after the filter count:
    ``Convolution2D(64, 3, 3)`` (``nb_filter, nb_row, nb_col``), ``Convolution3D(8, 3, 3, 3)``,
    ``LocallyConnected2D(64, 3, 3)``. Keras 2's legacy interface read them as one
    ``kernel_size``, and so does this: the positional arguments are returned with those ``rank``
    ints as one tuple. A Keras 2 call (``Conv2D(64, (3, 3))``, ``Conv2D(64, 3)``) and every 1-D
    layer (one size is already one argument) pass through unchanged.
    """
    args = list(args)
    sizes = args[1:1 + rank]
    if rank > 1 and len(sizes) == rank and all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in sizes):
        return [args[0], tuple(int(a) for a in sizes), *args[1 + rank:]]
    return args


def keras1_positional_kernel(rank: int):
    """Decorator for an ``__init__(self, filters, kernel_size, ...)``: :func:`keras1_kernel_size`
    applied to the positional arguments before they are bound."""
    def decorate(init):
        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            return init(self, *keras1_kernel_size(args, rank), **kwargs)
        return wrapper
    return decorate


def keras1_arguments(init):
    """Decorator for ``__init__``: Keras 1 keywords are renamed before the arguments are bound.

    Only names the decorated ``__init__`` has (or that the base ``Layer`` takes) are converted;
    any other Keras 1 keyword stays and is reported as unexpected.
    """
    own = set(inspect.signature(init).parameters)

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        convert_keras1(type(self).__name__, kwargs, names=own)
        return init(self, *args, **kwargs)
    return wrapper
