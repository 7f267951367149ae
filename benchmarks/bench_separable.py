"""SeparableConv2D and DepthwiseConv2D, edulayers fast path vs PyTorch CPU (float32).

Workload: batch 32, 32x32x16 input, 3x3 kernel, 'same' padding; SeparableConv2D to 32 filters.
The torch twin of SeparableConv2D is a depthwise ``Conv2d(groups=in_ch)`` followed by a 1x1
``Conv2d``, holding the same weights (Keras layout ``(kh, kw, in, M)`` -> torch ``(in*M, 1, kh, kw)``).

    python benchmarks/bench_separable.py
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import compare, print_table, torch  # noqa: E402  (first: it sets the BLAS threads)

import numpy as np  # noqa: E402

import edulayers as el  # noqa: E402

BATCH, SIZE, CHANNELS, FILTERS, KERNEL = 32, 32, 16, 32, 3


def _torch_depthwise(kernel, bias):
    """torch Conv2d(groups=C) with the Keras depthwise kernel (kh, kw, C, M); NCHW in torch."""
    kh, kw, c, m = kernel.shape
    conv = torch.nn.Conv2d(c, c * m, (kh, kw), padding="same", groups=c, bias=bias is not None)
    with torch.no_grad():
        # output channel c*M + m <- input channel c, kernel [:, :, c, m]
        conv.weight.copy_(torch.tensor(kernel.transpose(2, 3, 0, 1).reshape(c * m, 1, kh, kw)))
        if bias is not None:
            conv.bias.copy_(torch.tensor(bias))
    return conv


def _pointwise(kernel, bias):
    _, _, cm, f = kernel.shape
    conv = torch.nn.Conv2d(cm, f, 1, bias=True)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(kernel[0, 0].T.reshape(f, cm, 1, 1)))
        conv.bias.copy_(torch.tensor(bias))
    return conv


class _ChannelsLast(torch.nn.Module if torch is not None else object):
    """Run an NCHW torch module on NHWC arrays (the permutes are part of the timed work, as
    edulayers works channels_last throughout)."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def rows(repeats=15):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZE, SIZE, CHANNELS)).astype("float32")
    el.set_random_seed(0)
    out = []

    sep = el.layers.SeparableConv2D(FILTERS, KERNEL, padding="same", bias_initializer="random_normal",
                                    dtype="float32")
    sep(x[:1])
    twin = None
    if torch is not None:
        twin = _ChannelsLast(torch.nn.Sequential(_torch_depthwise(sep.depthwise_kernel, None),
                                                 _pointwise(sep.pointwise_kernel, sep.bias)))
    out.append(compare(f"SeparableConv2D({FILTERS}, 3, same) {SIZE}x{SIZE}x{CHANNELS}", sep, x,
                       twin, repeats=repeats))

    dw = el.layers.DepthwiseConv2D(KERNEL, padding="same", bias_initializer="random_normal",
                                   dtype="float32")
    dw(x[:1])
    twin = _ChannelsLast(_torch_depthwise(dw.kernel, dw.bias)) if torch is not None else None
    out.append(compare(f"DepthwiseConv2D(3, same) {SIZE}x{SIZE}x{CHANNELS}", dw, x, twin,
                       repeats=repeats))

    dw2 = el.layers.DepthwiseConv2D(KERNEL, padding="same", depth_multiplier=2, strides=2,
                                    bias_initializer="random_normal", dtype="float32")
    dw2(x[:1])
    twin = None
    if torch is not None:
        conv = _torch_depthwise(dw2.kernel, dw2.bias)
        conv.stride, conv.padding = (2, 2), (0, 0)
        # TensorFlow's 'same' for stride 2 pads (0, 1): torch pads explicitly the same way.
        twin = _ChannelsLast(torch.nn.Sequential(torch.nn.ZeroPad2d((0, 1, 0, 1)), conv))
    out.append(compare(f"DepthwiseConv2D(3, s=2, M=2, same) {SIZE}x{SIZE}x{CHANNELS}", dw2, x, twin,
                       repeats=repeats))
    return out


if __name__ == "__main__":
    print_table(rows())
