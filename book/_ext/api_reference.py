"""Sphinx extension: the book's API reference, generated from the docstrings.

Each page of the "API reference" part (book/api/) holds one directive,

.. code-block:: rst

    .. edulayers-api:: edulayers.layers

which writes, with sphinx.ext.autodoc (enabled in ``_config.yml``, docstrings read by
sphinx.ext.napoleon, Google style):

* the module's docstring,
* a summary table of its public names (each linked, with its docstring's first sentence; made
  here rather than by sphinx.ext.autosummary, whose sentence splitter cuts
  ````(x_1 + ... + x_n) / n```` at the "..." and fails the build),
* every public name documented: classes with their own methods, functions, and the other
  public objects (the activations are callable ``ActivationFunction`` objects: documented as
  functions, with their formula and derivative as display math).

The public names are the module's ``__all__``; a module without one contributes its classes and
functions defined there (not the ones it imports). A name bound to an object already documented
under another name on the page (``Convolution2D`` for ``Conv2D``, ``swish`` for ``silu``) is
listed as an alias of it. A new layer or function joins the reference by itself.

A docstring that is not valid reStructuredText (after napoleon) would fail the
``--warningiserror`` build, and the docstrings belong to the package, not to the book. Each one is
checked first (parsed on its own, every directive and role accepted, so only the text's own
markup is judged: indentation, unclosed ``*``/````...````, ``|x|`` substitutions, ``name_``
links); one that fails is shown as written, in a literal block under its first paragraph, and
the build log says so::

    [api_reference] edulayers.layers.Highway: docstring shown as written (line 14: Unexpected indentation.)

so the book builds and reads while the docstring waits for its fix in the package.
"""
from __future__ import annotations

import importlib
import inspect
import io
import re
import types
from collections import defaultdict
from contextlib import contextmanager

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Directive, Parser, directives, roles
from docutils.statemachine import StringList
from docutils.utils import new_document
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.inspect import getdoc
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)


def public_names(module) -> list:
    """The names the reference documents for ``module``, in the module's order."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name, obj in vars(module).items()
                 if not name.startswith("_")
                 and (inspect.isclass(obj) or inspect.isfunction(obj))
                 and getattr(obj, "__module__", None) == module.__name__]
    return [name for name in names
            if not isinstance(getattr(module, name, None), types.ModuleType)]


def is_activation(obj) -> bool:
    """An ``edulayers.activations.ActivationFunction`` (duck-typed: no import of the package)."""
    return (callable(obj) and not inspect.isclass(obj) and not inspect.isroutine(obj)
            and isinstance(getattr(obj, "latex", None), str)
            and isinstance(getattr(obj, "derivative_latex", None), str))


def _kind(obj) -> str:
    if inspect.isclass(obj):
        return "class"
    if inspect.isroutine(obj) or is_activation(obj):
        return "function"
    return "data"


ABBREVIATIONS = ("...", "e.g.", "i.e.", "etc.", "cf.", "vs.")


def _first_sentence(text: str) -> str:
    """The first sentence of ``text``'s first paragraph; a period inside ````...```` ends none."""
    para = " ".join(text.strip().split("\n\n", 1)[0].split())
    in_literal = False
    for i, char in enumerate(para):
        if para.startswith("``", i):
            in_literal = not in_literal
        if char == "." and not in_literal and (i + 1 == len(para) or para[i + 1] == " "):
            if not para[:i + 1].endswith(ABBREVIATIONS):
                return para[:i + 1]
    return para


def summary_line(module, name: str, obj) -> str:
    """The one line of the summary table: the docstring's first sentence, as valid markup."""
    if is_activation(obj):
        words = (obj.__doc__ or "").split("\n\n", 1)[0]
        words = words.split(": ", 1)[-1] if words.startswith(f"{obj.name}: ") else words
        return plain_text(_first_sentence(words))
    if _kind(obj) == "data":
        from sphinx.pycode import ModuleAnalyzer
        try:
            comment = ModuleAnalyzer.for_module(module.__name__).find_attr_docs().get(("", name))
        except Exception:                    # no source to read: no comment
            comment = None
        text = "\n".join(comment or [])
    else:
        text = getdoc(obj) or ""
        text = text if isinstance(text, str) else ""
    sentence = _first_sentence(inspect.cleandoc(text)) if text.strip() else ""
    return plain_text(sentence) if rst_problems([sentence]) else sentence


def module_rst(modname: str) -> list:
    """The reStructuredText the ``edulayers-api`` directive parses for module ``modname``."""
    module = importlib.import_module(modname)
    names = public_names(module)
    first_name = {}                      # id(object) -> the first public name bound to it
    for name in names:
        obj = getattr(module, name)
        if _kind(obj) != "data":
            first_name.setdefault(id(obj), name)

    lines = [f".. automodule:: {modname}", ""]
    if names:
        lines += [".. rubric:: Summary", "", ".. list-table::", "   :class: autosummary longtable",
                  "   :widths: 30 70", ""]
        for name in names:
            obj = getattr(module, name)
            canonical = first_name.get(id(obj), name)
            summary = (f"Alias of :py:obj:`{canonical}`." if canonical != name
                       else summary_line(module, name, obj))
            lines += [f"   * - :py:obj:`{name}`", f"     - {summary}" if summary else "     -"]
        lines += [""]
    for name in names:
        obj = getattr(module, name)
        kind = _kind(obj)
        canonical = first_name.get(id(obj), name)
        if canonical != name:
            role = "class" if kind == "class" else "func"
            lines += [f".. py:{kind}:: {name}", "",
                      f"   Alias of :py:{role}:`{canonical}`.", ""]
        elif kind == "class":
            lines += [f".. autoclass:: {name}", "   :members:", ""]
        elif kind == "function":
            lines += [f".. autofunction:: {name}", ""]
        else:
            lines += [f".. autodata:: {name}", "   :no-value:", ""]
    return lines


class ModuleAPI(SphinxDirective):
    """``.. edulayers-api:: edulayers.layers``: the module's page of the API reference."""

    required_arguments = 1
    has_content = False

    def run(self) -> list:
        modname = self.arguments[0].strip()
        try:
            lines = module_rst(modname)
        except ImportError as err:
            logger.warning(f"edulayers-api: cannot import {modname}: {err}", location=self.get_location())
            return []
        source = self.get_source_info()[0]
        content = StringList(lines, source=f"{source}:<edulayers-api {modname}>")
        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(self.state, content, node)
        return node.children


# ------------------------------------------------------------------ docstrings made readable
def plain_text(text: str) -> str:
    """``text`` as reStructuredText that shows it as it is (every markup character escaped)."""
    return re.sub(r"([^\w\s]|_)", r"\\\1", text)


def _activation_docstring(app, what, name, obj, options, lines) -> None:
    """An activation's docstring is "name: words", its LaTeX f(x) and f'(x): show them as math.

    The words are prose (``negative_slope*(x - threshold)``, ``|x|``), not markup: escaped, with
    `axis`-style names shown as code.
    """
    if not is_activation(obj):
        return
    words = (obj.__doc__ or "").split("\n\n", 1)[0]
    parts = re.split(r"`([^`]+)`", words)     # odd items: the names in single backquotes
    words = "".join(f"``{part}``" if i % 2 else plain_text(part) for i, part in enumerate(parts))
    formulas = [latex for latex in (obj.latex, obj.derivative_latex) if latex.strip()]
    new = [words, ""]
    for latex in formulas:
        new += [".. math::", "", *(f"   {line}" for line in latex.splitlines()), ""]
    lines[:] = new


def _builtin_type_docstring(app, what, name, obj, options, lines) -> None:
    """A constant without a ``#:`` comment would show its type's docstring (``dict()`` -> ...)."""
    if what == "data" and type(obj).__module__ == "builtins":
        own = inspect.cleandoc(type(obj).__doc__ or "")
        if own and "\n".join(lines).strip() == own.strip():
            lines[:] = []


class _AnyDirective(Directive):
    """Stands for every directive while a docstring is checked: its content is not judged."""

    optional_arguments = 64
    final_argument_whitespace = True
    has_content = True
    option_spec = defaultdict(lambda: directives.unchanged, {"any": directives.unchanged})

    def run(self):
        return []


def _any_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.literal(rawtext, text)], []


@contextmanager
def _every_directive_and_role_accepted():
    saved = directives.directive, roles.role
    directives.directive = lambda name, language, document: (_AnyDirective, [])
    roles.role = lambda name, language, lineno, reporter: (_any_role, [])
    try:
        yield
    finally:
        directives.directive, roles.role = saved


def rst_problems(lines: list) -> list:
    """``["line N: message", ...]``: what docutils (and Sphinx's transforms) would object to."""
    settings = get_default_settings(Parser)
    settings.report_level, settings.halt_level = 5, 5
    settings.warning_stream = io.StringIO()
    document = new_document("<docstring>", settings)
    with _every_directive_and_role_accepted():
        Parser().parse("\n".join(lines), document)
    problems = [f"line {msg.get('line', '?')}: {msg.children[0].astext() if msg.children else ''}"
                for msg in document.findall(nodes.system_message) if msg["level"] >= 2]
    defined = set(document.substitution_defs)
    problems += [f"undefined substitution |{ref['refname']}|"
                 for ref in document.findall(nodes.substitution_reference)
                 if ref["refname"] not in defined]
    problems += [f"unknown link target {node['refname']}_"
                 for node in document.findall(nodes.Element)
                 if "refname" in node.attributes and not isinstance(node, nodes.substitution_reference)
                 and node["refname"] not in document.nameids]
    return problems


def as_written(docstring: str) -> list:
    """The docstring as plain text: its first paragraph, then the rest in a literal block."""
    first, _, rest = docstring.strip().partition("\n\n")
    new = [plain_text(" ".join(first.split())), ""]
    if rest.strip():
        new += ["::", "", *(f"    {line}" if line.strip() else "" for line in rest.splitlines()), ""]
    return new


def _check_docstring(app, what, name, obj, options, lines) -> None:
    """Runs after napoleon: a docstring that would break the build is shown as written."""
    problems = rst_problems(lines)
    if not problems:
        return
    original = getdoc(obj) if what != "data" else None
    if not original or not isinstance(original, str):
        original = "\n".join(lines)
    lines[:] = as_written(inspect.cleandoc(original))
    if name not in _REPORTED:           # a docstring may be asked for more than once
        _REPORTED.add(name)
        logger.info(f"[api_reference] {name}: docstring shown as written ({problems[0]})")


_REPORTED: set = set()


def setup(app):
    app.setup_extension("sphinx.ext.autodoc")
    app.setup_extension("sphinx.ext.napoleon")
    app.add_directive("edulayers-api", ModuleAPI)
    # napoleon turns Google sections into RST at priority 500; these run after it
    app.connect("autodoc-process-docstring", _activation_docstring, priority=600)
    app.connect("autodoc-process-docstring", _builtin_type_docstring, priority=600)
    app.connect("autodoc-process-docstring", _check_docstring, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
