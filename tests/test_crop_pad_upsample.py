"""Cropping, ZeroPadding, UpSampling (1D/2D/3D): gradcheck, paths, Keras twin, explain, bad input."""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import as64, assert_gradcheck, assert_paths_agree, compare_with_keras

L = el.layers

# (class name, constructor kwargs, input shape): odd sizes, asymmetric amounts, both data formats.
CASES = [
    ("Cropping1D", {}, (2, 7, 3)),
    ("Cropping1D", {"cropping": (2, 0)}, (2, 5, 3)),
    ("Cropping2D", {"cropping": ((1, 2), (0, 3))}, (2, 7, 8, 3)),
    ("Cropping2D", {"cropping": (1, 2), "data_format": "channels_first"}, (2, 3, 5, 7)),
    ("Cropping2D", {"cropping": 2}, (1, 5, 5, 2)),
    ("Cropping3D", {}, (2, 4, 5, 3, 2)),
    ("Cropping3D", {"cropping": ((0, 1), 2, (1, 0)), "data_format": "channels_first"}, (1, 2, 3, 5, 4)),
    ("ZeroPadding1D", {}, (2, 5, 3)),
    ("ZeroPadding1D", {"padding": (0, 3), "data_format": "channels_first"}, (2, 3, 5)),
    ("ZeroPadding2D", {}, (2, 3, 4, 2)),
    ("ZeroPadding2D", {"padding": ((1, 2), (0, 3))}, (2, 3, 5, 2)),
    ("ZeroPadding2D", {"padding": (2, 1), "data_format": "channels_first"}, (1, 2, 3, 3)),
    ("ZeroPadding3D", {"padding": (1, 0, 2)}, (1, 2, 3, 2, 2)),
    ("ZeroPadding3D", {"data_format": "channels_first"}, (1, 2, 2, 3, 1)),
    ("UpSampling1D", {}, (2, 5, 3)),
    ("UpSampling1D", {"size": 3}, (2, 3, 2)),
    ("UpSampling2D", {}, (2, 3, 5, 2)),
    ("UpSampling2D", {"size": (3, 2), "data_format": "channels_first"}, (2, 2, 3, 3)),
    ("UpSampling2D", {"size": (2, 3), "interpolation": "bilinear"}, (2, 3, 5, 2)),
    ("UpSampling2D", {"size": 3, "interpolation": "bilinear", "data_format": "channels_first"},
     (1, 2, 4, 3)),
    ("UpSampling2D", {"size": (1, 4), "interpolation": "bilinear"}, (1, 1, 3, 2)),
    ("UpSampling3D", {}, (1, 2, 3, 2, 2)),
    ("UpSampling3D", {"size": (1, 2, 3), "data_format": "channels_first"}, (1, 2, 2, 3, 2)),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)]


@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=IDS)
def test_gradcheck_and_paths(rng, name, kwargs, shape):
    layer = as64(getattr(L, name)(**kwargs))
    x = rng.standard_normal(shape)
    assert_gradcheck(layer, x)
    assert_paths_agree(layer, x)
    assert_gradcheck(layer, x, path="reference")


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=IDS)
def test_keras_parity(keras, rng, name, kwargs, shape):
    ours, theirs = getattr(L, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    compare_with_keras(ours, theirs, rng.standard_normal(shape))
    assert ours.count_params() == theirs.count_params() == 0
    for probe in [(None,) + shape[1:], (None,) * len(shape)]:
        if name.startswith("Cropping") and probe[1] is None:
            continue   # Keras 3's Cropping3D fails on unknown sizes; ours keeps them None
        assert tuple(ours.compute_output_shape(probe)) == tuple(theirs.compute_output_shape(probe))


@pytest.mark.keras
@pytest.mark.parametrize("size", [(2, 2), (3, 5), (4, 1)])
def test_bilinear_matches_keras_on_an_image(keras, size):
    """Bilinear on a smooth image and on a checkerboard: every border and interior weight."""
    rows, cols = np.mgrid[0:6, 0:7]
    image = np.stack([np.sin(rows / 2.0) * np.cos(cols / 3.0), (rows + cols) % 2], axis=-1)[None]
    ours = as64(L.UpSampling2D(size, interpolation="bilinear"))
    theirs = keras.layers.UpSampling2D(size, interpolation="bilinear")
    np.testing.assert_allclose(ours(image), np.asarray(theirs(image)), rtol=1e-12, atol=1e-12)


def test_bilinear_matrix_rows_are_interpolation_weights():
    from edulayers.layers.convolutional.upsampling import bilinear_matrix
    a = bilinear_matrix(3, 2)
    # half-pixel centres: output row o reads u = (o + 0.5)/2 - 0.5 = -0.25, 0.25, 0.75, 1.25, 1.75, 2.25
    expected = np.array([[1, 0, 0], [0.75, 0.25, 0], [0.25, 0.75, 0],
                         [0, 0.75, 0.25], [0, 0.25, 0.75], [0, 0, 1]])
    np.testing.assert_allclose(a, expected)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)          # a constant image stays constant


def test_values_by_hand():
    x = np.arange(1, 7, dtype=float).reshape(1, 2, 3, 1)   # [[1 2 3] [4 5 6]]
    np.testing.assert_array_equal(L.Cropping2D(((0, 1), (1, 0)))(x)[0, ..., 0], [[2, 3]])
    np.testing.assert_array_equal(L.ZeroPadding2D(((1, 0), (0, 1)))(x)[0, ..., 0],
                                  [[0, 0, 0, 0], [1, 2, 3, 0], [4, 5, 6, 0]])
    np.testing.assert_array_equal(L.UpSampling2D((1, 2))(x)[0, ..., 0],
                                  [[1, 1, 2, 2, 3, 3], [4, 4, 5, 5, 6, 6]])
    up = L.UpSampling1D(3)
    up(np.ones((1, 2, 1)))
    np.testing.assert_array_equal(up.backward(np.arange(6.0).reshape(1, 6, 1))[0, :, 0], [3, 12])


def test_padding_is_the_adjoint_of_cropping(rng):
    """<pad(x), y> == <x, crop(y)>: the backward of one is the forward of the other."""
    x = rng.standard_normal((2, 4, 5, 3))
    pad, crop = L.ZeroPadding2D(((1, 2), (3, 0))), L.Cropping2D(((1, 2), (3, 0)))
    y = rng.standard_normal((2, 7, 8, 3))
    assert np.isclose(np.sum(pad(x) * y), np.sum(x * crop(y)))
    pad(x)
    np.testing.assert_array_equal(pad.backward(y), crop(y))


def test_explain_shows_arithmetic():
    ex = L.Cropping2D(((2, 2), (4, 4))).explain((None, 28, 28, 3))
    assert ex.trace == "(None, 28, 28, 3) -> (None, 24, 28, 3) -> (None, 24, 20, 3)"
    assert "crop rows: 28 - 2 - 2 = 24" in str(ex) and "crop cols: 28 - 4 - 4 = 20" in str(ex)
    assert ex.param_count == 0 and evaluate_arithmetic(ex.param_formula) == 0
    ex = L.ZeroPadding2D(((1, 2), (3, 4)), data_format="channels_first").explain((None, 3, 28, 28))
    assert ex.output_shape == (None, 3, 31, 35) and "pad cols: 3 + 28 + 4 = 35" in str(ex)
    ex = L.UpSampling2D((2, 3), interpolation="bilinear").explain((None, 4, None, 1))
    assert ex.output_shape == (None, 8, None, 1)
    assert "interpolate rows: 4 * 2 = 8" in str(ex) and "unknown" in str(ex)
    assert "half-pixel" in str(ex)
    ex = L.UpSampling3D().explain((None, 2, 3, 4, 5))
    assert ex.output_shape == ex.shape_trace[-1].shape == (None, 4, 6, 8, 5)
    assert r"\lfloor i / 2 \rfloor" in ex.formula
    assert L.Cropping1D((1, 2)).explain((None, 10, 4)).formula == r"y_{n, i, c} = x_{n, i + 1, c}"
    for name, kwargs, shape in CASES:
        layer = getattr(L, name)(**kwargs)
        ex = layer.explain((None,) + shape[1:])
        assert ex.output_shape == layer.compute_output_shape((None,) + shape[1:])


@pytest.mark.parametrize("name,kwargs,shape", CASES[::3], ids=IDS[::3])
def test_config_round_trip(name, kwargs, shape):
    layer = getattr(L, name)(**kwargs)
    clone = type(layer)(**layer.get_config())
    assert clone.get_config() == layer.get_config()
    x = np.random.default_rng(0).standard_normal(shape)
    np.testing.assert_array_equal(clone(x), layer(x))


def test_argument_forms_and_legacy():
    assert L.Cropping2D(3).cropping == ((3, 3), (3, 3))
    assert L.Cropping2D((1, 2)).cropping == ((1, 1), (2, 2))
    assert L.Cropping1D(2).cropping == (2, 2)
    assert L.ZeroPadding3D(2).padding == ((2, 2),) * 3
    assert L.ZeroPadding1D((1, 2)).padding == (1, 2)
    assert L.UpSampling2D(3).size == (3, 3)
    assert L.UpSampling1D(length=4).get_config()["size"] == 4              # Keras 1 spelling
    assert L.ZeroPadding2D(dim_ordering="th").data_format == "channels_first"
    assert L.UpSampling2D(interpolation="BILINEAR").interpolation == "bilinear"


def test_bad_input():
    with pytest.raises(ValueError, match=r"Cropping2D 'cropping2.*cannot crop 3 \+ 3 = 6 rows from an "
                                         r"input with 5 rows.*expected rows > 6"):
        L.Cropping2D(3)(np.zeros((1, 5, 9, 2)))
    with pytest.raises(ValueError, match=r"Cropping1D .*cannot crop 1 \+ 1 = 2 steps"):
        L.Cropping1D()(np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match=r"Cropping3D .*cannot crop .*input_shape"):
        L.Cropping3D(2).compute_output_shape((None, 9, 9, 4, 1))
    with pytest.raises(ValueError, match=r"Cropping2D .*cannot crop 2 \+ 2 = 4 cols"):
        L.Cropping2D(((0, 0), (2, 2)), data_format="channels_first")(np.zeros((1, 9, 9, 4)))
    with pytest.raises(ValueError, match=r"Cropping2D .* expected input of rank 4 "
                                         r"\(batch, rows, cols, channels\), got shape \(5, 5\)"):
        L.Cropping2D(1)(np.zeros((5, 5)))
    with pytest.raises(ValueError, match=r"ZeroPadding1D .* expected input of rank 3 "
                                         r"\(batch, steps, channels\)"):
        L.ZeroPadding1D()(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"UpSampling3D .* expected input of rank 5 "
                                         r"\(batch, channels, dim1, dim2, dim3\)"):
        L.UpSampling3D(data_format="channels_first")(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"Cropping2D: cropping must be .*non-negative.*-1"):
        L.Cropping2D(-1)
    with pytest.raises(ValueError, match=r"Cropping3D: cropping must be .*tuple of 3"):
        L.Cropping3D((1, 1))
    with pytest.raises(ValueError, match=r"ZeroPadding2D: padding must be .*\(1, 2, 3\)"):
        L.ZeroPadding2D(((1, 2, 3), 1))
    with pytest.raises(ValueError, match=r"UpSampling2D: every entry of size must be positive"):
        L.UpSampling2D((0, 2))
    with pytest.raises(ValueError, match=r"UpSampling1D: size must be a positive int"):
        L.UpSampling1D(2.5)
    with pytest.raises(ValueError, match=r"interpolation must be one of \('nearest', 'bilinear'\)"):
        L.UpSampling2D(interpolation="lanczos3")
    with pytest.raises(ValueError, match=r"data_format must be 'channels_last' or 'channels_first'"):
        L.ZeroPadding2D(data_format="NHWC")
    layer = L.UpSampling2D()
    layer(np.zeros((1, 2, 2, 1)))
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(1, 4, 4, 1\).*got \(1, 2, 2, 1\)"):
        layer.backward(np.zeros((1, 2, 2, 1)))
