"""Reading a submitted notebook outside nbgrader: ``load_answers`` and nbgrader's cell roles.

The assignments follow nbgrader's conventions (``course/source/<id>/<id>.ipynb``): a cell's role
is in its ``metadata.nbgrader`` (``solution`` for the student's answer cells, ``grade`` with
``points`` for test cells and manually graded written answers, ``grade_id`` naming it).
``nbgrader generate_assignment`` makes the students' release from the instructor's source and
``nbgrader autograde`` grades a submission (``grading.course`` drives both).

``load_answers`` is for a script or a test that needs the student's definitions without a
kernel: it runs every code cell except the test cells, in order, like the student's kernel did,
so that helper code in a cell of the student's own is there too. A cell that raises or runs past
``timeout`` is recorded in ``answers.errors`` and the next cell runs: one broken cell costs
only what depends on it.

``points_table(notebook)`` is the table of an assignment's graded parts and their points, read
from the cells' metadata (the one place the points are kept).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from .student import call_student

__all__ = ["load_answers", "Answers", "cell_role", "points_table"]


def read_notebook(notebook) -> dict:
    """A notebook as a dict, from a path or a dict (copied). Only the standard library is used."""
    if isinstance(notebook, dict):
        return copy.deepcopy(notebook)
    return json.loads(Path(notebook).read_text(encoding="utf-8"))


def source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def cell_role(cell) -> str:
    """nbgrader's role of a cell: ``"answer"`` (an autograded answer: solution, not graded),
    ``"test"`` (an autograder test: graded, not a solution), ``"written"`` (a manually graded
    answer: solution and graded), ``"locked"`` (read-only) or ``""`` (an ordinary cell)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("solution") and meta.get("grade"):
        return "written"
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "locked" if meta.get("locked") else ""


class Answers(dict):
    """The namespace of a submitted notebook's code (``answers["softmax"]``), with ``errors``:
    ``(cell number, error text)`` of each cell that raised or timed out."""

    def __init__(self, namespace, errors):
        super().__init__(namespace)
        self.errors = errors


def load_answers(notebook, *, timeout=60.0) -> Answers:
    """Run the code cells of a (submitted) notebook, except its test cells; return their namespace.

    ``notebook`` is a path or a notebook dict. IPython magics and shell escapes (``%``, ``!``)
    are skipped. A cell that raises or runs past ``timeout`` seconds is recorded in
    ``answers.errors`` (its number and the student's line), and the next cell runs.
    """
    nb = read_notebook(notebook)
    namespace = {"__name__": "submission"}
    errors = []
    for number, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "code" or cell_role(cell) == "test":
            continue
        code = "\n".join(line for line in source(cell).splitlines()
                         if not line.lstrip().startswith(("%", "!")))
        try:
            compiled = compile(code, f"<cell {number}>", "exec")
        except SyntaxError as exc:
            errors.append((number, f"SyntaxError: {exc.msg} (line {exc.lineno})"))
            continue
        ran = call_student(exec, compiled, namespace, timeout=timeout, what=f"cell {number}")
        if not ran.ok:
            errors.append((number, ran.error))
    return Answers(namespace, errors)


class PointsTable:
    """The graded cells of a notebook and their points; Markdown in Jupyter, text when printed."""

    def __init__(self, rows):
        self.rows = rows               # (grade_id, "autograded" or "graded by hand", points)

    @property
    def total(self) -> float:
        return sum(points for _, _, points in self.rows)

    def __str__(self) -> str:
        width = max([len(r[0]) for r in self.rows] + [4]) + 2
        lines = [f"{'part':<{width}}{'how':<16}{'points':>6}"]
        lines += [f"{gid:<{width}}{how:<16}{points:>6g}" for gid, how, points in self.rows]
        return "\n".join(lines + [f"{'total':<{width}}{'':<16}{self.total:>6g}"])

    def _repr_markdown_(self) -> str:
        rows = ["| part | graded | points |", "|---|---|---|"]
        rows += [f"| `{gid}` | {how} | {points:g} |" for gid, how, points in self.rows]
        return "\n".join(rows + [f"| **total** | | **{self.total:g}** |"])


def points_table(notebook) -> PointsTable:
    """The graded parts of an nbgrader notebook (``grade_id``, autograded or by hand, points),
    from its cells' metadata: ``grading.points_table("a01_softmax_cross_entropy.ipynb")``."""
    rows = []
    for cell in read_notebook(notebook)["cells"]:
        role = cell_role(cell)
        if role in ("test", "written"):
            meta = cell["metadata"]["nbgrader"]
            rows.append((meta["grade_id"], "autograded" if role == "test" else "graded by hand",
                         float(meta.get("points", 0))))
    return PointsTable(rows)
