"""Checks for the exercises of notebook 14, merge layers (``el.exercises.check("14.N", answer)``)."""

EXERCISES = {
    "14.1": dict(expected=[4.0, 8.0], atol=1e-9, squeeze=True,
                 hint="the skip gives delta, the branch delta W^T: add them"),
    "14.2": dict(expected=3.0, atol=1e-9,
                 hint="dy/dx_1 is the product of the other inputs"),
    "14.3": dict(expected=[[1.0, 10.0], [-1.0, -10.0]], atol=1e-9, squeeze=True,
                 hint="Add copies delta to every input; the negation flips the sign on the way back"),
    "14.4": dict(expected=(0.25, 0.25, 0.5), atol=1e-9,
                 hint="the outer maximum splits between max(x1, x2) and x3; the inner one splits its half again"),
}
