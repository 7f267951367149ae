"""Run every ``benchmarks/bench_*.py`` and print one table.

    python benchmarks/run.py                 # all of them
    python benchmarks/run.py core conv       # only bench_core.py and bench_conv.py
    python benchmarks/run.py --repeats 3     # fewer timing rounds (a quick look while developing)
    EDULAYERS_BENCH_THREADS=1 python benchmarks/run.py

Each benchmark module defines ``rows()`` returning harness rows (see harness.compare); a module
without ``rows()`` but with ``main()`` is run as it is, after the table. Nothing here asserts a
time: the numbers are reported (ratios to PyTorch, reference per sample).
"""
from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402  (pins the thread counts before anything imports NumPy or torch)


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (core, conv, ...); all by default")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timing rounds per workload (each module's default otherwise)")
    args = parser.parse_args(argv)
    wanted = set(args.names)
    paths = [p for p in sorted(HERE.glob("bench_*.py"))
             if not wanted or p.stem.removeprefix("bench_") in wanted or p.stem in wanted]
    if not paths:
        print(f"no benchmarks match {sorted(wanted)}", file=sys.stderr)
        return 2
    rows, mains = [], []
    for path in paths:
        module = load(path)
        if hasattr(module, "rows"):
            print(f"running {path.name} ...", file=sys.stderr, flush=True)
            takes_repeats = "repeats" in inspect.signature(module.rows).parameters
            rows += (module.rows(repeats=args.repeats) if takes_repeats and args.repeats
                     else module.rows())
        elif hasattr(module, "main"):
            mains.append((path, module.main))
    print(f"forward+backward, median of interleaved rounds, {harness.THREADS} threads "
          "(fast/torch < 1 means faster than PyTorch)")
    if rows:
        harness.print_table(rows)
    for path, fn in mains:
        print(f"\n{path.name}")
        fn()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
