"""Checks for the exercises of notebook 18, a residual network (``el.exercises.check("18.N", answer)``)."""

EXERCISES = {
    "18.1": dict(expected="yes", choices=("yes", "no"),
                 hint="variance 2/n compensates the halving by ReLU: does the signal still shrink with depth?"),
    "18.2": dict(expected=64 * 32 + 32 + 24 * (32 * 32 + 32) + 32 * 10 + 10,
                 hint="the input layer, 2 * BLOCKS hidden Dense(32) layers and the output layer"),
    "18.3": dict(expected=13,
                 hint="the input layer's ReLU, one inside each block and one after each add"),
    "18.4": dict(expected=64 * 32 + 32 + 6 * (2 * (32 * 32 + 32) + 64 * 32 + 32) + 32 * 10 + 10,
                 hint="each block gains a Dense(32) on the 64 concatenated features"),
    "18.5": dict(expected=(3 * 3 * 1 * 8 + 8) + (3 * 3 * 8 * 8 + 8) + (1 * 1 * 1 * 8 + 8),
                 hint="kernel_size * in_channels * filters + filters for each of the three convolutions"),
}
