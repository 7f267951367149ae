"""Checks for the exercises of notebook 03, initializers (``el.exercises.check("03.N", answer)``)."""

EXERCISES = {
    "03.1": dict(expected=2.0 / 288, rtol=1e-6,
                 hint="both are He: Var(w) = 2 / fan_in, and a (3, 3, 32, 64) kernel has fan_in = 3*3*32"),
    "03.2": dict(expected="he_normal", choices=("he_normal", "lecun_normal"),
                 hint="compare [o.std() for o in activation_statistics(init, 'tanh', layers=10)] for both: "
                      "which one stops changing after a few layers?"),
    "03.3": dict(expected=0.9865783925581086, rtol=1e-6,
                 hint="Var = 1 - 2 c phi(c) / (2 Phi(c) - 1) for a unit normal cut at +-c; take its square "
                      "root with c = 3"),
    "03.4": dict(expected=[[216, 432], [216, 432], [72, 144]], atol=1e-9,
                 hint="receptive field 3*3*3 = 27 in Keras 2 and 3; Keras 1 uses only shape[0]*shape[1] = 9; "
                      "then times 8 input and 16 output channels"),
    "03.5": dict(expected=(0.0, 1.0), atol=1e-6,
                 hint="x W for x of length 256 only sees the part of x in the span of W's 64 columns: the "
                      "192 other directions give 0, those in the span keep their length"),
}
