"""Checks for the exercises of notebook 08, recurrent layers (``el.exercises.check("08.N", answer)``)."""
import numpy as np


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


def _mgu_cell_is_right(cell_class) -> bool:
    """``cell_class(units)``: a minimal gated unit with ``kernel (d, 2u)`` and ``recurrent_kernel
    (u, 2u)`` (blocks f, candidate; no bias), against the formula and the gradient check."""
    from ..gradcheck import gradcheck
    from ..layers import RNN
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 5, 2))
    layer = RNN(cell_class(3), return_sequences=True)
    y = np.asarray(layer(x), dtype=float)
    weights = [np.asarray(w, dtype=float) for w in layer.get_weights()]
    if [w.shape for w in weights] != [(2, 6), (3, 6)]:
        return False
    W, U = weights
    h, expected = np.zeros((3, 3)), []
    for t in range(5):
        f = _sigmoid(x[:, t] @ W[:, :3] + h @ U[:, :3])
        h = f * h + (1 - f) * np.tanh(x[:, t] @ W[:, 3:] + (f * h) @ U[:, 3:])
        expected.append(h)
    if not np.allclose(y, np.stack(expected, axis=1), rtol=1e-4, atol=1e-5):
        return False
    mask = np.array([[1, 1, 0, 1, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    return bool(gradcheck(layer, x)) and bool(gradcheck(layer, x, mask=mask))


EXERCISES = {
    "08.1": dict(expected=1.5, rtol=1e-6,
                 hint="one step multiplies the gradient by diag(relu'(z)) U^T: relu' is 0 or 1, and every "
                      "singular value of 1.5 times an orthogonal matrix is 1.5"),
    "08.2": dict(expected=float(_sigmoid(-3.0)), rtol=1e-3,
                 hint="the carousel multiplies the cell's gradient by f = sigmoid(z_f) at every step: "
                      "evaluate the sigmoid at -3"),
    "08.3": dict(expected=float(_sigmoid(-5.0)), rtol=1e-3,
                 hint="h_t = o * tanh(c_t) and o = sigmoid(z_o): with z_o = -5 the ratio is sigmoid(-5)"),
    "08.4": dict(test=_mgu_cell_is_right,
                 hint="pass the class itself; weights 'kernel' (d, 2u) and 'recurrent_kernel' (u, 2u), "
                      "blocks [f, candidate], no bias; backward: f reaches h_t directly and through "
                      "f * h_(t-1) inside the candidate; h_(t-1) reaches h_t by three roads: the carry "
                      "f * h_(t-1), the gate f (through U_f), and f * h_(t-1) inside the candidate"),
    "08.5": dict(expected=[219648, 1920128],
                 hint="LSTM: 4*(300*128 + 128*128 + 128); Dense on the flattened sequence: "
                      "50*300 inputs, times 128, plus 128 biases"),
    "08.6": dict(expected=10 / 12, rtol=1e-3,
                 hint="the sum of 10 independent uniform [0, 1) numbers has mean 5 and variance "
                      "10 times 1/12: that is the error of always predicting 5"),
}
