"""The course autograder (edulayers.grading): full points for right students, the right failing
check and the right hint for each typical bug, no crash on a broken student, reports that render,
the pytest helper, load_answers; then functions, optimizers and training runs (grade_function,
grade_optimizer, grade_training): each planted bug loses its part's points, with its hint.

The students are written here, as a student would: a Dense and a valid, strided Conv1D.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import edulayers as el
from edulayers import grading
from edulayers.layers import InputSpec, Layer

ROOT = Path(__file__).resolve().parents[1]

DENSE_SHAPES = [(4, 6), (3, 7), (2, 3, 5)]        # odd sizes, and leading axes other than the batch
DENSE_CONFIG = {"units": 5}
CONV_SHAPES = [(2, 9, 3), (3, 8, 2)]
CONV_CONFIG = {"filters": 4, "kernel_size": 3}


# ---------------------------------------------------------------------------- right students
class StudentDense(Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        self.add_weight("kernel", (input_shape[-1], self.units), "glorot_uniform")
        self.add_weight("bias", (self.units,), "zeros")

    def forward(self, x, training=False):
        self.cache = x
        return x @ self.kernel + self.bias

    def backward(self, dy):
        x = self.cache
        x2, dy2 = x.reshape(-1, x.shape[-1]), dy.reshape(-1, self.units)
        self.grads["kernel"] = x2.T @ dy2
        self.grads["bias"] = dy2.sum(axis=0)
        return dy @ self.kernel.T


class StudentConv1D(Layer):
    """'valid' padding, any stride, channels_last."""

    def __init__(self, filters, kernel_size, strides=1, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = filters, kernel_size, strides
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        self.add_weight("kernel", (self.kernel_size, input_shape[-1], self.filters), "glorot_uniform")
        self.add_weight("bias", (self.filters,), "zeros")

    def compute_output_shape(self, input_shape):
        steps = (input_shape[1] - self.kernel_size) // self.strides + 1
        return (input_shape[0], steps, self.filters)

    def forward(self, x, training=False):
        steps = (x.shape[1] - self.kernel_size) // self.strides + 1
        y = np.zeros((x.shape[0], steps, self.filters))
        for i in range(steps):
            window = x[:, i * self.strides:i * self.strides + self.kernel_size, :]
            y[:, i, :] = np.tensordot(window, self.kernel, axes=2) + self.bias
        self.cache = x
        return y

    def backward(self, dy):
        x = self.cache
        dx, dkernel = np.zeros_like(x), np.zeros_like(self.kernel)
        for i in range(dy.shape[1]):
            window = slice(i * self.strides, i * self.strides + self.kernel_size)
            dkernel += np.tensordot(x[:, window, :], dy[:, i, :], axes=(0, 0))
            dx[:, window, :] += np.tensordot(dy[:, i, :], self.kernel, axes=(1, 2))
        self.grads["kernel"] = dkernel
        self.grads["bias"] = dy.sum(axis=(0, 1))
        return dx


def grade_dense(student, **kwargs):
    return grading.grade_layer(student, el.layers.Dense, DENSE_SHAPES, config=DENSE_CONFIG, **kwargs)


def grade_conv(student, **kwargs):
    config = {**CONV_CONFIG, **kwargs.pop("config", {})}
    return grading.grade_layer(student, el.layers.Conv1D, CONV_SHAPES, config=config, **kwargs)


def test_right_dense_gets_full_points_on_both_paths():
    report = grade_dense(StudentDense, paths=("fast", "reference"))
    assert report.passed, str(report)
    assert report.points == report.max_points == 10
    names = {c.name for c in report.checks}
    assert {"build", "output_shape", "forward", "dx", "grads[kernel]", "grads[bias]", "gradcheck",
            "forward [reference]", "grads[bias] [reference]"} <= names
    assert all(c.error is None or c.error < 1e-9 for c in report.checks)


@pytest.mark.parametrize("strides", [1, 2])
def test_right_conv1d_gets_full_points(strides):
    report = grade_conv(StudentConv1D, config={"strides": strides})
    assert report.passed and report.points == 10, str(report)


def test_template_instances_and_factories_are_accepted():
    built = StudentDense(5)
    built(np.zeros((2, 6)))                       # built for 6 features; graded on 7 too
    report = grading.grade_layer(built, el.layers.Dense(5), [(3, 6), (2, 7)])
    assert report.passed, str(report)
    report = grading.grade_layer(lambda: StudentDense(5), lambda: el.layers.Dense(5), (3, 7))
    assert report.passed and report.input_shapes == [(3, 7)]


def test_grading_is_repeatable_and_leaves_templates_alone():
    template = StudentDense(5)
    first, second = (str(grading.grade_layer(template, el.layers.Dense(5), [(3, 7)], seed=4))
                     for _ in range(2))
    assert first == second and not template.built


# ---------------------------------------------------------------------------- typical bugs
class NoBiasGradient(StudentDense):
    def backward(self, dy):
        x = self.cache
        self.grads["kernel"] = x.reshape(-1, x.shape[-1]).T @ dy.reshape(-1, self.units)
        return dy @ self.kernel.T


class TransposedKernelGradient(StudentDense):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["kernel"] = self.grads["kernel"].T          # dy.T @ x
        return dx


class DxDoubled(StudentDense):
    def backward(self, dy):
        dx = super().backward(dy)
        return dx + dy @ self.kernel.T


class DxSignFlipped(StudentDense):
    def backward(self, dy):
        return -super().backward(dy)


class BiasGradientAveraged(StudentDense):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["bias"] = dy.reshape(-1, self.units).mean(axis=0)
        return dx


class WrongOutputShape(StudentDense):
    def forward(self, x, training=False):
        self.cache = x
        return (x @ self.kernel + self.bias)[..., :3]


class ForwardRaises(StudentDense):
    def forward(self, x, training=False):
        raise NotImplementedError("forward is not written yet")


class BackwardReturnsNone(StudentDense):
    def backward(self, dy):
        super().backward(dy)                                   # forgot `return`


class ForwardLeavesNaN(StudentDense):
    def forward(self, x, training=False):
        self.cache = x
        y = np.full(x.shape[:-1] + (self.units,), np.nan)
        for j in range(self.units - 1):                        # off by one: misses the last unit
            y[..., j] = x @ self.kernel[:, j] + self.bias[j]
        return y


class ForwardForgetsBias(StudentDense):
    def forward(self, x, training=False):
        self.cache = x
        return x @ self.kernel


class KernelGradientMissesLastUnit(StudentDense):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["kernel"][:, -1] = 0.0
        return dx


class KernelStoredTransposed(StudentDense):
    def build(self, input_shape):
        self.add_weight("kernel", (self.units, input_shape[-1]), "glorot_uniform")
        self.add_weight("bias", (self.units,), "zeros")


class NoBiasWeight(StudentDense):
    def build(self, input_shape):
        self.add_weight("kernel", (input_shape[-1], self.units), "glorot_uniform")

    def forward(self, x, training=False):
        self.cache = x
        return x @ self.kernel


class WeightsAsPlainAttributes(Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.W = np.zeros((input_shape[-1], self.units))

    def forward(self, x, training=False):
        return x @ self.W


class ConstructorRejectsArguments(Layer):
    def __init__(self, **kwargs):                              # forgot the units argument
        super().__init__(**kwargs)


class FlippedConvolution(StudentConv1D):
    def forward(self, x, training=False):
        kernel = self._weights["kernel"]
        self._weights["kernel"] = kernel[::-1].copy()          # convolution, not correlation
        try:
            return super().forward(x)
        finally:
            self._weights["kernel"] = kernel


class ConvDxOverwritten(StudentConv1D):
    def backward(self, dy):
        x = self.cache
        dx, dkernel = np.zeros_like(x), np.zeros_like(self.kernel)
        for i in range(dy.shape[1]):
            window = slice(i * self.strides, i * self.strides + self.kernel_size)
            dkernel += np.tensordot(x[:, window, :], dy[:, i, :], axes=(0, 0))
            dx[:, window, :] = np.tensordot(dy[:, i, :], self.kernel, axes=(1, 2))   # = not +=
        self.grads["kernel"] = dkernel
        self.grads["bias"] = dy.sum(axis=(0, 1))
        return dx


class ConvBiasGradientKeepsSteps(StudentConv1D):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["bias"] = dy.sum(axis=0)                    # (steps, filters)
        return dx


# (student, grader, checks that must fail, words of the message or hint of the first of them)
BUGS = [
    (NoBiasGradient, grade_dense, {"grads[bias]"}, "backward did not set grads['bias']"),
    (TransposedKernelGradient, grade_dense, {"grads[kernel]"}, "exactly the transpose"),
    (DxDoubled, grade_dense, {"dx"}, "dx is off by a factor ~2: did you add the gradient twice?"),
    (DxSignFlipped, grade_dense, {"dx"}, "sign flipped"),
    (BiasGradientAveraged, grade_dense, {"grads[bias]"}, "divided by the batch size"),
    (WrongOutputShape, grade_dense, {"output_shape", "forward", "dx"}, "output shape (4, 3), expected (4, 5)"),
    (ForwardRaises, grade_dense, {"output_shape", "forward", "dx"}, "NotImplementedError: forward is not written yet"),
    (BackwardReturnsNone, grade_dense, {"dx"}, "backward returned None"),
    (ForwardLeavesNaN, grade_dense, {"forward"}, "NaN in 4 of 20 entries"),
    (ForwardForgetsBias, grade_dense, {"forward"}, "ignores the weight 'bias'"),
    (KernelGradientMissesLastUnit, grade_dense, {"grads[kernel]"}, "index 4 of axis 1"),
    (KernelStoredTransposed, grade_dense, {"build"}, "weight 'kernel' has shape (5, 6)"),
    (NoBiasWeight, grade_dense, {"build", "forward"}, "self.add_weight('bias', (5,), ...)"),
    (WeightsAsPlainAttributes, grade_dense, {"build"}, "self.add_weight(name, shape, initializer)"),
    (ConstructorRejectsArguments, grade_dense, {"build"}, "TypeError"),
    (FlippedConvolution, grade_conv, {"forward"}, "flipped along axis 0"),
    (ConvDxOverwritten, grade_conv, {"dx"}, "+=, not ="),
    (ConvBiasGradientKeepsSteps, grade_conv, {"grads[bias]"}, "has shape (7, 4), expected (4,)"),
]


@pytest.mark.parametrize("student, grade, failing, words", BUGS, ids=[b[0].__name__ for b in BUGS])
def test_each_typical_bug_fails_the_right_check_with_the_right_hint(student, grade, failing, words):
    report = grade(student)
    assert not report.passed and report.points < report.max_points
    failed = {c.name for c in report.failed}
    assert failing <= failed, str(report)
    first = report[sorted(failing, key=[c.name for c in report.checks].index)[0]]
    assert words in first.message + " " + first.hint, str(report)
    assert first.points == 0 and first.max_points > 0
    # a bug confined to backward keeps forward's points
    if failing <= {"dx", "grads[kernel]", "grads[bias]"}:
        assert report["forward"].passed and report["output_shape"].passed
    text = str(report)
    assert "FAILED" in text.splitlines()[0] and f"- {first.name}:" in text


def test_hints_name_the_exact_bug():
    hint = lambda student, name, grade=grade_dense: grade(student)[name].hint   # noqa: E731
    assert "x.T @ dy" in hint(TransposedKernelGradient, "grads[kernel]")
    assert hint(DxSignFlipped, "dx") == "dx has the sign flipped: it is exactly -1 times the right answer"
    assert "sum over axis 0" not in hint(BiasGradientAveraged, "grads[bias]")
    assert "sum of the gradients" in hint(ConvBiasGradientKeepsSteps, "grads[bias]", grade_conv)
    assert "cross-correlation" in hint(FlippedConvolution, "forward", grade_conv)
    assert "off-by-one" in hint(KernelGradientMissesLastUnit, "grads[kernel]")
    assert hint(ForwardLeavesNaN, "forward") == ("every NaN entry is at index 4 of axis 1 (the last one: "
                                                 "an off-by-one in a loop range?)")
    assert "return dx" in hint(BackwardReturnsNone, "dx")

    class DividesByZero(StudentDense):
        def backward(self, dy):
            return super().backward(dy) / np.zeros(1)               # inf everywhere

    report = grade_dense(DividesByZero)
    assert "contains inf" in report["dx"].message and "division by zero" in report["dx"].hint


class StudentLeakyReLU(Layer):
    def forward(self, x, training=False):
        self.cache = x
        return np.where(x > 0, x, 0.3 * x)

    def backward(self, dy):
        return dy * np.where(self.cache > 0, 1.0, 0.3)


class LeakyDerivativeZeroBelow(StudentLeakyReLU):
    def backward(self, dy):
        return dy * np.where(self.cache > 0, 1.0, 0.0)              # the ReLU's derivative


def test_layer_without_weights_and_a_hint_from_the_sign_of_x():
    reference = el.layers.LeakyReLU(negative_slope=0.3)
    report = grading.grade_layer(StudentLeakyReLU, reference, [(4, 6), (3, 2, 5)])
    assert report.passed and report.max_points == 8 and not any("grads" in c.name for c in report.checks)
    report = grading.grade_layer(LeakyDerivativeZeroBelow, reference, [(4, 6), (3, 2, 5)])
    assert {c.name for c in report.failed} == {"dx", "gradcheck"}
    assert "exactly those where x < 0" in report["dx"].hint
    assert "+=" not in report["dx"].hint                       # no windows in an activation


def test_dx_with_the_output_shape_is_diagnosed():
    class ReturnsDy(StudentDense):
        def backward(self, dy):
            super().backward(dy)
            return dy

    report = grade_dense(ReturnsDy)
    assert report["dx"].message.startswith("dx has shape (4, 5), expected (4, 6)")
    assert "yours has the output's shape" in report["dx"].hint


def test_student_exceptions_are_reported_with_the_students_line():
    report = grade_dense(ForwardRaises)
    message = report["forward"].message
    assert "raise NotImplementedError" in message and "in forward" in message
    assert report["dx"].message.startswith("not checked") and report.points == 1   # build only
    assert "/" not in message.split("(in forward")[0].replace("is not written", "")


def test_bad_weight_layout_skips_the_comparisons_and_says_why():
    report = grade_dense(KernelStoredTransposed)
    assert report.points == 0 and report.max_points == 10 and not any(c.passed for c in report.checks)
    assert "has shape (5, 6)" in report["build"].message and "not run" in report["build"].message
    assert report["build"].hint.startswith("'kernel' is transposed: keep Keras' layout")
    assert report["dx"].message.startswith("not run: the reference's weights could not be copied")
    # a student who cannot even be constructed still gets 0 out of the same 10 points
    report = grade_dense(ConstructorRejectsArguments)
    assert report.points == 0 and report.max_points == 10 and len(report.checks) == 7


def test_weights_with_other_names_are_matched_by_position_with_a_note():
    class NamedWb(StudentDense):
        def build(self, input_shape):
            self.add_weight("W", (input_shape[-1], self.units), "glorot_uniform")
            self.add_weight("b", (self.units,), "zeros")

        def forward(self, x, training=False):
            self.cache = x
            return x @ self.W + self.b

        def backward(self, dy):
            x = self.cache
            self.grads["W"] = x.reshape(-1, x.shape[-1]).T @ dy.reshape(-1, self.units)
            self.grads["b"] = dy.reshape(-1, self.units).sum(axis=0)
            return dy @ self.W.T

    report = grade_dense(NamedWb)
    assert report.passed and any("matched by position" in n for n in report.notes)


def test_wrong_compute_output_shape_fails_output_shape_only():
    class BadDeclaredShape(StudentConv1D):
        def compute_output_shape(self, input_shape):
            return (input_shape[0], input_shape[1], self.filters)     # forgot the kernel size

    report = grade_conv(BadDeclaredShape)
    assert {c.name for c in report.failed} == {"output_shape"}
    assert "compute_output_shape" in report["output_shape"].message


def test_forward_only_and_dx_only_grading():
    report = grade_dense(DxDoubled, check_gradients=False)
    assert report.passed and {c.name for c in report.checks} == {"build", "output_shape", "forward"}
    report = grade_dense(NoBiasGradient, check_params=False)
    assert report.passed and "grads[bias]" not in report


# ---------------------------------------------------------------------------- points and rendering
def test_points_are_configurable_and_split_within_a_kind():
    points = {"build": 0, "output_shape": 0, "forward": 4, "dx": 3, "grads": 2, "gradcheck": 1}
    report = grade_dense(NoBiasGradient, points=points)
    assert report.max_points == 10
    assert report["grads[kernel]"].max_points == report["grads[bias]"].max_points == 1
    assert report["grads[bias]"].points == 0 and report.points == 8
    report = grade_dense(StudentDense, paths=("fast", "reference"), points={"forward": 6})
    assert report["forward"].max_points == report["forward [reference]"].max_points == 3
    assert report.max_points == report.points == 6
    with pytest.raises(ValueError, match="unknown point kinds"):
        grade_dense(StudentDense, points={"style": 1})


def test_report_renders_as_text_markdown_and_results_json():
    report = grade_dense(DxDoubled)
    text, markdown = str(report), report._repr_markdown_()
    assert text.splitlines()[0] == "DxDoubled graded against Dense: 7/10 points, FAILED"
    assert "hint: dx is off by a factor ~2" in text
    assert "| `dx` | **FAIL** |" in markdown and "*hint:*" in markdown
    assert repr(report).startswith("<GradeReport DxDoubled")
    results = json.loads(json.dumps(report.as_dict()))
    assert results["score"] == 7 and results["max_score"] == 10
    dx = next(t for t in results["tests"] if t["name"] == "dx")
    assert dx["status"] == "failed" and dx["score"] == 0 and "factor ~2" in dx["output"]
    hidden = report.as_dict(visibility="after_published")
    assert {t["visibility"] for t in hidden["tests"]} == {"after_published"}


def test_assert_layer_matches_for_pytest():
    report = grading.assert_layer_matches(StudentDense, el.layers.Dense, DENSE_SHAPES, config=DENSE_CONFIG)
    assert report.passed
    with pytest.raises(AssertionError, match="did you add the gradient twice"):
        grading.assert_layer_matches(DxDoubled, el.layers.Dense, DENSE_SHAPES, config=DENSE_CONFIG)


def test_importable_as_a_submodule():
    from edulayers import grading as imported
    assert imported is grading and callable(grading.grade_layer)


# ---------------------------------------------------------------------------- notebooks
def _cell(source, cell_type="code", **nbgrader):
    cell = {"cell_type": cell_type, "metadata": {}, "source": source}
    if cell_type == "code":
        cell.update(outputs=[], execution_count=None)
    if nbgrader:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, **nbgrader}
    return cell


def test_load_answers_runs_every_code_cell_but_the_tests_and_survives_broken_cells():
    nb = {"metadata": {}, "cells": [
        _cell("import numpy as np"),
        _cell("def helper(x):\n    return 2 * x", ),                    # untagged: the student's own
        _cell("def double(x):\n    return helper(x)", solution=True, grade=False, grade_id="double"),
        _cell("x = 1 / 0", solution=True, grade=False, grade_id="broken"),
        _cell("while True:\n    pass", solution=True, grade=False, grade_id="endless"),
        _cell("def f(:", solution=True, grade=False, grade_id="syntax"),
        _cell("assert False", grade=True, solution=False, points=1, grade_id="test"),
        _cell("%matplotlib inline\ny = double(np.ones(2))")]}
    answers = grading.load_answers(nb, timeout=0.5)
    np.testing.assert_array_equal(answers["y"], [2, 2])
    numbers = [n for n, _ in answers.errors]
    assert numbers == [3, 4, 5], answers.errors
    assert "ZeroDivisionError" in answers.errors[0][1] and "did not return within" in answers.errors[1][1]
    assert "SyntaxError" in answers.errors[2][1]


def test_cell_roles_follow_nbgraders_metadata():
    from edulayers.grading.notebooks import cell_role
    assert cell_role(_cell("x", solution=True, grade=False)) == "answer"
    assert cell_role(_cell("x", grade=True, solution=False, points=1)) == "test"
    assert cell_role(_cell("x", "markdown", grade=True, solution=True, points=1)) == "written"
    assert cell_role(_cell("x", locked=True)) == "locked" and cell_role(_cell("x")) == ""


def test_grading_does_not_shift_default_layer_names():
    count = lambda name: int(name.rsplit("_", 1)[1]) if name[-1].isdigit() else 0   # noqa: E731
    before = count(StudentDense(3).name)
    grade_dense(StudentDense)
    assert count(StudentDense(3).name) == before + 1


# ---------------------------------------------------------------------------- functions
def softmax_ce(logits, y):
    """The reference: mean cross-entropy from logits and its gradient, p - y over the batch."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(logits)
    return -log_p[np.arange(n), y].mean(), (np.exp(log_p) - np.eye(logits.shape[1])[y]) / n


def naive_ce(logits, y):                        # no max shift: overflows at logits of 1e3
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    n = len(logits)
    return -np.log(p[np.arange(n), y]).mean(), (p - np.eye(logits.shape[1])[y]) / n


def unaveraged_ce(logits, y):
    loss, grad = softmax_ce(logits, y)
    return loss, grad * len(logits)


def CASES():
    rng = np.random.default_rng(0)
    logits, y = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    return {"batch of 5": (logits, y), "logits of 1e3": (1e3 * logits, y)}


def test_a_right_function_gets_full_points_and_each_bug_its_hint():
    report = grading.grade_function(softmax_ce, softmax_ce, CASES(), outputs=("loss", "dlogits"),
                                    points={"batch of 5": 2, "logits of 1e3": 1})
    assert report.passed and report.points == 3
    naive = grading.grade_function(naive_ce, softmax_ce, CASES(), outputs=("loss", "dlogits"),
                                   points={"batch of 5": 2, "logits of 1e3": 1})
    assert naive.points == 2 and not naive["logits of 1e3"].passed
    assert "NaN" in naive["logits of 1e3"].message and "overflow" in naive["logits of 1e3"].hint
    unaveraged = grading.grade_function(unaveraged_ce, softmax_ce, CASES(), outputs=("loss", "dlogits"))
    assert unaveraged.points == 0
    assert "dlogits" in unaveraged["batch of 5"].message
    assert "5 (the batch size) times too large" in unaveraged["batch of 5"].hint


def test_grade_function_never_crashes_on_student_code():
    def endless(logits, y):
        while True:
            pass
    students = {"raises": lambda logits, y: 1 / 0, "wrong type": lambda logits, y: "loss",
                "one value": lambda logits, y: 0.5, "not a function": None, "endless": endless,
                "mutates its input": lambda logits, y: (logits.fill(np.nan), np.nan)}
    for label, student in students.items():
        report = grading.grade_function(student, softmax_ce, CASES(), timeout=0.3)
        assert report.points == 0 and len(report.checks) == 2, label
    raised = grading.grade_function(students["raises"], softmax_ce, CASES())
    assert "ZeroDivisionError" in raised["batch of 5"].message and "1 / 0" in raised["batch of 5"].message
    endless_report = grading.grade_function(endless, softmax_ce, CASES(), timeout=0.3)
    assert "did not return within 0.3 s" in endless_report["batch of 5"].message
    with pytest.raises(RuntimeError, match="the reference failed"):
        grading.grade_function(softmax_ce, lambda logits, y: 1 / 0, CASES())


def test_check_raises_with_the_report():
    grading.grade_function(softmax_ce, softmax_ce, CASES()).check()
    with pytest.raises(AssertionError, match="overflow"):
        grading.grade_function(naive_ce, softmax_ce, CASES()).check()


# ---------------------------------------------------------------------------- optimizers
class StudentMomentum:
    def __init__(self, learning_rate=0.01, momentum=0.0):
        self.learning_rate, self.momentum, self.velocity = learning_rate, momentum, {}

    def apply(self, params, grads):
        for k, w in params.items():
            v = self.velocity.setdefault(k, np.zeros_like(w))
            v[...] = self.momentum * v - self.learning_rate * grads[k]
            w += v


class ForgetsVelocity(StudentMomentum):
    def apply(self, params, grads):
        self.velocity = {}
        super().apply(params, grads)


class Ascends(StudentMomentum):
    def apply(self, params, grads):
        super().apply(params, {k: -g for k, g in grads.items()})


OPTIMIZER = dict(reference=el.optimizers.SGD, shapes={"kernel": (3, 4), "bias": (4,)},
                 config={"learning_rate": 0.1, "momentum": 0.9}, points=2)


def test_optimizer_bugs_lose_the_step_they_break():
    assert grading.grade_optimizer(StudentMomentum, **OPTIMIZER).points == 2
    forgets = grading.grade_optimizer(ForgetsVelocity, **OPTIMIZER)
    assert forgets["first step"].passed and not forgets["later steps"].passed
    assert "state carried from one step to the next" in forgets["later steps"].hint
    ascends = grading.grade_optimizer(Ascends, **OPTIMIZER)
    assert ascends.points == 0 and "uphill" in ascends["first step"].hint
    stateless = {}

    def sgd_step(params, grads):                       # a function: returns the new weights
        stateless["calls"] = stateless.get("calls", 0) + 1
        return {k: w - 0.1 * grads[k] for k, w in params.items()}
    plain = grading.grade_optimizer(sgd_step, el.optimizers.SGD, {"w": (2, 3)},
                                    config={"learning_rate": 0.1})
    assert plain.passed and stateless["calls"] == 5
    broken = grading.grade_optimizer(lambda params, grads: 1 / 0, **OPTIMIZER)
    assert broken.points == 0 and "ZeroDivisionError" in broken["first step"].message


# ---------------------------------------------------------------------------- training runs
LABELS = np.arange(100) % 10


def predicting(labels):
    return lambda x: np.eye(10)[labels]


def test_training_runs_are_graded_by_accuracy_with_hints():
    x = np.zeros((100, 3))
    assert grading.grade_training(predicting(LABELS), x, LABELS, min_accuracy=0.95,
                                  history=[2.0, 1.0]).passed
    constant = grading.grade_training(predicting(np.zeros(100, int)), x, LABELS, min_accuracy=0.95,
                                      points={"accuracy": 2})
    assert constant.points == 0 and constant.max_points == 2
    assert "every test sample is predicted as class 0" in constant["accuracy"].hint
    confused = LABELS.copy()
    confused[LABELS == 3] = 8
    short = grading.grade_training(predicting(confused), x, np.eye(10)[LABELS], min_accuracy=0.95)
    assert "0.9000" in short["accuracy"].message and "3 taken for 8" in short["accuracy"].hint
    nan = grading.grade_training(lambda x: np.full((100, 10), np.nan), x, LABELS, min_accuracy=0.5)
    assert nan.points == 0 and "diverged" in nan["predicts"].hint
    failed = grading.grade_training(train=lambda: 1 / 0, x_test=x, y_test=LABELS, min_accuracy=0.5)
    assert failed.points == 0 and "ZeroDivisionError" in failed["predicts"].message
    went_up = grading.grade_training(predicting(LABELS), x, LABELS, min_accuracy=0.5, history=[1, 2])
    assert not went_up["loss decreases"].passed and went_up["accuracy"].passed


class EndlessForward(StudentDense):
    def forward(self, x, training=False):
        while True:
            pass


class EndlessBackward(StudentDense):
    def backward(self, dy):
        while True:
            pass


def test_an_endless_loop_in_a_layer_is_a_failed_check_not_a_hang():
    report = grade_dense(EndlessForward, timeout=0.2)
    assert report.points == 1 and "forward did not return within 0.2 s" in report["forward"].message
    report = grade_dense(EndlessBackward, timeout=0.2)
    assert report["forward"].passed and not report["dx"].passed
    assert "backward did not return within 0.2 s" in report["dx"].message
