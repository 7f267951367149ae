"""Checks for the exercises of notebook 21, losses and optimizers (``el.exercises.check("21.N", answer)``)."""
import math

_P = [math.exp(v) / (math.exp(2) + math.exp(1) + 1) for v in (2, 1, 0)]

EXERCISES = {
    "21.1": dict(expected=[_P[0] - 1, _P[1], _P[2]], atol=1e-4, squeeze=True,
                 hint="the gradient with respect to the logits is softmax(z) - y, with y = (1, 0, 0)"),
    "21.2": dict(expected=40.0, rtol=1e-9,
                 hint="max(z, 0) - y z + log(1 + exp(-|z|)) with z = 40, y = 0"),
    "21.3": dict(expected=[-1.0, 0.5, 1.0], atol=1e-9, squeeze=True,
                 hint="Huber's derivative is the error clipped to [-delta, delta]"),
    "21.4": dict(expected=10.0, rtol=1e-6,
                 hint="at the fixed point m = mu m - eta g"),
    "21.5": dict(expected=-0.01, atol=1e-6,
                 hint="after one step m = (1 - b1) g and v = (1 - b2) g^2; with the bias correction the "
                      "step is about eta * sign(g)"),
    "21.6": dict(expected=(0.1 * 0.5 ** 2.5, 0.1 * 0.5 ** 2), rtol=1e-4,
                 hint="eta0 * rate ** (step / decay_steps); the staircase floors the exponent"),
}
