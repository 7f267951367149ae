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
import os
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


def _nbgrader_env() -> dict:
    # nbgrader runs the ``alembic`` command of its environment: put that environment on PATH
    return {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                                    os.environ.get("PATH", "")])}


def _course(assignments, root: Path, config: Path) -> None:
    """A course directory at ``root`` holding the ``assignments`` (source folders) and the config."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(config, root / "nbgrader_config.py")
    for assignment in assignments:
        shutil.copytree(assignment, root / "source" / assignment.name, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))


def _run_nbgrader(root: Path, plan: dict, timeout) -> None:
    """In one process (nbgrader takes seconds to import): for each assignment of ``plan``
    (``{assignment id: autograde its submissions?}``) generate_assignment, then autograde."""
    plan_file = root / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _WORKER, str(root), str(plan_file)], cwd=root,
                          capture_output=True, text=True, timeout=timeout, env=_nbgrader_env())
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader failed in {root}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")


_WORKER = """
import json, sys
from nbgrader.apps import NbGraderAPI
from traitlets.config.loader import PyFileConfigLoader
root, plan = sys.argv[1], json.load(open(sys.argv[2]))
config = PyFileConfigLoader("nbgrader_config.py", path=root).load_config()
config.CourseDirectory.root = root
api = NbGraderAPI(config=config)
for aid, grade in plan.items():
    steps = [("generate_assignment", api.generate_assignment(aid))]
    if grade:
        steps.append(("autograde", api.autograde(aid, "*")))
    for step, result in steps:
        if not result["success"]:
            sys.exit(f"nbgrader {step} {aid}: " + result.get("error", "") + result.get("log", ""))
"""


def generate_release(assignment, workdir, *, config=COURSE_CONFIG, timeout=300) -> Path:
    """``nbgrader generate_assignment`` of ``assignment`` (its ``source/<id>`` folder) in a course
    directory at ``workdir``; returns the release folder ``workdir/release/<id>``."""
    assignment, root = Path(assignment), Path(workdir)
    _course([assignment], root, Path(config))
    _run_nbgrader(root, {assignment.name: False}, timeout)
    return root / "release" / assignment.name


def autograde(jobs, workdir, *, config=COURSE_CONFIG, workers=1, timeout=3600) -> dict:
    """Autograde submissions with nbgrader: ``jobs`` is ``{assignment: {student id: notebook}}``,
    an assignment its source folder ``course/source/<id>``, a notebook a path or a dict.

    The (assignment, student) pairs are dealt out to ``workers`` course directories under
    ``workdir`` (``course0``, ``course1``, ...), graded at the same time, each by one nbgrader
    process. Returns ``{assignment id: {student id: Graded}}``; each worker's course directory
    also holds the releases it generated (``course0/release/<id>/``).
    """
    workdir = Path(workdir)
    pairs = [(Path(a), s) for a, subs in jobs.items() for s in subs]
    deals = [pairs[i::workers] for i in range(workers) if pairs[i::workers]]
    notebooks = {(Path(a).name, s): nb for a, subs in jobs.items() for s, nb in subs.items()}

    def grade(number, deal):
        root = workdir / f"course{number}"
        assignments = {a.name: a for a, _ in deal}
        if number == 0:                        # course0 generates every release
            assignments.update({Path(a).name: Path(a) for a in jobs})
        _course(assignments.values(), root, Path(config))
        for assignment, student in deal:
            folder = root / "submitted" / student / assignment.name
            folder.mkdir(parents=True, exist_ok=True)
            notebook = read_notebook(notebooks[(assignment.name, student)])
            (folder / f"{assignment.name}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
        graded_here = {a.name for a, _ in deal}
        _run_nbgrader(root, {aid: aid in graded_here for aid in assignments}, timeout)
        return {(a.name, s): _scores(s, root / "autograded" / s / a.name / f"{a.name}.ipynb",
                                     _hidden_cells(a / f"{a.name}.ipynb")) for a, s in deal}

    with ThreadPoolExecutor(max_workers=len(deals)) as pool:
        graded = {}
        for part in pool.map(grade, range(len(deals)), deals):
            graded.update(part)
    return {Path(a).name: {s: graded[(Path(a).name, s)] for s in subs} for a, subs in jobs.items()}


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


def main(argv=None) -> int:
    """``python -m edulayers.grading.course ASSIGNMENT SUBMISSION RESULTS``: Gradescope's step.

    Autogrades the notebook SUBMISSION (a file, or the folder Gradescope puts it in) against the
    source folder ASSIGNMENT with nbgrader, and writes results.json to RESULTS.
    """
    import argparse
    import tempfile
    parser = argparse.ArgumentParser(prog="python -m edulayers.grading.course", description=main.__doc__)
    parser.add_argument("assignment", type=Path, help="the assignment's source folder, source/<id>")
    parser.add_argument("submission", type=Path, help="the submitted notebook, or its folder")
    parser.add_argument("results", type=Path, help="where to write results.json")
    parser.add_argument("--config", type=Path, default=COURSE_CONFIG, help="nbgrader_config.py")
    args = parser.parse_args(argv)
    submission = args.submission
    if submission.is_dir():
        found = sorted(submission.rglob("*.ipynb"))
        preferred = [p for p in found if p.name == f"{args.assignment.name}.ipynb"]
        if not (preferred or found):
            return _write(args.results, {"score": 0.0, "output": "no notebook (.ipynb) was submitted",
                                         "visibility": "visible", "tests": []})
        submission = (preferred or found)[0]
    with tempfile.TemporaryDirectory() as workdir:
        graded = autograde({args.assignment: {"student": submission}}, workdir, config=args.config)
    return _write(args.results, results_json(graded[args.assignment.name]["student"]))


def _write(path: Path, results: dict) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
