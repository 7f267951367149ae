"""Checks for the exercises of notebook 04, constraints and regularizers (``el.exercises.check("04.N", answer)``)."""

EXERCISES = {
    "04.1": dict(expected="no", choices=("yes", "no"),
                 hint="UnitNorm maps every column onto the sphere ||w|| = 1: does the segment between two "
                      "points of a sphere stay on the sphere?"),
    "04.2": dict(expected=0.99, atol=1e-12,
                 hint="w - eta * 2 * l2 * w = (1 - 2 eta l2) w, with eta = 0.1 and l2 = 0.05"),
    "04.3": dict(expected=[[0.0, 0.5 ** 0.5, 0.0], [0.5 ** 1.5, -(0.5 ** 1.5), 0.0]], atol=1e-6,
                 hint="the penalty is |n_1 . n_2|; d/dw_1 = sign(rho) (n_2 - rho n_1) / ||w_1||, and the same "
                      "with 1 and 2 swapped, where rho = n_1 . n_2 = 1/sqrt(2)"),
    "04.4": dict(expected=(9, 2), atol=0,
                 hint="count np.abs(layer.kernel) < 1e-2 after the 100 steps, once with L1(0.05) and once "
                      "with L2(0.05); L1's subgradient holds the irrelevant entries at 0, L2 only shrinks them"),
    "04.5": dict(expected=(1.0, 2.0), atol=1e-9,
                 hint="repeating the batch doubles the sum of the activity penalty and doubles the batch "
                      "size; the data loss (a mean) does not change"),
}
