"""Execute notebooks in place, keeping outputs and widget state, so nbval and the book use them.

    python notebooks/execute.py                 # every notebook in this folder
    python notebooks/execute.py 01_core_layers.ipynb

Each notebook runs top to bottom in a fresh kernel from this folder (so relative paths work),
with widget state stored in the notebook metadata (the book embeds it: sliders show offline).
Notebooks seed every random draw, so running this twice gives the same outputs.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def execute(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    nb.metadata.get("kernelspec", {}).update(display_name="Python 3", name="python3")
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv):
    paths = [HERE / a if not Path(a).is_absolute() else Path(a) for a in argv] or sorted(HERE.glob("*.ipynb"))
    for path in paths:
        print(f"{path.name}: {execute(path):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
