"""MaxPooling2D / AveragePooling2D forward+backward: edulayers fast path vs its reference path vs
``torch.nn.MaxPool2d`` / ``torch.nn.AvgPool2d``.

Workload: batch 32, 32x32 images with 64 channels, float32 (a CIFAR-sized feature map after a
first conv block); windows 2x2 (stride 2: the reshape trick) and 3x3 with stride 1 (overlapping
windows: the window-offset loop); and the first max pooling of the digits CNN (notebook 16): 2x2
on batch 32 of 8x8x16 maps after a ReLU, whose zeros tie in every dead window. Both libraries run on the same number of threads
(``EDULAYERS_BENCH_THREADS``, default 2) with interleaved timing rounds (harness.py).

Each library gets the same numbers in its own natural layout: edulayers ``(batch, rows, cols,
channels)``, PyTorch contiguous NCHW. The transposes happen once, outside the timed region, and
the outputs are compared after transposing back. Targets: 2x2 max and average pooling at most
1.0x PyTorch's time; the 3x3/stride-1 row is reported without a target.

    python benchmarks/bench_pooling.py
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402  (sets the thread counts before NumPy and torch start)
import numpy as np  # noqa: E402

import edulayers as el  # noqa: E402

BATCH, SIZE, CHANNELS = 32, 32, 64


def compare_nchw(name, layer, x, torch_module=None, repeats=15, reference_batch=1, seed=0):
    """harness.compare, except that torch receives ``x`` and ``dy`` as contiguous NCHW copies
    (made before timing) while edulayers keeps NHWC."""
    rng = np.random.default_rng(seed)
    y = layer.forward(x)
    dy = rng.standard_normal(y.shape).astype(layer.dtype)
    steps = {"fast": harness.layer_step(layer, x, dy)}
    row = {"name": name, "batch": x.shape[0]}
    if torch_module is not None and harness.torch is not None:
        x_nchw = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        dy_nchw = np.ascontiguousarray(dy.transpose(0, 3, 1, 2))
        with harness.torch.no_grad():
            y_torch = torch_module(harness.torch.tensor(x_nchw)).numpy().transpose(0, 2, 3, 1)
        row["max |ours - torch|"] = float(np.max(np.abs(y_torch - y)))
        steps["torch"] = harness.torch_step(torch_module, x_nchw, dy_nchw)
    medians = harness.interleaved_medians(steps, repeats=repeats)
    row.update({f"{k} s": v for k, v in medians.items()})
    if "torch" in medians:
        row["fast/torch"] = medians["fast"] / medians["torch"]
    if reference_batch:
        ref = harness.interleaved_medians(
            {"reference": harness.layer_step(layer, x[:reference_batch], dy[:reference_batch],
                                             path="reference")},
            repeats=3, warmup=0, block=1)["reference"]
        row["reference s/sample"] = ref / reference_batch
        row["reference/fast per sample"] = (ref / reference_batch) / (medians["fast"] / x.shape[0])
    return row


def rows(repeats: int = 15) -> list:
    x = np.random.default_rng(0).standard_normal((BATCH, SIZE, SIZE, CHANNELS)).astype("float32")
    nn = harness.torch.nn if harness.torch is not None else None
    cases = [
        ("MaxPooling2D 2x2", el.layers.MaxPooling2D(2), nn and nn.MaxPool2d(2)),
        ("MaxPooling2D 3x3/stride 1", el.layers.MaxPooling2D(3, strides=1),
         nn and nn.MaxPool2d(3, stride=1)),
        ("AveragePooling2D 2x2", el.layers.AveragePooling2D(2), nn and nn.AvgPool2d(2)),
    ]
    table = [compare_nchw(label, layer, x, module, repeats=repeats) for label, layer, module in cases]
    relu_maps = np.maximum(np.random.default_rng(1).standard_normal((32, 8, 8, 16)), 0).astype("float32")
    table.append(compare_nchw("MaxPooling2D 2x2 after ReLU 8x8x16 (digits)", el.layers.MaxPooling2D(2),
                              relu_maps, nn and nn.MaxPool2d(2), repeats=repeats))
    return table


if __name__ == "__main__":
    print(f"float32, batch {BATCH}, {SIZE}x{SIZE}x{CHANNELS}, {harness.THREADS} threads; "
          "forward+backward, median seconds")
    harness.print_table(rows())
