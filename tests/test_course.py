"""The course kit under nbgrader: every assignment in course/source/ goes through nbgrader's cycle.

For each assignment, on a throwaway copy of the course directory (``grading.course``):

* ``nbgrader generate_assignment`` gives exactly the committed release (course/release/<id>/),
  and the release holds no solution and no hidden test;
* ``nbgrader autograde`` gives the source (the solutions filled in) every automatic point, the
  release as handed out 0 points without crashing, and each planted bug
  (course/source/<id>/planted_bugs.json) loses exactly the points of the test cells it names;
* the Gradescope template (course/gradescope/run_autograder) writes one results.json for the
  whole assignment, with the visibility of each test.

All the submissions of all the assignments are graded once per session, by two nbgrader
processes at once (two course directories); the capstone's solution trains a CNN (~10 s).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("nbgrader", reason="nbgrader is installed by the dev extras")

from edulayers.grading import course  # noqa: E402
from edulayers.grading.notebooks import cell_role, read_notebook, source  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
ASSIGNMENTS = sorted(p for p in (COURSE / "source").iterdir() if (p / f"{p.name}.ipynb").is_file())
ids = [p.name for p in ASSIGNMENTS]
SOLUTION = re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", flags=re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", flags=re.S)


def source_notebook(assignment: Path) -> dict:
    return read_notebook(assignment / f"{assignment.name}.ipynb")


def release_notebook(assignment: Path) -> Path:
    return COURSE / "release" / assignment.name / f"{assignment.name}.ipynb"


def planted_bugs(assignment: Path) -> list:
    path = assignment / "planted_bugs.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def with_bug(notebook: dict, bug: dict) -> dict:
    """The notebook with ``bug["find"]`` replaced by ``bug["replace"]`` in the cell ``bug["cell"]``."""
    nb = json.loads(json.dumps(notebook))
    cells = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == bug["cell"]]
    assert len(cells) == 1, f"{bug['name']}: no single cell with grade_id {bug['cell']!r}"
    text = source(cells[0])
    assert text.count(bug["find"]) == 1, f"{bug['name']}: {bug['find']!r} is not once in {bug['cell']}"
    cells[0]["source"] = text.replace(bug["find"], bug["replace"])
    return nb


def secret_lines(notebook: dict) -> list:
    """The lines of the solutions and hidden tests (stripped, of some length): what no student
    copy may contain."""
    found = []
    for cell in notebook["cells"]:
        for block in SOLUTION.findall(source(cell)) + HIDDEN.findall(source(cell)):
            found += [line.strip() for line in block.splitlines() if len(line.strip()) >= 12]
    return found


def visible_lines(notebook: dict) -> set:
    """Every line outside the solutions and hidden tests (a secret line may repeat one of them)."""
    lines = set()
    for cell in notebook["cells"]:
        text = HIDDEN.sub("", SOLUTION.sub("", source(cell)))
        lines |= {line.strip() for line in text.splitlines()}
    return lines


def test_every_assignment_has_its_release_and_its_planted_bugs():
    assert ASSIGNMENTS, "course/source/ holds no assignment"
    for assignment in ASSIGNMENTS:
        assert release_notebook(assignment).is_file(), f"{assignment.name}: no release; run " \
            f"`nbgrader generate_assignment {assignment.name} --force` in course/"
        bugs = planted_bugs(assignment)
        assert bugs, f"{assignment.name}: no planted_bugs.json"
        tests = {c["metadata"]["nbgrader"]["grade_id"] for c in source_notebook(assignment)["cells"]
                 if cell_role(c) == "test"}
        for bug in bugs:
            assert set(bug) == {"name", "cell", "find", "replace", "loses"}, bug
            assert bug["loses"] and set(bug["loses"]) <= tests, (assignment.name, bug["name"])


def test_each_assignment_has_graded_parts_hidden_tests_and_an_inline_question():
    for assignment in ASSIGNMENTS:
        roles = [cell_role(c) for c in source_notebook(assignment)["cells"]]
        cells = source_notebook(assignment)["cells"]
        assert roles.count("answer") >= 1 and roles.count("test") >= 1, assignment.name
        assert "written" in roles, f"{assignment.name}: no inline question graded by hand"
        assert any(HIDDEN.search(source(c)) for c in cells if cell_role(c) == "test"), assignment.name
        for cell in cells:
            meta = cell["metadata"].get("nbgrader")
            if meta:
                assert meta.get("schema_version") == 3 and meta.get("grade_id"), (assignment.name, meta)
            if meta and meta.get("grade"):
                assert meta.get("points", 0) > 0, (assignment.name, meta["grade_id"])


def submissions(assignment: Path) -> dict:
    """The solution, the release as handed out, and one submission per planted bug."""
    src = source_notebook(assignment)
    subs = {"correct": src, "empty": read_notebook(release_notebook(assignment))}
    subs.update({f"bug{i}": with_bug(src, bug) for i, bug in enumerate(planted_bugs(assignment))})
    return subs


@pytest.fixture(scope="module")
def autograded(tmp_path_factory):
    """Every assignment's submissions autograded by nbgrader, two course directories at once:
    ``(scores, the folder of the generated releases)``."""
    workdir = tmp_path_factory.mktemp("course")
    start = time.perf_counter()
    scores = course.autograde({a: submissions(a) for a in ASSIGNMENTS}, workdir, workers=2)
    count = sum(len(s) for s in scores.values())
    print(f"\nnbgrader: {count} submissions of {len(ASSIGNMENTS)} assignments autograded in "
          f"{time.perf_counter() - start:.1f} s")
    return scores, workdir / "course0" / "release"


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=ids)
def test_the_release_is_generated_by_nbgrader_and_holds_no_solution(assignment, autograded):
    _, releases = autograded
    generated = read_notebook(releases / assignment.name / f"{assignment.name}.ipynb")
    committed = read_notebook(release_notebook(assignment))
    assert [(c["cell_type"], source(c), c["metadata"]) for c in generated["cells"]] == \
        [(c["cell_type"], source(c), c["metadata"]) for c in committed["cells"]], (
        f"course/release/{assignment.name} is not what nbgrader generates from the source: run "
        f"`nbgrader generate_assignment {assignment.name} --force` in course/ and commit it")
    assert sorted(p.name for p in (releases / assignment.name).iterdir()) == \
        sorted(p.name for p in release_notebook(assignment).parent.iterdir())
    text = "\n".join(source(c) for c in committed["cells"])
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    shown = {line.strip() for line in text.splitlines()}
    leaked = [line for line in secret_lines(source_notebook(assignment))
              if line in shown and line not in visible_lines(source_notebook(assignment))]
    assert not leaked, f"{assignment.name}: the release shows solution or hidden-test lines: {leaked}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=ids)
def test_autograde_a_correct_an_empty_and_each_planted_wrong_submission(assignment, autograded):
    graded = autograded[0][assignment.name]
    tests = {c.grade_id: c.max_points for c in graded["correct"].cells if c.role == "test"}
    lost = {c.grade_id: c.output for c in graded["correct"].cells
            if c.role == "test" and c.points != c.max_points}
    assert not lost, f"{assignment.name}: the solution loses points in {lost}"
    assert all(c.points is None for c in graded["correct"].cells if c.role == "written"), \
        "a written answer must wait for manual grading"
    assert all(c.points == 0 for c in graded["empty"].cells), \
        f"{assignment.name}: the release as handed out scores points"
    for i, bug in enumerate(planted_bugs(assignment)):
        result = graded[f"bug{i}"]
        lost = sorted(c.grade_id for c in result.cells if c.role == "test" and c.points != c.max_points)
        assert lost == sorted(bug["loses"]), (
            f"{assignment.name}, planted bug {bug['name']!r}: lost {lost}, expected {bug['loses']}:\n"
            + "\n".join(f"{c.grade_id}: {c.output[-800:]}" for c in result.cells if c.output))
        assert result.auto_points == sum(tests.values()) - sum(tests[g] for g in bug["loses"])


GRADESCOPE_ASSIGNMENT = COURSE / "source" / "a01_softmax_cross_entropy"


@pytest.mark.slow
@pytest.mark.skipif(not GRADESCOPE_ASSIGNMENT.is_dir() or os.name == "nt", reason="bash template")
def test_the_gradescope_template_writes_one_results_json_with_visibility(tmp_path):
    src = source_notebook(GRADESCOPE_ASSIGNMENT)
    bug = planted_bugs(GRADESCOPE_ASSIGNMENT)[0]
    runs = {}
    for label, notebook in [("correct", src), ("wrong", with_bug(src, bug))]:
        root = tmp_path / label                        # the layout of Gradescope's /autograder
        shutil.copytree(COURSE / "gradescope", root / "source")
        shutil.copy(COURSE / "nbgrader_config.py", root / "source")
        shutil.copytree(GRADESCOPE_ASSIGNMENT, root / "source" / "source" / GRADESCOPE_ASSIGNMENT.name)
        (root / "submission").mkdir()
        (root / "submission" / "my_work.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
        runs[label] = (root, subprocess.Popen(     # both at once
            ["bash", str(root / "source" / "run_autograder")], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
            env={**os.environ, "AUTOGRADER": str(root), "PYTHON": sys.executable}))
    outcomes = {}
    for label, (root, run) in runs.items():
        _, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr[-3000:]
        outcomes[label] = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    tests = {c["metadata"]["nbgrader"]["grade_id"]: c for c in src["cells"] if cell_role(c) == "test"}
    total = sum(c["metadata"]["nbgrader"]["points"] for c in tests.values())
    correct, wrong = outcomes["correct"], outcomes["wrong"]
    assert correct["score"] == total and [t["name"] for t in correct["tests"]] == list(tests)
    for t in correct["tests"]:
        hidden = "BEGIN HIDDEN TESTS" in source(tests[t["name"]])
        assert t["visibility"] == ("after_published" if hidden else "visible")
        assert t["status"] == "passed" and t["score"] == t["max_score"]
    failed = [t for t in wrong["tests"] if t["status"] == "failed"]
    assert [t["name"] for t in failed] == bug["loses"] and all(t["score"] == 0 for t in failed)
    assert wrong["score"] == total - sum(t["max_score"] for t in failed)
    assert "hint" in failed[0]["output"] or "Error" in failed[0]["output"]
    assert "written answers graded by hand" in correct["output"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=ids)
def test_results_json_gives_the_solution_full_marks_with_visibility(assignment, autograded):
    """What run_autograder writes, from the same autograde: every assignment's solution."""
    graded = autograded[0][assignment.name]
    correct, empty = (course.results_json(graded[s]) for s in ("correct", "empty"))
    tests = {c["metadata"]["nbgrader"]["grade_id"]: c for c in source_notebook(assignment)["cells"]
             if cell_role(c) == "test"}
    assert correct["score"] == sum(c["metadata"]["nbgrader"]["points"] for c in tests.values())
    assert empty["score"] == 0 and all(t["status"] == "failed" for t in empty["tests"])
    for t in correct["tests"]:
        hidden = "BEGIN HIDDEN TESTS" in source(tests[t["name"]])
        assert t["visibility"] == ("after_published" if hidden else "visible"), t["name"]


ROBUSTNESS_ASSIGNMENT = COURSE / "source" / "a01_softmax_cross_entropy"


@pytest.mark.slow
@pytest.mark.skipif(not ROBUSTNESS_ASSIGNMENT.is_dir(), reason="a01 is the example")
def test_autograde_takes_helper_cells_and_survives_an_endless_loop(tmp_path):
    """A student's helper in a cell of their own counts; an endless loop costs only its part."""
    src = source_notebook(ROBUSTNESS_ASSIGNMENT)
    helper = json.loads(json.dumps(src))
    at = next(i for i, c in enumerate(helper["cells"]) if cell_role(c) == "answer")
    helper["cells"].insert(at, {"cell_type": "code", "metadata": {}, "outputs": [],
                                "execution_count": None, "id": "my-helper",
                                "source": "def my_shift(z):\n    return z - z.max(axis=-1, keepdims=True)\n"})
    softmax = helper["cells"][at + 1]
    text = source(softmax)
    start, end = text.index("### BEGIN SOLUTION"), text.index("### END SOLUTION")
    softmax["source"] = text[:start] + "exp = np.exp(my_shift(logits))\n    return exp / exp.sum(axis=-1, keepdims=True)\n    " + text[end:]
    endless = with_bug(src, {"name": "endless", "cell": "softmax", "find": "exp = np.exp(shifted)",
                             "replace": "exp = np.exp(shifted)\n    while True:\n        pass"})
    config = tmp_path / "nbgrader_config.py"           # a short cell timeout, for this test only
    config.write_text((COURSE / "nbgrader_config.py").read_text() + "\nc.Execute.timeout = 10\n")
    graded = course.autograde({ROBUSTNESS_ASSIGNMENT: {"helper": helper, "endless": endless}},
                              tmp_path / "work", config=config, workers=2)
    helped, looped = graded[ROBUSTNESS_ASSIGNMENT.name]["helper"], graded[ROBUSTNESS_ASSIGNMENT.name]["endless"]
    assert all(c.points == c.max_points for c in helped.cells if c.role == "test"), helped.cells
    lost = [c.grade_id for c in looped.cells if c.role == "test" and c.points != c.max_points]
    assert lost == ["test_softmax"], looped.cells
    assert "Timeout" in looped["test_softmax"].output or "Interrupt" in looped["test_softmax"].output
