"""Noise layers: GaussianNoise, GaussianDropout, AlphaDropout.

gradcheck in training (the layer's seeded generator is restored by gradcheck, so every
evaluation sees the same draw) and at inference, reference == fast with the same draw, the
statistics of the noise, AlphaDropout's self-normalizing property, Keras 3 twin (identity at
inference; in training Keras is fed our noise by patching its backend's random function),
explain(), config, Keras 1 names and every kind of bad input.
"""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import as64, assert_gradcheck, assert_paths_agree, compare_with_keras, keras_forward_backward

L = el.layers
ALPHA_P = -1.7580993408473766

MAKERS = {
    "GaussianNoise": lambda seed=3: L.GaussianNoise(0.4, seed=seed),
    "GaussianDropout": lambda seed=3: L.GaussianDropout(0.3, seed=seed),
    "AlphaDropout": lambda seed=3: L.AlphaDropout(0.3, seed=seed),
    "AlphaDropout noise_shape": lambda seed=3: L.AlphaDropout(0.3, noise_shape=(None, 1, 5), seed=seed),
}


def _np(tensor):
    """A Keras (JAX) tensor as a NumPy array."""
    return np.asarray(tensor)


def _selu(z):
    return 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * np.expm1(np.minimum(z, 0)))


# ================================================================= gradients and paths
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("name", list(MAKERS))
def test_gradcheck(rng, name, training):
    x = rng.standard_normal((3, 4, 5))
    report = assert_gradcheck(MAKERS[name](), x, training=training)
    assert report["dx"].checked == x.size
    assert_gradcheck(MAKERS[name](), x, training=training, path="reference")
    assert_gradcheck(MAKERS[name](seed=None), x, training=training)      # unseeded too


@pytest.mark.parametrize("name", list(MAKERS))
def test_paths_agree_with_the_same_draw(rng, name):
    x = rng.standard_normal((3, 4, 5))
    dy = rng.standard_normal(x.shape)
    layer = as64(MAKERS[name]())
    state = layer.rng.bit_generator.state
    y_fast, dx_fast = layer(x, training=True), layer.backward(dy)
    layer.rng.bit_generator.state = state
    y_ref, dx_ref = layer(x, training=True, path="reference"), layer.backward(dy)
    np.testing.assert_allclose(y_ref, y_fast, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(dx_ref, dx_fast, rtol=1e-14, atol=1e-15)
    assert not np.allclose(y_fast, x)                                    # noise was applied
    assert_paths_agree(as64(MAKERS[name]()), x)                          # inference: identity


@pytest.mark.parametrize("name", list(MAKERS))
def test_inference_is_identity(rng, name):
    x = rng.standard_normal((4, 2, 5)).astype(np.float32)
    layer = MAKERS[name]()
    for path in ("fast", "reference"):
        y = layer(x, path=path)
        np.testing.assert_array_equal(y, x)
        np.testing.assert_array_equal(layer.backward(np.full_like(x, 2.0)), 2.0)
    assert y.dtype == np.float32 and layer(x, training=True).dtype == np.float32


@pytest.mark.parametrize("name", list(MAKERS))
def test_seed_repeats_and_each_call_draws_anew(name):
    x = np.ones((3, 4, 5))
    a, b = MAKERS[name](seed=11), MAKERS[name](seed=11)
    y1, y2 = a(x, training=True), a(x, training=True)
    assert not np.array_equal(y1, y2)
    np.testing.assert_array_equal(b(x, training=True), y1)
    el.set_random_seed(5)
    c = MAKERS[name](seed=None)
    el.set_random_seed(5)
    d = MAKERS[name](seed=None)
    np.testing.assert_array_equal(c(x, training=True), d(x, training=True))


def test_rate_and_stddev_zero_are_identity(rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    for layer in (L.GaussianNoise(0.0), L.GaussianDropout(0.0), L.AlphaDropout(0.0)):
        np.testing.assert_array_equal(layer(x, training=True), x)
        np.testing.assert_array_equal(layer.backward(np.ones_like(x)), 1.0)


# ================================================================= the noise and its statistics
def test_gaussian_noise_statistics_and_backward(rng):
    x = rng.standard_normal((400, 250))
    layer = as64(L.GaussianNoise(0.5, seed=0))
    y = layer(x, training=True)
    noise = y - x
    n = x.size
    assert abs(noise.mean()) < 5 * 0.5 / np.sqrt(n)
    assert abs(noise.std() - 0.5) < 5 * 0.5 / np.sqrt(2 * n)
    np.testing.assert_allclose(layer.cache, noise, atol=1e-15)           # the stored draw
    dy = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(layer.backward(dy), dy)               # additive: dx = dy


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_gaussian_dropout_statistics_and_backward(rng, rate):
    x = np.full((400, 250), 2.0)
    layer = as64(L.GaussianDropout(rate, seed=0))
    noise = layer(x, training=True) / 2.0
    var = rate / (1 - rate)
    n = x.size
    assert abs(noise.mean() - 1.0) < 5 * np.sqrt(var / n)              # E[y] = x, like Dropout
    assert abs(noise.var() - var) < 5 * var * np.sqrt(2 / n)
    dy = rng.standard_normal(x.shape)
    np.testing.assert_allclose(layer.backward(dy), dy * noise)         # the same draw backward


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.5])
def test_alpha_dropout_keeps_selu_statistics(rate):
    """SELU activations of standard normal inputs have mean 0 and variance 1; after AlphaDropout
    they still do (that is what a and b are for), while plain Dropout changes the variance."""
    z = np.random.default_rng(0).standard_normal((500, 400))
    x = _selu(z)
    assert abs(x.mean()) < 0.01 and abs(x.var() - 1) < 0.01
    layer = as64(L.AlphaDropout(rate, seed=1))
    y = layer(x, training=True)
    n = x.size
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1) < 0.01
    dropped = layer.cache == 0
    assert abs(dropped.mean() - rate) < 5 * np.sqrt(rate * (1 - rate) / n)
    a, b = layer.affine
    np.testing.assert_allclose(y[dropped], a * ALPHA_P + b)             # dropped -> a alpha' + b
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] + b)
    np.testing.assert_allclose(layer.backward(np.ones_like(y)), a * (~dropped))
    plain = L.Dropout(rate, seed=1)(x, training=True)
    assert abs(plain.var() - 1) > 0.04                                  # what AlphaDropout fixes


def test_alpha_dropout_constants():
    from edulayers.layers.noise.alpha_dropout import ALPHA_P as alpha_p
    assert alpha_p == pytest.approx(ALPHA_P, rel=1e-15)
    layer = L.AlphaDropout(0.1)
    a, b = layer.affine
    assert a == pytest.approx((0.9 * (1 + 0.1 * ALPHA_P ** 2)) ** -0.5)
    assert b == pytest.approx(-a * ALPHA_P * 0.1)
    # mean 0 / variance 1 in closed form: E[y] = a((1-p)*0 + p alpha') + b = 0,
    # Var[y] = a^2 ((1-p) * 1 + p alpha'^2 - (p alpha')^2) = 1
    p = 0.1
    assert a * p * ALPHA_P + b == pytest.approx(0.0, abs=1e-15)
    assert a ** 2 * ((1 - p) + p * ALPHA_P ** 2 - (p * ALPHA_P) ** 2) == pytest.approx(1.0)


def test_alpha_dropout_noise_shape_shares_the_mask(rng):
    layer = L.AlphaDropout(0.5, noise_shape=(None, 1, 5), seed=2)
    y = layer(rng.standard_normal((4, 6, 5)), training=True)
    dropped = np.isclose(y, layer.affine[0] * ALPHA_P + layer.affine[1])
    assert (dropped == dropped[:, :1, :]).all() and 0 < dropped.mean() < 1
    assert layer.cache.shape == (4, 1, 5)


def test_masks_pass_through(rng):
    x = rng.standard_normal((2, 3, 4))
    mask = np.array([[True, True, False], [True, False, False]])
    for layer in (L.GaussianNoise(0.1), L.GaussianDropout(0.1), L.AlphaDropout(0.1)):
        layer(x, training=True, mask=mask)
        assert layer.output_mask is mask


# ================================================================= Keras 3 twin
KERAS_TWINS = [
    ("GaussianNoise", {"stddev": 0.3}, "normal"),
    ("GaussianDropout", {"rate": 0.3}, "normal"),
    ("AlphaDropout", {"rate": 0.3}, "uniform"),
    ("AlphaDropout", {"rate": 0.4, "noise_shape": (None, 1, 5)}, "uniform"),
]


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,_", KERAS_TWINS)
def test_keras_parity_inference(keras, rng, name, kwargs, _):
    x = rng.standard_normal((3, 4, 5))
    ours, theirs = getattr(L, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    compare_with_keras(ours, theirs, x)
    assert ours.count_params() == theirs.count_params() == 0
    assert ours.compute_output_shape((None, 4, 5)) == tuple(theirs.compute_output_shape((None, 4, 5)))


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,random_fn", KERAS_TWINS)
def test_keras_parity_training_with_the_same_noise(keras, rng, monkeypatch, name, kwargs, random_fn):
    """RNGs differ, so Keras' backend random function is patched to return our draw."""
    import jax
    from keras.src import backend as keras_backend
    x = rng.standard_normal((3, 4, 5))
    ours = as64(getattr(L, name)(seed=1, **kwargs))
    y = ours(x, training=True)
    if name == "GaussianNoise":
        draw = y - x                                   # N(0, stddev^2)
    elif name == "GaussianDropout":
        draw = ours.cache                              # N(1, rate / (1 - rate))
    else:
        draw = ours.cache                              # keep mask: uniform >= rate where 1.0
    seen = []

    def fake(shape, *args, **kw):
        seen.append(tuple(shape))
        return jax.numpy.asarray(np.array(draw, dtype=np.float64))

    monkeypatch.setattr(keras_backend.random, random_fn, fake)
    theirs = getattr(keras.layers, name)(seed=1, **kwargs)
    y_k, dx_k, _, dy = keras_forward_backward(theirs, x, training=True)
    assert seen == [draw.shape]                        # Keras drew exactly one tensor of that shape
    np.testing.assert_allclose(y, y_k, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.backward(dy), dx_k, rtol=1e-12, atol=1e-12)


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,_", KERAS_TWINS)
def test_config_matches_keras_arguments(keras, name, kwargs, _):
    theirs = getattr(keras.layers, name)(seed=4, **kwargs).get_config()
    ours = getattr(L, name)(seed=4, **kwargs).get_config()
    own = set(ours) - {"name", "trainable", "dtype", "batch_input_shape"}
    assert own <= set(theirs)
    for key in own:
        assert ours[key] == (tuple(theirs[key]) if isinstance(theirs[key], list) else theirs[key])


@pytest.mark.keras
def test_keras_noise_has_the_same_statistics(keras):
    ones = np.ones((200, 300))
    for ours, theirs, mean, var in [
            (L.GaussianNoise(0.5, seed=0), keras.layers.GaussianNoise(0.5, seed=0), 1.0, 0.25),
            (L.GaussianDropout(0.2, seed=0), keras.layers.GaussianDropout(0.2, seed=0), 1.0, 0.25)]:
        for out in (ours(ones, training=True), _np(theirs(ones, training=True))):
            assert abs(out.mean() - mean) < 0.01 and abs(out.var() - var) < 0.01


# ================================================================= explain, config, Keras 1 names
@pytest.mark.parametrize("name", list(MAKERS))
def test_explain_and_config_round_trip(name):
    layer = MAKERS[name]()
    ex = layer.explain((None, 4, 5))
    assert ex.param_count == 0 == evaluate_arithmetic(ex.param_formula)
    assert ex.output_shape == (None, 4, 5) and "inference" in ex.formula
    config = layer.get_config()
    assert type(layer)(**config).get_config() == config
    assert config["seed"] == 3


def test_explain_text():
    assert r"\sigma = 0.4" in L.GaussianNoise(0.4).explain((None, 3)).formula
    assert "std 0.6547" in str(L.GaussianDropout(0.3).explain((None, 3)))
    text = str(L.AlphaDropout(0.1).explain((None, 3)))
    assert "-1.7581" in text and "a = 0.9213" in text


def test_keras1_names():
    assert L.GaussianNoise(sigma=0.2).stddev == 0.2
    assert L.GaussianDropout(p=0.25).rate == 0.25
    with pytest.raises(TypeError, match="both 'sigma'"):
        L.GaussianNoise(0.1, sigma=0.2)


# ================================================================= bad input
@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, "0.5", True, None])
@pytest.mark.parametrize("cls", ["GaussianDropout", "AlphaDropout"])
def test_bad_rate(cls, rate):
    with pytest.raises(ValueError, match=rf"{cls} '.*': rate must be a float in \[0, 1\)"):
        getattr(L, cls)(rate)


@pytest.mark.parametrize("stddev", [-0.5, "1", None, float("nan")])
def test_bad_stddev(stddev):
    with pytest.raises(ValueError, match=r"GaussianNoise '.*': stddev must be a float >= 0"):
        L.GaussianNoise(stddev)


def test_large_stddev_is_accepted():
    assert L.GaussianNoise(3.0).stddev == 3.0                 # Keras 1/2 accepted it; see notes


def test_bad_seed_and_noise_shape():
    with pytest.raises(ValueError, match="seed must be an int or None"):
        L.GaussianNoise(0.1, seed="abc")
    with pytest.raises(ValueError, match="seed must be an int or None"):
        L.AlphaDropout(0.1, seed=1.5)
    with pytest.raises(ValueError, match="noise_shape must be a tuple of ints or None"):
        L.AlphaDropout(0.1, noise_shape="abc")
    with pytest.raises(ValueError, match=r"AlphaDropout .*noise_shape=\(None, 3\) cannot broadcast"):
        L.AlphaDropout(0.1, noise_shape=(None, 3))(np.ones((2, 4)), training=True)
    with pytest.raises(ValueError, match=r"AlphaDropout .*has rank 2 but the input has shape"):
        L.AlphaDropout(0.1, noise_shape=(None, 3)).compute_output_shape((None, 2, 3))
    with pytest.raises(TypeError, match="unexpected keyword"):
        L.GaussianDropout(0.1, noise_shape=(None, 1))


def test_bad_upstream_gradient(rng):
    layer = L.GaussianDropout(0.2)
    layer(np.ones((2, 3)), training=True)
    with pytest.raises(ValueError, match=r"GaussianDropout .*upstream gradient of shape \(2, 3\).*got \(3, 2\)"):
        layer.backward(np.ones((3, 2)))
    with pytest.raises(RuntimeError, match="call forward before backward"):
        L.AlphaDropout(0.2).backward(np.ones((2, 3)))
