"""Advanced activations: gradcheck, reference == fast, Keras 3 twins, published definitions, errors.

Keras 3 still has ReLU, LeakyReLU, ELU, Softmax and PReLU: those are compared with it (output,
dx, alpha's gradient, count_params). ThresholdedReLU (Keras 1/2), ParametricSoftplus and SReLU
(Keras 1) are checked against their published definitions, written out here independently,
and against the Keras 1 graphs rebuilt with jax.numpy operations (jax.vjp gives the gradients).
"""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import as64, assert_gradcheck, assert_paths_agree, compare_with_keras, keras_forward_backward

L = el.layers


def away_from(x, points, gap=1e-3):
    """``x`` with every entry nudged at least ``gap`` away from the kinks in ``points``."""
    x = np.array(x, dtype=np.float64)
    for p in np.atleast_1d(points):
        near = np.abs(x - p) < gap
        x[near] = p + np.where(x[near] >= p, gap, -gap) * 2
    return x


def away_from_knots(x, knots, gap=1e-3):
    """``x`` with entries moved off per-entry kinks (arrays broadcastable to ``x``)."""
    x = np.array(x, dtype=np.float64)
    for _ in range(20):
        near = np.any([np.abs(x - k) < gap for k in knots], axis=0)
        if not near.any():
            return x
        x = np.where(near, x + 7 * gap, x)
    raise AssertionError("could not move x away from the kinks")


def random_weights(layer, rng, shape, positive=()):
    """Build ``layer`` for ``shape`` and give every weight random values (``positive``: > 0)."""
    layer.build((None,) + tuple(shape[1:]))
    ws = []
    for name, w in layer.weights.items():
        v = rng.uniform(0.3, 1.5, w.shape) if name in positive else rng.standard_normal(w.shape)
        ws.append(v)
    layer.set_weights(ws)
    return layer


# ------------------------------------------------------------------------------ gradcheck and paths
WEIGHTLESS = {
    "relu": (lambda: L.ReLU(), [0.0]),
    "relu_capped_leaky_threshold": (lambda: L.ReLU(max_value=1.2, negative_slope=0.1, threshold=0.3),
                                    [0.3, 1.2]),
    "leaky": (lambda: L.LeakyReLU(), [0.0]),
    "elu": (lambda: L.ELU(alpha=0.7), [0.0]),
    "thresholded": (lambda: L.ThresholdedReLU(theta=0.4), [0.4]),
    "softmax": (lambda: L.Softmax(), []),
    "softmax_axis1": (lambda: L.Softmax(axis=1), []),
    "softmax_two_axes": (lambda: L.Softmax(axis=(1, 2)), []),
}


@pytest.mark.parametrize("case", list(WEIGHTLESS))
@pytest.mark.parametrize("shape", [(3, 5), (2, 3, 4, 3)])
def test_weightless_gradcheck_and_paths(rng, case, shape):
    make, kinks = WEIGHTLESS[case]
    if case == "softmax_two_axes" and len(shape) == 2:
        shape = (3, 2, 5)
    x = away_from(rng.standard_normal(shape) * 1.5, kinks)
    assert_gradcheck(make(), x)
    assert_gradcheck(make(), x, path="reference")
    assert_paths_agree(as64(make()), x)


def _prelu():
    return L.PReLU(alpha_initializer="random_normal")


LEARNED = {
    "prelu": (lambda: L.PReLU(), ()),
    "prelu_shared_1_2": (lambda: L.PReLU(shared_axes=[1, 2]), ()),
    "prelu_shared_3": (lambda: L.PReLU(shared_axes=3), ()),
    "psoftplus": (lambda: L.ParametricSoftplus(), ()),
    "psoftplus_shared": (lambda: L.ParametricSoftplus(shared_axes=[2]), ()),
    "srelu": (lambda: L.SReLU(), ("a_right",)),
    "srelu_shared": (lambda: L.SReLU(shared_axes=[1, 3]), ()),
}


@pytest.mark.parametrize("case", list(LEARNED))
def test_learned_gradcheck_and_paths(rng, case):
    make, positive = LEARNED[case]
    shape = (3, 4, 5, 3) if "shared" in case else (3, 5, 3)
    x = rng.standard_normal(shape) * 2
    layer = random_weights(make(), rng, shape, positive)
    if isinstance(layer, L.SReLU):   # per-entry knots t_left and t_left + |t_right|
        w = layer.weights
        x = away_from_knots(x, [w["t_left"], w["t_left"] + np.abs(w["t_right"])])
    else:
        x = away_from(x, [0.0])
    report = assert_gradcheck(layer, x)
    assert {t.name for t in report.tensors} == {"dx", *layer.params}
    assert_gradcheck(layer, x, path="reference")
    assert_paths_agree(as64(layer), x)


def test_shared_alpha_gradient_is_the_sum_over_batch_and_shared_axes(rng):
    layer = as64(L.PReLU(shared_axes=[1, 2]))
    x = rng.standard_normal((3, 4, 5, 2))
    layer(x)
    dy = rng.standard_normal(x.shape)
    layer.backward(dy)
    expected = np.array([np.sum(dy[..., c] * np.minimum(x[..., c], 0)) for c in range(2)])
    np.testing.assert_allclose(layer.grads["alpha"].ravel(), expected, rtol=1e-12)
    assert layer.alpha.shape == (1, 1, 2)


# ------------------------------------------------------------------------------ Keras 3 twins
@pytest.mark.keras
@pytest.mark.parametrize("kwargs", [{}, {"max_value": 1.0}, {"negative_slope": 0.2, "threshold": 0.5},
                                    {"max_value": 2.0, "negative_slope": 0.1, "threshold": 0.3}])
def test_keras_relu(keras, rng, kwargs):
    x = away_from(rng.standard_normal((4, 3, 5)) * 2,
                  [0.0, kwargs.get("threshold", 0.0), kwargs.get("max_value") or 0.0])
    compare_with_keras(L.ReLU(**kwargs), keras.layers.ReLU(**kwargs), x)


@pytest.mark.keras
@pytest.mark.parametrize("slope", [0.3, 0.05])
def test_keras_leaky_relu(keras, rng, slope):
    x = away_from(rng.standard_normal((4, 7)), [0.0])
    compare_with_keras(L.LeakyReLU(slope), keras.layers.LeakyReLU(negative_slope=slope), x)


@pytest.mark.keras
@pytest.mark.parametrize("alpha", [1.0, 0.4])
def test_keras_elu(keras, rng, alpha):
    x = away_from(rng.standard_normal((3, 2, 5)) * 2, [0.0])
    compare_with_keras(L.ELU(alpha), keras.layers.ELU(alpha=alpha), x)


@pytest.mark.keras
@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_keras_softmax(keras, rng, axis):
    x = rng.standard_normal((2, 3, 4)) * 3
    compare_with_keras(L.Softmax(axis=axis), keras.layers.Softmax(axis=axis), x)


@pytest.mark.keras
@pytest.mark.parametrize("mask_shape", [(2, 3, 5), (2, 1, 5), (5,)])
def test_keras_softmax_with_mask(keras, rng, mask_shape):
    x = rng.standard_normal((2, 3, 5)) * 2
    mask = rng.random(mask_shape) > 0.4
    mask.reshape(-1, mask_shape[-1])[0] = False      # one row masked entirely: outputs 0
    y_k, dx_k, _, dy = keras_forward_backward(keras.layers.Softmax(), x, mask=mask)
    ours = as64(L.Softmax())
    for path in ("fast", "reference"):
        y = ours.forward(x, mask=mask, path=path)
        dx = ours.backward(dy)
        np.testing.assert_allclose(y, y_k, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dx, dx_k, rtol=1e-10, atol=1e-12)
    full = np.broadcast_to(mask, x.shape)
    assert np.all(y[~full] == 0) and np.all(dx[~full] == 0)
    rows = full.any(axis=-1)
    np.testing.assert_allclose(y.sum(axis=-1)[rows], 1.0)
    # 0/1 floats work as Keras: > 0.5 keeps
    np.testing.assert_allclose(ours.forward(x, mask=mask.astype(float)), y_k, rtol=1e-10, atol=1e-12)
    assert ours.output_mask is not None         # supports_masking: the mask passes on
    assert_gradcheck(L.Softmax(), x, mask=mask)


@pytest.mark.keras
@pytest.mark.parametrize("shape, shared_axes", [((3, 5), None), ((2, 4, 5, 3), [1, 2]),
                                                ((2, 4, 5, 3), 3), ((2, 3, 4), [1])])
def test_keras_prelu(keras, rng, shape, shared_axes):
    x = away_from(rng.standard_normal(shape), [0.0])
    theirs = keras.layers.PReLU(alpha_initializer="random_normal", shared_axes=shared_axes)
    ours = L.PReLU(shared_axes=shared_axes)
    compare_with_keras(ours, theirs, x)
    assert ours.count_params() == theirs.count_params()
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    assert ours.explain((None,) + shape[1:]).param_count == theirs.count_params()


@pytest.mark.keras
def test_keras_thresholded_relu_is_keras3_relu_with_threshold(keras, rng):
    # Keras 3 removed ThresholdedReLU; ReLU(threshold=theta) computes x [x > theta]
    x = away_from(rng.standard_normal((4, 6)) * 2, [0.7])
    compare_with_keras(L.ThresholdedReLU(0.7), keras.layers.ReLU(threshold=0.7), x)


@pytest.mark.keras
def test_keras_configs_match(keras):
    pairs = [(L.ReLU(max_value=6.0), keras.layers.ReLU(max_value=6.0)),
             (L.LeakyReLU(0.1), keras.layers.LeakyReLU(negative_slope=0.1)),
             (L.Softmax(axis=1), keras.layers.Softmax(axis=1)),
             (L.PReLU(shared_axes=[1, 2]), keras.layers.PReLU(shared_axes=[1, 2]))]
    for ours, theirs in pairs:
        mine, kc = ours.get_config(), theirs.get_config()
        for key in set(mine) & set(kc) - {"name", "dtype", "trainable"}:
            if key.endswith("_initializer"):
                assert mine[key]["class_name"] == kc[key]["class_name"]
            else:
                assert mine[key] == kc[key], key


# ------------------------------------------------------------------------------ published definitions
def test_thresholded_relu_definition(rng):
    # Konda et al. 2015 / Keras 1.2.2: f(x) = x for x > theta, 0 otherwise
    x = away_from(rng.standard_normal((5, 6)) * 2, [1.0])
    layer = as64(L.ThresholdedReLU())
    y = layer(x)
    np.testing.assert_array_equal(y, np.array([[v if v > 1.0 else 0.0 for v in row] for row in x]))
    dy = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(layer.backward(dy), dy * (x > 1.0))
    # the jump: just above theta the output is theta, not 0 as for ReLU(threshold) shifted
    assert layer(np.array([[1.0 + 1e-9]]))[0, 0] == pytest.approx(1.0)


def test_parametric_softplus_definition(rng):
    layer = as64(L.ParametricSoftplus())
    x = rng.standard_normal((4, 3)) * 3
    np.testing.assert_allclose(layer(x), 0.2 * np.log1p(np.exp(5.0 * x)), rtol=1e-12)
    assert [w.tolist() for w in layer.get_weights()] == [[0.2] * 3, [5.0] * 3]
    # large inputs: alpha * beta * x, no overflow
    big = layer(np.array([[300.0, -300.0, 0.0]]))
    np.testing.assert_allclose(big, [[0.2 * 5 * 300, 0.0, 0.2 * np.log(2)]], rtol=1e-12)


def _srelu_paper(x, t_l, a_l, t_r, a_r):
    """Jin et al. 2015, eq. (1), one entry at a time."""
    if x >= t_r:
        return t_r + a_r * (x - t_r)
    if x > t_l:
        return x
    return t_l + a_l * (x - t_l)


def test_srelu_definition_and_paper_gradients(rng):
    layer = random_weights(as64(L.SReLU()), rng, (6, 7))
    t_l, a_l, t_right, a_r = layer.get_weights()
    t_r = t_l + np.abs(t_right)                       # Keras 1.2.2's parametrization
    x = rng.standard_normal((6, 7)) * 2
    y = layer(x)
    expected = np.array([[_srelu_paper(x[n, i], t_l[i], a_l[i], t_r[i], a_r[i]) for i in range(7)]
                         for n in range(6)])
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    # the paper's partial derivatives (section 3.2), summed over the batch
    dy = rng.standard_normal(x.shape)
    dx = layer.backward(dy)
    right, left = x >= t_r, x <= t_l
    np.testing.assert_allclose(dx, dy * np.where(right, a_r, np.where(left, a_l, 1.0)), rtol=1e-12)
    np.testing.assert_allclose(layer.grads["a_right"], np.sum(dy * (x - t_r) * right, 0), rtol=1e-12)
    np.testing.assert_allclose(layer.grads["a_left"], np.sum(dy * (x - t_l) * left, 0), rtol=1e-12)
    d_tr = np.sum(dy * (1 - a_r) * right, 0)          # dL/dt^r of the paper
    d_tl = np.sum(dy * (1 - a_l) * left, 0)           # dL/dt^l of the paper
    # chain rule through t^r = t_left + |t_right|
    np.testing.assert_allclose(layer.grads["t_right"], d_tr * np.sign(t_right), rtol=1e-12)
    np.testing.assert_allclose(layer.grads["t_left"], d_tl + d_tr, rtol=1e-12)


def test_srelu_keeps_knots_ordered():
    layer = as64(L.SReLU())
    layer.build((None, 1))
    layer.set_weights([np.array([0.5]), np.array([0.2]), np.array([-1.0]), np.array([2.0])])
    # t_right = -1 means the right knot is at 0.5 + |-1| = 1.5, not at -1
    x = np.array([[0.0], [1.0], [2.0]])
    np.testing.assert_allclose(layer(x).ravel(), [0.5 + 0.2 * -0.5, 1.0, 1.5 + 2.0 * 0.5])


def test_keras1_graphs_rebuilt_in_jax(jax, rng):
    """The Keras 1.2.2 graphs of ParametricSoftplus and SReLU, with jax.numpy ops and jax.vjp."""
    jnp = jax.numpy
    shape = (3, 4, 2)
    x = rng.standard_normal(shape) * 2
    dy = rng.standard_normal(shape)

    def run(layer, graph):
        y_j, pullback = jax.vjp(graph, jnp.asarray(x), *[jnp.asarray(w) for w in layer.get_weights()])
        dx_j, *dws = pullback(jnp.asarray(dy))
        assert y_j.dtype == dx_j.dtype == np.float64
        y = layer(x)
        dx = layer.backward(dy)
        np.testing.assert_allclose(y, np.asarray(y_j), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(dx, np.asarray(dx_j), rtol=1e-12, atol=1e-14)
        for name, dw in zip(layer.params, dws):
            np.testing.assert_allclose(layer.grads[name], np.asarray(dw), rtol=1e-10, atol=1e-12)

    # K.softplus(betas * x) * alphas
    psp = random_weights(as64(L.ParametricSoftplus(shared_axes=[1])), rng, shape, ("alphas", "betas"))
    run(psp, lambda xt, a, b: jax.nn.softplus(b * xt) * a)

    # t_left + K.relu(x - t_left, a_left, |t_right|) + a_right * K.relu(x - t_left - |t_right|),
    # with Keras 1's relu(z, alpha, max_value) = clip(max(z, 0), 0, max_value) + alpha * min(z, 0)
    def srelu_graph(xt, t_left, a_left, t_right, a_right):
        t_r = t_left + jnp.abs(t_right)
        z = xt - t_left
        relu_keras1 = jnp.minimum(jax.nn.relu(z), t_r - t_left) - a_left * jax.nn.relu(-z)
        return t_left + relu_keras1 + jax.nn.relu(xt - t_r) * a_right

    srelu = random_weights(as64(L.SReLU(shared_axes=[2])), rng, shape)
    run(srelu, srelu_graph)


# ------------------------------------------------------------------------------ Keras 1 and 2 names
def test_keras1_and_keras2_arguments():
    assert L.LeakyReLU(alpha=0.1).negative_slope == 0.1            # Keras 1/2 spelling
    assert L.ELU(alpha=0.5).alpha == 0.5
    assert L.ThresholdedReLU(theta=0.5).theta == 0.5
    prelu = L.PReLU(init="one", shared_axes=[1], input_shape=(3, 2))   # Keras 1 init=
    prelu(np.full((1, 3, 2), -1.0))
    np.testing.assert_array_equal(prelu.alpha, np.ones((1, 2)))
    psp = L.ParametricSoftplus(alpha_init=0.5, beta_init=2.0, weights=[np.full(3, 0.1), np.full(3, 3.0)])
    psp(np.zeros((1, 3)))
    np.testing.assert_allclose(psp.get_weights()[0], 0.1)     # weights= wins (Keras 1)
    srelu = L.SReLU(t_left_init="zero", a_left_init="zero", t_right_init="one", a_right_init="one")
    srelu.build((None, 4))
    assert list(srelu.weights) == ["t_left", "a_left", "t_right", "a_right"]
    assert [w.tolist() for w in srelu.get_weights()] == [[0.0] * 4, [0.0] * 4, [1.0] * 4, [1.0] * 4]
    with pytest.raises(TypeError, match="both 'init'"):
        L.PReLU(init="zeros", alpha_initializer="ones")
    contrib = L.SReLU(a_left_initializer="ones", t_right_initializer=el.initializers.Constant(2.0))
    contrib.build((None, 2))                                   # keras-contrib's (Keras 2) names
    assert [w.tolist() for w in contrib.get_weights()] == [[0.0] * 2, [1.0] * 2, [2.0] * 2, [1.0] * 2]
    assert contrib.get_config()["a_left_init"]["class_name"] == "Ones"
    with pytest.raises(TypeError, match="both 'a_left_init' .* and 'a_left_initializer'"):
        L.SReLU(a_left_init="zeros", a_left_initializer="ones")


def test_default_initial_weights():
    srelu = L.SReLU()
    srelu.build((None, 50))
    t_l, a_l, t_r, a_r = srelu.get_weights()
    assert np.all(t_l == 0) and np.all(a_r == 1) and np.std(a_l) > 0 and np.std(t_r) > 0
    prelu = L.PReLU()
    prelu.build((None, 3))
    assert np.all(prelu.alpha == 0)                                   # starts as a ReLU


# ------------------------------------------------------------------------------ explain and config
def test_explain():
    ex = L.PReLU(shared_axes=[3]).explain((None, 4, 5, 6))
    assert ex.param_formula == "4*5*1" and ex.param_count == 20
    ex = L.PReLU(shared_axes=[1, 2]).explain((None, 4, 5, 6))
    assert ex.param_formula == "1*1*6" and ex.param_count == 6
    ex = L.SReLU(shared_axes=[1, 2]).explain((None, 4, 5, 6))
    assert ex.param_formula == "4*(1*1*6)" and ex.param_count == 24
    ex = L.ParametricSoftplus().explain((None, 3, 2))
    assert evaluate_arithmetic(ex.param_formula) == ex.param_count == 12
    for layer in (L.ReLU(), L.LeakyReLU(), L.ELU(), L.ThresholdedReLU(), L.Softmax()):
        ex = layer.explain((None, 7))
        assert ex.param_count == 0 and ex.param_formula == "0" and ex.output_shape == (None, 7)
        assert "$$" in ex._repr_markdown_()
    assert r"\min(x, 6)" in L.ReLU(max_value=6).explain((None, 3)).formula
    assert "0.1" in L.LeakyReLU(0.1).explain((None, 3)).formula
    assert r"t^l + |t_\mathrm{right}|" in L.SReLU().explain((None, 3)).formula
    assert "Keras 3 removed it" in str(L.ThresholdedReLU().explain((None, 3)))
    ex = L.PReLU(shared_axes=[1, 2]).explain((None, 4, 5, 6))
    assert ex.shape_trace[-1].shape == (None, 4, 5, 6) and "(1, 1, 6)" in str(ex)


@pytest.mark.parametrize("make", [
    lambda: L.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5), lambda: L.LeakyReLU(0.2),
    lambda: L.ELU(0.3), lambda: L.ThresholdedReLU(0.5), lambda: L.Softmax(axis=[1, 2]),
    lambda: L.PReLU(alpha_initializer="ones", alpha_regularizer="l2", alpha_constraint="non_neg",
                    shared_axes=[1]),
    lambda: L.ParametricSoftplus(alpha_init=0.3, beta_init=2.0, shared_axes=2),
    lambda: L.SReLU(t_right_init="ones", shared_axes=[1, 2])])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2))
    y1 = layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(x), y1)


def test_prelu_regularizer_and_constraint(rng):
    layer = L.PReLU(alpha_initializer="random_normal", alpha_regularizer=el.regularizers.L2(0.1),
                    alpha_constraint="non_neg")
    layer(rng.standard_normal((2, 5)))
    assert layer.losses == [pytest.approx(0.1 * float(np.sum(layer.alpha.astype(np.float64) ** 2)), rel=1e-5)]
    layer.apply_constraints()
    assert np.all(layer.alpha >= 0)


def test_float32_and_masks_pass_through(rng):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    mask = np.ones((2, 3), dtype=bool)
    for layer in (L.ReLU(), L.LeakyReLU(), L.ELU(), L.ThresholdedReLU(), L.PReLU(),
                  L.ParametricSoftplus(), L.SReLU()):
        y = layer(x, mask=mask)
        assert y.dtype == np.float32 and layer.backward(np.ones_like(y)).dtype == np.float32
        assert layer.output_mask is mask                 # supports_masking, as in Keras
    y = L.Softmax()(x, mask=np.ones((2, 3, 4), dtype=bool))
    assert y.dtype == np.float32


def test_any_rank_for_weightless_layers():
    # as in Keras: a 1-D input is a batch of scalars
    np.testing.assert_array_equal(L.ReLU()(np.array([-1.0, 2.0])), [0.0, 2.0])
    np.testing.assert_allclose(L.ELU()(np.array([[[-1.0]]])), [[[np.expm1(-1.0)]]], rtol=1e-6)


# ------------------------------------------------------------------------------ errors
def test_argument_errors():
    with pytest.raises(ValueError, match="ReLU: max_value must be >= 0.0, got -1"):
        L.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="ReLU: negative_slope must be >= 0.0"):
        L.ReLU(negative_slope=-0.1)
    with pytest.raises(ValueError, match="ReLU: threshold must be a finite number, got None"):
        L.ReLU(threshold=None)
    with pytest.raises(ValueError, match="LeakyReLU: negative_slope must be >= 0.0"):
        L.LeakyReLU(alpha=-0.3)
    with pytest.raises(ValueError, match="LeakyReLU: negative_slope must be a finite number"):
        L.LeakyReLU(negative_slope="0.3")
    with pytest.raises(ValueError, match="ELU: alpha must be a finite number, got nan"):
        L.ELU(alpha=float("nan"))
    with pytest.raises(ValueError, match="ThresholdedReLU: theta must be >= 0.0"):
        L.ThresholdedReLU(theta=-1.0)
    with pytest.raises(ValueError, match="Softmax: axis must be an int or a non-empty tuple"):
        L.Softmax(axis="last")
    with pytest.raises(ValueError, match="ParametricSoftplus: beta_init must be a finite number"):
        L.ParametricSoftplus(beta_init=None)
    for cls in (L.PReLU, L.ParametricSoftplus, L.SReLU):
        with pytest.raises(ValueError, match=f"{cls.__name__}: shared_axes are the 1-based axes"):
            cls(shared_axes=[0])
        with pytest.raises(ValueError, match=f"{cls.__name__}: shared_axes are the 1-based axes"):
            cls(shared_axes=[1.5])
        with pytest.raises(ValueError, match=f"{cls.__name__}: shared_axes has a repeated axis"):
            cls(shared_axes=[1, 1])
    with pytest.raises(ValueError, match="SReLU: unknown a_left_init 'glorot'"):
        L.SReLU(a_left_init="glorot")
    with pytest.raises(TypeError, match="unexpected keyword"):
        L.ELU(theta=1.0)


def test_input_errors():
    with pytest.raises(ValueError, match=r"PReLU 'p_re_lu': shared_axes=\[3\] names axis 3, but the "
                                         r"input \(None, 4, 5\) has only the axes 1..2"):
        L.PReLU(shared_axes=3)(np.zeros((2, 4, 5)))
    for cls in (L.PReLU, L.ParametricSoftplus, L.SReLU):
        with pytest.raises(ValueError, match=rf"{cls.__name__} .* expected input of rank >= 2 "
                                             r"\(batch, features...\), got shape \(3,\)"):
            cls()(np.zeros(3))
        layer = cls(shared_axes=[1])
        layer(np.zeros((2, 4, 5)))
        with pytest.raises(ValueError, match=rf"{cls.__name__} .* expected axis 2 .* size 5.*got shape \(2, 4, 6\)"):
            layer(np.zeros((2, 4, 6)))
        layer(np.zeros((2, 7, 5)))                      # a shared axis may change size
        with pytest.raises(ValueError, match=rf"{cls.__name__} .* expected input of rank 3"):
            layer(np.zeros((2, 4, 5, 1)))
    with pytest.raises(ValueError, match=r"PReLU .* needs the size of input axis 1.*shared_axes=\[1\]"):
        L.PReLU().explain((None, None, 3))
    assert L.PReLU(shared_axes=1).explain((None, None, 3)).param_count == 3
    with pytest.raises(ValueError, match=r"Softmax 'softmax': axis 2 is out of range for an input of rank 2"):
        L.Softmax(axis=2)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"Softmax .* names the same axis twice"):
        L.Softmax(axis=(1, -1))(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"Softmax .* mask must be broadcastable.*mask shape \(2, 4\) "
                                         r"for input shape \(2, 3\)"):
        L.Softmax()(np.zeros((2, 3)), mask=np.ones((2, 4), dtype=bool))
    with pytest.raises(ValueError, match=r"Softmax .* mask must be broadcastable"):
        L.Softmax()(np.zeros((2, 3)), mask=np.ones((1, 2, 3), dtype=bool))
    layer = L.LeakyReLU()
    layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(2, 3\).*got \(3, 2\)"):
        layer.backward(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"ParametricSoftplus .* expects 2 weight arrays"):
        psp = L.ParametricSoftplus()
        psp.build((None, 3))
        psp.set_weights([np.ones(3)])
