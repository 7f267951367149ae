"""Notebook tooling of the assignment convention: ``strip_solutions`` and ``load_answers``.

An instructor's notebook tags the solution cells ``solution`` and holds the skeletons in
Markdown cells tagged ``skeleton``; ``strip_solutions`` turns it into the students' notebook,
``load_answers`` runs the cells tagged ``answer`` of a submitted one. Only the standard library's
json is used (no nbformat needed).
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from .report import _error_text

__all__ = ["strip_solutions", "load_answers"]


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
