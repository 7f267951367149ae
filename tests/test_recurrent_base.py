"""The recurrent base: the cell protocol (a student's minimal cell), the RNN time loop and BPTT,
masking, initial and kept states, go_backwards, return_state, dropout masks, config and errors."""
import numpy as np
import pytest

import edulayers as el
from edulayers.layers.recurrent import RNNCell
from edulayers.layers.recurrent.base_rnn import CELLS, masked_matmul, masked_matmul_backward
from twins import as64, assert_gradcheck, assert_paths_agree

L = el.layers


class MinimalCell(RNNCell):
    """The module docstring's example: h_t = tanh(x_t W + h_{t-1} U), step functions only."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size, self.output_size = (units,), units

    def build(self, input_shape):
        self.add_weight("kernel", (input_shape[-1], self.units), "glorot_uniform")
        self.add_weight("recurrent_kernel", (self.units, self.units), "orthogonal")

    def step_forward(self, x_t, states, training=False):
        h_prev = states[0]
        h = np.tanh(x_t @ self.kernel + h_prev @ self.recurrent_kernel)
        return h, [h], (x_t, h_prev, h)

    def step_backward(self, dh, dstates, cache):
        x_t, h_prev, h = cache
        dz = (dh + dstates[0]) * (1 - h ** 2)
        self.grads["kernel"] += x_t.T @ dz
        self.grads["recurrent_kernel"] += h_prev.T @ dz
        return dz @ self.kernel.T, [dz @ self.recurrent_kernel.T]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class TwoStateCell(RNNCell):
    """Two states of different sizes, the output different from both: a running sum s and h."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size, self.output_size = (units, 2), units

    def build(self, input_shape):
        self.add_weight("kernel", (input_shape[-1], self.units), "glorot_uniform")
        self.add_weight("mix", (2, self.units), "glorot_uniform")

    def step_forward(self, x_t, states, training=False):
        h_prev, s_prev = states
        z = x_t @ self.kernel + s_prev @ self.mix + 0.5 * h_prev
        h = np.tanh(z)
        s = s_prev + h[:, :2]
        return 2 * h, [h, s], (x_t, h_prev, s_prev, h)

    def step_backward(self, dout, dstates, cache):
        x_t, h_prev, s_prev, h = cache
        dh_state, ds = dstates
        dh = 2 * dout + dh_state
        dh[:, :2] += ds
        dz = dh * (1 - h ** 2)
        self.grads["kernel"] += x_t.T @ dz
        self.grads["mix"] += s_prev.T @ dz
        return dz @ self.kernel.T, [0.5 * dz, ds + dz @ self.mix.T]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


MASK = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool)


def numpy_rnn(x, kernel, recurrent, h0=None, mask=None, go_backwards=False):
    """The recurrence written out independently: the definition Keras' masking follows."""
    batch, steps, _ = x.shape
    h = np.zeros((batch, kernel.shape[1])) if h0 is None else h0.copy()
    out_prev = np.zeros_like(h)
    outs = []
    for t in (range(steps - 1, -1, -1) if go_backwards else range(steps)):
        new = np.tanh(x[:, t] @ kernel + h @ recurrent)
        if mask is not None:
            keep = mask[:, t][:, None]
            new_out = np.where(keep, new, out_prev)
            h = np.where(keep, new, h)
        else:
            new_out = h = new
        outs.append(new_out)
        out_prev = new_out
    return np.stack(outs, axis=1), h


def test_cells_register_by_class_name():
    assert CELLS["MinimalCell"] is MinimalCell and CELLS["SimpleRNNCell"] is L.SimpleRNNCell


@pytest.mark.parametrize("options", [{}, {"return_sequences": True}, {"go_backwards": True},
                                     {"return_state": True},
                                     {"return_sequences": True, "go_backwards": True, "return_state": True}])
@pytest.mark.parametrize("masked", [False, True])
def test_minimal_cell_gradcheck(rng, options, masked):
    layer = L.RNN(MinimalCell(4), **options)
    assert_gradcheck(layer, rng.standard_normal((3, 5, 3)), mask=MASK if masked else None)


def test_minimal_cell_with_initial_state(rng):
    layer = L.RNN(MinimalCell(4), return_sequences=True, return_state=True)
    x, h0 = rng.standard_normal((3, 5, 3)), rng.standard_normal((3, 4))
    report = assert_gradcheck(layer, [x, h0], mask=MASK)
    assert {t.name for t in report.tensors} == {"dx[0]", "dx[1]", "kernel", "recurrent_kernel"}


def test_two_state_cell_gradcheck(rng):
    layer = L.RNN(TwoStateCell(3), return_sequences=True, return_state=True, go_backwards=True)
    x, h0, s0 = rng.standard_normal((3, 5, 2)), rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    assert_gradcheck(layer, [x, h0, s0], mask=MASK)
    out = layer([x, h0, s0])
    assert [o.shape for o in out] == [(3, 5, 3), (3, 3), (3, 2)]
    assert layer.compute_output_shape((None, 5, 2)) == [(None, 5, 3), (None, 3), (None, 2)]


@pytest.mark.parametrize("go_backwards", [False, True])
def test_loop_matches_the_definition(rng, go_backwards):
    layer = as64(L.RNN(MinimalCell(4), return_sequences=True, return_state=True,
                       go_backwards=go_backwards))
    x, h0 = rng.standard_normal((3, 5, 3)), rng.standard_normal((3, 4))
    seq, h = layer(x, initial_state=[h0], mask=MASK)
    seq_ref, h_ref = numpy_rnn(x, layer.kernel, layer.recurrent_kernel, h0, MASK, go_backwards)
    np.testing.assert_allclose(seq, seq_ref, atol=1e-13)
    np.testing.assert_allclose(h, h_ref, atol=1e-13)
    # the masked outputs repeat the last output; sample 2 is masked after step 0
    if not go_backwards:
        np.testing.assert_array_equal(seq[2, 1:], np.repeat(seq[2, :1], 4, axis=0))


def test_masked_steps_before_the_first_kept_step_output_zeros(rng):
    layer = L.RNN(MinimalCell(3), return_sequences=True)
    seq = layer(rng.standard_normal((3, 5, 2)), mask=MASK)
    assert np.all(seq[1, 0] == 0)


def test_zero_output_for_mask(rng):
    layer = L.RNN(MinimalCell(3), return_sequences=True, zero_output_for_mask=True)
    x = rng.standard_normal((3, 5, 2))
    seq = layer(x, mask=MASK)
    assert np.all(seq[~MASK] == 0) and np.all(seq[MASK] != 0)
    assert_gradcheck(layer, x, mask=MASK)
    last = L.RNN(MinimalCell(3), zero_output_for_mask=True)
    assert np.all(last(x, mask=MASK)[[0, 2]] == 0)      # their last step is masked


def test_fully_masked_sequence_gives_the_initial_state(rng):
    layer = L.RNN(MinimalCell(3), return_state=True)
    x, h0 = rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 3)).astype("float32")
    out, h = layer(x, initial_state=h0, mask=np.zeros((2, 4), bool))
    np.testing.assert_array_equal(h, h0)
    np.testing.assert_array_equal(out, 0)


def test_stateful_keeps_states_between_calls(rng):
    layer = as64(L.RNN(MinimalCell(3), stateful=True))
    x = rng.standard_normal((2, 6, 2))
    whole = as64(L.RNN(MinimalCell(3)))
    whole(x)
    whole.set_weights(layer.get_weights()) if layer.built else None
    layer(x[:, :3])
    layer.set_weights(whole.get_weights())
    layer.reset_states()
    layer(x[:, :3])
    np.testing.assert_allclose(layer(x[:, 3:]), whole(x), atol=1e-13)
    layer.reset_states()
    np.testing.assert_allclose(layer(x[:, :3]), whole(x[:, :3]), atol=1e-13)
    with pytest.raises(ValueError, match=r"stateful RNN keeps states for a batch of 2"):
        layer(x[:1])


def test_reset_states_to_given_values(rng):
    layer = L.RNN(MinimalCell(3), stateful=True, return_state=True)
    x = rng.standard_normal((2, 4, 2))
    layer(x)
    h0 = rng.standard_normal((2, 3))
    layer.reset_states([h0])
    _, h_stateful = layer(x)
    _, h_given = L.RNN(layer.cell, return_state=True)(x, initial_state=[h0])
    np.testing.assert_allclose(h_stateful, h_given, rtol=1e-6)


@pytest.mark.parametrize("options", [{}, {"return_sequences": True, "go_backwards": True},
                                     {"return_state": True}])
def test_reference_path_agrees_with_fast(rng, options):
    layer = as64(L.RNN(L.SimpleRNNCell(4), **options))
    assert_paths_agree(layer, rng.standard_normal((3, 5, 3)))
    x = rng.standard_normal((3, 5, 3))
    y_fast = layer(x, mask=MASK)
    y_ref = layer(x, mask=MASK, path="reference")
    for a, b in zip(y_fast if isinstance(y_fast, list) else [y_fast], y_ref if isinstance(y_ref, list) else [y_ref]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_cell_without_fast_path_uses_the_step_loop(rng):
    assert not MinimalCell(2).has_fast_path and L.SimpleRNNCell(2).has_fast_path
    layer = as64(L.RNN(MinimalCell(4), return_sequences=True))
    assert_paths_agree(layer, rng.standard_normal((2, 5, 3)))


def test_cell_alone_is_one_step(rng):
    cell = as64(MinimalCell(4))
    x_t, h = rng.standard_normal((3, 2)), rng.standard_normal((3, 4))
    h_new, state = cell([x_t, h])
    np.testing.assert_allclose(h_new, np.tanh(x_t @ cell.kernel + h @ cell.recurrent_kernel))
    np.testing.assert_allclose(cell(x_t), np.tanh(x_t @ cell.kernel))
    assert_gradcheck(MinimalCell(4), [x_t, h])
    assert_gradcheck(MinimalCell(4), x_t)
    assert cell.compute_output_shape([(None, 2), (None, 4)]) == [(None, 4), (None, 4)]


def test_the_layer_shares_the_cell_weights(rng):
    cell = MinimalCell(3)
    layer = L.RNN(cell)
    layer(rng.standard_normal((2, 4, 5)))
    assert list(layer.params) == ["kernel", "recurrent_kernel"]
    assert layer.params["kernel"] is cell.kernel
    layer.set_weights([np.ones((5, 3)), np.eye(3)])
    assert np.all(cell.kernel == 1)
    assert layer.count_params() == 5 * 3 + 3 * 3


def test_dropout_masks_are_drawn_once_per_call():
    cell = L.SimpleRNNCell(50, dropout=0.3, recurrent_dropout=0.6, seed=3)
    cell.reset_dropout_masks(400, 40, training=True)
    (m_in,), (m_rec,) = cell.input_masks, cell.recurrent_masks
    assert m_in.shape == (400, 40) and m_rec.shape == (400, 50)
    assert set(np.unique(m_in)) <= {0.0, np.float32(1 / 0.7)}
    assert abs(np.mean(m_in == 0) - 0.3) < 0.01 and abs(np.mean(m_rec == 0) - 0.6) < 0.01
    cell.reset_dropout_masks(400, 40, training=False)
    assert cell.input_masks is None and cell.recurrent_masks is None


@pytest.mark.parametrize("count", [1, 4])
@pytest.mark.parametrize("ndim", [2, 3])
def test_masked_matmul_gradients(rng, count, ndim):
    shape = (5, 3, 4) if ndim == 3 else (3, 4)          # time-major steps, or one step
    x, w = rng.standard_normal(shape), rng.standard_normal((4, 8))
    masks = [rng.integers(0, 2, (3, 4)) * 2.0 for _ in range(count)]
    dz = rng.standard_normal(shape[:-1] + (8,))
    dx, dw = masked_matmul_backward(x, masks, w, dz)
    eps = 1e-6
    for arr, grad in ((x, dx), (w, dw)):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            plus = np.sum(masked_matmul(x, masks, w) * dz)
            arr[idx] = old - eps
            minus = np.sum(masked_matmul(x, masks, w) * dz)
            arr[idx] = old
            num[idx] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-8)


def test_config_round_trip_with_a_custom_cell(rng):
    layer = L.RNN(MinimalCell(4), return_sequences=True, go_backwards=True)
    config = layer.get_config()
    assert config["cell"] == {"class_name": "MinimalCell", "config": layer.cell.get_config()}
    clone = L.RNN(**config)
    assert clone.get_config() == config and isinstance(clone.cell, MinimalCell)


def test_explain_of_a_generic_rnn():
    ex = L.RNN(MinimalCell(4), return_sequences=True).explain((None, 7, 3))
    assert ex.output_shape == (None, 7, 4) and ex.param_count == 3 * 4 + 4 * 4
    assert el.explain.evaluate_arithmetic(ex.param_formula) == ex.param_count
    assert any("masked step keeps the states" in n for n in ex.notes)


def test_errors(rng):
    layer = L.RNN(MinimalCell(3))
    with pytest.raises(ValueError, match=r"RNN 'rnn' expected input of rank 3 \(batch, timesteps, features\)"):
        layer(np.zeros((2, 4)))
    layer(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"RNN 'rnn' expected axis -1 .*size 5.*got shape \(2, 4, 6\)"):
        layer(np.zeros((2, 4, 6)))
    with pytest.raises(ValueError, match=r"expected a mask of shape \(2, 4\) \(batch, timesteps\), got \(2, 3\)"):
        layer(np.zeros((2, 4, 5)), mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match=r"expected initial state 0 of shape \(2, 3\).*got \(2, 4\)"):
        layer(np.zeros((2, 4, 5)), initial_state=[np.zeros((2, 4))])
    with pytest.raises(ValueError, match=r"expected \[x, 1 initial state\(s\)\], got a list of 3"):
        layer([np.zeros((2, 4, 5)), np.zeros((2, 3)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="cell must be an RNNCell"):
        L.RNN(lambda x: x)
    with pytest.raises(ValueError, match="unknown cell class 'NoSuchCell'"):
        L.RNN({"class_name": "NoSuchCell", "config": {}})
    with pytest.raises(ValueError, match=r"stateful=True .* needs a fixed batch size"):
        L.RNN(MinimalCell(3), stateful=True, input_shape=(4, 5))
    seq = L.RNN(MinimalCell(3), return_state=True)
    seq(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match="has 2 outputs: backward expects a list of 2"):
        seq.backward(np.zeros((2, 3)))
    cell = MinimalCell(3)
    with pytest.raises(ValueError, match=r"MinimalCell .*expected state 0 of shape \(2, 3\)"):
        cell([np.zeros((2, 5)), np.zeros((2, 4))])

    class Incomplete(RNNCell):
        state_size, output_size = (2,), 2

        def build(self, input_shape):
            pass

    with pytest.raises(NotImplementedError, match="Incomplete must implement step_forward"):
        L.RNN(Incomplete())(np.zeros((1, 2, 2)))


def test_in_a_sequential_model_with_masking(rng):
    x = rng.standard_normal((3, 5, 2))
    x[0, 3:] = 0.0                                # padding, masked by Masking
    model = el.Sequential([L.Masking(), L.RNN(MinimalCell(3), return_sequences=True)])
    y = model.forward(x)
    assert np.all(y[0, 3:] == y[0, 2])            # masked steps repeat the last output
    # nudging a padded zero would unmask it (the mask is a step function of x): check the weights
    report = el.gradcheck(model, x, tol=1e-6, check_inputs=False)
    assert report.ok, str(report)
    dx = model.backward(np.ones_like(y))
    assert np.all(dx[0, 3:] == 0) and np.all(dx[0, :3] != 0)
