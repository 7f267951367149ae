"""Checks for the exercises of notebook 10, advanced activations (``el.exercises.check("10.N", answer)``)."""

EXERCISES = {
    "10.1": dict(expected=[[2.0, 0.5, 0.0, 1.5]], atol=1e-9,
                 hint="max(x, 0) + a min(x, 0) with a = -1 is |x|: every entry becomes its absolute value"),
    "10.2": dict(expected=[[[-6.0, -4.5]]], atol=1e-9,
                 hint="a_c is used at every batch entry, row and column of channel c: sum delta * min(x, 0) "
                      "over axes 0, 1 and 2, keeping them as size-1 axes"),
    "10.3": dict(expected="slower", choices=("faster", "slower"),
                 hint="dy/da = min(x, 0) is zero for positive inputs: how many samples still teach a?"),
    "10.4": dict(expected=0.006931471805599453, rtol=1e-4,
                 hint="softplus(0) = log 2; then divide by beta"),
    "10.5": dict(expected=1.0, atol=1e-9,
                 hint="right of the knot y = t^r + a^r (x - t^r): differentiate with respect to t^r"),
    "10.6": dict(expected=[[1.0] * 5] * 2, atol=1e-9,
                 hint="sum the layer's output over axes (1, 2): one number per sample and channel, shape (2, 5)"),
}
