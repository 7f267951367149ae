"""Checks for the exercises of notebook 17, an LSTM for time series (``el.exercises.check("17.N", answer)``)."""

EXERCISES = {
    "17.1": dict(expected=360 - 6,
                 hint="each window needs lookback inputs and one target from the 360 training months"),
    "17.2": dict(expected=12,
                 hint="one call per month ahead, each on a window that ends with earlier predictions"),
    "17.3": dict(expected="larger", choices=("larger", "smaller"),
                 hint="the network has never produced values beyond the training range"),
    "17.4": dict(expected=4 * (1 * 16 + 16 * 16 + 16) + 4 * (16 * 8 + 8 * 8 + 8) + 8 + 1,
                 hint="the second LSTM reads the 16 features of the first at every step"),
    "17.5": dict(expected=2 * 4 * (1 * 8 + 8 * 8 + 8) + 16 + 1,
                 hint="two LSTM(8), and the Dense(1) reads their 16 concatenated features"),
    "17.6": dict(expected=15,
                 hint="three models, five seeds each"),
}
