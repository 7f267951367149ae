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
    with pytest.raises(ValueError, match="is not built"):
        model.summary()
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
