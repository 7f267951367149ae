"""Mechanics shared by many layers: shape arithmetic (``conv_utils``) and sliding windows
(``windows``)."""
from . import conv_utils, windows
from .conv_utils import (conv_output_length, deconv_output_length, output_length_formula,
                         padding_amounts)
from .windows import col2im, im2col, pad, window_view

__all__ = ["conv_utils", "windows", "conv_output_length", "deconv_output_length",
           "output_length_formula", "padding_amounts", "im2col", "col2im", "pad", "window_view"]
