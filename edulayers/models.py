r"""Models: a stack of layers run forward in order and backward in reverse (the chain rule).

``Sequential`` is the seed documents' first model::

    model = el.Sequential()
    model.add(el.layers.Dense(32, input_shape=(16,), activation="relu"))
    model.add(el.layers.Dense(10, activation="softmax"))
    model.summary()            # Keras' table and parameter counts
    print(model.explain())     # each layer's formula, shapes and parameter arithmetic

A model follows the layer protocol where it can (``forward``, ``backward``,
``params``, ``grads``, ``get_weights``/``set_weights``, ``count_params``,
``explain``), so ``el.gradcheck(model, x)`` checks a whole stack. Weight names
in ``params`` and ``grads`` are ``"layer_name/weight_name"``.
"""
from __future__ import annotations

import numpy as np

from . import backend, losses as losses_mod, metrics as metrics_mod, optimizers as optimizers_mod
from .explain import Explanation, Step, format_shape
from .layers.base import Layer, _as_shape, _check_shape_against_spec, unique_name

__all__ = ["Sequential", "History"]


class History:
    """What ``fit`` returns: ``history.history["loss"]`` is the list of epoch losses, and so on."""

    def __init__(self):
        self.history: dict = {}
        self.epoch: list = []

    def append(self, epoch: int, logs: dict) -> None:
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)

    def __repr__(self):
        return f"<History epochs={len(self.epoch)}, keys={list(self.history)}>"


def _format_logs(logs: dict) -> str:
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


class Sequential:
    """A linear stack of layers: :math:`y = f_L(\\cdots f_2(f_1(x)))`.

    Args:
        layers: the layers, in order (more can be added with ``add``).
        name: the model's name (``sequential``, ``sequential_1``, ... by default).

    Backward applies the chain rule in reverse: each layer's ``backward`` turns the gradient
    with respect to its output into the gradient with respect to its input and fills its own
    ``grads``. Masks travel forward from layer to layer (``layer.output_mask``).
    """

    def __init__(self, layers=None, name=None):
        self.name = name or unique_name("sequential")
        self.layers: list = []
        self.built_input_shape = None
        for layer in layers or []:
            self.add(layer)

    @property
    def _label(self) -> str:
        return f"Sequential '{self.name}'"

    # ---------------------------------------------------------------- building
    def add(self, layer) -> None:
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential '{self.name}'.add expects a Layer, got {type(layer).__name__}")
        if any(existing.name == layer.name for existing in self.layers):
            raise ValueError(f"Sequential '{self.name}' already has a layer named {layer.name!r}; "
                             "layer names must be unique")
        self.layers.append(layer)
        if len(self.layers) == 1 and layer.batch_input_shape is not None:
            self.build(layer.batch_input_shape)
        elif self.built_input_shape is not None:
            self.build(self.built_input_shape)

    @property
    def built(self) -> bool:
        return self.built_input_shape is not None and all(layer.built for layer in self.layers)

    def build(self, input_shape) -> None:
        """Build every layer, passing each one the output shape of the previous."""
        shape = _as_shape(input_shape)
        self.built_input_shape = shape
        for layer in self.layers:
            _check_shape_against_spec(layer, shape)   # a layer built earlier must fit here too
            layer._ensure_built(shape)
            shape = layer.compute_output_shape(shape)

    def compute_output_shape(self, input_shape):
        shape = _as_shape(input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    # ---------------------------------------------------------------- the computation
    def forward(self, x, training=False, path="fast", mask=None):
        if not self.layers:
            raise ValueError(f"Sequential '{self.name}' has no layers: add some first")
        y = x
        for layer in self.layers:
            y = layer.forward(y, training=training, path=path, mask=mask)
            mask = layer.output_mask
        if self.built_input_shape is None:
            self.built_input_shape = (None,) + np.shape(x)[1:]
        return y

    __call__ = forward

    def predict(self, x, batch_size=32):
        """Inference outputs, computed ``batch_size`` samples at a time."""
        x = np.asarray(x)
        return np.concatenate([self.forward(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])

    def backward(self, dy, penalties=False):
        """Gradient w.r.t. the model's input; every layer's ``grads`` is filled on the way.

        With ``penalties=True`` (what ``fit`` uses) the regularization penalties join in: each
        layer's activity-penalty gradient is added to the gradient of its output, and its weight
        penalties' gradients to its ``grads``.
        """
        for layer in reversed(self.layers):
            if penalties and layer.activity_gradient() is not None:
                dy = dy + layer.activity_gradient()
            dy = layer.backward(dy)
            if penalties:
                for name, extra in layer.regularization_gradients().items():
                    layer.grads[name] = layer.grads[name] + extra
        return dy

    # ---------------------------------------------------------------- training
    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose the optimizer (name or object), the loss and the metrics, as Keras' ``compile``."""
        if loss is None:
            raise ValueError(f"Sequential '{self.name}'.compile needs a loss, e.g. loss='mse'")
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = losses_mod.get(loss)
        self.compiled_metrics = [metrics_mod.get(m, self.loss) for m in (metrics or [])]

    def _require_compiled(self, what):
        if getattr(self, "loss", None) is None or not hasattr(self, "optimizer"):
            raise RuntimeError(f"Sequential '{self.name}' must be compiled before {what}(): "
                               "call compile(optimizer, loss, metrics)")

    def _batch_logs(self, y, y_pred) -> dict:
        logs = {"loss": self.loss(y, y_pred) + sum(self.losses)}
        for name, fn in self.compiled_metrics:
            logs[name] = float(np.mean(fn(y, y_pred)))
        return logs

    def train_step(self, x, y) -> dict:
        """One step of gradient descent on a batch: forward, loss, backward, update, constraints."""
        y_pred = self.forward(x, training=True)
        logs = self._batch_logs(y, y_pred)
        self.backward(self.loss.gradient(y, y_pred), penalties=True)
        self.optimizer.apply(self.params, self.grads)
        for layer in self.layers:
            layer.apply_constraints()
        return logs

    def fit(self, x, y, batch_size=32, epochs=1, verbose=1, validation_split=0.0,
            validation_data=None, shuffle=True, seed=None) -> History:
        """Train for ``epochs`` passes over the data; returns a ``History``.

        ``validation_split`` holds out the *last* fraction of the samples (before shuffling), as
        Keras does. ``shuffle`` reorders the training samples every epoch (seeded by ``seed`` or
        ``el.set_random_seed``). ``verbose``: 0 silent, 1 a progress bar per epoch (tqdm, when
        installed), 2 one line per epoch.
        """
        self._require_compiled("fit")
        x, y = np.asarray(x), np.asarray(y)
        if len(x) != len(y):
            raise ValueError(f"Sequential '{self.name}'.fit: x has {len(x)} samples, y has {len(y)}")
        if validation_data is None and validation_split:
            if not 0 < validation_split < 1:
                raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
            cut = int(len(x) * (1 - validation_split))
            x, y, validation_data = x[:cut], y[:cut], (x[cut:], y[cut:])
        rng = backend.rng_for(seed)
        history = History()
        for epoch in range(epochs):
            order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
            batches = range(0, len(x), batch_size)
            progress = _progress(batches, verbose, f"Epoch {epoch + 1}/{epochs}")
            totals: dict = {}
            for start in progress:
                idx = order[start:start + batch_size]
                for k, v in self.train_step(x[idx], y[idx]).items():
                    totals[k] = totals.get(k, 0.0) + v * len(idx)
                if hasattr(progress, "set_postfix"):
                    progress.set_postfix({k: f"{v / (start + len(idx)):.4f}" for k, v in totals.items()})
            logs = {k: v / len(x) for k, v in totals.items()}
            if validation_data is not None:
                val = self.evaluate(*validation_data, batch_size=batch_size, return_dict=True)
                logs.update({f"val_{k}": v for k, v in val.items()})
            history.append(epoch, logs)
            if verbose == 2 or (verbose == 1 and not hasattr(progress, "set_postfix")):
                print(f"Epoch {epoch + 1}/{epochs} - {_format_logs(logs)}")
        return history

    def evaluate(self, x, y, batch_size=32, verbose=0, return_dict=False):
        """Loss (with regularization penalties) and metrics, averaged over the samples."""
        self._require_compiled("evaluate")
        x, y = np.asarray(x), np.asarray(y)
        totals: dict = {}
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            for k, v in self._batch_logs(yb, self.forward(xb)).items():
                totals[k] = totals.get(k, 0.0) + v * len(xb)
        logs = {k: v / len(x) for k, v in totals.items()}
        if verbose:
            print(_format_logs(logs))
        if return_dict:
            return logs
        return logs["loss"] if len(logs) == 1 else list(logs.values())

    # ---------------------------------------------------------------- weights
    @property
    def params(self) -> dict:
        return {f"{layer.name}/{k}": v for layer in self.layers for k, v in layer.params.items()}

    @property
    def grads(self) -> dict:
        return {f"{layer.name}/{k}": v for layer in self.layers for k, v in layer.grads.items()}

    @property
    def losses(self) -> list:
        return [loss for layer in self.layers for loss in layer.losses]

    def get_weights(self) -> list:
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        expected = sum(len(layer.get_weights()) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(f"Sequential '{self.name}' expects {expected} weight arrays, "
                             f"got {len(weights)}")
        for layer in self.layers:
            n = len(layer.get_weights())
            layer.set_weights(weights[:n])
            weights = weights[n:]

    def save_weights(self, path) -> None:
        """Save every weight to a ``.npz`` file, in layer order (keys ``layer_0/kernel``, ...)."""
        arrays = {f"layer_{i}/{k}": w for i, layer in enumerate(self.layers) for k, w in layer.weights.items()}
        with open(path, "wb") as f:
            np.savez(f, **arrays)

    def load_weights(self, path) -> None:
        """Load weights saved by ``save_weights``: matched by layer position, as Keras does."""
        with np.load(path) as data:
            stored = dict(data)
        expected = [f"layer_{i}/{k}" for i, layer in enumerate(self.layers) for k in layer.weights]
        if sorted(expected) != sorted(stored):
            raise ValueError(f"load_weights: {path} holds {sorted(stored)}, but Sequential "
                             f"'{self.name}' has {expected}")
        for i, layer in enumerate(self.layers):
            layer.set_weights([stored[f"layer_{i}/{k}"] for k in layer.weights])

    def count_params(self) -> int:
        self._require_built("count_params")
        return sum(layer.count_params() for layer in self.layers)

    def _require_built(self, what):
        if not self.built:
            raise ValueError(f"Sequential '{self.name}' is not built, so its layers have no weights "
                             f"yet: give the first layer input_shape=..., call build(input_shape) or "
                             f"call the model on data before {what}()")

    def _set_dtype(self, dtype) -> None:
        for layer in self.layers:
            layer._set_dtype(dtype)

    # ---------------------------------------------------------------- reading the model
    def summary(self, print_fn=print) -> str:
        """Keras' summary table: each layer's output shape and parameter count."""
        self._require_built("summary")
        rows, shape = [], self.built_input_shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", format_shape(shape),
                         f"{layer.count_params():,}"))
        trainable = sum(int(np.size(w)) for w in self.params.values())
        total = self.count_params()
        widths = [max(len("Layer (type)"), *(len(r[0]) for r in rows)) + 2,
                  max(len("Output Shape"), *(len(r[1]) for r in rows)) + 2, 12]
        rule = "-" * sum(widths)
        lines = [f'Model: "{self.name}"', rule,
                 "Layer (type)".ljust(widths[0]) + "Output Shape".ljust(widths[1]) + "Param #", rule]
        lines += [r[0].ljust(widths[0]) + r[1].ljust(widths[1]) + r[2] for r in rows]
        lines += [rule, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", rule]
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text

    def explain(self, input_shape=None) -> Explanation:
        """Layer after layer: formulas, the shape trace and the parameter arithmetic of the stack."""
        if input_shape is not None and not self.built:
            self.build(input_shape)
        self._require_built("explain")
        shape = self.built_input_shape
        children, steps = [], [Step("input", shape)]
        for layer in self.layers:
            child = layer.explain(shape)
            children.append(child)
            shape = child.output_shape
            steps.append(Step(f"{layer.name} ({type(layer).__name__})", shape))
        formula = "x"
        for i in range(1, len(self.layers) + 1):
            formula = f"f_{{{i}}}({formula})"
        nonzero = [c for c in children if c.param_count]
        param_formula = " + ".join(f"({c.param_formula})" if "+" in c.param_formula else c.param_formula
                                   for c in nonzero) or "0"
        return Explanation(name=f"Sequential ({self.name})", formula=f"y = {formula}",
                           shape_trace=steps, param_count=self.count_params(),
                           param_formula=param_formula, children=children)

    def __repr__(self):
        return f"<Sequential name={self.name!r}, layers={[layer.name for layer in self.layers]}>"


def _progress(batches, verbose, description):
    """A tqdm progress bar over the batches when verbose == 1 and tqdm is installed."""
    if verbose == 1:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return batches
        return tqdm(batches, desc=description, unit="batch", leave=True)
    return batches
