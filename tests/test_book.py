"""The book builds without a warning and its pages work offline.

Builds book/ once (into a temporary folder) with the documented command

    jupyter-book build --warningiserror --keep-going book/

and checks the HTML: nothing is loaded or linked over http(s), MathJax and the widget manager
are local files, every notebook has its page with its stored math and figures (the notebooks are
not re-executed), and the worked example of "Writing your own layer" ran during the build.
"""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXTERNAL = re.compile(r'(?:src|href)="(https?://[^"]+)"')
MATH = re.compile(r'class="math[ "]')
IMAGE = re.compile(r'<img[^>]+src="([^"]+)"')
JUPYTER_BOOK = "import sys; from jupyter_book.cli.main import main; sys.exit(main())"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """(html folder, build log) of a fresh build."""
    if importlib.util.find_spec("jupyter_book") is None:
        pytest.skip("jupyter-book is not installed (pip install -e '.[book]')")
    out = tmp_path_factory.mktemp("book")
    done = subprocess.run(
        [sys.executable, "-c", JUPYTER_BOOK, "build", "--warningiserror", "--keep-going",
         "--path-output", str(out), str(ROOT / "book")],
        capture_output=True, text=True, cwd=ROOT, timeout=900)
    log = done.stdout + done.stderr
    assert done.returncode == 0, f"the book build failed:\n{log[-6000:]}"
    return out / "_build" / "html", log


def pages(html: Path) -> list:
    return [p for p in sorted(html.rglob("*.html")) if "_static" not in p.relative_to(html).parts]


def test_builds_without_warnings(book):
    _, log = book
    warnings = [line for line in log.splitlines() if "WARNING" in line and "IPKernelApp" not in line]
    assert not warnings, "\n".join(warnings)
    assert "build succeeded" in log


def test_no_page_loads_or_links_anything_online(book):
    html, _ = book
    found = {str(p.relative_to(html)): EXTERNAL.findall(p.read_text(encoding="utf-8"))
             for p in pages(html)}
    found = {page: urls for page, urls in found.items() if urls}
    assert not found, f"pages reference http(s) URLs (they break offline): {found}"


def test_mathjax_is_served_locally(book):
    html, _ = book
    intro = (html / "intro.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', intro)
    assert scripts, "intro.html loads no MathJax"
    for src in scripts:
        assert (html / src.split("?")[0]).is_file(), f"MathJax script {src} is not in the build"
    assert MATH.search(intro), "intro.html has no math"


def test_every_notebook_has_a_page_with_its_figures(book):
    html, _ = book
    for nb in NOTEBOOKS:
        page = html / "notebooks" / f"{nb.stem}.html"
        assert page.is_file(), f"{nb.name} has no page in the book (is it in book/_toc.yml?)"
        text = page.read_text(encoding="utf-8")
        stored_images = sum("image/png" in out.get("data", {})
                            for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]
                            if c["cell_type"] == "code" for out in c.get("outputs", []))
        images = [src for src in IMAGE.findall(text) if "_images/" in src]
        assert len(images) >= stored_images, (
            f"{nb.name}: {stored_images} stored figures, {len(images)} on its page")
        for src in images:
            assert (page.parent / src).resolve().is_file(), f"{page.name}: missing image {src}"


def test_a_notebook_page_shows_math_and_a_figure(book):
    html, _ = book
    if not NOTEBOOKS:
        pytest.skip("notebooks/ holds no notebook yet")
    both = [nb.name for nb in NOTEBOOKS
            if MATH.search(text := (html / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8"))
            and IMAGE.search(text)]
    assert both, "no notebook page has both math and a figure"


def test_widget_pages_embed_state_and_a_local_widget_manager(book):
    html, _ = book
    for nb in NOTEBOOKS:
        state = json.loads(nb.read_text(encoding="utf-8"))["metadata"].get("widgets")
        if not state:
            continue
        text = (html / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert "application/vnd.jupyter.widget-state+json" in text, f"{nb.name}: no widget state"
        for name in ("require.js", "embed-amd.js"):
            srcs = re.findall(rf'<script[^>]+src="([^"]*{re.escape(name)}[^"]*)"', text)
            assert srcs, f"{nb.name}: the page does not load {name}"
            assert (html / "notebooks" / srcs[0].split("?")[0]).resolve().is_file()


def test_notebooks_are_shown_as_stored_not_re_executed(book):
    _, log = book
    executed = re.findall(r"(\S+): Executing notebook", log)
    assert all(path.endswith("custom_layers.md") for path in executed), executed


def test_the_worked_example_ran_during_the_build(book):
    html, _ = book
    text = (html / "custom_layers.html").read_text(encoding="utf-8")
    assert "gradcheck of LearnableSwish" in text and "PASSED" in text
    assert "gradcheck of BuggySwish" in text and "FAILED" in text
    assert "Traceback" not in text


def test_the_build_check_catches_online_references(tmp_path):
    if importlib.util.find_spec("sphinx") is None:
        pytest.skip("sphinx is not installed (pip install -e '.[book]')")
    spec = importlib.util.spec_from_file_location("offline_assets", ROOT / "book" / "_ext" / "offline_assets.py")
    offline_assets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(offline_assets)
    (tmp_path / "ok.html").write_text('<a href="other.html">x</a><script src="_static/require.js">')
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "vendor.html").write_text('<a href="https://example.org">ignored</a>')
    (tmp_path / "bad.html").write_text('<script src="https://cdn.example.org/x.js"></script>')
    assert offline_assets.external_references(tmp_path) == {"bad.html": ["https://cdn.example.org/x.js"]}
