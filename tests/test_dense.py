"""Dense: the test tiers (gradcheck, paths, Keras twin, bad input) and explain()."""
import numpy as np
import pytest

import edulayers as el
from twins import assert_gradcheck, assert_paths_agree, as64, compare_with_keras


@pytest.mark.parametrize("activation", [None, "relu", "tanh", "sigmoid", "softmax"])
@pytest.mark.parametrize("use_bias", [True, False])
def test_gradcheck(rng, activation, use_bias):
    layer = el.layers.Dense(7, activation=activation, use_bias=use_bias)
    assert_gradcheck(layer, rng.standard_normal((4, 5)))


@pytest.mark.parametrize("shape", [(3, 5), (2, 3, 5), (2, 2, 3, 5)])
def test_paths_agree_nd(rng, shape):
    layer = as64(el.layers.Dense(6, activation="tanh"))
    x = rng.standard_normal(shape)
    assert_paths_agree(layer, x)
    assert_gradcheck(layer, x, path="reference")


def test_explain_matches_contract():
    ex = el.layers.Dense(32, input_shape=(16,)).explain()
    assert ex.formula == "y = xW + b"
    assert ex.trace == "(None, 16) -> (None, 32)"
    assert ex.param_formula == "16*32 + 32" and ex.param_count == 544
    assert "16*32 + 32 = 544" in str(ex)
    assert r"\mathrm{relu}" in el.layers.Dense(4, activation="relu").explain((None, 3)).formula


@pytest.mark.keras
@pytest.mark.parametrize("activation", [None, "relu", "softmax"])
@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 6)])
def test_keras_parity(keras, rng, activation, shape):
    theirs = keras.layers.Dense(5, activation=activation)
    ours = el.layers.Dense(5, activation=activation)
    compare_with_keras(ours, theirs, rng.standard_normal(shape))
    assert ours.count_params() == theirs.count_params()


def test_keras1_arguments():
    layer = el.layers.Dense(output_dim=3, init="he_normal", bias=False, input_dim=4)
    assert layer.units == 3 and not layer.use_bias and layer.batch_input_shape == (None, 4)
    layer(np.zeros((2, 4)))
    assert layer.get_weights()[0].shape == (4, 3) and len(layer.get_weights()) == 1


def test_bad_input():
    layer = el.layers.Dense(3)
    with pytest.raises(ValueError, match=r"Dense .* expected input of rank >= 2.*got shape \(5,\)"):
        layer(np.zeros(5))
    layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"Dense .*axis -1.*size 4.*got shape \(2, 5\)"):
        layer(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"expects 2 weight arrays.*got 1"):
        layer.set_weights([np.zeros((4, 3))])
    with pytest.raises(ValueError, match=r"weight 'kernel' has shape \(4, 3\), got .*\(3, 4\)"):
        layer.set_weights([np.zeros((3, 4)), np.zeros(3)])
    with pytest.raises(ValueError, match="Dense: unknown activation 'rellu'"):
        el.layers.Dense(3, activation="rellu")
    with pytest.raises(ValueError, match="Dense: unknown kernel_initializer 'glorot'"):
        el.layers.Dense(3, kernel_initializer="glorot")
    with pytest.raises(ValueError, match="units must be a positive int"):
        el.layers.Dense(0)
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(2, 3\).*got \(2, 4\)"):
        layer.backward(np.zeros((2, 4)))


def test_constraint_and_regularizer_hooks(rng):
    layer = el.layers.Dense(3, kernel_constraint="MaxNorm", kernel_regularizer=el.regularizers.L2(0.1))
    layer(rng.standard_normal((2, 4)))
    layer.kernel[...] = 10.0
    layer.apply_constraints()
    np.testing.assert_allclose(np.linalg.norm(layer.kernel, axis=0), 2.0, rtol=1e-5)
    assert layer.losses == [pytest.approx(0.1 * np.sum(layer.kernel.astype(np.float64) ** 2), rel=1e-5)]
    np.testing.assert_allclose(layer.regularization_gradients()["kernel"], 0.2 * layer.kernel, rtol=1e-6)


def test_frozen_layer_passes_dx_but_reports_no_grads(rng):
    layer = el.layers.Dense(3, trainable=False)
    y = layer(rng.standard_normal((2, 4)))
    dx = layer.backward(np.ones_like(y))
    assert dx.shape == (2, 4) and layer.grads == {} and layer.params == {}
    assert len(layer.get_weights()) == 2 and layer.count_params() == 15
