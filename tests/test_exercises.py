"""el.exercises: every check a notebook names exists, every exercise has one, and the checks judge.

* each bold exercise ``**NN.k**`` of a notebook has a check ``"NN.k"`` in its notebook's module of el.exercises,
  and every ``el.exercises.check("NN.k", ...)`` a notebook names is defined;
* every exercise with an ``expected`` answer accepts it and refuses a wrong one with its hint;
* the kinds of answer (numbers with shapes, whole numbers, choices, sets, shapes with None,
  functions) are judged as the package's docstring says, and a wrong answer never raises;
* every worked answer is folded where it is read: an HTML ``<details>`` block, which JupyterLab
  and the book both show closed under its "Worked answer" summary (a MyST directive would show
  raw and open in JupyterLab, which renders no MyST).
"""
import json
import re
from pathlib import Path

import numpy as np
import pytest

import edulayers as el
from edulayers import exercises

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISE = re.compile(r"\*\*(\d\d\.\d+)\*\*")
NAMED_CHECK = re.compile(r"el\.exercises\.check\(\s*\"(\d\d\.\d+)\"")


def markdown(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_of_a_notebook_has_a_check(path):
    text = markdown(path)
    numbers = set(EXERCISE.findall(text)) | set(NAMED_CHECK.findall(text))
    assert numbers, f"{path.name} has no numbered exercises with checks"
    known = set(exercises.exercise_numbers())
    assert numbers <= known, f"{path.name}: exercises without a check: {sorted(numbers - known)}"
    assert set(exercises.exercise_numbers(path.stem[:2])) == numbers


WORKED_ANSWER = re.compile(r'<details class="worked-answer">\n<summary>Worked answer</summary>\n\n'
                           r'(?P<body>.+)\n\n</details>', re.S)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_worked_answers_are_folded_in_jupyterlab_and_the_book(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    answers = [s for s in sources if "Worked answer" in s]
    assert answers, f"{path.name} has no worked answers"
    for source in sources:
        assert "{admonition}" not in source and "{dropdown}" not in source, \
            f"{path.name}: a MyST directive shows raw and unfolded in JupyterLab: {source[:80]!r}"
    for source in answers:
        match = WORKED_ANSWER.fullmatch(source)
        # The blank lines around the body end the HTML block, so both renderers parse the body as
        # Markdown (math, code); a cell holds the answer alone, so nothing else is hidden with it.
        assert match, f"{path.name}: a worked answer that is not one <details> block: {source[:120]!r}"
        assert "<details" not in match["body"] and "</details>" not in match["body"]


def _wrong(expected):
    if isinstance(expected, str):
        return expected + " not"
    if isinstance(expected, (bool, np.bool_)):
        return not expected
    if isinstance(expected, (set, frozenset)):
        return set(list(expected)[:-1]) | {"none of these"}
    if isinstance(expected, tuple) and None in expected:
        return tuple(None if e is None else e + 1 for e in expected)
    return np.asarray(expected, dtype=float) * 1.5 + 1.0


CHECKED = [n for n in exercises.exercise_numbers() if "expected" in exercises._entry(n)[1]]


@pytest.mark.parametrize("number", CHECKED)
def test_the_expected_answer_is_right_and_a_wrong_one_gets_the_hint(number):
    spec = exercises._entry(number)[1]
    right = exercises.check(number, spec["expected"])
    assert right and right.correct and repr(right) == f"{number}: right."
    wrong_answer = spec["choices"][0] if "choices" in spec and spec["choices"][0] != spec["expected"] \
        else _wrong(spec["expected"])
    wrong = exercises.check(number, wrong_answer)
    assert not wrong and spec["hint"] in repr(wrong) and "not yet" in repr(wrong)


def test_the_kinds_of_answer():
    assert exercises.check("15.4", 11) and exercises.check("15.4", np.int64(11))
    assert not exercises.check("15.4", 11.5)
    assert exercises.check("10.3", " Slower ") and not exercises.check("10.3", "faster")
    off_list = exercises.check("10.3", "quick")
    assert not off_list and "'faster', 'slower'" in repr(off_list)
    assert exercises.check("13.1", (None, 5, 16)) and not exercises.check("13.1", (None, 16, 5))
    assert exercises.check("15.5", ["s5", "BMI"]) and not exercises.check("15.5", ["bmi"])
    shape = exercises.check("10.1", [2.0, 0.5, 0.0, 1.5])          # expected (1, 4)
    assert not shape and "expected shape (1, 4); received shape (4,)" in repr(shape)
    assert exercises.check("14.1", [[4.0], [8.0]])                   # squeeze=True
    assert not exercises.check("10.4", float("nan"))
    assert not exercises.check("10.4", "about 0.007")               # a string for a number: no raise
    assert exercises.check("5.1", 0) == exercises.check("05.1", 0)   # the notebook part may drop its 0


def test_a_function_answer_is_tried_and_its_error_reported():
    right = lambda dy, h_f, h_b: (dy * h_b, dy * h_f)     # noqa: E731
    assert exercises.check("13.3", right)
    assert not exercises.check("13.3", lambda dy, h_f, h_b: (dy, dy))

    def broken(*args):
        raise RuntimeError("not written yet")
    verdict = exercises.check("13.3", broken)
    assert not verdict and "RuntimeError: not written yet" in repr(verdict)


def test_unknown_exercises_say_what_exists():
    with pytest.raises(ValueError, match="there is no exercise 10.99; notebook 10 has 10.1"):
        exercises.check("10.99", 1)
    with pytest.raises(ValueError, match="notebook 99 has no checked exercises"):
        exercises.check("99.1", 1)
    with pytest.raises(ValueError, match="looks like '10.2'"):
        exercises.check("ten", 1)
    assert exercises.hint("15.4").startswith("Dense(1)")
    assert el.exercises is exercises
