"""BatchNormalization forward+backward in training mode: edulayers fast path vs ``torch.nn.BatchNorm2d``.

Workloads: batch 64 of 16x16 images with 32 channels and of 32x32 images with 64 channels,
float32, ``axis=-1`` (channels_last), training mode (batch statistics, moving statistics updated on both sides, momentum 0.99 = PyTorch's 0.01).
PyTorch's BatchNorm2d reads NCHW: its input and upstream gradient are transposed once, outside
the timing, so each library runs on its own native layout. Same weights, the same number of
threads (``EDULAYERS_BENCH_THREADS``, default 2), interleaved timing rounds (see harness.py).

    python benchmarks/bench_normalization.py [repeats]
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (sets the thread counts before NumPy and torch start)

import numpy as np  # noqa: E402

import edulayers as el  # noqa: E402

#: (batch, rows, cols, channels) of each workload
SHAPES = [(64, 16, 16, 32), (64, 32, 32, 64)]


def _workload(shape, seed=0):
    rng = np.random.default_rng(seed)
    el.set_random_seed(seed)
    layer = el.layers.BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, dtype="float32")
    x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    layer(x)
    gamma, beta, mean, var = layer.get_weights()
    channels = shape[-1]
    layer.set_weights([rng.uniform(0.5, 1.5, channels).astype(np.float32),
                       rng.standard_normal(channels).astype(np.float32), mean, var])
    return layer, x, dy


def _torch_twin(layer):
    torch = harness.torch
    channels = layer.get_weights()[0].shape[0]
    module = torch.nn.BatchNorm2d(channels, eps=layer.epsilon, momentum=1 - layer.momentum)
    module.train()
    gamma, beta, mean, var = layer.get_weights()
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(gamma))
        module.bias.copy_(torch.from_numpy(beta))
        module.running_mean.copy_(torch.from_numpy(mean))
        module.running_var.copy_(torch.from_numpy(var))
    return module


def rows(repeats: int = 15) -> list:
    return [_row(shape, repeats) for shape in SHAPES]


def _row(shape, repeats):
    layer, x, dy = _workload(shape)
    batch, height, width, channels = shape
    steps = {"fast": lambda: (layer.forward(x, training=True), layer.backward(dy))}
    row = {"name": f"BatchNormalization {height}x{width}x{channels} training", "batch": batch}
    torch = harness.torch
    if torch is not None:
        module = _torch_twin(layer)
        x_nchw = torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)), requires_grad=True)
        dy_nchw = torch.tensor(np.ascontiguousarray(dy.transpose(0, 3, 1, 2)))
        with torch.no_grad():
            y_torch = module(x_nchw).numpy().transpose(0, 2, 3, 1)
        y = layer.forward(x, training=True)
        row["max |ours - torch|"] = float(np.max(np.abs(y - y_torch)))

        def torch_step():
            x_nchw.grad = None
            for p in module.parameters():
                p.grad = None
            module(x_nchw).backward(dy_nchw)

        steps["torch"] = torch_step
    medians = harness.interleaved_medians(steps, repeats=repeats)
    row.update({f"{k} s": v for k, v in medians.items()})
    if "torch" in medians:
        row["fast/torch"] = medians["fast"] / medians["torch"]
    # the reference path (channel by channel) on one sample, as the other benchmarks report it
    xs, dys = x[:1], dy[:1]
    ref = harness.interleaved_medians(
        {"reference": lambda: (layer.forward(xs, training=True, path="reference"), layer.backward(dys))},
        repeats=3, warmup=0, block=1)["reference"]
    row["reference s/sample"] = ref
    row["reference/fast per sample"] = ref / (medians["fast"] / batch)
    return row


if __name__ == "__main__":
    print(f"float32, {harness.THREADS} threads; forward+backward in training mode, median seconds")
    harness.print_table(rows(int(sys.argv[1]) if len(sys.argv) > 1 else 15))
