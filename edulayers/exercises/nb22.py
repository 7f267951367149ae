"""Checks for the exercises of notebook 22, from a Keras tutorial to edulayers (``el.exercises.check("22.N", answer)``)."""
import numpy as np


def _tanh_dense_is_right(cls) -> bool:
    """Build the reader's ``TanhDense(3)`` on a (4, 5) input, give it other weights than its
    initial ones, and ask for tanh(x W) forward and a backward that passes the gradient check."""
    from .. import gradcheck
    from ..layers import Layer

    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        return False
    rng = np.random.default_rng(22)
    x = rng.standard_normal((4, 5))
    layer = cls(3, dtype="float64")
    layer(x)
    kernel = rng.standard_normal((5, 3)) * 0.5
    layer.set_weights([kernel])
    if not np.allclose(layer(x), np.tanh(x @ kernel), rtol=1e-10, atol=1e-12):
        return False
    return bool(gradcheck(layer, x).ok)


EXERCISES = {
    "22.1": dict(expected=669706,
                 hint="each Dense(units) on n inputs has n*units + units weights; Dropout has none: "
                      "784*512 + 512, then 512*512 + 512, then 512*10 + 10"),
    "22.2": dict(expected=(None, 9216),
                 hint="a 3x3 'valid' convolution takes 2 from each side length, MaxPooling2D((2, 2)) "
                      "halves it: 28 -> 26 -> 24 -> 12, times the 64 channels of the last convolution"),
    "22.3": dict(expected=6272,
                 hint="an LSTM has 4 gates, each with a kernel (input_dim, units), a recurrent kernel "
                      "(units, units) and a bias (units,): 4 * (16*32 + 32*32 + 32)"),
    "22.4": dict(test=_tanh_dense_is_right,
                 hint="keep x and y = tanh(xW) in self.cache; with g = dy * (1 - y**2), "
                      "self.grads['kernel'] = x.T @ g and backward returns g @ self.kernel.T"),
    "22.5": dict(expected=4,
                 hint="an epoch improves when val_loss < best - min_delta; after patience epochs "
                      "in a row without an improvement, training stops at the end of that epoch"),
}
