"""The built book, read in a real browser: headless Chromium, driven by Playwright.

The session's build (the ``book`` fixture of tests/test_book.py: one build per session, shared
with that file's tests even under pytest-xdist) is served on 127.0.0.1 by a local http.server
thread, and EVERY page is opened once, with every request that is not to that server refused.
On each page the browser must report no console error, no uncaught exception and no failed
request (a 404, or anything online); then

* the pages with an interactive explorer render its widgets and show, before it, the note that
  it needs a live kernel (and how to run the notebook);
* every display equation fits the text column or is a horizontal scroll box that stays inside
  it and shows that it scrolls (a shadow at the hidden edge, which overlay scrollbars do not
  give); checked at a laptop's width on every page, and at a phone's width on two;
* search, served, finds a known word and shows the matching text.

Skips, saying why, where Playwright for Python or a Chromium binary is missing:
``pip install -e '.[book]'`` brings Playwright; Chromium is the system's (Debian: ``apt-get
install chromium``), found on PATH or at ``$EDULAYERS_CHROMIUM``. Playwright's own browser
download (``playwright install``) is not needed. Set ``EDULAYERS_BOOK_SCREENSHOTS`` to a folder
to keep a screenshot of every page.
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest

from test_book import NOTEBOOKS, book, pages, widget_notebooks  # noqa: F401  (book: the fixture)

pytestmark = pytest.mark.book

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install -e '.[book]')")


def _chromium():
    explicit = os.environ.get("EDULAYERS_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _chromium()
if CHROMIUM is None:
    pytest.skip("no Chromium binary (apt-get install chromium, or set EDULAYERS_CHROMIUM)",
                allow_module_level=True)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SEARCH_WORD, SEARCH_PAGE = "gradcheck", "api/gradcheck.html"
#: its first display equation is wider than a laptop's text column (the reviewer's clipped one)
WIDE_MATH_NOTEBOOK = "07_locally_connected"

#: after "load": MathJax finished typesetting, and on widget pages the widgets rendered
SETTLE = """async () => {
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
        await window.MathJax.startup.promise;
    }
}"""

#: every display equation: inside the text column, and fitting or scrolling sideways
MATH = """() => {
    const column = document.querySelector("article.bd-article") || document.querySelector("main")
        || document.body;
    const col = column.getBoundingClientRect();
    const bad = [];
    let count = 0;
    for (const m of document.querySelectorAll('mjx-container[display="true"]')) {
        if (m.getClientRects().length === 0) continue;          // not rendered (a closed toggle)
        count += 1;
        const box = m.getBoundingClientRect();
        const style = getComputedStyle(m);
        const overflowX = style.overflowX;
        const fits = m.scrollWidth <= m.clientWidth + 1;
        const scrolls = overflowX === "auto" || overflowX === "scroll";
        // an overlay scrollbar (macOS, phones, headless) shows nothing until one scrolls: the
        // book's stylesheet adds a shadow at the hidden edge (a background gradient)
        const cue = style.backgroundImage.includes("gradient");
        const inside = box.left >= col.left - 1 && box.right <= col.right + 1;
        if (!inside || !(fits || (scrolls && cue))) {
            const tex = (m.querySelector("mjx-assistive-mml") || m).textContent;
            bad.push({tex: tex.slice(0, 80), scrollWidth: m.scrollWidth, clientWidth: m.clientWidth,
                      overflowX, cue, right: Math.round(box.right), column: Math.round(col.right)});
        }
    }
    return {count, bad};
}"""

WIDGETS = """() => {
    const notes = Array.from(document.querySelectorAll(".admonition.edulayers-live-kernel"));
    const widgets = Array.from(document.querySelectorAll(".widget-subarea"));
    const first = widgets.find(w => w.querySelector(".jupyter-widgets"));
    return {
        notes: notes.length,
        visible: notes.filter(n => n.getClientRects().length && n.offsetHeight > 0).length,
        text: notes.map(n => n.innerText).join("\\n"),
        rendered: widgets.filter(w => w.querySelector(".jupyter-widgets")).length,
        noteBeforeWidget: Boolean(first && notes.length &&
            (notes[0].compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING)),
    };
}"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the book quietly, and remembers every error it answers (the browser may not say:
    a /favicon.ico that is missing is asked for by the browser itself, not by the page)."""

    def log_message(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        self.server.refused.append(f"HTTP {code} (server side): {self.path}")
        super().send_error(code, message, explain)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, html: Path):
        super().__init__(("127.0.0.1", 0), functools.partial(_Handler, directory=str(html)))
        self.refused = []
        self.base = f"http://127.0.0.1:{self.server_address[1]}/"

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):   # a tab closed mid-answer
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server(book):
    """The built book, served by a local http.server thread."""
    html, _ = book
    server = _Server(html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def served(server):
    """The base URL of the served book."""
    return server.base


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One page opened in a fresh tab: what it reported while loading."""

    def __init__(self, context, base: str, path: str):
        self.errors = []
        self.page = page = context.new_page()
        page.on("console", lambda msg: self.errors.append(f"console.{msg.type}: {msg.text}")
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        # net::ERR_ABORTED: a request the page itself dropped (index.html redirects before its
        # icon arrives); a missing file shows as its HTTP status, here and on the server's side
        page.on("requestfailed", lambda req: self.errors.append(
            f"request failed: {req.url} ({req.failure})") if req.failure != "net::ERR_ABORTED" else None)
        page.on("response", lambda resp: self.errors.append(f"HTTP {resp.status}: {resp.url}")
                if resp.status >= 400 else None)
        page.goto(base + path, wait_until="load", timeout=60_000)
        self.evaluate(SETTLE)

    def evaluate(self, script: str):
        """``page.evaluate``, again on the new document if the page redirected (index.html)."""
        for attempt in range(5):
            try:
                self.page.wait_for_load_state("load")
                return self.page.evaluate(script)
            except sync_api.Error as err:
                if "context was destroyed" not in str(err) or attempt == 4:
                    raise


def _context(browser, base: str, viewport: dict):
    context = browser.new_context(viewport=viewport)
    # nothing may leave the local server: a request elsewhere fails (and is reported)
    context.route(lambda url: not url.startswith(base) and not url.startswith("data:"),
                  lambda route: route.abort("blockedbyclient"))
    return context


@pytest.fixture(scope="module")
def visits(book, server, served, browser):
    """{page path: report} for every HTML page of the book, opened at a laptop's width."""
    html, _ = book
    widget_pages = {f"notebooks/{nb.stem}.html" for nb in widget_notebooks()}
    shots = os.environ.get("EDULAYERS_BOOK_SCREENSHOTS")
    context = _context(browser, served, DESKTOP)
    reports, start = {}, time.perf_counter()
    try:
        for path in [p.relative_to(html).as_posix() for p in pages(html)]:
            refused = len(server.refused)
            try:
                visit = Visit(context, served, path)
            except sync_api.Error as err:            # reported with the page, the others go on
                reports[path] = {"errors": [f"could not be opened: {err}"], "math": {"count": 0, "bad": []},
                                 "widgets": {"notes": 0, "visible": 0, "text": "", "rendered": 0,
                                             "noteBeforeWidget": False}}
                continue
            if path in widget_pages:
                try:
                    visit.page.wait_for_selector(".widget-subarea .jupyter-widgets", timeout=30_000)
                except sync_api.Error:
                    visit.errors.append("its widgets did not render within 30 s")
            visit.page.wait_for_timeout(150)         # late errors (fonts, async scripts)
            reports[path] = {"errors": visit.errors, "math": visit.evaluate(MATH),
                             "widgets": visit.evaluate(WIDGETS)}
            reports[path]["errors"] += server.refused[refused:]
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                visit.page.screenshot(path=str(Path(shots) / (path.replace("/", "_") + ".png")))
            visit.page.close()
    finally:
        context.close()
    print(f"\nopened {len(reports)} pages in {time.perf_counter() - start:.0f} s")
    return reports


def test_every_page_is_opened(book, visits):
    html, _ = book
    assert len(visits) == len(pages(html)) > len(NOTEBOOKS)


def test_no_page_reports_a_console_error_or_a_failed_request(visits):
    failing = {path: report["errors"] for path, report in visits.items() if report["errors"]}
    assert not failing, json.dumps(failing, indent=1)


def test_the_server_answered_no_request_with_an_error(server, visits):
    assert not server.refused, server.refused


def test_the_explorers_render_and_say_they_need_a_kernel(visits):
    widget_pages = {f"notebooks/{nb.stem}.html" for nb in widget_notebooks()}
    if not widget_pages:
        pytest.skip("no notebook stores an explorer")
    for path in widget_pages:
        widgets = visits[path]["widgets"]
        assert widgets["rendered"] >= 1, f"{path}: the widget manager rendered nothing"
        assert widgets["visible"] >= 1, f"{path}: no visible live-kernel note"
        assert widgets["noteBeforeWidget"], f"{path}: the note must come before the explorer"
        assert "live kernel" in widgets["text"] and "jupyter lab notebooks/" in widgets["text"]
    others = [path for path, report in visits.items()
              if path not in widget_pages and report["widgets"]["notes"]]
    assert not others, f"pages without an explorer carry the note: {others}"


def test_display_math_fits_or_scrolls(visits):
    assert sum(report["math"]["count"] for report in visits.values()) > 0, "no display math found"
    bad = {path: report["math"]["bad"] for path, report in visits.items() if report["math"]["bad"]}
    assert not bad, json.dumps(bad, indent=1)


def test_display_math_fits_or_scrolls_on_a_phone(visits, served, browser):
    most_math = max(visits, key=lambda path: visits[path]["math"]["count"])
    context = _context(browser, served, PHONE)
    try:
        for path in sorted({most_math, f"notebooks/{WIDE_MATH_NOTEBOOK}.html"} & set(visits)):
            visit = Visit(context, served, path)
            math = visit.evaluate(MATH)
            assert not math["bad"], f"{path} at {PHONE['width']} px: {json.dumps(math['bad'])}"
            assert not visit.errors, visit.errors
            visit.page.close()
    finally:
        context.close()


def test_the_math_check_sees_a_clipped_equation(served, browser):
    """The check above is not vacuous: a wide equation that cannot scroll, or gives no sign that
    it does, fails it."""
    context = _context(browser, served, DESKTOP)
    try:
        visit = Visit(context, served, "intro.html")
        visit.page.evaluate("""async () => {
            const div = document.createElement("div");
            div.className = "math notranslate nohighlight";
            div.textContent = "\\\\[" + Array.from({length: 60}, (_, i) => `x_{${i}}`).join(" + ") + "\\\\]";
            document.querySelector("article.bd-article").prepend(div);
            await MathJax.typesetPromise([div]);
        }""")
        assert visit.evaluate(MATH)["bad"] == [], "a wide equation should scroll"
        no_cue = visit.page.add_style_tag(content="mjx-container { background: none !important; }")
        assert visit.evaluate(MATH)["bad"], "a scroll box without a cue went unseen"
        no_cue.evaluate("tag => tag.remove()")
        visit.page.add_style_tag(content="mjx-container { overflow: visible !important; }")
        assert visit.evaluate(MATH)["bad"], "an equation sticking out of the column went unseen"
    finally:
        context.close()


def test_search_finds_a_known_word_when_served(served, browser):
    context = _context(browser, served, DESKTOP)
    try:
        visit = Visit(context, served, f"search.html?q={SEARCH_WORD}")
        # Sphinx lists the results one by one, then says "Search finished, found N page(s)"
        visit.page.wait_for_function(
            """() => (document.querySelector("#search-results .search-summary") || {})
                    .textContent?.includes("found")""", timeout=60_000)
        # the matching text is fetched page by page (what file:// cannot do): wait for it
        visit.page.wait_for_function(
            """() => Array.from(document.querySelectorAll("#search-results ul.search li .context"))
                    .some(p => p.textContent.trim())""", timeout=30_000)
        results = visit.page.evaluate("""() => Array.from(
            document.querySelectorAll("#search-results ul.search li")).map(li => ({
                href: li.querySelector("a").getAttribute("href"),
                context: (li.querySelector(".context") || {}).textContent || ""}))""")
        assert results, f"search found nothing for {SEARCH_WORD!r}"
        hit = [r for r in results if r["href"].split("?")[0].split("#")[0].endswith(SEARCH_PAGE)]
        assert hit, f"{SEARCH_PAGE} is not among the results for {SEARCH_WORD!r}: {results}"
        assert any(SEARCH_WORD in r["context"].lower() for r in results), "no result shows the matching text"
        assert not visit.errors, visit.errors
    finally:
        context.close()


def test_the_footer_says_what_file_urls_cannot_do(book):
    html, _ = book
    text = (html / "intro.html").read_text(encoding="utf-8")
    assert "file://" in text and "http.server" in text
