"""Lambda, Highway and MaxoutDense: the test tiers (gradcheck, reference == fast, Keras twin, bad input).

Highway and MaxoutDense are Keras 1 layers that Keras 3 no longer has, so besides gradcheck and
reference == fast they are checked against the published definitions (Srivastava et al. 2015,
Goodfellow et al. 2013) written out in plain NumPy here. Lambda is checked against
keras.layers.Lambda running the keras.ops twin of the NumPy function.
"""
import warnings

import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from edulayers.layers.core.lambda_layer import NumericalGradientWarning
from twins import assert_gradcheck, assert_paths_agree, as64, compare_with_keras

numerical = pytest.mark.filterwarnings("ignore::edulayers.layers.core.lambda_layer.NumericalGradientWarning")


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def random_weights(layer, rng, scale=0.7):
    """Random values for every weight (gate biases too), so no test leans on the initial values."""
    layer.set_weights([scale * rng.standard_normal(w.shape) for w in layer.get_weights()])
    return layer


# ============================================================================ Highway
@pytest.mark.parametrize("activation", [None, "tanh", "relu", "softmax"])
@pytest.mark.parametrize("bias", [True, False])
def test_highway_gradcheck(rng, activation, bias):
    layer = as64(el.layers.Highway(activation=activation, bias=bias))
    x = rng.standard_normal((3, 7))
    layer(x)
    random_weights(layer, rng)
    report = assert_gradcheck(layer, x)
    assert {t.name for t in report.tensors} == {"dx", *layer.params}
    assert_gradcheck(layer, x, path="reference")


@pytest.mark.parametrize("bias", [True, False])
def test_highway_paths_agree(rng, bias):
    layer = as64(el.layers.Highway(activation="tanh", bias=bias))
    x = rng.standard_normal((5, 9))
    layer(x)
    random_weights(layer, rng)
    assert_paths_agree(layer, x)


@pytest.mark.parametrize("activation", ["linear", "relu", "tanh"])
def test_highway_matches_the_paper(rng, activation):
    # Srivastava et al. 2015: y = H(x, W_H) * T(x, W_T) + x * (1 - T(x, W_T)), T = sigmoid(x W_T + b_T).
    d = 6
    W, W_carry = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    b, b_carry = rng.standard_normal(d), rng.standard_normal(d)
    layer = as64(el.layers.Highway(activation=activation, input_dim=d))
    layer(np.zeros((1, d)))
    layer.set_weights([W, W_carry, b, b_carry])         # Keras 1.2 order
    x = rng.standard_normal((4, d))
    H = {"linear": lambda z: z, "relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}[activation](x @ W + b)
    T = sigmoid(x @ W_carry + b_carry)
    expected = H * T + x * (1 - T)
    for path in ("fast", "reference"):
        np.testing.assert_allclose(layer.forward(x, path=path), expected, rtol=1e-12, atol=1e-12)
    # the gradient of sum(y) w.r.t. x, written from the same definition
    dH = {"linear": np.ones_like(H), "relu": (x @ W + b > 0) * 1.0, "tanh": 1 - H ** 2}[activation]
    dy = rng.standard_normal(x.shape)
    dz_h, dz_t = dy * T * dH, dy * (H - x) * T * (1 - T)
    layer.forward(x)
    np.testing.assert_allclose(layer.backward(dy), dy * (1 - T) + dz_h @ W.T + dz_t @ W_carry.T,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["W_carry"], x.T @ dz_t, rtol=1e-12, atol=1e-12)


def test_highway_without_bias_matches_the_paper(rng):
    d = 4
    W, W_carry = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    layer = as64(el.layers.Highway(bias=False, weights=[W, W_carry], input_dim=d))
    x = rng.standard_normal((3, d))
    T = sigmoid(x @ W_carry)
    np.testing.assert_allclose(layer(x), (x @ W) * T + x * (1 - T), rtol=1e-12)


def test_highway_weights_order_shapes_count_and_init():
    d = 16
    layer = el.layers.Highway(input_dim=d)
    layer(np.zeros((2, d)))
    assert list(layer.weights) == ["W", "W_carry", "b", "b_carry"]
    assert list(layer.params) == ["W", "W_carry", "b", "b_carry"]
    assert [w.shape for w in layer.get_weights()] == [(d, d), (d, d), (d,), (d,)]
    assert layer.count_params() == 2 * d * d + 2 * d == 544
    np.testing.assert_array_equal(layer.b, 0)
    np.testing.assert_array_equal(layer.b_carry, -2)          # transform_bias
    limit = np.sqrt(6 / (d + d))                               # glorot_uniform of a square kernel
    assert 0.8 * limit < np.abs(layer.W).max() <= limit and np.abs(layer.W_carry).max() <= limit
    assert not np.allclose(layer.W, layer.W_carry)
    # at initialization the gate is mostly closed: the layer carries x through
    x = np.random.default_rng(0).standard_normal((2, d)).astype("float32") * 0.01
    assert np.abs(layer(x) - x).max() < 0.05
    # transform_bias=1 gives Keras 1.2's initial b_carry (ones); no bias: two weights
    np.testing.assert_array_equal(_built(el.layers.Highway(transform_bias=1), 3).b_carry, 1)
    no_bias = _built(el.layers.Highway(bias=False), d)
    assert list(no_bias.weights) == ["W", "W_carry"] and no_bias.count_params() == 2 * d * d


def _built(layer, d):
    layer(np.zeros((1, d)))
    return layer


def test_highway_keras1_arguments(rng):
    d = 4
    weights = [rng.standard_normal(s) for s in [(d, d), (d, d), (d,), (d,)]]
    layer = el.layers.Highway(init="he_normal", transform_bias=-1, activation="relu",
                              weights=weights, W_regularizer=el.regularizers.L2(0.1),
                              b_regularizer="l1", activity_regularizer="l2",
                              W_constraint="max_norm", b_constraint="non_neg", bias=True,
                              input_dim=d, name="hw")
    assert layer.batch_input_shape == (None, d) and layer.name == "hw"
    layer(rng.standard_normal((3, d)))
    for ours, given in zip(layer.get_weights(), weights):       # weights= loaded after build
        np.testing.assert_allclose(ours, given.astype("float32"))
    # W_regularizer and b_regularizer act on W and b only (not the gate), as in Keras 1
    assert sorted(layer.regularization_gradients()) == ["W", "b"]
    assert len(layer.losses) == 3                               # W, b and the activity penalty
    layer.W[...] = 10.0
    layer.W_carry[...] = 10.0
    layer.b[...] = -1.0
    layer.apply_constraints()
    np.testing.assert_allclose(np.linalg.norm(layer.W, axis=0), 2.0, rtol=1e-5)
    np.testing.assert_array_equal(layer.W_carry, 10.0)
    np.testing.assert_array_equal(layer.b, 0.0)


def test_highway_plain_callable_activation(rng):
    # el.activations.get wraps a plain function (numerical, elementwise derivative) and warns
    with pytest.warns(UserWarning, match="plain Python function"):
        layer = el.layers.Highway(activation=lambda z: z ** 3)
    x = rng.standard_normal((3, 4))
    layer(x)
    random_weights(layer, rng)
    assert_gradcheck(layer, x, tol=1e-5)


def test_highway_explain():
    ex = el.layers.Highway(input_dim=16).explain()
    assert ex.param_formula == "2*(16*16) + 2*16"
    assert evaluate_arithmetic(ex.param_formula) == ex.param_count == 544
    assert ex.trace == "(None, 16)" and ex.output_shape == (None, 16)
    assert ex.formula == r"y = T \odot h + (1 - T) \odot x,\quad T = \sigma(xW_C + b_C),\quad h = xW + b"
    assert any("Keras 1" in n and "Keras 3" in n for n in ex.notes)
    assert "2*(16*16) + 2*16 = 544" in str(ex)
    ex = el.layers.Highway(activation="relu", bias=False).explain((None, 5))
    assert ex.param_formula == "2*(5*5)" and evaluate_arithmetic(ex.param_formula) == ex.param_count
    assert r"\mathrm{relu}(xW)" in ex.formula and r"\sigma(xW_C)" in ex.formula


def test_highway_get_config_round_trip(rng):
    layer = el.layers.Highway(activation="tanh", transform_bias=-3, W_regularizer="l2",
                              b_constraint="non_neg", bias=True, input_dim=5)
    config = layer.get_config()
    assert config["transform_bias"] == -3 and config["activation"] == "tanh" and config["bias"]
    clone = el.layers.Highway(**config)
    assert clone.get_config() == config
    x = rng.standard_normal((2, 5))
    layer(x), clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(layer(x), clone(x))


def test_highway_bad_input():
    layer = el.layers.Highway()
    with pytest.raises(ValueError, match=r"Highway 'highway' expected input of rank 2 \(batch, "
                                         r"input_dim\), got shape \(2, 3, 4\)"):
        layer(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"Highway .* expected input of rank 2.*got shape \(4,\)"):
        layer(np.zeros(4))
    layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"Highway .*axis -1.*size 4.*got shape \(2, 5\)"):
        layer(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"expects 4 weight arrays \['W', 'W_carry', 'b', 'b_carry'\]"):
        layer.set_weights([np.zeros((4, 4))] * 2)
    with pytest.raises(ValueError, match=r"weight 'W' has shape \(4, 4\), got .*\(4, 5\)"):
        layer.set_weights([np.zeros((4, 5)), np.zeros((4, 4)), np.zeros(4), np.zeros(4)])
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(2, 4\).*got \(2, 5\)"):
        layer.backward(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"Highway .*input_shape of rank 2.*\(None, 3, 4\)"):
        el.layers.Highway().explain((None, 3, 4))
    with pytest.raises(ValueError, match=r"needs a known input_dim"):
        el.layers.Highway().explain((None, None))
    with pytest.raises(ValueError, match=r"Highway .*rank 2.*\(None, 3, 4\)"):
        layer.compute_output_shape((None, 3, 4))
    for bad in ("-2", float("nan"), None, True):
        with pytest.raises(ValueError, match="transform_bias must be a finite number"):
            el.layers.Highway(transform_bias=bad)
    with pytest.raises(ValueError, match="bias must be True or False"):
        el.layers.Highway(bias="yes")
    with pytest.raises(ValueError, match="input_dim must be a positive int"):
        el.layers.Highway(input_dim=0)
    with pytest.raises(ValueError, match="Highway: unknown activation 'tanhh'; did you mean 'tanh'"):
        el.layers.Highway(activation="tanhh")
    with pytest.raises(ValueError, match="Highway: unknown init 'glorot'"):
        el.layers.Highway(init="glorot")
    with pytest.raises(TypeError, match=r"unexpected keyword argument.*output_dim"):
        el.layers.Highway(output_dim=4)           # Highway keeps the input's size
    with pytest.raises(ValueError, match="expected a numeric array"):
        layer(np.array([["a", "b", "c", "d"]]))


# ============================================================================ MaxoutDense
@pytest.mark.parametrize("nb_feature", [1, 3])
@pytest.mark.parametrize("bias", [True, False])
def test_maxout_gradcheck(rng, nb_feature, bias):
    layer = as64(el.layers.MaxoutDense(5, nb_feature=nb_feature, bias=bias))
    x = rng.standard_normal((4, 7))
    layer(x)
    random_weights(layer, rng)
    report = assert_gradcheck(layer, x)
    assert {t.name for t in report.tensors} == {"dx", *layer.params}
    assert_gradcheck(layer, x, path="reference")


@pytest.mark.parametrize("bias", [True, False])
def test_maxout_paths_agree(rng, bias):
    layer = as64(el.layers.MaxoutDense(6, nb_feature=4, bias=bias))
    x = rng.standard_normal((5, 9))
    layer(x)
    random_weights(layer, rng)
    assert_paths_agree(layer, x)


def test_maxout_matches_the_paper(rng):
    # Goodfellow et al. 2013: h_i(x) = max_{j in [1, k]} z_ij, z_ij = x^T W_..ij + b_ij.
    K, d_in, d_out = 3, 5, 4
    W, b = rng.standard_normal((K, d_in, d_out)), rng.standard_normal((K, d_out))
    layer = as64(el.layers.MaxoutDense(d_out, nb_feature=K, input_dim=d_in))
    layer(np.zeros((1, d_in)))
    layer.set_weights([W, b])
    x = rng.standard_normal((6, d_in))
    expected = np.empty((6, d_out))
    for s in range(6):
        for i in range(d_out):
            expected[s, i] = max(x[s] @ W[j, :, i] + b[j, i] for j in range(K))
    for path in ("fast", "reference"):
        np.testing.assert_allclose(layer.forward(x, path=path), expected, rtol=1e-12, atol=1e-12)
    # the gradient flows through the winning piece only
    z = np.einsum("si,kio->sko", x, W) + b
    onehot = (z == z.max(axis=1, keepdims=True)) * 1.0
    dy = rng.standard_normal((6, d_out))
    layer.forward(x)
    dx = layer.backward(dy)
    np.testing.assert_allclose(dx, np.einsum("sko,kio->si", onehot * dy[:, None], W), rtol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], np.einsum("si,sko->kio", x, onehot * dy[:, None]),
                               rtol=1e-12, atol=1e-12)


def test_maxout_two_pieces_with_a_zero_piece_is_relu(rng):
    W0, b0 = rng.standard_normal((4, 3)), rng.standard_normal(3)
    layer = as64(el.layers.MaxoutDense(3, nb_feature=2, input_dim=4,
                                       weights=[np.stack([W0, np.zeros((4, 3))]),
                                                np.stack([b0, np.zeros(3)])]))
    x = rng.standard_normal((5, 4))
    np.testing.assert_allclose(layer(x), np.maximum(x @ W0 + b0, 0), rtol=1e-12)


@pytest.mark.parametrize("path", ["fast", "reference"])
def test_maxout_ties_go_to_the_lowest_feature(rng, path):
    W0, b0 = rng.standard_normal((4, 3)), rng.standard_normal(3)
    layer = as64(el.layers.MaxoutDense(3, nb_feature=3, input_dim=4))
    layer(np.zeros((1, 4)))
    # features 1 and 2 are identical and win everywhere; feature 0 never wins
    layer.set_weights([np.stack([W0 - 100, W0, W0]), np.stack([b0 - 100, b0, b0])])
    x, dy = rng.uniform(0, 1, (5, 4)), rng.standard_normal((5, 3))
    layer.forward(x, path=path)
    dx = layer.backward(dy)
    np.testing.assert_allclose(layer.grads["W"][1], x.T @ dy, rtol=1e-12)
    np.testing.assert_array_equal(layer.grads["W"][0], 0)
    np.testing.assert_array_equal(layer.grads["W"][2], 0)
    np.testing.assert_allclose(layer.grads["b"][1], dy.sum(0), rtol=1e-12)
    np.testing.assert_allclose(dx, dy @ W0.T, rtol=1e-12)


def test_maxout_weights_order_shapes_count():
    layer = el.layers.MaxoutDense(8, nb_feature=4, input_dim=16)
    layer(np.zeros((2, 16)))
    assert list(layer.weights) == ["W", "b"]
    assert [w.shape for w in layer.get_weights()] == [(4, 16, 8), (4, 8)]
    assert layer.count_params() == 4 * 16 * 8 + 4 * 8 == 544
    np.testing.assert_array_equal(layer.b, 0)
    no_bias = el.layers.MaxoutDense(8, bias=False, input_dim=16)
    no_bias(np.zeros((1, 16)))
    assert list(no_bias.weights) == ["W"] and no_bias.count_params() == 4 * 16 * 8


def test_maxout_keras1_glorot_fans():
    # Keras 1 get_fans: a 3-D shape has fan_in = fan_out = sqrt(prod(shape)).
    K, d_in, d_out = 4, 32, 16
    keras1_limit = np.sqrt(6 / (2 * np.sqrt(K * d_in * d_out)))        # 0.2575
    keras3_limit = np.sqrt(6 / (K * d_in + K * d_out))                 # 0.1768
    layer = el.layers.MaxoutDense(d_out, nb_feature=K, input_dim=d_in)
    layer(np.zeros((1, d_in)))
    assert 0.98 * keras1_limit < np.abs(layer.W).max() <= keras1_limit
    np.testing.assert_allclose(layer.W.std(), keras1_limit / np.sqrt(3), rtol=0.05)
    keras3 = el.layers.MaxoutDense(d_out, nb_feature=K, input_dim=d_in, fan_convention="keras3")
    keras3(np.zeros((1, d_in)))
    assert 0.98 * keras3_limit < np.abs(keras3.W).max() <= keras3_limit
    # the same rule for every variance-scaling initializer: he_uniform uses sqrt(6 / fan_in)
    he = el.layers.MaxoutDense(d_out, nb_feature=K, input_dim=d_in, init="he_uniform")
    he(np.zeros((1, d_in)))
    he_limit = np.sqrt(6 / np.sqrt(K * d_in * d_out))
    assert 0.98 * he_limit < np.abs(he.W).max() <= he_limit
    # other initializers are used as they are; the layer's own initializer is left unchanged
    ones = el.layers.MaxoutDense(2, init="ones", input_dim=3)
    ones(np.zeros((1, 3)))
    np.testing.assert_array_equal(ones.W, 1)
    assert layer.init.fan((K, d_in, d_out)) == (K * d_in + K * d_out) / 2


def test_maxout_keras1_arguments(rng):
    W = rng.standard_normal((2, 4, 3))
    layer = el.layers.MaxoutDense(output_dim=3, nb_feature=2, init="he_uniform", weights=[W],
                                  W_regularizer="l2", b_regularizer=None,
                                  activity_regularizer=el.regularizers.L1(0.01),
                                  W_constraint="non_neg", b_constraint=None, bias=False,
                                  input_dim=4)
    assert layer.batch_input_shape == (None, 4)
    y = layer(rng.standard_normal((5, 4)))
    assert y.shape == (5, 3)
    np.testing.assert_allclose(layer.W, W.astype("float32"))
    assert sorted(layer.regularization_gradients()) == ["W"] and len(layer.losses) == 2
    layer.apply_constraints()
    assert (layer.W >= 0).all()
    with_bias = el.layers.MaxoutDense(3, W_regularizer="l1", b_regularizer="l2", b_constraint="non_neg")
    with_bias(np.zeros((1, 2)))
    with_bias.b[...] = -1
    with_bias.apply_constraints()
    np.testing.assert_array_equal(with_bias.b, 0)
    assert sorted(with_bias.regularization_gradients()) == ["W", "b"]


def test_maxout_explain():
    ex = el.layers.MaxoutDense(8, nb_feature=4, input_dim=16).explain()
    assert ex.param_formula == "4*16*8 + 4*8"
    assert evaluate_arithmetic(ex.param_formula) == ex.param_count == 544
    assert ex.trace == "(None, 16) -> (None, 4, 8) -> (None, 8)"
    assert ex.output_shape == (None, 8)
    assert ex.formula == r"y = \max_{k = 1..4} \left(x W_{k} + b_{k}\right)"
    assert any("Keras 1" in n and "Keras 3" in n for n in ex.notes)
    assert any("sqrt(nb_feature*input_dim*output_dim)" in n for n in ex.notes)
    ex = el.layers.MaxoutDense(3, nb_feature=2, bias=False).explain((None, 5))
    assert ex.param_formula == "2*5*3" and evaluate_arithmetic(ex.param_formula) == ex.param_count


def test_maxout_get_config_round_trip(rng):
    layer = el.layers.MaxoutDense(3, nb_feature=5, init="he_normal", W_regularizer="l2",
                                  bias=True, input_dim=4, fan_convention="keras3")
    config = layer.get_config()
    assert config["output_dim"] == 3 and config["nb_feature"] == 5 and config["input_dim"] == 4
    clone = el.layers.MaxoutDense(**config)
    assert clone.get_config() == config
    x = rng.standard_normal((2, 4))
    layer(x), clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(layer(x), clone(x))


def test_maxout_bad_input():
    layer = el.layers.MaxoutDense(3)
    with pytest.raises(ValueError, match=r"MaxoutDense 'maxout_dense' expected input of rank 2 "
                                         r"\(batch, input_dim\), got shape \(2, 3, 4\)"):
        layer(np.zeros((2, 3, 4)))
    layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"MaxoutDense .*axis -1.*size 4.*got shape \(2, 6\)"):
        layer(np.zeros((2, 6)))
    with pytest.raises(ValueError, match=r"weight 'W' has shape \(4, 4, 3\), got .*\(4, 3\)"):
        layer.set_weights([np.zeros((4, 3)), np.zeros((4, 3))])
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(2, 3\).*got \(2, 4\)"):
        layer.backward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"MaxoutDense .*input_shape of rank 2.*\(None, 2, 4\)"):
        el.layers.MaxoutDense(3).explain((None, 2, 4))
    with pytest.raises(ValueError, match=r"needs a known input_dim"):
        el.layers.MaxoutDense(3).explain((None, None))
    for bad in (0, -2, 2.5, "4", True, None):
        with pytest.raises(ValueError, match="nb_feature must be a positive int"):
            el.layers.MaxoutDense(3, nb_feature=bad)
    for bad in (0, -1, 3.0, None):
        with pytest.raises(ValueError, match="output_dim must be a positive int"):
            el.layers.MaxoutDense(bad)
    with pytest.raises(ValueError, match="input_dim must be a positive int"):
        el.layers.MaxoutDense(3, input_dim=-4)
    with pytest.raises(ValueError, match="bias must be True or False"):
        el.layers.MaxoutDense(3, bias=1)
    with pytest.raises(ValueError, match="fan_convention must be one of"):
        el.layers.MaxoutDense(3, fan_convention="keras2")
    with pytest.raises(TypeError, match=r"unexpected keyword argument.*activation"):
        el.layers.MaxoutDense(3, activation="relu")     # maxout is its own activation


# ============================================================================ Lambda
def square(x):
    return x ** 2


def square_gradient(x, dy):
    return 2 * x * dy


def test_lambda_forward_and_dtype(rng):
    x = rng.standard_normal((3, 4))
    layer = el.layers.Lambda(lambda x: x ** 2)
    y = layer(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, x.astype("float32") ** 2)
    assert layer.count_params() == 0 and layer.params == {}


@pytest.mark.parametrize("path", ["fast", "reference"])
def test_lambda_user_gradient_is_used_without_warning(rng, path):
    layer = as64(el.layers.Lambda(square, gradient=square_gradient))
    x, dy = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    layer.forward(x, path=path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dx = layer.backward(dy)
    np.testing.assert_array_equal(dx, 2 * x * dy)
    assert layer.grads == {}


@pytest.mark.parametrize("path", ["fast", "reference"])
def test_lambda_numerical_gradient_warns_and_is_accurate(rng, path):
    layer = as64(el.layers.Lambda(lambda x: np.sin(x) * x ** 2))
    x, dy = 3 * rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    layer.forward(x, path=path)
    with pytest.warns(NumericalGradientWarning,
                      match=r"Lambda 'lambda'.*numerically.*slow.*gradient=lambda x, dy"):
        dx = layer.backward(dy)
    exact = (np.cos(x) * x ** 2 + 2 * x * np.sin(x)) * dy
    np.testing.assert_allclose(dx, exact, rtol=1e-8, atol=1e-8 * np.abs(exact).max())
    # float32 layers differentiate in float64 too: only the final cast loses digits
    layer32 = el.layers.Lambda(lambda x: np.sin(x) * x ** 2)
    layer32.forward(x, path=path)
    with pytest.warns(NumericalGradientWarning):
        dx32 = layer32.backward(dy)
    assert dx32.dtype == np.float32
    np.testing.assert_allclose(dx32, exact, rtol=1e-5, atol=1e-5 * np.abs(exact).max())


@numerical
def test_lambda_gradcheck_and_paths(rng):
    x = rng.standard_normal((3, 5))
    assert_gradcheck(el.layers.Lambda(square, gradient=square_gradient), x)
    assert_gradcheck(el.layers.Lambda(lambda x: np.tanh(x) * x.sum(axis=1, keepdims=True)), x)
    # reference == fast: both the user gradient and the numerical one (same steps, same sums)
    assert_paths_agree(as64(el.layers.Lambda(square, gradient=square_gradient)), x)
    assert_paths_agree(as64(el.layers.Lambda(lambda x: np.exp(x) / np.exp(x).sum(axis=1, keepdims=True))), x)


def test_lambda_arguments(rng):
    x, dy = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    layer = as64(el.layers.Lambda(lambda x, power: x ** power, arguments={"power": 3},
                                  gradient=lambda x, dy, power: power * x ** (power - 1) * dy))
    np.testing.assert_allclose(layer(x), x ** 3)
    np.testing.assert_allclose(layer.backward(dy), 3 * x ** 2 * dy)
    assert_gradcheck(layer, x)
    summed = el.layers.Lambda(np.sum, arguments={"axis": 1, "keepdims": True})
    assert summed(x).shape == (2, 1)
    assert summed.compute_output_shape((None, 3)) == (None, 1)
    assert any("axis=1" in n for n in summed.explain((None, 3)).notes)


@numerical
def test_lambda_multi_input(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    product = el.layers.Lambda(lambda xs: xs[0] * np.exp(xs[1]),
                               gradient=lambda xs, dy: [dy * np.exp(xs[1]), dy * xs[0] * np.exp(xs[1])])
    np.testing.assert_allclose(product([a, b]), (a * np.exp(b)).astype("float32"), rtol=1e-6)
    dy = rng.standard_normal((3, 4))
    da, db = product.backward(dy)
    np.testing.assert_allclose(da, dy * np.exp(b), rtol=1e-5)
    np.testing.assert_allclose(db, dy * a * np.exp(b), rtol=1e-5)
    assert_gradcheck(product, [a, b])
    numeric = el.layers.Lambda(lambda xs: xs[0] * np.exp(xs[1]))
    report = assert_gradcheck(numeric, [a, b])
    assert [t.name for t in report.tensors] == ["dx[0]", "dx[1]"]
    assert_paths_agree(as64(numeric), [a, b])
    assert numeric.compute_output_shape([(None, 4), (None, 4)]) == (None, 4)
    ex = numeric.explain([(None, 4), (None, 4)])
    assert ex.trace == "[(None, 4), (None, 4)] -> (None, 4)" and ex.param_count == 0
    concat = el.layers.Lambda(lambda xs: np.concatenate(xs, axis=-1), output_shape=(7,))
    assert concat([a, rng.standard_normal((3, 3))]).shape == (3, 7)
    assert concat.compute_output_shape([(None, 4), (None, 3)]) == (None, 7)


@numerical
def test_lambda_multi_output(rng):
    x = rng.standard_normal((2, 3))
    layer = el.layers.Lambda(lambda x: [x + 1, x[:, :1] * 2])
    assert layer.compute_output_shape((None, 3)) == [(None, 3), (None, 1)]
    y = layer(x)
    assert [o.shape for o in y] == [(2, 3), (2, 1)]
    dy = [rng.standard_normal((2, 3)), rng.standard_normal((2, 1))]
    dx = layer.backward(dy)
    expected = dy[0].copy()
    expected[:, :1] += 2 * dy[1]
    np.testing.assert_allclose(dx, expected, rtol=1e-6)
    assert_gradcheck(layer, x)
    declared = el.layers.Lambda(lambda x: [x + 1, x[:, :1] * 2], output_shape=[(3,), (1,)])
    assert declared.compute_output_shape((None, 3)) == [(None, 3), (None, 1)]
    assert [o.shape for o in declared(x)] == [(2, 3), (2, 1)]


def test_lambda_output_shape_variants(rng):
    x = rng.standard_normal((5, 6))
    # None: inferred from a dummy batch (unknown dimensions stay None)
    first_two = el.layers.Lambda(lambda x: x[:, :2])
    assert first_two.compute_output_shape((None, 6)) == (None, 2)
    assert first_two.compute_output_shape((7, 6)) == (7, 2)
    assert el.layers.Lambda(lambda x: x.sum(axis=1)).compute_output_shape((None, 6)) == (None,)
    assert el.layers.Lambda(lambda x: x.mean(axis=1)).compute_output_shape((None, None, 4)) == (None, 4)
    assert el.layers.Lambda(lambda x: x.reshape(len(x), -1)).compute_output_shape((None, None, 4)) == (None, None)
    assert el.layers.Lambda(np.log).compute_output_shape((None, 3)) == (None, 3)
    # tuple: one sample's shape, the batch axis prepended
    fixed = el.layers.Lambda(lambda x: x[:, :2], output_shape=(2,))
    assert fixed.compute_output_shape((None, 6)) == (None, 2)
    assert fixed.compute_output_shape((5, 6)) == (5, 2)
    assert fixed(x).shape == (5, 2)
    assert el.layers.Lambda(lambda x: x, output_shape=[6]).compute_output_shape((None, 6)) == (None, 6)
    assert el.layers.Lambda(lambda x: x[:, :, None], output_shape=(None, 1)).compute_output_shape((None, 6)) == (None, None, 1)
    # callable: the whole shape from the input shape
    doubled = el.layers.Lambda(lambda x: np.concatenate([x, x], axis=1),
                               output_shape=lambda s: (s[0], 2 * s[1]))
    assert doubled.compute_output_shape((None, 6)) == (None, 12)
    assert doubled(x).shape == (5, 12)
    assert doubled.explain((None, 6)).trace == "(None, 6) -> (None, 12)"


def test_lambda_mask(rng):
    x = rng.standard_normal((2, 3, 4))
    incoming = np.array([[True, True, False], [True, False, False]])
    plain = el.layers.Lambda(lambda x: x * 2)
    plain(x, mask=incoming)
    assert plain.output_mask is None and not plain.supports_masking
    fixed_mask = np.array([[True, False, True], [True, True, True]])
    fixed = el.layers.Lambda(lambda x: x * 2, mask=fixed_mask)
    fixed(x, mask=incoming)
    np.testing.assert_array_equal(fixed.output_mask, fixed_mask)
    assert fixed.supports_masking
    computed = el.layers.Lambda(lambda x: x[:, :2], mask=lambda inputs, mask: mask[:, :2])
    computed(x, mask=incoming)
    np.testing.assert_array_equal(computed.output_mask, incoming[:, :2])
    # a function with a mask parameter receives the incoming mask (as Keras 3)
    masked_sum = el.layers.Lambda(lambda x, mask: (x * mask[..., None]).sum(axis=1),
                                  gradient=lambda x, dy: np.repeat(dy[:, None, :], 3, axis=1))
    y = masked_sum(x, mask=incoming)
    np.testing.assert_allclose(y, (x * incoming[..., None]).sum(axis=1).astype("float32"), rtol=1e-6)


def test_lambda_explain_shows_the_function():
    layer = el.layers.Lambda(lambda x: x ** 2, output_shape=(3,))
    ex = layer.explain((None, 3))
    assert ex.formula == r"y = f(x),\quad f = \texttt{lambda x: x ** 2}"
    assert "function: lambda x: x ** 2" in ex.notes
    assert ex.param_count == 0 and evaluate_arithmetic(ex.param_formula) == 0
    assert ex.shape_trace[-1].shape == layer.compute_output_shape((None, 3)) == (None, 3)
    named = el.layers.Lambda(square).explain((None, 4))
    assert named.formula == r"y = \mathrm{square}(x)"
    assert el.layers.Lambda(square_gradient).formula == r"y = \mathrm{square\_gradient}(x)"
    assert el.layers.Lambda(np.tanh).formula == r"y = \mathrm{tanh}(x)"
    # special characters are escaped for LaTeX
    braces = el.layers.Lambda(lambda x: {"a_b": x}["a_b"])
    assert r"\{" in braces.formula and r"a\_b" in braces.formula
    assert el.layers.Lambda(lambda x: x.astype(int) ^ 1).formula.endswith(r"x.astype(int) \^{} 1}")
    assert "numerical" in " ".join(ex.notes)
    assert "the given gradient" in " ".join(el.layers.Lambda(square, gradient=square_gradient)
                                             .explain((None, 2)).notes)


def test_lambda_get_config_stores_the_functions(rng):
    mask = np.array([True, False])
    layer = el.layers.Lambda(square, output_shape=(2,), mask=mask, arguments=None,
                             gradient=square_gradient, name="sq")
    config = layer.get_config()
    assert config["function"] is square and config["gradient"] is square_gradient
    assert config["output_shape"] == (2,) and config["mask"] is mask and config["arguments"] == {}
    clone = el.layers.Lambda(**config)
    assert clone.get_config().keys() == config.keys()
    x = rng.standard_normal((3, 2))
    np.testing.assert_array_equal(clone(x), layer(x))
    np.testing.assert_array_equal(clone.backward(x), layer.backward(x))
    powered = el.layers.Lambda(lambda x, p: x ** p, arguments={"p": 3})
    assert el.layers.Lambda(**powered.get_config()).arguments == {"p": 3}


@numerical
def test_lambda_in_a_sequential_model(rng):
    model = el.Sequential([el.layers.Dense(4, input_shape=(3,)),
                           el.layers.Lambda(lambda x: np.tanh(x), gradient=lambda x, dy: dy * (1 - np.tanh(x) ** 2)),
                           el.layers.Highway(activation="relu"),
                           el.layers.MaxoutDense(2, nb_feature=3)])
    x = rng.standard_normal((5, 3))
    assert model.forward(x).shape == (5, 2)
    assert_gradcheck(model, x)
    ex = model.explain()
    assert ex.output_shape == (None, 2)
    assert ex.param_count == model.count_params() == (3 * 4 + 4) + (2 * 16 + 2 * 4) + (3 * 4 * 2 + 3 * 2)


def test_lambda_bad_input(rng):
    x = rng.standard_normal((2, 3))
    with pytest.raises(ValueError, match=r"Lambda '.*': function must be callable"):
        el.layers.Lambda("x ** 2")
    with pytest.raises(ValueError, match="arguments must be a dict"):
        el.layers.Lambda(square, arguments=[2])
    with pytest.raises(ValueError, match="gradient must be callable"):
        el.layers.Lambda(square, gradient=2.0)
    for bad in ("3", (2.5,), (-1,), 4, (True,)):
        with pytest.raises(ValueError, match="output_shape must be None, a callable, a tuple of ints"):
            el.layers.Lambda(square, output_shape=bad)
    # a declared output shape that the function does not return
    with pytest.raises(ValueError, match=r"output_shape says the output has shape \(None, 3\), "
                                         r"but the function returned shape \(2, 2\)"):
        el.layers.Lambda(lambda x: x[:, :2], output_shape=(3,))(x)
    with pytest.raises(ValueError, match=r"output_shape says .*\(None, 2, 3\).*returned shape \(2, 3\)"):
        el.layers.Lambda(square, output_shape=(2, 3))(x)        # the batch axis is not part of it
    with pytest.raises(ValueError, match=r"output_shape says .*\[\(None, 3\), \(None, 1\)\].*\(2, 3\)"):
        el.layers.Lambda(square, output_shape=[(3,), (1,)])(x)
    with pytest.raises(ValueError, match=r"output_shape says .*\(None, 9\).*\(2, 3\)"):
        el.layers.Lambda(square, output_shape=lambda s: (s[0], 9))(x)
    # a gradient of the wrong shape, or not a list for a list input
    layer = el.layers.Lambda(square, gradient=lambda x, dy: dy[:, :1])
    layer(x)
    with pytest.raises(ValueError, match=r"gradient returned shape \(2, 1\) for the input of shape \(2, 3\)"):
        layer.backward(np.ones((2, 3)))
    pair = el.layers.Lambda(lambda xs: xs[0] + xs[1], gradient=lambda xs, dy: dy)
    pair([x, x])
    with pytest.raises(ValueError, match="has 2 inputs, so gradient must return a list of 2 arrays"):
        pair.backward(np.ones((2, 3)))
    pair_bad = el.layers.Lambda(lambda xs: xs[0] + xs[1], gradient=lambda xs, dy: [dy, dy[:1]])
    pair_bad([x, x])
    with pytest.raises(ValueError, match=r"gradient returned shape \(1, 3\) for input 1 of shape \(2, 3\)"):
        pair_bad.backward(np.ones((2, 3)))
    # shape inference that cannot run the function
    with pytest.raises(ValueError, match=r"could not infer its output shape.*\(None, 4\).*pass output_shape="):
        el.layers.Lambda(lambda x: x.reshape(3, 3)).compute_output_shape((None, 4))
    # the base checks: backward before forward, the upstream gradient's shape, non-numeric input
    fresh = el.layers.Lambda(square, gradient=square_gradient)
    with pytest.raises(RuntimeError, match="call forward before backward"):
        fresh.backward(np.ones((2, 3)))
    fresh(x)
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(2, 3\).*got \(3, 2\)"):
        fresh.backward(np.ones((3, 2)))
    with pytest.raises(ValueError, match="expected a numeric array"):
        fresh(np.array(["a", "b"]))


# ============================================================================ Keras parity (Lambda)
@pytest.mark.keras
def test_lambda_keras_parity_with_gradient(keras, rng):
    ops = keras.ops
    theirs = keras.layers.Lambda(lambda x: ops.tanh(x) * 2.0 + x ** 2)
    ours = el.layers.Lambda(lambda x: np.tanh(x) * 2.0 + x ** 2,
                            gradient=lambda x, dy: dy * (2.0 * (1 - np.tanh(x) ** 2) + 2 * x))
    compare_with_keras(ours, theirs, rng.standard_normal((4, 5)))
    assert ours.count_params() == theirs.count_params() == 0
    assert ours.compute_output_shape((None, 5)) == tuple(theirs.compute_output_shape((None, 5)))


@pytest.mark.keras
@numerical
def test_lambda_keras_parity_numerical(keras, rng):
    ops = keras.ops
    theirs = keras.layers.Lambda(lambda x: ops.softmax(x, axis=-1) * ops.sin(x))
    ours = el.layers.Lambda(lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True) * np.sin(x))
    compare_with_keras(ours, theirs, rng.standard_normal((3, 4)), rtol=1e-7, atol=1e-9)


@pytest.mark.keras
def test_lambda_keras_parity_arguments(keras, rng):
    ops = keras.ops
    theirs = keras.layers.Lambda(lambda x, axis: ops.sum(x ** 2, axis=axis, keepdims=True),
                                 arguments={"axis": 1})
    ours = el.layers.Lambda(lambda x, axis: np.sum(x ** 2, axis=axis, keepdims=True),
                            arguments={"axis": 1},
                            gradient=lambda x, dy, axis: 2 * x * dy)
    compare_with_keras(ours, theirs, rng.standard_normal((3, 5)))
    assert ours.compute_output_shape((None, 5)) == tuple(theirs.compute_output_shape((None, 5))) == (None, 1)


@pytest.mark.keras
@numerical
def test_lambda_keras_parity_multi_input(keras, rng):
    ops = keras.ops
    theirs = keras.layers.Lambda(lambda xs: xs[0] * ops.exp(xs[1]) - xs[1])
    ours = el.layers.Lambda(lambda xs: xs[0] * np.exp(xs[1]) - xs[1],
                            gradient=lambda xs, dy: [dy * np.exp(xs[1]), dy * (xs[0] * np.exp(xs[1]) - 1)])
    x = [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))]
    compare_with_keras(ours, theirs, x)
    numeric = el.layers.Lambda(lambda xs: xs[0] * np.exp(xs[1]) - xs[1])
    compare_with_keras(numeric, keras.layers.Lambda(lambda xs: xs[0] * ops.exp(xs[1]) - xs[1]), x,
                       rtol=1e-7, atol=1e-9)


@pytest.mark.keras
def test_lambda_keras_parity_output_shapes(keras):
    for fn_ours, fn_theirs, shape in [
        (lambda x: x[:, :2], lambda x: x[:, :2], (None, 6)),
        (lambda x: x.mean(axis=1), lambda x: keras.ops.mean(x, axis=1), (None, 5, 4)),
        (lambda x: np.expand_dims(x, 1), lambda x: keras.ops.expand_dims(x, 1), (None, 3)),
    ]:
        ours = el.layers.Lambda(fn_ours).compute_output_shape(shape)
        assert ours == tuple(keras.layers.Lambda(fn_theirs).compute_output_shape(shape))
    assert (el.layers.Lambda(square, output_shape=(2,)).compute_output_shape((None, 6))
            == tuple(keras.layers.Lambda(square, output_shape=(2,)).compute_output_shape((None, 6))))
