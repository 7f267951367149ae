"""Sequential: building, the chain rule through a stack, summary() and explain() counts vs Keras."""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import assert_gradcheck


def seed_model():
    """The seed documents' example stack."""
    return el.Sequential([
        el.layers.Dense(32, input_shape=(16,), kernel_initializer="he_uniform",
                        kernel_constraint="MaxNorm", activation="relu"),
        el.layers.Dense(10, activation="softmax"),
    ])


def test_build_summary_explain():
    model = seed_model()
    assert model.built and model.count_params() == 16 * 32 + 32 + 32 * 10 + 10
    text = model.summary(print_fn=None)
    assert "dense (Dense)" in text and "(None, 32)" in text and "Total params: 874" in text
    ex = model.explain()
    assert ex.trace == "(None, 16) -> (None, 32) -> (None, 10)"
    assert evaluate_arithmetic(ex.param_formula) == ex.param_count == 874
    assert [c.param_count for c in ex.children] == [544, 330]


def test_forward_backward_chain_rule(rng):
    model = seed_model()
    assert_gradcheck(model, rng.standard_normal((3, 16)))
    y = model.forward(rng.standard_normal((4, 16)))
    assert y.shape == (4, 10) and y.dtype == np.float32
    dx = model.backward(np.ones_like(y))
    assert dx.shape == (4, 16) and set(model.grads) == set(model.params)


def test_weights_roundtrip(rng):
    a, b = seed_model(), seed_model()
    b.set_weights(a.get_weights())
    x = rng.standard_normal((2, 16))
    np.testing.assert_array_equal(a.forward(x), b.forward(x))
    with pytest.raises(ValueError, match="expects 4 weight arrays, got 1"):
        b.set_weights(a.get_weights()[:1])


def test_errors():
    model = el.Sequential([el.layers.Dense(3)])
    assert "0 (unbuilt)" in model.summary(print_fn=None)       # as Keras 3: the table, unbuilt
    with pytest.raises(ValueError, match="is not built"):
        model.count_params()
    with pytest.raises(TypeError, match="expects a Layer"):
        model.add("dense")
    model.build((None, 5))
    with pytest.raises(ValueError, match=r"Dense .*axis -1.*size 5.*got shape \(2, 4\)"):
        model.forward(np.zeros((2, 4)))


@pytest.mark.keras
def test_summary_counts_match_keras(keras):
    theirs = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, activation="relu"),
                               keras.layers.Dense(10, activation="softmax")])
    assert seed_model().count_params() == theirs.count_params()


def toy_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4))
    return x, (x[:, 0] * x[:, 1] > 0).astype(int)


def test_fit_learns_and_history(capsys):
    x, y = toy_data(256)
    model = el.Sequential([el.layers.Dense(16, activation="tanh", input_shape=(4,)),
                           el.layers.Dense(2, activation="softmax")])
    model.compile(el.optimizers.Adam(0.01), "sparse_categorical_crossentropy", ["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=30, verbose=2, validation_split=0.25, seed=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.85
    assert capsys.readouterr().out.count("Epoch ") == 30
    loss, acc = model.evaluate(x, y)
    assert acc > 0.85 and loss == pytest.approx(model.loss(y, model.predict(x)), rel=1e-5)


def test_regularization_enters_loss_and_step(rng):
    x, y = toy_data(8)
    model = el.Sequential([el.layers.Dense(3, input_shape=(4,), kernel_regularizer=el.regularizers.L2(0.5),
                                           activity_regularizer=el.regularizers.L1(0.1)),
                           el.layers.Dense(1)])
    model.compile(el.optimizers.SGD(0.1), "mse")
    first = model.layers[0]
    kernel_before = first.kernel.copy()
    y_pred = model.forward(x, training=True)
    expected_loss = (model.loss(y, y_pred) + 0.5 * np.sum(kernel_before ** 2)
                     + 0.1 * np.sum(np.abs(first._last_output)) / len(x))
    assert model.train_step(x, y)["loss"] == pytest.approx(expected_loss, rel=1e-5)
    # the step used gradients with both penalties: check against a model without them
    plain = el.Sequential([el.layers.Dense(3, input_shape=(4,)), el.layers.Dense(1)])
    plain.set_weights([kernel_before, *model.get_weights()[1:]])
    assert not np.allclose(plain.layers[0].kernel, first.kernel)


def test_save_and_load_weights(tmp_path, rng):
    a, b = seed_model(), seed_model()
    a.save_weights(tmp_path / "w.npz")
    b.load_weights(tmp_path / "w.npz")
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_training_errors():
    model = seed_model()
    with pytest.raises(ValueError, match="must be compiled before fit"):   # as Keras 3
        model.fit(np.zeros((2, 16)), np.zeros(2))
    with pytest.raises(ValueError, match="needs a loss"):
        model.compile("sgd")
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="x has 3 samples, y has 2"):
        model.fit(np.zeros((3, 16)), np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"(?i)compile: .*metrics.*'acuracy'"):
        model.compile("sgd", "mse", ["acuracy"])


@pytest.mark.keras
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_one_training_step_matches_keras(keras, optimizer):
    x, y = toy_data(16)
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                               keras.layers.Dense(2, activation="softmax")])
    theirs.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    ours = el.Sequential([el.layers.Dense(8, activation="tanh", input_shape=(4,), dtype="float64"),
                          el.layers.Dense(2, activation="softmax", dtype="float64")])
    ours.compile(optimizer, "sparse_categorical_crossentropy")
    ours.set_weights(theirs.get_weights())
    for _ in range(3):
        loss_theirs = float(theirs.train_on_batch(x, y))
        loss_ours = ours.train_step(x, y)["loss"]
    assert loss_ours == pytest.approx(loss_theirs, rel=1e-9)
    for w_ours, w_theirs in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(w_ours, w_theirs, rtol=1e-9, atol=1e-12)


def test_load_weights_mismatch(tmp_path):
    seed_model().save_weights(tmp_path / "w.npz")
    other = el.Sequential([el.layers.Dense(4, input_shape=(16,))])
    with pytest.raises(ValueError, match="load_weights: .* holds"):
        other.load_weights(tmp_path / "w.npz")


def test_fit_verbose_1_shows_a_progress_bar(capsys):
    pytest.importorskip("tqdm", reason="the progress bar comes from tqdm (notebooks extra)")
    x, y = toy_data(64)
    model = el.Sequential([el.layers.Dense(2, activation="softmax", input_shape=(4,))])
    model.compile("sgd", "sparse_categorical_crossentropy", ["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=1)
    err = capsys.readouterr().err
    assert "Epoch 2/2" in err and "4/4" in err and "loss=" in err
    assert len(history.history["loss"]) == 2
