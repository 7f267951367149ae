"""Checks for the exercises of notebook 16, a CNN for small images (``el.exercises.check("16.N", answer)``)."""

EXERCISES = {
    "16.1": dict(expected=64 * 64 + 64 + 64 * 10 + 10,
                 hint="Dense(64) on 64 pixels, then Dense(10) on 64 units: weights plus biases"),
    "16.2": dict(expected=9258 + 4 * 16 + 4 * 32,
                 hint="each BatchNormalization has gamma, beta, moving_mean and moving_variance per channel"),
    "16.3": dict(expected=160 + 4640 + (4 * 4 * 32) * 32 + 32 + 330,
                 hint="without the first pooling the second one leaves 4 x 4 x 32 features for Dense(32)"),
    "16.4": dict(expected=20,
                 hint="among the indices where the prediction is wrong, take the one whose predicted "
                      "class has the largest probability"),
    "16.5": dict(expected="no", choices=("yes", "no"),
                 hint="pooling absorbs shifts only within its windows; Flatten + Dense tie weights to positions"),
}
