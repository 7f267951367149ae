"""Checks for the exercises of notebook 13, wrappers (``el.exercises.check("13.N", answer)``)."""
import numpy as np


def _mul_backward_is_right(mul_backward) -> bool:
    rng = np.random.default_rng(13)
    dy, h_forward, h_backward = (rng.normal(size=(3, 4)) for _ in range(3))
    got = mul_backward(dy, h_forward, h_backward)
    return (len(got) == 2 and np.allclose(got[0], dy * h_backward, rtol=1e-12)
            and np.allclose(got[1], dy * h_forward, rtol=1e-12))


EXERCISES = {
    "13.1": dict(expected=(None, 5, 16),
                 hint="TimeDistributed applies Flatten to each (4, 4) step: 16 numbers per step, 5 steps"),
    "13.2": dict(expected=False, choices=(True, False),
                 hint="the fast path calls Dropout once on the folded batch, the reference path once per step"),
    "13.3": dict(test=_mul_backward_is_right,
                 hint="y = h_forward * h_backward: each factor gets dy times the other factor"),
    "13.4": dict(expected=236,
                 hint="two different layers: add the LSTM's 4*(3*4 + 4*4 + 4) and the GRU's 3*(3*4 + 4*4) + 2*3*4"),
    "13.5": dict(expected=1,
                 hint="after the spike h_t = tanh(0.2 h_(t-1)): 0.964, then 0.19, then 0.038"),
}
