"""Sphinx extension: make every page of the book work offline, and say what a static page cannot do.

Jupyter Book's defaults load require.js and the ipywidgets HTML manager from CDNs; offline, the
sliders vanish. This extension

* puts pinned copies of ``require.js``, ``embed-amd.js`` and the manager's Font Awesome files in
  ``book/_vendor/`` (fetched once with ``npm pack`` from the npm registry and checked against the
  SHA-256 below; the folder is git-ignored, 4.6 MB that need not live in the repository), and
  serves them from ``_static/`` (``_config.yml`` points ``nb_ipywidgets_js`` at them). The folder
  is not ``_static/`` on purpose: Jupyter Book injects every .js/.css found there into every page.
* serves ``book/_assets/`` (written here, committed) from ``_static/`` too and adds its
  stylesheet to every page: ``edulayers.css`` (display math scrolls instead of being clipped,
  with a visible scrollbar) and ``widgets-offline.js`` (listed in ``nb_ipywidgets_js`` between
  require.js and embed-amd.js: it points require.js at the vendored fonts and gives MathJax 3 the
  ``MathJax.Hub.Queue`` of MathJax 2 that the widget manager calls).
* writes each ``<script>`` once: Sphinx 7 emits a body-only script added after ``Builder.init()``
  twice (once as ``None``, once as ``""``), so sphinx-thebe's ``const THEBE_JS_URL`` was declared
  twice and every page raised a SyntaxError.
* completes the bare ``index.html`` redirect that sphinx-external-toc writes (a doctype, a
  title and the book's icon: without an icon link the browser asks for /favicon.ico, a 404).
* puts a note above every interactive explorer (an ipywidgets view stored in a notebook): in the
  static book its controls move but its plot, computed by Python, does not; the note says how to
  run the notebook.
* after the build, fails it if any HTML page still loads or links anything over http(s)
  (MathJax comes from the ``sphinx-mathjax-offline`` package, enabled in ``_config.yml``).

Set ``EDULAYERS_BOOK_VENDOR`` to a folder that already holds the vendored files to skip the fetch.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

BOOK = Path(__file__).resolve().parents[1]
VENDOR = Path(os.environ.get("EDULAYERS_BOOK_VENDOR", BOOK / "_vendor"))
ASSETS = BOOK / "_assets"

#: npm package -> {file inside the tarball: (name in _vendor/, sha256)}
#: The fonts: the manager's CSS (Font Awesome 5) asks for them next to its AMD module, which
#: widgets-offline.js maps to _static/html-manager/. Only the woff2 files: every browser that runs
#: the manager reads woff2 first and never asks for the older formats.
PINNED = {
    "@jupyter-widgets/html-manager@1.0.6": {
        "package/dist/embed-amd.js": (
            "embed-amd.js", "b129dee93e124bd7cdc2e1a50f3074029f37de34ace5e2a941e345b28c76d06f"),
        "package/dist/1551f4f60c37af51121f.woff2": (
            "html-manager/1551f4f60c37af51121f.woff2",
            "9834b82ad26e2a37583d22676a12dd2eb0fe7c80356a2114d0db1aa8b3899537"),
        "package/dist/7a3337626410ca2f4071.woff2": (
            "html-manager/7a3337626410ca2f4071.woff2",
            "e42a88444448ac3d60549cc7c1ff2c8a9cac721034c073d80a14a44e79730cca"),
        "package/dist/d878b0a6a1144760244f.woff2": (
            "html-manager/d878b0a6a1144760244f.woff2",
            "8ea8791754915a898a3100e63e32978a6d1763be6df8e73a39d3a90d691cdeef"),
    },
    "requirejs@2.3.8": {
        "package/require.js": (
            "require.js", "c1fc6b1d53af7522f78d664922abb32acac64ed0ecccb8f907f1e6fc7262563a"),
    },
}

EXTERNAL = re.compile(r'(?:src|href)="(https?://[^"]+)"')


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _missing() -> list:
    wanted = [(name, digest) for files in PINNED.values() for name, digest in files.values()]
    return [name for name, digest in wanted
            if not (VENDOR / name).is_file() or _sha256(VENDOR / name) != digest]


def fetch_vendor() -> None:
    """Download the pinned npm tarballs and keep the files the widget manager needs."""
    if not _missing():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ExtensionError(
            "the book needs require.js and @jupyter-widgets/html-manager@1.0.6 in book/_vendor/ "
            f"(missing: {_missing()}); they are fetched with npm, which is not installed. "
            "Install Node.js/npm or copy the files there by hand.")
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        logger.info(f"[offline_assets] npm pack {' '.join(PINNED)}")
        done = subprocess.run([npm, "pack", "--silent", *PINNED, "--pack-destination", tmp],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise ExtensionError(f"npm pack failed:\n{done.stderr}")
        for tgz in Path(tmp).glob("*.tgz"):
            with tarfile.open(tgz) as tar:
                for files in PINNED.values():
                    for member, (name, digest) in files.items():
                        try:
                            data = tar.extractfile(member).read()
                        except KeyError:
                            continue
                        if hashlib.sha256(data).hexdigest() != digest:
                            raise ExtensionError(f"{member} from {tgz.name} does not match its pinned SHA-256")
                        (VENDOR / name).parent.mkdir(parents=True, exist_ok=True)
                        (VENDOR / name).write_bytes(data)
    if _missing():
        raise ExtensionError(f"npm pack did not provide {_missing()}")


def _config_inited(app, config) -> None:
    fetch_vendor()
    config.html_static_path = list(config.html_static_path) + [str(VENDOR), str(ASSETS)]


# ------------------------------------------------------------------ each <script> once
def _script_key(js) -> tuple:
    filename = getattr(js, "filename", js) or ""          # Sphinx 7: _JavaScript; older: str
    attributes = getattr(js, "attributes", {}) or {}
    return (str(filename), getattr(js, "priority", 500), tuple(sorted(attributes.items())))


def unique_scripts(scripts: list) -> list:
    """``scripts`` without repeats; ``None`` and ``""`` (a body-only script) are the same file."""
    seen, unique = set(), []
    for js in scripts:
        key = _script_key(js)
        if key not in seen:
            seen.add(key)
            unique.append(js)
    return unique


def _html_page_context(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = unique_scripts(scripts)


# ------------------------------------------------------------------ a note above each explorer
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def live_kernel_note(docname: str) -> nodes.admonition:
    """The note shown above an explorer: why its plot stands still here, and how to run it."""
    notebook = Path(docname).name + ".ipynb"
    note = nodes.admonition(classes=["note", "edulayers-live-kernel"])
    note += nodes.title("", "This explorer needs a live kernel")
    note += nodes.paragraph(
        "", "In the book its controls move but its plot does not follow: every redraw is computed "
            "by Python, and a web page has no Python behind it. To use it, run the notebook "
            "(from the repository root):")
    commands = ("python3 -m venv .venv && .venv/bin/pip install -e '.[notebooks]'\n"
                ".venv/bin/jupyter lab notebooks/")
    note += nodes.literal_block(commands, commands, language="bash")
    para = nodes.paragraph("", "then open ")
    para += nodes.literal(notebook, notebook)
    para += nodes.Text(" and run all its cells (Run > Run All Cells).")
    note += para
    return note


def _cell_of(node):
    while node is not None and not (isinstance(node, nodes.container) and "cell" in node["classes"]):
        node = node.parent
    return node


def add_live_kernel_notes(doctree, docname: str) -> int:
    """Insert the note before every notebook cell that displays a widget; returns how many."""
    cells = []
    for raw in doctree.findall(nodes.raw):
        if WIDGET_VIEW in raw.astext():
            cell = _cell_of(raw)
            if cell is not None and cell.parent is not None and all(cell is not c for c in cells):
                cells.append(cell)
    for cell in cells:
        cell.parent.insert(cell.parent.index(cell), live_kernel_note(docname))
    return len(cells)


def _doctree_read(app, doctree) -> None:
    add_live_kernel_notes(doctree, app.env.docname)


def external_references(outdir) -> dict:
    """``{page: [urls]}`` for every built HTML page that references anything over http(s)."""
    found = {}
    for page in sorted(Path(outdir).rglob("*.html")):
        if "_static" in page.relative_to(outdir).parts:
            continue
        urls = EXTERNAL.findall(page.read_text(encoding="utf-8", errors="replace"))
        if urls:
            found[str(page.relative_to(outdir))] = sorted(set(urls))
    return found


REDIRECT = re.compile(r'^<meta http-equiv="Refresh" content="0; url=([^"]+)" />\s*$')


def complete_redirect(page: Path, icon: str | None) -> bool:
    """Make sphinx-external-toc's bare ``index.html`` redirect a whole page, with the book's icon.

    Without a ``<link rel="icon">`` a browser asks the server for /favicon.ico: a 404 on every
    visit of the book's front door.
    """
    match = REDIRECT.match(page.read_text(encoding="utf-8")) if page.is_file() else None
    if match is None:
        return False
    target = match.group(1)
    link = f'<link rel="icon" href="{icon}">\n' if icon else ""
    page.write_text(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Refresh" content="0; url={target}">\n{link}<title>edulayers</title>\n'
        f'</head>\n<body><p><a href="{target}">Go to the book</a></p></body>\n</html>\n',
        encoding="utf-8")
    return True


def _build_finished(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    favicon = app.config.html_favicon
    icon = f"_static/{Path(favicon).name}" if favicon and "://" not in favicon else None
    complete_redirect(Path(app.outdir) / "index.html", icon)
    found = external_references(app.outdir)
    if found:
        listing = "\n".join(f"  {page}: {urls}" for page, urls in found.items())
        raise ExtensionError(f"pages reference http(s) resources, so they break offline:\n{listing}")


def setup(app):
    app.connect("config-inited", _config_inited)
    app.connect("doctree-read", _doctree_read)
    # after every handler that adds scripts (sphinx.ext.mathjax, myst-nb: priority 500)
    app.connect("html-page-context", _html_page_context, priority=900)
    app.add_css_file("edulayers.css")
    # after sphinx-external-toc writes the index.html redirect (priority 500)
    app.connect("build-finished", _build_finished, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
