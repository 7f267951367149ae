"""The functional API: el.Input, layer calls on symbolic tensors, el.Model with branches, merges,
several inputs and shared layers — against Keras 3 and the gradient check."""
import numpy as np
import pytest

import edulayers as el
from twins import assert_gradcheck

L = el.layers


def residual_model(keras=None):
    """A small residual block: two branches joined by Add, then a head on a Concatenate."""
    lib = keras if keras is not None else el
    layers = keras.layers if keras is not None else L
    inputs = lib.Input(shape=(6,))
    h = layers.Dense(6, activation="tanh")(inputs)
    h = layers.Dense(6)(h)
    joined = layers.Add()([inputs, h])
    both = layers.Concatenate()([joined, inputs])
    outputs = layers.Dense(3, activation="softmax")(both)
    return lib.Model(inputs, outputs)


def two_input_model(keras=None):
    lib = keras if keras is not None else el
    layers = keras.layers if keras is not None else L
    a, b = lib.Input(shape=(4,)), lib.Input(shape=(5,))
    merged = layers.Concatenate()([layers.Dense(3, activation="relu")(a), b])
    return lib.Model([a, b], layers.Dense(1)(merged))


def test_build_and_shapes():
    model = residual_model()
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dense", "Add", "Concatenate", "Dense"]
    assert model.compute_output_shape() == (None, 3)
    x = np.random.default_rng(0).standard_normal((4, 6))
    assert model.predict(x).shape == (4, 3)
    text = model.summary(print_fn=None)
    assert "Connected to" in text and "input_layer, dense_1" in text
    ex = model.explain()
    assert ex.param_count == model.count_params() == (6 * 6 + 6) * 2 + (12 * 3 + 3)
    assert "add (Add) of input_layer, dense_1" in str(ex)


def test_gradcheck_branches_and_merges(rng):
    assert_gradcheck(residual_model(), rng.standard_normal((3, 6)))
    assert_gradcheck(two_input_model(), [rng.standard_normal((3, 4)), rng.standard_normal((3, 5))])


def test_shared_layer_sums_its_gradients(rng):
    inputs = el.Input(shape=(4,))
    shared = L.Dense(4, activation="tanh")
    outputs = L.Dense(2)(shared(shared(inputs)))     # the same weights used twice
    model = el.Model(inputs, outputs)
    assert len(model.layers) == 2 and model.count_params() == 4 * 4 + 4 + 4 * 2 + 2
    assert "dense[1]" in model.summary(print_fn=None)
    assert_gradcheck(model, rng.standard_normal((3, 4)))


@pytest.mark.keras
def test_outputs_and_training_match_keras(keras, rng):
    ours, theirs = residual_model(), residual_model(keras)
    ours._set_dtype("float64")
    ours.set_weights(theirs.get_weights())
    assert ours.count_params() == theirs.count_params()
    x = rng.standard_normal((8, 6))
    y = rng.integers(0, 3, 8)
    np.testing.assert_allclose(ours.predict(x), np.asarray(theirs.predict(x, verbose=0)), rtol=1e-10)
    theirs.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    ours.compile("adam", "sparse_categorical_crossentropy")
    for _ in range(3):
        loss_theirs = float(theirs.train_on_batch(x, y))
        loss_ours = ours.train_step(x, y)["loss"]
    assert loss_ours == pytest.approx(loss_theirs, rel=1e-9)
    for w_ours, w_theirs in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(w_ours, w_theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.keras
def test_two_inputs_match_keras(keras, rng):
    ours, theirs = two_input_model(), two_input_model(keras)
    ours._set_dtype("float64")
    ours.set_weights(theirs.get_weights())
    xs = [rng.standard_normal((5, 4)), rng.standard_normal((5, 5))]
    np.testing.assert_allclose(ours.predict(xs), np.asarray(theirs.predict(xs, verbose=0)), rtol=1e-10)


def test_fit_with_two_inputs():
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal((128, 4)), rng.standard_normal((128, 5))]
    y = xs[0][:, :1] - 2 * xs[1][:, 1:2]
    model = two_input_model()
    model.compile(el.optimizers.Adam(0.02), "mse")
    history = model.fit(xs, y, epochs=40, batch_size=16, verbose=0, validation_split=0.25, seed=0)
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]
    assert "val_loss" in history.history


def test_sequential_accepts_an_input_first():
    model = el.Sequential([el.Input(shape=(16,)), L.Dense(4)])
    assert model.built and model.count_params() == 16 * 4 + 4


def test_errors():
    a, b = el.Input(shape=(3,)), el.Input(shape=(3,))
    out = L.Add()([a, b])
    with pytest.raises(ValueError, match="depend on input 'input_layer_1', which is not among"):
        el.Model(a, out)
    with pytest.raises(TypeError, match="must be symbolic tensors"):
        el.Model(a, np.zeros(3))
    model = el.Model([a, b], out)
    with pytest.raises(ValueError, match="has 2 inputs, got 1 arrays"):
        model.forward([np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"expects shape \(None, 3\), got \(2, 4\)"):
        model.forward([np.zeros((2, 4)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"Dense .*expected axis -1 .*size 3"):
        dense = L.Dense(2)
        dense(el.Input(shape=(3,)))
        dense(el.Input(shape=(4,)))
    with pytest.raises(TypeError, match="has no values"):
        np.asarray(el.Input(shape=(3,)))
