"""Checks for the exercises of notebook 09, Embedding (``el.exercises.check("09.N", answer)``)."""

EXERCISES = {
    "09.1": dict(expected=[[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0],
                           [0.0, 0.0, 0.0]], atol=1e-9,
                 hint="the Dense kernel gradient is onehot(x)^T dy: row i adds the upstream rows of the "
                      "positions holding index i (here index 1 twice, 3 and 0 once each)"),
    "09.2": dict(expected=1.0, atol=1e-9,
                 hint="dE[x] += dy reads dE[x] once, adds, and writes each row back: for a repeated row "
                      "the last write wins, so it holds a single addition"),
    "09.3": dict(expected="yes", choices=("yes", "no"),
                 hint="the label is the sign of (number of positive words - number of negative words): "
                      "can one number per word (+1, -1, 0) and their average give that sign?"),
    "09.4": dict(expected=False, choices=(True, False),
                 hint="Flatten does not use the mask: the Dense layer sees the padding vectors E[0] and "
                      "has a weight for each of them"),
}
