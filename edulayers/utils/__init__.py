"""Utilities: preparing data as Keras' tutorials do (``to_categorical``, ``normalize``,
``pad_sequences``, ``set_random_seed``), the custom objects that loading a model finds
(``CustomObjectScope``, ``custom_object_scope``, ``get_custom_objects``; Keras 2's
``generic_utils`` path too), and the mechanics shared by many layers: shape arithmetic
(``conv_utils``) and sliding windows (``windows``)."""
from . import conv_utils, data, generic_utils, windows
from ..backend import set_random_seed
from .conv_utils import (conv_output_length, deconv_output_length, output_length_formula,
                         padding_amounts)
from .data import normalize, pad_sequences, to_categorical
from .generic_utils import CustomObjectScope, custom_object_scope, get_custom_objects
from .windows import col2im, im2col, pad, window_view

__all__ = ["conv_utils", "data", "generic_utils", "windows", "CustomObjectScope",
           "custom_object_scope", "get_custom_objects", "to_categorical", "normalize", "pad_sequences",
           "set_random_seed", "conv_output_length", "deconv_output_length",
           "output_length_formula", "padding_amounts", "im2col", "col2im", "pad", "window_view"]
