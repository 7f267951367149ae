"""Core layers without weights: Activation, Dropout, Flatten, Reshape, Permute, RepeatVector,
ActivityRegularization, Masking (and a few extra Dense checks).

The test tiers for each: gradcheck (float64), reference == fast, Keras 3 twin (output, dx,
count_params, compute_output_shape; Dropout through a shared mask), masks, explain(),
get_config round trip, and every kind of bad input.
"""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import (as64, assert_gradcheck, assert_paths_agree, compare_with_keras,
                   keras_forward_backward)

L = el.layers

# One representative configuration per layer this file owns: (factory, sample shape).
OWNED = {
    "Activation": (lambda: L.Activation("tanh"), (3, 5)),
    "Dropout": (lambda: L.Dropout(0.4, seed=3), (3, 5)),
    "Flatten": (lambda: L.Flatten(), (3, 2, 5)),
    "Reshape": (lambda: L.Reshape((5, -1)), (3, 2, 5)),
    "Permute": (lambda: L.Permute((2, 1)), (3, 5)),
    "RepeatVector": (lambda: L.RepeatVector(3), (5,)),
    "ActivityRegularization": (lambda: L.ActivityRegularization(l1=0.01, l2=0.02), (3, 5)),
    "Masking": (lambda: L.Masking(mask_value=0.0), (3, 5)),
}


def _np(tensor):
    """A Keras (JAX) tensor as a NumPy array."""
    return np.asarray(tensor)


def _x(rng, sample_shape, batch=2):
    return rng.standard_normal((batch,) + tuple(sample_shape))


# ================================================================= the protocol, for every owned layer
def test_owned_layers_are_exported():
    for name in OWNED:
        assert name in el.layers.core.__all__, name
        assert getattr(el.layers, name) is getattr(el.layers.core, name)


@pytest.mark.parametrize("name", sorted(OWNED))
def test_protocol_call_explain_gradcheck(rng, name):
    factory, sample = OWNED[name]
    layer = factory()
    x = _x(rng, sample)
    y = layer(x)
    assert y.dtype == np.float32                            # default floatx
    assert y.shape == layer.compute_output_shape(x.shape)
    assert layer.count_params() == 0 and layer.params == {} and layer.get_weights() == []
    dx = layer.backward(np.ones_like(y))
    assert dx.shape == x.shape and layer.grads == {}
    ex = layer.explain((None,) + sample)
    assert ex.param_count == 0 == evaluate_arithmetic(ex.param_formula)
    assert ex.output_shape == layer.compute_output_shape((None,) + sample)
    assert ex.shape_trace[0].shape == (None,) + sample and ex.formula
    assert name in str(ex) and "$$" in ex._repr_markdown_()
    for training in (False, True):
        assert_gradcheck(layer, x, training=training)
        assert_gradcheck(layer, x, training=training, path="reference")
    rebuilt = type(layer)(**layer.get_config())
    assert rebuilt.get_config() == layer.get_config()
    np.testing.assert_array_equal(rebuilt(x), layer(x))     # inference: deterministic


@pytest.mark.parametrize("name", sorted(OWNED))
def test_protocol_explain_without_building(name):
    factory, sample = OWNED[name]
    layer = factory()
    ex = layer.explain((None,) + sample)
    assert not layer.built                                  # explain works on a copy
    assert ex.trace.endswith(str(layer.compute_output_shape((None,) + sample)))
    with pytest.raises(ValueError, match="explain needs input_shape"):
        factory().explain()


# ================================================================= Activation
def _callable_without_arguments(name):
    try:
        el.activations.get(name)(np.zeros((1, 2)))
        return True
    except (TypeError, ValueError):       # e.g. threshold needs threshold= and default_value=
        return False


ACTIVATIONS = sorted(n for n in el.activations.ALL if _callable_without_arguments(n))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(3, 6), (2, 3, 4)])   # even last axis: glu halves it
def test_activation_gradcheck_and_paths(rng, activation, shape):
    layer = L.Activation(activation)
    x = rng.standard_normal(shape) + 0.05   # away from relu's kink at 0
    assert_gradcheck(layer, x)
    assert_paths_agree(as64(L.Activation(activation)), x)
    y = layer(x)
    np.testing.assert_allclose(y, el.activations.get(activation)(x.astype(np.float32)), rtol=1e-6)
    assert y.shape == layer.compute_output_shape(x.shape) == layer.explain(x.shape).output_shape


def test_activation_formula_and_keras1_names():
    assert L.Activation("relu").explain((None, 3)).formula == r"y = f(x),\quad f(x) = \max(0, x)"
    assert L.Activation(None).activation is el.activations.linear
    assert L.Activation(activation="sigmoid").get_config()["activation"] == "sigmoid"
    ex = L.Activation("softmax", input_shape=(10,)).explain()
    assert ex.trace == "(None, 10)" and "along the last axis" in str(ex)


def test_activation_user_functions(rng):
    x = rng.standard_normal((2, 3))
    with pytest.warns(UserWarning, match="gradient will be numerical"):
        layer = L.Activation(lambda x: x ** 3)
    np.testing.assert_allclose(layer(x), x.astype(np.float32) ** 3, rtol=1e-6)
    assert_gradcheck(layer, x, tol=1e-5)                    # a central-difference derivative
    twice = el.activations.ActivationFunction("twice", lambda x: 2 * x, lambda x, y: 2 * np.ones_like(x))
    assert_gradcheck(L.Activation(twice), x)


def test_activation_glu_halves_the_last_axis(rng):
    layer = L.Activation("glu")
    assert layer.compute_output_shape((None, 3, 8)) == (None, 3, 4)
    assert layer.explain((None, 8)).trace == "(None, 8) -> (None, 4)"
    assert layer(rng.standard_normal((2, 8))).shape == (2, 4)


def test_activation_bad_input():
    with pytest.raises(ValueError, match="Activation: unknown activation 'rellu'"):
        L.Activation("rellu")
    layer = L.Activation("relu")
    with pytest.raises(RuntimeError, match="call forward before backward"):
        layer.backward(np.zeros((2, 3)))
    layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(2, 3\).*got \(3, 2\)"):
        layer.backward(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="expected a numeric array"):
        layer(np.array([["a", "b"]]))
    with pytest.raises(TypeError, match="unexpected keyword"):
        L.Activation("relu", alpha=0.1)


@pytest.mark.keras
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_keras_parity(keras, rng, activation):
    if not hasattr(keras.activations, activation):
        pytest.skip(f"Keras 3 has no activation {activation!r}")
    if activation == "sparsemax":
        # Keras 3.15.1 computes tau = (sum of ALL cumulative sums on the support - 1) / k on every
        # backend, so its rows do not sum to 1; check ours against the definition instead.
        y = L.Activation("sparsemax")(rng.standard_normal((6, 5)) * 2)
        assert (y >= 0).all() and np.allclose(y.sum(-1), 1, atol=1e-6) and (y == 0).any()
        return
    x = rng.standard_normal((3, 4, 6)) + 0.05              # even last axis for glu
    theirs = keras.layers.Activation(activation)
    ours = L.Activation(activation)
    # hard_sigmoid included: its slope is 1/6 in float64 on JAX, as on TensorFlow (on torch it
    # was 1/6 rounded to float32, 3e-8 off)
    compare_with_keras(ours, theirs, x, rtol=1e-10, atol=1e-10)
    assert ours.count_params() == theirs.count_params() == 0


# ================================================================= Dropout
def test_dropout_inference_is_identity(rng):
    layer = L.Dropout(0.5)
    x = rng.standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer(x, training=False, path="reference"), x)
    np.testing.assert_array_equal(layer.backward(np.full_like(x, 3.0)), 3.0)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_statistics_and_scaling(rate):
    layer = L.Dropout(rate, seed=7)
    x = np.ones((200, 500))
    y = layer(x, training=True)
    kept = y != 0
    # kept units are x / (1 - rate) exactly; dropped ones are 0
    np.testing.assert_allclose(y[kept], 1 / (1 - rate), rtol=1e-6)
    n = x.size
    sd = np.sqrt(rate * (1 - rate) / n)
    assert abs(1 - kept.mean() - rate) < 5 * sd          # fraction dropped ~ rate
    assert abs(y.mean() - 1.0) < 5 * sd / (1 - rate)      # E[y] = x: the reason for the scaling
    dx = layer.backward(np.ones_like(y))
    np.testing.assert_allclose(dx, y)                     # same mask and scale backward


def test_dropout_seed_is_repeatable_and_each_call_draws_anew():
    x = np.ones((3, 50))
    a, b = L.Dropout(0.5, seed=11), L.Dropout(0.5, seed=11)
    y1, y2 = a(x, training=True), a(x, training=True)
    assert not np.array_equal(y1, y2)                     # a new mask each training step
    np.testing.assert_array_equal(b(x, training=True), y1)
    np.testing.assert_array_equal(b(x, training=True), y2)
    el.set_random_seed(5)
    c = L.Dropout(0.5)
    el.set_random_seed(5)
    d = L.Dropout(0.5)                                    # unseeded: seeded from the global generator
    np.testing.assert_array_equal(c(x, training=True), d(x, training=True))


def test_dropout_noise_shape_broadcasts(rng):
    x = rng.standard_normal((4, 6, 5)) + 3.0              # no zeros in x
    layer = L.Dropout(0.5, noise_shape=(None, 1, 5), seed=2)
    y = layer(x, training=True)
    kept = y != 0
    assert (kept == kept[:, :1, :]).all()                 # the same features at every timestep
    assert 0 < kept.mean() < 1
    shared = L.Dropout(0.5, noise_shape=(1, 6, 1), seed=2)(x, training=True) != 0
    assert (shared == shared[:1, :, :1]).all()
    assert layer.concrete_noise_shape((4, 6, 5)) == (4, 1, 5)
    assert layer.concrete_noise_shape((None, 6, 5)) == (None, 1, 5)


@pytest.mark.parametrize("noise_shape", [None, (None, 1, 5), (1, 3, 1)])
def test_dropout_gradcheck_training_and_paths(rng, noise_shape):
    x = _x(rng, (3, 5), batch=3)
    layer = L.Dropout(0.3, noise_shape=noise_shape, seed=4)
    report = assert_gradcheck(layer, x, training=True)
    assert report["dx"].checked == x.size
    assert_gradcheck(layer, x, training=True, path="reference")
    # reference == fast with the same draw: restore the generator between the two paths
    layer = as64(L.Dropout(0.3, noise_shape=noise_shape, seed=4))
    dy = rng.standard_normal(x.shape)
    state = layer.rng.bit_generator.state
    y_fast, dx_fast = layer(x, training=True), layer.backward(dy)
    layer.rng.bit_generator.state = state
    y_ref, dx_ref = layer(x, training=True, path="reference"), layer.backward(dy)
    np.testing.assert_allclose(y_ref, y_fast, rtol=1e-14, atol=0)
    np.testing.assert_allclose(dx_ref, dx_fast, rtol=1e-14, atol=0)
    assert_paths_agree(as64(L.Dropout(0.3, noise_shape=noise_shape)), x)   # inference
    assert_gradcheck(L.Dropout(0.5, noise_shape=noise_shape), x, training=True)   # unseeded too


def test_dropout_rate_zero_and_one(rng):
    x = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(L.Dropout(0.0)(x, training=True), x.astype(np.float32))
    full = L.Dropout(1.0, seed=0)
    np.testing.assert_array_equal(full(x, training=True), 0.0)
    np.testing.assert_array_equal(full.backward(np.ones((3, 4))), 0.0)
    np.testing.assert_array_equal(L.Dropout(1.0)(x, training=True, path="reference"), 0.0)
    assert "rate = 1 drops everything" in str(L.Dropout(1.0).explain((None, 4)))


def test_dropout_keras1_p_and_config():
    layer = L.Dropout(p=0.25)
    assert layer.rate == 0.25
    cfg = L.Dropout(0.2, noise_shape=[None, 1, 3], seed=9, name="drop").get_config()
    assert cfg["rate"] == 0.2 and cfg["noise_shape"] == (None, 1, 3) and cfg["seed"] == 9
    assert L.Dropout(**cfg).get_config() == cfg
    with pytest.raises(TypeError, match="both 'p' .* and 'rate'"):
        L.Dropout(rate=0.1, p=0.2)


@pytest.mark.parametrize("rate", [-0.1, 1.5, "0.5", True, None])
def test_dropout_bad_rate(rate):
    with pytest.raises(ValueError, match=r"Dropout 'dropout.*': rate must be a float between 0 and 1"):
        L.Dropout(rate)


def test_dropout_bad_noise_shape():
    with pytest.raises(ValueError, match="noise_shape must be a tuple of ints or None"):
        L.Dropout(0.5, noise_shape="abc")
    with pytest.raises(ValueError, match="noise_shape must be a tuple of ints or None"):
        L.Dropout(0.5, noise_shape=3)
    with pytest.raises(ValueError, match=r"positive ints or None, got 0 at index 1"):
        L.Dropout(0.5, noise_shape=(None, 0))
    with pytest.raises(ValueError, match=r"positive ints or None, got 2.5"):
        L.Dropout(0.5, noise_shape=(2.5,))
    layer = L.Dropout(0.5, noise_shape=(None, 1))
    with pytest.raises(ValueError, match=r"noise_shape=\(None, 1\) has rank 2 but the input has "
                                         r"shape \(2, 3, 4\) \(rank 3\)"):
        layer(np.ones((2, 3, 4)), training=True)
    with pytest.raises(ValueError, match=r"cannot broadcast to the input shape \(2, 4\): axis 1 has "
                                         r"3, expected 1 or 4"):
        L.Dropout(0.5, noise_shape=(None, 3))(np.ones((2, 4)), training=True)
    with pytest.raises(ValueError, match="cannot broadcast"):
        L.Dropout(0.5, noise_shape=(None, 3)).compute_output_shape((None, 4))


@pytest.mark.keras
@pytest.mark.parametrize("noise_shape", [None, (None, 1, 5)])
def test_dropout_keras_parity_with_the_same_mask(keras, rng, monkeypatch, noise_shape):
    """RNGs differ, so feed Keras the mask our layer drew (read off our output) and compare."""
    import jax
    rate = 0.4
    x = rng.standard_normal((3, 4, 5)) + 0.1
    ours = as64(L.Dropout(rate, noise_shape=noise_shape, seed=1))
    y = ours(x, training=True)
    kept = y != 0
    assert kept.any() and not kept.all()
    if noise_shape is not None:
        kept = kept[:, :1, :]                               # the mask of shape noise_shape
    seen = []

    def bernoulli(key, p=0.5, shape=None):                  # Keras on JAX draws its keep mask here
        seen.append((float(p), tuple(shape)))
        return jax.numpy.asarray(kept)

    monkeypatch.setattr(jax.random, "bernoulli", bernoulli)
    theirs = keras.layers.Dropout(rate, noise_shape=noise_shape, seed=1)
    y_k, dx_k, _, dy = keras_forward_backward(theirs, x, training=True)
    assert seen == [(1 - rate, kept.shape)]                 # one draw, of the keep probability
    np.testing.assert_allclose(y, y_k, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.backward(dy), dx_k, rtol=1e-12, atol=1e-12)
    assert ours.count_params() == theirs.count_params() == 0


@pytest.mark.keras
def test_dropout_keras_parity_inference_and_statistics(keras, rng):
    x = rng.standard_normal((4, 6))
    compare_with_keras(L.Dropout(0.5), keras.layers.Dropout(0.5), x)      # training=False
    # training: Keras' mask has the same statistics and scaling as ours
    ones = np.ones((100, 400))
    y_k = _np(keras.layers.Dropout(0.3, seed=0)(ones, training=True))
    y = L.Dropout(0.3, seed=0)(ones, training=True)
    for out in (y, y_k):
        np.testing.assert_allclose(out[out != 0], 1 / 0.7, rtol=1e-6)
        assert abs((out == 0).mean() - 0.3) < 0.01
    with pytest.raises(ValueError):
        keras.layers.Dropout(1.5)                         # Keras rejects it too


# ================================================================= Flatten
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("sample", [(), (5,), (3, 4), (2, 3, 4), (2, 1, 3, 2)])
def test_flatten_gradcheck_and_paths(rng, data_format, sample):
    layer = L.Flatten(data_format=data_format)
    x = _x(rng, sample, batch=3)
    assert_gradcheck(layer, x)
    assert_paths_agree(as64(L.Flatten(data_format=data_format)), x)


def test_flatten_channels_first_order(rng):
    x = rng.standard_normal((2, 3, 4, 5))                   # (batch, channels, rows, cols)
    y = L.Flatten(data_format="channels_first")(x)
    np.testing.assert_allclose(y, x.transpose(0, 2, 3, 1).reshape(2, -1).astype(np.float32))
    ex = L.Flatten(data_format="channels_first").explain((None, 3, 4, 5))
    assert [s.shape for s in ex.shape_trace] == [(None, 3, 4, 5), (None, 4, 5, 3), (None, 60)]
    assert "4*5*3 = 60" in str(ex)


def test_flatten_explain_shows_the_product():
    ex = L.Flatten().explain((None, 3, 4, 5))
    assert ex.trace == "(None, 3, 4, 5) -> (None, 60)"
    assert "3*4*5 = 60" in ex.shape_trace[-1].description
    assert L.Flatten().compute_output_shape((None, None, 4)) == (None, None)
    assert "unknown size" in str(L.Flatten().explain((None, None, 4)))
    assert L.Flatten().explain((None,)).output_shape == (None, 1)
    assert L.Flatten(dim_ordering="th").data_format == "channels_first"     # Keras 1 spelling


def test_flatten_bad_input():
    with pytest.raises(ValueError, match="Flatten 'flatten': data_format must be 'channels_last' or"):
        L.Flatten(data_format="NCHW")
    with pytest.raises(ValueError, match=r"Flatten .* expected input of rank >= 1.*got shape \(\)"):
        L.Flatten()(np.float64(3.0))


# ================================================================= Reshape
@pytest.mark.parametrize("sample,target", [((12,), (3, 4)), ((3, 4), (-1,)), ((2, 3, 4), (4, -1, 2)),
                                           ((6,), (1, 6, 1)), ((), (1,))])
def test_reshape_gradcheck_and_paths(rng, sample, target):
    layer = L.Reshape(target)
    x = _x(rng, sample, batch=3)
    y = layer(x)
    np.testing.assert_array_equal(y, x.astype(np.float32).reshape((3,) + layer.resolve_target_shape(sample)))
    assert_gradcheck(layer, x)
    assert_paths_agree(as64(L.Reshape(target)), x)


def test_reshape_explain_and_shapes():
    ex = L.Reshape((-1, 2, 2), input_shape=(12,)).explain()
    assert ex.trace == "(None, 12) -> (None, 3, 2, 2)"
    assert "-1 = 12 // 2*2 = 3" in str(ex)
    assert "3*4 = 12 values" in str(L.Reshape((4, 3)).explain((None, 3, 4)))
    assert L.Reshape((-1, 2)).compute_output_shape((None, None, 4)) == (None, None, 2)
    assert L.Reshape([2, 3]).target_shape == (2, 3) and L.Reshape(6).target_shape == (6,)


def test_reshape_bad_input():
    with pytest.raises(ValueError, match=r"Reshape 'reshape' cannot reshape: input \(None, 3, 4\) "
                                         r"holds 3\*4 = 12 values per sample, but target_shape "
                                         r"\(5, 2\) holds 5\*2 = 10"):
        L.Reshape((5, 2))(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"holds 3\*4 = 12 values per sample, which is not a multiple "
                                         r"of the known entries of target_shape \(5, -1\): 5 = 5"):
        L.Reshape((5, -1)).compute_output_shape((None, 3, 4))
    with pytest.raises(ValueError, match="at most one -1"):
        L.Reshape((-1, -1))
    with pytest.raises(ValueError, match="positive ints or one -1"):
        L.Reshape((0, 3))
    with pytest.raises(ValueError, match="positive ints or one -1"):
        L.Reshape((2.5, 3))
    with pytest.raises(ValueError, match="target_shape must be a tuple of ints"):
        L.Reshape(None)
    with pytest.raises(ValueError, match="cannot reshape"):
        L.Reshape((5, 2)).explain((None, 12))


# ================================================================= Permute
@pytest.mark.parametrize("dims", [(1,), (2, 1), (1, 2), (3, 1, 2), (2, 3, 1), (3, 2, 1)])
def test_permute_gradcheck_and_paths(rng, dims):
    sample = (2, 3, 4)[:len(dims)]
    layer = L.Permute(dims)
    x = _x(rng, sample, batch=2)
    y = layer(x)
    assert y.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_array_equal(y, np.transpose(x, (0,) + dims).astype(np.float32))
    assert_gradcheck(layer, x)
    assert_paths_agree(as64(L.Permute(dims)), x)


def test_permute_explain():
    ex = L.Permute((2, 1)).explain((None, 10, 64))
    assert ex.trace == "(None, 10, 64) -> (None, 64, 10)"
    assert ex.formula == r"y_{n,\,i_2, i_1} = x_{n,\,i_1, i_2}"
    assert L.Permute((2, 1)).compute_output_shape((None, None, 3)) == (None, 3, None)


def test_permute_bad_input():
    for dims in [(1, 3), (0, 1), (1, 1), (2, 3)]:
        with pytest.raises(ValueError, match=r"Permute 'permute.*': dims must be a permutation of 1\.\.2"):
            L.Permute(dims)
    with pytest.raises(ValueError, match="dims must be a tuple of ints"):
        L.Permute(("a", "b"))
    with pytest.raises(ValueError, match="dims must be a tuple of ints"):
        L.Permute(2)
    with pytest.raises(ValueError, match=r"Permute .* expected input of rank 3 \(batch, d1, d2\), "
                                         r"got shape \(2, 3\) \(rank 2\)"):
        L.Permute((2, 1))(np.zeros((2, 3)))


# ================================================================= RepeatVector
@pytest.mark.parametrize("n", [1, 3, 4])
def test_repeat_vector_gradcheck_and_paths(rng, n):
    layer = L.RepeatVector(n)
    x = _x(rng, (5,), batch=3)
    y = layer(x)
    assert y.shape == (3, n, 5)
    for t in range(n):
        np.testing.assert_array_equal(y[:, t], x.astype(np.float32))
    dx = layer.backward(np.ones_like(y))
    np.testing.assert_array_equal(dx, n)                    # read n times: n gradients add up
    assert_gradcheck(layer, x)
    assert_paths_agree(as64(L.RepeatVector(n)), x)


def test_repeat_vector_explain_and_bad_input():
    assert L.RepeatVector(3).explain((None, 32)).trace == "(None, 32) -> (None, 3, 32)"
    for n in [0, -2, 2.5, True, "3"]:
        with pytest.raises(ValueError, match="RepeatVector 'repeat_vector.*': n must be a positive int"):
            L.RepeatVector(n)
    with pytest.raises(ValueError, match=r"RepeatVector .* expected input of rank 2 \(batch, features\), "
                                         r"got shape \(2, 3, 4\) \(rank 3\)"):
        L.RepeatVector(2)(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="expected input_shape of rank 2"):
        L.RepeatVector(2).explain((None, 3, 4))


# ================================================================= ActivityRegularization
def test_activity_regularization_penalty_and_gradient(rng):
    layer = as64(L.ActivityRegularization(l1=0.03, l2=0.05))
    x = rng.standard_normal((4, 3, 5))
    y = layer(x)
    np.testing.assert_array_equal(y, x)
    assert layer.losses == [pytest.approx(layer.penalty_reference(y), rel=1e-12)]
    expected = (0.03 * np.abs(x).sum() + 0.05 * (x ** 2).sum()) / 4     # divided by the batch size
    assert layer.losses[0] == pytest.approx(expected, rel=1e-12)
    # activity_gradient is d(penalty)/d(output): check it by central differences
    grad = layer.activity_gradient()
    eps = 1e-6
    for index in [(0, 0, 0), (1, 2, 3), (3, 1, 4)]:
        xp, xm = x.copy(), x.copy()
        xp[index] += eps
        xm[index] -= eps
        numeric = (layer.penalty_reference(xp) - layer.penalty_reference(xm)) / (2 * eps)
        assert grad[index] == pytest.approx(numeric, rel=1e-6)
    np.testing.assert_array_equal(layer.backward(np.ones_like(y)), 1.0)   # the layer is the identity


def test_activity_regularization_paths_config_and_explain(rng):
    x = _x(rng, (3, 4))
    assert_paths_agree(as64(L.ActivityRegularization(0.1, 0.2)), x)
    layer = L.ActivityRegularization(l1=0.1)
    cfg = layer.get_config()
    assert cfg["l1"] == 0.1 and cfg["l2"] == 0.0 and "activity_regularizer" not in cfg
    assert type(layer)(**cfg).get_config() == cfg
    assert L.ActivityRegularization().losses == []         # nothing before the first forward
    zero = L.ActivityRegularization()
    zero(x)
    assert zero.losses == [0.0]
    assert "divided by the batch size" in str(layer.explain((None, 3, 4)))


def test_activity_regularization_bad_input():
    for kwargs in [{"l1": -1.0}, {"l2": "a"}, {"l1": float("nan")}, {"l2": None}]:
        with pytest.raises(ValueError, match="ActivityRegularization: l[12] must be a non-negative float"):
            L.ActivityRegularization(**kwargs)
    with pytest.raises(TypeError, match="takes l1 and l2, not activity_regularizer"):
        L.ActivityRegularization(activity_regularizer="l2")


@pytest.mark.keras
def test_activity_regularization_keras_parity(keras, rng):
    x = rng.standard_normal((4, 3, 5))
    theirs = keras.layers.ActivityRegularization(l1=0.03, l2=0.05)
    ours = L.ActivityRegularization(l1=0.03, l2=0.05)
    compare_with_keras(ours, theirs, x)
    theirs(x)                                               # Keras keeps the penalty of the last call
    their_losses = [float(_np(v)) for v in theirs.losses]
    assert ours.losses == pytest.approx(their_losses, rel=1e-10)


# ================================================================= Masking
def _sequence_with_gaps(rng, mask_value=0.0):
    x = rng.standard_normal((3, 6, 4))
    x[0, 2] = mask_value                                    # a masked timestep
    x[1, [0, 5]] = mask_value                               # two more
    x[2, 3, :2] = mask_value                                # partly equal: NOT masked
    return x


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_output_mask_and_gradient(rng, mask_value):
    x = _sequence_with_gaps(rng, mask_value)
    layer = L.Masking(mask_value=mask_value)
    y = layer(x)
    keep = np.ones((3, 6), dtype=bool)
    keep[0, 2] = keep[1, 0] = keep[1, 5] = False
    np.testing.assert_array_equal(layer.compute_mask(x), keep)
    np.testing.assert_array_equal(layer.output_mask, keep)
    np.testing.assert_array_equal(y, np.where(keep[..., None], x, 0).astype(np.float32))
    dy = rng.standard_normal(y.shape)
    np.testing.assert_allclose(layer.backward(dy), (dy * keep[..., None]).astype(np.float32))
    assert_paths_agree(as64(L.Masking(mask_value)), x)


def test_masking_gradcheck(rng):
    # The keep mask is a step function of x: at a fully masked timestep any nudge unmasks it, so
    # finite differences there are meaningless. Check the gradient where it exists: every timestep
    # kept, some of them with features equal to mask_value (those still pass the gradient).
    x = rng.standard_normal((3, 6, 4))
    x[2, 3, :3] = 0.0
    assert_gradcheck(L.Masking(), x)
    assert_gradcheck(L.Masking(), x, path="reference")
    # and with masked timesteps, when the upstream gradient there is 0 (the convention is 0)
    x = _sequence_with_gaps(rng)
    dy = rng.standard_normal(x.shape) * L.Masking().compute_mask(x)[..., None]
    assert_gradcheck(L.Masking(), x, dy=dy)


def test_masks_flow_through_core_layers(rng):
    x = _sequence_with_gaps(rng)
    masking = L.Masking()
    masking(x)
    mask = masking.output_mask
    for layer in (L.Activation("relu"), L.Dropout(0.5), L.ActivityRegularization(0.1)):
        layer(x, mask=mask)
        assert layer.output_mask is mask                    # supports_masking: passed on
    for layer in (L.Flatten(), L.Reshape((-1,)), L.Permute((2, 1))):
        layer(x, mask=mask)
        assert layer.output_mask is None                    # reshaping drops it, as Keras 3
    assert L.Masking().compute_mask(x, mask=np.zeros((3, 6), bool)).sum() == mask.sum()


def test_masking_explain_config_and_bad_input():
    ex = L.Masking(mask_value=-1).explain((None, 10, 8))
    assert "any(x != -1)" in str(ex) and "(None, 10)" in str(ex)
    assert ex.trace == "(None, 10, 8)"
    assert L.Masking(-1).get_config()["mask_value"] == -1.0
    with pytest.raises(ValueError, match="Masking 'masking.*': mask_value must be a number"):
        L.Masking(mask_value="pad")
    with pytest.raises(ValueError, match=r"Masking .* expected input of rank >= 2 \(batch, timesteps, "
                                         r"features\), got shape \(5,\)"):
        L.Masking()(np.zeros(5))
    with pytest.raises(ValueError, match="expected input of rank >= 2"):
        L.Masking().compute_mask(np.zeros(5))


@pytest.mark.keras
@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_keras_parity(keras, rng, mask_value):
    x = _sequence_with_gaps(rng, mask_value)
    theirs = keras.layers.Masking(mask_value=mask_value)
    ours = L.Masking(mask_value=mask_value)
    compare_with_keras(ours, theirs, x)
    np.testing.assert_array_equal(ours.compute_mask(x),
                                  _np(theirs.compute_mask(x)))


# ================================================================= reshaping layers vs Keras
RESHAPING_TWINS = [
    ("Flatten", {}, (3, 4, 5)),
    ("Flatten", {"data_format": "channels_first"}, (3, 4, 5)),
    ("Flatten", {"data_format": "channels_first"}, (3, 4)),
    ("Flatten", {}, (7,)),
    ("Reshape", {"target_shape": (4, 15)}, (3, 4, 5)),
    ("Reshape", {"target_shape": (-1, 2)}, (3, 4)),
    ("Permute", {"dims": (2, 1)}, (3, 4)),
    ("Permute", {"dims": (3, 1, 2)}, (2, 3, 4)),
    ("RepeatVector", {"n": 3}, (4,)),
]


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,sample", RESHAPING_TWINS)
def test_reshaping_keras_parity(keras, rng, name, kwargs, sample):
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(L, name)(**kwargs)
    compare_with_keras(ours, theirs, _x(rng, sample, batch=2))
    assert ours.count_params() == theirs.count_params() == 0


SHAPE_TWINS = RESHAPING_TWINS + [
    ("Flatten", {}, (None, 4)),
    ("Reshape", {"target_shape": (-1, 2)}, (None, 4)),
    ("Permute", {"dims": (2, 1)}, (None, 4)),
    ("RepeatVector", {"n": 2}, (None,)),
    ("Activation", {"activation": "relu"}, (None, 4)),
    ("Dropout", {"rate": 0.5}, (3, None)),
    ("Dropout", {"rate": 0.5, "noise_shape": (None, 1, 4)}, (3, 4)),
    ("ActivityRegularization", {"l1": 0.1}, (2, 3)),
    ("Masking", {}, (None, 4)),
]


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,sample", SHAPE_TWINS)
def test_compute_output_shape_matches_keras(keras, name, kwargs, sample):
    shape = (None,) + sample
    theirs = getattr(keras.layers, name)(**kwargs).compute_output_shape(shape)
    assert getattr(L, name)(**kwargs).compute_output_shape(shape) == tuple(theirs)


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,sample", SHAPE_TWINS)
def test_get_config_matches_keras_arguments(keras, name, kwargs, sample):
    theirs = getattr(keras.layers, name)(**kwargs).get_config()
    ours = getattr(L, name)(**kwargs).get_config()
    own_keys = set(ours) - {"name", "trainable", "dtype", "batch_input_shape"}
    assert own_keys <= set(theirs), f"{own_keys - set(theirs)} are not Keras 3 arguments"
    for key in own_keys:
        assert ours[key] == (tuple(theirs[key]) if isinstance(theirs[key], list) else theirs[key])


# ================================================================= Dense: the seed's example
def test_dense_seed_example_explain_and_gradcheck(rng):
    layer = L.Dense(32, input_shape=(16,), kernel_initializer="he_uniform",
                    kernel_constraint="MaxNorm", activation="relu")
    ex = layer.explain()
    assert ex.trace == "(None, 16) -> (None, 32)"
    assert ex.param_formula == "16*32 + 32" == "16*32 + 32"
    assert evaluate_arithmetic(ex.param_formula) == ex.param_count == 544
    assert ex.formula == r"y = \mathrm{relu}(xW + b)"
    x = rng.standard_normal((3, 16))
    layer(x)
    limit = np.sqrt(6 / 16)                                 # he_uniform: sqrt(6 / fan_in)
    assert np.abs(layer.kernel).max() <= limit
    assert_gradcheck(layer, x, max_checks=60)
    assert_paths_agree(as64(L.Dense(5, activation="tanh")), rng.standard_normal((3, 4)))


@pytest.mark.keras
def test_dense_seed_example_count_matches_keras(keras):
    theirs = keras.layers.Dense(32, kernel_initializer="he_uniform",
                                kernel_constraint="MaxNorm", activation="relu")
    theirs.build((None, 16))
    ours = L.Dense(32, input_shape=(16,), kernel_initializer="he_uniform",
                   kernel_constraint="MaxNorm", activation="relu")
    assert ours.explain().param_count == theirs.count_params() == 544
