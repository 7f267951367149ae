"""LocallyConnected2D forward+backward: edulayers fast path vs its reference path vs PyTorch.

Workload: batch 16, 16x16 images with 8 channels -> 16 filters, 3x3 kernel, stride 1, float32:
14*14 = 196 positions, each with its own (72, 16) kernel (the kernel is (196, 72, 16)).

PyTorch has no locally connected layer, so the twin is the fairest short version: ``F.unfold``
(im2col) + ``torch.bmm`` with positions as the batch axis + the per-position bias, differentiated
by autograd. Its weight is stored in the order ``unfold`` produces (``(in_channels, kh, kw)``),
permuted from ours once before timing, and it reads NCHW input (transposed once before timing);
edulayers reads NHWC. Same threads (``EDULAYERS_BENCH_THREADS``, default 2), interleaved rounds.
Target: the fast path at most 1.0x PyTorch's time.

    python benchmarks/bench_locally_connected.py
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402  (sets the thread counts before NumPy and torch start)
import numpy as np  # noqa: E402

import edulayers as el  # noqa: E402
from bench_pooling import compare_nchw  # noqa: E402

BATCH, SIZE, IN_CH, FILTERS, KERNEL = 16, 16, 8, 16, 3


def torch_locally_connected(layer):
    """A torch module computing the same function as ``layer`` (NCHW in, NCHW out)."""
    torch = harness.torch
    functional = torch.nn.functional
    positions, patch, filters = layer.kernel.shape
    kh, kw = layer.kernel_size
    channels = patch // (kh * kw)
    out_rows, out_cols = layer.bias.shape[:2]
    # ours: rows of W_p in (kh, kw, C) order; unfold gives (C, kh, kw): permute once, here
    kernel = layer.kernel.reshape(positions, kh, kw, channels, filters).transpose(0, 3, 1, 2, 4)
    bias = layer.bias.transpose(2, 0, 1)                                  # (F, out_rows, out_cols)

    class LocallyConnected2d(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.tensor(kernel.reshape(positions, patch, filters)))
            self.bias = torch.nn.Parameter(torch.tensor(np.ascontiguousarray(bias)))

        def forward(self, x):
            cols = functional.unfold(x, (kh, kw), stride=layer.strides)   # (N, C*kh*kw, P)
            out = torch.bmm(cols.permute(2, 0, 1), self.weight)            # (P, N, F)
            out = out.permute(1, 2, 0).reshape(x.shape[0], filters, out_rows, out_cols)
            return out + self.bias

    return LocallyConnected2d()


def rows(repeats: int = 15) -> list:
    el.set_random_seed(0)
    layer = el.layers.LocallyConnected2D(FILTERS, KERNEL, dtype="float32")
    x = np.random.default_rng(0).standard_normal((BATCH, SIZE, SIZE, IN_CH)).astype("float32")
    layer(x)
    layer.bias[...] = np.random.default_rng(1).standard_normal(layer.bias.shape)
    module = torch_locally_connected(layer) if harness.torch is not None else None
    return [compare_nchw(f"LocallyConnected2D {SIZE}x{SIZE}x{IN_CH}->{FILTERS} 3x3", layer, x,
                         module, repeats=repeats)]


if __name__ == "__main__":
    print(f"float32, batch {BATCH}, {harness.THREADS} threads; forward+backward, median seconds")
    harness.print_table(rows())
