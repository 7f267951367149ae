"""Optimizers: several steps of each update rule against Keras 3 on the same gradients."""
import numpy as np
import pytest

from edulayers import optimizers

CONFIGS = [
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("RMSprop", {}), ("RMSprop", {"momentum": 0.5, "centered": True}),
    ("Adagrad", {}), ("Adadelta", {"learning_rate": 1.0}), ("Adam", {}), ("Adam", {"amsgrad": True}),
    ("Adamax", {}), ("Nadam", {}), ("SGD", {"clipnorm": 0.5}), ("Adam", {"clipvalue": 0.1}),
]


def gradient_sequence(rng, steps=6, shape=(3, 4)):
    return [rng.standard_normal(shape) for _ in range(steps)]


@pytest.mark.keras
@pytest.mark.parametrize("name,config", CONFIGS)
def test_matches_keras(keras, rng, name, config):
    start = rng.standard_normal((3, 4))
    grads = gradient_sequence(rng)
    theirs = getattr(keras.optimizers, name)(**config)
    variable = keras.Variable(start.copy(), dtype="float64")
    ours = getattr(optimizers, name)(**config)
    w = start.copy()
    for g in grads:
        theirs.apply_gradients([(keras.ops.convert_to_tensor(g), variable)])
        ours.apply({"w": w}, {"w": g})
    assert variable.dtype == "float64"
    np.testing.assert_allclose(w, np.asarray(variable.numpy()), rtol=1e-10, atol=1e-12)


def test_sgd_by_hand():
    w = np.array([1.0, -2.0])
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.5)
    opt.apply({"w": w}, {"w": np.array([1.0, 1.0])})      # m = -0.1, w = w + m
    np.testing.assert_allclose(w, [0.9, -2.1])
    opt.apply({"w": w}, {"w": np.array([1.0, 1.0])})      # m = 0.5 * -0.1 - 0.1 = -0.15
    np.testing.assert_allclose(w, [0.75, -2.25])
    assert opt.iterations == 2


def test_minimizes_a_quadratic():
    for name in optimizers.ALIASES:
        opt = optimizers.get(name)
        opt.learning_rate = 1.0 if name == "adadelta" else 0.1
        w = np.array([3.0, -2.0])
        for _ in range(300):
            opt.apply({"w": w}, {"w": 2 * w})
        # Adadelta starts with tiny steps (its step size is learnt from the updates themselves)
        assert np.linalg.norm(w) < (3.0 if name == "adadelta" else 1.0), name


def test_errors():
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamw2'"):
        optimizers.get("adamw2")
    with pytest.raises(ValueError, match="learning_rate must be positive"):
        optimizers.SGD(learning_rate=0)
    with pytest.raises(ValueError, match=r"no gradient for \['b'\]"):
        optimizers.SGD().apply({"a": np.zeros(2), "b": np.zeros(2)}, {"a": np.zeros(2)})
    assert optimizers.SGD(lr=0.5).learning_rate == 0.5
