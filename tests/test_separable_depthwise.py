"""SeparableConv1D/2D and DepthwiseConv1D/2D: gradcheck, paths, Keras twin, explain, bad input."""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import as64, assert_gradcheck, assert_paths_agree, compare_with_keras

L = el.layers

# Odd sizes, strides, dilation, 'same' padding (with its asymmetric TensorFlow split), channels_first,
# depth_multiplier > 1, activations, no bias.
CASES = [
    ("DepthwiseConv2D", {"kernel_size": 3}, (2, 5, 6, 3)),
    ("DepthwiseConv2D", {"kernel_size": (3, 2), "strides": 2, "padding": "same",
                         "depth_multiplier": 2, "activation": "tanh"}, (2, 7, 6, 3)),
    ("DepthwiseConv2D", {"kernel_size": 3, "dilation_rate": (2, 1), "padding": "same",
                         "data_format": "channels_first", "use_bias": False}, (2, 3, 7, 5)),
    ("DepthwiseConv2D", {"kernel_size": 2, "strides": (1, 3), "depth_multiplier": 3,
                         "activation": "relu"}, (1, 5, 7, 2)),
    # Keras 3 allows strides > 1 together with dilation > 1 here (unlike Conv2D).
    ("DepthwiseConv2D", {"kernel_size": 3, "strides": 2, "dilation_rate": 2, "padding": "same",
                         "depth_multiplier": 2}, (1, 9, 8, 2)),
    ("DepthwiseConv1D", {"kernel_size": 3, "strides": 2, "padding": "same",
                         "depth_multiplier": 2}, (2, 9, 3)),
    ("DepthwiseConv1D", {"kernel_size": 2, "dilation_rate": 3, "data_format": "channels_first"},
     (2, 3, 8)),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 3}, (2, 5, 6, 3)),
    ("SeparableConv2D", {"filters": 5, "kernel_size": 3, "strides": 2, "padding": "same",
                         "depth_multiplier": 2, "activation": "relu"}, (1, 7, 6, 3)),
    ("SeparableConv2D", {"filters": 3, "kernel_size": (2, 3), "dilation_rate": 2,
                         "data_format": "channels_first", "use_bias": False}, (2, 2, 7, 8)),
    ("SeparableConv2D", {"filters": 2, "kernel_size": 3, "strides": (2, 1), "padding": "same",
                         "activation": "sigmoid", "data_format": "channels_first",
                         "depth_multiplier": 3}, (1, 2, 5, 4)),
    ("SeparableConv1D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 9, 3)),
    ("SeparableConv1D", {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "depth_multiplier": 2,
                         "data_format": "channels_first", "activation": "tanh"}, (2, 3, 7)),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)]


@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=IDS)
def test_gradcheck_and_paths(rng, name, kwargs, shape):
    layer = as64(getattr(L, name)(bias_initializer="random_normal", **kwargs))
    x = rng.standard_normal(shape)
    assert_gradcheck(layer, x)
    assert_paths_agree(layer, x)
    assert_gradcheck(layer, x, path="reference")


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=IDS)
def test_keras_parity(keras, rng, name, kwargs, shape):
    kwargs = {**kwargs, "bias_initializer": "random_normal"}
    ours, theirs = getattr(L, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    compare_with_keras(ours, theirs, rng.standard_normal(shape))
    assert ours.count_params() == theirs.count_params()
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    assert list(ours.weights) == [w.path.split("/")[-1] for w in theirs.weights]
    probe = (None,) + shape[1:]
    assert tuple(ours.compute_output_shape(probe)) == tuple(theirs.compute_output_shape(probe))


def test_depthwise_equals_grouped_conv_by_hand(rng):
    """Channel c, copy m of the output is the plain 2-D correlation of channel c with K[..., c, m]."""
    layer = as64(L.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False))
    x = rng.standard_normal((1, 5, 6, 2))
    y = layer(x)
    k = layer.kernel
    for c in range(2):
        for m in range(2):
            expected = np.array([[np.sum(x[0, i:i + 3, j:j + 3, c] * k[:, :, c, m]) for j in range(4)]
                                 for i in range(3)])
            np.testing.assert_allclose(y[0, :, :, c * 2 + m], expected, rtol=1e-12)


def test_separable_is_depthwise_then_pointwise(rng):
    sep = as64(L.SeparableConv2D(4, 3, padding="same", depth_multiplier=2, use_bias=False))
    x = rng.standard_normal((2, 5, 5, 3))
    y = sep(x)
    dw = as64(L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, use_bias=False))
    dw(x)
    dw.set_weights([sep.depthwise_kernel])
    pointwise = sep.pointwise_kernel.reshape(6, 4)
    np.testing.assert_allclose(y, dw(x) @ pointwise, rtol=1e-12)


# the two fast depthwise stages: taps on strided slices (any stride) and on the flat grid (stride 1)
@pytest.mark.parametrize("spatial,kernel,dilation,pads,multiplier", [
    ((7,), (3,), (1,), ((1, 1),), 1),
    ((9,), (2,), (3,), ((0, 2),), 2),
    ((6, 5), (3, 3), (1, 1), ((1, 1), (1, 1)), 1),
    ((7, 8), (2, 3), (2, 1), ((1, 0), (0, 2)), 3),
])
def test_flat_grid_stage_matches_strided_taps(rng, spatial, kernel, dilation, pads, multiplier):
    from edulayers.layers.convolutional.depthwise import (depthwise_grid, depthwise_grid_backward,
                                                          depthwise_taps, depthwise_taps_backward,
                                                          flat_grid)
    from edulayers.utils.windows import pad
    x = rng.standard_normal((2, *spatial, 4))
    weights = rng.standard_normal((*kernel, 4, multiplier))
    xp = pad(x, pads)
    out = tuple(n + b + a - d * (k - 1) for n, (b, a), k, d in zip(spatial, pads, kernel, dilation))
    expected = depthwise_taps(xp, weights, out, (1,) * len(spatial), dilation)
    flat, grid = flat_grid(x, pads, kernel, dilation)
    assert grid.out == out
    got = depthwise_grid(flat, grid, weights)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13)
    dz = rng.standard_normal(expected.shape)
    dxp, dkernel = depthwise_taps_backward(dz, xp, weights, out, (1,) * len(spatial), dilation)
    dflat, dkernel_grid = depthwise_grid_backward(dz, flat, grid, weights)
    np.testing.assert_allclose(grid.padded_view(dflat), dxp, rtol=1e-12, atol=1e-12)
    assert not dflat[:, grid.size:].any()               # nothing lands in the tail
    np.testing.assert_allclose(dkernel_grid, dkernel, rtol=1e-12, atol=1e-12)


def test_add_bias_adds_along_the_channel_axis(rng):
    from edulayers.layers.convolutional.depthwise import add_bias
    bias = rng.standard_normal(5)
    for rows in (7, 256, 384):                          # no fold, and folds of 128
        z = rng.standard_normal((rows, 5))
        expected = z + bias
        assert add_bias(z, bias) is z                   # in place on a contiguous array
        np.testing.assert_array_equal(z, expected)
    strided = rng.standard_normal((6, 10))[:, ::2]
    np.testing.assert_array_equal(add_bias(strided, bias), strided + bias)


def test_explain():
    ex = L.SeparableConv2D(32, 3, padding="same", input_shape=(32, 32, 16)).explain()
    assert ex.param_formula == "(3*3)*16*1 + (16*1)*32 + 32"
    assert ex.param_count == evaluate_arithmetic(ex.param_formula) == 688
    assert ex.trace == "(None, 32, 32, 16) -> (None, 34, 34, 16) -> (None, 32, 32, 16) -> (None, 32, 32, 32)"
    assert "ceil(32/1) = 32" in str(ex) and "3*3*16*32 + 32 = 4640" in str(ex)
    assert "P_{q,f}" in ex.formula and "D_{a,b,c,m}" in ex.formula
    ex = L.DepthwiseConv2D(3, strides=2, depth_multiplier=2, activation="relu").explain((None, 9, 8, 3))
    assert ex.output_shape == (None, 4, 3, 6)
    assert "floor((9 + 2*0 - 1*(3-1) - 1)/2) + 1 = 4" in str(ex)
    assert ex.param_formula == "(3*3)*3*2 + 3*2" and ex.param_count == 60
    assert r"\mathrm{relu}" in ex.formula and "Keras 2 called it 'depthwise_kernel'" in str(ex)
    ex = L.DepthwiseConv1D(5, data_format="channels_first").explain((None, 4, None))
    assert ex.output_shape == (None, 4, None)
    for name, kwargs, shape in CASES:
        layer = getattr(L, name)(**kwargs)
        ex = layer.explain((None,) + shape[1:])
        assert ex.output_shape == layer.compute_output_shape((None,) + shape[1:])
        assert evaluate_arithmetic(ex.param_formula) == ex.param_count


@pytest.mark.parametrize("name,kwargs,shape", CASES[::2], ids=IDS[::2])
def test_config_round_trip(rng, name, kwargs, shape):
    layer = getattr(L, name)(**kwargs)
    x = rng.standard_normal(shape)
    y = layer(x)
    clone = type(layer)(**layer.get_config())
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x), y)
    assert clone.get_config() == layer.get_config()


def test_keras1_separable_convolution2d():
    layer = L.SeparableConvolution2D(8, 3, 3, border_mode="same", subsample=(2, 2), init="he_normal",
                                     dim_ordering="tf", bias=False)
    assert (layer.filters, layer.kernel_size, layer.padding, layer.strides) == (8, (3, 3), "same", (2, 2))
    assert not layer.use_bias and layer.data_format == "channels_last"
    assert type(layer.depthwise_initializer) is type(layer.pointwise_initializer)
    assert type(layer.depthwise_initializer).__name__ == "HeNormal"
    layer = L.SeparableConvolution2D(nb_filter=4, nb_row=2, nb_col=3)
    assert layer.kernel_size == (2, 3)
    assert layer(np.zeros((1, 5, 5, 2))).shape == (1, 4, 3, 4)
    assert L.SeparableConv2D(4, 3, 2).strides == (2, 2)      # Keras 2 positional strides stay strides
    assert issubclass(L.SeparableConvolution1D, L.SeparableConv1D)


def test_regularizer_and_constraint_hooks(rng):
    layer = L.SeparableConv2D(2, 3, depthwise_regularizer=el.regularizers.L2(0.1),
                              pointwise_constraint="non_neg")
    layer(rng.standard_normal((1, 4, 4, 2)))
    assert len(layer.losses) == 1 and set(layer.regularization_gradients()) == {"depthwise_kernel"}
    layer.pointwise_kernel[...] = -1.0
    layer.apply_constraints()
    assert np.all(layer.pointwise_kernel == 0)


def test_bad_input():
    with pytest.raises(ValueError, match=r"DepthwiseConv2D .* expected input of rank 4 "
                                         r"\(batch, rows, cols, channels\), got shape \(5, 5, 3\)"):
        L.DepthwiseConv2D(3)(np.zeros((5, 5, 3)))
    with pytest.raises(ValueError, match=r"SeparableConv1D .* expected input of rank 3"):
        L.SeparableConv1D(2, 3)(np.zeros((1, 5, 5, 3)))
    layer = L.SeparableConv2D(4, 3)
    layer(np.zeros((1, 5, 5, 3)))
    with pytest.raises(ValueError, match=r"SeparableConv2D .*axis -1 .*size 3.*got shape \(1, 5, 5, 2\)"):
        layer(np.zeros((1, 5, 5, 2)))
    with pytest.raises(ValueError, match=r"DepthwiseConv2D .*output size along spatial axis 1 would be "
                                         r"floor\(\(2 \+ 2\*0 - 1\*\(3-1\) - 1\)/1\) \+ 1 = 0"):
        L.DepthwiseConv2D(3)(np.zeros((1, 2, 5, 1)))
    with pytest.raises(ValueError, match=r"SeparableConv2D .*output size along spatial axis 2.*spans 5"):
        L.SeparableConv2D(2, 3, dilation_rate=2)(np.zeros((1, 9, 4, 1)))
    with pytest.raises(ValueError, match=r"DepthwiseConv2D .*the input has 3 positions.*kernel spans 5"):
        L.DepthwiseConv2D(5).explain((None, 3, 3, 1))
    with pytest.raises(ValueError, match=r"DepthwiseConv2D: padding must be one of 'valid', 'same'"):
        L.DepthwiseConv2D(3, padding="causal")
    with pytest.raises(ValueError, match=r"depth_multiplier must be a positive int, got 0"):
        L.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match=r"SeparableConv2D: filters must be a positive int"):
        L.SeparableConv2D(0, 3)
    with pytest.raises(ValueError, match=r"kernel_size must be an int or a tuple of 2 ints"):
        L.SeparableConv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match=r"every entry of strides must be positive"):
        L.DepthwiseConv1D(3, strides=0)
    with pytest.raises(ValueError, match=r"data_format must be 'channels_last' or 'channels_first'"):
        L.DepthwiseConv2D(3, data_format="NCHW")
    with pytest.raises(ValueError, match=r"needs the number of input channels"):
        L.DepthwiseConv2D(3).explain((None, 5, 5, None))
    layer = L.DepthwiseConv2D(3)
    layer(np.zeros((1, 5, 5, 2)))
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(1, 3, 3, 2\)"):
        layer.backward(np.zeros((1, 5, 5, 2)))
