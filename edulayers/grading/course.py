"""Driving nbgrader on a throwaway course directory: ``autograde`` and Gradescope's ``results_json``.

``autograde(assignment, submissions, workdir)`` does what an instructor does on a JupyterHub,
with nbgrader's own commands: a course directory in ``workdir`` holding the assignment's source
(``source/<id>/``) and the course's ``nbgrader_config.py``, ``nbgrader generate_assignment``,
each submission copied to ``submitted/<student>/<id>/``, ``nbgrader autograde``. The scores
are read back from the autograded notebooks with nbgrader's own rule
(``nbgrader.utils.determine_grade``: a test cell whose output holds an error or anything on
stderr scores 0, else its points). Submissions are split over ``workers`` course directories
graded at the same time.

``results_json(graded, source)`` turns one student's scores into Gradescope's ``results.json``
for the whole assignment: one test per test cell, with ``visibility``: a test cell that
holds hidden tests is ``after_published``, a visible self-check ``visible``; the written
answers are named in the output (Gradescope grades them as questions of their own).

Used by ``tests/test_course.py`` and by ``course/gradescope/run_autograder``.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .notebooks import cell_role, read_notebook, source

__all__ = ["autograde", "generate_release", "results_json", "CellScore", "COURSE_CONFIG"]

#: The course's nbgrader configuration (course/nbgrader_config.py in a checkout of edulayers).
COURSE_CONFIG = Path(__file__).resolve().parents[2] / "course" / "nbgrader_config.py"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
HIDDEN = "### BEGIN HIDDEN TESTS"


@dataclass
class CellScore:
    """One graded cell of an autograded notebook."""
    grade_id: str
    role: str                  # "test" or "written" (see notebooks.cell_role)
    points: float              # what it scored (None: waits for manual grading)
    max_points: float
    output: str = ""           # the error the cell raised, without terminal colours
    hidden: bool = False       # the source's cell holds hidden tests


@dataclass
class Graded:
    """A student's autograded notebook: one ``CellScore`` per graded cell, in notebook order."""
    student: str
    cells: list = field(default_factory=list)
    notebook: Path | None = None

    @property
    def auto_points(self) -> float:
        return sum(c.points or 0.0 for c in self.cells if c.role == "test")

    def __getitem__(self, grade_id) -> CellScore:
        return next(c for c in self.cells if c.grade_id == grade_id)


def _nbgrader(args, cwd, timeout) -> None:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {cwd}:\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def _course(assignment: Path, root: Path, config: Path) -> None:
    """A course directory at ``root`` holding ``assignment`` (a source folder) and the config."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(config, root / "nbgrader_config.py")
    shutil.copytree(assignment, root / "source" / assignment.name, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("planted_bugs.json", ".ipynb_checkpoints"))


def generate_release(assignment, workdir, *, config=COURSE_CONFIG, timeout=300) -> Path:
    """``nbgrader generate_assignment`` of ``assignment`` (its ``source/<id>`` folder) in a course
    directory at ``workdir``; returns the release folder ``workdir/release/<id>``."""
    assignment, root = Path(assignment), Path(workdir)
    _course(assignment, root, Path(config))
    _nbgrader(["generate_assignment", assignment.name, "--force"], root, timeout)
    return root / "release" / assignment.name


def autograde(assignment, submissions, workdir, *, config=COURSE_CONFIG, workers=1,
              timeout=1800) -> dict:
    """Autograde ``submissions`` (``{student id: notebook path or dict}``) with nbgrader.

    ``assignment`` is the source folder ``course/source/<id>``; the course directories are made
    under ``workdir`` (one per worker). Returns ``{student id: Graded}``.
    """
    assignment, workdir = Path(assignment), Path(workdir)
    students = list(submissions)
    groups = [students[i::workers] for i in range(workers) if students[i::workers]]
    with ThreadPoolExecutor(max_workers=len(groups) or 1) as pool:
        done = pool.map(lambda g: _autograde_group(assignment, submissions, g[1],
                                                    workdir / f"course{g[0]}", Path(config), timeout),
                        enumerate(groups))
        graded = {}
        for part in done:
            graded.update(part)
    return {s: graded[s] for s in students}


def _autograde_group(assignment, submissions, students, root, config, timeout) -> dict:
    aid = assignment.name
    generate_release(assignment, root, config=config, timeout=timeout)
    for student in students:
        folder = root / "submitted" / student / aid
        folder.mkdir(parents=True, exist_ok=True)
        notebook = read_notebook(submissions[student])
        (folder / f"{aid}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    _nbgrader(["autograde", aid, "--force"], root, timeout)
    hidden = _hidden_cells(assignment / f"{aid}.ipynb")
    return {s: _scores(s, root / "autograded" / s / aid / f"{aid}.ipynb", hidden) for s in students}


def _hidden_cells(source_notebook) -> set:
    return {c["metadata"]["nbgrader"]["grade_id"] for c in read_notebook(source_notebook)["cells"]
            if cell_role(c) == "test" and HIDDEN in source(c)}


def _scores(student, notebook: Path, hidden) -> Graded:
    """The graded cells of an autograded notebook, scored by nbgrader's own rule."""
    import nbformat
    from nbgrader.utils import determine_grade
    nb = nbformat.read(str(notebook), as_version=4)
    graded = Graded(student, notebook=notebook)
    for cell in nb.cells:
        role = cell_role(cell)
        if role not in ("test", "written"):
            continue
        points, max_points = determine_grade(cell)
        graded.cells.append(CellScore(cell.metadata.nbgrader["grade_id"], role, points, max_points,
                                      _error_output(cell), cell.metadata.nbgrader["grade_id"] in hidden))
    return graded


def _error_output(cell) -> str:
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            texts.append(f"{out.get('ename')}: {out.get('evalue')}")
        elif out.get("output_type") == "stream" and out.get("name") == "stderr":
            texts.append(out.get("text", ""))
    return _ANSI.sub("", "\n".join(texts)).strip()


def results_json(graded: Graded, *, title="") -> dict:
    """Gradescope's ``results.json`` for one student's whole assignment.

    One test per test cell: a test cell that holds hidden tests is ``after_published`` (its
    result shows once the instructor publishes the grades), a visible self-check ``visible``.
    The written answers are named in the output: they are graded by hand.
    """
    tests = []
    for cell in graded.cells:
        if cell.role != "test":
            continue                       # a written answer: a question graded by hand
        passed = cell.points == cell.max_points
        tests.append({"name": cell.grade_id, "score": cell.points, "max_score": cell.max_points,
                      "visibility": "after_published" if cell.hidden else "visible",
                      "status": "passed" if passed else "failed",
                      "output": cell.output or ("passed" if passed else "failed")})
    written = [c.grade_id for c in graded.cells if c.role == "written"]
    note = f"; written answers graded by hand: {', '.join(written)}" if written else ""
    return {"score": round(sum(t["score"] for t in tests), 6),
            "output": (title or f"autograded: {len(tests)} test cells") + note,
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}
