"""The grading report: ``Check`` (one graded check), ``GradeReport`` (all of them) and their renderings.

``print(report)`` gives a plain-text table, Jupyter renders ``_repr_markdown_``, and ``as_dict``
gives Gradescope's ``results.json`` layout. ``_error_text`` is how a student's exception reads in
a check's message (the student's own line, no file paths).
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

from ..gradcheck import error_display

_PACKAGE = Path(__file__).resolve().parents[1]     # edulayers/: its frames are not the student's


@dataclass
class Check:
    """One graded check: ``forward``, ``dx``, ``grads[kernel]``, ``gradcheck``, ..."""
    name: str
    kind: str
    passed: bool
    error: float | None = None     # worst relative error over the inputs (None: not comparable)
    message: str = ""              # what happened, on which input
    hint: str = ""                 # what to look at
    points: float = 0.0
    max_points: float = 0.0


@dataclass
class GradeReport:
    """The result of ``grade_layer``: per-check pass/fail, worst errors, points, hints.

    ``print(report)`` gives a plain-text table; in Jupyter it renders as Markdown.
    ``report.passed`` is True when every check passed; ``report["dx"]`` is one ``Check``.
    """
    student: str
    reference: str
    input_shapes: list = field(default_factory=list)   # grade_layer's inputs
    tol: float = 1e-6
    checks: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    inputs: str = ""       # what a function, optimizer or training run was graded on

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def points(self) -> float:
        return round(sum(c.points for c in self.checks), 6)

    @property
    def max_points(self) -> float:
        return round(sum(c.max_points for c in self.checks), 6)

    @property
    def scored(self) -> bool:
        """Whether the checks carry points (a test cell's grader may leave the points to nbgrader)."""
        return self.max_points > 0

    @property
    def failed(self) -> list:
        return [c for c in self.checks if not c.passed]

    def __getitem__(self, name) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no check named {name!r}; checks: {[c.name for c in self.checks]}")

    def __contains__(self, name) -> bool:
        return any(c.name == name for c in self.checks)

    def check(self) -> GradeReport:
        """Raise ``AssertionError`` with the whole report when a check failed (a test cell's last
        line: nbgrader gives the cell's points only when it raises nothing); else return self."""
        if not self.passed:
            raise AssertionError("\n" + str(self))
        return self

    def _inputs_line(self) -> str:
        if self.input_shapes:
            return (f"inputs {', '.join(str(tuple(s)) for s in self.input_shapes)}; float64, "
                    f"tol {self.tol:.0e}")
        return f"{self.inputs}; tol {self.tol:.0e}" if self.inputs and self.tol else self.inputs

    def _title(self) -> str:
        passed = sum(c.passed for c in self.checks)
        score = (f"{_num(self.points)}/{_num(self.max_points)} points" if self.scored
                 else f"{passed} of {len(self.checks)} checks passed")
        return f"{self.student} graded against {self.reference}: {score}, {'PASSED' if self.passed else 'FAILED'}"

    def _error(self, check) -> str:
        return "" if check.error is None else error_display(check.error, self.tol)

    def __str__(self) -> str:
        width = max([len(c.name) for c in self.checks] + [14]) + 2
        lines = [self._title()] + ([f"  {self._inputs_line()}"] if self._inputs_line() else []) + [
            f"  {'check':<{width}}{'result':<8}{'worst err':>10}" + (f"{'points':>10}" if self.scored else "")]
        for c in self.checks:
            lines.append(f"  {c.name:<{width}}{'ok' if c.passed else 'FAIL':<8}{self._error(c):>10}"
                         + (f"{_points(c):>10}" if self.scored else ""))
        for c in self.failed:
            lines.append(f"- {c.name}: {c.message}")
            if c.hint:
                lines.append(f"    hint: {c.hint}")
        for note in self.notes:
            lines.append(f"note: {note}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<GradeReport {self._title()}>"

    def _repr_markdown_(self) -> str:
        rows = (["| check | result | worst error | points |", "|---|---|---|---|"] if self.scored
                else ["| check | result | worst error |", "|---|---|---|"])
        for c in self.checks:
            rows.append(f"| `{c.name}` | {'ok' if c.passed else '**FAIL**'} | {self._error(c)} |"
                        + (f" {_points(c)} |" if self.scored else ""))
        inputs = f" ({_md(self._inputs_line())})" if self._inputs_line() else ""
        parts = [f"**{self._title()}**{inputs}", "",
                 "\n".join(rows)]
        if self.failed:
            parts.append("")
            for c in self.failed:
                parts.append(f"- **`{c.name}`**: {_md(c.message)}" +
                             (f"  \n  *hint:* {_md(c.hint)}" if c.hint else ""))
        for note in self.notes:
            parts += ["", f"*note:* {_md(note)}"]
        return "\n".join(parts)

    def as_dict(self, visibility=None) -> dict:
        """Score and one entry per check, in Gradescope's ``results.json`` layout; with
        ``visibility`` (``"visible"``, ``"after_published"``, ...) each test carries it. A whole
        nbgrader assignment's results.json comes from ``grading.course.results_json``."""
        tests = [{"name": c.name, "score": round(c.points, 6), "max_score": round(c.max_points, 6),
                  "status": "passed" if c.passed else "failed",
                  "output": c.message + (f"\nhint: {c.hint}" if c.hint else "")}
                 for c in self.checks]
        if visibility is not None:
            tests = [{**t, "visibility": visibility} for t in tests]
        return {"score": self.points, "max_score": self.max_points, "output": self._title(),
                "tests": tests}


def _num(v) -> str:
    return f"{v:g}" if abs(v - round(v, 2)) < 1e-9 else f"{v:.2f}"


def _points(check) -> str:
    return f"{_num(check.points)}/{_num(check.max_points)}"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _error_text(exc: BaseException) -> str:
    """``ZeroDivisionError: division by zero (in forward: `return x / 0`)``, without file paths.

    The frame shown is the last one outside the edulayers package: the student's own line.
    """
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if not Path(f.filename).resolve().is_relative_to(_PACKAGE)]
    frame = own[-1] if own else None       # an error raised by edulayers itself speaks for itself
    if frame is not None and frame.line:
        text += f" (in {frame.name}: `{frame.line.strip()}`)"
    return text
