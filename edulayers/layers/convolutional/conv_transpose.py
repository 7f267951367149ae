r"""Conv1DTranspose, Conv2DTranspose, Conv3DTranspose: the adjoint of a convolution ("deconvolution").

A convolution maps a long input to a short output; its transpose goes the other way. Each input
position :math:`p` *scatters* a copy of the kernel, weighted by its channels, into the output
window it would have been computed from (1-D shown; 2-D and 3-D add axes):

.. math::  \tilde z_{s p + d a,\ f} \mathrel{+}= \sum_{c} W_{a, f, c}\, x_{p, c}, \qquad
           z = \mathrm{crop}(\tilde z) + b, \qquad y = \sigma(z)

with kernel :math:`W` of shape ``(*kernel_size, filters, in_channels)`` (Keras' layout: the
kernel of the convolution from ``filters`` to ``in_channels`` channels whose adjoint this is).
Overlapping windows add up. The output length is Keras 3's (``deconv_output_length``):
``valid`` :math:`(n-1)s + \max(k_d, s)`, ``same`` :math:`n s`, and with ``output_padding``
:math:`o` ``valid`` :math:`(n-1)s + k_d + o`, ``same`` :math:`(n-1)s + (k_d \bmod 2) + o`; the
crop is that convolution's padding (TensorFlow's ``same`` rule on the output length), exactly as
TensorFlow's ``conv2d_transpose`` (the input gradient of ``conv2d``) defines it.

Fast path: the forward is a convolution's backward, ``z = col2im(x W^T)``, taken tap by tap
(``windows.col2im_taps``, which adds strided outputs phase by phase); the backward is a
convolution's forward, ``dx = im2col(delta) W`` and ``dW = im2col(delta)^T x``.
"""
from __future__ import annotations

import itertools

import numpy as np

from ... import activations
from ...explain import Step
from ...utils import conv_utils
from ...utils.windows import col2im_taps, im2col, pad
from .._legacy import convert_keras1, keras1_arguments
from ..base import InputSpec, Layer, positive_int
from .conv import _AXIS, _INDEX, _SPATIAL_NAMES, _TAP, _act_name, _contiguous, set_conv_arguments

__all__ = ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
           "Deconvolution2D", "Convolution2DTranspose"]


class ConvTranspose(Layer):
    r"""The shared N-D transposed convolution (Keras' ``BaseConvTranspose``).

    Args:
        filters: number of output channels :math:`F`.
        kernel_size, strides, dilation_rate: int or tuple of ``rank`` ints (``strides > 1`` with
            ``dilation_rate > 1`` is an error, as in Keras).
        padding: ``"valid"`` or ``"same"`` (see the module docstring for the output length).
        output_padding: ``None`` or int/tuple, each entry ``< strides``: extra positions at the end
            of each output axis (chooses among the input lengths a strided convolution maps to
            the same length).
        data_format, activation, use_bias, kernel/bias initializer, regularizer, constraint,
        activity_regularizer: as Conv2D.

    Kernel ``(*kernel_size, filters, in_channels)``, bias ``(filters,)``.
    """

    rank = 2
    notes = (
        "Kernel layout (*kernel_size, filters, in_channels) as Keras 2/3: the kernel of the "
        "convolution from filters to in_channels channels whose adjoint (input gradient) this is.",
        "Output length as Keras 3 (and Keras 2.2+): valid (n-1)*s + max(k_d, s), same n*s; with "
        "output_padding o: valid (n-1)*s + k_d + o, same (n-1)*s + k_d%2 + o. Numerics as "
        "TensorFlow's conv_transpose; Keras on the torch backend warns where it cannot match it "
        "(both a crop and an output_padding).",
        "Keras 1's Deconvolution2D took the output_shape explicitly; Keras 2 computes it (here it "
        "is only checked).",
        "Where Keras' same+output_padding length gives an output whose 'same' convolution does not "
        "return to the input length (e.g. kernel 2, stride 3, output_padding 0), TensorFlow raises; "
        "here, as with Keras on torch, the crop is t//2 before and the rest after, "
        "t = (n-1)*s + k_d - L.",
    )

    @keras1_arguments
    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner, rank = self._label, self.rank
        self.filters = positive_int(filters, "filters", owner)
        set_conv_arguments(self, kernel_size, strides, padding, ("valid", "same"), data_format,
                           dilation_rate, activation, use_bias, kernel_initializer=kernel_initializer,
                           bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                           bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                           bias_constraint=bias_constraint)
        self.output_padding = (None if output_padding is None else conv_utils.normalize_tuple(
            output_padding, rank, "output_padding", owner, allow_zero=True))
        if self.output_padding is not None:
            for axis, (o, s) in enumerate(zip(self.output_padding, self.strides)):
                if o >= s:
                    raise ValueError(f"{owner}: output_padding must be strictly less than strides "
                                     f"on every axis (as in Keras); at axis {axis} output_padding "
                                     f"is {o} but strides is {s}")

    def build(self, input_shape):
        channels = conv_utils.channel_count(input_shape, self.data_format)
        if channels is None:
            raise ValueError(f"{self._label}: the channel axis of the input must be known, got "
                             f"input shape {tuple(input_shape)}")
        self.add_weight("kernel", self.kernel_size + (self.filters, channels),
                        self.kernel_initializer, self.kernel_regularizer, self.kernel_constraint)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer,
                            self.bias_regularizer, self.bias_constraint)
        axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels}, description=self._axes)

    # ---------------------------------------------------------------- helpers shared by both paths
    def _output_spatial(self, spatial):
        ops = self.output_padding or (None,) * self.rank
        return tuple(conv_utils.deconv_output_length(n, k, self.padding, o, s, d) for n, k, o, s, d
                     in zip(spatial, self.kernel_size, ops, self.strides, self.dilation_rate))

    def _geometry(self, spatial):
        """Output spatial shape and the crop (= the adjoint convolution's padding) per axis."""
        out = self._output_spatial(spatial)
        pads = tuple(conv_utils.deconv_padding_amounts(L, n, k, s, d, self.padding) for L, n, k, s, d
                     in zip(out, spatial, self.kernel_size, self.strides, self.dilation_rate))
        return out, pads

    def _activate(self, z):
        """``activation(z)`` on ``z`` in the layer's data_format: as Keras, over the last axis of
        the output as returned (for channels_first a spatial axis, which matters for softmax)."""
        return self.activation(_contiguous(conv_utils.from_channels_last(z, self.data_format)))

    def _dz(self, z, y, dy):
        """dL/dz in channels_last, from ``dy`` and ``y`` in the layer's data_format."""
        if _act_name(self.activation) != "linear":
            z = _contiguous(conv_utils.from_channels_last(z, self.data_format))
            dy = self.activation.backward(z, y, dy)     # in the data_format the forward used
        return conv_utils.to_channels_last(dy, self.data_format)

    # ---------------------------------------------------------------- fast path: a conv's backward
    def forward(self, x, training=False, mask=None):
        x = conv_utils.to_channels_last(x, self.data_format)
        out, pads = self._geometry(x.shape[1:-1])
        x2 = x.reshape(-1, x.shape[-1])                                    # (N_in, C_in)
        # The trick: x W_a^T, one product per kernel tap a (a batched matmul), is every input
        # position's contribution through that tap, a contiguous (N_in, F) block; col2im_taps
        # adds the K blocks into the output where their windows lie (overlaps sum).
        w_taps = self.kernel.reshape(-1, self.filters, x.shape[-1]).transpose(0, 2, 1)  # (K, C_in, F)
        taps = np.matmul(x2, w_taps)                                       # (K, N_in, F)
        z = col2im_taps(taps.reshape(-1, *x.shape[:-1], self.filters),
                        (x.shape[0], *out, self.filters), self.kernel_size, self.strides,
                        self.dilation_rate, pads,
                        initial=self.bias if self.use_bias else None)      # the sums start at b
        y = self._activate(z)
        self.cache = (x2, x.shape, pads, z, y)
        return y

    def backward(self, dy):
        x2, x_shape, pads, z, y = self.cache
        dz = self._dz(z, y, dy)
        # the transpose of col2im is im2col: gather every window of delta into a row
        cols = im2col(dz, self.kernel_size, self.strides, self.dilation_rate, pads)
        if cols.shape[1:-1] != tuple(x_shape[1:-1]):
            raise RuntimeError(f"{self._label}: {cols.shape[1:-1]} windows for an input of "
                               f"spatial shape {x_shape[1:-1]}")
        cols = cols.reshape(x2.shape[0], -1)                               # (N_in, K*F)
        w = self.kernel.reshape(-1, x_shape[-1])                           # (K*F, C_in)
        self.grads["kernel"] = (cols.T @ x2).reshape(self.kernel.shape)
        if self.use_bias:
            dz2 = dz.reshape(-1, self.filters)
            self.grads["bias"] = np.ones(dz2.shape[0], dtype=dz2.dtype) @ dz2
        dx = (cols @ w).reshape(x_shape)
        return _contiguous(conv_utils.from_channels_last(dx, self.data_format))

    # ---------------------------------------------------------------- reference path: the definition
    def _window(self, p):
        return tuple(slice(pi * s, pi * s + d * (k - 1) + 1, d) for pi, k, s, d in
                     zip(p, self.kernel_size, self.strides, self.dilation_rate))

    def forward_reference(self, x, training=False, mask=None):
        x = conv_utils.to_channels_last(x, self.data_format)
        out, pads = self._geometry(x.shape[1:-1])
        padded = tuple(L + b + a for L, (b, a) in zip(out, pads))
        zp = np.zeros((x.shape[0], *padded, self.filters), dtype=x.dtype)
        for n in range(x.shape[0]):                                  # every sample
            for p in itertools.product(*map(range, x.shape[1:-1])):  # every input position
                # scatter: the window this position feeds gets W[..., f, c] x_c summed over c
                zp[(n,) + self._window(p)] += self.kernel @ x[(n, *p)]
        crop = (slice(None),) + tuple(slice(b, b + L) for (b, _), L in zip(pads, out))
        z = zp[crop]
        if self.use_bias:
            z = z + self.bias
        y = self._activate(z)
        self.cache = (x, pads, z, y)
        return y

    def backward_reference(self, dy):
        x, pads, z, y = self.cache
        dz = self._dz(z, y, dy)
        dzp = pad(dz, pads)
        dx = np.zeros_like(x)
        dkernel = np.zeros_like(self.kernel)
        for n in range(x.shape[0]):
            for p in itertools.product(*map(range, x.shape[1:-1])):
                window = dzp[(n,) + self._window(p)]                 # (*kernel_size, F)
                # y depends on x_p through this window only: dx_p = sum W[..., f, c] delta[..., f]
                dx[(n, *p)] = np.tensordot(window, self.kernel, axes=self.rank + 1)
                dkernel += np.multiply.outer(window, x[(n, *p)])
        self.grads["kernel"] = dkernel
        if self.use_bias:
            self.grads["bias"] = dz.reshape(-1, self.filters).sum(axis=0)
        return _contiguous(conv_utils.from_channels_last(dx, self.data_format))

    # ---------------------------------------------------------------- shapes, explain, config
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = conv_utils.spatial_shape(input_shape, self.data_format)
        out = self._output_spatial(spatial)
        return conv_utils.make_shape(input_shape[0], out, self.filters, self.data_format)

    @property
    def formula(self):
        idx, tap = _INDEX[self.rank], _TAP[self.rank]
        pos = ",\\,".join(f"s{a} {i} + d{a} {t}" for a, i, t in zip(_AXIS[self.rank], idx, tap))
        body = (rf"\tilde z_{{{pos},\,f}} \mathrel{{+}}= \sum_{{m}} W_{{{','.join(tap)},f,m}}\, "
                rf"x_{{{','.join(idx)},m}}")
        act = _act_name(self.activation)
        z = r"\mathrm{crop}(\tilde z)" + (" + b" if self.use_bias else "")
        return body + r", \quad y = " + (z if act == "linear" else rf"\mathrm{{{act}}}({z})")

    def shape_steps(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = conv_utils.spatial_shape(input_shape, self.data_format)
        first = 1 if self.data_format == "channels_last" else 2
        ops = self.output_padding or (None,) * self.rank
        shape, steps = list(input_shape), []
        for axis, (n, k, o, s, d) in enumerate(zip(spatial, self.kernel_size, ops, self.strides,
                                                   self.dilation_rate)):
            shape[first + axis] = conv_utils.deconv_output_length(n, k, self.padding, o, s, d)
            text = conv_utils.deconv_output_length_formula(n, k, self.padding, o, s, d)
            steps.append(Step(f"{_SPATIAL_NAMES[self.rank][axis]} (kernel {k}, stride {s}, "
                              f"dilation {d}, padding '{self.padding}', output_padding {o}): "
                              f"{text}", tuple(shape)))
        out = self.compute_output_shape(input_shape)
        c_in = conv_utils.channel_count(input_shape, self.data_format)
        kernel = self.kernel_size + (self.filters, c_in)
        steps.append(Step(f"each input position scatters kernel {kernel}"
                          f" times its {c_in} channels; overlaps add"
                          + (f"; + bias ({self.filters},)" if self.use_bias else ""), out))
        if _act_name(self.activation) != "linear":
            steps.append(Step(f"{_act_name(self.activation)} elementwise", out))
        return steps

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding,
                "output_padding": self.output_padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias}


class Conv1DTranspose(ConvTranspose):
    """Transposed 1-D convolution over ``(batch, steps, channels)`` (Keras 2.3+)."""
    rank = 1


class Conv2DTranspose(ConvTranspose):
    """Transposed 2-D convolution over ``(batch, rows, cols, channels)``: upsampling with a
    learned kernel.

    >>> Conv2DTranspose(16, 3, strides=2, padding="same").compute_output_shape((None, 16, 16, 32))
    (None, 32, 32, 16)
    """
    rank = 2


class Conv3DTranspose(ConvTranspose):
    """Transposed 3-D convolution over ``(batch, dim1, dim2, dim3, channels)``."""
    rank = 3


_TRANSPOSE_ARGS = {"filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
                   "dilation_rate", "activation", "use_bias", "kernel_initializer",
                   "bias_initializer", "kernel_regularizer", "bias_regularizer",
                   "activity_regularizer", "kernel_constraint", "bias_constraint"}


class Deconvolution2D(Conv2DTranspose):
    """Keras 1's name of :class:`Conv2DTranspose`:
    ``Deconvolution2D(nb_filter, nb_row, nb_col, output_shape, border_mode=..., subsample=...)``.

    Keras 1 required ``output_shape`` (``(batch, rows, cols, filters)`` in the layer's
    data_format); Keras 2 and 3 compute it. Here it is checked when the layer is built: a shape
    the layer does not produce is an error that says which ``output_padding`` would produce it.
    The Keras 2 signature (``Deconvolution2D(filters, kernel_size, ...)``) works too.
    """

    def __init__(self, *args, output_shape=None, **kwargs):
        args = list(args)
        if len(args) >= 3 and all(isinstance(a, (int, np.integer)) for a in args[1:3]):
            kwargs["kernel_size"] = (int(args[1]), int(args[2]))     # nb_row, nb_col
            del args[1:3]
            if len(args) >= 2 and isinstance(args[1], (tuple, list)):
                output_shape = args.pop(1)
        convert_keras1(type(self).__name__, kwargs, names=_TRANSPOSE_ARGS)
        super().__init__(*args, **kwargs)
        self.output_shape = None if output_shape is None else tuple(output_shape)

    def build(self, input_shape):
        super().build(input_shape)
        if self.output_shape is None:
            return
        ours = self.compute_output_shape(input_shape)
        wanted = tuple(self.output_shape)
        if len(wanted) != len(ours) or any(w is not None and o is not None and w != o
                                           for w, o in zip(wanted[1:], ours[1:])):
            hint = self._output_padding_hint(input_shape, wanted)
            raise ValueError(f"{self._label}: output_shape={wanted} (Keras 1) does not match the "
                             f"shape this layer computes, {ours}, for input shape "
                             f"{tuple(input_shape)}{hint}")

    def _output_padding_hint(self, input_shape, wanted):
        """Which padding and output_padding give the Keras 1 output_shape, if any."""
        spatial = conv_utils.spatial_shape(input_shape, self.data_format)
        target = conv_utils.spatial_shape(wanted, self.data_format) if len(wanted) == 4 else ()
        for padding in (self.padding, "same" if self.padding == "valid" else "valid"):
            choice = []
            for n, L, k, s, d in zip(spatial, target, self.kernel_size, self.strides,
                                     self.dilation_rate):
                fits = [o for o in range(s) if n is None or L is None
                        or conv_utils.deconv_output_length(n, k, padding, o, s, d) == L]
                choice.append(fits[0] if fits else None)
            if len(choice) == 2 and None not in choice:
                return f"; padding={padding!r}, output_padding={tuple(choice)} gives it"
        return ""

    def get_config(self):
        return {**super().get_config(), "output_shape": self.output_shape}


#: The name some Keras 2 releases also exported.
Convolution2DTranspose = Conv2DTranspose
