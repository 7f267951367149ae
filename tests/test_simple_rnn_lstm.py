"""SimpleRNN and LSTM: gradcheck, reference == fast, Keras 3 parity (outputs, dx, every weight
gradient, return_state, masking, go_backwards, return_sequences, initial states, stateful), dropout,
explain, config, Keras 1 arguments and bad input."""
import numpy as np
import pytest

import edulayers as el
from twins import (as64, assert_gradcheck, assert_paths_agree, compare_with_keras, keras_forward_backward,
                   keras_vjp, _close)

L = el.layers
KINDS = ["SimpleRNN", "LSTM"]
MASK = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 1, 1, 1, 1]], bool)
OPTIONS = [{}, {"return_sequences": True}, {"go_backwards": True}, {"return_state": True},
           {"return_sequences": True, "go_backwards": True, "return_state": True}]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("masked", [False, True])
def test_gradcheck(rng, kind, options, masked):
    layer = getattr(L, kind)(3, **options)
    assert_gradcheck(layer, rng.standard_normal((3, 5, 4)), mask=MASK if masked else None)


@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck_initial_state_and_reference_path(rng, kind):
    layer = getattr(L, kind)(3, return_sequences=True, return_state=True)
    n_states = len(layer.state_size)
    inputs = [rng.standard_normal((3, 5, 2))] + [rng.standard_normal((3, 3)) for _ in range(n_states)]
    report = assert_gradcheck(layer, inputs, mask=MASK)
    assert len([t for t in report.tensors if t.name.startswith("dx")]) == 1 + n_states
    assert_gradcheck(layer, inputs, mask=MASK, path="reference")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("options", [{"activation": "relu", "use_bias": False},
                                     {"activation": "softsign"}])
def test_gradcheck_other_activations(rng, kind, options):
    if kind == "LSTM":
        options = {**options, "recurrent_activation": "hard_sigmoid"}
    assert_gradcheck(getattr(L, kind)(3, **options), rng.standard_normal((2, 4, 3)))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("rates", [(0.3, 0.0), (0.0, 0.4), (0.3, 0.4)])
def test_gradcheck_with_dropout_in_training(rng, kind, rates):
    layer = getattr(L, kind)(3, dropout=rates[0], recurrent_dropout=rates[1], seed=5,
                             return_sequences=True)
    assert_gradcheck(layer, rng.standard_normal((3, 5, 4)), training=True)
    # reference == fast with the same masks: both paths draw from the cell's generator, restored
    as64(layer)
    x, dy = rng.standard_normal((3, 5, 4)), rng.standard_normal((3, 5, 3))
    state = layer.cell.rng.bit_generator.state
    results = []
    for path in ("fast", "reference"):
        layer.cell.rng.bit_generator.state = state
        y = layer(x, training=True, path=path)
        results.append((y, layer.backward(dy), dict(layer.grads)))
    (y1, dx1, g1), (y2, dx2, g2) = results
    np.testing.assert_allclose(y1, y2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx1, dx2, rtol=1e-12, atol=1e-12)
    for name in g1:
        np.testing.assert_allclose(g1[name], g2[name], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("options", OPTIONS)
def test_paths_agree(rng, kind, options):
    layer = as64(getattr(L, kind)(5, **options))
    assert_paths_agree(layer, rng.standard_normal((3, 5, 4)))


# ---------------------------------------------------------------- Keras 3 parity
def _keras_layer(keras, kind, **options):
    return getattr(keras.layers, kind)(3, **options)


def _compare_masked(keras, ours, theirs, x, mask, initial_state=None):
    kwargs = {"mask": mask}
    if initial_state is not None:
        kwargs["initial_state"] = initial_state
    r = keras_vjp(theirs, (x,), kwargs, wrt=("initial_state",) if initial_state is not None else ())
    y_k, dx_k, grads_k, dy = r.y, r.dargs[0], r.grads, r.dy
    as64(ours)
    ours(x)
    ours.set_weights(theirs.get_weights())
    y = ours(x, mask=mask, initial_state=initial_state)
    dx = ours.backward(dy)
    _close(y, y_k, 1e-10, 1e-10, "output")
    _close(dx[0] if initial_state is not None else dx, dx_k, 1e-10, 1e-10, "dx")
    for name in ours.grads:
        _close(ours.grads[name], grads_k[name], 1e-10, 1e-10, f"grads[{name!r}]")
    if initial_state is not None:
        assert len(dx[1:]) == len(r.dkwargs["initial_state"]) == len(initial_state)
        for ours_d, theirs_d in zip(dx[1:], r.dkwargs["initial_state"]):
            _close(ours_d, theirs_d, 1e-10, 1e-10, "d initial state")


@pytest.mark.keras
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("options", OPTIONS + [{"use_bias": False, "activation": "relu"}])
def test_keras_parity(keras, rng, kind, options):
    theirs = _keras_layer(keras, kind, **options)
    ours = getattr(L, kind)(3, **options)
    compare_with_keras(ours, theirs, rng.standard_normal((3, 5, 4)))
    assert ours.count_params() == theirs.count_params()
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]


@pytest.mark.keras
def test_keras_parity_lstm_hard_sigmoid(keras, rng):
    # on JAX, as on TensorFlow, hard_sigmoid's slope is 1/6 in float64 (torch's backward rounded
    # it to float32 and agreed to ~1e-7 relative only)
    compare_with_keras(L.LSTM(3, recurrent_activation="hard_sigmoid", activation="softsign"),
                       keras.layers.LSTM(3, recurrent_activation="hard_sigmoid", activation="softsign"),
                       rng.standard_normal((3, 5, 4)), rtol=1e-10, atol=1e-10)


@pytest.mark.keras
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("options", OPTIONS)
def test_keras_parity_masked(keras, rng, kind, options):
    x = rng.standard_normal((3, 5, 4))
    _compare_masked(keras, getattr(L, kind)(3, **options), _keras_layer(keras, kind, **options), x, MASK)


@pytest.mark.keras
@pytest.mark.parametrize("kind", KINDS)
def test_keras_parity_initial_state(keras, rng, kind):
    # the first step processed (the last one, going backwards) is real in every row: see the
    # next test for a masked first step, where Keras' backends disagree
    mask = np.array([[1, 0, 0, 1, 1], [0, 1, 1, 0, 1], [1, 1, 1, 1, 1]], bool)
    options = {"return_sequences": True, "return_state": True, "go_backwards": True}
    ours = getattr(L, kind)(3, **options)
    states = [rng.standard_normal((3, 3)) for _ in ours.state_size]
    _compare_masked(keras, ours, _keras_layer(keras, kind, **options), rng.standard_normal((3, 5, 4)),
                    mask, initial_state=states)


@pytest.mark.parametrize("kind", KINDS)
def test_masked_first_step_outputs_zeros_as_tensorflow(rng, kind):
    """A masked step repeats the previous output; before the first real step there is none.
    Keras 3 on TensorFlow outputs zeros there (its rnn() starts from a zero output), on JAX the
    initial state h0. The reference for numerics is TensorFlow's: zeros, whatever h0 is."""
    layer = as64(getattr(L, kind)(3, return_sequences=True))
    states = [rng.standard_normal((2, 3)) + 5 for _ in layer.state_size]
    mask = np.array([[0, 0, 1, 1], [1, 1, 1, 1]], bool)
    y = layer(rng.standard_normal((2, 4, 4)), mask=mask, initial_state=states)
    np.testing.assert_array_equal(y[0, :2], 0.0)
    assert np.all(y[1] != 0.0) and np.all(y[0, 2:] != 0.0)


@pytest.mark.keras
@pytest.mark.parametrize("kind", KINDS)
def test_keras_parity_masking_layer_in_a_model(keras, rng, kind):
    x = rng.standard_normal((3, 6, 4))
    x[0, 4:] = 0.0
    x[1, :2] = 0.0
    theirs = keras.Sequential([keras.Input((6, 4)), keras.layers.Masking(),
                               getattr(keras.layers, kind)(3, return_sequences=True)])
    ours = el.Sequential([L.Masking(), getattr(L, kind)(3, return_sequences=True)])
    for layer in ours.layers:
        as64(layer)
    ours.forward(x)
    ours.layers[1].set_weights(theirs.layers[1].get_weights())
    np.testing.assert_allclose(ours.forward(x), np.asarray(theirs(x)), rtol=1e-10, atol=1e-10)


@pytest.mark.keras
@pytest.mark.parametrize("kind", KINDS)
def test_keras_parity_stateful_two_calls(keras, rng, kind):
    x1, x2 = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 4, 3))
    theirs = getattr(keras.layers, kind)(3, stateful=True, return_state=True)
    theirs.build((2, 4, 3))
    ours = as64(getattr(L, kind)(3, stateful=True, return_state=True, batch_size=2, input_shape=(4, 3)))
    ours(x1)
    ours.set_weights(theirs.get_weights())
    ours.reset_states()
    for x in (x1, x2, x1):
        y_k = theirs(x)
        y = ours(x)
        for a, b in zip(y, y_k):
            np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10, atol=1e-10)
    theirs.reset_states()
    ours.reset_states()
    np.testing.assert_allclose(ours(x2)[0], np.asarray(theirs(x2)[0]), rtol=1e-10)
    # Backward of a later call treats the kept states as constants (truncated BPTT, as Keras):
    # the same gradients as a stateless layer given those states as initial_state. Keras on JAX
    # differentiates its stateful call directly (the kept states, variables, are constants there).
    kept = [s.copy() for s in ours.states]
    for a, b in zip(kept, theirs.states):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10, atol=1e-10)
    y = ours(x1)
    y_k, dx_k, grads_k, dy = keras_forward_backward(theirs, x1)
    for a, b in zip(y, y_k):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    dx = ours.backward(dy)
    grads = dict(ours.grads)
    np.testing.assert_allclose(dx, dx_k, rtol=1e-10, atol=1e-10)
    for name in grads:
        np.testing.assert_allclose(grads[name], grads_k[name], rtol=1e-10, atol=1e-10)
    for a, b in zip(ours.states, theirs.states):                 # both kept the new final states
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10, atol=1e-10)
    stateless = as64(getattr(L, kind)(3, return_state=True))
    stateless(x1, initial_state=kept)
    stateless.set_weights(ours.get_weights())
    stateless(x1, initial_state=kept)
    dx_given = stateless.backward(dy)
    np.testing.assert_allclose(dx, dx_given[0], rtol=1e-12)
    for name in grads:
        np.testing.assert_allclose(grads[name], stateless.grads[name], rtol=1e-12)


@pytest.mark.keras
def test_keras_parity_lstm_default_initialization(keras):
    ours, theirs = L.LSTM(4), keras.layers.LSTM(4)
    ours.build((None, 5, 3))
    theirs.build((None, 5, 3))
    np.testing.assert_array_equal(ours.get_weights()[2], theirs.get_weights()[2])   # forget block = 1
    assert np.allclose(ours.recurrent_kernel.T @ ours.recurrent_kernel, np.eye(16)[:16, :16], atol=1e-5) \
        or np.allclose(ours.recurrent_kernel @ ours.recurrent_kernel.T, np.eye(4), atol=1e-5)


# ---------------------------------------------------------------- dropout
@pytest.mark.parametrize("kind", KINDS)
def test_input_dropout_is_one_mask_per_sequence(rng, kind):
    """y(training) equals y(inference) on the inputs times the drawn mask, the same at every step."""
    layer = as64(getattr(L, kind)(4, dropout=0.5, seed=1, return_sequences=True))
    x = rng.standard_normal((6, 7, 5))
    y_train = layer(x, training=True)
    (mask,) = layer.cell.input_masks
    assert set(np.unique(mask)) == {0.0, 2.0}
    np.testing.assert_allclose(y_train, layer(x * mask[:, None, :]), rtol=1e-12)


def test_lstm_recurrent_dropout_draws_one_mask_per_gate():
    layer = L.LSTM(30, dropout=0.2, recurrent_dropout=0.3, seed=0)
    layer(np.ones((200, 3, 10)), training=True)
    assert layer.cell.implementation == 1
    assert len(layer.cell.input_masks) == 4 and len(layer.cell.recurrent_masks) == 4
    rec = np.stack(layer.cell.recurrent_masks)
    assert abs(np.mean(rec == 0) - 0.3) < 0.02
    assert not np.array_equal(rec[0], rec[1])


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_is_seeded_and_off_at_inference(rng, kind):
    x = rng.standard_normal((4, 5, 3))
    a = getattr(L, kind)(3, dropout=0.4, recurrent_dropout=0.4, seed=7)
    b = getattr(L, kind)(3, dropout=0.4, recurrent_dropout=0.4, seed=7)
    b(x)
    a(x)
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(a(x, training=True), b(x, training=True))
    assert not np.allclose(a(x, training=True), a(x))           # new masks each call
    np.testing.assert_array_equal(a(x), b(x))


def test_dropout_mean_output_is_unbiased_for_a_linear_rnn():
    """With a linear activation, E[y(training)] = y(inference) over many draws of the input mask."""
    rng = np.random.default_rng(0)
    layer = as64(L.SimpleRNN(3, activation="linear", dropout=0.3, seed=2))
    x = rng.standard_normal((1, 4, 6))
    draws = np.array([layer(x, training=True) for _ in range(4000)])
    standard_error = draws.std(axis=0) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - layer(x)) < 4 * standard_error)


# ---------------------------------------------------------------- explain, config, legacy, errors
def test_explain_lstm():
    ex = L.LSTM(64).explain((None, 50, 32))
    assert ex.param_formula == "4*(32*64 + 64*64 + 64)" and ex.param_count == 24832
    assert el.explain.evaluate_arithmetic(ex.param_formula) == 24832
    assert ex.shape_trace[0].shape == (None, 50, 32) and ex.output_shape == (None, 64)
    assert r"c_t = f \odot c_{t-1} + i \odot \tilde c" in ex.formula
    assert any("gate" in s.description and s.shape == (None, 64) for s in ex.shape_trace)
    ex = L.LSTM(8, return_sequences=True, return_state=True).explain((None, 10, 3))
    assert ex.output_shape == [(None, 10, 8), (None, 8), (None, 8)]
    assert any("i, f, c, o" in n for n in ex.notes)


def test_explain_simple_rnn():
    ex = L.SimpleRNN(4, input_shape=(10, 3)).explain()
    assert ex.param_formula == "3*4 + 4*4 + 4" and ex.param_count == 32
    assert ex.formula == r"h_t = \mathrm{tanh}(x_t W + h_{t-1} U + b)"
    assert ex.trace.startswith("(None, 10, 3)") and ex.trace.endswith("(None, 4)")
    seq = L.SimpleRNN(4, return_sequences=True).explain((None, 10, 3))
    assert seq.output_shape == (None, 10, 4)
    assert L.SimpleRNN(4, use_bias=False).explain((None, 2, 3)).param_formula == "3*4 + 4*4"


@pytest.mark.parametrize("kind", KINDS)
def test_config_round_trip(kind):
    layer = getattr(L, kind)(5, dropout=0.1, recurrent_dropout=0.2, return_sequences=True,
                             go_backwards=True, kernel_regularizer="l2", seed=3)
    config = layer.get_config()
    assert config["units"] == 5 and config["dropout"] == 0.1 and config["go_backwards"] is True
    assert "cell" not in config
    clone = type(layer)(**config)
    assert clone.get_config() == config
    cell = getattr(L, kind + "Cell")(4, activation="relu")
    assert type(cell)(**cell.get_config()).get_config() == cell.get_config()


def test_regularizers_and_constraints_reach_the_layer(rng):
    layer = L.LSTM(3, kernel_regularizer=el.regularizers.L2(0.1), recurrent_constraint="NonNeg")
    layer(rng.standard_normal((2, 4, 3)))
    assert len(layer.losses) == 1 and "kernel" in layer.regularization_gradients()
    layer.recurrent_kernel[...] = -1.0
    layer.apply_constraints()
    assert np.all(layer.recurrent_kernel == 0)


def test_keras1_arguments():
    layer = L.SimpleRNN(output_dim=4, init="he_normal", inner_init="orthogonal", W_regularizer="l2",
                        U_regularizer="l1", b_regularizer="l2", dropout_W=0.1, dropout_U=0.2,
                        input_dim=3)
    assert layer.units == 4 and layer.dropout == 0.1 and layer.recurrent_dropout == 0.2
    assert layer.batch_input_shape == (None, None, 3)                  # (batch, timesteps, input_dim)
    assert L.LSTM(2, input_dim=3, input_length=7).batch_input_shape == (None, 7, 3)
    assert L.LSTM(2, input_dim=3, input_length=7).explain().output_shape == (None, 2)
    lstm = L.LSTM(output_dim=4, forget_bias_init="zero", inner_activation="hard_sigmoid",
                  consume_less="gpu", init="glorot_normal")
    assert not lstm.unit_forget_bias and lstm.recurrent_activation.name == "hard_sigmoid"
    lstm.build((None, 5, 3))
    assert np.all(lstm.bias == 0)


def test_unit_forget_bias():
    layer = L.LSTM(3, bias_initializer="ones", unit_forget_bias=True)
    layer.build((None, 2, 2))
    np.testing.assert_array_equal(layer.bias, np.ones(12))
    layer = L.LSTM(3)
    layer.build((None, 2, 2))
    np.testing.assert_array_equal(layer.bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("kind", KINDS)
def test_bad_input(kind):
    make = getattr(L, kind)
    for units in (0, -2, 2.5, "4", True):
        with pytest.raises(ValueError, match="units must be a positive int"):
            make(units)
    layer = make(3)
    with pytest.raises(ValueError, match=rf"{kind} .* expected input of rank 3 \(batch, timesteps, features\), "
                                         r"got shape \(4, 5\)"):
        layer(np.zeros((4, 5)))
    layer(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=rf"{kind} .*axis -1.*size 5.*got shape \(2, 4, 7\)"):
        layer(np.zeros((2, 4, 7)))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 4\) \(batch, timesteps\), got \(4, 2\)"):
        layer(np.zeros((2, 4, 5)), mask=np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"stateful=True .*fixed batch size"):
        make(3, stateful=True, input_shape=(4, 5))
    with pytest.raises(ValueError, match="dropout must be a float"):
        make(3, dropout="half")
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(2, 3\)"):
        layer.backward(np.zeros((2, 4)))
    with pytest.raises(TypeError, match="unexpected keyword"):
        make(3, nonsense=1)
    with pytest.raises(ValueError, match=rf"{kind}: unknown activation 'tanhh'"):
        make(3, activation="tanhh")


def test_lstm_implementation_argument():
    with pytest.raises(ValueError, match="implementation must be 1 or 2"):
        L.LSTM(3, implementation=3)
    assert L.LSTM(3, implementation=1).cell.dropout_mask_count == 4
    assert L.LSTM(3, dropout=0.2).cell.dropout_mask_count == 1


def test_float32_in_float32_out(rng):
    for kind in KINDS:
        layer = getattr(L, kind)(3, return_state=True)
        out = layer(rng.standard_normal((2, 4, 3)).astype(np.float32))
        assert all(o.dtype == np.float32 for o in out)
        dx = layer.backward([np.ones_like(o) for o in out])
        assert dx.dtype == np.float32
