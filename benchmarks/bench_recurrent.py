"""LSTM, GRU and SimpleRNN forward+backward: edulayers fast path vs its reference path vs ``torch.nn``.

The workload: batch 32, 50 timesteps, 32 features -> 64 units, float32, the last output (Keras'
default ``return_sequences=False``), the same weights in both libraries, both on the same number
of threads (``EDULAYERS_BENCH_THREADS``, default 2), interleaved timing rounds (see harness.py).
There is no target: the ratio is reported.

Weight mapping. Keras' gate order i, f, c, o is torch's i, f, g, o (``g`` is Keras' candidate
``c``), so the blocks line up and only the layout changes: ``weight_ih_l0 = kernel.T``
``(4u, d)``, ``weight_hh_l0 = recurrent_kernel.T``; torch has two biases whose sum plays the role of
Keras' one: ``bias_ih_l0 = bias``, ``bias_hh_l0 = 0``. GRU: Keras' blocks are z, r, h and torch's
r, z, n, so the first two blocks swap; Keras' default ``reset_after=True`` is torch's GRU (the reset
gate multiplies ``h W_hn + b_hn``), with Keras' two bias rows as ``bias_ih_l0`` and ``bias_hh_l0``.

What dominates: the recurrence itself. The fast path does the input projection of all 50 steps in
one (1600 x 32) @ (32 x 256) product (and dx, dW in one product each), but the 50 steps are
inherently sequential: each is a small (32 x 64) @ (64 x 256) product plus a dozen elementwise
NumPy calls on (32, 64) arrays, i.e. ~50 x 15 Python-level NumPy calls forward and as many
backward, where per-call overhead (microseconds) is comparable to the arithmetic. torch runs the
same loop in C++ (fused gate kernels, no Python per step).

    python benchmarks/bench_recurrent.py
    python benchmarks/run.py recurrent --repeats 3
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402  (sets the thread counts before NumPy and torch start)
import numpy as np  # noqa: E402

import edulayers as el  # noqa: E402

BATCH, STEPS, FEATURES, UNITS = 32, 50, 32, 64


class _LastOutput:
    """Wraps a torch RNN module so that calling it returns the last output ``(batch, units)``."""

    def __new__(cls, rnn):
        torch = harness.torch

        class LastOutput(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = rnn

            def forward(self, x):
                return self.rnn(x)[0][:, -1]

        return LastOutput()


def recurrent_pair(kind, seed=0):
    """A built float32 edulayers layer and a torch module with the same weights."""
    el.set_random_seed(seed)
    layer = getattr(el.layers, kind)(UNITS, dtype="float32")
    x = np.random.default_rng(seed).standard_normal((BATCH, STEPS, FEATURES)).astype("float32")
    layer(x)
    module = None
    if harness.torch is not None:
        torch = harness.torch
        rnn = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "SimpleRNN": torch.nn.RNN}[kind](
            FEATURES, UNITS, batch_first=True)
        kernel, recurrent_kernel, bias = layer.get_weights()
        bias_ih, bias_hh = (bias[0], bias[1]) if kind == "GRU" else (bias, np.zeros_like(bias))
        if kind == "GRU":                      # Keras z, r, h -> torch r, z, n
            order = np.r_[UNITS:2 * UNITS, 0:UNITS, 2 * UNITS:3 * UNITS]
            kernel, recurrent_kernel = kernel[:, order], recurrent_kernel[:, order]
            bias_ih, bias_hh = bias_ih[order], bias_hh[order]
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(torch.from_numpy(kernel.T.copy()))
            rnn.weight_hh_l0.copy_(torch.from_numpy(recurrent_kernel.T.copy()))
            rnn.bias_ih_l0.copy_(torch.from_numpy(bias_ih.copy()))
            rnn.bias_hh_l0.copy_(torch.from_numpy(bias_hh.copy()))
        module = _LastOutput(rnn)
    return layer, x, module


def rows(repeats: int = 15) -> list:
    out = []
    for kind in ("LSTM", "GRU", "SimpleRNN"):
        layer, x, module = recurrent_pair(kind)
        label = f"{kind} {FEATURES}->{UNITS}, {STEPS} steps"
        out.append(harness.compare(label, layer, x, torch_module=module, repeats=repeats))
    return out


if __name__ == "__main__":
    print(f"float32, batch {BATCH}, {harness.THREADS} threads; forward+backward, median seconds")
    harness.print_table(rows())
