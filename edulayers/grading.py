r"""Autograding a student's layer: ``grading.grade_layer(MyDense, el.layers.Dense, [(4, 6)], config={"units": 5})``.

A student writes a layer (a subclass of ``el.layers.Layer`` with ``build``, ``forward`` and
``backward``); the grader compares it with the library's own layer of the same name:

1. **build**: both layers are built for each input shape; the reference's weights are set to
   seeded random values (so that a zero bias or a unit scale cannot hide a bug) and copied into
   the student's layer by name and shape (``weights`` says which weight is missing or mis-shaped);
2. **forward**: ``output_shape`` and ``forward`` compare :math:`y` on seeded random inputs;
3. **backward**: with the same random upstream gradient :math:`\delta` for both layers,
   ``dx`` compares :math:`\partial L/\partial x` and ``grads[name]`` each weight gradient;
4. ``gradcheck`` runs ``el.gradcheck`` on the student's layer alone (finite differences).

Everything runs in float64. A student's exception, a wrong shape, NaN, or a ``backward`` that
returns ``None`` gives a failed check with the exception text, never a crash of the grader. Each
failed check carries a hint derived from the numbers: a constant factor (``dx is off by a factor
~2``), a sign flip, a transposed or flipped array, a gradient that kept the batch axis, a
forward that ignores a weight, wrong entries confined to one index (an off-by-one).

Points: ``points={"build": 1, "output_shape": 1, "forward": 3, "dx": 2, "grads": 2,
"gradcheck": 1}`` by default; a kind with several checks (one ``grads[...]`` per weight, one
check per path) splits its points evenly among them.

For a course:

* ``assert_layer_matches(...)`` is the one-line pytest autograder test;
* ``report.as_dict()`` gives ``{"score", "max_score", "tests": [...]}`` (Gradescope's
  ``results.json`` layout);
* ``strip_solutions(notebook)`` turns an instructor's notebook into the students' one: cells
  tagged ``solution`` are removed, Markdown cells tagged ``skeleton`` (a fenced python block)
  become code cells tagged ``answer``, outputs are cleared;
* ``load_answers(notebook)`` runs the cells tagged ``answer`` of a submitted notebook and returns
  their namespace (where the student's classes are).
"""
from __future__ import annotations

import copy
import itertools
import json
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .gradcheck import error_display, gradcheck

__all__ = ["Check", "GradeReport", "grade_layer", "assert_layer_matches", "DEFAULT_POINTS",
           "strip_solutions", "load_answers"]

#: Points per kind of check; a kind with several checks splits its points among them.
DEFAULT_POINTS = {"build": 1, "output_shape": 1, "forward": 3, "dx": 2, "grads": 2, "gradcheck": 1}

_PACKAGE = Path(__file__).resolve().parent
_CLOSE = 1e-6   # relative residual under which a hypothesis (factor, transpose, ...) is accepted


# ============================================================================ the report
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
    input_shapes: list
    tol: float
    checks: list = field(default_factory=list)
    notes: list = field(default_factory=list)

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
    def failed(self) -> list:
        return [c for c in self.checks if not c.passed]

    def __getitem__(self, name) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no check named {name!r}; checks: {[c.name for c in self.checks]}")

    def __contains__(self, name) -> bool:
        return any(c.name == name for c in self.checks)

    def _title(self) -> str:
        return (f"{self.student} graded against {self.reference}: {_num(self.points)}/"
                f"{_num(self.max_points)} points, {'PASSED' if self.passed else 'FAILED'}")

    def __str__(self) -> str:
        width = max([len(c.name) for c in self.checks] + [14]) + 2
        lines = [self._title(),
                 f"  inputs {', '.join(str(tuple(s)) for s in self.input_shapes)}; float64, tol {self.tol:.0e}",
                 f"  {'check':<{width}}{'result':<8}{'worst err':>10}{'points':>10}"]
        for c in self.checks:
            err = "" if c.error is None else error_display(c.error, self.tol)
            pts = f"{_num(c.points)}/{_num(c.max_points)}"
            lines.append(f"  {c.name:<{width}}{'ok' if c.passed else 'FAIL':<8}{err:>10}{pts:>10}")
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
        shapes = ", ".join(f"`{tuple(s)}`" for s in self.input_shapes)
        rows = ["| check | result | worst error | points |", "|---|---|---|---|"]
        for c in self.checks:
            err = "" if c.error is None else error_display(c.error, self.tol)
            rows.append(f"| `{c.name}` | {'ok' if c.passed else '**FAIL**'} | {err} | "
                        f"{_num(c.points)}/{_num(c.max_points)} |")
        parts = [f"**{self._title()}** (inputs {shapes}; float64, tol {self.tol:.0e})", "",
                 "\n".join(rows)]
        if self.failed:
            parts.append("")
            for c in self.failed:
                parts.append(f"- **`{c.name}`**: {_md(c.message)}" +
                             (f"  \n  *hint:* {_md(c.hint)}" if c.hint else ""))
        for note in self.notes:
            parts += ["", f"*note:* {_md(note)}"]
        return "\n".join(parts)

    def as_dict(self) -> dict:
        """Score and one entry per check, in Gradescope's ``results.json`` layout."""
        return {"score": self.points, "max_score": self.max_points,
                "output": self._title(),
                "tests": [{"name": c.name, "score": round(c.points, 6),
                           "max_score": round(c.max_points, 6),
                           "status": "passed" if c.passed else "failed",
                           "output": c.message + (f"\nhint: {c.hint}" if c.hint else "")}
                          for c in self.checks]}


def _num(v) -> str:
    return f"{v:g}" if abs(v - round(v, 2)) < 1e-9 else f"{v:.2f}"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


# ============================================================================ building the layers
def _describe(obj) -> str:
    if isinstance(obj, type):
        return obj.__name__
    if hasattr(obj, "forward") and hasattr(obj, "name"):
        return type(obj).__name__
    return getattr(obj, "__name__", type(obj).__name__)


def _instantiate(spec, config):
    """A fresh, unbuilt layer from a class, a factory or a template instance."""
    if isinstance(spec, type) or (callable(spec) and not hasattr(spec, "forward")):
        return spec(**(config or {}))
    layer = copy.deepcopy(spec)
    if layer.built:                 # a built template: forget its weights, keep its arguments
        layer.built = False
        layer._weights, layer._weight_specs = {}, {}
    return layer


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


def _random_weights(layer, rng) -> None:
    """Seeded values away from the initial ones: a zero bias or a unit scale must not hide a bug."""
    for name, w in layer._weights.items():
        if w.size and np.all(w >= 0):          # biases, gammas, variances: keep them positive
            new = rng.uniform(0.5, 1.5, w.shape)
        else:
            new = 0.5 * rng.standard_normal(w.shape)
        layer._weights[name][...] = new


def _match_weights(student, reference):
    """Map reference weight names to the student's, or explain why they do not match.

    Returns ``(mapping or None, problems, hints, notes)``: problems say what is wrong, hints
    what to do about it, notes are remarks that cost no points.
    """
    ref = {n: w.shape for n, w in reference._weights.items()}
    mine = {n: w.shape for n, w in student._weights.items()}
    problems, hints, notes = [], [], []
    if ref and not mine:
        listing = ", ".join(f"'{n}' {s}" for n, s in ref.items())
        return None, [f"your layer created no weights; the reference has {listing}"], [
            "create each weight in build with self.add_weight(name, shape, initializer), so that "
            "get_weights/set_weights and grads know about it (plain attributes are invisible)"], notes
    if set(ref) == set(mine) or len(ref) != len(mine):
        for name, shape in ref.items():
            if name not in mine:
                problems.append(f"the reference has a weight '{name}' of shape {shape} that your "
                                "layer does not create")
                hints.append(f"add it in build with self.add_weight('{name}', {shape}, ...)")
            elif mine[name] != shape:
                problems.append(f"weight '{name}' has shape {mine[name]}, the reference's has shape "
                                f"{shape}")
                if mine[name] == tuple(reversed(shape)):
                    hints.append(f"'{name}' is transposed: keep Keras' layout, e.g. Dense kernel "
                                 "(input_dim, units)")
                elif sorted(mine[name]) == sorted(shape):
                    hints.append(f"'{name}' has the right sizes in another order: Keras' layout is "
                                 "e.g. Conv1D kernel (kernel_size, in_channels, filters)")
        for name, shape in mine.items():
            if name not in ref:
                problems.append(f"your layer has a weight '{name}' {shape} that the reference "
                                f"({', '.join(ref) or 'no weights'}) does not have")
        if problems:
            return None, problems, hints, notes
        return {n: n for n in ref}, [], [], notes
    # same count, other names: match by position when every shape agrees
    pairs = list(zip(ref.items(), mine.items()))
    if all(rs == ms for (_, rs), (_, ms) in pairs):
        notes.append("weights matched by position: yours are named "
                     f"{list(mine)}, the reference's {list(ref)} (Keras' names are the convention)")
        return {rn: mn for (rn, _), (mn, _) in pairs}, [], [], notes
    for (rn, rs), (mn, ms) in pairs:
        if rs != ms:
            problems.append(f"weight '{mn}' {ms} does not match the reference's '{rn}' {rs}")
    hints.append(f"create the weights {list(ref)} with the shapes {list(ref.values())}, in this order")
    return None, problems, hints, notes


# ============================================================================ numeric diagnosis
def _rel(a, b) -> float:
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    diff = np.max(np.abs(a - b), initial=0.0)
    return float(diff / scale) if scale > 0 else float(diff)


def _close(a, b) -> bool:
    return a.shape == b.shape and _rel(a, b) <= _CLOSE


def _factor_text(c: float) -> str:
    for k in (2, 3, 4):
        if abs(c - k) < 1e-3 * k:
            return f"{k}"
        if abs(c - 1 / k) < 1e-3 / k:
            return f"1/{k}"
    return f"{c:.3g}"


def _as_array(value):
    if isinstance(value, np.ndarray):
        return value.astype(np.float64) if value.dtype.kind in "fiub" else None
    if isinstance(value, (list, tuple)) or np.isscalar(value):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        return arr
    return None


def _shape_hint(what, s, r, batch, context=None):
    """Hints for an array of the wrong shape."""
    context = context or {}
    y_shape = context.get("output_shape")
    if what == "dx" and y_shape is not None and s.shape == tuple(y_shape) != r.shape:
        return (f"dx must have the input's shape {r.shape}; yours has the output's shape: did you "
                "return dy, or leave out a product with the weights?")
    if s.ndim == 2 and s.shape == r.shape[::-1] and s.shape != r.shape:
        if _close(s.T, r):
            if what == "the output":
                return "it is exactly the transpose of the right answer: the batch axis comes first"
            return ("it is exactly the transpose of the right answer: swap the operands of the "
                    "matrix product (e.g. x.T @ dy, not dy.T @ x)")
        return "it has the transposed shape: check the order of the operands of your matrix product"
    if s.ndim == r.ndim and sorted(s.shape) == sorted(r.shape):
        for perm in itertools.permutations(range(r.ndim)):
            if r.transpose(perm).shape == s.shape and _close(s, r.transpose(perm)):
                return (f"its axes are in the wrong order: it equals the right answer with axes "
                        f"permuted as {perm}")
    if s.shape == (batch,) + r.shape:
        if _close(s.sum(axis=0), r):
            return ("it still has the batch axis: a weight is shared by every sample, so its gradient "
                    "is the sum over axis 0")
        return "it has an extra leading batch axis: sum over the samples"
    if s.ndim > r.ndim and s.shape[-r.ndim:] == r.shape and r.ndim:
        lead = tuple(range(s.ndim - r.ndim))
        if _close(s.sum(axis=lead), r):
            return (f"it still has the leading axes {lead}: a weight shared by every sample and "
                    "position gets the sum of the gradients over them")
    if s.shape == r.shape[1:]:
        return "the batch axis is missing: did you sum or average over axis 0?"
    if r.shape == s.shape[1:]:
        return "it has an extra leading axis"
    if s.size == r.size:
        if _close(s.reshape(r.shape), r):
            return f"the right numbers in the wrong shape: reshape to {r.shape}"
        return f"the same number of entries in another shape: the expected shape is {r.shape}"
    if s.ndim == r.ndim:
        axes = [i for i in range(r.ndim) if s.shape[i] != r.shape[i]]
        return (f"axis {axes[0]} has size {s.shape[axes[0]]} instead of {r.shape[axes[0]]}"
                + (" (off by one: check a range() or a slice end)" if abs(s.shape[axes[0]] - r.shape[axes[0]]) == 1 else ""))
    return f"rank {s.ndim} instead of {r.ndim}"


def _value_hint(what, s, r, batch, context=None):
    """A hint for two arrays of the same shape that differ: factor, sign, transpose, flip, where."""
    if not np.any(s) and np.any(r):
        return f"{what} is all zeros: is it ever written (an np.zeros_like left unfilled)?"
    rr = float(np.sum(r * r))
    if rr > 0:
        c = float(np.sum(s * r) / rr)
        if abs(c) > 1e-12 and _rel(s, c * r) <= _CLOSE:
            if abs(c + 1) < 1e-3:
                return f"{what} has the sign flipped: it is exactly -1 times the right answer"
            if batch > 1 and abs(c - 1 / batch) < 1e-3 / batch:
                return (f"{what} is divided by the batch size ({batch}): gradients sum over the "
                        "samples, they do not average")
            if batch > 4 and abs(c - batch) < 1e-3 * batch:
                return f"{what} is {batch} (the batch size) times too large"
            sign = "" if c > 0 else " and has the sign flipped"
            text = f"{what} is off by a factor ~{_factor_text(abs(c))}{sign}"
            if abs(abs(c) - 2) < 1e-3:
                text += ": did you add the gradient twice?"
            elif abs(abs(c) - 0.5) < 1e-3:
                text += ": a factor 2 is missing (or something is counted half)"
            return text
    context = context or {}
    if s.ndim == 2 and s.shape[0] == s.shape[1] and _close(s, r.T):
        return f"{what} is the transpose of the right answer"
    if s.ndim >= 2:
        for perm in itertools.permutations(range(r.ndim)):
            if perm != tuple(range(r.ndim)) and r.transpose(perm).shape == s.shape \
                    and _close(s, r.transpose(perm)):
                return f"{what} has the right numbers with its axes permuted as {perm}"
    for axis in range(r.ndim):
        if r.shape[axis] > 1 and _close(s, np.flip(r, axis)):
            return f"{what} is the right answer flipped along axis {axis}"
    wrong = np.abs(s - r) > 1e-6 * max(np.max(np.abs(r)), 1e-300)
    count, total = int(wrong.sum()), wrong.size
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(s - r))), s.shape))
    text = (f"{count} of {total} entries of {what} are wrong; the worst at index {idx}: "
            f"yours {s[idx]:.4g}, expected {r[idx]:.4g}")
    if count < total:
        located = _one_index(wrong)
        if located:
            text += f"; every wrong entry is {located}"
        else:
            x = context.get("x")
            if x is not None and x.shape == s.shape and np.any(x < 0) and np.any(x > 0):
                for sign, mask in (("x < 0", x < 0), ("x > 0", x > 0)):
                    if np.array_equal(wrong, mask):
                        return text + (f"; the wrong entries are exactly those where {sign}: check "
                                       f"that branch of your {'forward' if what == 'the output' else 'derivative'}")
            if what == "dx" and context.get("windowed"):
                text += (f"; {total - count} entries are right: compare the positions that are right "
                         "with those that are not (an input position read by several windows must "
                         "collect their gradients with +=, not =)")
    return text


def _one_index(mask) -> str:
    """``"at index 4 of axis 1 (the last one: an off-by-one in a loop range?)"`` when every marked
    entry shares one index along some axis (of size > 2); empty otherwise."""
    positions = np.argwhere(mask)
    if not len(positions) or mask.all():
        return ""
    for axis in range(mask.ndim):
        values = np.unique(positions[:, axis])
        if mask.shape[axis] > 2 and len(values) == 1:
            v = int(values[0])
            edge = "the last" if v == mask.shape[axis] - 1 else "the first" if v == 0 else ""
            return (f"at index {v} of axis {axis}"
                    + (f" ({edge} one: an off-by-one in a loop range?)" if edge else ""))
    return ""


def _compare(what, student_value, expected, batch, tol, context=None):
    """``(passed, error, message, hint)`` for one array against the reference's."""
    if student_value is None:
        return False, None, f"{what} is None", ""
    s = _as_array(student_value)
    if s is None:
        return False, None, f"{what} is a {type(student_value).__name__}, not an array", ""
    r = expected
    if s.shape != r.shape:
        return (False, None, f"{what} has shape {s.shape}, expected {r.shape}",
                _shape_hint(what, s, r, batch, context))
    bad = ~np.isfinite(s)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        kinds = " and ".join(k for k, m in (("NaN", np.isnan(s)), ("inf", np.isinf(s))) if m.any())
        located = _one_index(bad)
        hint = (f"every {kinds} entry is {located}" if located else
                "look for an array made with np.empty (or np.full(nan)) that is not filled "
                "everywhere, a division by zero, or the log/sqrt of a negative number")
        return (False, None, f"{what} contains {kinds} in {int(bad.sum())} of {s.size} entries "
                f"(first at index {idx})", hint)
    err = _rel(s, r)
    if err <= tol:
        return True, err, "", ""
    return False, err, f"{what} differs from the reference (relative error {err:.1e})", \
        _value_hint(what, s, r, batch, context)



# ============================================================================ grading
class _Outcome:
    """Per-check results over every input, merged into one ``Check`` per name."""

    def __init__(self):
        self.results: dict = {}      # name -> list of (passed, error, message, hint, where)
        self.kinds: dict = {}
        self.skipped: list = []      # (where, why): inputs on which only "build" could run

    def add(self, name, kind, passed, error=None, message="", hint="", where=""):
        self.kinds[name] = kind
        self.results.setdefault(name, []).append((passed, error, message, hint, where))

    def checks(self, expected) -> list:
        """One Check per expected (name, kind): a check that could not run on an input fails."""
        out = []
        for name, kind in expected:
            results = list(self.results.get(name, []))
            if name != "build":
                results += [(False, None, f"not run: {why}", "", where) for where, why in self.skipped]
            if not results:
                results = [(False, None, "not run", "", "")]
            errors = [r[1] for r in results if r[1] is not None]
            first_bad = next((r for r in results if not r[0]), None)
            message, hint = "", ""
            if first_bad is not None:
                message = first_bad[2] + (f" (input shape {first_bad[4]})" if first_bad[4] else "")
                hint = first_bad[3]
            out.append(Check(name=name, kind=kind, passed=first_bad is None,
                             error=max(errors) if errors else None, message=message, hint=hint))
        return out


def _normalize_shapes(input_shapes) -> list:
    shapes = list(input_shapes) if not isinstance(input_shapes, tuple) else [input_shapes]
    if shapes and all(isinstance(s, (int, np.integer)) for s in shapes):
        shapes = [tuple(shapes)]             # a single shape given as a list of ints
    shapes = [tuple(int(d) for d in s) for s in shapes]
    if not shapes:
        raise ValueError("grade_layer: give at least one input shape, batch axis included, e.g. (4, 6)")
    return shapes


def _call_forward(layer, x, training, path):
    return layer.forward(x, training=training, path=path)


def _raw_backward(layer, path):
    """The student's own backward, without the base class's checks (so that a missing or
    mis-shaped gradient gets a graded message instead of an exception)."""
    cls = type(layer)
    if path == "reference" and getattr(cls, "backward_reference", None) is not None:
        return cls.backward_reference
    fn = cls.backward
    return getattr(fn, "__wrapped__", fn)


def _forward_hypotheses(reference, x, training, student_y):
    """Re-run the reference with one weight zeroed or the kernel flipped; a match is a hint."""
    hints = []
    saved = {n: w.copy() for n, w in reference._weights.items()}
    try:
        for name, w in saved.items():
            trials = [(f"your forward ignores the weight '{name}' (your output equals the "
                       f"reference's with {name} = 0)", np.zeros_like(w))]
            if name in ("bias", "b"):
                trials.append((f"your forward adds '{name}' twice", 2 * w))
            for axis in range(max(w.ndim - 2, 0)):            # the spatial axes of a kernel
                trials.append((f"your '{name}' is used flipped along axis {axis}: Keras' convolution "
                               "is a cross-correlation, do not flip the kernel", np.flip(w, axis)))
            if w.ndim == 2 and w.shape[0] == w.shape[1]:
                trials.append((f"you use '{name}' transposed", w.T))
            for label, value in trials:
                reference._weights[name][...] = value
                try:
                    y = np.asarray(_call_forward(reference, x, training, "fast"), dtype=np.float64)
                finally:
                    reference._weights[name][...] = saved[name]
                if y.shape == student_y.shape and _close(student_y, y):
                    hints.append((label, y))
    except Exception:       # noqa: BLE001 -- a hypothesis that cannot run is just not a hint
        pass
    finally:
        for name, w in saved.items():
            reference._weights[name][...] = w
    return hints


def grade_layer(student, reference, input_shapes, *, config=None, seed=0, tol=1e-6,
                check_gradients=True, check_params=True, paths=("fast",), training=False,
                points=None, gradcheck_tol=None) -> GradeReport:
    """Grade a student's layer against a reference layer.

    Args:
        student, reference: a layer class (called with ``config``), a factory, or a layer
            instance (used as a template: copied, and rebuilt for each input shape).
        input_shapes: one shape or a list of shapes, batch axis included, e.g.
            ``[(4, 6), (3, 7), (2, 3, 5)]``; use odd sizes.
        config: constructor arguments for both classes, e.g. ``{"units": 5}``.
        seed: seeds the weights, the inputs and the upstream gradients.
        tol: largest relative error ``max|yours - expected| / max|expected|`` that passes.
        check_gradients: grade backward (``dx``, ``grads[...]``, ``gradcheck``); False grades
            forward only.
        check_params: grade the weight gradients too (False: ``dx`` only).
        paths: which of the student's paths to grade (``"fast"``, ``"reference"``).
        training: passed to both forwards.
        points: points per kind (see ``DEFAULT_POINTS``); a kind missing from it is worth 0.
        gradcheck_tol: tolerance of ``el.gradcheck`` (default: ``tol``).

    Returns:
        A ``GradeReport``.
    """
    from .layers import base
    names_before = dict(base._name_counts)    # grading must not shift the user's default names
    try:
        with np.errstate(all="ignore"):     # a student's 0/0 is reported as NaN, not warned about
            return _grade(student, reference, input_shapes, config, seed, tol, check_gradients,
                          check_params, paths, training, points, gradcheck_tol)
    finally:
        base._name_counts.clear()
        base._name_counts.update(names_before)


def _grade(student, reference, input_shapes, config, seed, tol, check_gradients, check_params,
           paths, training, points, gradcheck_tol) -> GradeReport:
    shapes = _normalize_shapes(input_shapes)
    paths = (paths,) if isinstance(paths, str) else tuple(paths)
    rng = np.random.default_rng(seed)
    report = GradeReport(student=_describe(student), reference=_describe(reference),
                         input_shapes=shapes, tol=tol)
    out = _Outcome()
    suffix = {p: "" if p == "fast" else f" [{p}]" for p in paths}

    for shape in shapes:
        where = str(shape) if len(shapes) > 1 else ""
        batch = shape[0]
        # ------------------------------------------------------------ build both
        ref = _instantiate(reference, config)
        ref.build((None,) + shape[1:])
        ref._set_dtype("float64")
        _random_weights(ref, rng)
        x = rng.standard_normal(shape)
        try:
            mine = _instantiate(student, config)
            mine.build((None,) + shape[1:])
            mine._set_dtype("float64")
        except Exception as exc:   # noqa: BLE001 -- a student's error is a failed check
            out.add("build", "build", False, message=f"building your layer raised {_error_text(exc)}",
                    hint="__init__ must call super().__init__(**kwargs); build(input_shape) gets the "
                         "shape with the batch axis first (None)", where=where)
            out.skipped.append((where, "your layer could not be built"))
            weight_names = list(ref.params)
            continue
        mapping, problems, hints, notes = _match_weights(mine, ref)
        for note in notes:
            if note not in report.notes:
                report.notes.append(note)
        if problems:
            out.add("build", "build", False,
                    message="; ".join(problems) + " (the other checks need the reference's weights "
                            "copied into yours, so they were not run on this input)",
                    hint="; ".join(hints), where=where)
            out.skipped.append((where, "the reference's weights could not be copied into yours"))
        else:
            out.add("build", "build", True, where=where)
            for rname, mname in mapping.items():
                mine._weights[mname][...] = ref._weights[rname]

        # ------------------------------------------------------------ per path
        for path in paths:
            sfx = suffix[path]
            y_ref = np.asarray(_call_forward(ref, x, training, "fast"), dtype=np.float64)
            dy = rng.standard_normal(y_ref.shape)
            dx_ref = np.asarray(ref.backward(dy), dtype=np.float64)
            grads_ref = {n: np.asarray(g, dtype=np.float64) for n, g in ref.grads.items()}
            weight_names = list(grads_ref)
            if problems:
                continue
            try:
                y = _call_forward(mine, x, training, path)
            except Exception as exc:   # noqa: BLE001
                msg = f"forward raised {_error_text(exc)}"
                for name, kind in (("output_shape", "output_shape"), ("forward", "forward")):
                    out.add(name + sfx, kind, False, message=msg, where=where)
                if check_gradients:
                    out.add("dx" + sfx, "dx", False, message="not checked: forward failed", where=where)
                    if check_params:
                        for rname in grads_ref:
                            out.add(f"grads[{rname}]{sfx}", "grads", False,
                                    message="not checked: forward failed", where=where)
                    out.add("gradcheck" + sfx, "gradcheck", False,
                            message="not checked: forward failed", where=where)
                continue
            y_arr = _as_array(y)
            context = {"x": x, "output_shape": y_ref.shape,
                       "windowed": any(hasattr(ref, a) for a in ("kernel_size", "pool_size"))}
            # ---- output shape (and compute_output_shape when the student wrote one)
            ok_shape = y_arr is not None and y_arr.shape == y_ref.shape
            if y_arr is None:
                out.add("output_shape" + sfx, "output_shape", False,
                        message=f"forward returned {type(y).__name__}, not an array",
                        hint="forward must return the output array", where=where)
            elif not ok_shape:
                out.add("output_shape" + sfx, "output_shape", False,
                        message=f"output shape {y_arr.shape}, expected {y_ref.shape}",
                        hint=_shape_hint("the output", y_arr, y_ref, batch), where=where)
            else:
                declared = None
                if "compute_output_shape" in _own_methods(type(mine)):
                    try:
                        declared = tuple(mine.compute_output_shape((None,) + shape[1:]))
                    except Exception as exc:   # noqa: BLE001
                        declared = f"an error: {_error_text(exc)}"
                expected_decl = (None,) + y_ref.shape[1:]
                if declared is not None and declared != expected_decl:
                    out.add("output_shape" + sfx, "output_shape", False,
                            message=f"compute_output_shape({(None,) + shape[1:]}) gave {declared}, "
                                    f"expected {expected_decl}",
                            hint="forward's shape is right: make compute_output_shape agree with it",
                            where=where)
                else:
                    out.add("output_shape" + sfx, "output_shape", True, where=where)
            # ---- forward values
            if y_arr is None or not ok_shape:
                out.add("forward" + sfx, "forward", False,
                        message="not compared: the output has the wrong shape", where=where)
            else:
                passed, err, msg, hint = _compare("the output", y_arr, y_ref, batch, tol, context)
                if not passed and err is not None:
                    found = _forward_hypotheses(ref, x, training, y_arr)
                    if found:
                        hint = found[0][0]
                out.add("forward" + sfx, "forward", passed, err, msg, hint, where)
            if not check_gradients:
                continue
            # ---- backward
            if not ok_shape:
                for name, kind in [("dx", "dx")] + ([(f"grads[{n}]", "grads") for n in grads_ref]
                                                    if check_params else []):
                    out.add(name + sfx, kind, False,
                            message="not checked: forward's output shape is wrong", where=where)
                out.add("gradcheck" + sfx, "gradcheck", False,
                        message="not checked: forward's output shape is wrong", where=where)
                continue
            mine.grads = {}
            try:
                dx = _raw_backward(mine, path)(mine, dy)
                raised = None
            except Exception as exc:   # noqa: BLE001
                dx, raised = None, f"backward raised {_error_text(exc)}"
            if raised:
                out.add("dx" + sfx, "dx", False, message=raised, where=where)
            elif dx is None:
                out.add("dx" + sfx, "dx", False, message="backward returned None",
                        hint="backward must `return dx`, the gradient with respect to the input "
                             f"(shape {x.shape}), after setting self.grads", where=where)
            else:
                passed, err, msg, hint = _compare("dx", dx, dx_ref, batch, tol, context)
                out.add("dx" + sfx, "dx", passed, err, msg, hint, where)
            if check_params:
                for rname, g_ref in grads_ref.items():
                    mname = mapping[rname]
                    label = f"grads[{rname}]"
                    if raised:
                        out.add(label + sfx, "grads", False, message=raised, where=where)
                    elif mname not in mine.grads:
                        out.add(label + sfx, "grads", False,
                                message=f"backward did not set grads['{mname}']",
                                hint=f"set self.grads['{mname}'] = dL/d{mname} (shape {g_ref.shape}) "
                                     "in backward", where=where)
                    else:
                        passed, err, msg, hint = _compare(f"grads['{mname}']", mine.grads[mname],
                                                          g_ref, batch, tol)
                        out.add(label + sfx, "grads", passed, err, msg, hint, where)
            # ---- finite differences on the student's layer alone
            try:
                probe = mine
                if not check_params:          # dx only: the base class must not ask for grads
                    probe = copy.deepcopy(mine)
                    probe.trainable = False
                gc = gradcheck(probe, x, training=training, path=path, seed=seed,
                               tol=gradcheck_tol or tol, check_params=check_params)
                bad = [t for t in gc.tensors if not t.ok(gc.tol)]
                if bad:
                    out.add("gradcheck" + sfx, "gradcheck", False, max(t.rel_error for t in bad),
                            "el.gradcheck disagrees with your backward for "
                            + ", ".join(f"{t.name} (rel err {t.rel_error:.1e}, worst at {t.worst_index})"
                                        for t in bad),
                            "backward is not the derivative of your forward there", where)
                else:
                    out.add("gradcheck" + sfx, "gradcheck", True,
                            max((t.rel_error for t in gc.tensors), default=0.0), where=where)
            except Exception as exc:   # noqa: BLE001
                out.add("gradcheck" + sfx, "gradcheck", False,
                        message=f"el.gradcheck could not run: {_error_text(exc)}", where=where)

    expected = [("build", "build")]
    for path in paths:
        expected += [("output_shape" + suffix[path], "output_shape"), ("forward" + suffix[path], "forward")]
        if check_gradients:
            expected.append(("dx" + suffix[path], "dx"))
            if check_params:
                expected += [(f"grads[{n}]{suffix[path]}", "grads") for n in weight_names]
            expected.append(("gradcheck" + suffix[path], "gradcheck"))
    report.checks = out.checks(expected)
    _assign_points(report.checks, DEFAULT_POINTS if points is None else points)
    return report


def _own_methods(cls) -> set:
    """Methods a class (or a parent below Layer) defines itself."""
    from .layers.base import Layer
    names = set()
    for klass in cls.__mro__:
        if klass is Layer or klass is object:
            break
        names |= set(vars(klass))
    return names


def _assign_points(checks, points) -> None:
    unknown = set(points) - set(DEFAULT_POINTS)
    if unknown:
        raise ValueError(f"grade_layer: unknown point kinds {sorted(unknown)}; "
                         f"the kinds are {sorted(DEFAULT_POINTS)}")
    per_kind: dict = {}
    for c in checks:
        per_kind.setdefault(c.kind, []).append(c)
    for kind, group in per_kind.items():
        share = float(points.get(kind, 0)) / len(group)
        for c in group:
            c.max_points = share
            c.points = share if c.passed else 0.0


def assert_layer_matches(student, reference, input_shapes, **kwargs) -> GradeReport:
    """``grade_layer`` for pytest: raises ``AssertionError`` with the whole report when a check fails."""
    report = grade_layer(student, reference, input_shapes, **kwargs)
    if not report.passed:
        raise AssertionError("\n" + str(report))
    return report


# ============================================================================ notebooks
def _read_notebook(notebook) -> dict:
    if isinstance(notebook, dict):
        return copy.deepcopy(notebook)
    return json.loads(Path(notebook).read_text(encoding="utf-8"))


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def strip_solutions(notebook, output=None, *, solution_tag="solution", skeleton_tag="skeleton",
                    answer_tag="answer", clear_outputs=True) -> dict:
    """The students' notebook from the instructor's: the convention of the assignment notebooks.

    * a cell tagged ``solution`` (the instructor's code) is removed;
    * a Markdown cell tagged ``skeleton`` holds the skeleton as a fenced python block; it becomes
      a code cell with that code, tagged ``answer`` (where the student writes);
    * every output and execution count is cleared (when ``clear_outputs``).

    ``notebook`` is a path or a notebook dict; with ``output`` the result is also written there.
    Only the standard library's json is used (no nbformat needed).
    """
    nb = _read_notebook(notebook)
    cells = []
    for cell in nb["cells"]:
        tags = _tags(cell)
        if solution_tag in tags:
            continue
        if skeleton_tag in tags:
            found = re.search(r"```(?:python|python3|py)?\s*\n(.*?)```", _source(cell), flags=re.S)
            if not found:
                raise ValueError(f"a cell tagged {skeleton_tag!r} has no fenced python block: "
                                 f"{_source(cell)[:60]!r}")
            code = found.group(1).rstrip("\n")
            meta = {k: v for k, v in cell.get("metadata", {}).items() if k != "tags"}
            meta["tags"] = [t for t in tags if t != skeleton_tag] + [answer_tag]
            cell = {"cell_type": "code", "execution_count": None, "metadata": meta,
                    "outputs": [], "source": code.splitlines(keepends=True)}
        elif clear_outputs and cell.get("cell_type") == "code":
            cell = {**cell, "outputs": [], "execution_count": None}
        cells.append(cell)
    nb["cells"] = cells
    if clear_outputs:
        nb.get("metadata", {}).pop("widgets", None)
    if output is not None:
        Path(output).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return nb


_ANSWER_PREAMBLE = ("import numpy as np\nimport edulayers as el\n"
                    "from edulayers.layers import InputSpec, Layer\n")


def load_answers(notebook, *, tag="answer", preamble=_ANSWER_PREAMBLE) -> dict:
    """Run the code cells tagged ``tag`` of a (submitted) notebook; return their namespace.

    ``namespace["MyDense"]`` is then the student's class. ``preamble`` runs first (the imports
    the skeleton relies on). A cell that raises is reported with its number, as a RuntimeError.
    """
    nb = _read_notebook(notebook)
    namespace = {"__name__": "submission"}
    exec(compile(preamble, "<preamble>", "exec"), namespace)
    cells = [c for c in nb["cells"] if c.get("cell_type") == "code" and tag in _tags(c)]
    if not cells:
        raise ValueError(f"no code cell tagged {tag!r} in the notebook")
    for i, cell in enumerate(cells):
        code = "\n".join(line for line in _source(cell).splitlines()
                         if not line.lstrip().startswith(("%", "!")))
        try:
            exec(compile(code, f"<answer cell {i}>", "exec"), namespace)
        except Exception as exc:   # noqa: BLE001
            raise RuntimeError(f"answer cell {i} raised {_error_text(exc)}") from exc
    return namespace
