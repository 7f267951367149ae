"""Checks for the exercises of notebook 12, noise layers (``el.exercises.check("12.N", answer)``)."""
import math

_ALPHA_P = -1.7580993408473766          # SELU's negative saturation, -lambda * alpha


def _affine(p):
    a = ((1 - p) * (1 + p * _ALPHA_P ** 2)) ** -0.5
    return a, -a * _ALPHA_P * p


EXERCISES = {
    "12.1": dict(expected=(1.0, 0.3 / 0.7), rtol=1e-4,
                 hint="m ~ Bernoulli(1 - p): E[m/(1-p)] = 1 and Var[m/(1-p)] = (1-p)p/(1-p)^2"),
    "12.2": dict(expected=_affine(0.5), rtol=1e-4,
                 hint="Var[m x + alpha'(1 - m)] = (1 - p)(1 + p alpha'^2) for x of mean 0 and variance 1; "
                      "a undoes the variance, b the mean p alpha'"),
    "12.3": dict(expected=_affine(0.2)[0] * 0.8 / math.sqrt(2 * math.pi), rtol=1e-3,
                 hint="E[y] = a((1 - p) E[x] + p alpha') + b, and b cancels the alpha' term"),
    "12.4": dict(expected=0.01, rtol=1e-6,
                 hint="expand E[((x + sigma eps) w - t)^2]: the cross term has mean 0"),
    "12.5": dict(expected=0.03, rtol=1e-6,
                 hint="the variance of U(-w, w) is (2w)^2 / 12"),
}
