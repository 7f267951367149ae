r"""Grading a student's function and a student's optimizer: ``grade_function``, ``grade_optimizer``.

``grade_function(student, reference, cases)`` calls both functions on each named case (the
arguments copied, so that neither sees what the other did to them) and compares every returned
array with ``diagnosis._compare``: one check per case, with the relative error and a hint
computed from the numbers (a factor, a sign, a transpose, NaN where the reference is finite).

``grade_optimizer(student, reference, shapes)`` applies both optimizers to the same weights and
the same seeded sequence of gradients and compares the update :math:`\Delta w` of every weight
at every step: the first step (where the state starts) and the later ones (where the state is
carried) are two checks, so that a momentum or a bias correction that is wrong after step 1
loses the second check only.

The student's code runs through ``student.call_student``: an exception, a wrong type, NaN or an
endless loop (``timeout``) is a failed check, never a crash of the grader.
"""
from __future__ import annotations

import copy

import numpy as np

from .diagnosis import _compare
from .report import Check, GradeReport
from .student import call_student

__all__ = ["grade_function", "grade_optimizer", "share_points"]


def share_points(checks, points) -> None:
    """Give each check its points: ``points`` a total shared evenly, or ``{check name: points}``
    (a check missing from the dict is worth 0); ``None``: no points (in an nbgrader test cell
    the cell's points are the grade, and the report says which checks passed)."""
    if points is None:
        points = 0.0
    if isinstance(points, dict):
        unknown = set(points) - {c.name for c in checks}
        if unknown:
            raise ValueError(f"points for unknown checks {sorted(unknown)}; the checks are "
                             f"{[c.name for c in checks]}")
        shares = {c.name: float(points.get(c.name, 0)) for c in checks}
    else:
        shares = {c.name: float(points) / len(checks) for c in checks}
    for c in checks:
        c.max_points = shares[c.name]
        c.points = c.max_points if c.passed else 0.0


# ============================================================================ functions
def grade_function(student, reference, cases, *, outputs=None, tol=1e-6, timeout=10.0,
                   points=None, name=None) -> GradeReport:
    """Grade a student's function against a reference function, one check per case.

    Args:
        student: the student's function.
        reference: the function it must agree with (the same arguments, the same return values).
        cases: ``{"case name": args}``, ``args`` a tuple of positional arguments or a dict of
            keyword arguments, e.g. ``{"batch of 5": (logits, labels), "logits of 1e3":
            (1e3 * logits, labels)}``. Each case is one check.
        outputs: names of the returned values when both return a tuple, e.g.
            ``("loss", "dlogits")``: a message then says which one is wrong.
        tol: largest relative error ``max|yours - expected| / max|expected|`` that passes.
        timeout: seconds one call of the student's function may take.
        points: the total, shared evenly among the cases, or ``{case name: points}``; None
            (the default, for a test cell that nbgrader scores as a whole): no points.
        name: the student's function as the report names it (default: its ``__name__``).

    Returns:
        A ``GradeReport``; ``report.check()`` raises with the report when a case failed.

    >>> import numpy as np
    >>> report = grade_function(lambda x: 2 * x, lambda x: x + x, {"ones": (np.ones(3),)})
    >>> report.passed, str(report).splitlines()[0]
    (True, '<lambda> graded against <lambda>: 1 of 1 checks passed, PASSED')
    """
    if not cases:
        raise ValueError("grade_function: give at least one case, e.g. {'small': (x, y)}")
    label = name or getattr(student, "__name__", type(student).__name__)
    report = GradeReport(student=label, reference=getattr(reference, "__name__", "the reference"),
                         tol=tol, inputs=f"cases: {', '.join(cases)}")
    for case, args in cases.items():
        report.checks.append(_grade_case(student, reference, case, args, label, outputs, tol,
                                         timeout))
    share_points(report.checks, points)
    return report


def _call(fn, args, **options):
    args = copy.deepcopy(args)
    if isinstance(args, dict):
        return call_student(fn, timeout=options["timeout"], what=options["what"], **args)
    return call_student(fn, *(args if isinstance(args, tuple) else (args,)),
                        timeout=options["timeout"], what=options["what"])


def _grade_case(student, reference, case, args, label, outputs, tol, timeout) -> Check:
    expected = _call(reference, args, timeout=None, what="the reference")
    if not expected.ok:                 # the instructor's mistake: say so loudly
        raise RuntimeError(f"grade_function: the reference failed on case {case!r}: "
                           f"{expected.error}")
    got = _call(student, args, timeout=timeout, what=label)
    if not got.ok:
        return Check(case, "case", False, message=got.error)
    return _compare_outputs(case, got.value, expected.value, _batch_of(args), tol, outputs)


def _compare_outputs(case, value, expected, batch, tol, outputs) -> Check:
    """One check: every returned value against the reference's."""
    if isinstance(expected, tuple):
        names = list(outputs or [f"output {i}" for i in range(len(expected))])
        if not isinstance(value, (tuple, list)) or len(value) != len(expected):
            got = (f"{len(value)} values" if isinstance(value, (tuple, list))
                   else f"a {type(value).__name__}")
            return Check(case, "case", False,
                         message=f"returned {got}; expected {len(expected)} values ({', '.join(names)})",
                         hint=f"return {', '.join(names)} as a tuple: `return {', '.join(names)}`")
        pairs = list(zip(names, value, expected))
    else:
        pairs = [((outputs or ["the result"])[0], value, expected)]
    errors = []
    for what, mine, ref in pairs:
        passed, err, message, hint = _compare(what, mine, np.asarray(ref, dtype=np.float64),
                                              batch, tol)
        if not passed:
            return Check(case, "case", False, err, message, hint)
        errors.append(err)
    return Check(case, "case", True, max(errors, default=0.0))


def _batch_of(args) -> int:
    """The leading size of the first array argument (the hints recognise a factor of it)."""
    values = args.values() if isinstance(args, dict) else (args if isinstance(args, tuple) else (args,))
    for v in values:
        if isinstance(v, np.ndarray) and v.ndim:
            return int(v.shape[0])
    return 1


# ============================================================================ optimizers
def grade_optimizer(student, reference, shapes, *, steps=5, config=None, seed=0, tol=1e-6,
                    timeout=10.0, points=None) -> GradeReport:
    r"""Grade a student's optimizer against a reference optimizer on seeded gradient sequences.

    Both optimizers start from the same weights and get the same gradients at every step; the
    update :math:`\Delta w = w_{t} - w_{t-1}` of every weight is compared.

    Args:
        student: an optimizer with ``apply(params, grads)`` (updating the arrays of the dict
            ``params`` in place, as ``el.optimizers`` do), its class (called with ``config``), or
            a function ``step(params, grads)`` that updates ``params`` in place or returns the
            new dict. A function keeps its state where it likes (a closure, a dict).
        reference: an optimizer or optimizer class (``el.optimizers.Adam``), or a function as above.
        shapes: ``{weight name: shape}``, e.g. ``{"kernel": (3, 4), "bias": (4,)}``.
        steps: how many steps; the checks are ``"first step"`` and ``"later steps"`` (2 ..
            ``steps``), so ``steps`` must be at least 2.
        config: constructor arguments of both classes, e.g. ``{"learning_rate": 0.1,
            "momentum": 0.9}``.
        seed: seeds the weights and the gradients.
        tol: largest relative error of an update that passes.
        timeout: seconds the student's optimizer may take over all the steps.
        points: the total, shared evenly between the two checks, or ``{check name: points}``;
            None (the default): no points.

    Returns:
        A ``GradeReport`` with the checks ``"first step"`` and ``"later steps"``.
    """
    if steps < 2:
        raise ValueError("grade_optimizer: steps must be at least 2 (the first step, and later ones)")
    rng = np.random.default_rng(seed)
    start = {k: rng.standard_normal(s) for k, s in shapes.items()}
    gradients = [{k: rng.standard_normal(s) for k, s in shapes.items()} for _ in range(steps)]
    label = _optimizer_name(student)
    report = GradeReport(student=label, reference=_optimizer_name(reference), tol=tol,
                         inputs=f"{steps} steps on {', '.join(f'{k} {tuple(s)}' for k, s in shapes.items())}")
    expected = _updates(_instantiate(reference, config), start, gradients)
    mine = call_student(_updates, _instantiate(student, config), start, gradients,
                        timeout=timeout, what=label)
    report.checks = _step_checks(mine, expected, tol)
    share_points(report.checks, points)
    return report


def _optimizer_name(opt) -> str:
    if isinstance(opt, type) or callable(opt) and not hasattr(opt, "apply"):
        return getattr(opt, "__name__", type(opt).__name__)
    return type(opt).__name__


def _instantiate(opt, config):
    if isinstance(opt, type):
        return opt(**(config or {}))
    if hasattr(opt, "apply"):
        return copy.deepcopy(opt)         # a template instance: its state must start empty
    return opt


def _updates(opt, start, gradients) -> list:
    """``[{weight: Δw}]`` per step of ``opt`` from ``start`` with ``gradients``."""
    params = {k: w.copy() for k, w in start.items()}
    updates = []
    for grads in gradients:
        before = {k: np.array(w, dtype=np.float64) for k, w in params.items()}
        grads = {k: g.copy() for k, g in grads.items()}
        returned = opt.apply(params, grads) if hasattr(opt, "apply") else opt(params, grads)
        if isinstance(returned, dict):
            params = returned
        updates.append({k: _as_float(params.get(k)) - before[k] if k in params else None
                        for k in before})
    return updates


def _as_float(value):
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return np.full((), np.nan)


def _step_checks(mine, expected, tol) -> list:
    """The ``first step`` and ``later steps`` checks, from the updates of every step."""
    if not mine.ok:
        return [Check(name, "optimizer", False, message=mine.error)
                for name in ("first step", "later steps")]
    first = _compare_step(mine.value[0], expected[0], 1, tol)
    later = Check("later steps", "optimizer", True, 0.0)
    for t in range(1, len(expected)):
        check = _compare_step(mine.value[t], expected[t], t + 1, tol)
        later.error = max(later.error, check.error or 0.0)
        if not check.passed:
            later = check
            if first.passed:
                later.hint = (f"step 1 is right and step {t + 1} is not: {check.hint or check.message}"
                              "; look at the state carried from one step to the next (the velocity, "
                              "the moving averages, the step count t of a bias correction)")
            break
    first.name, later.name = "first step", "later steps"
    return [first, later]


def _compare_step(mine, expected, t, tol) -> Check:
    errors = []
    for k, ref in expected.items():
        what = f"the update of '{k}' at step {t}"
        if mine.get(k) is None:
            return Check(f"step {t}", "optimizer", False,
                         message=f"'{k}' is missing from the parameters after step {t}",
                         hint="update every array of params in place (w -= ...), or return the dict "
                              "of all the new weights")
        passed, err, message, hint = _compare(what, mine[k], ref, 1, tol)
        if not passed:
            if hint and "sign flipped" in hint:
                hint += ": the weights move uphill (w += lr * g instead of w -= lr * g?)"
            elif hint and "factor" in hint:
                hint += " (the learning rate, or a (1 - beta) factor?)"
            return Check(f"step {t}", "optimizer", False, err, message, hint)
        errors.append(err)
    return Check(f"step {t}", "optimizer", True, max(errors, default=0.0))
