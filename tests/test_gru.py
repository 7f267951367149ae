"""GRU and GRUCell: the test tiers (gradcheck, reference == fast, Keras twin, bad input).

One step of the cell (gradcheck of step_backward, both reset_after variants, recurrent dropout
masks; the published equations by hand on both paths), gradcheck of the whole layer in float64 (inputs and every weight; reset_after both ways,
mask, go_backwards, return_state, return_sequences, initial_state, dropout with a seed),
reference == fast, Keras 3 twin for both reset_after values (outputs, dx, every weight gradient,
return_state, masking, go_backwards, stateful over two calls, count_params), dropout statistics,
the cell on its own, explain(), config round trip, Keras 1 arguments and every kind of bad input.
"""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from edulayers.layers.recurrent.base_rnn import masked_matmul
from edulayers.layers.recurrent.gru import GRU, GRUCell
from twins import (as64, assert_gradcheck, assert_paths_agree, compare_with_keras,
                   keras_forward_backward, keras_vjp)

CONFIGS = [dict(), dict(return_sequences=True), dict(go_backwards=True),
           dict(go_backwards=True, return_sequences=True), dict(return_state=True),
           dict(return_sequences=True, return_state=True), dict(use_bias=False),
           dict(activation="relu", recurrent_activation="hard_sigmoid")]


def _numeric_grad(f, array, eps=1e-6):
    grad = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        old = array[idx]
        array[idx] = old + eps
        plus = f()
        array[idx] = old - eps
        minus = f()
        array[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


# ================================================================= one step of the cell
def _cell(reset_after, units=4, input_dim=3, **kwargs):
    cell = as64(GRUCell(units, reset_after=reset_after, bias_initializer="random_normal", **kwargs))
    cell.build((None, input_dim))
    return cell


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("with_masks", [False, True])
def test_step_gradcheck(rng, reset_after, with_masks):
    """step_backward against finite differences, with one recurrent dropout mask per gate."""
    cell = _cell(reset_after, recurrent_dropout=0.5 if with_masks else 0.0, dropout=0.5 if with_masks else 0.0)
    x, h_prev, dh = rng.standard_normal((3, 3)), rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    cell.reset_dropout_masks(3, 3, training=with_masks)
    assert (cell.recurrent_masks is not None) == with_masks

    def loss():
        return float(np.sum(cell.step_forward(x, [h_prev])[0] * dh))

    _, _, step_cache = cell.step_forward(x, [h_prev])
    cell.zero_grads()
    dx, (dh_prev,) = cell.step_backward(dh, [np.zeros_like(dh)], step_cache)
    np.testing.assert_allclose(dx, _numeric_grad(loss, x), atol=1e-8)
    np.testing.assert_allclose(dh_prev, _numeric_grad(loss, h_prev), atol=1e-8)
    for name in ("kernel", "recurrent_kernel", "bias"):
        np.testing.assert_allclose(cell.grads[name], _numeric_grad(loss, cell._weights[name]), atol=1e-8)


def test_step_equations_by_hand(rng):
    """One step against the published equations written out with separate gate matrices."""
    batch, d, u = 2, 3, 2
    x, h = rng.standard_normal((batch, d)), rng.standard_normal((batch, u))
    sig = lambda v: 1 / (1 + np.exp(-v))      # noqa: E731
    after, before = _cell(True, u, d), _cell(False, u, d)
    before.set_weights(after.get_weights()[:2] + [after.get_weights()[2][0]])
    W, U, b = after.get_weights()
    Wz, Wr, Wh = np.split(W, 3, axis=1)
    Uz, Ur, Uh = np.split(U, 3, axis=1)
    (bxz, bxr, bxh), (bhz, bhr, bhh) = np.split(b[0], 3), np.split(b[1], 3)
    z, r = sig(x @ Wz + bxz + h @ Uz + bhz), sig(x @ Wr + bxr + h @ Ur + bhr)
    expected_after = z * h + (1 - z) * np.tanh(x @ Wh + bxh + r * (h @ Uh + bhh))
    # reset_after=False: one bias (the input one), the reset gate scales h before U_h
    z0, r0 = sig(x @ Wz + bxz + h @ Uz), sig(x @ Wr + bxr + h @ Ur)
    expected_before = z0 * h + (1 - z0) * np.tanh(x @ Wh + bxh + (r0 * h) @ Uh)
    for cell, expected in ((after, expected_after), (before, expected_before)):
        for path in ("fast", "reference"):
            got, _ = cell([x, h], path=path)
            np.testing.assert_allclose(got, expected, rtol=1e-12)
        # the fast path of a whole sequence of one step
        layer = as64(GRU(u, reset_after=cell.reset_after))
        layer.build((None, 1, d))
        layer.set_weights(cell.get_weights())
        assert layer.cell.has_fast_path
        np.testing.assert_allclose(layer(x[:, None], initial_state=[h]), expected, rtol=1e-12)


# ================================================================= the layer: gradients and paths
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
def test_gradcheck(rng, reset_after, config):
    x = rng.standard_normal((2, 4, 3))
    assert_gradcheck(GRU(5, reset_after=reset_after, **config), x)
    assert_gradcheck(GRU(5, reset_after=reset_after, **config), x, path="reference")


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
def test_paths_agree(rng, reset_after, config):
    assert_paths_agree(as64(GRU(5, reset_after=reset_after, **config)), rng.standard_normal((3, 6, 4)))


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_mask_gradcheck_and_paths(rng, reset_after, go_backwards):
    x = rng.standard_normal((3, 5, 2))
    mask = np.array([[1, 1, 0, 1, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], bool)
    for path in ("fast", "reference"):
        assert_gradcheck(GRU(3, reset_after=reset_after, go_backwards=go_backwards,
                             return_sequences=True, return_state=True), x, mask=mask, path=path)
    layer = as64(GRU(3, reset_after=reset_after, go_backwards=go_backwards, return_sequences=True))
    dy = rng.standard_normal((3, 5, 3))
    results = []
    for path in ("fast", "reference"):
        y = layer(x, mask=mask, path=path)
        results.append((y, layer.backward(dy), dict(layer.grads)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-12)
    for name in results[0][2]:
        np.testing.assert_allclose(results[0][2][name], results[1][2][name], rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("reset_after", [True, False])
def test_initial_state_gradcheck(rng, reset_after):
    x, h0 = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 5))
    layer = GRU(5, reset_after=reset_after, return_sequences=True)
    report = assert_gradcheck(layer, [x, h0])
    assert {"dx[0]", "dx[1]", "kernel", "recurrent_kernel", "bias"} <= set(report.worst)
    layer = as64(GRU(5, reset_after=reset_after))
    assert_paths_agree(layer, [x, h0])


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("rates", [(0.3, 0.0), (0.0, 0.4), (0.3, 0.4)])
def test_dropout_gradcheck_and_paths(rng, reset_after, rates):
    dropout, recurrent_dropout = rates
    x = rng.standard_normal((3, 4, 3))
    make = lambda: GRU(4, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=5,  # noqa: E731
                       reset_after=reset_after, return_sequences=True)
    assert_gradcheck(make(), x, training=True)
    assert_gradcheck(make(), x, training=True, path="reference")
    # Both paths see the same masks when the generator starts from the same state.
    layer = as64(make())
    dy = rng.standard_normal((3, 4, 4))
    state = layer.cell.rng.bit_generator.state
    y_fast = layer(x, training=True)
    dx_fast, g_fast = layer.backward(dy), dict(layer.grads)
    layer.cell.rng.bit_generator.state = state
    y_ref = layer(x, training=True, path="reference")
    dx_ref, g_ref = layer.backward(dy), dict(layer.grads)
    np.testing.assert_allclose(y_fast, y_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx_fast, dx_ref, rtol=1e-12, atol=1e-12)
    for name in g_fast:
        np.testing.assert_allclose(g_fast[name], g_ref[name], rtol=1e-11, atol=1e-12)
    # Training with dropout differs from inference, which ignores the rates.
    assert not np.allclose(layer(x, training=True), layer(x))


def test_dropout_statistics(rng):
    """Masks: per sequence (same at every step), per gate with recurrent dropout, right rate,
    kept entries scaled by 1/(1 - rate); the mean output over many draws approaches inference's."""
    layer = GRU(6, dropout=0.25, recurrent_dropout=0.5, seed=3, return_sequences=True)
    x = rng.standard_normal((400, 3, 5)).astype(np.float32)
    layer(x, training=True)
    cell = layer.cell
    assert len(cell.input_masks) == 3 and len(cell.recurrent_masks) == 3
    inputs, recurrent = np.stack(cell.input_masks), np.stack(cell.recurrent_masks)
    assert inputs.shape == (3, 400, 5) and recurrent.shape == (3, 400, 6)
    assert set(np.unique(inputs)) <= {0.0, np.float32(1 / 0.75)}
    assert set(np.unique(recurrent)) <= {0.0, 2.0}
    assert abs(np.mean(inputs == 0) - 0.25) < 0.03 and abs(np.mean(recurrent == 0) - 0.5) < 0.03
    assert not np.array_equal(inputs[0], inputs[1])           # one mask per gate
    # Without recurrent dropout: one input mask shared by the three gates (Keras' implementation=2).
    single = GRU(6, dropout=0.25, seed=3)
    single(x, training=True)
    assert len(single.cell.input_masks) == 1 and single.cell.recurrent_masks is None
    # Each call draws new masks; a seed repeats the sequence of draws.
    a, b = GRU(4, dropout=0.5, seed=9), GRU(4, dropout=0.5, seed=9)
    x1 = rng.standard_normal((3, 4, 2))
    a(x1), b(x1)                       # inference calls build and draw nothing
    b.set_weights(a.get_weights())
    ya1 = a(x1, training=True)
    np.testing.assert_array_equal(b(x1, training=True), ya1)
    assert not np.array_equal(a(x1, training=True), ya1)
    # Inverted dropout is unbiased: averaged over many masks, the input projection x W + b
    # equals the inference one.
    cell = as64(GRUCell(3, dropout=0.4, seed=1))
    cell.build((None, 4))
    x2 = np.repeat(rng.standard_normal((1, 4)), 4000, axis=0)
    cell.reset_dropout_masks(4000, 4, True)
    projected = masked_matmul(x2, cell.input_masks, cell.kernel) + cell.bias[0]
    np.testing.assert_allclose(projected.mean(axis=0), x2[0] @ cell.kernel + cell.bias[0], atol=0.06)
    assert np.std(projected, axis=0).min() > 0.01               # the masks really vary


# ================================================================= Keras 3 twin
def _keras_gru(keras, units, **kwargs):
    return keras.layers.GRU(units, **kwargs)


@pytest.mark.keras
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
def test_keras_parity(keras, rng, reset_after, config):
    theirs = _keras_gru(keras, 4, reset_after=reset_after, bias_initializer="random_normal", **config)
    ours = GRU(4, reset_after=reset_after, **config)
    # hard_sigmoid included: on JAX (as on TensorFlow) its slope is 1/6 in float64; torch's
    # backward used 1/6 rounded to float32 and agreed to ~1e-7 only.
    compare_with_keras(ours, theirs, rng.standard_normal((3, 5, 6)), rtol=1e-10, atol=1e-12)
    assert ours.count_params() == theirs.count_params()
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]


@pytest.mark.keras
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_keras_parity_masking(keras, rng, reset_after, go_backwards, return_sequences):
    x = rng.standard_normal((3, 5, 4))
    mask = np.array([[1, 1, 0, 1, 0], [0, 0, 1, 1, 1], [1, 0, 1, 0, 1]], bool)
    theirs = _keras_gru(keras, 3, reset_after=reset_after, go_backwards=go_backwards,
                        return_sequences=return_sequences, return_state=True,
                        bias_initializer="random_normal")
    theirs.build(x.shape)
    y_k, dx_k, grads_k, dy = keras_forward_backward(theirs, x, mask=mask)
    ours = as64(GRU(3, reset_after=reset_after, go_backwards=go_backwards,
                    return_sequences=return_sequences, return_state=True))
    ours.build((None, 5, 4))
    ours.set_weights(theirs.get_weights())
    y = ours(x, mask=mask)
    dx = ours.backward(dy)
    for a, b in zip(y, y_k):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, dx_k, rtol=1e-10, atol=1e-10)
    for name in ("kernel", "recurrent_kernel", "bias"):
        np.testing.assert_allclose(ours.grads[name], grads_k[name], rtol=1e-10, atol=1e-10)


@pytest.mark.keras
@pytest.mark.parametrize("reset_after", [True, False])
def test_keras_parity_stateful_two_calls(keras, rng, reset_after):
    x1, x2 = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 4, 3))
    theirs = _keras_gru(keras, 5, reset_after=reset_after, stateful=True, return_sequences=True,
                        bias_initializer="random_normal")
    theirs.build((2, 4, 3))
    # Keras on JAX differentiates the second stateful call itself: the state kept from the first
    # call (a variable, theirs.states) is a constant for the gradient (truncated BPTT: no gradient
    # into the previous call). A twin started at the first call's final state computes the same.
    y1_k = np.asarray(theirs(x1))
    y2_k, dx_k, grads_k, dy = keras_forward_backward(theirs, x2)
    twin = _keras_gru(keras, 5, reset_after=reset_after, return_sequences=True)
    twin.build((2, 4, 3))
    twin.set_weights(theirs.get_weights())
    y2_twin, dx_twin, grads_twin, _ = keras_forward_backward(twin, x2, dy=dy, initial_state=[y1_k[:, -1]])
    np.testing.assert_allclose(y2_twin, y2_k, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx_twin, dx_k, rtol=1e-12, atol=1e-12)
    for name in ("kernel", "recurrent_kernel", "bias"):
        np.testing.assert_allclose(grads_twin[name], grads_k[name], rtol=1e-12, atol=1e-12)
    ours = as64(GRU(5, reset_after=reset_after, stateful=True, return_sequences=True))
    ours.build((None, 4, 3))
    ours.set_weights(theirs.get_weights())
    y1 = ours(x1)
    y2 = ours(x2)
    dx = ours.backward(dy)
    np.testing.assert_allclose(y1, y1_k, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(y2, y2_k, rtol=1e-10, atol=1e-10)   # started from the first call's state
    fresh = as64(GRU(5, reset_after=reset_after, return_sequences=True))
    fresh.build((None, 4, 3))
    fresh.set_weights(ours.get_weights())
    assert not np.allclose(y2, fresh(x2))
    np.testing.assert_allclose(dx, dx_k, rtol=1e-10, atol=1e-10)
    for name in ("kernel", "recurrent_kernel", "bias"):
        np.testing.assert_allclose(ours.grads[name], grads_k[name], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ours.states[0], np.asarray(theirs.states[0]), rtol=1e-10, atol=1e-10)
    theirs.reset_state()
    ours.reset_states()
    np.testing.assert_allclose(ours(x1), np.asarray(theirs(x1)), rtol=1e-10, atol=1e-10)


@pytest.mark.keras
def test_keras_parity_initial_state(keras, rng):
    x, h0 = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 5))
    theirs = _keras_gru(keras, 5, return_sequences=True, bias_initializer="random_normal")
    theirs.build(x.shape)
    dy = rng.standard_normal((2, 4, 5))
    r = keras_vjp(theirs, (x,), {"initial_state": [h0]}, dy=dy, wrt=("initial_state",))
    ours = as64(GRU(5, return_sequences=True))
    ours.build((None, 4, 3))
    ours.set_weights(theirs.get_weights())
    y = ours(x, initial_state=[h0])
    dx, dh0 = ours.backward(dy)
    np.testing.assert_allclose(y, r.y, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, r.dargs[0], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dh0, r.dkwargs["initial_state"][0], rtol=1e-10, atol=1e-10)


@pytest.mark.keras
@pytest.mark.parametrize("reset_after", [True, False])
def test_keras_parity_cell(keras, rng, reset_after):
    theirs = keras.layers.GRUCell(4, reset_after=reset_after, bias_initializer="random_normal")
    x, h = rng.standard_normal((3, 2)), rng.standard_normal((3, 4))
    theirs.build(x.shape)
    dy = rng.standard_normal((3, 4))
    # the cell returns (output, new state), the same tensor twice: the gradient enters the output
    r = keras_vjp(theirs, (x, h), dy=[dy, np.zeros_like(dy)])
    out, _ = r.y
    cell = as64(GRUCell(4, reset_after=reset_after))
    cell.build((None, 2))
    cell.set_weights(theirs.get_weights())
    y, state = cell([x, h])
    np.testing.assert_allclose(y, out, rtol=1e-10)
    np.testing.assert_array_equal(y, state)
    dx, dh = cell.backward([dy, np.zeros_like(dy)])
    np.testing.assert_allclose(dx, r.dargs[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dh, r.dargs[1], rtol=1e-10, atol=1e-12)
    for name in cell.grads:
        np.testing.assert_allclose(cell.grads[name], r.grads[name], rtol=1e-10, atol=1e-12)


# ================================================================= the cell on its own
@pytest.mark.parametrize("reset_after", [True, False])
def test_cell_gradcheck(rng, reset_after):
    x, h = rng.standard_normal((3, 2)), rng.standard_normal((3, 4))
    assert_gradcheck(GRUCell(4, reset_after=reset_after), [x, h])
    assert_gradcheck(GRUCell(4, reset_after=reset_after), x)
    assert_paths_agree(as64(GRUCell(4, reset_after=reset_after)), [x, h])


# ================================================================= explain, config, Keras 1 names
def test_explain_both_variants():
    ex = GRU(4, input_shape=(10, 8)).explain()
    assert ex.param_formula == "3*(8*4 + 4*4) + 2*3*4" and ex.param_count == 168
    assert evaluate_arithmetic(ex.param_formula) == ex.param_count
    assert r"r_t \odot (h_{t-1} U_h" in ex.formula and "Keras 3 default" in ex.formula
    notes = " ".join(ex.notes)
    assert "reset_after=False (the default from Keras 2.1.5 through 2.3" in notes and "hard_sigmoid" in notes
    assert ex.trace.startswith("(None, 10, 8)") and ex.output_shape == (None, 4)
    old = GRU(4, reset_after=False).explain((None, 10, 8))
    assert old.param_formula == "3*(8*4 + 4*4) + 3*4" and old.param_count == 156
    assert r"(r_t \odot h_{t-1}) U_h" in old.formula and "Keras 2.1.5 through 2.3" in old.formula
    assert "reset_after=True (the Keras 3 default" in " ".join(old.notes)
    assert GRU(4, use_bias=False).explain((None, 10, 8)).param_formula == "3*(8*4 + 4*4)"
    seq = GRU(4, return_sequences=True, return_state=True).explain((None, 7, 3))
    assert seq.output_shape == [(None, 7, 4), (None, 4)]
    assert seq.output_shape == GRU(4, return_sequences=True, return_state=True).compute_output_shape((None, 7, 3))
    assert "$$" in seq._repr_markdown_() and str(seq.param_count) in str(seq)
    cell_ex = GRUCell(4).explain((None, 8))
    assert cell_ex.param_count == 168 and cell_ex.output_shape == (None, 4)


@pytest.mark.keras
@pytest.mark.parametrize("reset_after", [True, False])
def test_count_params_matches_keras(keras, reset_after):
    theirs = keras.layers.GRU(7, reset_after=reset_after)
    theirs.build((None, 5, 3))
    assert GRU(7, reset_after=reset_after).explain((None, 5, 3)).param_count == theirs.count_params()


def test_config_round_trip():
    layer = GRU(3, activation="relu", recurrent_activation="hard_sigmoid", use_bias=False,
                kernel_regularizer=el.regularizers.L2(0.01), recurrent_constraint="max_norm",
                dropout=0.1, recurrent_dropout=0.2, seed=4, return_sequences=True, return_state=True,
                go_backwards=True, stateful=True, reset_after=False, name="g")
    config = layer.get_config()
    assert config["units"] == 3 and config["reset_after"] is False and config["seed"] == 4
    assert config["recurrent_dropout"] == 0.2 and config["go_backwards"] and "cell" not in config
    clone = GRU(**config)
    assert clone.get_config() == config
    assert GRU.from_config(config).get_config() == config
    assert GRU(4).reset_after is True and GRU(4).recurrent_activation.name == "sigmoid"
    cell = GRUCell(2, reset_after=False, dropout=0.3)
    assert GRUCell(**cell.get_config()).get_config() == cell.get_config()


def test_keras1_arguments(rng):
    layer = GRU(output_dim=3, init="he_normal", inner_init="glorot_normal",
                inner_activation="hard_sigmoid", W_regularizer="l2", U_regularizer="l1",
                b_regularizer="l2", dropout_W=0.2, dropout_U=0.1, input_shape=(5, 4),
                consume_less="gpu")
    assert layer.units == 3 and layer.dropout == 0.2 and layer.recurrent_dropout == 0.1
    assert layer.recurrent_activation.name == "hard_sigmoid"
    assert type(layer.kernel_initializer).__name__ == "HeNormal"
    assert type(layer.recurrent_initializer).__name__ == "GlorotNormal"
    assert layer.kernel_regularizer is not None and layer.recurrent_regularizer is not None
    assert layer.batch_input_shape == (None, 5, 4)
    y = layer(rng.standard_normal((2, 5, 4)))
    assert y.shape == (2, 3) and len(layer.losses) == 3
    assert GRU(2, implementation=1).units == 2    # Keras 2's switch, no effect on the result


def test_weights_layout_and_dtype(rng):
    layer = GRU(4)
    y = layer(rng.standard_normal((2, 3, 5)).astype(np.float32))
    assert y.dtype == np.float32
    assert [w.shape for w in layer.get_weights()] == [(5, 12), (4, 12), (2, 12)]
    assert list(layer.params) == ["kernel", "recurrent_kernel", "bias"]
    assert layer.backward(np.ones_like(y)).dtype == np.float32
    old = GRU(4, reset_after=False)
    old(np.zeros((1, 3, 5)))
    assert [w.shape for w in old.get_weights()] == [(5, 12), (4, 12), (12,)]
    # orthogonal recurrent kernel: U^T U = I for the (units, 3*units) matrix's rows
    U = layer.recurrent_kernel.astype(np.float64)
    np.testing.assert_allclose(U @ U.T, np.eye(4), atol=1e-5)


# ================================================================= bad input
def test_bad_arguments():
    with pytest.raises(ValueError, match="GRU: units must be a positive int, got 0"):
        GRU(0)
    with pytest.raises(ValueError, match="GRU: units must be a positive int"):
        GRU(2.5)
    with pytest.raises(ValueError, match=r"GRU: dropout must be a float between 0 and 1.*1.5"):
        GRU(3, dropout=1.5)
    with pytest.raises(ValueError, match=r"GRU: recurrent_dropout must be a float between 0 and 1"):
        GRU(3, recurrent_dropout=-0.1)
    with pytest.raises(ValueError, match="GRU: unknown activation 'tanhh'; did you mean 'tanh'"):
        GRU(3, activation="tanhh")
    with pytest.raises(ValueError, match="GRU: unknown recurrent_initializer 'orthogonall'"):
        GRU(3, recurrent_initializer="orthogonall")
    with pytest.raises(TypeError, match="unexpected keyword"):
        GRU(3, forget_bias=True)
    with pytest.raises(TypeError, match="both 'output_dim'"):
        GRU(units=3, output_dim=3)
    with pytest.raises(ValueError, match="GRUCell .*units must be a positive int"):
        GRUCell(-1)


def test_bad_inputs(rng):
    layer = GRU(3)
    with pytest.raises(ValueError, match=r"GRU 'gru' expected input of rank 3 \(batch, timesteps, features\), got shape \(4, 5\)"):
        layer(np.zeros((4, 5)))
    layer(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"GRU .*axis -1.*size 5.*got shape \(2, 4, 6\)"):
        layer(np.zeros((2, 4, 6)))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 4\).*got \(2, 3\)"):
        layer(np.zeros((2, 4, 5)), mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match=r"initial state 0 of shape \(2, 3\).*got \(2, 4\)"):
        layer(np.zeros((2, 4, 5)), initial_state=[np.zeros((2, 4))])
    layer(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(2, 3\).*got \(2, 4, 3\)"):
        layer.backward(np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match=r"expects 3 weight arrays"):
        layer.set_weights([np.zeros((5, 9)), np.zeros((3, 9))])
    with pytest.raises(ValueError, match=r"weight 'bias' has shape \(2, 9\), got an array of shape \(9,\)"):
        layer.set_weights([np.zeros((5, 9)), np.zeros((3, 9)), np.zeros(9)])   # a Keras 2 bias
    with_state = GRU(3, return_state=True)
    with_state(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match="2 outputs: backward expects a list of 2"):
        with_state.backward(np.zeros((2, 3)))
    stateful = GRU(3, stateful=True)
    stateful(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match="stateful RNN keeps states for a batch of 2"):
        stateful(np.zeros((3, 4, 5)))
    cell = GRUCell(3)
    with pytest.raises(ValueError, match=r"GRUCell .*expected input of rank 2 \(batch, input_dim\)"):
        cell(np.zeros((2, 4, 5)))
    with pytest.raises(RuntimeError, match="call forward before backward"):
        GRU(3).backward(np.zeros((2, 3)))


def test_frozen_layer_still_backpropagates(rng):
    """trainable=False: no weight gradients, but dx flows (a frozen encoder under a trained head)."""
    x = rng.standard_normal((2, 4, 3))
    for path in ("fast", "reference"):
        report = assert_gradcheck(GRU(3, trainable=False, return_sequences=True), x, path=path)
        assert list(report.worst) == ["dx"]
    layer = GRU(3, trainable=False)
    layer(x)
    layer.backward(np.ones((2, 3)))
    assert layer.params == {} and layer.grads == {} and len(layer.get_weights()) == 3
