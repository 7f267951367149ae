"""Model-level bad input, refused before any state changes: a ValueError (a TypeError where Keras
raises one) that names the model, what was expected and what was received.

Every refusal is checked against the model's state before and after: weights, optimizer (the
object, its slots and step counter), compile state (loss, metrics) and each layer's grads.
"""
import numpy as np
import pytest

import edulayers as el

L = el.layers


def data(n=12, d=4, seed=0):
    r = np.random.default_rng(seed)
    return r.standard_normal((n, d)), r.standard_normal((n, 2))


def trained_model():
    """A compiled Sequential after two Adam steps (so the optimizer has slots and a counter)."""
    model = el.Sequential([L.Dense(3, input_shape=(4,), activation="tanh"), L.Dense(2)])
    model.compile("adam", "mse", ["mae"])
    x, y = data()
    model.train_step(x[:4], y[:4])
    model.train_step(x[4:8], y[4:8])
    return model


def state(model) -> dict:
    """Everything a refused call must leave as it was."""
    opt = getattr(model, "optimizer", None)
    return {
        "weights": [w.copy() for w in model.get_weights()],
        "optimizer": opt,
        "iterations": None if opt is None else opt.iterations,
        "slots": None if opt is None else [(id(k.array), {n: a.copy() for n, a in v.items()})
                                           for k, v in opt.slots.items()],
        "loss": getattr(model, "loss", None),
        "metrics": list(getattr(model, "compiled_metrics", [])),
        "grads": [{k: g.copy() for k, g in layer.grads.items()} for layer in model.layers],
    }


def assert_unchanged(model, before):
    after = state(model)
    for a, b in zip(before["weights"], after["weights"]):
        np.testing.assert_array_equal(a, b)
    assert after["optimizer"] is before["optimizer"]
    assert after["iterations"] == before["iterations"]
    assert after["loss"] is before["loss"] and after["metrics"] == before["metrics"]
    if before["slots"] is not None:
        assert [i for i, _ in after["slots"]] == [i for i, _ in before["slots"]]
        for (_, a), (_, b) in zip(before["slots"], after["slots"]):
            assert list(a) == list(b)
            for k in a:
                np.testing.assert_array_equal(a[k], b[k])
    for a, b in zip(before["grads"], after["grads"]):
        assert list(a) == list(b)
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


def refused(model, error, match, call):
    """``call()`` raises ``error`` matching ``match`` and leaves ``model`` as it was."""
    before = state(model)
    with pytest.raises(error, match=match):
        call()
    assert_unchanged(model, before)


# ---------------------------------------------------------------- before compile
def test_fit_and_evaluate_before_compile_are_refused_predict_works():
    model = el.Sequential([L.Dense(2, input_shape=(4,))])
    x, y = data()
    refused(model, ValueError, r"Sequential 'sequential' must be compiled before fit\(\): call compile",
            lambda: model.fit(x, y, verbose=0))
    refused(model, ValueError, r"must be compiled before evaluate\(\)", lambda: model.evaluate(x, y))
    refused(model, ValueError, r"must be compiled before train_step\(\)", lambda: model.train_step(x, y))
    np.testing.assert_array_equal(model.predict(x), model.forward(x))     # as Keras: no compile needed


@pytest.mark.keras
def test_before_compile_as_keras(keras):
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    ours = el.Sequential([L.Dense(2, input_shape=(4,))])
    x, y = data()
    for model in (theirs, ours):
        with pytest.raises(ValueError, match="compile"):
            model.fit(x, y, verbose=0)
        with pytest.raises(ValueError, match="compile"):
            model.evaluate(x, y, verbose=0)
    assert np.shape(theirs.predict(x, verbose=0)) == np.shape(ours.predict(x))


# ---------------------------------------------------------------- the data
def test_x_and_y_of_different_lengths():
    model = trained_model()
    x, y = data()
    refused(model, ValueError, r"Sequential 'sequential'.fit: x has 12 samples, y has 7",
            lambda: model.fit(x, y[:7], verbose=0))
    refused(model, ValueError, r"\.evaluate: x has 12 samples, y has 7", lambda: model.evaluate(x, y[:7]))


@pytest.mark.keras
def test_x_and_y_of_different_lengths_as_keras(keras):
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    theirs.compile("sgd", "mse")
    x, y = data()
    with pytest.raises(ValueError):
        theirs.fit(x, y[:7], verbose=0)
    with pytest.raises(ValueError):
        theirs.evaluate(x, y[:7], verbose=0)


def test_two_input_model_checks_each_input():
    a, b = el.Input((4,)), el.Input((3,))
    model = el.Model([a, b], L.Dense(2)(L.concatenate([a, b])))
    model.compile("sgd", "mse")
    xa, y = data()
    xb = np.zeros((12, 3))
    refused(model, ValueError, r"x must be a list of 2 arrays \(one per input\), got a single ndarray",
            lambda: model.fit(xa, y, verbose=0))
    refused(model, ValueError, r"x must be a list of 2 arrays .*got a list of 1",
            lambda: model.fit([xa], y, verbose=0))
    refused(model, ValueError, r"the inputs must have the same number of samples, got \[12, 5\]",
            lambda: model.fit([xa, xb[:5]], y, verbose=0))
    refused(model, ValueError, r"x\[1\] must have shape \(None, 3\) \(batch first\), got an array of shape \(12, 4\)",
            lambda: model.fit([xa, xa], y, verbose=0))
    model.fit([xa, xb], y, verbose=0)


def test_validation_data_of_the_wrong_shape():
    model = trained_model()
    x, y = data()
    refused(model, ValueError, r"x must have shape \(None, 4\) \(batch first\), got an array of shape \(12, 3\)",
            lambda: model.fit(x, y, validation_data=(x[:, :3], y), verbose=0))
    refused(model, ValueError, r"validation_data's y_val must have the training data's shape per sample "
                               r"\(2,\), got an array of shape \(12, 1\)",
            lambda: model.fit(x, y, validation_data=(x, y[:, :1]), verbose=0))
    refused(model, ValueError, r"x has 12 samples, y has 3",
            lambda: model.fit(x, y, validation_data=(x, y[:3]), verbose=0))
    refused(model, ValueError, r"validation_data must be a tuple \(x_val, y_val\) or \(x_val, y_val, "
                               r"val_sample_weight\), got ndarray",
            lambda: model.fit(x, y, validation_data=x, verbose=0))
    refused(model, ValueError, r"validation_data must be a tuple .*, got tuple of length 4",
            lambda: model.fit(x, y, validation_data=(x, y, y[:, 0], y), verbose=0))
    refused(model, ValueError, r"x has 12 samples, sample_weight has 3",
            lambda: model.fit(x, y, validation_data=(x, y, y[:3, 0]), verbose=0))


def test_validation_split_of_the_wrong_type_or_value():
    model = trained_model()
    x, y = data()
    refused(model, TypeError, r"validation_split must be a float in \(0, 1\), got '0.2'",
            lambda: model.fit(x, y, validation_split="0.2", verbose=0))
    refused(model, ValueError, r"validation_split must be in \(0, 1\), got 1.5",
            lambda: model.fit(x, y, validation_split=1.5, verbose=0))
    refused(model, ValueError, r"validation_split=0.95 leaves no training samples out of 12",
            lambda: model.fit(x, y, validation_split=0.95, verbose=0))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"batch_size": 2.5}, TypeError, r"batch_size must be a positive int, got 2.5 \(float\)"),
    ({"batch_size": "2"}, TypeError, r"batch_size must be a positive int, got '2' \(str\)"),
    ({"batch_size": True}, TypeError, r"batch_size must be a positive int, got True"),
    ({"batch_size": 0}, ValueError, r"batch_size must be a positive int, got 0"),
    ({"batch_size": -4}, ValueError, r"batch_size must be a positive int, got -4"),
    ({"epochs": "3"}, TypeError, r"epochs must be a positive int, got '3' \(str\)"),
    ({"epochs": 2.0}, TypeError, r"epochs must be a positive int, got 2.0"),
    ({"epochs": 0}, ValueError, r"epochs must be a positive int, got 0"),
    ({"epochs": -1}, ValueError, r"epochs must be a positive int, got -1"),
])
def test_epochs_and_batch_size(kwargs, error, match):
    model = trained_model()
    x, y = data()
    refused(model, error, r"Sequential 'sequential'.fit: " + match, lambda: model.fit(x, y, verbose=0, **kwargs))
    if "batch_size" in kwargs:
        refused(model, error, r"\.evaluate: " + match, lambda: model.evaluate(x, y, **kwargs))
        refused(model, error, r"\.predict: " + match, lambda: model.predict(x, **kwargs))


def test_numpy_integers_and_none_are_accepted():
    model = trained_model()
    x, y = data()
    history = model.fit(x, y, batch_size=np.int64(4), epochs=np.int32(2), verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(x, batch_size=None).shape == (12, 2)


def test_a_python_list_is_converted_as_an_array():
    x, y = data()
    a, b = trained_model(), trained_model()
    b.set_weights(a.get_weights())
    b.optimizer = a.optimizer.__class__()
    a.optimizer = a.optimizer.__class__()
    ha = a.fit(x, y, batch_size=4, epochs=2, verbose=0, seed=0)
    hb = b.fit(x.tolist(), y.tolist(), batch_size=4, epochs=2, verbose=0, seed=0)
    assert ha.history == hb.history
    np.testing.assert_array_equal(a.predict(x), b.predict(x.tolist()))
    assert a.evaluate(x.tolist(), y.tolist()) == a.evaluate(x, y)


def test_ragged_or_non_numeric_data_is_refused_clearly():
    model = trained_model()
    x, y = data()
    refused(model, ValueError, r"fit: x must be an array \(or a list of equal-length rows\), got a ragged list",
            lambda: model.fit([[1.0, 2.0, 3.0, 4.0], [1.0]], y[:2], verbose=0))
    refused(model, ValueError, r"fit: x must hold numbers, got an array of dtype <U1",
            lambda: model.fit(np.full((12, 4), "a"), y, verbose=0))
    refused(model, ValueError, r"fit: y must hold numbers, got an array of dtype object",
            lambda: model.fit(x, np.array([None] * 12), verbose=0))
    refused(model, ValueError, r"fit needs targets y \(one per sample of x\), got None",
            lambda: model.fit(x, None, verbose=0))
    refused(model, ValueError, r"predict: x must have a batch axis .*got a scalar 3.0",
            lambda: model.predict(3.0))
    refused(model, ValueError, r"predict: x has no samples \(shape \(0, 4\)\)",
            lambda: model.predict(np.zeros((0, 4))))
    refused(model, ValueError, r"fit: x must have shape \(None, 4\) \(batch first\), got an array of shape \(12, 5\)",
            lambda: model.fit(np.zeros((12, 5)), y, verbose=0))


# ---------------------------------------------------------------- compile
@pytest.mark.parametrize("args, match", [
    (("adamw2", "mse"), r"compile: .*optimizer.*'adamw2'.*adadelta.*adagrad.*adam.*sgd"),
    (("sgd", "mse2"), r"compile: .*loss.*'mse2'.*(valid names|expected one of).*binary_crossentropy"),
    (("sgd", "mse", ["acuracy"]), r"compile: .*metrics.*'acuracy'.*accuracy"),
    (("sgd", "mse", "accuracy"), r"compile: metrics must be a list, e.g. metrics=\['accuracy'\], got 'accuracy'"),
    ((3, "mse"), r"compile: .*optimizer.*3"),
    (("sgd", 3), r"compile: .*loss.*3"),
])
def test_a_refused_compile_keeps_the_previous_compile_state(args, match):
    model = trained_model()
    # (case-insensitive: the registries word their own "unknown name" messages)
    refused(model, ValueError, r"(?i)Sequential 'sequential'\." + match, lambda: model.compile(*args))
    # still trains with the previous optimizer, slots and all
    before = model.optimizer.iterations
    model.train_step(*data())
    assert model.optimizer.iterations == before + 1


# ---------------------------------------------------------------- set_weights
def test_model_set_weights_checks_every_array_before_writing_any():
    model = trained_model()
    good = model.get_weights()
    refused(model, ValueError, r"Sequential 'sequential' expects 4 weight arrays, got 3",
            lambda: model.set_weights(good[:3]))
    # the last array is wrong: the first three must not have been written
    refused(model, ValueError, r"weight 'dense_1/bias' has shape \(2,\), got an array of shape \(3,\)",
            lambda: model.set_weights([g + 1 for g in good[:3]] + [np.zeros(3)]))
    refused(model, ValueError, r"weight 'dense_1/bias' needs real numbers, got an array of dtype <U1",
            lambda: model.set_weights([g + 1 for g in good[:3]] + [np.array(["a", "b"])]))
    refused(model, ValueError, r"weight 'dense_1/bias' needs real numbers, got an array of dtype <U3",
            lambda: model.set_weights([g + 1 for g in good[:3]] + [np.array(["1.0", "2.0"])]))
    refused(model, ValueError, r"weight 'dense_1/bias' needs real numbers, got an array of dtype object",
            lambda: model.set_weights([g + 1 for g in good[:3]] + [np.array([None, None])]))
    refused(model, ValueError, r"weight 'dense_1/bias' needs real numbers, got an array of dtype complex128",
            lambda: model.set_weights([g + 1 for g in good[:3]] + [np.ones(2, complex)]))
    refused(model, ValueError, r"weight 'dense/kernel' needs an array of shape \(4, 3\), got a ragged list",
            lambda: model.set_weights([[[1.0, 2.0, 3.0], [1.0]]] + good[1:]))
    model.set_weights([g.astype(int) for g in good])        # integers are numbers
    model.set_weights([g.tolist() for g in good])           # so are nested lists
    np.testing.assert_allclose(model.get_weights()[0], good[0], rtol=1e-6)


def test_model_set_weights_with_a_wrapper_checks_before_writing():
    model = el.Sequential([L.Bidirectional(L.SimpleRNN(2), input_shape=(5, 3)), L.Dense(1)])
    good = model.get_weights()
    bad = [g + 1 for g in good]
    bad[3] = np.full(bad[3].shape, "x")           # the backward layer's kernel
    refused(model, ValueError, r"needs real numbers, got an array of dtype <U1", lambda: model.set_weights(bad))


def test_layer_set_weights_checks_every_array_before_writing_any():
    layer = L.Dense(3)
    layer.build((None, 4))
    kernel, bias = layer.get_weights()
    for bad, match in [
        ([kernel], r"Dense 'dense' expects 2 weight arrays \['kernel', 'bias'\], got 1"),
        ([kernel + 1, np.zeros(4)], r"weight 'bias' has shape \(3,\), got an array of shape \(4,\)"),
        ([kernel + 1, np.array(["a", "b", "c"])], r"weight 'bias' needs real numbers, got an array of dtype <U1"),
        ([kernel + 1, np.array(["1.0", "2.0", "3.0"])], r"weight 'bias' needs real numbers, got .*<U3"),
        ([kernel + 1, [1.0, [2.0], 3.0]], r"weight 'bias' needs an array of shape \(3,\), got a ragged list"),
    ]:
        with pytest.raises(ValueError, match=match):
            layer.set_weights(bad)
        np.testing.assert_array_equal(layer.kernel, kernel)      # nothing written
        np.testing.assert_array_equal(layer.bias, bias)
    layer.set_weights([np.ones((4, 3), dtype=np.int64), np.array([True, False, True])])
    np.testing.assert_array_equal(layer.bias, [1.0, 0.0, 1.0])


# ---------------------------------------------------------------- optimizer hyperparameters
@pytest.mark.parametrize("make, match", [
    (lambda: el.optimizers.SGD(learning_rate="0.1"), r"SGD: learning_rate must be a positive float, got '0.1'"),
    (lambda: el.optimizers.SGD(learning_rate=True), r"SGD: learning_rate must be a positive float, got True"),
    (lambda: el.optimizers.SGD(learning_rate=None), r"SGD: learning_rate must be a positive float, got None"),
    (lambda: el.optimizers.SGD(learning_rate=-0.1), r"SGD: learning_rate must be positive, got -0.1"),
    (lambda: el.optimizers.Adam(lr="x"), r"Adam: learning_rate must be a positive float, got 'x'"),
    (lambda: el.optimizers.SGD(momentum="0.9"), r"SGD: momentum must be a float, got '0.9'"),
    (lambda: el.optimizers.SGD(momentum=2.0), r"SGD: momentum must be in \[0, 1\], got 2.0"),
    (lambda: el.optimizers.SGD(nesterov="yes"), r"SGD: nesterov must be True or False, got 'yes'"),
    (lambda: el.optimizers.Adam(beta_1="x"), r"Adam: beta_1 must be a float, got 'x'"),
    (lambda: el.optimizers.Adam(beta_2=[0.9]), r"Adam: beta_2 must be a float, got \[0.9\]"),
    (lambda: el.optimizers.Adam(epsilon="1e-7"), r"Adam: epsilon must be a float, got '1e-7'"),
    (lambda: el.optimizers.Adam(amsgrad=1), r"Adam: amsgrad must be True or False, got 1"),
    (lambda: el.optimizers.Adamax(beta_1="x"), r"Adamax: beta_1 must be a float, got 'x'"),
    (lambda: el.optimizers.Nadam(beta_2="x"), r"Nadam: beta_2 must be a float, got 'x'"),
    (lambda: el.optimizers.RMSprop(rho="x"), r"RMSprop: rho must be a float, got 'x'"),
    (lambda: el.optimizers.RMSprop(centered="no"), r"RMSprop: centered must be True or False, got 'no'"),
    (lambda: el.optimizers.Adagrad(initial_accumulator_value="0.1"),
     r"Adagrad: initial_accumulator_value must be a float, got '0.1'"),
    (lambda: el.optimizers.Adadelta(rho=None), r"Adadelta: rho must be a float, got None"),
    (lambda: el.optimizers.SGD(clipnorm="1"), r"SGD: clipnorm must be a positive float, got '1'"),
    (lambda: el.optimizers.SGD(clipvalue=-1.0), r"SGD: clipvalue must be positive, got -1.0"),
    (lambda: el.optimizers.SGD(clipnorm=1.0, clipvalue=1.0),
     r"SGD: only one of clipnorm, clipvalue and global_clipnorm can be set"),
])
def test_optimizer_hyperparameters_of_the_wrong_type(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_optimizer_hyperparameters_that_are_numbers():
    assert el.optimizers.SGD(learning_rate=1).learning_rate == 1.0
    assert el.optimizers.SGD(learning_rate=np.float32(0.5)).learning_rate == 0.5
    assert el.optimizers.Adam(beta_1=np.float64(0.8)).beta_1 == 0.8
    assert el.optimizers.SGD(nesterov=np.bool_(True), momentum=0.9).nesterov is True


@pytest.mark.keras
def test_optimizer_hyperparameters_as_keras(keras):
    """Keras 3 refuses a string learning rate and momentum with a ValueError, as here."""
    with pytest.raises(ValueError, match="learning_rate"):
        keras.optimizers.SGD(learning_rate="0.1")
    with pytest.raises(ValueError, match="momentum"):
        keras.optimizers.SGD(momentum="0.9")
    with pytest.raises(ValueError, match="clipnorm"):
        keras.optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
