"""Checks for the exercises of notebook 02, activations (``el.exercises.check("02.N", answer)``)."""
import math

EXERCISES = {
    "02.1": dict(expected=1 - math.tanh(0.5) ** 2, rtol=1e-9,
                 hint="tanh(x) = 2 sigmoid(2x) - 1, so tanh'(x) = 4 sigmoid'(2x): evaluate sigmoid'(1) and "
                      "multiply by 4"),
    "02.2": dict(expected=[0.9099694253, -0.2447284711, -0.6652409558], rtol=1e-8, squeeze=True,
                 hint="the Jacobian of log_softmax is I - 1 p^T with p = softmax(x): J^T dy = dy - p * sum(dy)"),
    "02.3": dict(expected=(0.006570, 1.1493e-11), rtol=0.02,
                 hint="norms[0] / norms[-1] of gradient_norms('relu', 'glorot_uniform') and of "
                      "gradient_norms('hard_sigmoid', 'glorot_uniform')"),
    "02.4": dict(expected=710,
                 hint="np.exp overflows float64 just above log(1.8e308) = 709.78: try 709 and 710"),
    "02.5": dict(expected=1.0907842487848955, rtol=1e-8,
                 hint="d/dx x sigmoid(beta x) = s + beta x s (1 - s) with s = sigmoid(beta x): at x = 1, beta = 2"),
    "02.6": dict(expected=(0.7, 1.0), atol=1e-9,
                 hint="sparsemax of (x, 0) keeps both entries while |x| < 1: tau = (x - 1)/2 and the first "
                      "output is (x + 1)/2; for x >= 1 only the first survives"),
}
