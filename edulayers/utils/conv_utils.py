r"""Shape arithmetic of windowed layers (convolutions, pooling, locally connected), in one place.

Every layer with a sliding window calls these functions, and so does ``explain()``, so the shape a
layer produces and the arithmetic it shows a student can never disagree. The rules are Keras 3's
(``keras/src/ops/operation_utils.py`` and ``backend/common/backend_utils.py``), which for these
formulas are also Keras 2's ``utils/conv_utils.py``.

With input length :math:`n`, kernel size :math:`k`, stride :math:`s`, dilation :math:`d` and the
effective (dilated) kernel size :math:`k_d = d(k-1) + 1`:

=========  ===============================================  ==========================================
padding    output length                                     padding (before, after)
=========  ===============================================  ==========================================
valid      :math:`\lfloor (n - k_d)/s \rfloor + 1`            (0, 0)
same       :math:`\lceil n/s \rceil`                          TensorFlow's rule: total
                                                             :math:`t = \max((\lceil n/s\rceil-1)s + k_d - n, 0)`,
                                                             before :math:`\lfloor t/2 \rfloor`, after the rest
causal     :math:`\lceil n/s \rceil`                          :math:`(k_d - 1, 0)`: only the past is seen
full       :math:`\lfloor (n + k_d - 2)/s \rfloor + 1`        :math:`(k_d - 1, k_d - 1)` (Keras 2 only)
=========  ===============================================  ==========================================

All of them are the one formula :math:`\lfloor (n + p_{before} + p_{after} - k_d)/s \rfloor + 1`.

The transposed convolution (Keras 3, ``deconv_output_length``) maps length :math:`n` back to
``valid``: :math:`(n-1)s + \max(k_d, s)`; ``same``: :math:`n s`; and with ``output_padding``
:math:`o`: ``valid`` :math:`(n-1)s + k_d + o`, ``same`` :math:`(n-1)s + (k_d \bmod 2) + o`.

Arrays are ``channels_last`` inside the library: ``(batch, *spatial, channels)``. Layers with
``data_format="channels_first"`` move the channel axis at their boundary with
:func:`to_channels_last` / :func:`from_channels_last`.
"""
from __future__ import annotations

import numpy as np

from .. import backend

__all__ = [
    "PADDINGS", "effective_kernel_size", "conv_output_length", "deconv_output_length",
    "padding_amounts", "deconv_padding_amounts", "output_length_formula",
    "deconv_output_length_formula", "conv_output_spatial_shape", "normalize_data_format",
    "normalize_padding", "normalize_tuple", "spatial_shape", "channel_count", "make_shape",
    "to_channels_last", "from_channels_last", "axes_description",
]

#: Every padding mode some windowed layer accepts (each layer allows a subset).
PADDINGS = ("valid", "same", "causal", "full")


def effective_kernel_size(filter_size: int, dilation: int = 1) -> int:
    """The span of a dilated kernel, :math:`k_d = d(k-1) + 1` (``3`` taps at dilation ``2`` span 5)."""
    return (int(filter_size) - 1) * int(dilation) + 1


# ---------------------------------------------------------------------------- lengths
def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Output length of a convolution (or pooling) along one axis; ``None`` in gives ``None`` out.

    The result may be zero or negative when the (dilated) kernel is longer than a ``valid`` input:
    callers that need a positive size use :func:`conv_output_spatial_shape`, which raises an error
    showing the arithmetic.

    >>> conv_output_length(32, 3, "valid", 1), conv_output_length(32, 3, "same", 2)
    (30, 16)
    """
    if input_length is None:
        return None
    padding = padding.lower()
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    before, after = padding_amounts(input_length, filter_size, stride, dilation, padding)
    k_eff = effective_kernel_size(filter_size, dilation)
    return (int(input_length) + before + after - k_eff) // int(stride) + 1


def deconv_output_length(input_length, filter_size, padding, output_padding=None, stride=1,
                         dilation=1):
    """Output length of a transposed convolution along one axis (Keras 3's rule).

    >>> deconv_output_length(16, 3, "same", stride=2), deconv_output_length(16, 3, "valid", stride=2)
    (32, 33)
    >>> deconv_output_length(16, 3, "same", output_padding=0, stride=2)
    31
    """
    if input_length is None:
        return None
    padding = padding.lower()
    n, s = int(input_length), int(stride)
    k_eff = effective_kernel_size(filter_size, dilation)
    if padding == "valid":
        extra = max(k_eff, s) - k_eff if output_padding is None else int(output_padding)
        return (n - 1) * s + k_eff + extra
    if padding == "same":
        if output_padding is None:
            return n * s
        return (n - 1) * s + k_eff % 2 + int(output_padding)
    raise ValueError(f"padding of a transposed convolution must be 'valid' or 'same', got {padding!r}")


def padding_amounts(input_length, filter_size, stride, dilation, padding):
    """``(before, after)``: how many zeros a ``padding`` mode adds on each side of one axis.

    ``same`` follows TensorFlow (and so Keras on every backend): the total padding is
    ``max((ceil(n/s) - 1)*s + k_d - n, 0)``, and when it is odd the extra zero goes *after*.

    >>> padding_amounts(32, 3, 1, 1, "same"), padding_amounts(32, 3, 2, 1, "same")
    ((1, 1), (0, 1))
    >>> padding_amounts(10, 3, 1, 2, "causal")
    (4, 0)
    """
    padding = padding.lower()
    k_eff = effective_kernel_size(filter_size, dilation)
    if padding == "valid":
        return (0, 0)
    if padding == "same":
        n, s = int(input_length), int(stride)
        total = max((-(-n // s) - 1) * s + k_eff - n, 0)     # -(-n // s) is ceil(n/s) in ints
        return (total // 2, total - total // 2)
    if padding == "causal":
        return (k_eff - 1, 0)
    if padding == "full":
        return (k_eff - 1, k_eff - 1)
    raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")


def deconv_padding_amounts(output_length, input_length, filter_size, stride, dilation, padding):
    """``(before, after)`` of the convolution whose adjoint is a transposed convolution.

    A transposed convolution from length ``input_length`` (``n``) to ``output_length`` (``L``) is
    the adjoint (the input gradient) of a convolution from ``L`` to ``n`` with the same kernel, as
    TensorFlow defines ``conv2d_transpose``. Its padding is the convolution's padding on ``L``:
    TensorFlow's ``same`` rule, or nothing for ``valid``; ``after`` is then stretched (or cut) so
    that the windows exactly tile ``L + before + after`` (positions no window reaches - the
    ``output_padding`` tail of ``valid`` - receive only the bias).
    """
    padding = padding.lower()
    k_eff = effective_kernel_size(filter_size, dilation)
    if padding == "same":
        total = max((int(input_length) - 1) * int(stride) + k_eff - int(output_length), 0)
        before = total // 2
    else:
        before = 0
    # padded length L + before + after >= (n - 1)*s + k_d, the span the n windows cover
    after = max((int(input_length) - 1) * int(stride) + k_eff - int(output_length) - before, 0)
    return (before, after)


def conv_output_spatial_shape(owner, spatial, kernel_size, strides, dilation, padding,
                              what="input"):
    """Output spatial shape of a windowed layer; a clear error when an axis would be empty.

    ``owner`` names the layer in the message, which shows the arithmetic for the failing axis,
    e.g. ``Conv2D 'conv2d': output size along spatial axis 1 would be
    floor((2 + 2*0 - 1*(3-1) - 1)/1) + 1 = 0 ...``.
    """
    out = []
    for axis, (n, k, s, d) in enumerate(zip(spatial, kernel_size, strides, dilation)):
        length = conv_output_length(n, k, padding, s, d)
        if length is not None and length <= 0:
            raise ValueError(
                f"{owner}: output size along spatial axis {axis + 1} would be "
                f"{output_length_formula(n, k, padding, s, d)} (must be positive): the {what} has "
                f"{n} positions there but the kernel spans {effective_kernel_size(k, d)} "
                f"(kernel_size={k}, dilation_rate={d}) with padding={padding!r}; use a larger "
                f"{what}, a smaller kernel, or padding='same'")
        out.append(length)
    return tuple(out)


# ---------------------------------------------------------------------------- arithmetic as text
def _k_eff_text(k, d):
    return str(k) if d == 1 else f"({d}*({k}-1)+1)"


def output_length_formula(input_length, filter_size, padding, stride, dilation=1) -> str:
    """The output-length arithmetic with the actual numbers, for ``explain()`` and error messages.

    >>> output_length_formula(32, 3, "valid", 1, 1)
    'floor((32 + 2*0 - 1*(3-1) - 1)/1) + 1 = 30'
    >>> output_length_formula(32, 3, "same", 1, 1)
    'ceil(32/1) = 32'
    """
    n, k, s, d = input_length, int(filter_size), int(stride), int(dilation)
    padding = padding.lower()
    if n is None:
        return "None (the length is not known until the input arrives)"
    out = conv_output_length(n, k, padding, s, d)
    if padding == "same":
        return f"ceil({n}/{s}) = {out}"
    before, after = padding_amounts(n, k, s, d, padding)
    if padding == "valid":
        pad = "2*0"
    elif padding == "causal":
        pad = f"{before}"                     # zeros on the left only: d*(k-1)
    else:
        pad = f"2*{before}"
    return f"floor(({n} + {pad} - {d}*({k}-1) - 1)/{s}) + 1 = {out}"


def deconv_output_length_formula(input_length, filter_size, padding, output_padding=None, stride=1,
                                 dilation=1) -> str:
    """The transposed convolution's output-length arithmetic with the actual numbers.

    >>> deconv_output_length_formula(16, 3, "valid", None, 2)
    '(16-1)*2 + max(3, 2) = 33'
    >>> deconv_output_length_formula(16, 3, "same", 1, 2)
    '(16-1)*2 + 3%2 + 1 = 32'
    """
    n, k, s, d = input_length, int(filter_size), int(stride), int(dilation)
    if n is None:
        return "None (the length is not known until the input arrives)"
    out = deconv_output_length(n, k, padding, output_padding, s, d)
    ke = _k_eff_text(k, d)
    if padding.lower() == "valid":
        if output_padding is None:
            return f"({n}-1)*{s} + max({ke}, {s}) = {out}"
        return f"({n}-1)*{s} + {ke} + {output_padding} = {out}"
    if output_padding is None:
        return f"{n}*{s} = {out}"
    return f"({n}-1)*{s} + {ke}%2 + {output_padding} = {out}"


# ---------------------------------------------------------------------------- argument checks
def normalize_data_format(value, owner="layer") -> str:
    """``None`` -> ``backend.image_data_format()`` (``'channels_last'`` unless changed, as in
    Keras); Keras 1's ``'tf'``/``'th'`` are accepted; anything else is an error naming ``owner``."""
    if value is None:
        return backend.image_data_format()
    text = str(value).lower()
    text = {"tf": "channels_last", "th": "channels_first"}.get(text, text)
    if text not in ("channels_last", "channels_first"):
        raise ValueError(f"{owner}: data_format must be 'channels_last' or 'channels_first', "
                         f"got {value!r}")
    return text


def normalize_padding(value, owner="layer", allowed=("valid", "same")) -> str:
    """Lower-cased padding mode; an error naming ``owner`` and the modes it allows otherwise."""
    if not isinstance(value, str) or value.lower() not in allowed:
        modes = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{owner}: padding must be one of {modes}, got {value!r}")
    return value.lower()


def normalize_tuple(value, n, name, owner="layer", allow_zero=False) -> tuple:
    """``3 -> (3, 3)`` for an ``n``-D layer; each entry must be a positive int (or >= 0).

    The entries are checked by ``edulayers.layers.base.positive_int``, the one check of every
    size argument: a string or a bool is refused as a wrong type, ``2.5`` or ``0`` as a wrong value.
    """
    from ..layers.base import positive_int      # imported here: the layers import this module
    kind = "non-negative" if allow_zero else "positive"
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        entries = (value,) * n                  # 3 -> (3, 3): the entries are checked below
    elif isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        return (positive_int(value, name, owner, allow_zero=allow_zero,
                             expected=f"a {kind} int or a tuple of {n} {kind} int{'s' * (n > 1)}"),) * n
    else:
        entries = tuple(value)
    if len(entries) != n:
        raise ValueError(f"{owner}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    return tuple(positive_int(v, f"every entry of {name}", owner, allow_zero=allow_zero,
                              expected=f"{kind} (an int >= {0 if allow_zero else 1})",
                              received=f"{name}={value!r}")
                 for v in entries)


# ---------------------------------------------------------------------------- shapes and layouts
def spatial_shape(shape, data_format="channels_last") -> tuple:
    """The spatial axes of a ``(batch, *spatial, channels)`` (or channels_first) shape."""
    shape = tuple(shape)
    return shape[1:-1] if data_format == "channels_last" else shape[2:]


def channel_count(shape, data_format="channels_last"):
    """The channel axis' size."""
    return tuple(shape)[-1] if data_format == "channels_last" else tuple(shape)[1]


def make_shape(batch, spatial, channels, data_format="channels_last") -> tuple:
    """Assemble ``(batch, *spatial, channels)`` or ``(batch, channels, *spatial)``."""
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def to_channels_last(x, data_format="channels_last"):
    """``(batch, C, *spatial)`` -> ``(batch, *spatial, C)`` (a view; no copy for channels_last)."""
    return x if data_format == "channels_last" else np.moveaxis(x, 1, -1)


def from_channels_last(x, data_format="channels_last"):
    """``(batch, *spatial, C)`` -> the layer's ``data_format``."""
    return x if data_format == "channels_last" else np.moveaxis(x, -1, 1)


def axes_description(rank, data_format="channels_last", spatial_names=None) -> str:
    """``(batch, rows, cols, channels)`` for error messages (``rank`` spatial axes)."""
    default = {1: ("steps",), 2: ("rows", "cols"), 3: ("dim1", "dim2", "dim3")}
    names = spatial_names or default.get(rank, tuple(f"d{i + 1}" for i in range(rank)))
    inner = (*names, "channels") if data_format == "channels_last" else ("channels", *names)
    return "(batch, " + ", ".join(inner) + ")"
