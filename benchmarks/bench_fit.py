"""One epoch of the digits CNN through ``fit``: edulayers' ``model.fit`` vs a hand-written PyTorch loop.

The workload: the whole digits data set that ships in the package (``el.datasets.load_digits``,
training and test parts together: 1797 images 8x8x1, float32), batch 32 (56 full batches and
one of 5), in a fixed order. The model is notebook 16's digits CNN::

    Conv2D(16, 3, same, relu) - MaxPooling2D(2) - Conv2D(32, 3, same, relu) - MaxPooling2D(2)
    - Flatten - Dense(32, relu) - Dense(10, softmax)

trained with Adam (learning rate 0.003) on the sparse categorical cross-entropy. edulayers runs
``model.fit(x, y, epochs=1, batch_size=32, verbose=0, shuffle=False)``, with everything fit does
per batch (forward, loss and its gradient, backward, the update, callbacks, the running mean of
the loss). PyTorch runs what one would write by hand: the same layers on NCHW images (copied
once, before timing), ``CrossEntropyLoss`` on the logits (softmax and cross-entropy fused, as
every PyTorch classifier does), ``torch.optim.Adam`` with ``eps=1e-7`` (Keras' value), and per
batch ``zero_grad``, forward, loss, ``backward``, ``step`` and ``loss.item()`` for the running
loss. No metrics on either side. Both on the same number of threads, interleaved rounds
(harness.py); one timed call is one epoch.

The check: both models start from the same weights (edulayers' initial weights copied into
torch; the Dense kernel after Flatten has its rows reordered, NHWC -> NCHW flattening), train
one epoch, and ``max |ours - torch|`` compares their predicted probabilities on the 1797
images afterwards (float32 over 57 updates, and Adam's epsilon meets sqrt(v) in a slightly
different place: small, not zero). Target: the ratio edulayers / torch at most 0.8.

    python benchmarks/bench_fit.py
    python benchmarks/run.py fit --repeats 5
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402  (sets the thread counts before NumPy and torch start)
import numpy as np  # noqa: E402

import edulayers as el  # noqa: E402

BATCH, LEARNING_RATE = 32, 0.003


def digits():
    """All 1797 digits, ``(N, 8, 8, 1)`` float32 in [0, 1], and int64 labels."""
    (x_train, y_train), (x_test, y_test) = el.datasets.load_digits()
    return (np.concatenate([x_train, x_test]).astype("float32"),
            np.concatenate([y_train, y_test]).astype("int64"))


def edulayers_cnn(seed=0):
    """Notebook 16's digits CNN, compiled as there (without the accuracy metric)."""
    L = el.layers
    el.set_random_seed(seed)
    model = el.Sequential([
        el.Input(shape=(8, 8, 1)),
        L.Conv2D(16, 3, padding="same", activation="relu"),
        L.MaxPooling2D(2),
        L.Conv2D(32, 3, padding="same", activation="relu"),
        L.MaxPooling2D(2),
        L.Flatten(),
        L.Dense(32, activation="relu"),
        L.Dense(10, activation="softmax"),
    ], name="small_cnn")
    model.compile(optimizer=el.optimizers.Adam(learning_rate=LEARNING_RATE),
                  loss="sparse_categorical_crossentropy")
    return model


def torch_cnn(model):
    """The same network in PyTorch (NCHW, logits out), holding ``model``'s weights."""
    torch, nn = harness.torch, harness.torch.nn
    net = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2 * 2 * 32, 32), nn.ReLU(), nn.Linear(32, 10))
    conv1, conv2, dense1, dense2 = (layer for layer in model.layers if layer.params)
    (k1, b1), (k2, b2) = conv1.get_weights(), conv2.get_weights()
    (w1, c1), (w2, c2) = dense1.get_weights(), dense2.get_weights()
    # Keras flattens (h, w, c), PyTorch (c, h, w): reorder the rows of the first Dense kernel
    w1 = w1.reshape(2, 2, 32, 32).transpose(2, 0, 1, 3).reshape(128, 32)
    with torch.no_grad():
        for module, weight, bias in ((net[0], k1.transpose(3, 2, 0, 1), b1),
                                     (net[3], k2.transpose(3, 2, 0, 1), b2),
                                     (net[7], w1.T, c1), (net[9], w2.T, c2)):
            module.weight.copy_(torch.tensor(np.ascontiguousarray(weight)))
            module.bias.copy_(torch.tensor(bias))
    return net


def edulayers_epoch(model, x, y):
    def step():
        model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0, shuffle=False)
    return step


def torch_epoch(net, x, y):
    """One epoch of the usual PyTorch loop over ``x`` (NHWC, copied to NCHW here, untimed)."""
    torch = harness.torch
    xt = torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt = torch.tensor(y)
    optimizer = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        running = 0.0
        for start in range(0, len(xt), BATCH):
            xb, yb = xt[start:start + BATCH], yt[start:start + BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(xb), yb)
            loss.backward()
            optimizer.step()
            running += loss.item() * len(yb)
        return running / len(xt)
    return step


def rows(repeats: int = 15) -> list:
    x, y = digits()
    model = edulayers_cnn()
    steps = {"fast": edulayers_epoch(model, x, y)}
    row = {"name": f"digits CNN, one epoch of fit ({len(x)} images 8x8x1)", "batch": BATCH}
    if harness.torch is not None:
        torch = harness.torch
        net = torch_cnn(model)
        steps["torch"] = torch_epoch(net, x, y)
        steps["fast"]()                                  # one epoch each, from the same weights
        steps["torch"]()
        with torch.no_grad():
            theirs = torch.softmax(net(torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))),
                                   dim=1).numpy()
        row["max |ours - torch|"] = float(np.max(np.abs(model.predict(x, batch_size=256) - theirs)))
    medians = harness.interleaved_medians(steps, repeats=repeats)
    row.update({f"{k} s": v for k, v in medians.items()})
    if "torch" in medians:
        row["fast/torch"] = medians["fast"] / medians["torch"]
    return [row]


if __name__ == "__main__":
    print(f"float32, batch {BATCH}, {harness.THREADS} threads; one epoch, median seconds")
    harness.print_table(rows(int(sys.argv[1]) if len(sys.argv) > 1 else 15))
