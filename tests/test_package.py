"""The package as a student meets it: a light import, the public namespaces, float64, custom layers.

The custom-layer tests run the code cells of book/custom_layers.md (the book's worked example)
exactly as the book shows them, so the chapter cannot drift from what works.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import edulayers as el

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "custom_layers.md"


def run_python(code: str, *args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args] if not code else [sys.executable, "-c", code],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout)


# ---------------------------------------------------------------------------- import
def test_import_needs_only_numpy():
    probe = run_python(
        "import sys, json\n"
        "before = set(sys.modules)\n"
        "import edulayers, edulayers.layers\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(json.dumps(sorted(new - set(sys.stdlib_module_names))))\n")
    assert probe.returncode == 0, probe.stderr
    # numpy.random's Cython extensions register _cython_X_Y and cython_runtime: part of numpy
    third_party = {m for m in json.loads(probe.stdout) if "cython" not in m} - {"edulayers", "numpy"}
    assert not third_party, f"import edulayers also imported {sorted(third_party)}"


def test_heavy_optional_modules_stay_unloaded_until_used():
    probe = run_python(
        "import sys, edulayers as el\n"
        "heavy = ['matplotlib', 'ipywidgets', 'torch', 'jax', 'keras', 'IPython', 'scipy', 'pandas']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n")
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == ""


# ---------------------------------------------------------------------------- namespaces
@pytest.mark.parametrize("name", ["layers", "activations", "initializers", "regularizers",
                                  "constraints", "widgets", "models", "losses", "metrics",
                                  "optimizers"])
def test_contract_namespaces_exist(name):
    module = getattr(el, name)
    assert module.__name__ == f"edulayers.{name}"


def test_contract_functions_and_lookups():
    assert callable(el.gradcheck) and callable(el.floatx) and callable(el.set_floatx)
    assert el.floatx() == "float32"
    assert issubclass(el.layers.Dense, el.layers.Layer)
    assert el.Sequential is el.models.Sequential
    assert callable(el.activations.get("relu"))
    assert el.initializers.get("he_uniform") is not None
    assert el.constraints.get("MaxNorm") is not None
    assert el.regularizers.get(None) is None
    with pytest.raises(AttributeError):
        el.no_such_namespace


def test_set_floatx_switches_new_layers_to_float64():
    x = np.random.default_rng(0).standard_normal((3, 4))
    try:
        el.set_floatx("float64")
        assert el.floatx() == "float64"
        layer = el.layers.Dense(2)
        y = layer(x)
        assert layer.dtype == "float64" and y.dtype == np.float64
        assert all(w.dtype == np.float64 for w in layer.get_weights())
    finally:
        el.set_floatx("float32")
    layer = el.layers.Dense(2)
    assert layer(x).dtype == np.float32 and layer.get_weights()[0].dtype == np.float32
    with pytest.raises(ValueError, match="float"):
        el.set_floatx("int32")
    assert el.floatx() == "float32"


# ---------------------------------------------------------------------------- the book's example
def chapter_cells() -> list:
    text = CHAPTER.read_text(encoding="utf-8")
    cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
    assert len(cells) >= 4, "book/custom_layers.md lost its code cells"
    return cells


@pytest.fixture
def chapter():
    """The namespace left by running every code cell of the chapter, in order (their asserts too)."""
    namespace = {"__name__": "custom_layers_chapter"}
    for cell in chapter_cells():
        exec(compile(cell, str(CHAPTER), "exec"), namespace)
    return namespace


def test_chapter_example_runs_and_passes_gradcheck(chapter):
    report = chapter["report"]
    assert report.ok and {t.name for t in report.tensors} == {"dx", "beta"}


def test_custom_layer_passes_gradcheck_on_other_shapes(chapter):
    LearnableSwish = chapter["LearnableSwish"]
    rng = np.random.default_rng(3)
    for shape in [(3, 5), (2, 3, 5), (1, 7)]:
        layer = LearnableSwish()
        x = rng.standard_normal(shape)
        layer(x)
        layer.set_weights([rng.uniform(0.3, 2.0, shape[-1])])
        report = el.gradcheck(layer, x)
        assert report.ok, str(report)
        assert report["beta"].checked == shape[-1]


def test_custom_layer_gets_the_protocol_for_free(chapter):
    LearnableSwish = chapter["LearnableSwish"]
    layer = LearnableSwish(input_shape=(5,))
    ex = layer.explain()
    assert ex.param_count == 5 and ex.output_shape == (None, 5)
    assert "sigma" in ex.formula
    rebuilt = type(layer)(**layer.get_config())
    assert rebuilt.get_config() == layer.get_config()
    layer(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="LearnableSwish"):
        layer(np.zeros((2, 4)))                       # built for 5 features


def test_chapter_reference_path_agrees_with_fast_path(chapter):
    layer = chapter["LearnableSwishWithLoops"](dtype="float64")
    rng = np.random.default_rng(5)
    x, dy = rng.standard_normal((3, 2, 4)), rng.standard_normal((3, 2, 4))
    layer(x)
    layer.set_weights([rng.uniform(0.3, 2.0, 4)])
    fast = layer.forward(x), layer.backward(dy), layer.grads["beta"].copy()
    ref = layer.forward(x, path="reference"), layer.backward(dy), layer.grads["beta"].copy()
    for a, b in zip(fast, ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert el.gradcheck(layer, x, path="reference").ok


# ---------------------------------------------------------------------------- a student's mistakes
def test_wrong_weight_gradient_fails_and_names_the_weight(chapter):
    bad = chapter["bad"]
    text = str(bad)
    assert not bad.ok and "FAILED" in text.splitlines()[0]
    beta_line = next(line for line in text.splitlines() if line.strip().startswith("beta"))
    dx_line = next(line for line in text.splitlines() if line.strip().startswith("dx"))
    assert "<-- worst at" in beta_line and "<--" not in dx_line


def test_wrong_input_gradient_fails_and_names_dx(chapter):
    LearnableSwish = chapter["LearnableSwish"]

    class ForgotTheGateDerivative(LearnableSwish):
        def backward(self, dy):
            x, s = self.cache
            self.grads["beta"] = (dy * x * x * s * (1 - s)).reshape(-1, x.shape[-1]).sum(axis=0)
            return dy * s                              # missing + beta x s (1 - s)

    layer = ForgotTheGateDerivative(input_shape=(5,))
    x = np.random.default_rng(0).standard_normal((4, 5))
    report = el.gradcheck(layer, x)
    assert not report.ok and report["beta"].ok(report.tol) and not report["dx"].ok(report.tol)
    dx_line = next(line for line in str(report).splitlines() if line.strip().startswith("dx"))
    assert "FAILED" in str(report) and "<-- worst at" in dx_line


def test_backward_that_forgets_a_weight_gradient_is_an_error(chapter):
    LearnableSwish = chapter["LearnableSwish"]

    class NoWeightGradient(LearnableSwish):
        def backward(self, dy):
            x, s = self.cache
            return dy * (s + self.beta * x * s * (1 - s))

    layer = NoWeightGradient(input_shape=(5,))
    y = layer(np.ones((2, 5)))
    with pytest.raises(RuntimeError, match="beta"):
        layer.backward(np.ones_like(y))


# ---------------------------------------------------------------------------- the tour
def test_tour_runs_headless_and_quickly():
    done = run_python("", "-m", "edulayers", timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "16*32 + 32 = 544" in out and "= 1208" in out    # the seed's model, explained
    assert "PASSED" in out and "FAILED" not in out           # its gradient check
    diffs = dict(re.findall(r"max \|fast - reference\| of (\S+)\s+(\S+)", out))
    assert {"y", "dx", "dense/kernel", "dense_2/bias"} <= set(diffs), diffs
    assert max(float(v) for v in diffs.values()) < 1e-12
    assert "notebooks" in out and "jupyter-book build" in out


# ---------------------------------------------------------------------------- README and CI
README = ROOT / "README.md"


def test_readme_example_prints_what_the_readme_shows():
    text = README.read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, flags=re.S).group(1)
    shown = re.search(r"prints\n\n```text\n(.*?)```", text, flags=re.S).group(1)
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    explain_part = shown.split("gradcheck of")[0]
    assert done.stdout.startswith(explain_part), done.stdout
    assert "gradcheck of Sequential 'sequential' (float64, tol 1e-06): PASSED" in done.stdout


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    args = re.search(r'^PYTEST_ARGS="([^"]+)"', ci, flags=re.M).group(1)
    assert ".venv/bin/python -m pytest $PYTEST_ARGS" in ci
    readme = README.read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(python3 -m venv .venv &&[^\n]*)\n```", readme)
    assert len(commands) >= 2, "README.md must start with the run and the test command"
    test_command = commands[1]
    assert test_command.endswith(f".venv/bin/python -m pytest {args}")
    for step in ["python3 -m venv .venv",
                 ".venv/bin/pip install --progress-bar off -q -e '.[dev,notebooks,book]'"]:
        assert step in ci
        assert step.replace("--progress-bar off -q ", "") in test_command


# ---------------------------------------------------------------------------- no dangling citations
CITED_PATH = re.compile(r"(?<![\w./-])((?:edulayers|tests|notebooks|book|benchmarks|docs|\.ci)/[\w./-]*[\w]"
                        r"|[A-Z][A-Z_]+\.md)\b(?![*])")
# made by the book build (the vendored widget manager), or a notebook named without its suffix
GENERATED_OR_STEM = ("book/_vendor", "book/_build")


def _tracked_text_files():
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    for name in listed.stdout.splitlines():
        path = ROOT / name
        if path.suffix in {".py", ".md", ".ipynb", ".cfg", ".yml", ".toml", ".txt"} or name == ".ci/run":
            if path.is_file():
                yield path


def test_nothing_cites_a_file_the_repository_does_not_contain():
    """Every repository path or upper-case Markdown file named in code, docs or notebooks exists."""
    missing = {}
    for path in _tracked_text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for cited in set(CITED_PATH.findall(text)):
            cited = cited.rstrip(".")
            if any(ch in cited for ch in "<>") or "NN_" in cited or cited.startswith(GENERATED_OR_STEM):
                continue        # a placeholder (NN_name.ipynb) or what a build makes
            if not (ROOT / cited).exists() and not list(ROOT.glob(cited + ".*")):
                missing.setdefault(cited, []).append(str(path.relative_to(ROOT)))
    assert not missing, f"cited but not in the repository: {missing}"


LONG_MODULE_LINES = 400     # "about 400 lines": past it, a module says why it needs the length


def test_every_long_module_says_why_it_is_long():
    """A package module over 400 lines explains its length in its docstring, so a reader knows
    it is one idea written out in full and not several ideas that belong in separate modules."""
    import ast
    unexplained = {}
    for path in sorted((ROOT / "edulayers").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        n_lines = source.count("\n")
        if n_lines <= LONG_MODULE_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(source)) or ""
        if "longer than most because" not in " ".join(docstring.split()):
            unexplained[str(path.relative_to(ROOT))] = n_lines
    assert not unexplained, f"modules over {LONG_MODULE_LINES} lines that do not say why: {unexplained}"
