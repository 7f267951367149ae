"""Pooling (Max/AveragePooling1D/2D/3D) and global pooling: gradcheck, paths, Keras twin, tie rule,
TensorFlow's 'same' average, explain() and bad input."""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from edulayers.utils.conv_utils import padding_amounts
from twins import as64, assert_gradcheck, assert_paths_agree, compare_with_keras, keras_forward_backward

POOLS = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
         "AveragePooling1D", "AveragePooling2D", "AveragePooling3D"]
GLOBALS = ["GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"]

# (pool_size, strides, padding, data_format, spatial sizes per rank): tiling windows, sizes that do
# not divide, overlapping windows (3, stride 1), strides != pool, 'same', channels_first.
CONFIGS = [
    (2, None, "valid", "channels_last", {1: (8,), 2: (6, 8), 3: (4, 6, 4)}),
    (2, None, "valid", "channels_last", {1: (7,), 2: (7, 5), 3: (5, 3, 5)}),
    (3, 1, "valid", "channels_last", {1: (7,), 2: (7, 6), 3: (5, 4, 5)}),
    (3, 2, "valid", "channels_first", {1: (9,), 2: (7, 9), 3: (5, 5, 7)}),
    (3, 2, "same", "channels_last", {1: (7,), 2: (7, 5), 3: (5, 3, 5)}),
    (2, 1, "same", "channels_first", {1: (6,), 2: (5, 6), 3: (3, 4, 3)}),
    (3, 1, "same", "channels_last", {1: (5,), 2: (5, 6), 3: (3, 4, 3)}),
    (2, 3, "valid", "channels_last", {1: (8,), 2: (8, 7), 3: (5, 5, 4)}),
]


def _rank(name):
    return int(name[-2])


def _shape(rank, spatial, data_format, batch=2, channels=3):
    return (batch, *spatial, channels) if data_format == "channels_last" else (batch, channels, *spatial)


def _layer(name, pool, strides, padding, data_format):
    return getattr(el.layers, name)(pool_size=pool, strides=strides, padding=padding,
                                    data_format=data_format)


def _tf_average(x_cl, pool, strides, padding):
    """TensorFlow's average pooling, written independently: sum-pool of x over sum-pool of ones,
    both zero-padded (so the divisor counts the real cells). x is channels_last."""
    rank = x_cl.ndim - 2
    spatial = x_cl.shape[1:-1]
    pads = [padding_amounts(n, pool, strides, 1, padding) for n in spatial]
    xp = np.pad(x_cl, [(0, 0), *pads, (0, 0)])
    ones = np.pad(np.ones(spatial), pads)
    out = [(n + b + a - pool) // strides + 1 for n, (b, a) in zip(spatial, pads)]
    y = np.zeros((x_cl.shape[0], *out, x_cl.shape[-1]))
    for pos in np.ndindex(*out):
        sl = tuple(slice(i * strides, i * strides + pool) for i in pos)
        y[(slice(None),) + pos] = xp[(slice(None),) + sl].sum(axis=tuple(range(1, rank + 1))) / ones[sl].sum()
    return y


# ------------------------------------------------------------------------------ tier 1: gradcheck
@pytest.mark.parametrize("name", POOLS)
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"p{c[0]}s{c[1]}-{c[2]}-{c[3][9:]}")
def test_gradcheck_both_paths(rng, name, config):
    pool, strides, padding, data_format, sizes = config
    rank = _rank(name)
    layer = _layer(name, pool, strides, padding, data_format)
    x = rng.standard_normal(_shape(rank, sizes[rank], data_format))   # continuous: no ties
    assert_gradcheck(layer, x)
    if rank < 3 or config is CONFIGS[2]:   # the reference loop is slow under finite differences
        assert_gradcheck(layer, x, path="reference")


@pytest.mark.parametrize("name", POOLS)
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"p{c[0]}s{c[1]}-{c[2]}-{c[3][9:]}")
def test_reference_equals_fast(rng, name, config):
    pool, strides, padding, data_format, sizes = config
    rank = _rank(name)
    layer = as64(_layer(name, pool, strides, padding, data_format))
    assert_paths_agree(layer, rng.standard_normal(_shape(rank, sizes[rank], data_format)))


def test_overlapping_max_backward_is_not_the_stride_equals_pool_shortcut(rng):
    """The classic student bug: a max-pool backward that is only right when stride == pool.
    3x3 windows, stride 1: a cell that is the maximum of several windows collects all of them."""
    x = rng.standard_normal((1, 6, 6, 1))
    x[0, 2, 2, 0] = 10.0                       # the maximum of all 9 windows that contain it
    layer = as64(el.layers.MaxPooling2D(3, strides=1))
    layer(x)
    dx = layer.backward(np.ones((1, 4, 4, 1)))
    assert dx[0, 2, 2, 0] == 9.0               # windows starting at rows 0..2, cols 0..2
    assert dx.sum() == 16.0                    # every window passes its gradient exactly once
    assert_gradcheck(layer, x)


def test_fast_path_chooses_the_reshape_trick_only_when_windows_tile(rng):
    layer = el.layers.MaxPooling2D(2)
    layer(rng.standard_normal((1, 4, 6, 2)))
    assert layer.cache[0] == "tiles"
    layer(rng.standard_normal((1, 5, 6, 2)))
    assert layer.cache[0] == "separable"
    overlapping = el.layers.AveragePooling2D(2, strides=1)
    overlapping(rng.standard_normal((1, 4, 4, 2)))
    assert overlapping.cache[0] == "separable"


def test_float32_stays_float32(rng):
    for name in POOLS + GLOBALS:
        rank = _rank(name)
        layer = getattr(el.layers, name)()
        x = rng.standard_normal((2, *(4,) * rank, 3)).astype(np.float32)
        for path in ("fast", "reference"):
            y = layer(x, path=path)
            assert y.dtype == np.float32, (name, path)
            assert layer.backward(np.ones_like(y)).dtype == np.float32, (name, path)


# ------------------------------------------------------------------------------ the tie rule
@pytest.mark.parametrize("path", ["fast", "reference"])
@pytest.mark.parametrize("pool, strides, padding, size", [
    (2, None, "valid", 4),    # tiling: the reshape trick must fall back to the tie rule
    (3, 1, "valid", 5),       # overlapping windows
    (3, 2, "same", 5),        # padded with -inf
])
def test_tie_rule_first_maximum_in_row_major_window_order(path, pool, strides, padding, size):
    layer = as64(el.layers.MaxPooling2D(pool, strides=strides, padding=padding))
    x = np.zeros((1, size, size, 1))          # every window is one big tie
    y = layer(x, path=path)
    dy = np.arange(1.0, y.size + 1).reshape(y.shape)
    dx = layer.backward(dy)
    step = pool if strides is None else strides
    before = padding_amounts(size, pool, step, 1, padding)[0]
    expected = np.zeros_like(x)
    for i in range(y.shape[1]):
        for j in range(y.shape[2]):
            # the first real cell of window (i, j): its top-left corner, clipped into the input
            r, c = max(i * step - before, 0), max(j * step - before, 0)
            expected[0, r, c, 0] += dy[0, i, j, 0]
    np.testing.assert_array_equal(dx, expected)


def test_tie_rule_inside_one_window():
    layer = as64(el.layers.MaxPooling2D(2))
    x = np.array([[1.0, 5.0, 0.0, 2.0],
                  [5.0, 5.0, 2.0, 1.0]]).reshape(1, 2, 4, 1)
    for path in ("fast", "reference"):
        layer(x, path=path)
        dx = layer.backward(np.array([10.0, 20.0]).reshape(1, 1, 2, 1))
        np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 10, 0, 20], [0, 0, 0, 0]])


@pytest.mark.parametrize("name", ["GlobalMaxPooling1D", "GlobalMaxPooling2D"])
def test_global_max_tie_rule(name):
    rank = _rank(name)
    layer = as64(getattr(el.layers, name)())
    x = np.zeros((2, *(3,) * rank, 2))
    for path in ("fast", "reference"):
        layer(x, path=path)
        dx = layer.backward(np.ones((2, 2)))
        assert dx.reshape(2, -1, 2)[:, 0].tolist() == [[1, 1], [1, 1]] and dx.sum() == 4


@pytest.mark.keras
@pytest.mark.parametrize("pool, strides, padding", [(2, None, "valid"), (3, 1, "valid"), (3, 2, "same")])
def test_tie_rule_matches_keras(keras, rng, pool, strides, padding):
    """Keras on JAX sends a window's gradient to one maximum, the first in row-major order (XLA's
    select-and-scatter), as TensorFlow's MaxPoolGrad does and ours (torch's max_pool2d too)."""
    x = rng.integers(0, 3, size=(2, 7, 7, 2)).astype(np.float64)   # many ties
    if pool == 2:
        x = x[:, :6, :6]
    compare_with_keras(el.layers.MaxPooling2D(pool, strides=strides, padding=padding),
                       keras.layers.MaxPooling2D(pool, strides=strides, padding=padding), x)


# ------------------------------------------------------------------------------ 'same' average
@pytest.mark.parametrize("path", ["fast", "reference"])
def test_same_average_counts_real_cells_only(path):
    layer = as64(el.layers.AveragePooling1D(3, strides=2, padding="same"))
    x = np.arange(6.0).reshape(1, 6, 1)
    # padding (0, 1): the last window holds x4, x5 and one padded cell -> (4 + 5) / 2
    np.testing.assert_allclose(layer(x, path=path).ravel(), [1.0, 3.0, 4.5])
    layer4 = as64(el.layers.AveragePooling1D(4, strides=1, padding="same"))
    np.testing.assert_allclose(layer4(x, path=path).ravel(), [1.0, 1.5, 2.5, 3.5, 4.0, 4.5])


@pytest.mark.parametrize("name", ["AveragePooling1D", "AveragePooling2D", "AveragePooling3D"])
@pytest.mark.parametrize("pool, strides", [(3, 2), (4, 1), (2, 1), (3, 3)])
def test_same_average_equals_tensorflow_rule(rng, name, pool, strides):
    rank = _rank(name)
    layer = as64(getattr(el.layers, name)(pool, strides=strides, padding="same"))
    x = rng.standard_normal((2, *(6, 5, 4)[:rank], 2))
    expected = _tf_average(x, pool, strides, "same")
    for path in ("fast", "reference"):
        np.testing.assert_allclose(layer(x, path=path), expected, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------ Keras twin
@pytest.mark.keras
@pytest.mark.parametrize("name", POOLS)
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"p{c[0]}s{c[1]}-{c[2]}-{c[3][9:]}")
def test_keras_parity(keras, rng, name, config):
    pool, strides, padding, data_format, sizes = config
    rank = _rank(name)
    spatial = sizes[rank]
    shape = _shape(rank, spatial, data_format)
    x = rng.standard_normal(shape)
    ours = _layer(name, pool, strides, padding, data_format)
    theirs = getattr(keras.layers, name)(pool_size=pool, strides=strides, padding=padding,
                                         data_format=data_format)
    batchless = (None, *shape[1:])
    assert ours.compute_output_shape(batchless) == tuple(theirs.compute_output_shape(batchless))
    # Keras on JAX averages a 'same' window over its real cells (a sum-pool of ones as divisor),
    # as TensorFlow does, so every configuration is compared with it (Keras on torch replicated
    # the edge of an asymmetric 'same' window instead and had to be skipped there).
    y, _ = compare_with_keras(ours, theirs, x)
    assert ours.count_params() == theirs.count_params() == 0
    if name.startswith("Average") and padding == "same":    # and both are TensorFlow's rule
        x_cl = x if data_format == "channels_last" else np.moveaxis(x, 1, -1)
        y_cl = y if data_format == "channels_last" else np.moveaxis(y, 1, -1)
        np.testing.assert_allclose(y_cl, _tf_average(x_cl, pool, strides or pool, padding), atol=1e-12)


@pytest.mark.keras
@pytest.mark.parametrize("name", GLOBALS)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_keras_parity(keras, rng, name, data_format, keepdims):
    rank = _rank(name)
    shape = _shape(rank, (5, 4, 3)[:rank], data_format)
    ours = getattr(el.layers, name)(data_format=data_format, keepdims=keepdims)
    theirs = getattr(keras.layers, name)(data_format=data_format, keepdims=keepdims)
    compare_with_keras(ours, theirs, rng.standard_normal(shape))
    batchless = (None, *shape[1:])
    assert ours.compute_output_shape(batchless) == tuple(theirs.compute_output_shape(batchless))


@pytest.mark.keras
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_1d_mask_keras_parity(keras, rng, data_format):
    x = rng.standard_normal((3, 5, 4) if data_format == "channels_last" else (3, 4, 5))
    mask = np.array([[1, 1, 0, 0, 1], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    theirs = keras.layers.GlobalAveragePooling1D(data_format=data_format)
    y_k, dx_k, _, dy = keras_forward_backward(theirs, x, mask=mask)
    ours = as64(el.layers.GlobalAveragePooling1D(data_format=data_format))
    for path in ("fast", "reference"):
        np.testing.assert_allclose(ours(x, mask=mask, path=path), y_k, atol=1e-12)
        np.testing.assert_allclose(ours.backward(dy), dx_k, atol=1e-12)
    assert ours.output_mask is None            # the mask is consumed
    assert_gradcheck(ours, x, mask=mask)
    assert_gradcheck(ours, x, mask=mask, path="reference")


@pytest.mark.parametrize("name", GLOBALS)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_gradcheck_and_paths(rng, name, data_format):
    rank = _rank(name)
    layer = as64(getattr(el.layers, name)(data_format=data_format, keepdims=rank == 2))
    x = rng.standard_normal(_shape(rank, (5, 3, 3)[:rank], data_format))
    assert_gradcheck(layer, x)
    assert_gradcheck(layer, x, path="reference")
    assert_paths_agree(layer, x)


def test_global_average_1d_all_masked_gives_nan_as_keras():
    layer = el.layers.GlobalAveragePooling1D()
    y = layer(np.ones((2, 3, 2)), mask=np.array([[0, 0, 0], [1, 0, 1]]))
    assert np.isnan(y[0]).all() and np.allclose(y[1], 1.0)


# ------------------------------------------------------------------------------ explain, config, legacy
def test_explain_shows_the_arithmetic_per_axis():
    ex = el.layers.MaxPooling2D((2, 3), strides=(2, 1)).explain((None, 9, 8, 4))
    assert ex.param_count == 0 and ex.param_formula == "0"
    assert ex.output_shape == (None, 4, 6, 4)
    assert "rows: floor((9 + 2*0 - 1*(2-1) - 1)/2) + 1 = 4" in str(ex)
    assert "cols: floor((8 + 2*0 - 1*(3-1) - 1)/1) + 1 = 6" in str(ex)
    same = el.layers.AveragePooling1D(3, strides=2, padding="same").explain((None, 6, 1))
    assert "steps: ceil(6/2) = 3" in str(same) and "real (unpadded) cells" in str(same)
    assert r"\max" in ex.formula and r"\frac{1}{|W_{i}|}" in same.formula


@pytest.mark.parametrize("name", POOLS + GLOBALS)
def test_explain_trace_ends_at_compute_output_shape(name):
    rank = _rank(name)
    for data_format in ("channels_last", "channels_first"):
        layer = getattr(el.layers, name)(data_format=data_format)
        shape = _shape(rank, (8, 6, 4)[:rank], data_format, batch=None)
        ex = layer.explain(shape)
        assert ex.output_shape == layer.compute_output_shape(shape)
        assert evaluate_arithmetic(ex.param_formula) == ex.param_count == 0


def test_compute_output_shape_with_unknown_sizes():
    assert el.layers.MaxPooling2D(2).compute_output_shape((None, None, 9, 3)) == (None, None, 4, 3)
    assert el.layers.AveragePooling1D(2, data_format="channels_first").compute_output_shape(
        (4, 3, None)) == (4, 3, None)
    assert el.layers.GlobalMaxPooling2D(keepdims=True).compute_output_shape((None, None, None, 5)) \
        == (None, 1, 1, 5)


@pytest.mark.parametrize("name", POOLS + GLOBALS)
def test_get_config_round_trip(name):
    kwargs = {"data_format": "channels_first"}
    if "Global" not in name:
        kwargs.update(pool_size=3, strides=1, padding="same")
    else:
        kwargs["keepdims"] = True
    layer = getattr(el.layers, name)(**kwargs)
    clone = type(layer)(**layer.get_config())
    config, again = layer.get_config(), clone.get_config()
    assert config == again and config["data_format"] == "channels_first"


def test_defaults_and_keras_names():
    layer = el.layers.MaxPooling2D()
    assert layer.pool_size == (2, 2) and layer.strides == (2, 2) and layer.padding == "valid"
    assert layer.data_format == "channels_last" and layer.name == "max_pooling2d"
    assert el.layers.AveragePooling3D(padding="SAME").padding == "same"
    assert el.layers.MaxPool2D is el.layers.MaxPooling2D
    assert el.layers.GlobalAvgPool1D is el.layers.GlobalAveragePooling1D


def test_keras1_arguments():
    layer = el.layers.MaxPooling1D(pool_length=3, stride=1, border_mode="same")
    assert layer.pool_size == (3,) and layer.strides == (1,) and layer.padding == "same"
    layer2 = el.layers.AveragePooling2D(pool_size=(2, 2), border_mode="valid", dim_ordering="th")
    assert layer2.data_format == "channels_first"
    assert layer2(np.ones((1, 3, 4, 4))).shape == (1, 3, 2, 2)
    assert el.layers.GlobalMaxPooling2D(dim_ordering="tf").data_format == "channels_last"


# ------------------------------------------------------------------------------ bad input
def test_bad_input():
    layer = el.layers.MaxPooling2D(2)
    with pytest.raises(ValueError, match=r"MaxPooling2D 'max_pooling2d' expected input of rank 4 "
                                         r"\(batch, rows, cols, channels\), got shape \(8, 8\)"):
        layer(np.zeros((8, 8)))
    with pytest.raises(ValueError, match=r"output size along rows .* would be "
                                         r"floor\(\(1 \+ 2\*0 - 1\*\(2-1\) - 1\)/2\) \+ 1 = 0 "
                                         r"\(must be positive\).*pool_size is 2"):
        layer(np.zeros((1, 1, 8, 3)))
    with pytest.raises(ValueError, match=r"floor\(\(2 \+ 2\*0 - 1\*\(3-1\) - 1\)/1\) \+ 1 = 0"):
        el.layers.AveragePooling1D(3, strides=1).explain((None, 2, 4))
    with pytest.raises(ValueError, match=r"along dim2 .* ceil\(0/2\) = 0 .*empty"):
        el.layers.MaxPooling3D(2, padding="same")(np.zeros((1, 2, 0, 2, 1)))
    with pytest.raises(ValueError, match=r"MaxPooling1D: padding must be one of 'valid', 'same', "
                                         r"got 'causal'"):
        el.layers.MaxPooling1D(padding="causal")
    with pytest.raises(ValueError, match=r"AveragePooling2D: every entry of pool_size must be positive"):
        el.layers.AveragePooling2D(pool_size=(0, 2))
    with pytest.raises(ValueError, match=r"MaxPooling3D: strides must be an int or a tuple of 3 ints"):
        el.layers.MaxPooling3D(strides=(1, 1))
    with pytest.raises(ValueError, match=r"data_format must be 'channels_last' or 'channels_first'"):
        el.layers.GlobalMaxPooling2D(data_format="NHWC")
    with pytest.raises(ValueError, match=r"GlobalAveragePooling3D .* expected input of rank 5"):
        el.layers.GlobalAveragePooling3D()(np.zeros((2, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"expected a mask of shape \(batch, steps\) = \(2, 3\), "
                                         r"got shape \(2, 4\)"):
        el.layers.GlobalAveragePooling1D()(np.zeros((2, 3, 1)), mask=np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"cannot pool over an empty spatial extent"):
        el.layers.GlobalMaxPooling1D()(np.zeros((2, 0, 3)))
    with pytest.raises(RuntimeError, match="call forward before backward"):
        el.layers.AveragePooling1D().backward(np.zeros((1, 2, 1)))
    layer(np.zeros((1, 4, 4, 3)))
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(1, 2, 2, 3\).*got \(1, 2, 2, 4\)"):
        layer.backward(np.zeros((1, 2, 2, 4)))
