"""Checks for the exercises of notebook 11, BatchNormalization (``el.exercises.check("11.N", answer)``)."""
import numpy as np


def _backward_matches_the_layer(my_backward) -> bool:
    """``my_backward(x, dy, gamma, epsilon)`` against the layer's training-mode backward."""
    from ..layers import BatchNormalization
    rng = np.random.default_rng(11)
    for shape in ((6, 4), (9, 3)):
        x, dy = rng.normal(2.0, 3.0, shape), rng.normal(size=shape)
        gamma = rng.uniform(0.5, 2.0, shape[1])
        layer = BatchNormalization(dtype="float64")
        layer.build((None, shape[1]))
        layer.set_weights([gamma, np.zeros(shape[1]), np.zeros(shape[1]), np.ones(shape[1])])
        layer(x, training=True)
        expected = layer.backward(dy)
        got = np.asarray(my_backward(x, dy, gamma, layer.epsilon), dtype=float)
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-7, atol=1e-10):
            return False
    return True


def _both_sums_vanish(answer) -> bool:
    """The two per-channel sums; the second is 0 up to a term of order epsilon / variance."""
    sum_dx, sum_xhat_dx = (np.asarray(a, dtype=float) for a in answer)
    return bool(np.all(np.abs(sum_dx) < 1e-9) and np.all(np.abs(sum_xhat_dx) < 1e-3))


EXERCISES = {
    "11.1": dict(test=_both_sums_vanish,
                 hint="sum dx over the batch axis, and x_hat * dx over the batch axis: each is one number "
                      "per channel, and both vanish (the second up to the epsilon in the square root)"),
    "11.2": dict(test=_backward_matches_the_layer,
                 hint="go node by node from the right: dL/ds = sum(g * d), dL/dvar = -s^3/2 * dL/ds, "
                      "dL/dd = g s + dL/dvar * 2d/m, dL/dmu = -sum(dL/dd), dL/dx = dL/dd + dL/dmu / m"),
    "11.3": dict(expected="validation", choices=("training", "validation"),
                 hint="training mode normalizes with the statistics of 4 samples; inference with moving "
                      "averages over many batches: which outputs are noisier?"),
    "11.4": dict(expected=(32 / 31 - 1, 1024 / 1023 - 1), rtol=1e-3,
                 hint="m/(m - 1) - 1 with m the number of values per channel: 32 vectors, or 32*32 pixels"),
    "11.5": dict(expected="yes", choices=("yes", "no"),
                 hint="ReLU's derivative is 1 wherever it is active; the sigmoid's is at most 1/4"),
}
