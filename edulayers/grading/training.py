"""Grading a training run: ``grade_training`` (a trained model must reach a stated accuracy).

The student trains (in their own cells, or in a ``train`` function the grader calls under a
timeout); the grader predicts the test set and checks:

1. ``predicts``: the model gives one finite row of class scores per test sample;
2. ``accuracy``: the test accuracy reaches ``min_accuracy``;
3. ``loss decreases`` (when a ``history`` is given): the training loss is finite and ends lower
   than it started.

A hint comes from the numbers: accuracy at chance level (the model learned nothing: a learning
rate of 0, labels that do not match the images), NaN scores (a learning rate too large), a loss
that went up, or how far below the threshold the accuracy is and which classes are confused most.
"""
from __future__ import annotations

import numpy as np

from .functions import share_points
from .report import Check, GradeReport
from .student import call_student

__all__ = ["grade_training"]


def grade_training(model=None, x_test=None, y_test=None, *, min_accuracy, train=None, history=None,
                   timeout=120.0, points=None, name=None) -> GradeReport:
    """Grade a trained classifier by its test accuracy.

    Args:
        model: the trained model: anything with ``predict(x)`` (an ``el.Model``), or a function
            ``predict(x)`` returning class scores ``(n, classes)`` (or class indices ``(n,)``).
        x_test, y_test: the test set; ``y_test`` class indices ``(n,)`` or one-hot ``(n, classes)``.
        min_accuracy: the test accuracy that passes, e.g. ``0.95``.
        train: instead of ``model``, a function of no arguments that trains and returns the model
            (called under ``timeout``).
        history: the training losses (a list, or a ``History``): adds the ``loss decreases`` check.
        timeout: seconds ``train`` (and the prediction) may take.
        points: the total, shared evenly among the checks, or ``{check name: points}``; None
            (the default): no points.
        name: how the report names the student's model.

    Returns:
        A ``GradeReport`` with the checks ``predicts``, ``accuracy`` (and ``loss decreases``).
    """
    if model is None and train is None:
        raise ValueError("grade_training: give the trained model, or train=a function returning it")
    labels = _labels(np.asarray(y_test))
    report = GradeReport(student=name or "your model", reference=f"accuracy >= {min_accuracy:g}",
                         tol=0.0, inputs=f"{len(labels)} test samples")
    model, trouble = _trained_model(model, train, timeout)
    scores = None
    if trouble is None:
        predicted = call_student(_predict, model, x_test, timeout=timeout, what="predict")
        trouble, scores = (predicted.error, None) if not predicted.ok else (None, predicted.value)
    checks = [_predicts_check(scores, trouble, len(labels))]
    checks.append(_accuracy_check(checks[0], scores, labels, min_accuracy))
    if history is not None:
        checks.append(_loss_check(history))
    report.checks = checks
    share_points(report.checks, points)
    return report


def _labels(y) -> np.ndarray:
    return y.argmax(axis=-1) if y.ndim == 2 else y.astype(np.int64).ravel()


def _trained_model(model, train, timeout):
    """(the model, None) or (None, why there is none)."""
    if train is None:
        return model, None
    trained = call_student(train, timeout=timeout, what="training")
    if not trained.ok:
        return None, trained.error
    if trained.value is None:
        return None, "training returned None: return the trained model"
    return trained.value, None


def _predict(model, x):
    if hasattr(model, "predict"):
        return model.predict(x)
    if callable(model):
        return model(x)
    raise TypeError(f"a {type(model).__name__} is neither a model (with predict) nor a function")


def _predicts_check(scores, trouble, n) -> Check:
    if trouble is not None:
        return Check("predicts", "training", False, message=trouble)
    try:
        s = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError):
        return Check("predicts", "training", False,
                     message=f"the predictions are a {type(scores).__name__}, not an array")
    if s.ndim not in (1, 2) or s.shape[0] != n:
        return Check("predicts", "training", False,
                     message=f"the predictions have shape {s.shape}; expected ({n}, classes) or ({n},)",
                     hint="one row of class scores per test sample")
    if not np.all(np.isfinite(s)):
        return Check("predicts", "training", False,
                     message=f"{int((~np.isfinite(s)).sum())} of {s.size} predicted scores are NaN or inf",
                     hint="the weights diverged during training: a learning rate too large, or a "
                          "loss computed without the log-sum-exp trick")
    return Check("predicts", "training", True)


def _accuracy_check(predicts, scores, labels, min_accuracy) -> Check:
    if not predicts.passed:
        return Check("accuracy", "training", False, message="not measured: " + predicts.message)
    s = np.asarray(scores, dtype=np.float64)
    guesses = s.argmax(axis=-1) if s.ndim == 2 else s.astype(np.int64)
    accuracy = float(np.mean(guesses == labels))
    classes = max(int(labels.max()) + 1, s.shape[-1] if s.ndim == 2 else 0)
    if accuracy >= min_accuracy:
        return Check("accuracy", "training", True, message=f"test accuracy {accuracy:.4f}")
    message = (f"test accuracy {accuracy:.4f} is below {min_accuracy:g} "
               f"({int(np.sum(guesses != labels))} of {len(labels)} test samples wrong)")
    return Check("accuracy", "training", False, message=message,
                 hint=_accuracy_hint(accuracy, guesses, labels, classes))


def _accuracy_hint(accuracy, guesses, labels, classes) -> str:
    values, counts = np.unique(guesses, return_counts=True)
    if len(values) == 1:
        return (f"every test sample is predicted as class {int(values[0])}: the model learned "
                "nothing (a learning rate of 0, gradients that never reach the weights, or labels "
                "that do not match the images)")
    if classes and accuracy < 1.5 / classes:
        return (f"that is chance level (1/{classes}): the model learned nothing useful; check that "
                "the gradients update the weights and that x and y are shuffled together")
    pairs = {}
    for true, guess in zip(labels, guesses):
        if true != guess:
            pairs[(int(true), int(guess))] = pairs.get((int(true), int(guess)), 0) + 1
    (true, guess), count = max(pairs.items(), key=lambda item: item[1])
    return (f"it learns, not enough: train longer or with another learning rate; the most frequent "
            f"mistake is {true} taken for {guess} ({count} times)")


def _loss_check(history) -> Check:
    losses = history.history.get("loss") if hasattr(history, "history") else history
    try:
        losses = np.asarray(losses, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return Check("loss decreases", "training", False,
                     message=f"the history is a {type(history).__name__}, not a list of losses")
    if losses.size < 2:
        return Check("loss decreases", "training", False,
                     message=f"{losses.size} losses recorded: record the loss of every epoch")
    if not np.all(np.isfinite(losses)):
        first = int(np.argmax(~np.isfinite(losses)))
        return Check("loss decreases", "training", False,
                     message=f"the loss is NaN or inf from epoch {first + 1} on",
                     hint="the weights diverged: lower the learning rate")
    if losses[-1] >= losses[0]:
        return Check("loss decreases", "training", False,
                     message=f"the loss went from {losses[0]:.4g} to {losses[-1]:.4g}",
                     hint="the updates go uphill (a sign?) or the learning rate is too large")
    return Check("loss decreases", "training", True,
                 message=f"loss {losses[0]:.4g} -> {losses[-1]:.4g}")
