"""Checks for the exercises of notebook 07, locally connected layers (``el.exercises.check("07.N", answer)``)."""
import numpy as np


def _forward_matches_the_layer(my_forward) -> bool:
    """``my_forward(x, kernel, bias, kernel_size, strides)`` against ``LocallyConnected1D``."""
    from ..layers import LocallyConnected1D
    rng = np.random.default_rng(7)
    for length, channels, filters, size, stride in ((9, 3, 4, 3, 2), (7, 2, 3, 2, 1)):
        layer = LocallyConnected1D(filters, size, strides=stride, dtype="float64")
        x = rng.standard_normal((2, length, channels))
        layer(x)
        layer.set_weights([rng.standard_normal(w.shape) for w in layer.get_weights()])
        got = np.asarray(my_forward(x, layer.kernel, layer.bias, size, stride), dtype=float)
        expected = layer(x)
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-10, atol=1e-12):
            return False
    return True


def _keras2_channels_first(x, kernel2, bias2, kernel_size, strides):
    """What Keras 2's LocallyConnected2D(data_format='channels_first') computed: each patch
    flattened in (in_channels, kh, kw) order, and the bias (rows, cols, filters) *reshaped* to
    (filters, rows, cols) before it was added."""
    batch, filters = x.shape[0], kernel2.shape[2]
    rows, cols = bias2.shape[:2]
    out = np.zeros((batch, filters, rows, cols))
    for i in range(rows):
        for j in range(cols):
            patch = x[:, :, i * strides[0]:i * strides[0] + kernel_size[0],
                      j * strides[1]:j * strides[1] + kernel_size[1]].reshape(batch, -1)
            out[:, :, i, j] = patch @ kernel2[i * cols + j]
    return out + bias2.reshape(1, filters, rows, cols)


def _conversion_is_right(convert) -> bool:
    """``convert(kernel2, bias2, kernel_size, in_channels) -> (kernel, bias)``: loaded into a
    channels_first edulayers layer, Keras 2's weights must give Keras 2's output."""
    from ..layers import LocallyConnected2D
    rng = np.random.default_rng(7)
    for channels, size, strides, shape in ((4, (2, 3), (1, 2), (5, 7)), (2, (3, 2), (2, 1), (7, 4))):
        layer = LocallyConnected2D(3, size, strides=strides, data_format="channels_first", dtype="float64")
        x = rng.standard_normal((2, channels) + shape)
        layer(x)
        kernel2, bias2 = rng.standard_normal(layer.kernel.shape), rng.standard_normal(layer.bias.shape)
        kernel, bias = convert(kernel2.copy(), bias2.copy(), size, channels)
        layer.set_weights([np.asarray(kernel, dtype=float), np.asarray(bias, dtype=float)])
        if not np.allclose(layer(x), _keras2_channels_first(x, kernel2, bias2, size, strides),
                           rtol=1e-10, atol=1e-12):
            return False
    return True


EXERCISES = {
    "07.1": dict(expected=[59904, 416],
                 hint="the output is floor((28 - 5)/2) + 1 = 12 per axis, so 144 positions; each has a "
                      "5*5*1*16 kernel and 16 biases; the convolution has one 5*5*1*16 kernel and 16 biases"),
    "07.2": dict(test=_forward_matches_the_layer,
                 hint="patch p is x[:, p*stride : p*stride + k, :] flattened in (k, channels) order; then "
                      "np.einsum('npk,pkf->npf', patches, kernel) + bias"),
    "07.3": dict(test=_conversion_is_right,
                 hint="kernel rows: reshape to (P, in_channels, kh, kw, F), move in_channels after kw, "
                      "reshape back; bias: Keras 2 read its (rows, cols, F) array as (F, rows, cols), so "
                      "reshape it that way and transpose to (rows, cols, F)"),
    "07.4": dict(expected=10,
                 hint="each position of LocallyConnected2D(1, (3, 3)) has its own 3*3 weights and a bias, "
                      "and each training image gives it one equation"),
    "07.5": dict(expected=[True, False],
                 hint="a shared kernel sees the same pixels after the shift, one column later; a "
                      "per-position kernel meets them at a position whose kernel is different"),
}
