"""Conv1D/2D/3D and their Keras 1 names: gradcheck, reference == fast, Keras twin, explain, errors."""
import itertools

import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import as64, assert_gradcheck, assert_paths_agree, compare_with_keras

L = el.layers

# (class, input shape, constructor arguments): odd sizes, strides, dilation, every padding,
# channels_first, groups, activations
CONFIGS = [
    (L.Conv1D, (2, 9, 3), dict(filters=4, kernel_size=3)),
    (L.Conv1D, (2, 10, 4), dict(filters=3, kernel_size=4, strides=3, padding="same")),
    (L.Conv1D, (2, 7, 3), dict(filters=5, kernel_size=3, padding="causal", dilation_rate=2,
                               activation="tanh")),
    (L.Conv1D, (2, 6, 9), dict(filters=4, kernel_size=2, data_format="channels_first", groups=2,
                               padding="same")),
    (L.Conv2D, (2, 7, 6, 3), dict(filters=4, kernel_size=3)),
    (L.Conv2D, (2, 7, 8, 4), dict(filters=6, kernel_size=(3, 2), strides=(2, 3), padding="same",
                                  groups=2, activation="relu")),
    (L.Conv2D, (2, 8, 7, 3), dict(filters=3, kernel_size=(2, 3), dilation_rate=(2, 1),
                                  padding="same", use_bias=False)),
    (L.Conv2D, (2, 3, 7, 6), dict(filters=4, kernel_size=3, strides=2, data_format="channels_first",
                                  activation="sigmoid")),
    (L.Conv3D, (2, 5, 4, 5, 2), dict(filters=3, kernel_size=(3, 2, 2), strides=(2, 1, 2),
                                     padding="same")),
    (L.Conv3D, (1, 3, 5, 4, 6), dict(filters=3, kernel_size=2, dilation_rate=(1, 2, 1), groups=3,
                                     data_format="channels_first")),
    # >= 8 channels: windows copied channels last; with stride 1, dx is the full correlation
    (L.Conv1D, (2, 11, 8), dict(filters=3, kernel_size=3, padding="causal", dilation_rate=2)),
    (L.Conv1D, (2, 9, 10), dict(filters=4, kernel_size=4, padding="same", activation="relu")),
    (L.Conv2D, (2, 5, 6, 9), dict(filters=5, kernel_size=(2, 3), padding="same", use_bias=False)),
    (L.Conv2D, (2, 4, 4, 8), dict(filters=6, kernel_size=3, padding="same", activation="relu")),
    (L.Conv2D, (2, 8, 7, 6), dict(filters=3, kernel_size=3, strides=(2, 1), padding="same",
                                  data_format="channels_first")),
    (L.Conv3D, (1, 4, 5, 4, 8), dict(filters=2, kernel_size=(2, 3, 2), dilation_rate=(2, 1, 1))),
]
IDS = [f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(CONFIGS)]


@pytest.mark.parametrize("cls,shape,kwargs", CONFIGS, ids=IDS)
def test_gradcheck(rng, cls, shape, kwargs):
    layer = cls(bias_initializer="random_normal", **kwargs)
    assert_gradcheck(layer, rng.standard_normal(shape))


@pytest.mark.parametrize("cls,shape,kwargs", CONFIGS, ids=IDS)
def test_reference_equals_fast(rng, cls, shape, kwargs):
    layer = as64(cls(bias_initializer="random_normal", **kwargs))
    x = rng.standard_normal(shape)
    assert_paths_agree(layer, x)
    assert_gradcheck(layer, x, path="reference")


def test_fast_path_keeps_float32(rng):
    layer = L.Conv2D(4, 3, padding="same")
    x = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
    y = layer(x)
    dx = layer.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == layer.grads["kernel"].dtype == layer.grads["bias"].dtype == np.float32
    ref = as64(L.Conv2D(4, 3, padding="same"))
    ref(x.astype(np.float64))
    ref.set_weights(layer.get_weights())
    np.testing.assert_allclose(y, ref(x.astype(np.float64)), rtol=1e-4, atol=1e-5)


def test_causal_output_sees_only_the_past(rng):
    layer = as64(L.Conv1D(2, 3, padding="causal", dilation_rate=2))
    x = rng.standard_normal((1, 10, 2))
    y = layer(x)
    x2 = x.copy()
    x2[:, 6:] += 1.0                            # change the future from t = 6 on
    np.testing.assert_array_equal(layer(x2)[:, :6], y[:, :6])


# ---------------------------------------------------------------------------- Keras twin
def _keras_grid():
    grid = []
    for padding, strides, dilation, data_format in itertools.product(
            ["valid", "same"], [1, 2], [1, 2], ["channels_last", "channels_first"]):
        if strides > 1 and dilation > 1:
            continue
        grid.append(("Conv2D", (2, 7, 6, 3), dict(filters=4, kernel_size=(3, 2), padding=padding,
                                                  strides=strides, dilation_rate=dilation,
                                                  data_format=data_format)))
    for padding, strides, dilation in [("valid", 1, 1), ("same", 2, 1), ("causal", 1, 2),
                                       ("causal", 3, 1), ("same", 1, 3), ("valid", 2, 1)]:
        grid.append(("Conv1D", (2, 11, 3), dict(filters=5, kernel_size=3, padding=padding,
                                                strides=strides, dilation_rate=dilation,
                                                activation="tanh")))
    grid += [
        ("Conv1D", (2, 4, 9), dict(filters=2, kernel_size=2, data_format="channels_first")),
        ("Conv2D", (2, 6, 5, 4), dict(filters=6, kernel_size=3, groups=2, padding="same",
                                      activation="relu")),
        ("Conv2D", (2, 6, 5, 3), dict(filters=4, kernel_size=3, use_bias=False, strides=(1, 2))),
        ("Conv3D", (2, 5, 4, 6, 2), dict(filters=3, kernel_size=(2, 3, 2), padding="same",
                                         strides=(2, 1, 2))),
        ("Conv3D", (2, 2, 5, 5, 4), dict(filters=3, kernel_size=2, dilation_rate=(2, 1, 2),
                                         data_format="channels_first")),
        ("Conv3D", (1, 4, 5, 4, 4), dict(filters=2, kernel_size=3, groups=2)),
    ]
    return grid


@pytest.mark.keras
@pytest.mark.parametrize("name,shape,kwargs", _keras_grid(),
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(_keras_grid())])
def test_keras_parity(keras, rng, name, shape, kwargs):
    theirs = getattr(keras.layers, name)(bias_initializer="random_normal", **kwargs)
    ours = getattr(L, name)(**kwargs)
    x = rng.standard_normal(shape)
    compare_with_keras(ours, theirs, x)
    assert ours.count_params() == theirs.count_params()
    for batch_shape in [(None,) + shape[1:], (3,) + shape[1:]]:
        assert ours.compute_output_shape(batch_shape) == tuple(theirs.compute_output_shape(batch_shape))


@pytest.mark.keras
def test_keras_output_shape_with_unknown_lengths(keras):
    for padding in ["valid", "same"]:
        theirs = keras.layers.Conv2D(4, 3, strides=2, padding=padding)
        ours = L.Conv2D(4, 3, strides=2, padding=padding)
        shape = (None, None, 9, 3)
        assert ours.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))


# ---------------------------------------------------------------------------- Keras 1 names
def _same_layer(a, b, x):
    a(x)
    b(x)
    b.set_weights(a.get_weights())
    assert [w.shape for w in a.get_weights()] == [w.shape for w in b.get_weights()]
    np.testing.assert_allclose(a(x), b(x), rtol=1e-6)
    ca, cb = a.get_config(), b.get_config()
    ca.pop("name"), cb.pop("name")
    assert ca == cb


def test_keras1_names_build_the_same_layer(rng):
    x2 = rng.standard_normal((2, 8, 9, 3))
    _same_layer(L.Conv2D(4, (3, 2), strides=(2, 1), padding="same", use_bias=False,
                         kernel_initializer="he_normal", activation="relu"),
                L.Convolution2D(nb_filter=4, nb_row=3, nb_col=2, subsample=(2, 1),
                                border_mode="same", bias=False, init="he_normal",
                                activation="relu"), x2)
    _same_layer(L.Conv2D(4, (3, 2)), L.Convolution2D(4, 3, 2), x2)          # Keras 1 positional
    _same_layer(L.Conv2D(4, 3), L.Convolution2D(4, 3), x2)                  # Keras 2 positional
    _same_layer(L.Conv2D(4, 3, dilation_rate=2), L.AtrousConvolution2D(4, 3, 3, atrous_rate=(2, 2)), x2)
    x1 = rng.standard_normal((2, 12, 3))
    _same_layer(L.Conv1D(5, 3, strides=2, kernel_regularizer="l2"),
                L.Convolution1D(nb_filter=5, filter_length=3, subsample_length=2,
                                W_regularizer="l2"), x1)
    _same_layer(L.Conv1D(5, 3, dilation_rate=2, padding="same"),
                L.AtrousConvolution1D(5, 3, atrous_rate=2, border_mode="same"), x1)
    x3 = rng.standard_normal((1, 4, 5, 6, 2))
    _same_layer(L.Conv3D(2, (2, 3, 2), strides=(1, 2, 1)),
                L.Convolution3D(2, 2, 3, 2, subsample=(1, 2, 1)), x3)
    _same_layer(L.Conv3D(2, (2, 3, 2)),
                L.Convolution3D(nb_filter=2, kernel_dim1=2, kernel_dim2=3, kernel_dim3=2), x3)
    th = L.Convolution2D(4, 3, 3, dim_ordering="th", b_constraint="non_neg", W_constraint="max_norm",
                         b_regularizer="l1")
    assert th.data_format == "channels_first" and th.bias_constraint is not None
    assert th.kernel_constraint is not None and th.bias_regularizer is not None
    c1 = L.Convolution1D(8, 3, input_dim=16, input_length=20)
    assert c1.batch_input_shape == (None, 20, 16)
    assert c1.explain().trace == "(None, 20, 16) -> (None, 18, 16) -> (None, 18, 8)"
    _same_layer(L.Conv1D(5, 3, padding="same", input_shape=(12, 3)),
                L.Conv1D(nb_filter=5, filter_length=3, border_mode="same", input_dim=3,
                         input_length=12), x1)
    _same_layer(L.Conv2D(4, (3, 2)), L.Conv2D(nb_filter=4, nb_row=3, nb_col=2), x2)
    with pytest.raises(TypeError, match="got both 'nb_filter' .Keras 1. and 'filters'"):
        L.Convolution2D(filters=3, nb_filter=3, kernel_size=2)


# ---------------------------------------------------------------------------- explain and config
def test_explain_shows_the_arithmetic():
    ex = L.Conv2D(64, 3, padding="same", input_shape=(32, 32, 3)).explain()
    assert ex.param_formula == "3*3*3*64 + 64" and ex.param_count == 1792
    assert ex.trace == "(None, 32, 32, 3) -> (None, 32, 32, 64)"
    assert "rows (kernel 3, stride 1, dilation 1, padding 'same'): ceil(32/1) = 32" in str(ex)
    ex = L.Conv2D(32, 3, input_shape=(28, 28, 1), activation="relu").explain()
    assert "floor((28 + 2*0 - 1*(3-1) - 1)/1) + 1 = 26" in str(ex)
    assert r"\mathrm{relu}" in ex.formula and "W_{a,c,m,f}" in ex.formula
    ex = L.Conv1D(8, 3, padding="causal", dilation_rate=2).explain((None, 10, 4))
    assert "floor((10 + 4 - 2*(3-1) - 1)/1) + 1 = 10" in str(ex)
    for cls, shape, kwargs in CONFIGS:
        layer = cls(**kwargs)
        ex = layer.explain((None,) + shape[1:])
        assert evaluate_arithmetic(ex.param_formula) == ex.param_count
        assert ex.output_shape == layer.compute_output_shape((None,) + shape[1:])
        layer(np.zeros(shape))
        assert ex.param_count == layer.count_params()


@pytest.mark.parametrize("cls,shape,kwargs", CONFIGS[::3], ids=IDS[::3])
def test_config_round_trip(rng, cls, shape, kwargs):
    layer = cls(kernel_regularizer="l2", **kwargs)
    clone = type(layer)(**{**layer.get_config(), "name": "clone"})
    x = rng.standard_normal(shape)
    layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(layer(x), clone(x))
    assert {k: v for k, v in clone.get_config().items() if k != "name"} == \
        {k: v for k, v in layer.get_config().items() if k != "name"}


def test_default_names_follow_keras():
    assert [L.Conv2D(1, 1).name, L.Conv2D(1, 1).name, L.Conv1D(1, 1).name] == ["conv2d", "conv2d_1", "conv1d"]


# ---------------------------------------------------------------------------- bad input
def test_bad_input():
    layer = L.Conv2D(4, 3)
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d' expected input of rank 4 "
                                         r"\(batch, rows, cols, channels\), got shape \(28, 28\)"):
        layer(np.zeros((28, 28)))
    layer(np.zeros((2, 5, 5, 3)))
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d' expected axis -1 .*size 3.*got shape \(2, 5, 5, 2\)"):
        layer(np.zeros((2, 5, 5, 2)))
    with pytest.raises(ValueError, match=r"output size along spatial axis 2 would be "
                                         r"floor\(\(2 \+ 2\*0 - 1\*\(3-1\) - 1\)/1\) \+ 1 = 0"):
        layer(np.zeros((2, 5, 2, 3)))
    with pytest.raises(ValueError, match=r"floor\(\(5 \+ 2\*0 - 3\*\(3-1\) - 1\)/1\) \+ 1 = -1 "
                                         r"\(must be positive\).*spans 7"):
        L.Conv1D(2, 3, dilation_rate=3)(np.zeros((1, 5, 2)))
    with pytest.raises(ValueError, match="would be"):
        L.Conv3D(2, 4).explain((None, 3, 8, 8, 1))
    with pytest.raises(ValueError, match=r"strides > 1 not supported in conjunction with "
                                         r"dilation_rate > 1"):
        L.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d_\d': padding must be one of 'valid', "
                                         r"'same', got 'causal'"):
        L.Conv2D(4, 3, padding="causal")
    with pytest.raises(ValueError, match="padding must be one of 'valid', 'same', 'causal', got 'full'"):
        L.Convolution1D(4, 3, border_mode="full")
    with pytest.raises(ValueError, match="data_format must be"):
        L.Conv2D(4, 3, data_format="NCHW")
    with pytest.raises(ValueError, match="filters must be a positive int"):
        L.Conv2D(0, 3)
    with pytest.raises(ValueError, match=r"kernel_size must be an int or a tuple of 2 ints"):
        L.Conv2D(4, (3, 3, 3))
    with pytest.raises(ValueError, match="every entry of strides must be positive"):
        L.Conv1D(4, 3, strides=0)
    with pytest.raises(ValueError, match=r"filters \(5\) must be divisible by groups \(2\)"):
        L.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="3 channels must be divisible by groups=2"):
        L.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3)))
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(1, 3, 3, 4\).*got \(1, 3, 3, 5\)"):
        fresh = L.Conv2D(4, 3)
        fresh(np.zeros((1, 5, 5, 2)))
        fresh.backward(np.zeros((1, 3, 3, 5)))


def test_keras1_positional_kernel_sizes_are_read_in_one_place():
    """Convolution2D/3D, SeparableConvolution2D and LocallyConnected2D all read Keras 1's
    ``nb_row, nb_col`` (``kernel_dim1..3``) positional ints through ``keras1_kernel_size``."""
    from edulayers.layers._legacy import keras1_kernel_size
    assert keras1_kernel_size((64, 3, 3), 2) == [64, (3, 3)]
    assert keras1_kernel_size((8, 2, 3, 4, (1, 1, 1)), 3) == [8, (2, 3, 4), (1, 1, 1)]
    assert keras1_kernel_size((64, (3, 3), (2, 2)), 2) == [64, (3, 3), (2, 2)]   # Keras 2: as given
    assert keras1_kernel_size((64, 3), 2) == [64, 3]
    assert keras1_kernel_size((64, 3, 3), 1) == [64, 3, 3]                       # 1-D: one size
    assert keras1_kernel_size((64, True, 3), 2) == [64, True, 3]                 # not a size
    assert L.Convolution2D(4, 3, 2).kernel_size == (3, 2)
    assert L.Convolution3D(2, 2, 3, 2).kernel_size == (2, 3, 2)
    assert L.SeparableConvolution2D(4, 3, 2).kernel_size == (3, 2)
    assert L.LocallyConnected2D(4, 3, 2).kernel_size == (3, 2)
    with pytest.raises(TypeError, match="kernel_size"):     # both spellings: Python refuses
        L.Convolution2D(4, 3, 3, kernel_size=(2, 2))
