"""The model-level Keras calls of the tutorials (issue 9), each against Keras 3 (JAX, float64).

* ``model.input_shape`` / ``output_shape`` and ``layer.input_shape`` / ``output_shape``;
* ``get_layer`` and ``weights`` / ``trainable_weights`` / ``non_trainable_weights``;
* ``train_on_batch`` / ``test_on_batch`` / ``predict_on_batch``, ``predict`` and ``evaluate``;
* ``fit`` with ``sample_weight``, ``class_weight``, ``initial_epoch`` and Keras' ``verbose`` levels:
  the loss history of a short SGD run equals Keras' for the same initial weights;
* ``compile(loss=<a function>)`` and ``losses.get`` returning the per-sample function;
* ``summary()`` of an unbuilt model; ``CustomObjectScope`` around ``load_model`` /
  ``model_from_json``.
"""
import sys

import numpy as np
import pytest

import edulayers as el

L = el.layers
RTOL = 1e-10


@pytest.fixture
def float64():
    before = el.floatx()
    el.set_floatx("float64")
    yield
    el.set_floatx(before)


def mlp_pair(keras, seed=0, out=3, activation="softmax"):
    """An MLP here and its Keras 3 twin with the same initial weights."""
    el.set_random_seed(seed)
    ours = el.Sequential([L.Dense(6, activation="tanh", input_shape=(4,)),
                          L.Dense(out, activation=activation)])
    K = keras.layers
    theirs = keras.Sequential([keras.Input((4,)), K.Dense(6, activation="tanh"),
                               K.Dense(out, activation=activation)])
    theirs.set_weights(ours.get_weights())
    return ours, theirs


def classification(n=20, seed=1):
    r = np.random.default_rng(seed)
    x = r.standard_normal((n, 4))
    labels = r.integers(0, 3, n)
    return x, labels, np.eye(3)[labels]


def assert_history(ours, theirs):
    assert ours.epoch == theirs.epoch
    assert set(ours.history) == set(theirs.history)
    for key, values in theirs.history.items():
        np.testing.assert_allclose(ours.history[key], values, rtol=RTOL, err_msg=key)


def assert_weights(ours, theirs):
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def keras_message(call) -> str:
    with pytest.raises(Exception) as info:
        call()
    return str(info.value)


# ---------------------------------------------------------------- shapes
@pytest.mark.keras
def test_sequential_and_layer_shapes_match_keras(keras, float64):
    K = keras.layers
    ours = el.Sequential([L.Conv2D(64, 3, input_shape=(32, 32, 3)), L.MaxPooling2D(),
                          L.Flatten(), L.Dense(10)])
    theirs = keras.Sequential([keras.Input((32, 32, 3)), K.Conv2D(64, 3), K.MaxPooling2D(),
                               K.Flatten(), K.Dense(10)])
    assert ours.input_shape == theirs.input_shape == (None, 32, 32, 3)
    assert ours.output_shape == theirs.output_shape == (None, 10)
    for mine, keras_layer in zip(ours.layers, theirs.layers):
        assert mine.output_shape == tuple(keras_layer.output.shape)
        assert mine.input_shape == tuple(keras_layer.input.shape)
    assert ours.layers[0].output_shape == (None, 30, 30, 64)
    # the LocallyConnected page of the seed: model.output_shape == (None, 30, 30, 64)
    local = el.Sequential([L.LocallyConnected2D(64, (3, 3), input_shape=(32, 32, 3))])
    assert local.output_shape == (None, 30, 30, 64) and local.input_shape == (None, 32, 32, 3)


@pytest.mark.keras
def test_functional_shapes_are_lists_for_several_ends_as_keras(keras, float64):
    K = keras.layers
    a, b = el.Input((3,)), el.Input((5,))
    h = L.Concatenate()([L.Dense(2)(a), b])
    ours = el.Model([a, b], [h, L.Dense(1)(h)])
    ka, kb = keras.Input((3,)), keras.Input((5,))
    kh = K.Concatenate()([K.Dense(2)(ka), kb])
    theirs = keras.Model([ka, kb], [kh, K.Dense(1)(kh)])
    assert ours.input_shape == theirs.input_shape == [(None, 3), (None, 5)]
    assert ours.output_shape == theirs.output_shape == [(None, 7), (None, 1)]
    assert ours.get_layer("concatenate").input_shape == [(None, 2), (None, 5)]
    # one input and one output given as lists: single tuples, as Keras
    c, kc = el.Input((3,)), keras.Input((3,))
    single = el.Model([c], [L.Dense(2)(c)])
    keras_single = keras.Model([kc], [K.Dense(2)(kc)])
    assert single.input_shape == keras_single.input_shape == (None, 3)
    assert single.output_shape == keras_single.output_shape == (None, 2)
    # several outputs of one layer: a list
    lstm = L.LSTM(4, return_state=True)
    lstm(el.Input((5, 2)))
    assert lstm.output_shape == [(None, 4), (None, 4), (None, 4)]


@pytest.mark.keras
def test_shapes_before_the_model_is_built(keras):
    ours = el.Sequential([L.Dense(4), L.Dense(2)], name="mlp")
    theirs = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)], name="mlp")
    for attribute in ("input_shape", "output_shape"):
        expected = keras_message(lambda: getattr(theirs, attribute))
        with pytest.raises(AttributeError) as info:
            getattr(ours, attribute)
        assert str(info.value).startswith(expected.rstrip(".")), (str(info.value), expected)
        assert not hasattr(ours, attribute)
    dense, keras_dense = L.Dense(3), keras.layers.Dense(3)
    expected = keras_message(lambda: keras_dense.output)   # "... has no defined output."
    with pytest.raises(AttributeError, match=r"^The layer dense_2 has never been called and thus "
                                             r"has no defined output shape"):
        dense.output_shape
    assert "has never been called and thus has no defined output" in expected
    with pytest.raises(AttributeError, match="no defined input shape"):
        dense.input_shape
    dense.build((None, 7))          # built by hand counts as called
    assert dense.input_shape == (None, 7) and dense.output_shape == (None, 3)


def test_a_keras1_output_shape_argument_is_kept():
    # Deconvolution2D keeps Keras 1's output_shape argument under that name
    layer = L.Deconvolution2D(3, 3, 3, output_shape=(None, 14, 14, 3), subsample=(2, 2),
                              border_mode="same")
    assert layer.output_shape == (None, 14, 14, 3)
    layer(np.zeros((1, 7, 7, 2), dtype="float32"))
    assert layer.output_shape == (None, 14, 14, 3) and layer.input_shape == (None, 7, 7, 2)


# ---------------------------------------------------------------- layers and weights
@pytest.mark.keras
def test_get_layer_and_its_errors_as_keras(keras):
    ours, theirs = mlp_pair(keras)
    assert ours.get_layer("dense_1") is ours.layers[1]
    assert ours.get_layer(index=0) is ours.layers[0] and ours.get_layer(index=-1) is ours.layers[1]
    names = [layer.name for layer in ours.layers]
    theirs_names = [layer.name for layer in theirs.layers]
    for ours_call, theirs_call in [
            (lambda: ours.get_layer("nope"), lambda: theirs.get_layer("nope")),
            (lambda: ours.get_layer(index=5), lambda: theirs.get_layer(index=5)),
            (lambda: ours.get_layer(), lambda: theirs.get_layer()),
            (lambda: ours.get_layer(names[0], 0), lambda: theirs.get_layer(theirs_names[0], 0))]:
        expected = keras_message(theirs_call).replace(str(theirs_names), str(names))
        expected = expected.replace(theirs_names[0], names[0])
        with pytest.raises(ValueError) as info:
            ours_call()
        assert str(info.value).startswith(expected), (str(info.value), expected)
    with pytest.raises(ValueError, match=r"No such layer: dens\. .* Did you mean 'dense'\?"):
        ours.get_layer("dens")
    x = el.Input((3,), name="pixels")
    model = el.Model(x, L.Dense(2)(x))
    with pytest.raises(ValueError, match="'pixels' is an input of the model"):
        model.get_layer("pixels")


@pytest.mark.keras
def test_weights_lists_as_keras(keras, float64):
    K = keras.layers
    ours = el.Sequential([L.Dense(4, input_shape=(3,)), L.BatchNormalization(), L.Dense(2)])
    theirs = keras.Sequential([keras.Input((3,)), K.Dense(4), K.BatchNormalization(), K.Dense(2)])
    ours.layers[0].trainable = False
    theirs.layers[0].trainable = False
    for attribute in ("weights", "trainable_weights", "non_trainable_weights"):
        mine, keras_list = getattr(ours, attribute), getattr(theirs, attribute)
        assert [w.shape for w in mine] == [tuple(v.shape) for v in keras_list], attribute
        assert [n.split("/")[-1] for n in _names(ours, mine)] == [v.path.split("/")[-1] for v in keras_list]
    # the arrays themselves: what fit updates and set_weights writes
    assert ours.trainable_weights[0] is ours.layers[1].gamma
    assert ours.non_trainable_weights[0] is ours.layers[0].kernel
    assert len(ours.weights) == len(ours.get_weights()) == 8


def _names(model, arrays):
    by_id = {id(w): f"{layer.name}/{k}" for layer in model.layers for k, w in layer.weights.items()}
    return [by_id[id(w)] for w in arrays]


def test_a_shared_weight_is_listed_once():
    dense = L.Dense(3)
    x = el.Input((3,))
    model = el.Model(x, dense(dense(x)))
    assert len(model.weights) == 2 and len(model.trainable_weights) == 2


# ---------------------------------------------------------------- one batch
@pytest.mark.keras
def test_on_batch_calls_return_what_keras_returns(keras, float64):
    x, labels, onehot = classification(12)
    ours, theirs = mlp_pair(keras)
    for model in (ours, theirs):
        model.compile(optimizer=_sgd(model, keras), loss="categorical_crossentropy",
                      metrics=["accuracy", "mae"])
    w = np.linspace(0.5, 2.0, 12)
    for kwargs in ({}, {"sample_weight": w}, {"class_weight": {0: 2.0, 2: 0.5}}):
        mine = ours.train_on_batch(x, onehot, **kwargs)
        keras_logs = theirs.train_on_batch(x, onehot, **kwargs)
        assert isinstance(mine, list) and len(mine) == 3
        np.testing.assert_allclose(mine, keras_logs, rtol=RTOL)
    assert_weights(ours, theirs)
    mine = ours.test_on_batch(x, onehot, sample_weight=w, return_dict=True)
    keras_logs = theirs.test_on_batch(x, onehot, sample_weight=w, return_dict=True)
    assert list(mine) == ["loss", "accuracy", "mae"] and set(keras_logs) == set(mine)
    for key in mine:
        np.testing.assert_allclose(mine[key], keras_logs[key], rtol=RTOL)
    np.testing.assert_allclose(ours.predict_on_batch(x), theirs.predict_on_batch(x), rtol=RTOL)
    # one loss and no metrics: a float, as Keras
    ours, theirs = mlp_pair(keras, out=2, activation=None)
    for model in (ours, theirs):
        model.compile(optimizer=_sgd(model, keras), loss="mse")
    y = x[:, :2]
    mine, keras_loss = ours.train_on_batch(x, y), theirs.train_on_batch(x, y)
    assert isinstance(mine, float) and mine == pytest.approx(keras_loss, rel=RTOL)
    assert ours.test_on_batch(x, y) == pytest.approx(theirs.test_on_batch(x, y), rel=RTOL)


def _sgd(model, keras, lr=0.1):
    return el.optimizers.SGD(lr) if isinstance(model, el.Sequential) else keras.optimizers.SGD(lr)


def test_train_on_batch_refuses_both_weightings():
    x, labels, onehot = classification(6)
    model = el.Sequential([L.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("sgd", "categorical_crossentropy")
    before = model.get_weights()
    with pytest.raises(ValueError, match="sample_weight and class_weight cannot be given at the same time"):
        model.train_on_batch(x, onehot, sample_weight=np.ones(6), class_weight={0: 1.0})
    with pytest.raises(TypeError, match="class_weight must be a dict"):
        model.fit(x, onehot, class_weight=[1.0, 2.0, 3.0], verbose=0)
    with pytest.raises(ValueError, match="class_weight's keys must be class indices"):
        model.fit(x, onehot, class_weight={"0": 1.0}, verbose=0)
    with pytest.raises(ValueError, match="x has 6 samples, sample_weight has 5"):
        model.fit(x, onehot, sample_weight=np.ones(5), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- fit, evaluate, predict
@pytest.mark.keras
@pytest.mark.parametrize("weighting", ["none", "sample_weight", "class_weight", "sparse_class_weight"])
def test_fit_history_matches_keras(keras, float64, weighting):
    """SGD, no shuffling, a last batch that is not full: the same losses and metrics epoch by
    epoch, and the same weights after, with sample weights and class weights too."""
    x, labels, onehot = classification(20)
    y, loss = onehot, "categorical_crossentropy"
    kwargs = {}
    if weighting == "sample_weight":
        kwargs["sample_weight"] = np.random.default_rng(3).uniform(0.2, 3.0, 20)
    elif weighting == "class_weight":
        kwargs["class_weight"] = {0: 0.5, 1: 3.0}          # class 2 weighs 1, as Keras
    elif weighting == "sparse_class_weight":
        y, loss = labels, "sparse_categorical_crossentropy"
        kwargs["class_weight"] = {0: 2.0, 1: 1.0, 2: 0.25}
    ours, theirs = mlp_pair(keras)
    for model in (ours, theirs):
        model.compile(optimizer=_sgd(model, keras), loss=loss, metrics=["accuracy"],
                      weighted_metrics=["accuracy"])
    mine = ours.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0, **kwargs)
    keras_history = theirs.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0, **kwargs)
    assert_history(mine, keras_history)
    assert_weights(ours, theirs)


@pytest.mark.keras
def test_initial_epoch_numbers_the_epochs_as_keras(keras, float64, capsys):
    x, labels, onehot = classification(16)
    ours, theirs = mlp_pair(keras)
    for model in (ours, theirs):
        model.compile(optimizer=_sgd(model, keras), loss="categorical_crossentropy")
    mine = ours.fit(x, onehot, batch_size=8, epochs=4, initial_epoch=2, shuffle=False, verbose=2)
    printed = capsys.readouterr().out
    keras_history = theirs.fit(x, onehot, batch_size=8, epochs=4, initial_epoch=2, shuffle=False,
                               verbose=2)
    keras_printed = capsys.readouterr().out
    assert mine.epoch == keras_history.epoch == [2, 3]
    assert_history(mine, keras_history)
    for text in (printed, keras_printed):
        assert "Epoch 3/4" in text and "Epoch 4/4" in text and "Epoch 2/4" not in text
        assert "2/2 - " in text and "loss: " in text
    nothing = ours.fit(x, onehot, epochs=2, initial_epoch=2, verbose=0)
    assert nothing.epoch == [] and nothing.history == {}


@pytest.mark.keras
def test_validation_split_carries_the_sample_weights_as_keras(keras, float64):
    x, labels, onehot = classification(20)
    w = np.random.default_rng(5).uniform(0.5, 2.0, 20)
    ours, theirs = mlp_pair(keras)
    for model in (ours, theirs):
        model.compile(optimizer=_sgd(model, keras), loss="categorical_crossentropy",
                      weighted_metrics=["accuracy"])
    mine = ours.fit(x, onehot, batch_size=8, epochs=2, shuffle=False, verbose=0,
                    sample_weight=w, validation_split=0.25)
    keras_history = theirs.fit(x, onehot, batch_size=8, epochs=2, shuffle=False, verbose=0,
                               sample_weight=w, validation_split=0.25)
    assert "val_loss" in mine.history
    assert_history(mine, keras_history)
    # (x_val, y_val, val_sample_weight), as Keras
    mine = ours.fit(x, onehot, epochs=1, shuffle=False, verbose=0, validation_data=(x, onehot, w))
    keras_history = theirs.fit(x, onehot, epochs=1, shuffle=False, verbose=0,
                               validation_data=(x, onehot, w))
    assert_history(mine, keras_history)


@pytest.mark.keras
def test_evaluate_and_predict_as_keras(keras, float64, capsys):
    x, labels, onehot = classification(40)
    w = np.random.default_rng(7).uniform(0.1, 2.0, 40)
    ours, theirs = mlp_pair(keras)
    for model in (ours, theirs):
        model.compile(optimizer=_sgd(model, keras), loss="categorical_crossentropy",
                      metrics=["accuracy"], weighted_metrics=["accuracy"])
    for kwargs in ({}, {"sample_weight": w}, {"batch_size": 7, "sample_weight": w}):
        mine = ours.evaluate(x, onehot, return_dict=True, **kwargs)
        keras_logs = theirs.evaluate(x, onehot, return_dict=True, verbose=0, **kwargs)
        assert list(mine) == ["loss", "accuracy", "weighted_accuracy"] and set(keras_logs) == set(mine)
        for key in mine:
            np.testing.assert_allclose(mine[key], keras_logs[key], rtol=RTOL, err_msg=key)
    # the list is [loss, *metrics] in the dict's order (Keras 3 lists a weighted metric that
    # repeats an unweighted one's name twice, under the plain name and then the weighted_ one)
    keras_logs = theirs.evaluate(x, onehot, sample_weight=w, verbose=0, return_dict=True)
    np.testing.assert_allclose(ours.evaluate(x, onehot, sample_weight=w),
                               [keras_logs[k] for k in ("loss", "accuracy", "weighted_accuracy")],
                               rtol=RTOL)
    capsys.readouterr()
    for verbose in (0, 1, 2, "auto"):
        np.testing.assert_allclose(ours.predict(x, batch_size=None, verbose=verbose),
                                   theirs.predict(x, verbose=0), rtol=RTOL)
    assert capsys.readouterr().out.count("2/2") >= 1      # verbose=2: one line


def test_verbose_levels(capsys, monkeypatch):
    x, labels, onehot = classification(16)
    model = el.Sequential([L.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("sgd", "categorical_crossentropy", ["accuracy"])
    model.fit(x, onehot, batch_size=8, epochs=2, verbose=0)
    model.evaluate(x, onehot)
    model.predict(x)
    assert capsys.readouterr() == ("", "")                # 0, and evaluate/predict's default
    model.fit(x, onehot, batch_size=8, epochs=2, verbose=2)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[1].startswith("2/2 - ") and "/step - " in out[1]
    assert " - loss: " in out[1] and " - accuracy: " in out[1] and len(out) == 4
    model.fit(x, onehot, batch_size=8, epochs=1, verbose=2)
    assert not capsys.readouterr().out.startswith("Epoch")   # one epoch: no header, as Keras
    model.evaluate(x, onehot, verbose=2)
    assert " - loss: " in capsys.readouterr().out
    # verbose=1 without tqdm (the NumPy-only core): one Keras-style line per epoch
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    model.fit(x, onehot, batch_size=8, epochs=2, verbose=1)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[1].startswith("2/2 ━━━━━━━━━━━━━━━━━━━━ ")
    model.fit(x, onehot, batch_size=8, epochs=2, verbose="auto")
    assert capsys.readouterr().out.splitlines()[1].startswith("2/2 ━")
    for bad in (3, "yes", 1.5, -1):
        with pytest.raises(ValueError, match=r"verbose must be 0 \(silent\), 1 .* or 'auto'"):
            model.fit(x, onehot, verbose=bad)
        with pytest.raises(ValueError, match="verbose must be"):
            model.predict(x, verbose=bad)


def test_verbose_1_with_tqdm_shows_the_validation_logs(capsys):
    pytest.importorskip("tqdm", reason="the progress bar comes from tqdm (notebooks extra)")
    x, labels, onehot = classification(16)
    model = el.Sequential([L.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("sgd", "categorical_crossentropy")
    model.fit(x, onehot, batch_size=8, epochs=2, verbose=1, validation_split=0.25)
    err = capsys.readouterr().err
    assert "Epoch 2/2" in err and "val_loss=" in err


def test_callbacks_see_the_running_means():
    x, labels, onehot = classification(16)
    model = el.Sequential([L.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile(el.optimizers.SGD(1e-300), "categorical_crossentropy")   # no change in float32
    seen = []
    spy = el.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs["loss"]))
    history = model.fit(x, onehot, batch_size=8, shuffle=False, verbose=0, callbacks=[spy])
    first = model.evaluate(x[:8], onehot[:8])
    assert seen[0] == pytest.approx(first) and seen[1] == pytest.approx(history.history["loss"][0])
    hooks = []
    recorder = el.callbacks.LambdaCallback(on_test_begin=lambda logs: hooks.append("test_begin"),
                                           on_test_end=lambda logs: hooks.append(sorted(logs)),
                                           on_predict_end=lambda logs: hooks.append("predict_end"))
    model.evaluate(x, onehot, callbacks=[recorder])
    model.predict(x, callbacks=[recorder])
    assert hooks == ["test_begin", ["loss"], "predict_end"]


# ---------------------------------------------------------------- losses as functions
@pytest.mark.keras
def test_losses_get_returns_the_per_sample_function_as_keras(keras, rng):
    y_true, y_pred = rng.uniform(0.1, 1, (5, 3)), rng.uniform(0.1, 1, (5, 3))
    for name in ("mse", "MSE", "mae", "categorical_crossentropy", "kld", "huber", "log_cosh"):
        ours, theirs = el.losses.get(name), keras.losses.get(name)
        assert callable(ours) and not isinstance(ours, el.losses.Loss)
        np.testing.assert_allclose(ours(y_true, y_pred), np.asarray(theirs(y_true, y_pred)), rtol=RTOL)
    assert isinstance(el.losses.get("MeanSquaredError"), el.losses.MeanSquaredError)
    assert isinstance(el.losses.get({"class_name": "Huber", "config": {"delta": 0.5}}), el.losses.Huber)
    assert el.losses.get(None) is None


@pytest.mark.keras
@pytest.mark.parametrize("name", ["categorical_crossentropy", "mean_squared_error", "kl_divergence"])
def test_compile_with_a_loss_function_trains_as_keras(keras, float64, name):
    x, labels, onehot = classification(20)
    ours, theirs = mlp_pair(keras)
    ours.compile(el.optimizers.SGD(0.1), loss=getattr(el.losses, name), metrics=["accuracy"])
    theirs.compile(keras.optimizers.SGD(0.1), loss=getattr(keras.losses, name), metrics=["accuracy"])
    w = np.linspace(0.5, 1.5, 20)
    mine = ours.fit(x, onehot, batch_size=8, epochs=2, shuffle=False, verbose=0, sample_weight=w)
    keras_history = theirs.fit(x, onehot, batch_size=8, epochs=2, shuffle=False, verbose=0,
                               sample_weight=w)
    assert_history(mine, keras_history)
    assert type(ours.loss).__name__ == {"categorical_crossentropy": "CategoricalCrossentropy",
                                        "mean_squared_error": "MeanSquaredError",
                                        "kl_divergence": "KLDivergence"}[name]


@pytest.mark.keras
def test_a_users_loss_function_evaluates_and_trains_with_its_gradient(keras, float64):
    x, labels, onehot = classification(20)

    def my_loss(y_true, y_pred):                    # per sample, as Keras' tutorials write it
        return np.mean(np.abs(y_pred - y_true) ** 3, axis=-1)

    def my_loss_gradient(y_true, y_pred):           # d my_loss / d y_pred, per sample
        e = y_pred - y_true
        return 3 * e * np.abs(e) / y_pred.shape[-1]

    def keras_loss(y_true, y_pred):
        return keras.ops.mean(keras.ops.abs(y_pred - y_true) ** 3, axis=-1)

    ours, theirs = mlp_pair(keras)
    ours.compile(el.optimizers.SGD(0.5), loss=my_loss)
    theirs.compile(keras.optimizers.SGD(0.5), loss=keras_loss)
    assert ours.evaluate(x, onehot) == pytest.approx(theirs.evaluate(x, onehot, verbose=0), rel=RTOL)
    assert ours.test_on_batch(x, onehot) == pytest.approx(theirs.test_on_batch(x, onehot), rel=RTOL)
    before = ours.get_weights()
    for call in (lambda: ours.fit(x, onehot, verbose=0), lambda: ours.train_on_batch(x, onehot)):
        with pytest.raises(ValueError, match=r"needs the gradient of the loss: the loss 'my_loss' is "
                                             r"a function with no derivative.*LossFunctionWrapper"
                                             r"\(my_loss, gradient=my_loss_gradient\)"):
            call()
    for a, b in zip(before, ours.get_weights()):
        np.testing.assert_array_equal(a, b)         # refused before anything changed
    ours.compile(el.optimizers.SGD(0.5),
                 loss=el.losses.LossFunctionWrapper(my_loss, gradient=my_loss_gradient))
    mine = ours.fit(x, onehot, batch_size=8, epochs=3, shuffle=False, verbose=0)
    keras_history = theirs.fit(x, onehot, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert_history(mine, keras_history)
    assert_weights(ours, theirs)


def test_the_functions_gradient_is_the_batch_mean_gradient(rng):
    """What notebook 18 uses: get(name).gradient starts backward as the Loss object's does."""
    labels, y_pred = rng.integers(0, 3, 6), rng.dirichlet(np.ones(3), 6)
    fn = el.losses.get("sparse_categorical_crossentropy")
    np.testing.assert_array_equal(fn.gradient(labels, y_pred),
                                  el.losses.SparseCategoricalCrossentropy().gradient(labels, y_pred))
    value, grad = el.losses.SparseCategoricalCrossentropy().value_and_gradient(labels, y_pred)
    assert value == el.losses.SparseCategoricalCrossentropy()(labels, y_pred)


def test_weighted_loss_gradient_is_the_derivative_of_the_weighted_loss(rng):
    y_true, y_pred = rng.standard_normal((4, 5, 3)), rng.standard_normal((4, 5, 3))
    for w in (rng.uniform(0, 2, 4), rng.uniform(0, 2, (4, 1)), rng.uniform(0, 2, (4, 5))):
        loss = el.losses.Huber(0.7)
        grad = loss.gradient(y_true, y_pred, w)
        numeric = np.zeros_like(y_pred)
        for i in np.ndindex(y_pred.shape):
            d = np.zeros_like(y_pred)
            d[i] = 1e-6
            numeric[i] = (loss(y_true, y_pred + d, w) - loss(y_true, y_pred - d, w)) / 2e-6
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-9)


# ---------------------------------------------------------------- summary of an unbuilt model
@pytest.mark.keras
def test_summary_of_an_unbuilt_model_as_keras(keras):
    ours = el.Sequential([L.Dense(4), L.Dense(2)])
    text = ours.summary(print_fn=None)
    lines = []
    keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)]).summary(
        print_fn=lambda line, *a, **k: lines.append(line))
    keras_text = "\n".join(lines)
    for layer in ("dense (Dense)", "dense_1 (Dense)"):
        row = next(r for r in text.splitlines() if r.startswith(layer))
        assert row.split()[2:] == ["?", "0", "(unbuilt)"]
    assert "?" in keras_text and "0 (unbuilt)" in keras_text
    assert "Total params: 0" in text
    ours.build((None, 3))
    assert "(unbuilt)" not in ours.summary(print_fn=None)


# ---------------------------------------------------------------- custom objects
class Twice(el.layers.Layer):
    """y = 2x: a custom layer known to loading only through custom objects."""

    def forward(self, x, training=False):
        return 2 * x

    def backward(self, dy):
        return 2 * dy


def _custom_model():
    return el.Sequential([el.Input((3,)), L.Dense(2), Twice()])


@pytest.mark.keras
def test_custom_object_scope_reaches_model_from_json(keras):
    from edulayers.saving import KerasFormatError
    text = _custom_model().to_json()
    with pytest.raises(KerasFormatError, match="custom_objects"):
        el.models.model_from_json(text)
    with el.utils.CustomObjectScope({"Twice": Twice}):
        assert isinstance(el.models.model_from_json(text).layers[1], Twice)
    with pytest.raises(KerasFormatError):                       # the scope is closed again
        el.models.model_from_json(text)
    from edulayers.utils.generic_utils import CustomObjectScope, custom_object_scope
    assert CustomObjectScope is el.utils.custom_object_scope is custom_object_scope
    with custom_object_scope({"Other": Twice}), CustomObjectScope({"Twice": Twice}):
        assert isinstance(el.models.model_from_json(text).layers[1], Twice)
    el.utils.get_custom_objects()["Twice"] = Twice
    try:
        assert isinstance(el.models.model_from_json(text).layers[1], Twice)
    finally:
        del el.utils.get_custom_objects()["Twice"]
    # Keras' names for the same things
    assert keras.utils.CustomObjectScope is keras.utils.custom_object_scope
    assert hasattr(keras.utils, "get_custom_objects")


@pytest.mark.keras
def test_custom_object_scope_reaches_load_model(keras, tmp_path, rng):
    pytest.importorskip("h5py", reason="h5py is not installed (pip install 'edulayers[keras-files]')")

    class KerasTwice(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    KerasTwice.__name__ = KerasTwice.__qualname__ = "Twice"
    model = _custom_model()
    model.save(tmp_path / "ours.keras")
    with keras.utils.CustomObjectScope({"Twice": KerasTwice}):
        keras_model = keras.models.load_model(tmp_path / "ours.keras")
    keras_model.save(tmp_path / "theirs.keras")
    x = rng.standard_normal((2, 3)).astype("float32")
    for path in ("ours.keras", "theirs.keras"):
        with el.utils.custom_object_scope({"Twice": Twice}):
            back = el.models.load_model(tmp_path / path)
        np.testing.assert_allclose(back.predict(x), model.predict(x), rtol=1e-6)
    # the scope wins over custom_objects=, as in Keras
    with el.utils.CustomObjectScope({"Twice": Twice}):
        back = el.models.load_model(tmp_path / "ours.keras", custom_objects={"Twice": L.Layer})
    assert isinstance(back.layers[1], Twice)
