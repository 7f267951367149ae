"""Checks for the exercises of notebook 01, core layers (``el.exercises.check("01.N", answer)``)."""
import numpy as np


def _dense_backward_matches_the_layer(my_backward) -> bool:
    """``my_backward(x, kernel, dy)`` -> ``(dx, dkernel, dbias)`` against a linear Dense's backward."""
    from ..layers import Dense
    rng = np.random.default_rng(1)
    for batch, d_in, d_out in ((3, 4, 5), (7, 2, 1)):
        layer = Dense(d_out, dtype="float64")
        layer.build((None, d_in))
        layer.set_weights([rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)])
        x, dy = rng.normal(size=(batch, d_in)), rng.normal(size=(batch, d_out))
        layer(x)
        expected = (layer.backward(dy), layer.grads["kernel"], layer.grads["bias"])
        got = my_backward(x, layer.kernel.copy(), dy)
        if len(got) != 3:
            return False
        for mine, theirs in zip(got, expected):
            mine = np.asarray(mine, dtype=float)
            if mine.shape != theirs.shape or not np.allclose(mine, theirs, rtol=1e-9, atol=1e-12):
                return False
    return True


EXERCISES = {
    "01.1": dict(test=_dense_backward_matches_the_layer,
                 hint="return (dy @ kernel.T, x.T @ dy, dy.sum(axis=0)): shapes (batch, in), (in, units), "
                      "(units,), each the shape of what it is the gradient of"),
    "01.2": dict(expected=3,
                 hint="each ReLU unit contributes one straight line; the region where the logit is positive "
                      "must be a bounded polygon around the disk: how many sides does the smallest one have?"),
    "01.3": dict(expected=(2.0, 2.0, 1.5, 1.5), atol=1e-9,
                 hint="inverted: E[m x / (1 - p)] = x in training, x at inference; standard: E[m x] = (1 - p) x "
                      "in training, (1 - p) x at inference"),
    "01.4": dict(expected=16,
                 hint="one number per entry of the concrete noise shape: the batch 2, 1 instead of 5 timesteps, "
                      "8 features"),
    "01.5": dict(expected=4,
                 hint="a permutation is its own inverse when applying it twice gives the identity: the identity "
                      "and every single swap of two axes"),
    "01.6": dict(expected=[[3.0, 3.0]], atol=1e-12, squeeze=True,
                 hint="each input entry is read by 3 copies: its gradient is the sum of their 3 gradients"),
    "01.7": dict(expected=(0.3, 0.5), atol=1e-9,
                 hint="train once per l1 of the list; record the first l1 whose accuracy is below 1 and the first "
                      "at which (hidden_codes(layers) > 0).any(axis=0) is False for every unit"),
    "01.8": dict(expected=1.0, atol=1e-6,
                 hint="nudging x[0, 5, 0] by +h or -h makes the padded step non-zero, so it is kept: y[0, 5, 0] "
                      "is +h and then -h"),
}
