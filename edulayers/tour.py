"""A two-minute tour in the terminal: ``python -m edulayers``.

It builds the small Dense model of the classic Keras tutorial, prints what each layer computes
(``explain()``), checks the backward pass numerically (``el.gradcheck``), shows the fast path and
the readable reference path giving the same numbers, and says where the notebooks and the book
are. Nothing here needs matplotlib, ipywidgets or a browser; it runs in a few seconds.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

import edulayers as el

__all__ = ["main", "run"]

REPO = Path(__file__).resolve().parents[1]


def _section(out, title: str) -> None:
    print(f"\n{title}\n{'=' * len(title)}", file=out)


def seed_model(dtype=None, names=(None, None, None)):
    """The model of the classic Keras tutorial: Dense 16 -> 32 -> 16 -> 8."""
    Dense = el.layers.Dense
    model = el.Sequential()
    model.add(Dense(32, input_shape=(16,), kernel_initializer="he_uniform", kernel_regularizer=None,
                    kernel_constraint="MaxNorm", activation="relu", dtype=dtype, name=names[0]))
    model.add(Dense(16, activation="relu", dtype=dtype, name=names[1]))
    model.add(Dense(8, dtype=dtype, name=names[2]))
    return model


def run(out=None) -> None:
    """Print the tour to ``out`` (standard output by default)."""
    out = out or sys.stdout
    el.set_random_seed(0)
    rng = np.random.default_rng(0)
    print(f"edulayers {el.__version__}: the Keras layer catalogue in NumPy, with the math in "
          "plain sight.", file=out)

    _section(out, "1. What each layer computes: explain()")
    print(">>> model = el.Sequential()\n"
          ">>> model.add(Dense(32, input_shape=(16,), kernel_initializer='he_uniform',\n"
          "...                 kernel_regularizer=None, kernel_constraint='MaxNorm', "
          "activation='relu'))\n"
          ">>> model.add(Dense(16, activation='relu'))\n>>> model.add(Dense(8))\n"
          ">>> print(model.explain())", file=out)
    model = seed_model()
    x = rng.standard_normal((4, 16)).astype(el.floatx())
    y = model.forward(x)
    print(model.explain(), file=out)
    print(f"\nA batch of {x.shape[0]} samples goes {x.shape} -> {y.shape}.", file=out)

    _section(out, "2. Is backward right? el.gradcheck (central differences, float64)")
    print(">>> x = np.random.default_rng(0).standard_normal((4, 16)).astype(el.floatx())  # a batch of 4\n"
          ">>> print(el.gradcheck(model, x))", file=out)
    print(el.gradcheck(model, x), file=out)

    _section(out, "3. The fast path and the readable reference path agree")
    twin = seed_model(dtype="float64", names=[layer.name for layer in model.layers])
    x64 = x.astype("float64")
    twin.forward(x64)
    twin.set_weights([w.astype("float64") for w in model.get_weights()])
    dy = rng.standard_normal(y.shape)
    results = {}
    for path in ("fast", "reference"):
        y_path = twin.forward(x64, path=path)
        dx = twin.backward(dy)
        results[path] = {"y": y_path, "dx": dx, **{k: v.copy() for k, v in twin.grads.items()}}
    print("model.forward(x, path=...) then model.backward(dy), in float64:", file=out)
    for name in results["fast"]:
        diff = float(np.max(np.abs(results["fast"][name] - results["reference"][name])))
        print(f"  max |fast - reference| of {name:<15}{diff:.1e}", file=out)

    _section(out, "4. Where to go next")
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    if notebooks:
        print("Notebooks (one per layer family), to run in JupyterLab:", file=out)
        for nb in notebooks:
            print(f"  notebooks/{nb.name}", file=out)
        print("  jupyter lab notebooks/        (needs: pip install -e '.[notebooks]')", file=out)
    else:
        print("The notebooks are in notebooks/ of the source repository.", file=out)
    if (REPO / "book" / "_toc.yml").is_file():
        print("The book (the notebooks as web pages, offline):\n"
              "  jupyter-book build --warningiserror --keep-going book/   (needs '.[book]')\n"
              "Write your own layer: book/custom_layers.md (subclass el.layers.Layer, check it with "
              "el.gradcheck).", file=out)
    else:                        # installed without the source tree (pip install edulayers)
        print("The book (the notebooks as web pages) and the guide to writing your own layer are in "
              "the source repository, book/; here: help(el.layers.Layer), and check a layer of "
              "your own with el.gradcheck.", file=out)


def main(argv=None) -> int:
    try:
        run()
        sys.stdout.flush()
    except BrokenPipeError:        # e.g. ``python -m edulayers | head``: the reader left early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
