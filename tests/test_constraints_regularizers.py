"""Constraints and regularizers: Keras 3 parity, properties, exact gradients, names and errors,
and how a layer exposes them (losses, regularization_gradients, apply_constraints)."""
import math

import numpy as np
import pytest

import edulayers as el
from edulayers import constraints as cons
from edulayers import regularizers as regs


def _to_numpy(keras, t):
    return np.asarray(keras.ops.convert_to_numpy(t), dtype=np.float64)


def _weights(rng, shape, spread=(0.2, 3.0)):
    """Random weights whose slices have very different norms (so MaxNorm clips some, not all)."""
    w = rng.standard_normal(shape)
    return w * rng.uniform(*spread, size=shape[-1:])


# ---------------------------------------------------------------- constraints: Keras parity
CONSTRAINTS = [cons.NonNeg(), cons.UnitNorm(axis=0), cons.MaxNorm(2, axis=0),
               cons.MaxNorm(max_value=1.5, axis=1), cons.MinMaxNorm(0.5, 1.5, 1.0, axis=0),
               cons.MinMaxNorm(min_value=0.8, max_value=1.2, rate=0.3, axis=-1)]


@pytest.mark.keras
@pytest.mark.parametrize("shape,axis", [((6, 5), 0), ((6, 5), 1), ((6, 5), -1), ((4, 5, 3), 0),
                                        ((4, 5, 3), [0, 1]), ((3, 3, 4, 6), [0, 1, 2]),
                                        ((3, 3, 4, 6), 3)])
@pytest.mark.parametrize("name,args", [("UnitNorm", {}), ("MaxNorm", {"max_value": 2.0}),
                                       ("MaxNorm", {"max_value": 0.7}),
                                       ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0}),
                                       ("MinMaxNorm", {"min_value": 1.0, "max_value": 1.5, "rate": 0.4})])
def test_norm_constraints_equal_keras(keras, rng, shape, axis, name, args):
    w = _weights(rng, shape)
    theirs = _to_numpy(keras, getattr(keras.constraints, name)(axis=axis, **args)(w))
    ours = getattr(cons, name)(axis=axis, **args)(w)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)


@pytest.mark.keras
@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 4)])
def test_nonneg_equals_keras(keras, rng, shape):
    w = rng.standard_normal(shape)
    np.testing.assert_array_equal(cons.NonNeg()(w), _to_numpy(keras, keras.constraints.NonNeg()(w)))


@pytest.mark.keras
@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=repr)
def test_constraint_config_equals_keras(keras, constraint):
    theirs = getattr(keras.constraints, type(constraint).__name__)(**constraint.get_config())
    assert theirs.get_config() == constraint.get_config()


@pytest.mark.keras
@pytest.mark.parametrize("name", ["non_neg", "unit_norm", "max_norm", "min_max_norm", "NonNeg",
                                  "UnitNorm", "MaxNorm", "MinMaxNorm"])
def test_constraint_names_like_keras(keras, name):
    assert type(cons.get(name)).__name__ == type(keras.constraints.get(name)).__name__


# ---------------------------------------------------------------- constraints: properties
def test_nonneg_property(rng):
    w = rng.standard_normal((5, 7))
    out = cons.NonNeg()(w)
    assert (out >= 0).all()
    np.testing.assert_array_equal(out[w >= 0], w[w >= 0])
    assert not np.signbit(out).any()                       # max(w, 0): no negative zeros


@pytest.mark.parametrize("axis", [0, 1, [0, 1]])
def test_unit_norm_property(rng, axis):
    w = _weights(rng, (4, 6, 3))
    norms = np.sqrt(np.sum(cons.UnitNorm(axis)(w) ** 2, axis=tuple(np.atleast_1d(axis))))
    np.testing.assert_allclose(norms, 1.0, rtol=1e-6)


def test_max_norm_property(rng):
    w = _weights(rng, (8, 10))
    before = np.linalg.norm(w, axis=0)
    out = cons.MaxNorm(2.0)(w)
    after = np.linalg.norm(out, axis=0)
    assert (after <= 2.0 + 1e-12).all() and (before > 2).any() and (before < 2).any()
    np.testing.assert_allclose(after[before > 2], 2.0, rtol=1e-6)            # long ones cut to 2
    np.testing.assert_allclose(out[:, before < 2], w[:, before < 2], rtol=1e-6)   # short ones kept
    # the direction of every column is kept: it is a projection onto the ball of radius 2
    cosine = np.sum(out * w, axis=0) / (after * before)
    np.testing.assert_allclose(cosine, 1.0, rtol=1e-12)


def test_min_max_norm_property(rng):
    w = _weights(rng, (8, 10), spread=(0.05, 3.0))
    norms = np.linalg.norm(w, axis=0)
    after = np.linalg.norm(cons.MinMaxNorm(0.5, 1.5)(w), axis=0)
    assert (after >= 0.5 - 1e-6).all() and (after <= 1.5 + 1e-6).all()
    half = np.linalg.norm(cons.MinMaxNorm(0.5, 1.5, rate=0.5)(w), axis=0)
    np.testing.assert_allclose(half, 0.5 * np.clip(norms, 0.5, 1.5) + 0.5 * norms, rtol=1e-6)


def test_constraints_keep_float32(rng):
    w = rng.standard_normal((3, 4)).astype(np.float32)
    for c in CONSTRAINTS:
        assert c(w).dtype == np.float32


def test_constraint_names_and_errors(rng):
    for name, cls in [("maxnorm", cons.MaxNorm), ("nonneg", cons.NonNeg), ("unitnorm", cons.UnitNorm),
                      ("min_max_norm", cons.MinMaxNorm), ("MAX_NORM", cons.MaxNorm)]:
        assert isinstance(cons.get(name), cls)
    c = cons.get({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": [0, 1]}})
    assert c.max_value == 3 and c.axis == [0, 1]
    assert cons.get(None) is None
    fn = lambda w: w * 0   # noqa: E731
    assert cons.get(fn) is fn
    with pytest.raises(ValueError, match=r"Unknown constraint 'max'.* Valid names: max_norm, "):
        cons.get("max")
    with pytest.raises(ValueError, match=r"MaxNorm: axis 2 does not fit a weight of shape \(3, 4\)"):
        cons.MaxNorm(axis=2)(rng.standard_normal((3, 4)))
    with pytest.raises(ValueError, match="UnitNorm: axis 'rows' does not fit"):
        cons.UnitNorm(axis="rows")(rng.standard_normal((3, 4)))


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=repr)
def test_constraint_config_round_trip(constraint, rng):
    again = cons.get(cons.serialize(constraint))
    assert type(again) is type(constraint) and again.get_config() == constraint.get_config()
    w = rng.standard_normal((4, 5))
    np.testing.assert_array_equal(again(w), constraint(w))


# ---------------------------------------------------------------- regularizers: Keras parity
REGULARIZERS = [regs.L1(0.03), regs.L2(0.2), regs.L1L2(0.01, 0.05), regs.L1L2(l1=0.3),
                regs.OrthogonalRegularizer(0.1, "rows"), regs.OrthogonalRegularizer(2.0, "columns")]


@pytest.mark.keras
@pytest.mark.parametrize("reg,shape", [(reg, shape) for reg in REGULARIZERS
                                       for shape in [(5, 4), (3, 7), (2, 3, 4)]
                                       if len(shape) == 2 or not isinstance(reg, regs.OrthogonalRegularizer)],
                         ids=repr)
def test_penalty_equals_keras(keras, rng, reg, shape):
    w = rng.standard_normal(shape)
    theirs_reg = getattr(keras.regularizers, type(reg).__name__)(**reg.get_config())
    theirs = float(_to_numpy(keras, theirs_reg(keras.ops.convert_to_tensor(w))))
    assert reg(w) == pytest.approx(theirs, rel=1e-12)


@pytest.mark.keras
@pytest.mark.parametrize("reg", REGULARIZERS, ids=repr)
def test_gradient_equals_keras_autograd(keras, rng, reg):
    import jax
    w = rng.standard_normal((6, 4))
    theirs_reg = getattr(keras.regularizers, type(reg).__name__)(**reg.get_config())
    theirs = jax.grad(theirs_reg)(jax.numpy.asarray(w))
    assert theirs.dtype == np.float64
    np.testing.assert_allclose(reg.gradient(w), np.asarray(theirs), rtol=1e-10, atol=1e-14)


@pytest.mark.keras
@pytest.mark.parametrize("reg", REGULARIZERS, ids=repr)
def test_regularizer_config_equals_keras(keras, reg):
    theirs = getattr(keras.regularizers, type(reg).__name__)(**reg.get_config())
    assert theirs.get_config() == reg.get_config()


@pytest.mark.keras
@pytest.mark.parametrize("name", ["l1", "l2", "l1l2", "L1", "L2", "L1L2", "OrthogonalRegularizer",
                                  "orthogonal_regularizer"])
def test_regularizer_names_like_keras(keras, name):
    theirs, ours = keras.regularizers.get(name), regs.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()


# ---------------------------------------------------------------- regularizers: exact gradients
def _central_difference(f, w, h=1e-6):
    grad = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        step = np.zeros_like(w)
        step[index] = h
        grad[index] = (f(w + step) - f(w - step)) / (2 * h)
    return grad


@pytest.mark.parametrize("reg", REGULARIZERS, ids=repr)
@pytest.mark.parametrize("shape", [(5, 3), (4, 6)])
def test_gradient_equals_central_difference(rng, reg, shape):
    w = rng.standard_normal(shape)
    w[np.abs(w) < 1e-2] = 0.5                     # |w| has no derivative at 0
    numeric = _central_difference(reg, w)
    analytic = reg.gradient(w)
    assert analytic.shape == w.shape and analytic.dtype == np.float64
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_l1_l2_formulas(rng):
    w = rng.standard_normal((3, 4))
    assert regs.L1(0.3)(w) == pytest.approx(0.3 * np.abs(w).sum())
    assert regs.L2(0.3)(w) == pytest.approx(0.3 * (w ** 2).sum())         # no 1/2
    np.testing.assert_allclose(regs.L2(0.3).gradient(w), 0.6 * w)
    np.testing.assert_allclose(regs.L1(0.3).gradient(w), 0.3 * np.sign(w))
    assert regs.L1(0.3).gradient(np.zeros(3)).tolist() == [0, 0, 0]       # subgradient 0 at 0
    assert regs.L1L2()(w) == 0.0 and regs.L2().l2 == 0.01 and regs.L1().l1 == 0.01
    assert regs.L1(None).l1 == 0.01 and regs.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}


def test_orthogonal_regularizer_values():
    assert regs.OrthogonalRegularizer(1.0)(np.eye(3)) == 0.0               # orthogonal rows
    same = np.ones((3, 4))                                                  # every cosine is 1
    assert regs.OrthogonalRegularizer(1.0)(same) == pytest.approx(1.0)
    assert regs.OrthogonalRegularizer(0.2, "columns")(same.T) == pytest.approx(0.2)
    # a zero row: normalized by max(|w|, 1e-7) as Keras, penalty and gradient stay finite
    w = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 1.0]])
    assert np.isfinite(regs.OrthogonalRegularizer()(w))
    np.testing.assert_allclose(regs.OrthogonalRegularizer().gradient(w),
                               _central_difference(regs.OrthogonalRegularizer(), w, h=1e-9),
                               rtol=1e-5, atol=1e-9)


def test_gradient_keeps_dtype(rng):
    w = rng.standard_normal((4, 3)).astype(np.float32)
    for reg in REGULARIZERS:
        assert reg.gradient(w).dtype == np.float32


# ---------------------------------------------------------------- regularizers: names and errors
def test_regularizer_names():
    assert regs.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}     # Keras 2's l1_l2()
    assert regs.get("l1l2").get_config() == {"l1": 0.0, "l2": 0.0}        # Keras 3's L1L2()
    assert regs.get({"class_name": "l1_l2", "config": {"l2": 0.5}}).get_config() == {"l1": 0.01,
                                                                                   "l2": 0.5}
    assert regs.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5
    assert isinstance(regs.get("orthogonal_regularizer"), regs.OrthogonalRegularizer)
    assert regs.l1_l2 is regs.L1L2 and regs.l2 is regs.L2
    assert regs.get(None) is None
    reg = regs.L2(0.1)
    assert regs.get(reg) is reg and isinstance(regs.get(regs.L1), regs.L1)


@pytest.mark.parametrize("reg", REGULARIZERS, ids=repr)
def test_regularizer_config_round_trip(rng, reg):
    again = regs.get(regs.serialize(reg))
    assert type(again) is type(reg) and again.get_config() == reg.get_config()
    w = rng.standard_normal((4, 3))
    assert again(w) == reg(w)
    assert repr(reg).startswith(type(reg).__name__ + "(")


@pytest.mark.parametrize("make,message", [
    (lambda: regs.L1(-0.1), "L1: l1 must be a non-negative float, got l1=-0.1"),
    (lambda: regs.L2(float("nan")), "L2: l2 must be a non-negative float"),
    (lambda: regs.L1L2(l2=float("inf")), "L1L2: l2 must be a non-negative float"),
    (lambda: regs.L2("0.1"), "L2: l2 must be a non-negative float"),
    (lambda: regs.OrthogonalRegularizer(-1.0), "factor must be a non-negative float"),
    (lambda: regs.OrthogonalRegularizer(mode="diagonal"), "mode must be 'rows' or 'columns'"),
    (lambda: regs.OrthogonalRegularizer()(np.ones(4)), r"expects a 2-D weight, got shape \(4,\)"),
    (lambda: regs.OrthogonalRegularizer()(np.ones((1, 4))), "needs at least 2 rows to compare"),
    (lambda: regs.OrthogonalRegularizer(mode="columns").gradient(np.ones((4, 1))),
     "needs at least 2 columns"),
    (lambda: regs.get("l3"), "Unknown regularizer 'l3'. Valid names: l1, l1_l2, "),
    (lambda: regs.get(0.01), "Could not interpret regularizer identifier: 0.01"),
])
def test_regularizer_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# ---------------------------------------------------------------- how a layer uses them
def test_dense_penalties_gradients_and_constraint(rng):
    layer = el.layers.Dense(3, kernel_regularizer=regs.L1L2(0.01, 0.1), bias_regularizer="l2",
                            activity_regularizer=regs.L2(0.5), kernel_constraint=cons.MaxNorm(1.0),
                            dtype="float64")
    x = rng.standard_normal((8, 4))
    y = layer(x)
    kernel_penalty, bias_penalty, activity_penalty = layer.losses
    assert kernel_penalty == pytest.approx(0.01 * np.abs(layer.kernel).sum()
                                           + 0.1 * (layer.kernel ** 2).sum())
    assert bias_penalty == pytest.approx(0.01 * (layer.bias ** 2).sum())
    assert activity_penalty == pytest.approx(0.5 * (y ** 2).sum() / 8)       # / batch size
    grads = layer.regularization_gradients()
    np.testing.assert_allclose(grads["kernel"], regs.L1L2(0.01, 0.1).gradient(layer.kernel))
    np.testing.assert_allclose(layer.activity_gradient(), 2 * 0.5 * y / 8)
    layer.kernel[...] = 5 * rng.standard_normal(layer.kernel.shape)         # an "update"
    layer.apply_constraints()
    assert (np.linalg.norm(layer.kernel, axis=0) <= 1.0 + 1e-9).all()


@pytest.mark.keras
def test_dense_losses_equal_keras(keras, rng):
    x = rng.standard_normal((8, 4))
    kwargs = dict(kernel_initializer="glorot_uniform", bias_initializer="ones")
    theirs = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L1L2(0.01, 0.1),
                                bias_regularizer="l2",
                                activity_regularizer=keras.regularizers.L2(0.5), **kwargs)
    theirs.build(x.shape)
    theirs(keras.ops.convert_to_tensor(x))
    ours = el.layers.Dense(3, kernel_regularizer=regs.L1L2(0.01, 0.1), bias_regularizer="l2",
                           activity_regularizer=regs.L2(0.5), dtype="float64", **kwargs)
    ours(x)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    ours(x)
    theirs_losses = sorted(float(_to_numpy(keras, v)) for v in theirs.losses)
    np.testing.assert_allclose(sorted(ours.losses), theirs_losses, rtol=1e-10)
    assert math.isclose(sum(ours.losses), sum(theirs_losses), rel_tol=1e-10)


def test_plain_function_regularizer_gets_a_numerical_gradient():
    import warnings

    reg = el.regularizers.get(lambda w: 0.5 * float(np.sum(w ** 3)))
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert reg(w) == pytest.approx(0.5 * np.sum(w ** 3))
    with pytest.warns(UserWarning, match="gradient is computed numerically"):
        g = reg.gradient(w)
    np.testing.assert_allclose(g, 1.5 * w ** 2, rtol=1e-6)
    layer = el.layers.Dense(2, kernel_regularizer=lambda k: float(np.sum(k ** 2)))
    layer(np.ones((1, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(layer.regularization_gradients()["kernel"], 2 * layer.kernel, rtol=1e-4)
