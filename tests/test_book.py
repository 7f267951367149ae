"""The book builds without a warning and its pages work offline.

Builds book/ once per test session (into a temporary folder) with the documented command

    jupyter-book build --warningiserror --keep-going book/

and checks the HTML: nothing is loaded or linked over http(s), MathJax and the widget manager
are local files, every notebook has its page with its stored math and figures (the notebooks are
not re-executed), the worked example of "Writing your own layer" ran during the build, no page
declares a script twice, the explorers carry their live-kernel note, and the API reference
documents every public name, the course's assignments are there as the students' copies and no
solution or hidden test of an instructor's notebook (course/source/) reaches any page.
tests/test_book_browser.py opens the same build in Chromium.

One build per session: the ``book`` fixture is session-scoped, and under pytest-xdist
(``-n 2 --dist loadfile`` puts this file and test_book_browser.py on different workers) the
workers share one build folder under the session's temporary root, the first to arrive builds
while the other waits on a lock (``fcntl``; where there is none, each worker builds its own).
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
RELEASES = sorted((ROOT / "course" / "release").glob("*/*.ipynb"))
SOURCES = sorted((ROOT / "course" / "source").glob("*/*.ipynb"))
SECRET = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)(.*?)### END (SOLUTION|HIDDEN TESTS)", flags=re.S)
EXTERNAL = re.compile(r'(?:src|href)="(https?://[^"]+)"')
MATH = re.compile(r'class="math[ "]')
IMAGE = re.compile(r'<img[^>]+src="([^"]+)"')
JUPYTER_BOOK = "import sys; from jupyter_book.cli.main import main; sys.exit(main())"


@contextlib.contextmanager
def _exclusive(lock: Path):
    """Hold an exclusive lock on ``lock`` (a no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:                    # Windows: the caller then builds per worker
        yield
        return
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_book(tmp_path_factory) -> tuple:
    """(html folder, build log) of this session's build of book/, made on first use."""
    if importlib.util.find_spec("jupyter_book") is None:
        pytest.skip("jupyter-book is not installed (pip install -e '.[book]')")
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER") and importlib.util.find_spec("fcntl"):
        root = root.parent                 # the session's root, shared by its workers
    out = root / "edulayers-book"
    with _exclusive(root / "edulayers-book.lock"):
        result = out / "build-result.json"
        if not result.is_file():
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", JUPYTER_BOOK, "build", "--warningiserror", "--keep-going",
                 "--path-output", str(out), str(ROOT / "book")],
                capture_output=True, text=True, cwd=ROOT, timeout=900)
            result.write_text(json.dumps({"returncode": done.returncode,
                                          "seconds": round(time.perf_counter() - start, 1),
                                          "log": done.stdout + done.stderr}), encoding="utf-8")
        built = json.loads(result.read_text(encoding="utf-8"))
    log = built["log"]
    assert built["returncode"] == 0, f"the book build failed:\n{log[-6000:]}"
    return out / "_build" / "html", log


@pytest.fixture(scope="session")
def book(tmp_path_factory):
    """(html folder, build log) of the session's build (tests/test_book_browser.py imports it)."""
    return build_book(tmp_path_factory)


def pages(html: Path) -> list:
    return [p for p in sorted(html.rglob("*.html")) if "_static" not in p.relative_to(html).parts]


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def widget_notebooks() -> list:
    """The notebooks that display an interactive explorer (a stored ipywidgets view)."""
    found = []
    for nb in NOTEBOOKS:
        data = json.loads(nb.read_text(encoding="utf-8"))
        views = any(WIDGET_VIEW in out.get("data", {})
                    for c in data["cells"] if c["cell_type"] == "code" for out in c.get("outputs", []))
        if views and data["metadata"].get("widgets"):
            found.append(nb)
    return found


#: The modules of the API reference, one page each (book/api/<name>.md).
API_MODULES = ["layers", "activations", "initializers", "regularizers", "constraints", "losses",
               "metrics", "optimizers", "models", "gradcheck", "grading", "datasets"]


def public_names(module) -> list:
    """``__all__``, or the classes and functions a module without one defines."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name, obj in vars(module).items() if not name.startswith("_")
                 and (inspect.isclass(obj) or inspect.isfunction(obj))
                 and obj.__module__ == module.__name__]
    return [name for name in names if not inspect.ismodule(getattr(module, name))]


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


def test_no_page_declares_a_script_twice(book):
    # Sphinx 7 wrote body-only scripts added late twice: "const THEBE_JS_URL" was declared
    # twice and every page raised a SyntaxError in the browser.
    html, _ = book
    repeated = {}
    for page in pages(html):
        bodies = re.findall(r"<script>(.+?)</script>", page.read_text(encoding="utf-8"), flags=re.S)
        twice = sorted({body[:60] for body in bodies if bodies.count(body) > 1})
        if twice:
            repeated[str(page.relative_to(html))] = twice
    assert not repeated, repeated


def test_every_explorer_has_its_live_kernel_note(book):
    html, _ = book
    with_widgets = {nb.stem for nb in widget_notebooks()}
    for nb in NOTEBOOKS:
        text = (html / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8")
        notes = text.count("edulayers-live-kernel")
        if nb.stem in with_widgets:
            assert notes >= 1, f"{nb.name} shows an explorer but no note that it needs a kernel"
            assert text.index("edulayers-live-kernel") < text.index(WIDGET_VIEW)
            assert "jupyter lab notebooks/" in text
        else:
            assert notes == 0, f"{nb.name} has no explorer but carries the live-kernel note"


def test_the_widget_pages_load_the_offline_shim_and_fonts(book):
    html, _ = book
    for nb in widget_notebooks():
        text = (html / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8")
        order = [text.index(f'_static/{name}') for name in ("require.js", "widgets-offline.js", "embed-amd.js")]
        assert order == sorted(order), f"{nb.name}: widgets-offline.js must sit between require.js and embed-amd.js"
    fonts = re.findall(r"[0-9a-f]{20}\.woff2", (html / "_static" / "embed-amd.js").read_text(encoding="utf-8"))
    assert fonts
    for font in set(fonts):
        assert (html / "_static" / "html-manager" / font).is_file(), f"the widget font {font} is not vendored"


def test_api_reference_documents_every_public_name(book):
    html, log = book
    missing = {}
    for name in API_MODULES:
        page = html / "api" / f"{name}.html"
        assert page.is_file(), f"no API reference page for edulayers.{name}"
        text = page.read_text(encoding="utf-8")
        module = importlib.import_module(f"edulayers.{name}")
        absent = [n for n in public_names(module) if f'id="edulayers.{name}.{n}"' not in text]
        if absent:
            missing[name] = absent
    assert not missing, f"public names without an entry in the API reference: {missing}"
    verbatim = re.findall(r"\[api_reference\] (\S+): docstring shown as written \((.*)\)", log)
    if verbatim:
        warnings.warn("docstrings that are not valid reStructuredText (the API reference shows "
                      "them as written; fix them in the package): "
                      + "; ".join(f"{name} ({why})" for name, why in verbatim))


def _extension(name: str):
    """book/_ext/<name>.py, imported (it needs Sphinx)."""
    if importlib.util.find_spec("sphinx") is None:
        pytest.skip("sphinx is not installed (pip install -e '.[book]')")
    spec = importlib.util.spec_from_file_location(name, ROOT / "book" / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_build_check_catches_online_references(tmp_path):
    offline_assets = _extension("offline_assets")
    (tmp_path / "ok.html").write_text('<a href="other.html">x</a><script src="_static/require.js">')
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "vendor.html").write_text('<a href="https://example.org">ignored</a>')
    (tmp_path / "bad.html").write_text('<script src="https://cdn.example.org/x.js"></script>')
    assert offline_assets.external_references(tmp_path) == {"bad.html": ["https://cdn.example.org/x.js"]}


def test_the_index_redirect_is_completed_with_the_icon(tmp_path):
    offline_assets = _extension("offline_assets")
    index = tmp_path / "index.html"
    index.write_text('<meta http-equiv="Refresh" content="0; url=intro.html" />\n')
    assert offline_assets.complete_redirect(index, "_static/favicon.svg")
    text = index.read_text()
    assert 'url=intro.html' in text and 'rel="icon" href="_static/favicon.svg"' in text
    assert not offline_assets.complete_redirect(index, "_static/favicon.svg")   # a page: left alone


def test_a_body_only_script_added_as_none_and_as_empty_is_written_once():
    offline_assets = _extension("offline_assets")
    from sphinx.builders.html._assets import _JavaScript
    body = {"body": 'const THEBE_JS_URL = "x"'}
    scripts = [_JavaScript(None, **body), _JavaScript("_static/a.js"), _JavaScript("", **body),
               _JavaScript("_static/a.js", defer="defer")]
    assert offline_assets.unique_scripts(scripts) == [scripts[0], scripts[1], scripts[3]]


def test_the_live_kernel_note_goes_before_the_cell_with_the_widget():
    offline_assets = _extension("offline_assets")
    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document
    doc = new_document("<test>", get_default_settings(Parser))
    plain = nodes.container(classes=["cell"])
    widget = nodes.container(classes=["cell"])
    widget += nodes.container("", nodes.raw("", f'<script type="{WIDGET_VIEW}">{{}}</script>', format="html"))
    doc += [plain, widget]
    assert offline_assets.add_live_kernel_notes(doc, "notebooks/02_activations") == 1
    note = doc.children[1]
    assert "edulayers-live-kernel" in note["classes"] and doc.children[2] is widget
    assert "jupyter lab notebooks/" in note.astext() and "02_activations.ipynb" in note.astext()


def test_a_docstring_that_breaks_markup_is_shown_as_written():
    api_reference = _extension("api_reference")
    good = ["A layer: ``y = x W``, see :class:`Dense` and :math:`\\sigma`.", "",
            ".. math:: \\frac{a}{b}", "", ":param units: the size."]
    assert api_reference.rst_problems(good) == []
    for bad in (["Args (Keras 1):", "    init: x.", "        wrapped.", "back out."],
                ["kernel_initializer, *_regularizer: penalties."],
                ["f(x) = log(1 + e^{-|x|})"],
                ["depthwise_/pointwise_ kernels."]):
        assert api_reference.rst_problems(bad), bad
    shown = api_reference.as_written("One *line.\n\nArgs (Keras 1):\n    init: x.")
    assert api_reference.rst_problems(shown) == []
    assert "    Args (Keras 1):" in shown


# ---------------------------------------------------------------------------- the course
def _cell_text(nb_path: Path) -> str:
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells)


def _flat(text: str) -> str:
    return " ".join(text.split())


def secret_lines() -> dict:
    """``{line: source notebook}``: the lines of the solutions and hidden tests of course/source/
    that appear nowhere public (the students' copies, the notebooks, the book's pages, the package)."""
    public = [_cell_text(p) for p in RELEASES + NOTEBOOKS]
    public += [p.read_text(encoding="utf-8") for p in (ROOT / "book").glob("*.md")]
    public += [p.read_text(encoding="utf-8") for p in (ROOT / "edulayers").rglob("*.py")]
    public = _flat("\n".join(public))
    found = {}
    for nb in SOURCES:
        for match in SECRET.finditer(_cell_text(nb)):
            for line in match.group(2).splitlines():
                line = _flat(line)
                if len(line) >= 16 and line not in public:
                    found[line] = nb.parent.name
    return found


def site_text(html: Path) -> dict:
    """``{page: its text}`` for every file of the built site that could show a solution: the
    pages (tags removed, entities decoded) and the copied sources (_sources/)."""
    import html as html_module
    texts = {}
    for path in html.rglob("*"):
        if not path.is_file() or "_static" in path.relative_to(html).parts:
            continue
        if path.suffix in (".html", ".txt", ".ipynb", ".md", ".js", ".json"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".html":
                text = html_module.unescape(re.sub(r"<[^>]+>", "", text))
            texts[str(path.relative_to(html))] = _flat(text)
    return texts


def leaks(texts: dict, secrets: dict) -> dict:
    return {page: sorted({secrets[line] for line in secrets if line in text})
            for page, text in texts.items() if any(line in text for line in secrets)}


def test_the_assignments_are_in_the_book_as_the_students_copies(book):
    html, _ = book
    assert RELEASES, "course/release/ holds no assignment"
    link = ROOT / "book" / "assignments"
    assert link.resolve() == (ROOT / "course" / "release").resolve()
    for nb in RELEASES:
        page = html / "assignments" / nb.parent.name / f"{nb.stem}.html"
        assert page.is_file(), f"{nb.parent.name} has no page in the book (book/_toc.yml)"
        assert "YOUR CODE HERE" in page.read_text(encoding="utf-8")
    assert (html / "instructors.html").is_file()


def test_no_solution_and_no_hidden_test_reaches_the_book(book):
    html, _ = book
    secrets = secret_lines()
    assert len(secrets) >= 10 * len(SOURCES), "the solutions of course/source/ were not read"
    found = leaks(site_text(html), secrets)
    assert not found, f"solution or hidden-test text of these assignments is in the book: {found}"


def test_the_leak_check_finds_a_solution_line(tmp_path):
    secrets = {"grad[i] = (plus - minus) / (2 * eps)": "a02"}
    (tmp_path / "page.html").write_text('<pre><span class="n">grad</span>[i] = (plus &minus; '
                                        "minus) / (2 * eps)</pre>".replace("&minus;", "-"))
    (tmp_path / "other.html").write_text("<p>nothing here</p>")
    assert leaks(site_text(tmp_path), secrets) == {"page.html": ["a02"]}
