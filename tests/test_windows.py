"""The shared window mechanics (edulayers.utils.windows) and shape arithmetic (conv_utils).

im2col against a naive loop, col2im as im2col's adjoint (<im2col(x), c> == <x, col2im(c)>),
window_view against im2col, for 1-D, 2-D and 3-D with strides, dilation and padding; the
output-length rules against Keras 3's own shape functions.
"""
import itertools

import numpy as np
import pytest

from edulayers.utils import conv_utils as cu
from edulayers.utils.windows import (col2im, col2im_t, col2im_taps, im2col, im2col_t, pad,
                                     window_output_shape, window_view)

# (spatial, kernel, strides, dilation, pads)
CASES = [
    ((7,), (3,), (1,), (1,), ((0, 0),)),
    ((9,), (2,), (3,), (1,), ((1, 2),)),
    ((10,), (3,), (1,), (3,), ((4, 0),)),
    ((5, 6), (3, 2), (1, 1), (1, 1), ((1, 1), (0, 1))),
    ((7, 8), (3, 3), (2, 3), (1, 1), ((0, 0), (2, 0))),
    ((9, 7), (2, 3), (1, 1), (2, 3), ((1, 0), (0, 0))),
    ((4, 5, 6), (2, 3, 2), (1, 2, 1), (1, 1, 1), ((0, 1), (1, 1), (0, 0))),
    ((6, 5, 7), (2, 2, 3), (1, 1, 1), (2, 1, 2), ((0, 0), (1, 0), (2, 2))),
    ((11, 9), (3, 3), (2, 2), (1, 1), ((1, 2), (2, 1))),       # the transposed conv's phases
    ((8, 7, 9), (3, 2, 4), (2, 3, 3), (1, 1, 1), ((2, 0), (0, 2), (1, 3))),
]


def naive_im2col(x, kernel, strides, dilation, pads):
    """The definition, one window and one tap at a time."""
    xp = np.pad(x, ((0, 0), *pads, (0, 0)))
    rank = x.ndim - 2
    out = [(n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(xp.shape[1:-1], kernel, strides, dilation)]
    rows = np.zeros((x.shape[0], *out, int(np.prod(kernel)) * x.shape[-1]))
    for b in range(x.shape[0]):
        for p in itertools.product(*(range(o) for o in out)):
            row = []
            for tap in itertools.product(*(range(k) for k in kernel)):
                idx = tuple(p[a] * strides[a] + tap[a] * dilation[a] for a in range(rank))
                row.extend(xp[(b, *idx)])           # all channels of this tap
            rows[(b, *p)] = row
    return rows


@pytest.mark.parametrize("channels", [3, 9])     # the tap-major and the channels-last copies
@pytest.mark.parametrize("spatial,kernel,strides,dilation,pads", CASES)
def test_im2col_matches_naive_loop(rng, spatial, kernel, strides, dilation, pads, channels):
    x = rng.standard_normal((2, *spatial, channels))
    cols = im2col(x, kernel, strides, dilation, pads)
    np.testing.assert_array_equal(cols, naive_im2col(x, kernel, strides, dilation, pads))


@pytest.mark.parametrize("channels", [3, 9])     # the tap-major and the channels-last copies
@pytest.mark.parametrize("spatial,kernel,strides,dilation,pads", CASES)
def test_col2im_is_the_adjoint(rng, spatial, kernel, strides, dilation, pads, channels):
    x = rng.standard_normal((2, *spatial, channels))
    cols = im2col(x, kernel, strides, dilation, pads)
    c = rng.standard_normal(cols.shape)
    dx = col2im(c, x.shape, kernel, strides, dilation, pads)
    assert dx.shape == x.shape
    np.testing.assert_allclose(np.vdot(cols, c), np.vdot(x, dx), rtol=1e-12)
    # and entry by entry: col2im(c)[i] is d<im2col(x), c>/dx_i, so a one-hot x picks it out
    for flat in rng.choice(x.size, size=5, replace=False):
        e = np.zeros(x.size)
        e[flat] = 1.0
        e = e.reshape(x.shape)
        assert np.vdot(im2col(e, kernel, strides, dilation, pads), c) == pytest.approx(dx.ravel()[flat])


@pytest.mark.parametrize("channels,filters", [(3, 2), (9, 5)])
@pytest.mark.parametrize("spatial,kernel,strides,dilation,pads", CASES)
def test_full_correlation_is_col2im_of_delta_times_the_kernel(rng, spatial, kernel, strides, dilation,
                                                              pads, channels, filters):
    """For stride 1, dx = col2im(delta W^T) is the full correlation of delta with W flipped."""
    from edulayers.utils.windows import full_correlation
    if any(s != 1 for s in strides):
        return
    x = rng.standard_normal((2, *spatial, channels))
    w = rng.standard_normal((*kernel, channels, filters))
    delta = rng.standard_normal(im2col(x, kernel, strides, dilation, pads).shape[:-1] + (filters,))
    expected = col2im(delta @ w.reshape(-1, filters).T, x.shape, kernel, strides, dilation, pads)
    np.testing.assert_allclose(full_correlation(delta, w, x.shape, dilation, pads), expected,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("channels", [2, 8])
def test_col2im_can_start_from_a_bias(rng, channels):
    dcols = rng.standard_normal((2, 3, 4, 2 * 3 * channels))
    bias = rng.standard_normal(channels)
    x_shape, pads = (2, 5, 8, channels), ((1, 0), (0, 1))
    expected = col2im(dcols, x_shape, (2, 3), 2, 1, pads) + bias
    np.testing.assert_allclose(col2im(dcols, x_shape, (2, 3), 2, 1, pads, initial=bias), expected)
    np.testing.assert_allclose(col2im(dcols, x_shape, (2, 3), 2, 1, pads, initial=1.5),
                               expected - bias + 1.5)


@pytest.mark.parametrize("initial", [None, 0.5, "bias"])
@pytest.mark.parametrize("spatial,kernel,strides,dilation,pads", CASES)
def test_col2im_taps_is_col2im_on_tap_major_columns(rng, spatial, kernel, strides, dilation, pads,
                                                    initial):
    x_shape = (2, *spatial, 5)
    out = window_output_shape([n + b + a for n, (b, a) in zip(spatial, pads)], kernel, strides,
                              dilation)
    cols = rng.standard_normal((2, *out, int(np.prod(kernel)), 5))     # (batch, *out, K, C)
    start = rng.standard_normal(5) if initial == "bias" else initial
    expected = col2im(cols, x_shape, kernel, strides, dilation, pads, initial=start)
    taps = np.moveaxis(cols, -2, 0).copy()                             # (K, batch, *out, C)
    got = col2im_taps(taps, x_shape, kernel, strides, dilation, pads, initial=start)
    assert got.flags.c_contiguous and got.shape == x_shape
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13)


def test_col2im_taps_says_what_shape_it_expected(rng):
    with pytest.raises(ValueError, match=r"col2im_taps: columns of shape \(4, 1, 3, 3, 2\).*"
                                         r"expected \(9, 1, 3, 3, 2\)"):
        col2im_taps(rng.standard_normal((4, 1, 3, 3, 2)), (1, 5, 5, 2), 3)
    with pytest.raises(ValueError, match="do not fit the padded shape"):
        col2im_taps(rng.standard_normal((3, 1, 4, 2)), (1, 5, 2), 3, strides=2)


def test_col2im_sums_overlaps_and_accepts_split_columns():
    # 1-D, kernel 3, stride 1 on 5 positions: position i is read by min(i+1, 3, 5-i) windows
    ones = np.ones((1, 3, 3 * 1))
    np.testing.assert_array_equal(col2im(ones, (1, 5, 1), 3).ravel(), [1, 2, 3, 2, 1])
    split = np.ones((1, 3, 3, 1))
    np.testing.assert_array_equal(col2im(split, (1, 5, 1), 3).ravel(), [1, 2, 3, 2, 1])
    # positions past the last window (a padded tail) get zero
    np.testing.assert_array_equal(col2im(np.ones((1, 2, 2)), (1, 5, 1), 2, strides=2).ravel(),
                                  [1, 1, 1, 1, 0])


@pytest.mark.parametrize("channels", [3, 9])     # the tap-major and the channels-last copies
@pytest.mark.parametrize("spatial,kernel,strides,dilation,pads", CASES)
def test_window_view_matches_im2col(rng, spatial, kernel, strides, dilation, pads, channels):
    x = rng.standard_normal((2, *spatial, channels))
    xp = pad(x, pads)
    view = window_view(xp, kernel, strides, dilation)
    cols = im2col(x, kernel, strides, dilation, pads)
    assert view.shape == cols.shape[:-1] + tuple(kernel) + (channels,)
    np.testing.assert_array_equal(view.reshape(cols.shape), cols)
    assert not view.flags.writeable and np.shares_memory(view, xp)   # a view, no copy


def test_convolution_is_im2col_times_kernel(rng):
    x = rng.standard_normal((2, 6, 7, 3))
    kernel = rng.standard_normal((3, 2, 3, 4))
    y = im2col(x, (3, 2)) @ kernel.reshape(-1, 4)
    expected = np.zeros((2, 4, 6, 4))
    for i in range(4):
        for j in range(6):
            expected[:, i, j] = np.einsum("bklc,klcf->bf", x[:, i:i + 3, j:j + 2], kernel)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_pad_and_errors():
    x = np.ones((1, 3, 2))
    assert pad(x, ((0, 0),)) is x
    assert pad(x, ((1, 2),)).shape == (1, 6, 2) and pad(x, 1).shape == (1, 5, 2)
    with pytest.raises(ValueError, match="one .before, after. pair per spatial axis"):
        pad(x, ((1, 1), (1, 1)))
    with pytest.raises(ValueError, match="non-negative"):
        pad(x, ((-1, 0),))
    with pytest.raises(ValueError, match="no window fits"):
        im2col(x, 4)
    with pytest.raises(ValueError, match="one entry per spatial axis"):
        im2col(x, (2, 2))
    with pytest.raises(ValueError, match="do not fit"):
        col2im(np.ones((1, 3, 2)), (1, 3, 1), 2)
    assert window_output_shape((7, 8), (3, 3), (2, 1), (1, 2)) == (3, 4)


# ---------------------------------------------------------------------------- conv_utils
def test_output_length_rules():
    assert cu.conv_output_length(None, 3, "valid", 1) is None
    assert cu.conv_output_length(32, 3, "valid", 1) == 30
    assert cu.conv_output_length(32, 3, "same", 2) == 16
    assert cu.conv_output_length(33, 3, "same", 2) == 17
    assert cu.conv_output_length(10, 3, "causal", 1, 2) == 10
    assert cu.conv_output_length(10, 3, "full", 1) == 12
    assert cu.conv_output_length(2, 3, "valid", 1) == 0
    assert cu.padding_amounts(32, 3, 2, 1, "same") == (0, 1)
    assert cu.padding_amounts(32, 4, 1, 1, "same") == (1, 2)
    assert cu.padding_amounts(10, 3, 1, 2, "causal") == (4, 0)
    assert cu.padding_amounts(5, 3, 1, 1, "valid") == (0, 0)
    assert cu.deconv_output_length(None, 3, "same") is None
    # the crop of a transposed convolution = the padding of the convolution it is the adjoint of
    assert cu.deconv_padding_amounts(32, 16, 3, 2, 1, "same") == (0, 1)     # TF: odd zero after
    assert cu.deconv_padding_amounts(33, 16, 3, 2, 1, "valid") == (0, 0)
    assert cu.deconv_padding_amounts(34, 16, 3, 2, 1, "valid") == (0, 0)    # output_padding tail
    assert cu.deconv_padding_amounts(9, 4, 2, 3, 1, "same") == (1, 1)       # as Keras on JAX, torch
    assert cu.effective_kernel_size(3, 2) == 5


@pytest.mark.parametrize("n", [1, 2, 5, 8, 9])
@pytest.mark.parametrize("k,s,d", [(1, 1, 1), (2, 2, 1), (3, 1, 1), (3, 2, 1), (4, 3, 1), (3, 1, 2), (2, 1, 3)])
def test_same_padding_gives_ceil_n_over_s_windows(n, k, s, d):
    before, after = cu.padding_amounts(n, k, s, d, "same")
    assert 0 <= after - before <= 1
    padded = n + before + after
    assert (padded - cu.effective_kernel_size(k, d)) // s + 1 == -(-n // s) == cu.conv_output_length(n, k, "same", s, d)


def test_formulas_show_the_arithmetic():
    assert cu.output_length_formula(32, 3, "valid", 1, 1) == "floor((32 + 2*0 - 1*(3-1) - 1)/1) + 1 = 30"
    assert cu.output_length_formula(32, 3, "same", 1, 1) == "ceil(32/1) = 32"
    assert cu.output_length_formula(10, 3, "causal", 1, 2) == "floor((10 + 4 - 2*(3-1) - 1)/1) + 1 = 10"
    assert cu.output_length_formula(None, 3, "valid", 1).startswith("None")
    assert cu.deconv_output_length_formula(16, 3, "valid", None, 2) == "(16-1)*2 + max(3, 2) = 33"
    assert cu.deconv_output_length_formula(16, 3, "same", None, 2) == "16*2 = 32"
    assert cu.deconv_output_length_formula(16, 3, "same", 1, 2) == "(16-1)*2 + 3%2 + 1 = 32"
    assert cu.deconv_output_length_formula(5, 3, "valid", 0, 1, 2) == "(5-1)*1 + (2*(3-1)+1) + 0 = 9"
    with pytest.raises(ValueError, match=r"Conv2D 'c': output size along spatial axis 2 would be "
                                         r"floor\(\(2 \+ 2\*0 - 1\*\(3-1\) - 1\)/1\) \+ 1 = 0"):
        cu.conv_output_spatial_shape("Conv2D 'c'", (5, 2), (3, 3), (1, 1), (1, 1), "valid")
    assert cu.conv_output_spatial_shape("x", (None, 7), (3, 3), (1, 2), (1, 1), "valid") == (None, 3)


def test_argument_normalizers():
    assert cu.normalize_data_format(None) == "channels_last"
    assert cu.normalize_data_format("th") == "channels_first"
    with pytest.raises(ValueError, match="Conv2D 'c': data_format must be"):
        cu.normalize_data_format("NHWC", "Conv2D 'c'")
    assert cu.normalize_padding("SAME", "L") == "same"
    with pytest.raises(ValueError, match=r"L: padding must be one of 'valid', 'same', got 'causal'"):
        cu.normalize_padding("causal", "L")
    assert cu.normalize_tuple(3, 2, "kernel_size") == (3, 3)
    assert cu.normalize_tuple((0, 1), 2, "output_padding", allow_zero=True) == (0, 1)
    for bad in [(3,), (0, 1), "3", (1.5, 2)]:
        with pytest.raises(ValueError, match="kernel_size"):
            cu.normalize_tuple(bad, 2, "kernel_size", "L")
    shape = (8, 5, 6, 3)
    assert cu.spatial_shape(shape) == (5, 6) and cu.channel_count(shape) == 3
    assert cu.spatial_shape((8, 3, 5, 6), "channels_first") == (5, 6)
    assert cu.make_shape(None, (4, 4), 2, "channels_first") == (None, 2, 4, 4)
    x = np.zeros((2, 3, 5, 6))
    assert cu.to_channels_last(x, "channels_first").shape == (2, 5, 6, 3)
    assert cu.from_channels_last(cu.to_channels_last(x, "channels_first"), "channels_first").shape == x.shape
    assert cu.axes_description(2) == "(batch, rows, cols, channels)"
    assert cu.axes_description(1, "channels_first") == "(batch, channels, steps)"


@pytest.mark.keras
def test_lengths_match_keras(keras):
    from keras.src.backend.common.backend_utils import _get_output_shape_given_tf_padding
    from keras.src.ops.operation_utils import compute_conv_output_shape
    for n, k, s, d, padding in itertools.product([1, 4, 7, 10], [1, 2, 3, 4], [1, 2, 3], [1, 2],
                                                 ["valid", "same"]):
        if (s > 1 and d > 1) or (padding == "valid" and (k - 1) * d + 1 > n):
            continue
        theirs = compute_conv_output_shape((None, n, 2), 5, (k,), s, padding, dilation_rate=d)[1]
        assert cu.conv_output_length(n, k, padding, s, d) == theirs, (n, k, s, d, padding)
        for op in [None] + list(range(s)):
            theirs = _get_output_shape_given_tf_padding(n, k, s, padding, op, d)
            assert cu.deconv_output_length(n, k, padding, op, s, d) == theirs, (n, k, s, d, padding, op)


@pytest.mark.parametrize("groups", [1, 3])
def test_tap_major_columns_with_groups_and_ones_row(rng, groups):
    x = rng.standard_normal((2, 5, 6, 6))
    pads, kernel, strides = ((1, 1), (0, 1)), (3, 2), (2, 1)
    cols_t, out = im2col_t(x, kernel, strides, 1, pads, groups=groups, ones_row=True)
    cg = 6 // groups
    assert cols_t.shape == (groups, 6 * cg + 1, 2 * int(np.prod(out)))
    np.testing.assert_array_equal(cols_t[:, -1], 1.0)
    for g in range(groups):         # group g is im2col of its own channels, transposed
        own = im2col(x[..., g * cg:(g + 1) * cg], kernel, strides, 1, pads)
        np.testing.assert_array_equal(cols_t[g, :-1].T, own.reshape(-1, 6 * cg))
    c = rng.standard_normal(cols_t[:, :-1].shape)
    dx = col2im_t(c, x.shape, kernel, strides, 1, pads)
    np.testing.assert_allclose(np.vdot(cols_t[:, :-1], c), np.vdot(x, dx), rtol=1e-12)
    assert dx.flags.c_contiguous
    with pytest.raises(ValueError, match="do not match kernel"):
        col2im_t(c[:, 1:], x.shape, kernel, strides, 1, pads)
