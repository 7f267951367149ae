"""Sphinx extension: make every page of the book work offline.

Jupyter Book's defaults load require.js and the ipywidgets HTML manager from CDNs; offline, the
sliders vanish. This extension

* puts pinned copies of ``require.js`` and ``embed-amd.js`` in ``book/_vendor/`` (fetched once
  with ``npm pack`` from the npm registry and checked against the SHA-256 below; the folder is
  git-ignored, 4.5 MB that need not live in the repository), and serves them from ``_static/``
  (``_config.yml`` points ``nb_ipywidgets_js`` at them). The folder is not ``_static/`` on
  purpose: Jupyter Book injects every .js found there into every page.
* after the build, fails it if any HTML page still loads or links anything over http(s)
  (MathJax comes from the ``sphinx-mathjax-offline`` package, enabled in ``_config.yml``).

Set ``EDULAYERS_BOOK_VENDOR`` to a folder that already holds the two files to skip the fetch.
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

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

BOOK = Path(__file__).resolve().parents[1]
VENDOR = Path(os.environ.get("EDULAYERS_BOOK_VENDOR", BOOK / "_vendor"))

#: npm package -> {file inside the tarball: (name in _vendor/, sha256)}
PINNED = {
    "@jupyter-widgets/html-manager@1.0.6": {
        "package/dist/embed-amd.js": (
            "embed-amd.js", "b129dee93e124bd7cdc2e1a50f3074029f37de34ace5e2a941e345b28c76d06f"),
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
                        (VENDOR / name).write_bytes(data)
    if _missing():
        raise ExtensionError(f"npm pack did not provide {_missing()}")


def _config_inited(app, config) -> None:
    fetch_vendor()
    config.html_static_path = list(config.html_static_path) + [str(VENDOR)]


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


def _build_finished(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    found = external_references(app.outdir)
    if found:
        listing = "\n".join(f"  {page}: {urls}" for page, urls in found.items())
        raise ExtensionError(f"pages reference http(s) resources, so they break offline:\n{listing}")


def setup(app):
    app.connect("config-inited", _config_inited)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
