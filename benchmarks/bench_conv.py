"""Convolutions, forward+backward: edulayers' fast path (and reference path) against PyTorch CPU.

Same weights on both sides (Keras kernel layouts transposed to PyTorch's), float32, channels_last
inputs (the PyTorch twin moves the channel axis with a view at its boundary):

* Conv2D 32x32x3 -> 64, 3x3 same, batch 32      vs torch.nn.Conv2d(3, 64, 3, padding=1)
* Conv2D 28x28x1 -> 32, 3x3 valid, batch 64     vs torch.nn.Conv2d(1, 32, 3)
* Conv1D 100x16 -> 32, k=5 valid, batch 32      vs torch.nn.Conv1d(16, 32, 5)
* Conv2DTranspose 16x16x32 -> 16, 3x3 stride 2 valid, batch 16   vs torch.nn.ConvTranspose2d
  (valid: PyTorch's padding cannot reproduce TensorFlow's 'same' crop for an odd kernel at
  stride 2, so the outputs would differ there)
* the two convolutions of the digits CNN (notebook 16), batch 32, 3x3 same + ReLU:
  8x8x1 -> 16 and 4x4x16 -> 32      vs torch.nn.Conv2d(.., padding=1) + torch.nn.ReLU

Run: ``python benchmarks/bench_conv.py [repeats]``.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import compare, print_table, torch  # noqa: E402  (sets the thread counts first)

import numpy as np  # noqa: E402

import edulayers as el  # noqa: E402


class _ChannelsLast(torch.nn.Module if torch is not None else object):
    """A PyTorch conv fed ``(batch, *spatial, channels)`` like the edulayers layer."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x.movedim(-1, 1)).movedim(1, -1)


def _twin(layer, module, relu=False):
    """Copy the layer's kernel and bias into the torch module (Keras -> PyTorch layout)."""
    kernel, bias = layer.get_weights()
    rank = kernel.ndim - 2
    # Conv: (*k, in, out) -> (out, in, *k); ConvTranspose: (*k, out, in) -> (in, out, *k)
    perm = (rank + 1, rank) + tuple(range(rank))
    with torch.no_grad():
        module.weight.copy_(torch.tensor(np.ascontiguousarray(kernel.transpose(perm))))
        module.bias.copy_(torch.tensor(bias))
    return _ChannelsLast(torch.nn.Sequential(module, torch.nn.ReLU()) if relu else module)


def _workloads():
    rng = np.random.default_rng(0)
    el.set_random_seed(0)
    specs = [
        ("Conv2D 32x32x3->64 3x3 same", el.layers.Conv2D(64, 3, padding="same"), (32, 32, 32, 3),
         lambda: torch.nn.Conv2d(3, 64, 3, padding=1)),
        ("Conv2D 28x28x1->32 3x3 valid", el.layers.Conv2D(32, 3), (64, 28, 28, 1),
         lambda: torch.nn.Conv2d(1, 32, 3)),
        ("Conv1D 100x16->32 k=5", el.layers.Conv1D(32, 5), (32, 100, 16),
         lambda: torch.nn.Conv1d(16, 32, 5)),
        ("Conv2DTranspose 16x16x32->16 3x3 s2", el.layers.Conv2DTranspose(16, 3, strides=2),
         (16, 16, 16, 32), lambda: torch.nn.ConvTranspose2d(32, 16, 3, stride=2)),
        ("Conv2D 8x8x1->16 3x3 same relu (digits)",
         el.layers.Conv2D(16, 3, padding="same", activation="relu"), (32, 8, 8, 1),
         lambda: torch.nn.Conv2d(1, 16, 3, padding=1)),
        ("Conv2D 4x4x16->32 3x3 same relu (digits)",
         el.layers.Conv2D(32, 3, padding="same", activation="relu"), (32, 4, 4, 16),
         lambda: torch.nn.Conv2d(16, 32, 3, padding=1)),
    ]
    for name, layer, shape, make_torch in specs:
        x = rng.standard_normal(shape).astype(np.float32)
        layer(x)                                                    # build
        layer.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.1
                           for w in layer.get_weights()])
        relu = getattr(layer.activation, "name", "") == "relu"
        module = _twin(layer, make_torch(), relu) if torch is not None else None
        yield name, layer, x, module


def rows(repeats: int = 15) -> list:
    """One timing row per workload (see ``harness.compare``)."""
    return [compare(name, layer, x, module, repeats=repeats)
            for name, layer, x, module in _workloads()]


if __name__ == "__main__":
    print_table(rows(int(sys.argv[1]) if len(sys.argv) > 1 else 15))
