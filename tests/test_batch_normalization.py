"""BatchNormalization: gradcheck (training and inference, masks), reference == fast, the moving
statistics, Keras 3 twin (outputs, dx, gamma/beta gradients, moving statistics after one and
several training calls, axis=1, axis=[1, 3], center/scale off, masks, count_params and the
summary split), explain(), config and every kind of bad input."""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import (as64, assert_gradcheck, assert_paths_agree, compare_with_keras,
                   keras_forward_backward)

L = el.layers

CONFIGS = [
    ({}, (5, 3)),                                   # Dense-style features
    ({}, (3, 4, 5, 2)),                             # channels_last images
    ({"axis": 1}, (3, 2, 4, 3)),                    # channels_first images
    ({"axis": [1, 3]}, (3, 2, 5, 3)),               # two channel axes (tf.keras 2 style)
    ({"center": False}, (4, 3, 3)),
    ({"scale": False, "epsilon": 0.1}, (4, 3)),
    ({"center": False, "scale": False}, (6, 2)),
]


def _randomize(layer, rng, x):
    """Build and give every weight a non-default value (moving_variance stays positive)."""
    layer(x)
    weights = []
    for name, w in layer.weights.items():
        v = rng.standard_normal(w.shape)
        weights.append(np.abs(v) + 0.5 if name == "moving_variance" else v)
    layer.set_weights(weights)
    return layer


def _np(tensor):
    """A Keras (JAX) tensor as a NumPy array."""
    return np.asarray(tensor)


# ================================================================= gradients and paths
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("kwargs,shape", CONFIGS)
def test_gradcheck_and_paths(rng, kwargs, shape, training):
    x = rng.standard_normal(shape) * 2 + 1
    layer = _randomize(L.BatchNormalization(**kwargs), rng, x)
    assert_gradcheck(layer, x, training=training)
    assert_gradcheck(layer, x, training=training, path="reference")
    fast, ref = as64(L.BatchNormalization(**kwargs)), as64(L.BatchNormalization(**kwargs))
    _randomize(fast, np.random.default_rng(0), x)
    _randomize(ref, np.random.default_rng(0), x)
    # the moving statistics move the same way on both paths
    ref(x, training=training, path="reference")
    fast(x, training=training)
    for a, b in zip(ref.get_weights(), fast.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert_paths_agree(fast, x, training=training)


def test_gradcheck_training_is_not_disturbed_by_moving_statistics(rng):
    """gradcheck runs forward many times; each training forward moves the moving statistics,
    but a training-mode output does not read them, so the finite differences stay exact."""
    x = rng.standard_normal((6, 4)) * 3 + 2
    layer = as64(L.BatchNormalization(momentum=0.5))
    y1 = layer(x, training=True)
    moved = layer.get_weights()[2:]
    y2 = layer(x, training=True)                       # the moving statistics changed in between
    assert not np.allclose(moved[0], layer.get_weights()[2])
    np.testing.assert_array_equal(y1, y2)
    layer.set_weights(layer.get_weights()[:2] + [np.full(4, 100.0), np.full(4, 9.0)])
    np.testing.assert_array_equal(layer(x, training=True), y1)   # still the same output
    before = layer.get_weights()[2]
    report = assert_gradcheck(layer, x, training=True)
    assert {t.name for t in report.tensors} == {"dx", "gamma", "beta"}
    # and gradcheck works on a copy: the layer's own statistics are untouched
    np.testing.assert_array_equal(layer.get_weights()[2], before)


@pytest.mark.parametrize("path", ["fast", "reference"])
def test_gradcheck_with_mask(rng, path):
    x = rng.standard_normal((3, 5, 4))
    mask = rng.random((3, 5)) > 0.35
    layer = _randomize(L.BatchNormalization(), rng, x)
    assert_gradcheck(layer, x, training=True, mask=mask, path=path)
    assert_gradcheck(layer, x, training=False, mask=mask, path=path)   # inference ignores it


def test_masked_paths_agree(rng):
    x = rng.standard_normal((3, 5, 4))
    mask = rng.random((3, 5)) > 0.35
    dy = rng.standard_normal(x.shape)
    out = []
    for path in ("fast", "reference"):
        layer = as64(L.BatchNormalization())
        y = layer(x, training=True, mask=mask, path=path)
        out.append((y, layer.backward(dy), layer.grads["gamma"], layer.get_weights()[2]))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# ================================================================= the statistics
def test_training_normalizes_each_channel(rng):
    x = rng.standard_normal((200, 3)) * np.array([1.0, 5.0, 0.1]) + np.array([3.0, -2.0, 7.0])
    layer = as64(L.BatchNormalization(epsilon=1e-8))
    y = layer(x, training=True)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(y.std(axis=0), 1.0, rtol=1e-5)
    # gamma and beta set the new scale and shift
    layer.set_weights([np.array([2.0, 3.0, 4.0]), np.array([1.0, -1.0, 0.5])] + layer.get_weights()[2:])
    y = layer(x, training=True)
    np.testing.assert_allclose(y.mean(axis=0), [1.0, -1.0, 0.5], atol=1e-10)
    np.testing.assert_allclose(y.std(axis=0), [2.0, 3.0, 4.0], rtol=1e-5)


def test_moving_statistics_follow_keras3_formula(rng):
    layer = as64(L.BatchNormalization(momentum=0.9))
    moving_mean, moving_var = np.zeros(4), np.ones(4)
    for step in range(5):
        x = rng.standard_normal((8, 3, 4)) * 2 + 3
        layer(x, training=True)
        mean, var = x.mean(axis=(0, 1)), x.var(axis=(0, 1))     # biased variance (ddof=0)
        moving_mean = 0.9 * moving_mean + 0.1 * mean
        moving_var = 0.9 * moving_var + 0.1 * var
        np.testing.assert_allclose(layer.get_weights()[2], moving_mean, rtol=1e-12)
        np.testing.assert_allclose(layer.get_weights()[3], moving_var, rtol=1e-12)
    # inference uses them, and does not change them
    y = layer(x)
    np.testing.assert_allclose(y, (x - moving_mean) / np.sqrt(moving_var + 1e-3), rtol=1e-12)
    np.testing.assert_allclose(layer.get_weights()[2], moving_mean, rtol=1e-12)


def test_moving_statistics_converge_to_the_data():
    rng = np.random.default_rng(0)
    layer = as64(L.BatchNormalization(momentum=0.9))
    for _ in range(200):
        layer(rng.normal(5.0, 2.0, size=(64, 2)), training=True)
    np.testing.assert_allclose(layer.get_weights()[2], 5.0, atol=0.15)
    np.testing.assert_allclose(layer.get_weights()[3], 4.0, atol=0.4)


def test_frozen_layer_runs_in_inference_mode(rng):
    x = rng.standard_normal((5, 3))
    layer = as64(L.BatchNormalization(trainable=False))
    layer(x)
    before = layer.get_weights()
    np.testing.assert_allclose(layer(x, training=True), layer(x, training=False))
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert layer.params == {} and layer.count_params() == 12


def test_float32_in_float32_out(rng):
    layer = L.BatchNormalization()
    x = rng.standard_normal((4, 6, 3)).astype(np.float32)
    for training in (True, False):
        y = layer(x, training=training)
        assert y.dtype == np.float32 and layer.backward(np.ones_like(y)).dtype == np.float32
    assert all(w.dtype == np.float32 for w in layer.get_weights())


# ================================================================= Keras 3 twin
KERAS_CONFIGS = [
    ({}, (6, 4)),
    ({}, (3, 4, 5, 3)),
    ({"axis": 1}, (3, 3, 4, 5)),                    # channels_first
    ({"axis": 2}, (4, 5, 3)),
    ({"center": False}, (5, 3, 2)),
    ({"scale": False}, (5, 3, 2)),
    ({"center": False, "scale": False, "epsilon": 0.01}, (5, 4)),
]


@pytest.mark.keras
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("kwargs,shape", KERAS_CONFIGS)
def test_keras_parity(keras, rng, kwargs, shape, training):
    x = rng.standard_normal(shape) * 2 + 0.5
    theirs = keras.layers.BatchNormalization(**kwargs)
    theirs.build(shape)
    ws = [rng.standard_normal(w.shape) for w in theirs.get_weights()]
    ws[-1] = np.abs(ws[-1]) + 0.5
    theirs.set_weights(ws)
    ours = L.BatchNormalization(**kwargs)
    compare_with_keras(ours, theirs, x, training=training)
    assert ours.count_params() == theirs.count_params()
    assert len(ours.params) == len(theirs.trainable_weights)


@pytest.mark.keras
@pytest.mark.parametrize("kwargs,shape", [({}, (8, 3)), ({"axis": 1, "momentum": 0.7}, (4, 3, 5))])
def test_keras_parity_moving_statistics_after_one_and_several_calls(keras, rng, kwargs, shape):
    theirs = keras.layers.BatchNormalization(**kwargs)
    ours = _randomize(as64(L.BatchNormalization(**kwargs)), rng, rng.standard_normal(shape))
    theirs.build(shape)
    theirs.set_weights(ours.get_weights())
    for step in range(4):
        x = rng.standard_normal(shape) * (step + 1) + step
        y_k = _np(theirs(x, training=True))
        y = ours(x, training=True)
        np.testing.assert_allclose(y, y_k, rtol=1e-10, atol=1e-10)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, np.asarray(b), rtol=1e-12, atol=1e-12)
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(x), _np(theirs(x, training=False)), rtol=1e-10, atol=1e-10)


@pytest.mark.keras
@pytest.mark.parametrize("training", [True, False])
def test_keras_parity_two_axes_via_reshape(keras, rng, training):
    """Keras 3 takes one axis; axis=[1, 3] on (N, A, B, C) is axis=-1 on the (N, B, A*C) view."""
    n, a, b, c = 4, 3, 5, 2
    x = rng.standard_normal((n, a, b, c)) * 2 + 1
    ours = _randomize(as64(L.BatchNormalization(axis=[1, 3])), rng, x)
    assert ours.get_weights()[0].shape == (1, a, 1, c)
    theirs = keras.layers.BatchNormalization()
    theirs.build((None, b, a * c))
    theirs.set_weights([w.reshape(-1) for w in ours.get_weights()])

    def view(t):
        return t.transpose(0, 2, 1, 3).reshape(n, b, a * c)

    dy = rng.standard_normal(x.shape)
    y_k, dx_k, grads_k, _ = keras_forward_backward(theirs, view(x), dy=view(dy), training=training)
    y, dx = ours(x, training=training), ours.backward(dy)
    np.testing.assert_allclose(view(y), y_k, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(view(dx), dx_k, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ours.grads["gamma"].reshape(-1), grads_k["gamma"], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ours.grads["beta"].reshape(-1), grads_k["beta"], rtol=1e-10, atol=1e-10)
    for w_ours, w_k in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(w_ours.reshape(-1), np.asarray(w_k), rtol=1e-10, atol=1e-12)


@pytest.mark.keras
def test_keras_parity_with_mask(keras, rng):
    x = rng.standard_normal((3, 6, 4)) + 1
    mask = rng.random((3, 6)) > 0.4
    theirs = keras.layers.BatchNormalization()
    theirs.build(x.shape)
    ours = as64(L.BatchNormalization())
    ours(x)
    ours.set_weights(theirs.get_weights())
    y_k, dx_k, grads_k, dy = keras_forward_backward(theirs, x, training=True, mask=mask)
    y = ours(x, training=True, mask=mask)
    dx = ours.backward(dy)
    np.testing.assert_allclose(y, y_k, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, dx_k, rtol=1e-10, atol=1e-10)
    for name in ("gamma", "beta"):
        np.testing.assert_allclose(ours.grads[name], grads_k[name], rtol=1e-10, atol=1e-10)
    # the masked moving statistics: one masked training call from the same start
    ours, theirs = as64(L.BatchNormalization(momentum=0.5)), keras.layers.BatchNormalization(momentum=0.5)
    ours(x, training=True, mask=mask)
    theirs(x, training=True, mask=mask)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10, atol=1e-12)
    # masked entries do not count: the statistics are those of the unmasked rows
    layer = as64(L.BatchNormalization(momentum=0.0))
    layer(x, training=True, mask=mask)
    np.testing.assert_allclose(layer.get_weights()[2], x[mask].mean(axis=0), rtol=1e-6)


@pytest.mark.keras
def test_keras_parity_count_params_and_summary_split(keras):
    ours = el.Sequential([L.Dense(5, input_shape=(4,)), L.BatchNormalization(), L.Dense(2)])
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5),
                               keras.layers.BatchNormalization(), keras.layers.Dense(2)])
    text = ours.summary(print_fn=None)
    trainable = sum(int(np.prod(w.shape)) for w in theirs.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in theirs.non_trainable_weights)
    assert ours.count_params() == theirs.count_params() == 4 * 5 + 5 + 4 * 5 + 5 * 2 + 2
    assert f"Trainable params: {trainable:,}" in text and trainable == 47
    assert f"Non-trainable params: {non_trainable:,}" in text and non_trainable == 10


@pytest.mark.keras
@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"center": False, "momentum": 0.9}])
def test_config_keys_are_keras_arguments(keras, kwargs):
    theirs = keras.layers.BatchNormalization(**kwargs).get_config()
    ours = L.BatchNormalization(**kwargs).get_config()
    own = set(ours) - {"name", "trainable", "dtype", "batch_input_shape"}
    assert own <= set(theirs)
    for key in ("axis", "momentum", "epsilon", "center", "scale"):
        assert ours[key] == theirs[key]


# ================================================================= explain, config, Keras 1 names
def test_explain():
    ex = L.BatchNormalization().explain((None, 32, 32, 64))
    assert ex.param_formula == "2*64 + 2*64" and ex.param_count == 256
    assert evaluate_arithmetic(ex.param_formula) == 256
    assert ex.output_shape == (None, 32, 32, 64)
    assert "axes (0, 1, 2)" in str(ex) and r"\sqrt{\sigma^2 + \epsilon}" in ex.formula
    ex = L.BatchNormalization(axis=[1, 3], center=False).explain((None, 3, 5, 2))
    assert ex.param_formula == "1*(3*2) + 2*(3*2)" and ex.param_count == 18
    ex = L.BatchNormalization(center=False, scale=False).explain((None, 7))
    assert ex.param_formula == "2*7" and ex.param_count == 14
    assert "biased" in str(L.BatchNormalization().explain((None, 3)))


def test_weights_order_shapes_and_trainability():
    layer = L.BatchNormalization(axis=1)
    layer.build((None, 3, 4, 4))
    assert list(layer.weights) == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert list(layer.params) == ["gamma", "beta"]
    assert list(layer.non_trainable_weights) == ["moving_mean", "moving_variance"]
    assert [w.shape for w in layer.get_weights()] == [(3,)] * 4
    np.testing.assert_array_equal(layer.get_weights()[3], 1.0)


def test_config_round_trip_and_keras1_names():
    layer = L.BatchNormalization(axis=[1, 2], momentum=0.9, epsilon=1e-5, center=False,
                                 gamma_regularizer="l2", beta_constraint="non_neg", name="bn")
    config = layer.get_config()
    assert config["axis"] == [1, 2] and config["momentum"] == 0.9 and config["center"] is False
    assert type(layer)(**config).get_config() == config
    old = L.BatchNormalization(mode=0, beta_init="ones", gamma_init="zeros")
    old.build((None, 3))
    np.testing.assert_array_equal(old.get_weights()[0], 0.0)
    np.testing.assert_array_equal(old.get_weights()[1], 1.0)
    with pytest.raises(TypeError, match="mode=2 .*no longer exists"):
        L.BatchNormalization(mode=2)


def test_regularizer_and_constraint_hooks(rng):
    layer = L.BatchNormalization(gamma_regularizer=el.regularizers.L2(0.1), beta_constraint="non_neg")
    layer(rng.standard_normal((4, 3)))
    assert layer.losses == [pytest.approx(0.3)]
    layer.beta[...] = -1.0
    layer.apply_constraints()
    np.testing.assert_array_equal(layer.beta, 0.0)


# ================================================================= bad input
def test_bad_arguments():
    with pytest.raises(ValueError, match="axis must be an int or a list of ints, got axis='x'"):
        L.BatchNormalization(axis="x")
    with pytest.raises(ValueError, match="axis must be an int or a list of ints"):
        L.BatchNormalization(axis=[])
    with pytest.raises(ValueError, match="momentum must be between 0 and 1, got momentum=1.5"):
        L.BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="epsilon must be positive"):
        L.BatchNormalization(epsilon=0)
    with pytest.raises(ValueError, match="momentum must be a float"):
        L.BatchNormalization(momentum="fast")
    with pytest.raises(ValueError, match="BatchNormalization: unknown gamma_initializer 'onez'"):
        L.BatchNormalization(gamma_initializer="onez")
    with pytest.raises(TypeError, match="unexpected keyword"):
        L.BatchNormalization(moment=0.9)


def test_bad_input(rng):
    with pytest.raises(ValueError, match=r"BatchNormalization .* expected input of rank >= 2 .*got shape \(5,\)"):
        L.BatchNormalization()(np.zeros(5))
    with pytest.raises(ValueError, match=r"axis=3 is out of bounds for an input of rank 3"):
        L.BatchNormalization(axis=3)(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="out of bounds"):
        L.BatchNormalization(axis=-4).compute_output_shape((None, 3, 4))
    with pytest.raises(ValueError, match="includes axis 0, the batch axis"):
        L.BatchNormalization(axis=0)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="names the same axis twice"):
        L.BatchNormalization(axis=[1, -2])(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"axis 1 of the input must have a known size"):
        L.BatchNormalization(axis=1).build((None, None, 3))
    layer = L.BatchNormalization()
    layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"BatchNormalization .*axis 1 .*size 4.*got shape \(2, 5\)"):
        layer(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"expected input of rank 2 .*got shape \(2, 3, 4\)"):
        layer(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"mask must have the input's shape without its last axis, "
                                         r"\(2,\) \(Keras 3\), got mask shape \(2, 4\)"):
        layer(np.zeros((2, 4)), training=True, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(2, 4\).*got \(2, 3\)"):
        layer.backward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"expects 4 weight arrays"):
        layer.set_weights([np.ones(4)])


@pytest.mark.parametrize("shape", [(256, 5), (16384, 32), (1000, 3), (7, 4), (3, 700)])
def test_channelwise_folds_give_numpy_numbers(rng, shape):
    """The folded column sums and broadcasts of channelwise.py against the plain NumPy ones."""
    from edulayers.layers.channelwise import column_dot, column_sum, per_channel
    a, b, v = rng.standard_normal(shape), rng.standard_normal(shape), rng.standard_normal(shape[1])
    np.testing.assert_allclose(column_sum(a), a.sum(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(column_dot(a, b), (a * b).sum(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(per_channel(np.multiply, a, v), a * v)
    out = a.copy()
    assert per_channel(np.add, out, v, out=out) is out
    np.testing.assert_array_equal(out, a + v)
    np.testing.assert_array_equal(per_channel(np.subtract, a[:, ::-1], v), a[:, ::-1] - v)
