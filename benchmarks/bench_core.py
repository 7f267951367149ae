"""Dense forward+backward: edulayers fast path vs its reference path vs ``torch.nn.Linear``.

The workload of the issue: batch 256, 784 -> 512, float32 (an MNIST-sized first layer), both
libraries on the same number of threads (``EDULAYERS_BENCH_THREADS``, default 2), the same
weights, interleaved timing rounds (see harness.py). The target: the fast path within 1.2x of
PyTorch on the CPU.

    python benchmarks/bench_core.py            # this file's table
    python benchmarks/run.py                   # every benchmarks/bench_*.py in one table
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402  (sets the thread counts before NumPy and torch start)
import numpy as np  # noqa: E402

import edulayers as el  # noqa: E402

BATCH, IN, OUT = 256, 784, 512


def dense_pair(activation=None, seed=0):
    """A built float32 Dense and a torch Linear (+ activation) holding the same weights."""
    el.set_random_seed(seed)
    layer = el.layers.Dense(OUT, activation=activation, dtype="float32")
    x = np.random.default_rng(seed).standard_normal((BATCH, IN)).astype("float32")
    layer(x)
    module = None
    if harness.torch is not None:
        torch = harness.torch
        linear = torch.nn.Linear(IN, OUT)
        kernel, bias = layer.get_weights()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(kernel.T.copy()))   # torch keeps (out, in)
            linear.bias.copy_(torch.from_numpy(bias))
        module = linear if activation is None else torch.nn.Sequential(linear, torch.nn.ReLU())
    return layer, x, module


def rows(repeats: int = 15) -> list:
    out = []
    for activation, label in [(None, "Dense 784->512"), ("relu", "Dense 784->512 relu")]:
        layer, x, module = dense_pair(activation)
        out.append(harness.compare(label, layer, x, torch_module=module, repeats=repeats))
    return out


if __name__ == "__main__":
    print(f"float32, batch {BATCH}, {harness.THREADS} threads; forward+backward, median seconds")
    harness.print_table(rows())
