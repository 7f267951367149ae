"""Checks for the notebooks' exercises: ``el.exercises.check("10.2", answer)``.

Each notebook's exercises live in one module of this package, ``nbNN.py``, as a dictionary
``EXERCISES`` from the exercise's number (``"10.2"``) to how an answer is judged:

- ``expected``: the right answer. A number, a list or an array is compared with ``np.allclose``
  (``rtol``, ``atol``; shapes must agree, after ``np.squeeze`` of both when ``squeeze=True``);
  an ``int`` must be met exactly; a string is compared without regard to case or surrounding
  blanks; ``True``/``False`` must be met as a truth value; a ``set`` is compared as a set; a tuple
  holding ``None`` (a shape such as ``(None, 5, 16)``) must be met item by item.
- ``choices``: the answers the exercise offers; anything else is refused with the list.
- ``test``: instead of ``expected``, a function of the answer that says whether it is right (for
  answers that are functions, such as a student's ``backward``).
- ``hint``: what to look at again when the answer is wrong.

``check`` never raises for a wrong answer: it returns a :class:`CheckResult` that prints as one
line (right, or not yet and the hint) and is truthy when the answer is right.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

import numpy as np

__all__ = ["check", "hint", "exercise_numbers", "CheckResult"]

_DEFAULT_RTOL, _DEFAULT_ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer: ``correct``, and the line shown to the reader."""
    number: str
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return self.message

    __str__ = __repr__


def _normalize(number) -> str:
    """``"5.2"``, ``"05.2"`` -> ``"05.2"``: the notebook part has two digits, as in the file names."""
    text = str(number).strip()
    notebook, dot, item = text.partition(".")
    if not dot or not notebook.isdigit() or not item:
        raise ValueError(f"el.exercises: an exercise number looks like '10.2' (notebook.item); received {number!r}")
    return f"{int(notebook):02d}.{item}"


def _notebook_exercises(notebook: str) -> dict:
    try:
        module = importlib.import_module(f"{__name__}.nb{notebook}")
    except ModuleNotFoundError:
        have = ", ".join(sorted(name[2:] for name in _modules()))
        raise ValueError(f"el.exercises: notebook {notebook} has no checked exercises; "
                         f"notebooks with checks: {have}") from None
    return module.EXERCISES


def _modules() -> list:
    return [info.name for info in pkgutil.iter_modules(__path__) if info.name.startswith("nb")]


def _entry(number) -> tuple:
    key = _normalize(number)
    exercises = _notebook_exercises(key.split(".")[0])
    if key not in exercises:
        raise ValueError(f"el.exercises: there is no exercise {key}; notebook {key.split('.')[0]} "
                         f"has {', '.join(sorted(exercises, key=_sort_key))}")
    return key, exercises[key]


def _sort_key(number: str) -> tuple:
    notebook, item = number.split(".")
    return (int(notebook), int(item) if item.isdigit() else item)


def exercise_numbers(notebook=None) -> list:
    """Every exercise that has a check, in order (only notebook ``notebook``'s when given)."""
    names = _modules() if notebook is None else [f"nb{int(notebook):02d}"]
    numbers = []
    for name in names:
        numbers += list(_notebook_exercises(name[2:]))
    return sorted(numbers, key=_sort_key)


def hint(number) -> str:
    """The hint of exercise ``number``, without checking anything."""
    return _entry(number)[1]["hint"]


def _judge(spec: dict, answer) -> tuple:
    """(right?, why not) for one answer against its exercise's spec."""
    if "test" in spec:
        try:
            return bool(spec["test"](answer)), ""
        except Exception as error:                           # the reader's code is being tried
            return False, f"trying your answer raised {type(error).__name__}: {error}"
    expected = spec["expected"]
    choices = spec.get("choices")
    if choices is not None:
        matches = [c for c in choices if _same_choice(c, answer)]
        if not matches:
            return False, f"the answer is one of {', '.join(repr(c) for c in choices)}; received {answer!r}"
        return _same_choice(expected, answer), ""
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected.lower(), ""
    if isinstance(expected, (bool, np.bool_)):
        return isinstance(answer, (bool, np.bool_)) and bool(answer) == bool(expected), ""
    if isinstance(expected, (set, frozenset)):
        try:
            given = {a.strip().lower() if isinstance(a, str) else a for a in answer}
        except TypeError:
            return False, f"expected a collection of {len(expected)} items; received {answer!r}"
        return given == {e.lower() if isinstance(e, str) else e for e in expected}, ""
    if isinstance(expected, tuple) and any(e is None for e in expected):
        try:
            given = tuple(None if a is None else int(a) for a in answer)
        except (TypeError, ValueError):
            return False, f"expected a shape such as {expected!r} (with None for the batch); received {answer!r}"
        return given == expected, ""
    if isinstance(expected, int):
        try:
            value = float(np.asarray(answer, dtype=float))
        except (TypeError, ValueError):
            return False, f"expected a whole number; received {answer!r}"
        return value == expected, ""
    return _judge_numbers(spec, np.asarray(expected, dtype=float), answer)


def _same_choice(choice, answer) -> bool:
    if isinstance(choice, str):
        return isinstance(answer, str) and answer.strip().lower() == choice.lower()
    if isinstance(choice, (bool, np.bool_)):
        return isinstance(answer, (bool, np.bool_)) and bool(answer) == bool(choice)
    return answer == choice


def _judge_numbers(spec: dict, expected: np.ndarray, answer) -> tuple:
    try:
        given = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return False, f"expected numbers of shape {expected.shape}; received {type(answer).__name__}"
    if spec.get("squeeze"):
        expected, given = np.squeeze(expected), np.squeeze(given)
    if given.shape != expected.shape:
        return False, f"expected shape {expected.shape}; received shape {given.shape}"
    rtol, atol = spec.get("rtol", _DEFAULT_RTOL), spec.get("atol", _DEFAULT_ATOL)
    if not np.all(np.isfinite(given)):
        return False, "your answer holds nan or inf"
    return bool(np.allclose(given, expected, rtol=rtol, atol=atol)), ""


def check(number, answer) -> CheckResult:
    """Judge ``answer`` to exercise ``number`` (``"05.2"`` or ``"5.2"``): right, or a hint.

    >>> el.exercises.check("15.4", 11)
    15.4: right.
    """
    key, spec = _entry(number)
    correct, why = _judge(spec, answer)
    if correct:
        return CheckResult(key, True, f"{key}: right.")
    detail = f" ({why})" if why else ""
    return CheckResult(key, False, f"{key}: not yet{detail}. Hint: {spec['hint']}")
