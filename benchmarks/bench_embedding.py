"""Embedding forward+backward: edulayers fast path vs its reference path vs ``torch.nn.Embedding``.

The workloads: vocabulary 10000 -> 64 with batch 64 of 100 tokens, and 10000 -> 128 with batch
64 of 50 tokens; float32, uniformly drawn indices, the same matrix in both libraries, the same
number of threads (``EDULAYERS_BENCH_THREADS``, default 2), interleaved timing rounds (see
harness.py). The indices are integers, so there is no input gradient: backward is the scatter-add
of the upstream rows into a dense (10000, d) gradient (torch's default ``sparse=False`` also
makes a dense one). Also timed: the plain ``np.add.at(dE, x, dy_rows)``, which the fast path
replaces (``scatter_add_rows`` in embedding.py): the column ``np.add.at rows/fast`` is how much
slower it is.

    python benchmarks/bench_embedding.py
    python benchmarks/run.py embedding
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402  (sets the thread counts before NumPy and torch start)
import numpy as np  # noqa: E402

import edulayers as el  # noqa: E402

#: (batch, tokens, vocabulary, embedding size) of each workload
WORKLOADS = [(64, 100, 10000, 64), (64, 50, 10000, 128)]


def embedding_pair(batch, tokens, vocab, dim, seed=0):
    """A built float32 Embedding, integer indices, and a torch Embedding with the same matrix."""
    el.set_random_seed(seed)
    layer = el.layers.Embedding(vocab, dim, dtype="float32")
    x = np.random.default_rng(seed).integers(0, vocab, size=(batch, tokens))
    layer(x)
    module = None
    if harness.torch is not None:
        module = harness.torch.nn.Embedding(vocab, dim)
        with harness.torch.no_grad():
            module.weight.copy_(harness.torch.from_numpy(layer.embeddings))
    return layer, x, module


def _torch_step(module, x, dy):
    xt = harness.torch.tensor(x)
    dyt = harness.torch.tensor(dy)

    def step():
        module.weight.grad = None
        module(xt).backward(dyt)
    return step


def _add_at_step(layer, x, dy):
    def step():
        y = np.take(layer.embeddings, x, axis=0)      # the same gather
        dE = np.zeros_like(layer.embeddings)
        np.add.at(dE, x.reshape(-1), dy.reshape(-1, layer.output_dim))
        return y, dE
    return step


def rows(repeats: int = 15) -> list:
    return [_row(*workload, repeats=repeats) for workload in WORKLOADS]


def _row(batch, tokens, vocab, dim, repeats):
    layer, x, module = embedding_pair(batch, tokens, vocab, dim)
    dy = np.random.default_rng(1).standard_normal((batch, tokens, dim)).astype("float32")
    steps = {"fast": harness.layer_step(layer, x, dy), "add.at rows": _add_at_step(layer, x, dy)}
    row = {"name": f"Embedding {vocab}->{dim}, {tokens} tokens", "batch": batch}
    if module is not None:
        with harness.torch.no_grad():
            y_torch = module(harness.torch.tensor(x)).numpy()
        row["max |ours - torch|"] = float(np.max(np.abs(y_torch - layer.forward(x))))
        layer.backward(dy)
        grad = layer.grads["embeddings"]
        module.weight.grad = None
        module(harness.torch.tensor(x)).backward(harness.torch.tensor(dy))
        row["max |dE ours - torch|"] = float(np.max(np.abs(module.weight.grad.numpy() - grad)))
        steps["torch"] = _torch_step(module, x, dy)
    medians = harness.interleaved_medians(steps, repeats=repeats)
    row.update({f"{k} s": v for k, v in medians.items() if k != "add.at rows"})
    row["np.add.at rows/fast"] = medians["add.at rows"] / medians["fast"]
    if "torch" in medians:
        row["fast/torch"] = medians["fast"] / medians["torch"]
    ref = harness.interleaved_medians({"reference": harness.layer_step(layer, x[:1], dy[:1], path="reference")},
                                      repeats=3, warmup=0, block=1)["reference"]
    row["reference s/sample"] = ref
    row["reference/fast per sample"] = ref / (medians["fast"] / batch)
    return row


if __name__ == "__main__":
    print(f"float32, {harness.THREADS} threads; forward+backward, median seconds")
    table = rows()
    harness.print_table(table)
    for row in table:
        extra = {k: v for k, v in row.items() if k in ("np.add.at rows/fast", "max |dE ours - torch|")}
        print(row["name"] + ": " + "  ".join(f"{k} = {harness._fmt(v)}" for k, v in extra.items()))
