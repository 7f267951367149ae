"""Wrappers (TimeDistributed, Bidirectional): the test tiers, delegation of weights, explain().

TimeDistributed is checked with Dense, Conv2D and a recurrent layer inside (gradcheck on both
paths, reference == fast, Keras 3 parity); Bidirectional with every recurrent layer that exists,
every merge mode, return_sequences on and off, return_state and masks (Keras 3 parity of the
outputs, dx, every weight gradient and count_params).
"""
import copy

import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import as64, assert_gradcheck, assert_paths_agree, compare_with_keras, keras_vjp

L = el.layers
MERGE_MODES = ["concat", "sum", "mul", "ave", None]
RECURRENT = [name for name in ("SimpleRNN", "LSTM", "GRU") if hasattr(L, name)]


# =============================================================================== TimeDistributed
INNER = {
    "dense": (lambda: L.Dense(3, activation="tanh"), (2, 4, 5)),
    "dense_rank4": (lambda: L.Dense(2, activation="sigmoid"), (2, 3, 2, 4)),
    "conv2d": (lambda: L.Conv2D(2, (3, 2), padding="same", activation="relu"), (2, 3, 5, 4, 2)),
    "simple_rnn": (lambda: L.SimpleRNN(3, return_sequences=True), (2, 3, 4, 2)),
    "bidirectional": (lambda: L.Bidirectional(L.SimpleRNN(2, return_sequences=True), merge_mode="mul"),
                      (2, 3, 4, 2)),
}


@pytest.mark.parametrize("case", sorted(INNER))
@pytest.mark.parametrize("path", ["fast", "reference"])
def test_time_distributed_gradcheck(rng, case, path):
    make, shape = INNER[case]
    layer = L.TimeDistributed(make())
    report = assert_gradcheck(layer, rng.standard_normal(shape), path=path, max_checks=40)
    layer.build((None,) + shape[1:])
    assert [t.name for t in report.tensors] == ["dx", *layer.params] and len(layer.params) >= 2


@pytest.mark.parametrize("case", sorted(INNER))
def test_time_distributed_paths_agree(rng, case):
    make, shape = INNER[case]
    assert_paths_agree(as64(L.TimeDistributed(make())), rng.standard_normal(shape))


def test_time_distributed_is_the_layer_at_every_step(rng):
    """Fold and loop are the definition: y[:, t] = f(x[:, t]) with one set of weights."""
    dense = as64(L.Dense(4, activation="tanh"))
    td = L.TimeDistributed(dense)
    x = rng.standard_normal((3, 6, 5))
    y = td(x)
    assert y.shape == (3, 6, 4) and td.count_params() == dense.count_params() == 5 * 4 + 4
    for t in range(6):
        np.testing.assert_allclose(y[:, t], np.tanh(x[:, t] @ dense.kernel + dense.bias), rtol=1e-12)
    # The weight gradient is the sum over time steps of the per-step gradients.
    dy = rng.standard_normal(y.shape)
    td.backward(dy)
    expected = sum(x[:, t].T @ (dy[:, t] * (1 - y[:, t] ** 2)) for t in range(6))
    np.testing.assert_allclose(td.grads["kernel"], expected, rtol=1e-12)


@pytest.mark.keras
@pytest.mark.parametrize("shape", [(2, 4, 5), (2, 3, 2, 5)])
@pytest.mark.parametrize("activation", [None, "relu", "softmax"])
def test_time_distributed_dense_keras_parity(keras, rng, shape, activation):
    theirs = keras.layers.TimeDistributed(keras.layers.Dense(3, activation=activation))
    ours = L.TimeDistributed(L.Dense(3, activation=activation))
    compare_with_keras(ours, theirs, rng.standard_normal(shape))
    assert ours.count_params() == theirs.count_params() == 5 * 3 + 3


@pytest.mark.keras
@pytest.mark.parametrize("padding,strides", [("valid", 1), ("same", 2)])
def test_time_distributed_conv2d_keras_parity(keras, rng, padding, strides):
    theirs = keras.layers.TimeDistributed(keras.layers.Conv2D(3, (3, 2), strides=strides, padding=padding))
    ours = L.TimeDistributed(L.Conv2D(3, (3, 2), strides=strides, padding=padding))
    compare_with_keras(ours, theirs, rng.standard_normal((2, 3, 7, 6, 2)))
    assert ours.count_params() == theirs.count_params()
    assert ours.compute_output_shape((None, 3, 7, 6, 2)) == tuple(theirs.compute_output_shape((None, 3, 7, 6, 2)))


def test_time_distributed_delegates_weights(rng):
    dense = L.Dense(3, kernel_regularizer=el.regularizers.L2(0.1), kernel_constraint="NonNeg",
                    bias_regularizer="l1")
    td = L.TimeDistributed(dense)
    with pytest.raises(ValueError, match="not built"):
        td.count_params()
    td(rng.standard_normal((2, 4, 5)))
    assert list(td.params) == list(td.weights) == ["kernel", "bias"]
    assert td.params["kernel"] is dense.kernel                     # the same arrays, not copies
    assert [w.shape for w in td.get_weights()] == [(5, 3), (3,)]
    new = [np.full((5, 3), -0.5), np.arange(3.0)]
    td.set_weights(new)
    np.testing.assert_array_equal(dense.kernel, -0.5)
    np.testing.assert_array_equal(dense.bias, [0, 1, 2])
    # penalties of the inner weights; constraints applied to them
    assert td.losses == pytest.approx([0.1 * 15 * 0.25, 0.01 * 3.0], rel=1e-6)   # L2(0.1), "l1" = L1(0.01)
    assert set(td.regularization_gradients()) == {"kernel", "bias"}
    td.apply_constraints()
    np.testing.assert_array_equal(dense.kernel, 0.0)
    # trainable=False: no trainable weights, no penalties
    td.trainable = False
    assert td.params == {} and list(td.non_trainable_weights) == ["kernel", "bias"]
    assert td.count_params() == 18 and td.losses == []
    with pytest.raises(ValueError, match=r"expects 2 weight arrays .*got 1"):
        td.set_weights([np.zeros((5, 3))])
    with pytest.raises(ValueError, match=r"weight 'kernel' has shape \(5, 3\), got .*\(3, 5\)"):
        td.set_weights([np.zeros((3, 5)), np.zeros(3)])


def test_time_distributed_dtype_follows_the_inner_layer(rng):
    td = L.TimeDistributed(L.Dense(2))
    y = td(rng.standard_normal((2, 3, 4)).astype(np.float32))
    assert td.dtype == "float32" and y.dtype == np.float32
    assert td.backward(np.ones_like(y)).dtype == np.float32
    td64 = L.TimeDistributed(L.Dense(2, dtype="float64"))
    assert td64.dtype == "float64"
    cast = L.TimeDistributed(L.Dense(2), dtype="float64")          # the wrapper's dtype wins
    assert cast.layer.dtype == "float64" and cast.get_config()["layer"]["config"]["dtype"] == "float64"
    bi = L.Bidirectional(L.SimpleRNN(2), dtype="float64")
    assert bi.forward_layer.dtype == bi.backward_layer.dtype == "float64"
    bi(np.zeros((1, 3, 2), dtype=np.float32))
    assert all(w.dtype == np.float64 for w in bi.get_weights())
    td._set_dtype("float64")
    assert td.layer.dtype == "float64" and td.params["kernel"].dtype == np.float64


def test_time_distributed_trains_in_a_model(rng):
    """The optimizer updates the inner layer's arrays through the wrapper's params/grads."""
    model = el.Sequential([L.TimeDistributed(L.Dense(2), input_shape=(4, 3))])
    model.compile("sgd", "mse")
    x, y = rng.standard_normal((8, 4, 3)), rng.standard_normal((8, 4, 2))
    before = model.layers[0].layer.kernel.copy()
    loss0 = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert not np.allclose(before, model.layers[0].layer.kernel)
    assert model.evaluate(x, y, verbose=0) < loss0
    assert "time_distributed/kernel" in model.params


def test_time_distributed_shared_in_a_functional_model(rng):
    """One wrapper called twice: each call keeps its own cache of the inner layer."""
    inputs = el.Input(shape=(4, 5))
    td = L.TimeDistributed(L.Dense(5, activation="tanh"))
    outputs = td(td(inputs))
    assert_gradcheck(el.Model(inputs, outputs), rng.standard_normal((2, 4, 5)))


def test_time_distributed_masks(rng):
    """Keras 3: the (batch, T) mask is passed to the inner layer slice by slice and passed through."""
    x = rng.standard_normal((2, 3, 4, 2))
    mask = rng.random((2, 3, 4)) > 0.3
    td = as64(L.TimeDistributed(L.SimpleRNN(3, return_sequences=True)))
    y = td(x, mask=mask)
    assert td.output_mask is mask
    inner = td.layer
    for t in range(3):
        np.testing.assert_allclose(y[:, t], inner.forward(x[:, t], mask=mask[:, t]), rtol=1e-12)
    assert_gradcheck(td, x, mask=mask)
    assert_gradcheck(td, x, mask=mask, path="reference")
    dense_td = L.TimeDistributed(L.Dense(2))                    # a layer without masking
    dense_td(rng.standard_normal((2, 3, 4)), mask=np.ones((2, 3), bool))
    assert dense_td.output_mask.shape == (2, 3)
    with pytest.raises(ValueError, match=r"TimeDistributed .*mask of shape \(batch, timesteps\) = \(2, 3\).*got shape \(2, 4\)"):
        dense_td(rng.standard_normal((2, 3, 4)), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match=r"mask of shape .*got shape \(2,\)"):
        dense_td(rng.standard_normal((2, 3, 4)), mask=np.ones(2, bool))


def test_time_distributed_explain():
    td = L.TimeDistributed(L.Dense(8, activation="relu"))
    ex = td.explain((None, 10, 16))
    assert not td.built                                        # explain builds a twin
    assert ex.trace == "(None, 10, 16) -> (None*10, 16) -> (None*10, 8) -> (None, 10, 8)"
    assert ex.param_formula == "16*8 + 8" and ex.param_count == 136
    assert ex.output_shape == td.compute_output_shape((None, 10, 16)) == (None, 10, 8)
    assert r"y_{:,t} = f(x_{:,t})" in ex.formula and r"\mathrm{relu}(xW + b)" in ex.formula
    assert [c.name for c in ex.children] == ["Dense (dense)"]
    assert ex.children[0].trace == "(None, 16) -> (None, 8)"
    assert "fold time into the batch" in str(ex) and "unfold" in ex._repr_markdown_()
    assert any("Keras 3" in n for n in ex.notes)
    # a known batch size folds to a number; a built layer explains another shape through a twin
    td(np.zeros((2, 3, 4)))
    assert td.explain((4, 5, 16)).shape_trace[1].shape == (20, 16)
    assert td.layer.kernel.shape == (4, 8) and td.explain().param_count == 40
    conv = L.TimeDistributed(L.Conv2D(4, 3)).explain((None, 5, 9, 9, 3))
    assert conv.output_shape == (None, 5, 7, 7, 4)
    assert evaluate_arithmetic(conv.param_formula) == conv.param_count == 3 * 3 * 3 * 4 + 4


def test_time_distributed_config_round_trip():
    td = L.TimeDistributed(L.Dense(3, activation="tanh", kernel_initializer="he_normal"), name="td")
    config = td.get_config()
    assert config["layer"]["class_name"] == "Dense" and config["layer"]["config"]["units"] == 3
    for clone in (L.TimeDistributed(**copy.deepcopy(config)),
                  L.TimeDistributed.from_config(copy.deepcopy(config))):
        assert isinstance(clone.layer, L.Dense) and clone.get_config() == config
    conv = L.TimeDistributed(L.Conv2D(2, 3, padding="same"))
    assert L.TimeDistributed.from_config(conv.get_config()).get_config() == conv.get_config()

    class Doubler(el.layers.Layer):              # a student's layer, found by its class name
        def forward(self, x, training=False):
            return 2 * x

        def backward(self, dy):
            return 2 * dy
    wrapped = L.TimeDistributed(Doubler())
    rebuilt = L.TimeDistributed.from_config(wrapped.get_config())
    assert isinstance(rebuilt.layer, Doubler)
    np.testing.assert_array_equal(rebuilt(np.ones((1, 2, 3))), 2)


def test_time_distributed_bad_input(rng):
    with pytest.raises(ValueError, match="TimeDistributed: the wrapped layer must be an edulayers Layer"):
        L.TimeDistributed(lambda x: x)
    with pytest.raises(ValueError, match="unknown layer class 'Nope'"):
        L.TimeDistributed({"class_name": "Nope", "config": {}})
    td = L.TimeDistributed(L.Dense(3))
    with pytest.raises(ValueError, match=r"TimeDistributed .* expected input of rank >= 3 \(batch, "
                                         r"timesteps, \.\.\.\), got shape \(2, 5\)"):
        td(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"TimeDistributed .*each time slice .*\(None, 6\).*Conv2D .* "
                                         r"expected time slice of rank 4"):
        L.TimeDistributed(L.Conv2D(2, 3))(np.zeros((2, 4, 6)))
    with pytest.raises(ValueError, match="TimeDistributed .* needs at least one time step"):
        td(np.zeros((2, 0, 5)))
    with pytest.raises(ValueError, match="TimeDistributed .* takes one input tensor"):
        td([np.zeros((2, 4, 5)), np.zeros((2, 4, 5))])
    with pytest.raises(ValueError, match="TimeDistributed .* returned 2 outputs"):
        L.TimeDistributed(L.SimpleRNN(2, return_state=True))(np.zeros((1, 2, 3, 4)))
    td(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"TimeDistributed .* upstream gradient of shape \(2, 4, 3\)"):
        td.backward(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match=r"Dense 'dense' expected axis -1 .*size 5"):
        td(np.zeros((2, 4, 6)))


# =============================================================================== Bidirectional
def _keras_recurrent(keras, name, units, **kwargs):
    return getattr(keras.layers, name)(units, **kwargs)


def _ours_recurrent(name, units, **kwargs):
    return getattr(L, name)(units, **kwargs)


def compare_bidirectional(ours, theirs, x, mask=None, rtol=1e-10, atol=1e-10):
    """Keras' weights into ours, then output(s), dx and every weight gradient (in get_weights order:
    Keras' variable paths end in the same ``kernel`` for both directions, so match by position)."""
    theirs.build(x.shape)
    r = keras_vjp(theirs, (x,), {} if mask is None else {"mask": mask})
    y_k, dx_k, grads_k, dy = r.y, r.dargs[0], r.grad_list, r.dy
    as64(ours)
    ours.forward(x, mask=mask)
    ours.set_weights(theirs.get_weights())
    y = ours.forward(x, mask=mask)
    dx = ours.backward(dy if isinstance(y, list) else dy)
    ys, yks = (y, y_k) if isinstance(y, list) else ([y], [y_k])
    assert len(ys) == len(yks)
    for i, (a, b) in enumerate(zip(ys, yks)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"output {i}: mine vs theirs")
    np.testing.assert_allclose(dx, dx_k, rtol=rtol, atol=atol, err_msg="dx: mine vs theirs")
    assert len(ours.params) == len(grads_k)
    for name, g in zip(ours.params, grads_k):
        np.testing.assert_allclose(ours.grads[name], g, rtol=rtol, atol=atol, err_msg=f"grads[{name!r}]")
    assert ours.count_params() == theirs.count_params()
    return y


@pytest.mark.keras
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("merge_mode", MERGE_MODES)
@pytest.mark.parametrize("rnn", RECURRENT)
def test_bidirectional_keras_parity(keras, rng, rnn, merge_mode, return_sequences):
    ours = L.Bidirectional(_ours_recurrent(rnn, 4, return_sequences=return_sequences), merge_mode=merge_mode)
    theirs = keras.layers.Bidirectional(_keras_recurrent(keras, rnn, 4, return_sequences=return_sequences),
                                        merge_mode=merge_mode)
    compare_bidirectional(ours, theirs, rng.standard_normal((3, 5, 2)))


@pytest.mark.keras
@pytest.mark.parametrize("merge_mode", ["concat", None])
@pytest.mark.parametrize("rnn", RECURRENT)
def test_bidirectional_return_state_keras_parity(keras, rng, rnn, merge_mode):
    ours = L.Bidirectional(_ours_recurrent(rnn, 3, return_sequences=True, return_state=True),
                           merge_mode=merge_mode)
    theirs = keras.layers.Bidirectional(
        _keras_recurrent(keras, rnn, 3, return_sequences=True, return_state=True), merge_mode=merge_mode)
    y = compare_bidirectional(ours, theirs, rng.standard_normal((2, 4, 3)))
    n_states = len(ours.forward_layer.state_size)
    assert len(y) == (2 if merge_mode is None else 1) + 2 * n_states
    assert [np.shape(v) for v in y] == [tuple(2 if s is None else s for s in shape)
                                        for shape in ours.compute_output_shape((None, 4, 3))]


@pytest.mark.keras
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("rnn", RECURRENT)
def test_bidirectional_mask_keras_parity(keras, rng, rnn, return_sequences):
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 1, 0, 1]], bool)
    ours = L.Bidirectional(_ours_recurrent(rnn, 3, return_sequences=return_sequences), merge_mode="sum")
    theirs = keras.layers.Bidirectional(_keras_recurrent(keras, rnn, 3, return_sequences=return_sequences),
                                        merge_mode="sum")
    compare_bidirectional(ours, theirs, rng.standard_normal((3, 5, 2)), mask=mask)
    assert ours.forward_layer.zero_output_for_mask == ours.backward_layer.zero_output_for_mask == return_sequences
    if return_sequences:
        assert ours.output_mask is mask
    else:
        assert ours.output_mask is None


@pytest.mark.keras
@pytest.mark.parametrize("rnn", RECURRENT)
def test_bidirectional_initial_state_keras_parity(keras, rng, rnn):
    """initial_state: the first half goes to the forward layer; gradients flow into the states."""
    ours = as64(L.Bidirectional(_ours_recurrent(rnn, 3, return_sequences=True), merge_mode="ave"))
    theirs = keras.layers.Bidirectional(_keras_recurrent(keras, rnn, 3, return_sequences=True),
                                        merge_mode="ave")
    x = rng.standard_normal((2, 4, 2))
    n_states = 2 if rnn == "LSTM" else 1
    states = [rng.standard_normal((2, 3)) for _ in range(2 * n_states)]
    theirs.build(x.shape)
    dy = rng.standard_normal((2, 4, 3))
    r = keras_vjp(theirs, (x,), {"initial_state": states}, dy=dy, wrt=("initial_state",))
    ours(x, initial_state=states)
    ours.set_weights(theirs.get_weights())
    y = ours(x, initial_state=states)
    dx, *dstates = ours.backward(dy)
    np.testing.assert_allclose(y, r.y, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, r.dargs[0], rtol=1e-10, atol=1e-10)
    assert len(dstates) == len(r.dkwargs["initial_state"]) == 2 * n_states
    for ours_d, theirs_d in zip(dstates, r.dkwargs["initial_state"]):
        np.testing.assert_allclose(ours_d, theirs_d, rtol=1e-10, atol=1e-10)
    assert len(ours.params) == len(r.grad_list)
    for name, g in zip(ours.params, r.grad_list):
        np.testing.assert_allclose(ours.grads[name], g, rtol=1e-10, atol=1e-10)
    assert_gradcheck(ours, [x, *states], max_checks=30)
    assert_gradcheck(ours, [x, *states], max_checks=30, path="reference")


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("merge_mode", MERGE_MODES)
def test_bidirectional_gradcheck_merge_modes(rng, merge_mode, return_sequences):
    layer = L.Bidirectional(L.SimpleRNN(3, return_sequences=return_sequences), merge_mode=merge_mode)
    x = rng.standard_normal((2, 4, 3))
    report = assert_gradcheck(layer, x)
    assert len(report.tensors) == 1 + 6                  # dx and three weights per direction
    assert_gradcheck(layer, x, path="reference")
    assert_paths_agree(as64(layer), x)


@pytest.mark.parametrize("rnn", RECURRENT)
def test_bidirectional_gradcheck_every_recurrent_layer(rng, rnn):
    layer = L.Bidirectional(_ours_recurrent(rnn, 3, return_sequences=True, return_state=True),
                            merge_mode="mul")
    x = rng.standard_normal((2, 4, 2))
    report = assert_gradcheck(layer, x, max_checks=40)
    assert {t.name for t in report.tensors} >= {"dx", f"forward_{layer.layer.name[8:]}/kernel",
                                                f"backward_{layer.layer.name[8:]}/recurrent_kernel"}
    assert_paths_agree(as64(layer), x)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    assert_gradcheck(L.Bidirectional(_ours_recurrent(rnn, 2, return_sequences=True)), x, mask=mask,
                     max_checks=40)


def test_bidirectional_definition(rng):
    """concat of the forward sequence and the backward layer's outputs reversed in time."""
    bi = as64(L.Bidirectional(L.SimpleRNN(3, return_sequences=True)))
    x = rng.standard_normal((2, 5, 2))
    y = bi(x)
    forward = bi.forward_layer.forward(x)
    backward_in_time = bi.backward_layer.forward(x)[:, ::-1]
    np.testing.assert_allclose(y, np.concatenate([forward, backward_in_time], axis=-1), rtol=1e-12)
    # reading backwards = reading the time-reversed sequence forwards with the same weights
    twin = as64(L.SimpleRNN(3, return_sequences=True))
    twin(x)
    twin.set_weights(bi.backward_layer.get_weights())
    np.testing.assert_allclose(y[:, :, 3:], twin(x[:, ::-1])[:, ::-1], rtol=1e-12)
    last = as64(L.Bidirectional(L.SimpleRNN(3), merge_mode="ave"))
    last(x)
    last.set_weights(bi.get_weights())
    np.testing.assert_allclose(last(x), (y[:, -1, :3] + y[:, 0, 3:]) / 2, rtol=1e-12)


def test_bidirectional_weights():
    bi = L.Bidirectional(L.SimpleRNN(4))
    assert bi.forward_layer.name == "forward_simple_rnn" and bi.backward_layer.name == "backward_simple_rnn"
    assert not bi.forward_layer.go_backwards and bi.backward_layer.go_backwards
    bi.build((None, 6, 3))
    assert list(bi.params) == [f"{d}_simple_rnn/{w}" for d in ("forward", "backward")
                               for w in ("kernel", "recurrent_kernel", "bias")]
    assert bi.count_params() == 2 * (3 * 4 + 4 * 4 + 4)
    ws = [np.full(w.shape, float(i)) for i, w in enumerate(bi.get_weights())]
    bi.set_weights(ws)
    np.testing.assert_array_equal(bi.backward_layer.get_weights()[0], 3.0)
    assert bi.params["backward_simple_rnn/kernel"] is bi.backward_layer.params["kernel"]
    # weights=... loads once built (Keras 1/2 argument), forward half then backward half
    bi2 = L.Bidirectional(L.SimpleRNN(4), weights=ws)
    bi2(np.zeros((1, 6, 3), dtype=np.float32))
    for a, b in zip(bi2.get_weights(), ws):
        np.testing.assert_array_equal(a, b)
    reg = L.Bidirectional(L.SimpleRNN(2, kernel_regularizer="l2", recurrent_constraint="NonNeg"))
    reg(np.ones((1, 3, 2), dtype=np.float32))
    assert len(reg.losses) == 2
    assert set(reg.regularization_gradients()) == {f"{reg.forward_layer.name}/kernel",
                                                   f"{reg.backward_layer.name}/kernel"}
    reg.apply_constraints()
    assert all((w >= 0).all() for n, w in reg.params.items() if "recurrent" in n)


def test_bidirectional_custom_backward_layer(rng):
    forward = L.SimpleRNN(3, return_sequences=True)
    backward = L.SimpleRNN(3, activation="relu", return_sequences=True, go_backwards=True)
    bi = L.Bidirectional(forward, backward_layer=backward)
    assert bi.backward_layer is backward
    assert_gradcheck(bi, rng.standard_normal((2, 4, 2)))
    config = bi.get_config()
    assert config["backward_layer"]["config"]["activation"] == "relu"
    assert L.Bidirectional.from_config(config).get_config() == config


def test_bidirectional_explain():
    for merge_mode, out in (("concat", (None, 6, 8)), ("sum", (None, 6, 4)), ("mul", (None, 6, 4)),
                            ("ave", (None, 6, 4)), (None, [(None, 6, 4), (None, 6, 4)])):
        bi = L.Bidirectional(L.SimpleRNN(4, return_sequences=True), merge_mode=merge_mode)
        ex = bi.explain((None, 6, 3))
        assert ex.output_shape == out == bi.compute_output_shape((None, 6, 3))
        assert ex.param_formula == "2*(3*4 + 4*4 + 4)" and ex.param_count == 64
        assert f"merge_mode={merge_mode!r}" in str(ex)
        assert [c.name.split()[1] for c in ex.children] == [f"({bi.forward_layer.name})",
                                                           f"({bi.backward_layer.name})"]
    last = L.Bidirectional(L.SimpleRNN(4)).explain((None, 6, 3))
    assert last.output_shape == (None, 8) and "forward after x_T, backward after x_1" in str(last)
    assert r"\overleftarrow{h}_{1}" in last.formula
    state = L.Bidirectional(L.SimpleRNN(4, return_state=True)).explain((None, 6, 3))
    assert state.output_shape == [(None, 8), (None, 4), (None, 4)]
    custom = L.Bidirectional(L.SimpleRNN(3), backward_layer=L.SimpleRNN(3, go_backwards=True,
                                                                           use_bias=False))
    ex = custom.explain((None, 5, 2))
    assert ex.param_formula == "(2*3 + 3*3 + 3) + (2*3 + 3*3)"
    assert evaluate_arithmetic(ex.param_formula) == ex.param_count == 33


def test_bidirectional_config_round_trip():
    bi = L.Bidirectional(L.SimpleRNN(3, return_sequences=True, activation="relu"), merge_mode="ave")
    config = bi.get_config()
    assert config["layer"]["class_name"] == "SimpleRNN" and config["merge_mode"] == "ave"
    assert config["layer"]["config"]["name"] == "forward_simple_rnn"
    assert config["backward_layer"]["config"]["go_backwards"] is True
    for clone in (L.Bidirectional(**copy.deepcopy(config)), L.Bidirectional.from_config(config)):
        assert clone.get_config() == config and clone.merge_mode == "ave"
        assert isinstance(clone.forward_layer, L.SimpleRNN) and clone.backward_layer.go_backwards


def test_bidirectional_bad_input(rng):
    with pytest.raises(ValueError, match=r"Bidirectional: layer must be a recurrent layer .*got Dense 'dense'"):
        L.Bidirectional(L.Dense(3))
    with pytest.raises(ValueError, match="Bidirectional: the wrapped layer must be an edulayers Layer instance"):
        L.Bidirectional("lstm")
    with pytest.raises(ValueError, match=r"merge_mode must be one of .*got 'max'"):
        L.Bidirectional(L.SimpleRNN(3), merge_mode="max")
    with pytest.raises(ValueError, match="different go_backwards"):
        L.Bidirectional(L.SimpleRNN(3), backward_layer=L.SimpleRNN(3))
    with pytest.raises(ValueError, match="different go_backwards"):
        L.Bidirectional(L.SimpleRNN(3, go_backwards=True))        # Keras 3 sets go_backwards=True
    with pytest.raises(ValueError, match=r"same return_sequences, got False \(forward\) and True"):
        L.Bidirectional(L.SimpleRNN(3), backward_layer=L.SimpleRNN(3, go_backwards=True,
                                                                   return_sequences=True))
    with pytest.raises(ValueError, match="backward_layer must be a recurrent layer"):
        L.Bidirectional(L.SimpleRNN(3), backward_layer=L.Dense(3))
    bi = L.Bidirectional(L.SimpleRNN(3))
    with pytest.raises(ValueError, match=r"Bidirectional .* expected input of rank 3 .*got shape \(2, 5\)"):
        bi(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="Bidirectional .* needs at least one time step"):
        bi(np.zeros((2, 0, 5)))
    with pytest.raises(ValueError, match=r"expected \[x, 2 initial states\] .*got a list of 2 arrays"):
        bi([np.zeros((2, 4, 5)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"initial state 1 \(of backward_simple_rnn_\d+\) of shape \(2, 3\)"):
        bi(np.zeros((2, 4, 5)), initial_state=[np.zeros((2, 3)), np.zeros((2, 4))])
    bi(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"Bidirectional .*axis -1 .*size 5.*got shape \(2, 4, 6\)"):
        bi(np.zeros((2, 4, 6)))
    with pytest.raises(ValueError, match=r"Bidirectional .* upstream gradient of shape \(2, 6\)"):
        bi.backward(np.zeros((2, 3)))
    with pytest.raises(AttributeError, match="stateful"):
        bi.reset_states()
    pair = L.Bidirectional(L.SimpleRNN(3), merge_mode=None)
    pair(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match="has 2 outputs: backward expects a list of 2"):
        pair.backward(np.zeros((2, 3)))


def test_bidirectional_in_a_model(rng):
    model = el.Sequential([L.Bidirectional(L.SimpleRNN(3, return_sequences=True), input_shape=(5, 2)),
                           L.TimeDistributed(L.Dense(1))])
    assert model.count_params() == 2 * (2 * 3 + 3 * 3 + 3) + 6 * 1 + 1
    assert_gradcheck(model, rng.standard_normal((2, 5, 2)))
    ex = model.explain()
    assert evaluate_arithmetic(ex.param_formula) == ex.param_count == model.count_params()
    text = model.summary(print_fn=None)
    assert "(None, 5, 6)" in text and "(None, 5, 1)" in text
