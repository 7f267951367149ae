"""LocallyConnected1D/2D (Keras 2 layers, dropped by Keras 3): gradcheck, paths, an independent check
from Keras 2's definition (implementation=1 weight layout), the seed's parameter count, the
Conv2D special case, explain(), Keras 1 arguments and bad input."""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import as64, assert_gradcheck, assert_paths_agree

CASES_2D = [
    # kwargs, input shape: odd sizes, rectangular kernels, strides, channels_first, activations
    (dict(filters=4, kernel_size=(3, 2), strides=(2, 1), activation="tanh"), (2, 7, 6, 3)),
    (dict(filters=3, kernel_size=3), (2, 5, 5, 2)),
    (dict(filters=3, kernel_size=3, data_format="channels_first", activation="relu"), (2, 2, 6, 5)),
    (dict(filters=2, kernel_size=2, strides=3, use_bias=False), (3, 7, 8, 2)),
]
CASES_1D = [
    (dict(filters=5, kernel_size=3, strides=2, activation="sigmoid"), (3, 9, 4)),
    (dict(filters=2, kernel_size=1), (2, 4, 3)),
    (dict(filters=3, kernel_size=4, data_format="channels_first"), (2, 3, 7)),
    (dict(filters=3, kernel_size=2, strides=2, use_bias=False), (2, 7, 2)),
]


def _make(kwargs, shape):
    cls = el.layers.LocallyConnected2D if len(shape) == 4 else el.layers.LocallyConnected1D
    return cls(**kwargs)


def _random_weights(layer, rng):
    layer.set_weights([rng.standard_normal(w.shape) for w in layer.get_weights()])


def _keras2_definition(x_cl, kernel, bias, kernel_size, strides):
    """Keras 2's local_conv2d (implementation=1) from its published definition, written out tap
    by tap: position p = i*out_cols + j uses kernel[p], whose rows run over the patch in
    (kh, kw, in_channels) order; bias has shape (out_rows, out_cols, filters). x is
    (batch, rows, cols, channels); 1-D inputs are passed with a rows axis of length 1."""
    (kh, kw), (sh, sw) = kernel_size, strides
    batch, rows, cols, channels = x_cl.shape
    out_rows, out_cols = (rows - kh) // sh + 1, (cols - kw) // sw + 1
    filters = kernel.shape[-1]
    w = kernel.reshape(out_rows, out_cols, kh, kw, channels, filters)
    y = np.zeros((batch, out_rows, out_cols, filters))
    for i in range(out_rows):
        for j in range(out_cols):
            for a in range(kh):
                for b in range(kw):
                    y[:, i, j] += x_cl[:, i * sh + a, j * sw + b, :] @ w[i, j, a, b]
            if bias is not None:
                y[:, i, j] += bias[i, j]
    return y


# ------------------------------------------------------------------------------ tier 1 and 2
@pytest.mark.parametrize("kwargs, shape", CASES_2D + CASES_1D)
def test_gradcheck_both_paths(rng, kwargs, shape):
    layer = _make(kwargs, shape)
    x = rng.standard_normal(shape)
    layer(x)
    _random_weights(layer, rng)      # random bias too: the bias gradient is then exercised fully
    report = assert_gradcheck(layer, x)
    assert {t.name for t in report.tensors} == {"dx", *layer.params}
    assert_gradcheck(layer, x, path="reference")


@pytest.mark.parametrize("kwargs, shape", CASES_2D + CASES_1D)
def test_reference_equals_fast(rng, kwargs, shape):
    layer = as64(_make(kwargs, shape))
    x = rng.standard_normal(shape)
    layer(x)
    _random_weights(layer, rng)
    assert_paths_agree(layer, x)


# ------------------------------------------------------------------------------ independent check
@pytest.mark.parametrize("kwargs, shape", [c for c in CASES_2D + CASES_1D
                                           if c[0].get("activation") is None])
def test_matches_keras2_definition_with_keras2_weight_layout(rng, kwargs, shape):
    layer = as64(_make(kwargs, shape))
    rank = len(shape) - 2
    x = rng.standard_normal(shape)
    layer(x)
    positions, patch, filters = layer.kernel.shape
    kernel = rng.standard_normal((positions, patch, filters))          # Keras 2 shapes
    weights = [kernel]
    if layer.use_bias:
        weights.append(rng.standard_normal(layer.bias.shape))
    layer.set_weights(weights)
    channels_first = layer.data_format == "channels_first"
    x_cl = np.moveaxis(x, 1, -1) if channels_first else x
    if rank == 1:   # a sequence is an image with one row
        x_cl = x_cl[:, None]
        bias = None if not layer.use_bias else weights[1][None]
        k, s = (1, layer.kernel_size[0]), (1, layer.strides[0])
    else:
        bias = None if not layer.use_bias else weights[1]
        k, s = layer.kernel_size, layer.strides
    expected = _keras2_definition(x_cl, kernel, bias, k, s)
    if rank == 1:
        expected = expected[:, 0]
    if channels_first:
        expected = np.moveaxis(expected, -1, 1)
    for path in ("fast", "reference"):
        np.testing.assert_allclose(layer(x, path=path), expected, rtol=1e-12, atol=1e-12)


def test_each_position_has_its_own_kernel(rng):
    """Changing the kernel of one position changes that output position only."""
    layer = as64(el.layers.LocallyConnected2D(2, 3))
    x = rng.standard_normal((1, 5, 5, 1))
    y0 = layer(x)
    layer.kernel[4] += 1.0                      # position p = 4 -> (i, j) = (1, 1) of a 3x3 output
    changed = np.abs(layer(x) - y0).sum(axis=(0, 3)) > 0
    assert changed.tolist() == [[False] * 3, [False, True, False], [False] * 3]


def test_seed_example_parameter_count():
    layer = el.layers.LocallyConnected2D(64, (3, 3), input_shape=(32, 32, 3))
    ex = layer.explain()
    assert ex.output_shape == (None, 30, 30, 64)
    assert ex.param_formula == "(30*30)*(3*3*3*64) + (30*30)*64"
    assert ex.param_count == evaluate_arithmetic(ex.param_formula) == 1_612_800
    assert "(30*30)*(3*3*3*64) + (30*30)*64 = 1612800" in str(ex)
    layer(np.zeros((1, 32, 32, 3), dtype=np.float32))
    assert layer.count_params() == 1_612_800
    assert layer.kernel.shape == (900, 27, 64) and layer.bias.shape == (30, 30, 64)
    second = el.layers.LocallyConnected2D(32, (3, 3)).explain((None, 30, 30, 64))
    assert second.output_shape == (None, 28, 28, 32)
    one_d = el.layers.LocallyConnected1D(64, 3).explain((None, 10, 32))
    assert one_d.output_shape == (None, 8, 64)
    assert one_d.param_formula == "(8)*(3*32*64) + (8)*64"
    assert one_d.param_count == evaluate_arithmetic(one_d.param_formula) == 8 * 3 * 32 * 64 + 8 * 64
    assert el.layers.LocallyConnected1D(4, 2, use_bias=False).explain((None, 5, 3)).param_formula \
        == "(4)*(2*3*4)"


def test_glorot_fans_of_the_3d_kernel():
    el.set_random_seed(0)
    layer = el.layers.LocallyConnected2D(16, 3)
    layer.build((None, 12, 12, 4))
    positions, patch, filters = layer.kernel.shape                   # (100, 36, 16)
    limit = np.sqrt(6.0 / (patch * positions + filters * positions))  # Keras' fans for rank 3
    assert np.abs(layer.kernel).max() <= limit
    assert np.abs(layer.kernel).max() > 0.99 * limit
    np.testing.assert_allclose(layer.kernel.std(), limit / np.sqrt(3), rtol=0.02)


def test_conv2d_is_the_shared_weight_special_case(rng):
    conv_cls = getattr(el.layers, "Conv2D", None)
    if conv_cls is None:
        pytest.skip("el.layers.Conv2D is not available yet")
    conv = as64(conv_cls(3, (3, 2), strides=(2, 1)))
    local = as64(el.layers.LocallyConnected2D(3, (3, 2), strides=(2, 1)))
    x = rng.standard_normal((2, 7, 6, 2))
    y_conv = conv(x)
    _random_weights(conv, rng)
    y_conv = conv(x)
    local(x)
    positions = local.kernel.shape[0]
    local.set_weights([np.repeat(conv.kernel.reshape(1, -1, 3), positions, axis=0),
                       np.broadcast_to(conv.bias, local.bias.shape)])
    np.testing.assert_allclose(local(x), y_conv, rtol=1e-12, atol=1e-12)
    dy = rng.standard_normal(y_conv.shape)
    np.testing.assert_allclose(local.backward(dy), conv.backward(dy), rtol=1e-10, atol=1e-12)
    # a shared weight's gradient is the sum of the per-position gradients
    np.testing.assert_allclose(local.grads["kernel"].sum(axis=0),
                               conv.grads["kernel"].reshape(-1, 3), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(local.grads["bias"].sum(axis=(0, 1)), conv.grads["bias"],
                               rtol=1e-10, atol=1e-12)


def test_channels_first_uses_the_channels_last_layout(rng):
    first = as64(el.layers.LocallyConnected2D(3, 2, data_format="channels_first"))
    last = as64(el.layers.LocallyConnected2D(3, 2))
    x = rng.standard_normal((2, 4, 5, 6))                              # channels_first
    first(x)
    last(np.moveaxis(x, 1, -1))
    _random_weights(last, rng)
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(first(x), np.moveaxis(last(np.moveaxis(x, 1, -1)), -1, 1))


# ------------------------------------------------------------------------------ explain, config, legacy
def test_explain_steps():
    ex = el.layers.LocallyConnected2D(8, (3, 2), strides=2, activation="relu",
                                      data_format="channels_first").explain((None, 4, 9, 8))
    text = str(ex)
    assert "rows: floor((9 + 2*0 - 1*(3-1) - 1)/2) + 1 = 4" in text
    assert "patches: 4*4 = 16 positions, each 3*2*4 = 24 values" in text
    assert ex.output_shape == (None, 8, 4, 4)
    assert ex.param_formula == "(4*4)*(3*2*4*8) + (4*4)*8"
    assert ex.formula == r"y_p = \mathrm{relu}(\mathrm{patch}_p(x)\,W_p + b_p)"
    assert any("Keras 3 removed" in n for n in ex.notes)


@pytest.mark.parametrize("kwargs, shape", CASES_2D + CASES_1D)
def test_get_config_round_trip(kwargs, shape):
    layer = _make(kwargs, shape)
    clone = type(layer)(**layer.get_config())
    config = layer.get_config()
    assert clone.get_config() == config
    assert config["padding"] == "valid" and config["implementation"] == 1


def test_keras1_arguments():
    layer = el.layers.LocallyConnected2D(8, 3, 3, subsample=(2, 2), border_mode="valid",
                                         init="he_normal", bias=False, dim_ordering="tf")
    assert layer.kernel_size == (3, 3) and layer.strides == (2, 2) and not layer.use_bias
    assert layer.name == "locally_connected2d"
    one = el.layers.LocallyConnected1D(nb_filter=4, filter_length=3, subsample_length=2,
                                       W_regularizer="l2")
    assert one.filters == 4 and one.kernel_size == (3,) and one.strides == (2,)
    assert one.kernel_regularizer is not None
    legacy = el.layers.LocallyConnected1D(nb_filter=2, filter_length=3, input_dim=4, input_length=9)
    assert legacy.batch_input_shape == (None, 9, 4)
    assert legacy.explain().output_shape == (None, 7, 2)


def test_regularizer_and_constraint_hooks(rng):
    layer = el.layers.LocallyConnected1D(2, 2, kernel_regularizer=el.regularizers.L2(0.1),
                                         kernel_constraint="NonNeg")
    layer(rng.standard_normal((2, 5, 3)))
    assert layer.losses == [pytest.approx(0.1 * np.sum(layer.kernel.astype(np.float64) ** 2), rel=1e-5)]
    layer.kernel[...] = -1.0
    layer.apply_constraints()
    assert (layer.kernel == 0).all()


# ------------------------------------------------------------------------------ bad input
def test_bad_input():
    with pytest.raises(ValueError, match=r"LocallyConnected2D supports only padding='valid' "
                                         r"\(as Keras 2.*ZeroPadding2D.*got padding='same'"):
        el.layers.LocallyConnected2D(4, 3, padding="same")
    with pytest.raises(ValueError, match=r"LocallyConnected1D supports only padding='valid'"):
        el.layers.LocallyConnected1D(4, 3, padding="causal")
    with pytest.raises(ValueError, match=r"filters must be a positive int, got 0"):
        el.layers.LocallyConnected2D(0, 3)
    with pytest.raises(ValueError, match=r"only implementation=1"):
        el.layers.LocallyConnected2D(4, 3, implementation=2)
    with pytest.raises(ValueError, match=r"kernel_size must be an int or a tuple of 2 ints"):
        el.layers.LocallyConnected2D(4, (3, 3, 3))
    layer = el.layers.LocallyConnected2D(4, 3)
    with pytest.raises(ValueError, match=r"LocallyConnected2D 'locally_connected2d' expected input "
                                         r"of rank 4 \(batch, rows, cols, channels\), got shape \(5, 5, 3\)"):
        layer(np.zeros((5, 5, 3)))
    with pytest.raises(ValueError, match=r"output size along spatial axis 1 would be "
                                         r"floor\(\(2 \+ 2\*0 - 1\*\(3-1\) - 1\)/1\) \+ 1 = 0"):
        layer(np.zeros((1, 2, 5, 3)))
    with pytest.raises(ValueError, match=r"needs fully known spatial sizes"):
        el.layers.LocallyConnected1D(4, 3).explain((None, None, 3))
    layer(np.zeros((1, 5, 5, 3)))
    with pytest.raises(ValueError, match=r"axis 1 of the input to have size 5.*got shape \(1, 6, 5, 3\)"):
        layer(np.zeros((1, 6, 5, 3)))
    with pytest.raises(ValueError, match=r"axis -1 of the input to have size 3.*got shape \(1, 5, 5, 2\)"):
        layer(np.zeros((1, 5, 5, 2)))
    with pytest.raises(ValueError, match=r"weight 'kernel' has shape \(9, 27, 4\)"):
        layer.set_weights([np.zeros((9, 4, 27)), np.zeros((3, 3, 4))])
