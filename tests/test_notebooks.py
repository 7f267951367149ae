"""The notebooks are committed executed, so that nbval can compare them and the book can show them.

nbval itself runs in the same pytest command (see README.md and .ci/run):

    python -m pytest tests notebooks --nbval --nbval-current-env \
        --nbval-sanitize-with notebooks/sanitize.cfg --nbval-cell-timeout 120

It re-executes every notebooks/*.ipynb and compares each cell's fresh output with the stored one.
What nbval cannot see is checked here, without a kernel:

* a cell committed without its output is not compared at all, so every code cell must have been
  executed, top to bottom in one fresh kernel (execution counts 1, 2, 3, ...), and cells that
  print, display or show a figure must have stored outputs;
* the notebook declares the python3 kernel (nbval and the book start that kernel);
* a slider in an output needs its widget state in the notebook metadata, or it vanishes from
  the book (notebooks/execute.py stores it);
* no stored error, no machine-specific path in an output;
* every notebook is a chapter of the book (book/_toc.yml).
"""
from __future__ import annotations

import ast
import fnmatch
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
SHOWS_SOMETHING = re.compile(r"\b(print|display|plt\.show|\w+\.show)\s*\(")
MACHINE_PATH = re.compile(r"(/work/|/home/|/root/|/tmp/|/Users/|[A-Z]:\\\\)")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def _python_only(src: str) -> str:
    """The cell without IPython magics and shell escapes, so that ``ast`` can read it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())


def must_show_output(src: str) -> bool:
    """Whether running the cell surely produces an output (so a stored empty output is a bug)."""
    code = _python_only(src)
    if SHOWS_SOMETHING.search(code):
        return True
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False
    if not body or not isinstance(body[-1], ast.Expr) or code.rstrip().endswith(";"):
        return False
    value = body[-1].value
    if isinstance(value, ast.Call):
        # a call may return None (el.set_random_seed(0)); explain() and gradcheck never do
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in ("explain", "gradcheck")
    return not isinstance(value, ast.Constant) or value.value is not None


def toc_patterns() -> list:
    """``file:`` and ``glob:`` entries of book/_toc.yml (paths relative to book/, no suffix)."""
    text = (ROOT / "book" / "_toc.yml").read_text(encoding="utf-8")
    entries = re.findall(r"^\s*-?\s*(file|glob|root):\s*['\"]?([^'\"#\s]+)", text, flags=re.M)
    return [(kind, re.sub(r"\.(ipynb|md)$", "", value)) for kind, value in entries]


def in_toc(docname: str, patterns) -> bool:
    return any(docname == value if kind != "glob" else fnmatch.fnmatch(docname, value)
               for kind, value in patterns)


ids = [p.name for p in NOTEBOOKS]


def test_notebook_folder_is_the_one_the_book_includes():
    link = ROOT / "book" / "notebooks"
    assert link.is_symlink() or link.is_dir(), "book/notebooks must point at ../notebooks"
    assert link.resolve() == (ROOT / "notebooks").resolve()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_declares_the_python3_kernel(path):
    kernelspec = load(path)["metadata"].get("kernelspec", {})
    assert kernelspec.get("name") == "python3", f"{path.name}: kernelspec is {kernelspec!r}"
    assert kernelspec.get("display_name")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_every_code_cell_was_executed_top_to_bottom(path):
    cells = code_cells(load(path))
    assert cells, f"{path.name} has no code"
    counts = [c.get("execution_count") for c in cells]
    unexecuted = [i for i, n in enumerate(counts) if n is None]
    assert not unexecuted, (f"{path.name}: code cells {unexecuted} have no execution count: "
                            f"run `python notebooks/execute.py {path.name}` and commit the result")
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(cells)}: the stored outputs do not "
        f"come from one top-to-bottom run; run `python notebooks/execute.py {path.name}`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_cells_that_show_something_have_stored_outputs(path):
    missing = [i for i, c in enumerate(code_cells(load(path)))
               if must_show_output(source(c)) and not c.get("outputs")]
    assert not missing, (f"{path.name}: code cells {missing} print/display/show something but have "
                         "no stored output, so nbval would not compare them")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_errors_and_no_machine_paths_in_outputs(path):
    for i, cell in enumerate(code_cells(load(path))):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: code cell {i} stored an error"
            texts = [out.get("text", "")] if out["output_type"] == "stream" else [
                out.get("data", {}).get(k, "") for k in ("text/plain", "text/markdown", "text/html")]
            for text in texts:
                text = "".join(text) if isinstance(text, list) else text
                assert not MACHINE_PATH.search(text), (
                    f"{path.name}: code cell {i} shows a path of this machine: "
                    f"{MACHINE_PATH.search(text).group(0)!r}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_widget_views_have_their_state_stored(path):
    nb = load(path)
    views = [out["data"][WIDGET_VIEW]["model_id"] for c in code_cells(nb)
             for out in c.get("outputs", []) if WIDGET_VIEW in out.get("data", {})]
    if not views:
        return
    state = nb["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    lost = [v for v in views if v not in state]
    assert not lost, (f"{path.name}: widget views {lost} have no stored state, so the book cannot "
                      "show them; execute with notebooks/execute.py (store_widget_state=True)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_starts_with_a_title_and_is_a_chapter_of_the_book(path):
    nb = load(path)
    first = next(c for c in nb["cells"] if "".join(c["source"]).strip())
    assert first["cell_type"] == "markdown" and "".join(first["source"]).lstrip().startswith("# "), (
        f"{path.name}: the first cell must be Markdown starting with a '# Title' (the chapter title)")
    docname = f"notebooks/{path.stem}"
    assert in_toc(docname, toc_patterns()), f"{docname} is not listed in book/_toc.yml"


def test_must_show_output_heuristic():
    assert must_show_output("print(el.gradcheck(layer, x))")
    assert must_show_output("layer.explain()")
    assert must_show_output("%matplotlib inline\nx.shape")
    assert must_show_output("fig, ax = plt.subplots()\nax.plot(x)\nplt.show()")
    assert not must_show_output("import numpy as np\nel.set_random_seed(0)")
    assert not must_show_output("layer = el.layers.Dense(3)")
    assert not must_show_output("ax.plot(x);")


def test_toc_matching():
    patterns = [("root", "intro"), ("file", "custom_layers"), ("glob", "notebooks/*")]
    assert in_toc("notebooks/05_convolutional", patterns)
    assert in_toc("custom_layers", patterns)
    assert not in_toc("other/05_convolutional", patterns)
    assert ("glob", "notebooks/*") in toc_patterns()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_listed_in_the_readme(path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{path.name}`" in readme, f"add {path.name} to the notebook table of README.md"
