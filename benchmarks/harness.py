"""Side-by-side timing of forward+backward: edulayers fast path, its reference path, PyTorch CPU.

Rules (the brief's): interleaved runs (each round times every contender, so drift in machine
load hits all of them alike), the median, both libraries on the same number of threads, results
as ratios. Nothing here asserts a time; the numbers are reported.

Each contender runs in a *block* of calls, and only the end of the block is timed. Why: both
libraries keep their worker threads busy-waiting after a parallel region (OpenBLAS for about
2**28 cycles, about 0.1 s; PyTorch's OpenMP for its spin count) so that the next call starts at
once. Timed back to back on 2 cores, one library's spinning threads take a core the other needs,
and which side suffers more depends on the order and on the machine's mood: ratios moved by 1.5x
between runs. So each block first runs untimed calls for ``settle`` seconds (long enough for the
other library's threads to stop spinning and park), then times ``block`` calls: what a user
running that library alone sees. (Sleeping instead of settling does not work on these VMs: after
an idle pause the first ~50 ms of work run up to 2x slower.)

The two libraries also share one ``malloc``. Once PyTorch has run in the process, glibc's
adaptive thresholds start giving large NumPy temporaries back to the system on every ``free``
and mapping them again on the next call: a Conv2DTranspose step went from 0-30 to 550 page
faults and took twice as long as in a process without PyTorch. :func:`pin_malloc` fixes the
thresholds (``mallopt``) so that neither library pays for the other's allocation pattern.
"""
from __future__ import annotations

import os

THREADS = int(os.environ.get("EDULAYERS_BENCH_THREADS", "2"))
#: Seconds each contender runs untimed before its timed calls (0: plain back-to-back rounds).
SETTLE = float(os.environ.get("EDULAYERS_BENCH_SETTLE", "0.12"))
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(THREADS))

import ctypes  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402


def pin_malloc(mmap_threshold: int = 32 << 20, trim_threshold: int = 512 << 20) -> bool:
    """Fix glibc's mmap and trim thresholds (their adaptive defaults hand large blocks back to
    the system and fault them in again). Returns False where there is no glibc ``mallopt``."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:                                    # pragma: no cover (not glibc)
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3        # from <malloc.h>
    return bool(libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold)
                and libc.mallopt(M_TRIM_THRESHOLD, trim_threshold))


MALLOC_PINNED = pin_malloc()

import numpy as np  # noqa: E402

try:  # PyTorch is optional: without it the torch column is left out
    import torch  # noqa: E402
    torch.set_num_threads(THREADS)
except ImportError:  # pragma: no cover
    torch = None


def layer_step(layer, x, dy, path="fast"):
    """A callable running one forward+backward of an edulayers layer."""
    def step():
        layer.forward(x, path=path)
        layer.backward(dy)
    return step


def torch_step(module, x, dy):
    """A callable running one forward+backward of a torch module (grads zeroed each time)."""
    xt = torch.tensor(x, requires_grad=True)
    dyt = torch.tensor(dy)

    def step():
        xt.grad = None
        for p in module.parameters():
            p.grad = None
        y = module(xt)
        y.backward(dyt)
    return step


def interleaved_medians(steps: dict, repeats: int = 15, warmup: int = 2, block: int = 4,
                        settle: float | None = None) -> dict:
    """Median seconds per call for each named callable, timed in interleaved rounds.

    A round gives every callable, in turn, untimed calls for ``settle`` seconds (so the other
    contender's worker threads stop spinning) and then ``block`` timed calls. With one callable
    there is nothing to settle from. ``settle`` defaults to ``SETTLE``; with ``settle=0`` each
    round times one call per contender, back to back.
    """
    settle = SETTLE if settle is None else settle
    block = block if settle > 0 else 1
    for step in steps.values():
        for _ in range(warmup):
            step()
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            if len(steps) > 1 and settle > 0:
                until = time.perf_counter() + settle
                while time.perf_counter() < until:
                    step()
            for _ in range(block):
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def compare(name, layer, x, torch_module=None, repeats=15, reference_batch=1, seed=0,
            reference_repeats=3):
    """Time one workload; returns a row for ``print_table``.

    ``layer`` is called once first (to build it) and the torch module, when given, must already
    hold the same weights (so its output can be checked against ours before timing).
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=layer.dtype)
    y = layer.forward(x)
    dy = rng.standard_normal(y.shape).astype(layer.dtype)
    steps = {"fast": layer_step(layer, x, dy)}
    row = {"name": name, "batch": x.shape[0]}
    if torch_module is not None and torch is not None:
        with torch.no_grad():
            y_torch = torch_module(torch.tensor(x)).numpy()
        row["max |ours - torch|"] = float(np.max(np.abs(y_torch - y)))
        steps["torch"] = torch_step(torch_module, x, dy)
    medians = interleaved_medians(steps, repeats=repeats)
    row.update({f"{k} s": v for k, v in medians.items()})
    if "torch" in medians:
        row["fast/torch"] = medians["fast"] / medians["torch"]
    if reference_batch:
        xs, dys = x[:reference_batch], dy[:reference_batch]
        ref = interleaved_medians({"reference": layer_step(layer, xs, dys, path="reference")},
                                  repeats=reference_repeats, warmup=0,
                                  block=1)["reference"]
        row["reference s/sample"] = ref / reference_batch
        row["reference/fast per sample"] = (ref / reference_batch) / (medians["fast"] / x.shape[0])
    return row


def print_table(rows) -> None:
    cols = ["name", "batch", "fast s", "torch s", "fast/torch", "reference s/sample",
            "reference/fast per sample", "max |ours - torch|"]
    cols = [c for c in cols if any(c in r for r in rows)]
    width = {c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in cols}
    print("  ".join(c.ljust(width[c]) for c in cols))
    for r in rows:
        print("  ".join(_fmt(r.get(c)).ljust(width[c]) for c in cols))


def _fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"
    return str(v)
