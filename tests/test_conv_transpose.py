"""Conv1D/2D/3DTranspose and Deconvolution2D: gradcheck, reference == fast, adjointness with the
convolution, Keras twin, explain, errors."""
import itertools

import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from edulayers.utils.windows import im2col
from twins import as64, assert_gradcheck, assert_paths_agree, compare_with_keras

L = el.layers

CONFIGS = [
    (L.Conv1DTranspose, (2, 5, 3), dict(filters=4, kernel_size=3)),
    (L.Conv1DTranspose, (2, 4, 3), dict(filters=2, kernel_size=4, strides=3, padding="same",
                                        output_padding=2, activation="tanh")),
    (L.Conv1DTranspose, (2, 5, 2), dict(filters=3, kernel_size=3, dilation_rate=2, padding="same")),
    (L.Conv2DTranspose, (2, 4, 3, 3), dict(filters=2, kernel_size=3, strides=2)),
    (L.Conv2DTranspose, (2, 3, 4, 2), dict(filters=3, kernel_size=(3, 2), strides=(2, 3),
                                           padding="same", output_padding=(1, 0))),
    (L.Conv2DTranspose, (2, 3, 4, 3), dict(filters=2, kernel_size=(2, 3), strides=2,
                                           padding="valid", output_padding=1, use_bias=False)),
    (L.Conv2DTranspose, (2, 3, 4, 5), dict(filters=2, kernel_size=3, data_format="channels_first",
                                           strides=2, padding="same", activation="relu")),
    (L.Conv3DTranspose, (1, 3, 2, 3, 2), dict(filters=2, kernel_size=(2, 3, 2), strides=(2, 1, 2),
                                              padding="same")),
    # 8+ filters: the backward's channels-last im2col copies (windows.CHANNELS_LAST_MIN)
    (L.Conv2DTranspose, (2, 3, 3, 2), dict(filters=9, kernel_size=3, strides=2, padding="same")),
    (L.Conv1DTranspose, (2, 3, 4), dict(filters=8, kernel_size=3, strides=2, output_padding=1,
                                        data_format="channels_first")),
    (L.Conv3DTranspose, (1, 2, 3, 2, 3), dict(filters=2, kernel_size=2, dilation_rate=(2, 1, 1),
                                              data_format="channels_first")),
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


_CONV = {1: L.Conv1D, 2: L.Conv2D, 3: L.Conv3D}


@pytest.mark.parametrize("cls,shape,kwargs", CONFIGS, ids=IDS)
def test_is_the_adjoint_of_the_convolution(rng, cls, shape, kwargs):
    """TensorFlow's definition: conv_transpose(x, W) is the input gradient of conv(., W), the
    convolution (same kernel, strides, dilation, padding) from the transpose's output shape back
    to its input shape. Checked for every configuration (test_keras_parity_configs compares them
    with Keras on JAX as well)."""
    check_adjoint(rng, cls, shape, kwargs)


def check_adjoint(rng, cls, shape, kwargs):
    tconv = as64(cls(**{**kwargs, "activation": None, "use_bias": False}))
    x = rng.standard_normal(shape)
    y = tconv(x)
    shared = {k: v for k, v in kwargs.items() if k in ("kernel_size", "strides", "dilation_rate",
                                                        "padding", "data_format")}
    in_channels = shape[-1] if tconv.data_format == "channels_last" else shape[1]
    conv = as64(_CONV[cls.rank](in_channels, use_bias=False, **shared))
    conv(np.zeros(y.shape))
    conv.set_weights([tconv.kernel])             # (*k, filters, in_ch) = conv kernel (*k, in, out)
    v = rng.standard_normal(y.shape)
    cv = conv(v)
    if cv.shape != x.shape:
        # Keras' length rule (n-1)*s + k%2 + output_padding can give a length whose 'same'
        # convolution does not come back to n (kernel 2, stride 3 here): TensorFlow raises, Keras on
        # JAX (and on torch) crops total//2 and the rest of (n-1)*s + k_d - L; so do we. Check that
        # adjoint.
        assert kwargs.get("padding") == "same" and kwargs.get("output_padding") is not None
        x_cl = np.moveaxis(x, 1, -1) if tconv.data_format == "channels_first" else x
        _, pads = tconv._geometry(x_cl.shape[1:-1])
        v_cl = np.moveaxis(v, 1, -1) if tconv.data_format == "channels_first" else v
        cv = im2col(v_cl, tconv.kernel_size, tconv.strides, tconv.dilation_rate, pads) @ \
            tconv.kernel.reshape(-1, in_channels)
        np.testing.assert_allclose(np.vdot(cv, x_cl), np.vdot(v, y), rtol=1e-12)
        return
    np.testing.assert_allclose(np.vdot(cv, x), np.vdot(v, y), rtol=1e-12)
    np.testing.assert_allclose(conv.backward(x), y, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------- Keras twin
def _keras_grid():
    grid = []
    for padding, strides, output_padding, data_format in itertools.product(
            ["valid", "same"], [1, 2, 3], [None, 0, 1, 2], ["channels_last", "channels_first"]):
        if output_padding is not None and output_padding >= strides:
            continue
        grid.append(("Conv2DTranspose", (2, 4, 3, 3) if data_format == "channels_last" else (2, 3, 4, 3),
                     dict(filters=2, kernel_size=(3, 2), strides=strides, padding=padding,
                          output_padding=output_padding, data_format=data_format)))
    for padding, dilation in [("valid", 2), ("same", 2), ("same", 3)]:
        grid.append(("Conv2DTranspose", (2, 4, 5, 2), dict(filters=3, kernel_size=3, padding=padding,
                                                           dilation_rate=dilation, activation="tanh")))
    for padding, strides, output_padding in [("valid", 1, None), ("same", 2, None), ("valid", 3, 1),
                                             ("same", 2, 1), ("valid", 2, 0)]:
        grid.append(("Conv1DTranspose", (2, 5, 3), dict(filters=4, kernel_size=4, strides=strides,
                                                        padding=padding, output_padding=output_padding)))
    grid += [
        ("Conv2DTranspose", (2, 4, 3, 3), dict(filters=10, kernel_size=3, strides=2)),
        ("Conv1DTranspose", (2, 5, 3), dict(filters=8, kernel_size=2, strides=3, padding="same")),
        ("Conv3DTranspose", (1, 3, 2, 4, 2), dict(filters=2, kernel_size=(2, 3, 2), strides=(2, 1, 2),
                                                  padding="same")),
        ("Conv3DTranspose", (1, 2, 3, 3, 2), dict(filters=3, kernel_size=2, strides=2,
                                                  output_padding=(1, 0, 1), use_bias=False)),
        ("Conv3DTranspose", (1, 2, 3, 3, 2), dict(filters=2, kernel_size=3,
                                                  data_format="channels_first", padding="same")),
    ]
    return grid


@pytest.mark.keras
@pytest.mark.parametrize("name,shape,kwargs", _keras_grid(),
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(_keras_grid())])
def test_keras_parity(keras, rng, name, shape, kwargs):
    ours = getattr(L, name)(**kwargs)
    theirs = getattr(keras.layers, name)(bias_initializer="random_normal", **kwargs)
    batch_shape = (None,) + shape[1:]
    assert ours.compute_output_shape(batch_shape) == tuple(theirs.compute_output_shape(batch_shape))
    theirs.build(shape)
    assert ours.explain(batch_shape).param_count == theirs.count_params()
    # Keras on JAX pads the dilated input as TensorFlow crops its transposed convolution (left
    # k-1 - floor(P/2), P the 'same' padding of the forward convolution), so every configuration
    # is compared, those with both a crop and an output padding included (Keras on torch can only
    # pad on the right there and had to be checked against the adjoint instead).
    compare_with_keras(ours, theirs, rng.standard_normal(shape))
    assert ours.count_params() == theirs.count_params()
    check_adjoint(rng, getattr(L, name), shape, kwargs)       # TensorFlow's definition


@pytest.mark.keras
@pytest.mark.parametrize("cls,shape,kwargs", CONFIGS, ids=IDS)
def test_keras_parity_configs(keras, rng, cls, shape, kwargs):
    """The configurations above, with Keras on JAX: CONFIGS[4] is the case TensorFlow rejects
    (see check_adjoint), where we follow Keras on JAX."""
    ours = cls(**kwargs)
    theirs = getattr(keras.layers, cls.__name__)(bias_initializer="random_normal", **kwargs)
    theirs.build(shape)
    compare_with_keras(ours, theirs, rng.standard_normal(shape))


# ---------------------------------------------------------------------------- Keras 1 name
def test_deconvolution2d_keras1_signature(rng):
    x = rng.standard_normal((2, 5, 4, 3))
    new = L.Conv2DTranspose(4, (3, 2), strides=2, padding="same", use_bias=False,
                            kernel_initializer="he_normal")
    old = L.Deconvolution2D(4, 3, 2, (None, 10, 8, 4), subsample=(2, 2), border_mode="same",
                            bias=False, init="he_normal")
    new(x)
    old(x)
    old.set_weights(new.get_weights())
    np.testing.assert_array_equal(new(x), old(x))
    kw = L.Deconvolution2D(nb_filter=4, nb_row=3, nb_col=2, output_shape=(None, 11, 8, 4),
                           subsample=(2, 2))
    assert kw(x).shape == (2, 11, 8, 4)
    assert L.Deconvolution2D(4, (3, 2))(x).shape == (2, 7, 5, 4)                 # Keras 2 style
    assert L.Deconvolution2D(4, 3, 3, dim_ordering="th").data_format == "channels_first"
    with pytest.raises(ValueError, match=r"output_shape=\(None, 12, 8, 4\) \(Keras 1\) does not match "
                                         r"the shape this layer computes, \(None, 11, 8, 4\).*"
                                         r"padding='valid', output_padding=\(1, 0\) gives it"):
        L.Deconvolution2D(4, 3, 2, (None, 12, 8, 4), subsample=(2, 2))(x)
    with pytest.raises(ValueError, match=r"output_shape=\(None, 20, 7, 4\) .*does not match.*input shape "
                                         r"\(None, 5, 4, 3\)$"):
        L.Deconvolution2D(4, 3, 2, (None, 20, 7, 4), subsample=(2, 2))(x)
    assert L.Convolution2DTranspose is L.Conv2DTranspose


# ---------------------------------------------------------------------------- explain and config
def test_explain_shows_the_arithmetic():
    ex = L.Conv2DTranspose(16, 3, strides=2, padding="same").explain((None, 16, 16, 32))
    assert ex.param_formula == "3*3*16*32 + 16" and ex.param_count == 4624
    assert ex.trace == "(None, 16, 16, 32) -> (None, 32, 16, 32) -> (None, 32, 32, 32) -> (None, 32, 32, 16)"
    assert "rows (kernel 3, stride 2, dilation 1, padding 'same', output_padding None): 16*2 = 32" in str(ex)
    ex = L.Conv1DTranspose(2, 3, strides=2, output_padding=1).explain((None, 16, 4))
    assert "(16-1)*2 + 3 + 1 = 34" in str(ex)
    assert "W_{a,f,m}" in ex.formula
    for cls, shape, kwargs in CONFIGS:
        layer = cls(**kwargs)
        ex = layer.explain((None,) + shape[1:])
        assert evaluate_arithmetic(ex.param_formula) == ex.param_count
        assert ex.output_shape == layer.compute_output_shape((None,) + shape[1:])
        assert layer(np.zeros(shape)).shape[1:] == ex.output_shape[1:]


@pytest.mark.parametrize("cls,shape,kwargs", CONFIGS[1::3], ids=IDS[1::3])
def test_config_round_trip(rng, cls, shape, kwargs):
    layer = cls(bias_constraint="non_neg", **kwargs)
    clone = type(layer)(**{**layer.get_config(), "name": "clone"})
    x = rng.standard_normal(shape)
    layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(layer(x), clone(x))
    assert layer.name == "conv" + str(cls.rank) + "d_transpose"


def test_compute_output_shape_with_unknown_lengths():
    assert L.Conv2DTranspose(3, 3, strides=2).compute_output_shape((None, None, 5, 2)) == (None, None, 11, 3)


def test_bad_input():
    layer = L.Conv2DTranspose(4, 3)
    with pytest.raises(ValueError, match=r"Conv2DTranspose 'conv2d_transpose' expected input of rank 4 "
                                         r"\(batch, rows, cols, channels\), got shape \(5, 5, 3\)"):
        layer(np.zeros((5, 5, 3)))
    layer(np.zeros((1, 5, 5, 3)))
    with pytest.raises(ValueError, match=r"expected axis -1 .*size 3.*got shape \(1, 5, 5, 4\)"):
        layer(np.zeros((1, 5, 5, 4)))
    with pytest.raises(ValueError, match=r"output_padding must be strictly less than strides.*"
                                         r"at axis 1 output_padding is 2 but strides is 2"):
        L.Conv2DTranspose(4, 3, strides=2, output_padding=(1, 2))
    with pytest.raises(ValueError, match="strides > 1 not supported in conjunction with dilation_rate > 1"):
        L.Conv1DTranspose(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"padding must be one of 'valid', 'same', got 'causal'"):
        L.Conv1DTranspose(4, 3, padding="causal")
    with pytest.raises(ValueError, match="every entry of output_padding must be non-negative"):
        L.Conv2DTranspose(4, 3, strides=2, output_padding=-1)
    with pytest.raises(ValueError, match="filters must be a positive int"):
        L.Conv3DTranspose(-2, 3)
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(1, 7, 7, 4\).*got \(1, 5, 5, 4\)"):
        layer.backward(np.zeros((1, 5, 5, 4)))
