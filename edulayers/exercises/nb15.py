"""Checks for the exercises of notebook 15, an MLP for regression (``el.exercises.check("15.N", answer)``)."""

EXERCISES = {
    "15.1": dict(expected="worse", choices=("better", "worse"),
                 hint="the raw columns range from about 1 to 300: one learning rate cannot suit all weights"),
    "15.2": dict(expected="rises", choices=("falls", "rises"),
                 hint="overfitting: the model fits the noise of the training set, which the validation set does not share"),
    "15.3": dict(expected="RMSE", choices=("MAE", "RMSE"),
                 hint="the MAE loss pulls every error equally hard; RMSE is dominated by the large errors"),
    "15.4": dict(expected=11,
                 hint="Dense(1) on 10 features: a weight per feature and a bias"),
    "15.5": dict(expected={"bmi", "s5"},
                 hint="look at the absolute values of kernel[:, 0] and el.datasets.DIABETES_FEATURES"),
}
