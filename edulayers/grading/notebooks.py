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
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from .student import call_student

__all__ = ["load_answers", "Answers", "cell_role"]


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
