"""Checks for the exercises of notebook 06, pooling (``el.exercises.check("06.N", answer)``)."""
import numpy as np


def _max_pool_backward_is_right(max_pool_backward) -> bool:
    """``max_pool_backward(x, dy, pool, stride)`` on ``(1, rows, cols, 1)`` against the layer, with
    overlapping windows (stride < pool) and without."""
    from ..layers import MaxPooling2D
    rng = np.random.default_rng(6)
    for pool, stride, shape in ((3, 1, (1, 6, 6, 1)), (3, 2, (1, 7, 8, 1)), (2, 2, (1, 6, 6, 1)),
                                (2, 1, (1, 5, 7, 1))):
        x = rng.standard_normal(shape)                 # continuous: no ties
        layer = MaxPooling2D(pool, strides=stride, dtype="float64")
        dy = rng.standard_normal(layer(x).shape)
        expected = layer.backward(dy)
        got = np.asarray(max_pool_backward(x, dy, pool, stride), dtype=float)
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-12, atol=1e-12):
            return False
    return True


EXERCISES = {
    "06.1": dict(expected=[[9, 5, 3, 3], [11, 6, 4, 3]], atol=1e-9,
                 hint="valid: floor((11 - 3)/s) + 1; same: ceil(11/s); for s = 1, 2, 3, 4"),
    "06.2": dict(expected=[1.0, 1.5, 2.5], atol=1e-9, squeeze=True,
                 hint="3 padded cells, 1 before and 2 after; the first window is (pad, 0, 1, 2), and a "
                      "'same' average divides by the real cells only"),
    "06.3": dict(test=_max_pool_backward_is_right,
                 hint="for every window, find its first maximum (np.argmax of the window) and ADD "
                      "dy[0, i, j, 0] to that cell (+=, not =): overlapping windows add"),
    "06.4": dict(expected="top-right", choices=("top-left", "top-right", "bottom-left", "bottom-right"),
                 hint="the first maximum in row-major order: read the window row by row, left to right"),
    "06.5": dict(expected=0.05, rtol=1e-9,
                 hint="one window covers the whole 4x5 map: each of its cells gets 1/(4*5) of the gradient"),
    "06.6": dict(expected=[0.125, 0.171875], atol=1e-9,
                 hint="np.mean(pool(img) != pool(np.roll(img, 1, axis=axis))) for axis 1 (down), then 2 (right)"),
}
