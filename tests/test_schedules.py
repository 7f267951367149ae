"""Learning-rate schedules (el.optimizers.schedules) against Keras 3's keras.optimizers.schedules.

Keras runs on JAX in float64 here (tests/conftest.py): its schedules cast the initial rate to
floatx, so both sides compute in float64 and agree to 1e-12.
"""
import json

import numpy as np
import pytest

import edulayers as el
from edulayers import callbacks as cb
from edulayers.optimizers import schedules

CASES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.5}),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.5,
                          "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [5, 12, 30], "values": [1.0, 0.5, 0.1, 0.01]}),
    ("PiecewiseConstantDecay", {"boundaries": [0], "values": [0.3, 0.2]}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 20}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 9, "end_learning_rate": 0.01,
                         "power": 0.5, "cycle": True}),
    ("PolynomialDecay", {"initial_learning_rate": 0.2, "decay_steps": 15, "end_learning_rate": 0.02,
                         "power": 2.0}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 2.0,
                          "staircase": True}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 25}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 25, "alpha": 0.1}),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 20, "alpha": 0.05,
                     "warmup_target": 0.2, "warmup_steps": 10}),
    ("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 20, "warmup_target": 0.1,
                     "warmup_steps": 0}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 5}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 4, "t_mul": 1.0,
                             "m_mul": 0.5, "alpha": 0.1}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 3, "t_mul": 1.5,
                             "m_mul": 0.8, "alpha": 0.01}),
]
STEPS = list(range(0, 61)) + [99, 100, 101, 1000, 12345]


def case_id(case):
    name, config = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in config.items() if k != "initial_learning_rate")


def keras_values(keras, schedule, steps):
    """Keras' schedule on each step, as its compiled train step calls it (one integer step), the
    function compiled once by JAX (called eagerly it retraces its ops.cond at every step)."""
    import jax
    compiled = jax.jit(schedule)
    values = [compiled(np.int32(step)) for step in steps]
    assert str(values[0].dtype) == "float64", f"Keras computed in {values[0].dtype}"
    return np.array([float(v) for v in values])


def restart_steps_by_hand(config, steps, got, expected):
    """Keras' values, except on the first step of a restart period, where its compiled floor of
    a ratio of logs can land one period early (then it gives the previous period's end,
    alpha * eta0): there the rate must be the restart's, eta0 * ((1 - alpha) m_mul^i + alpha)."""
    eta0, first = config["initial_learning_rate"], config["first_decay_steps"]
    t_mul, m_mul = config.get("t_mul", 2.0), config.get("m_mul", 1.0)
    alpha = config.get("alpha", 0.0)
    starts, begin, length = {}, 0.0, float(first)
    for i in range(40):
        starts[round(begin, 9)] = i
        begin, length = begin + length, length * t_mul
    expected = expected.copy()
    for k, step in enumerate(steps):
        i = starts.get(round(float(step), 9))
        if i is None:
            continue
        restart = eta0 * ((1 - alpha) * m_mul ** i + alpha)
        assert got[k] == pytest.approx(restart, rel=1e-12), f"step {step}"
        assert expected[k] == pytest.approx(restart, rel=1e-12) or expected[k] == pytest.approx(
            alpha * eta0, rel=1e-9, abs=1e-15), f"Keras at step {step}: {expected[k]}"
        expected[k] = restart
    return expected


@pytest.mark.keras
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_schedule_matches_keras(keras, case):
    name, config = case
    ours = getattr(schedules, name)(**config)
    theirs = getattr(keras.optimizers.schedules, name)(**config)
    expected = keras_values(keras, theirs, STEPS)
    got = np.array([ours(step) for step in STEPS])
    assert all(isinstance(ours(step), float) for step in (0, 3))
    if name == "CosineDecayRestarts":
        expected = restart_steps_by_hand(config, STEPS, got, expected)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    # an array of steps in one call gives the same numbers (for plots)
    np.testing.assert_allclose(ours(np.array(STEPS)), expected, rtol=1e-12, atol=1e-15)
    # the serialized form is Keras' own, and each side rebuilds the other's
    assert schedules.serialize(ours) == keras.optimizers.schedules.serialize(theirs)
    back = keras.optimizers.schedules.deserialize(json.loads(json.dumps(schedules.serialize(ours))))
    np.testing.assert_allclose(keras_values(keras, back, STEPS[:12]), expected[:12], rtol=1e-12)
    mine = schedules.deserialize(keras.optimizers.schedules.serialize(theirs))
    assert type(mine) is type(ours) and mine.get_config() == ours.get_config()


def test_formulas_by_hand():
    assert schedules.ExponentialDecay(0.1, 1000, 0.5)(2500) == pytest.approx(0.1 * 0.5 ** 2.5, rel=1e-15)
    assert schedules.ExponentialDecay(0.1, 1000, 0.5, staircase=True)(2500) == pytest.approx(0.025)
    piecewise = schedules.PiecewiseConstantDecay([100, 200], [0.1, 0.03, 0.01])
    assert [piecewise(t) for t in (0, 100, 101, 200, 201)] == [0.1, 0.1, 0.03, 0.03, 0.01]
    cosine = schedules.CosineDecay(0.1, 100, alpha=0.2)
    assert cosine(0) == pytest.approx(0.1) and cosine(50) == pytest.approx(0.06)
    assert cosine(100) == cosine(500) == pytest.approx(0.02)
    warm = schedules.CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=10)
    assert [warm(t) for t in (0, 5, 10)] == pytest.approx([0.0, 0.05, 0.1])
    assert schedules.InverseTimeDecay(1.0, 10, 1.0)(10) == pytest.approx(0.5)
    assert schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0)(5) == pytest.approx(0.5)
    restarts = schedules.CosineDecayRestarts(1.0, 10, t_mul=2.0)
    assert restarts(10) == pytest.approx(1.0) and restarts(20) == pytest.approx(0.5)
    assert restarts(30) == pytest.approx(1.0)               # periods of 10, 20, 40 steps


# ------------------------------------------------------------------ optimizers with a schedule
OPTIMIZER_CASES = [
    ("SGD", {"momentum": 0.9}, "ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 2,
                                                     "decay_rate": 0.5}),
    ("SGD", {}, "PiecewiseConstantDecay", {"boundaries": [1, 3], "values": [0.5, 0.1, 0.01]}),
    ("Adam", {}, "CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 4, "warmup_target": 0.1,
                                 "warmup_steps": 2}),
    ("RMSprop", {"momentum": 0.5}, "InverseTimeDecay", {"initial_learning_rate": 0.05,
                                                        "decay_steps": 1, "decay_rate": 1.0}),
    ("Nadam", {}, "PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 5}),
    ("Adagrad", {}, "CosineDecayRestarts", {"initial_learning_rate": 0.3, "first_decay_steps": 2}),
]


@pytest.mark.keras
@pytest.mark.parametrize("opt_name,opt_config,schedule_name,schedule_config", OPTIMIZER_CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in OPTIMIZER_CASES])
def test_optimizer_with_a_schedule_matches_keras(keras, rng, opt_name, opt_config, schedule_name,
                                                 schedule_config):
    """Step k uses schedule(k) (k = the updates applied before it, from 0), on both sides."""
    start = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(7)]
    theirs = getattr(keras.optimizers, opt_name)(
        learning_rate=getattr(keras.optimizers.schedules, schedule_name)(**schedule_config), **opt_config)
    ours = getattr(el.optimizers, opt_name)(
        learning_rate=getattr(schedules, schedule_name)(**schedule_config), **opt_config)
    variable = keras.Variable(start.copy(), dtype="float64")
    w = start.copy()
    for g in grads:
        theirs.apply_gradients([(keras.ops.convert_to_tensor(g), variable)])
        ours.apply({"w": w}, {"w": g})
        assert ours.learning_rate == pytest.approx(float(theirs.learning_rate), rel=1e-12, abs=1e-15)
    assert ours.iterations == int(theirs.iterations) == len(grads)
    np.testing.assert_allclose(w, np.asarray(variable.numpy()), rtol=1e-10, atol=1e-12)


def test_the_first_update_uses_the_rate_of_step_0():
    schedule = schedules.PiecewiseConstantDecay([0, 1], [1.0, 0.1, 0.01])
    opt = el.optimizers.SGD(learning_rate=schedule)
    w = np.zeros(1)
    rates = []
    for _ in range(3):
        rates.append(opt.learning_rate)
        before = w.copy()
        opt.apply({"w": w}, {"w": np.ones(1)})
        assert before - w == pytest.approx(rates[-1])
    assert rates == [1.0, 0.1, 0.01]


@pytest.mark.keras
def test_fit_with_a_scheduled_optimizer_matches_keras(keras):
    """A whole fit: 3 epochs of 3 batches each (the last one short), so the schedule moves
    between batches and across epochs; the weights after agree."""
    el.set_floatx("float64")
    try:
        r = np.random.default_rng(4)
        x, y = r.standard_normal((20, 4)), r.standard_normal((20, 2))
        ours = el.Sequential([el.layers.Dense(5, activation="tanh", input_shape=(4,)), el.layers.Dense(2)])
        theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="tanh"),
                                   keras.layers.Dense(2)])
        theirs.set_weights(ours.get_weights())
        config = {"initial_learning_rate": 0.2, "decay_steps": 3, "decay_rate": 0.3, "staircase": True}
        ours.compile(el.optimizers.SGD(schedules.ExponentialDecay(**config), momentum=0.5), "mse")
        theirs.compile(keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(**config),
                                            momentum=0.5), "mse")
        mine = ours.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        keras_history = theirs.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        np.testing.assert_allclose(mine.history["loss"], keras_history.history["loss"], rtol=1e-10)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
        assert ours.optimizer.iterations == 9
        assert ours.optimizer.learning_rate == pytest.approx(float(theirs.optimizer.learning_rate))
    finally:
        el.set_floatx("float32")


def test_learning_rate_reads_the_schedule_and_cannot_be_set():
    opt = el.optimizers.Adam(learning_rate=schedules.ExponentialDecay(0.1, 1, 0.5))
    assert opt.learning_rate == 0.1
    opt.iterations = 2
    assert opt.learning_rate == pytest.approx(0.025)
    with pytest.raises(TypeError, match=r"Adam: the learning rate is the schedule ExponentialDecay\("):
        opt.learning_rate = 0.01
    opt.learning_rate = schedules.CosineDecay(0.2, 10)       # a schedule replaces a schedule
    assert opt.learning_rate == pytest.approx(0.2 * 0.5 * (1 + np.cos(np.pi * 0.2)))
    fixed = el.optimizers.SGD(0.1)
    assert fixed.learning_rate_schedule is None
    fixed.learning_rate = schedules.InverseTimeDecay(0.1, 1, 1.0)   # as Keras: a float becomes a schedule
    assert fixed.learning_rate_schedule is not None and fixed.learning_rate == 0.1


@pytest.mark.keras
def test_optimizer_config_holds_the_schedule_as_keras(keras):
    config = {"initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.1,
              "warmup_target": 0.3, "warmup_steps": 5}
    ours = el.optimizers.SGD(schedules.CosineDecay(**config), momentum=0.9)
    theirs = keras.optimizers.SGD(keras.optimizers.schedules.CosineDecay(**config), momentum=0.9)
    assert ours.get_config()["learning_rate"] == theirs.get_config()["learning_rate"]
    # Keras rebuilds the optimizer from edulayers' config, and edulayers from its own
    rebuilt = keras.optimizers.SGD.from_config(json.loads(json.dumps(ours.get_config())))
    assert {**rebuilt.get_config(), "name": "sgd"} == {**theirs.get_config(), "name": "sgd"}
    back = el.optimizers.SGD.from_config(json.loads(json.dumps(ours.get_config())))
    assert back.learning_rate_schedule == ours.learning_rate_schedule and back.momentum == 0.9
    assert repr(back).startswith("SGD(learning_rate=CosineDecay(initial_learning_rate=0.1")


def test_a_schedule_of_your_own():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, start):
            self.start = start

        def __call__(self, step):
            return self.start * 0.5 ** np.asarray(step)

        def get_config(self):
            return {"start": self.start}

    opt = el.optimizers.SGD(Halving(0.8))
    w = np.zeros(1)
    for _ in range(3):
        opt.apply({"w": w}, {"w": np.ones(1)})
    assert w == pytest.approx([-(0.8 + 0.4 + 0.2)])
    config = opt.get_config()["learning_rate"]
    assert config["class_name"] == "Halving" and config["config"] == {"start": 0.8}
    with pytest.raises(ValueError, match="unknown learning rate schedule 'Halving'.*custom_objects"):
        schedules.deserialize(config)
    assert schedules.deserialize(config, custom_objects={"Halving": Halving})(1) == 0.4
    with el.utils.CustomObjectScope({"Halving": Halving}):
        assert el.optimizers.SGD.from_config(opt.get_config()).learning_rate == 0.8
    with pytest.raises(NotImplementedError, match="must override __call__"):
        schedules.LearningRateSchedule()(0)
    assert schedules.get(None) is None and schedules.get(opt.learning_rate_schedule) is opt.learning_rate_schedule


@pytest.mark.keras
def test_a_model_with_a_scheduled_optimizer_saves_and_keras_loads_it(keras, tmp_path):
    """The .keras file holds architecture and weights (no optimizer: compile_config is empty), so
    a schedule in the optimizer does not change what is written; Keras opens the file."""
    pytest.importorskip("h5py")
    model = el.Sequential([el.layers.Dense(3, input_shape=(4,))])
    model.compile(el.optimizers.Adam(schedules.PolynomialDecay(0.01, 10)), "mse")
    model.fit(np.ones((4, 4)), np.zeros((4, 3)), epochs=1, verbose=0)
    model.save(tmp_path / "scheduled.keras")
    loaded = keras.saving.load_model(tmp_path / "scheduled.keras")
    x = np.linspace(-1, 1, 8).reshape(2, 4)
    np.testing.assert_allclose(np.asarray(loaded(x)), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ callbacks
def _small_model(schedule):
    model = el.Sequential([el.layers.Dense(1, input_shape=(3,), dtype="float64")])
    model.compile(el.optimizers.SGD(schedule), "mse")
    return model


@pytest.fixture
def data(rng):
    x = rng.standard_normal((8, 3))
    return x, x.sum(axis=1, keepdims=True)


def test_reduce_lr_on_plateau_logs_the_scheduled_rate_and_refuses_to_reduce_it(data):
    """As Keras 3: the logged learning_rate is schedule(iterations) at each epoch's end, and a
    reduction raises a TypeError (Keras' optimizer refuses to set a scheduled rate)."""
    x, y = data
    schedule = schedules.ExponentialDecay(0.1, 2, 0.5)
    patient = cb.ReduceLROnPlateau(monitor="loss", patience=100)
    history = _small_model(schedule).fit(x, y, batch_size=4, epochs=3, verbose=0, callbacks=[patient])
    assert history.history["learning_rate"] == pytest.approx([schedule(2), schedule(4), schedule(6)])
    eager = cb.ReduceLROnPlateau(monitor="loss", patience=1, min_delta=1e9)
    with pytest.raises(TypeError, match="ReduceLROnPlateau: the optimizer's learning rate is the "
                                        r"schedule ExponentialDecay\(.*cannot be set"):
        _small_model(schedule).fit(x, y, batch_size=4, epochs=3, verbose=0, callbacks=[eager])


def test_learning_rate_scheduler_refuses_a_scheduled_optimizer(data):
    x, y = data
    scheduler = cb.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    model = _small_model(schedules.CosineDecay(0.1, 10))
    with pytest.raises(TypeError, match="LearningRateScheduler: the optimizer's learning rate is "
                                        r"the schedule CosineDecay\("):
        model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[scheduler])
    assert model.optimizer.iterations == 0                  # refused before the first step


@pytest.mark.keras
def test_keras_callbacks_refuse_a_schedule_too(keras, data):
    x, y = data
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(keras.optimizers.schedules.CosineDecay(0.1, 10)), "mse")
    with pytest.raises(TypeError, match="not settable"):
        model.fit(x, y, batch_size=4, epochs=2, verbose=0,
                  callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0,
                        callbacks=[keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=100)])
    assert len(history.history["learning_rate"]) == 2
    with pytest.raises(TypeError, match="not settable"):
        model.fit(x, y, batch_size=4, epochs=3, verbose=0,
                  callbacks=[keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1, min_delta=1e9)])


# ------------------------------------------------------------------ bad arguments
BAD = [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), r"ExponentialDecay: decay_steps must be > 0, got 0"),
    (lambda: schedules.ExponentialDecay(0.1, -5, 0.5), r"ExponentialDecay: decay_steps must be > 0, got -5"),
    (lambda: schedules.InverseTimeDecay(0.1, 0.0, 0.5), r"InverseTimeDecay: decay_steps must be > 0, got 0.0"),
    (lambda: schedules.PolynomialDecay(0.1, 0), r"PolynomialDecay: decay_steps must be > 0, got 0"),
    (lambda: schedules.CosineDecay(0.1, 0), r"CosineDecay: decay_steps must be > 0, got 0"),
    (lambda: schedules.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=-1),
     r"CosineDecay: warmup_steps must be >= 0, got -1"),
    (lambda: schedules.CosineDecayRestarts(0.1, 0),
     r"CosineDecayRestarts: first_decay_steps must be > 0, got 0"),
    (lambda: schedules.CosineDecayRestarts(0.1, 10, t_mul=0.0), r"CosineDecayRestarts: t_mul must be > 0, got 0.0"),
    (lambda: schedules.ExponentialDecay("0.1", 10, 0.5),
     r"ExponentialDecay: initial_learning_rate must be a number, got '0.1'"),
    (lambda: schedules.ExponentialDecay(0.1, 10, 0.5, staircase="yes"),
     r"ExponentialDecay: staircase must be True or False, got 'yes'"),
    (lambda: schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5]),
     r"PiecewiseConstantDecay: values must have one entry more than boundaries \(a value for each "
     r"interval\), got 2 boundaries \[10, 20\] and 2 values \[1.0, 0.5\]"),
    (lambda: schedules.PiecewiseConstantDecay([10], [1.0, 0.5, 0.1]),
     r"got 1 boundaries \[10\] and 3 values"),
    (lambda: schedules.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1]),
     r"PiecewiseConstantDecay: boundaries must be strictly increasing, got \[20, 10\] "
     r"\(boundaries\[1\] = 10 after 20\)"),
    (lambda: schedules.PiecewiseConstantDecay([10, 10], [1.0, 0.5, 0.1]),
     r"boundaries must be strictly increasing, got \[10, 10\]"),
    (lambda: schedules.PiecewiseConstantDecay([], [1.0]),
     r"PiecewiseConstantDecay: boundaries must hold at least one step, got \[\]"),
    (lambda: schedules.PiecewiseConstantDecay(10, [1.0, 0.5]),
     r"PiecewiseConstantDecay: boundaries must be a list of numbers, got 10"),
    (lambda: schedules.PiecewiseConstantDecay([10, "x"], [1.0, 0.5, 0.1]),
     r"PiecewiseConstantDecay: boundaries\[1\] must be a number, got 'x'"),
    (lambda: schedules.ExponentialDecay(0.1, 10, 0.5)("3"),
     r"ExponentialDecay: the step must be a number \(or an array of numbers\), got array\('3'"),
    (lambda: schedules.serialize(0.1), r"schedules.serialize: expected a LearningRateSchedule, got 0.1"),
    (lambda: schedules.deserialize({"class_name": "Exponential", "config": {}}),
     r"schedules.deserialize: unknown learning rate schedule 'Exponential'; the built-in ones are "
     r"\['CosineDecay', "),
    (lambda: schedules.get("ExponentialDecay"), r"schedules.get: expected a LearningRateSchedule"),
    (lambda: el.optimizers.SGD(learning_rate=lambda: 0.1), r"SGD: learning_rate must be a positive float"),
]


@pytest.mark.parametrize("make,match", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_arguments_name_the_schedule_and_what_it_got(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.keras
def test_keras_refuses_the_same_decay_steps(keras):
    """Keras 3 raises a ValueError for decay_steps <= 0 and mismatched lengths, as here."""
    with pytest.raises(ValueError, match="decay_steps"):
        keras.optimizers.schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="first_decay_steps"):
        keras.optimizers.schedules.CosineDecayRestarts(0.1, 0)
    with pytest.raises(ValueError, match="length of boundaries"):
        keras.optimizers.schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5])
