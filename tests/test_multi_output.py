"""Training a model with several outputs, each form of ``compile`` and ``fit`` against Keras 3.

A two-headed functional model (a regression head ``out_a`` and a classifier ``out_b`` on a
shared hidden layer) here and in Keras 3 (JAX, float64) with the same initial weights:

* ``loss`` as one loss for all outputs, a list, a dict, with ``None`` for an untrained output;
* ``loss_weights`` as a list or a dict (and as a number for a model with one output);
* ``metrics`` / ``weighted_metrics`` per output, as a list or a partial dict;
* ``y`` and ``sample_weight`` as lists or dicts, or one weight array for every output;
* the logs: ``loss``, ``<output>_loss``, ``<output>_<metric>``, their values and their order;
* every refused form raises before anything changes, as Keras refuses it.
"""
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


def two_heads(seed=0):
    """The model here: Input(4) - Dense(5, relu) 'h' - {Dense(2) 'out_a', Dense(3, softmax) 'out_b'}."""
    el.set_random_seed(seed)
    inp = el.Input((4,))
    h = L.Dense(5, activation="relu", name="h")(inp)
    return el.Model(inp, [L.Dense(2, name="out_a")(h),
                          L.Dense(3, activation="softmax", name="out_b")(h)])


def keras_twin(keras, ours):
    K = keras.layers
    inp = keras.Input((4,))
    h = K.Dense(5, activation="relu", name="h")(inp)
    theirs = keras.Model(inp, [K.Dense(2, name="out_a")(h),
                               K.Dense(3, activation="softmax", name="out_b")(h)])
    theirs.set_weights(ours.get_weights())
    return theirs


def data(n=20, seed=1):
    r = np.random.default_rng(seed)
    return r.standard_normal((n, 4)), r.standard_normal((n, 2)), r.integers(0, 3, n)


def assert_logs(ours: dict, theirs: dict):
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        np.testing.assert_allclose(ours[key], value, rtol=RTOL, err_msg=key)


def pair(keras, **compile_args):
    ours = two_heads()
    theirs = keras_twin(keras, ours)
    ours.compile(optimizer=el.optimizers.SGD(0.1), **compile_args)
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), **compile_args)
    return ours, theirs


def test_output_names_are_the_layers_computing_the_outputs(keras):
    ours = two_heads()
    assert ours.output_names == keras_twin(keras, ours).output_names == ["out_a", "out_b"]


@pytest.mark.keras
def test_fit_with_a_loss_list_weights_and_metrics_per_output(keras, float64):
    args = dict(loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[0.5, 2.0],
                metrics=[["mae"], ["accuracy"]])
    ours, theirs = pair(keras, **args)
    x, ya, yb = data()
    fit = dict(epochs=3, batch_size=6, shuffle=False, validation_split=0.25, verbose=0)
    mine = ours.fit(x, [ya, yb], **fit)
    theirs_history = theirs.fit(x, [ya, yb], **fit)
    assert set(mine.history) == {"loss", "out_a_loss", "out_b_loss", "out_a_mae", "out_b_accuracy",
                                 "val_loss", "val_out_a_loss", "val_out_b_loss", "val_out_a_mae",
                                 "val_out_b_accuracy"}
    for key, values in theirs_history.history.items():
        np.testing.assert_allclose(mine.history[key], values, rtol=RTOL, err_msg=key)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    # the logged loss is sum_k w_k L_k of the unweighted per-output losses
    logs = ours.evaluate(x, [ya, yb], return_dict=True)
    assert logs["loss"] == pytest.approx(0.5 * logs["out_a_loss"] + 2.0 * logs["out_b_loss"], rel=1e-12)


@pytest.mark.keras
def test_evaluate_returns_keras_order_loss_then_output_losses_then_metrics(keras, float64):
    args = dict(loss=["mse", "sparse_categorical_crossentropy"], metrics=["mae", ["accuracy"]],
                weighted_metrics=[["mae"], None])
    ours, theirs = pair(keras, **args)
    x, ya, yb = data()
    np.testing.assert_allclose(ours.evaluate(x, [ya, yb]), theirs.evaluate(x, [ya, yb], verbose=0),
                               rtol=RTOL)
    assert list(ours.evaluate(x, [ya, yb], return_dict=True)) == [
        "loss", "out_a_loss", "out_b_loss", "out_a_mae", "out_a_weighted_mae", "out_b_accuracy"]


@pytest.mark.keras
def test_dict_forms_of_loss_weights_metrics_and_y(keras, float64):
    args = dict(loss={"out_b": "sparse_categorical_crossentropy", "out_a": "mse"},
                loss_weights={"out_a": 3.0, "out_b": 0.25}, metrics={"out_a": "mae"})
    ours, theirs = pair(keras, **args)
    x, ya, yb = data()
    y = {"out_a": ya, "out_b": yb}
    assert_logs(ours.evaluate(x, y, return_dict=True),
                theirs.evaluate(x, y, return_dict=True, verbose=0))
    mine = ours.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    keras_history = theirs.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    assert_logs({k: v[-1] for k, v in mine.history.items()},
                {k: v[-1] for k, v in keras_history.history.items()})


@pytest.mark.keras
def test_one_loss_for_every_output(keras, float64):
    ours, theirs = pair(keras, loss="mse")
    x, ya, _ = data()
    yb = np.eye(3)[data()[2]]
    assert_logs(ours.evaluate(x, [ya, yb], return_dict=True),
                theirs.evaluate(x, [ya, yb], return_dict=True, verbose=0))


@pytest.mark.keras
def test_an_output_without_a_loss_is_not_trained(keras, float64):
    ours, theirs = pair(keras, loss=["mse", None])
    x, ya, yb = data()
    out_b_before = [w.copy() for w in ours.get_layer("out_b").get_weights()]
    mine = ours.fit(x, [ya, yb], epochs=2, batch_size=5, shuffle=False, verbose=0)
    keras_history = theirs.fit(x, [ya, yb], epochs=2, batch_size=5, shuffle=False, verbose=0)
    assert set(mine.history) == {"loss"}                 # one loss: no per-output loss logged
    np.testing.assert_allclose(mine.history["loss"], keras_history.history["loss"], rtol=RTOL)
    for before, after in zip(out_b_before, ours.get_layer("out_b").get_weights()):
        np.testing.assert_array_equal(before, after)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.keras
@pytest.mark.parametrize("form", ["one array", "list", "dict"])
def test_sample_weights_for_every_output_or_each(keras, float64, form):
    args = dict(loss=["mse", "sparse_categorical_crossentropy"],
                metrics=[["mae"], None], weighted_metrics=[None, ["accuracy"]])
    ours, theirs = pair(keras, **args)
    x, ya, yb = data()
    w = np.linspace(0.0, 2.0, len(x))
    keras_given = {"one array": w, "list": [w, np.ones(len(x))], "dict": [w, 1 + w]}[form]
    # the dict form is ours alone (Keras 3 fails on it for a model with a list of outputs):
    # compared with the list it stands for
    given = {"out_a": w, "out_b": 1 + w} if form == "dict" else keras_given
    y = [ya, yb]
    assert_logs(ours.evaluate(x, y, sample_weight=given, return_dict=True),
                theirs.evaluate(x, y, sample_weight=keras_given, return_dict=True, verbose=0))
    mine = ours.fit(x, y, sample_weight=given, epochs=2, batch_size=7, shuffle=False, verbose=0)
    keras_history = theirs.fit(x, y, sample_weight=keras_given, epochs=2, batch_size=7,
                               shuffle=False, verbose=0)
    for key, values in keras_history.history.items():
        np.testing.assert_allclose(mine.history[key], values, rtol=RTOL, err_msg=key)


@pytest.mark.keras
def test_validation_data_with_a_list_of_targets(keras, float64):
    ours, theirs = pair(keras, loss=["mse", "sparse_categorical_crossentropy"])
    x, ya, yb = data()
    xv, yav, ybv = data(n=9, seed=5)
    mine = ours.fit(x, [ya, yb], validation_data=(xv, [yav, ybv]), epochs=1, shuffle=False, verbose=0)
    keras_history = theirs.fit(x, [ya, yb], validation_data=(xv, [yav, ybv]), epochs=1,
                               shuffle=False, verbose=0)
    assert_logs({k: v[0] for k, v in mine.history.items()},
                {k: v[0] for k, v in keras_history.history.items()})


@pytest.mark.keras
def test_loss_weights_of_a_model_with_one_output(keras, float64):
    el.set_random_seed(0)
    ours = el.Sequential([L.Dense(3, input_shape=(4,), name="d")])
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="d")])
    theirs.set_weights(ours.get_weights())
    ours.compile(el.optimizers.SGD(0.1), loss="mse", loss_weights=[2.5])
    theirs.compile(keras.optimizers.SGD(0.1), loss="mse", loss_weights=[2.5])
    x, y = data()[0], data()[0][:, :3]
    mine = ours.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    keras_history = theirs.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_allclose(mine.history["loss"], keras_history.history["loss"], rtol=RTOL)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_train_and_test_on_batch_with_several_outputs():
    model = two_heads()
    model.compile("sgd", loss=["mse", "sparse_categorical_crossentropy"])
    x, ya, yb = data()
    before = model.test_on_batch(x, [ya, yb], return_dict=True)
    during = model.train_on_batch(x, [ya, yb], return_dict=True)
    assert during == pytest.approx(before)               # the logs are computed before the update
    assert model.test_on_batch(x, [ya, yb], return_dict=True)["loss"] < before["loss"]


# ---------------------------------------------------------------- refused, as Keras refuses them
REFUSED_COMPILE = [
    (dict(loss=["mse", "mse"], metrics=["mae"]), "metrics is a list of 1 but the model has 2 outputs"),
    (dict(loss={"out_a": "mse"}), "does not name ['out_b']"),
    (dict(loss={"out_a": "mse", "out_c": "mse"}), "names no output ['out_c']"),
    (dict(loss=["mse"]), "loss is a list of 1 but the model has 2 outputs"),
    (dict(loss=[None, None]), "gives no output a loss"),
    (dict(loss=["mse", "mse"], loss_weights={"out_a": 3.0}), "does not name ['out_b']"),
    (dict(loss=["mse", "mse"], loss_weights=2.0), "loss_weights must be a list"),
    (dict(loss=["mse", "mse"], loss_weights=[1.0, "x"]), "loss_weights for output 'out_b'"),
    (dict(loss=["mse", "no_such_loss"]), "no_such_loss"),
    (dict(loss=["mse", "mse"], metrics={"out_c": "mae"}), "names no output ['out_c']"),
]


@pytest.mark.parametrize("args, message", REFUSED_COMPILE)
def test_refused_compile_keeps_the_previous_one(args, message):
    model = two_heads()
    model.compile("adam", loss=["mse", "sparse_categorical_crossentropy"], metrics=[["mae"], None])
    optimizer, loss, heads = model.optimizer, model.loss, model._heads
    with pytest.raises(ValueError) as err:
        model.compile("sgd", **args)
    assert message in str(err.value) and "Model" in str(err.value)
    assert model.optimizer is optimizer and model.loss == loss and model._heads is heads


@pytest.mark.keras
@pytest.mark.parametrize("args", [REFUSED_COMPILE[i][0] for i in (0, 1, 2, 5)])
def test_keras_refuses_the_same_compile_arguments(keras, args):
    """(Keras 3 takes ``loss=['mse']`` for two outputs and trains the first alone, and takes
    ``[None, None]``; both are refused here, as a likely mistake.)"""
    theirs = keras_twin(keras, two_heads())
    x, ya, yb = data()
    with pytest.raises(ValueError):
        theirs.compile("sgd", **args)
        theirs.evaluate(x, [ya, yb], verbose=0)      # Keras checks some of them on first use


def refused_fit_cases():
    x, ya, yb = data()
    return [
        (dict(x=x, y=ya), "y must be a list of 2 arrays or a dict"),
        (dict(x=x, y=[ya]), "y is a list of 1 but the model has 2 outputs"),
        (dict(x=x, y={"out_a": ya}), "does not name ['out_b']"),
        (dict(x=x, y=[ya, yb[:-1]]), "y for output 'out_b' has 19"),
        (dict(x=x, y=[ya, yb], class_weight={0: 1.0, 1: 2.0}), "class_weight is only supported"),
        (dict(x=x, y=[ya, yb], sample_weight=np.ones(3)), "sample_weight for output 'out_a' has 3"),
        (dict(x=x, y=[ya, yb], sample_weight=[np.ones(20)]), "sample_weight is a list of 1"),
        (dict(x=x, y=[ya, yb], validation_data=(x, [ya])), "y is a list of 1"),
    ]


@pytest.mark.parametrize("case", range(8))
def test_refused_fit_changes_nothing(case):
    model = two_heads()
    model.compile("sgd", loss=["mse", "sparse_categorical_crossentropy"])
    kwargs, message = refused_fit_cases()[case]
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError) as err:
        model.fit(epochs=1, verbose=0, **kwargs)
    assert message in str(err.value) and "Model" in str(err.value)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.keras
def test_keras_also_refuses_class_weight_with_several_outputs(keras):
    theirs = keras_twin(keras, two_heads())
    theirs.compile("sgd", loss=["mse", "sparse_categorical_crossentropy"])
    x, ya, yb = data()
    with pytest.raises(ValueError, match="class_weight"):
        theirs.fit(x, [ya, yb], class_weight={0: 1.0}, verbose=0)


def test_a_keras2_decay_argument_points_to_the_schedule():
    with pytest.raises(ValueError, match="InverseTimeDecay") as err:
        el.optimizers.SGD(learning_rate=0.1, decay=1e-4)
    assert "SGD" in str(err.value) and "decay=0.0001" in str(err.value)
    schedule = el.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=1e-4)
    optimizer = el.optimizers.SGD(learning_rate=schedule)
    assert optimizer.learning_rate == pytest.approx(0.1)
