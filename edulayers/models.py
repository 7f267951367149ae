r"""Models: layers wired together, run forward in order and backward in reverse (the chain rule).

``Sequential`` is the seed documents' first model, a stack::

    model = el.Sequential()
    model.add(el.layers.Dense(32, input_shape=(16,), activation="relu"))
    model.add(el.layers.Dense(10, activation="softmax"))
    model.summary()            # Keras' table and parameter counts
    print(model.explain())     # each layer's formula, shapes and parameter arithmetic

``Model`` is the functional API: any graph of layers, with branches and merges::

    inputs = el.Input(shape=(16,))
    h = el.layers.Dense(32, activation="relu")(inputs)
    outputs = el.layers.add([h, el.layers.Dense(32)(inputs)])
    model = el.Model(inputs, outputs)

Backward through a graph: every tensor's gradient is the *sum* of the gradients flowing back from
each place it is used (a branch point in the forward pass is an addition in the backward pass).

A model follows the layer protocol where it can (``forward``, ``backward``, ``params``,
``grads``, ``get_weights``/``set_weights``, ``count_params``, ``explain``), so
``el.gradcheck(model, x)`` checks a whole network. Weight names in ``params`` and ``grads`` are
``"layer_name/weight_name"``.
"""
from __future__ import annotations

import numpy as np

from . import backend, losses as losses_mod, metrics as metrics_mod, optimizers as optimizers_mod
from .explain import Explanation, Step, format_shape
from .layers.base import Layer, _as_shape, _check_shape_against_spec, unique_name
from .symbolic import Input, SymbolicTensor

__all__ = ["Sequential", "Model", "Input", "History"]


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


def _n_samples(x) -> int:
    return len(x[0]) if isinstance(x, list) else len(x)


def _take(x, idx):
    return [v[idx] for v in x] if isinstance(x, list) else x[idx]


def _as_arrays(x):
    return [np.asarray(v) for v in x] if isinstance(x, (list, tuple)) else np.asarray(x)


class _Model:
    """What every model shares: weights of its layers, compile/fit/evaluate/predict, saving."""

    name: str
    layers: list

    @property
    def _label(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def __call__(self, x, training=False, path="fast", mask=None):
        return self.forward(x, training=training, path=path, mask=mask)

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
            raise ValueError(f"{self._label} expects {expected} weight arrays, got {len(weights)}")
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
            raise ValueError(f"load_weights: {path} holds {sorted(stored)}, but {self._label} "
                             f"has {expected}")
        for i, layer in enumerate(self.layers):
            layer.set_weights([stored[f"layer_{i}/{k}"] for k in layer.weights])

    def count_params(self) -> int:
        self._require_built("count_params")
        return sum(layer.count_params() for layer in self.layers)

    def _require_built(self, what):
        if not self.built:
            raise ValueError(f"{self._label} is not built, so its layers have no weights yet: give "
                             f"the first layer input_shape=..., call build(input_shape) or call the "
                             f"model on data before {what}()")

    def _set_dtype(self, dtype) -> None:
        for layer in self.layers:
            layer._set_dtype(dtype)

    def _add_penalty_gradients(self, layer) -> None:
        for name, extra in layer.regularization_gradients().items():
            layer.grads[name] = layer.grads[name] + extra

    # ---------------------------------------------------------------- training
    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose the optimizer (name or object), the loss and the metrics, as Keras' ``compile``."""
        if loss is None:
            raise ValueError(f"{self._label}.compile needs a loss, e.g. loss='mse'")
        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = losses_mod.get(loss)
        self.compiled_metrics = [metrics_mod.get(m, self.loss) for m in (metrics or [])]

    def _require_compiled(self, what):
        if getattr(self, "loss", None) is None or not hasattr(self, "optimizer"):
            raise RuntimeError(f"{self._label} must be compiled before {what}(): "
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

    def predict(self, x, batch_size=32):
        """Inference outputs, computed ``batch_size`` samples at a time."""
        x = _as_arrays(x)
        n = _n_samples(x)
        chunks = [self.forward(_take(x, slice(i, i + batch_size))) for i in range(0, n, batch_size)]
        if isinstance(chunks[0], list):
            return [np.concatenate(parts) for parts in zip(*chunks)]
        return np.concatenate(chunks)

    def fit(self, x, y, batch_size=32, epochs=1, verbose=1, validation_split=0.0,
            validation_data=None, shuffle=True, seed=None) -> History:
        """Train for ``epochs`` passes over the data; returns a ``History``.

        ``x`` is an array, or a list of arrays for a model with several inputs.
        ``validation_split`` holds out the *last* fraction of the samples (before shuffling), as
        Keras does. ``shuffle`` reorders the training samples every epoch (seeded by ``seed`` or
        ``el.set_random_seed``). ``verbose``: 0 silent, 1 a progress bar per epoch (tqdm, when
        installed), 2 one line per epoch.
        """
        self._require_compiled("fit")
        x, y = _as_arrays(x), np.asarray(y)
        n = _n_samples(x)
        if n != len(y) or (isinstance(x, list) and len({len(v) for v in x}) > 1):
            sizes = [len(v) for v in x] if isinstance(x, list) else n
            raise ValueError(f"{self._label}.fit: x has {sizes} samples, y has {len(y)}")
        if validation_data is None and validation_split:
            if not 0 < validation_split < 1:
                raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
            cut = int(n * (1 - validation_split))
            validation_data = (_take(x, slice(cut, None)), y[cut:])
            x, y, n = _take(x, slice(0, cut)), y[:cut], cut
        rng = backend.rng_for(seed)
        history = History()
        for epoch in range(epochs):
            order = rng.permutation(n) if shuffle else np.arange(n)
            progress = _progress(range(0, n, batch_size), verbose, f"Epoch {epoch + 1}/{epochs}")
            totals: dict = {}
            for start in progress:
                idx = order[start:start + batch_size]
                for k, v in self.train_step(_take(x, idx), y[idx]).items():
                    totals[k] = totals.get(k, 0.0) + v * len(idx)
                if hasattr(progress, "set_postfix"):
                    progress.set_postfix({k: f"{v / (start + len(idx)):.4f}" for k, v in totals.items()})
            logs = {k: v / n for k, v in totals.items()}
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
        x, y = _as_arrays(x), np.asarray(y)
        n = _n_samples(x)
        totals: dict = {}
        for start in range(0, n, batch_size):
            xb, yb = _take(x, slice(start, start + batch_size)), y[start:start + batch_size]
            for k, v in self._batch_logs(yb, self.forward(xb)).items():
                totals[k] = totals.get(k, 0.0) + v * len(yb)
        logs = {k: v / n for k, v in totals.items()}
        if verbose:
            print(_format_logs(logs))
        if return_dict:
            return logs
        return logs["loss"] if len(logs) == 1 else list(logs.values())

    # ---------------------------------------------------------------- reading the model
    def _summary_table(self, rows, headers, print_fn) -> str:
        widths = [max(len(h), *(len(r[i]) for r in rows)) + 2 for i, h in enumerate(headers)]
        rule = "-" * sum(widths)
        fmt = lambda cells: "".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
        trainable = sum(int(np.size(w)) for w in self.params.values())
        total = self.count_params()
        lines = [f'Model: "{self.name}"', rule, fmt(headers), rule] + [fmt(r) for r in rows]
        lines += [rule, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", rule]
        text = "\n".join(lines)
        if print_fn is None:
            return text               # summary(print_fn=None): the table as a string
        print_fn(text)                # as Keras: print, return None (no second copy in a notebook)
        return None


class Sequential(_Model):
    """A linear stack of layers: :math:`y = f_L(\\cdots f_2(f_1(x)))`.

    Args:
        layers: the layers, in order (more can be added with ``add``); the first item may be
            ``el.Input(shape=...)``, as in Keras 3.
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

    # ---------------------------------------------------------------- building
    def add(self, layer) -> None:
        if isinstance(layer, SymbolicTensor) and not self.layers:
            self.built_input_shape = layer.shape      # Sequential([el.Input((16,)), ...])
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"{self._label}.add expects a Layer, got {type(layer).__name__}")
        if any(existing.name == layer.name for existing in self.layers):
            raise ValueError(f"{self._label} already has a layer named {layer.name!r}; "
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
            raise ValueError(f"{self._label} has no layers: add some first")
        y = x
        for layer in self.layers:
            y = layer.forward(y, training=training, path=path, mask=mask)
            mask = layer.output_mask
        if self.built_input_shape is None:
            self.built_input_shape = (None,) + np.shape(x)[1:]
        return y

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
                self._add_penalty_gradients(layer)
        return dy

    # ---------------------------------------------------------------- reading the model
    def summary(self, print_fn=print):
        """Keras' summary table: each layer's output shape and parameter count.

        Printed with ``print_fn`` (``print``), as Keras; ``print_fn=None`` returns it as a string.
        """
        self._require_built("summary")
        rows, shape = [], self.built_input_shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", format_shape(shape),
                         f"{layer.count_params():,}"))
        return self._summary_table(rows, ("Layer (type)", "Output Shape", "Param #"), print_fn)

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
        return Explanation(name=f"Sequential ({self.name})", formula=f"y = {formula}",
                           shape_trace=steps, param_count=self.count_params(),
                           param_formula=_sum_formula(children), children=children)

    def __repr__(self):
        return f"<Sequential name={self.name!r}, layers={[layer.name for layer in self.layers]}>"


class Model(_Model):
    """A functional model: the graph of layer calls from ``inputs`` to ``outputs``.

    Args:
        inputs: an ``el.Input(...)`` tensor, or a list of them.
        outputs: the symbolic tensor(s) the layers computed from the inputs.
        name: the model's name (``functional``, ``functional_1``, ... as Keras 3).

    ``forward`` runs the layer calls in an order where every input is ready (a topological
    order); ``backward`` runs them in reverse and *adds up* the gradients of a tensor used more
    than once. A layer may be called more than once (shared weights): each call keeps its own
    cache, and the layer's gradients are summed over its calls.
    """

    def __init__(self, inputs, outputs, name=None):
        self.name = name or unique_name("functional")
        self._multi_input = isinstance(inputs, (list, tuple))
        self._multi_output = isinstance(outputs, (list, tuple))
        self.inputs = list(inputs) if self._multi_input else [inputs]
        self.outputs = list(outputs) if self._multi_output else [outputs]
        for t in self.inputs + self.outputs:
            if not isinstance(t, SymbolicTensor):
                raise TypeError(f"Model '{self.name}': inputs and outputs must be symbolic tensors "
                                f"(from el.Input and layer calls), got {type(t).__name__}")
        for t in self.inputs:
            if t.node.layer is not None:
                raise ValueError(f"Model '{self.name}': input {t.name!r} is not an el.Input(...)")
        self.nodes = self._topological_order()
        self.layers: list = []
        for node in self.nodes:
            if node.layer not in self.layers:
                self.layers.append(node.layer)
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            raise ValueError(f"Model '{self.name}': layer names must be unique, got {names}")
        # calls per layer, by name (ids change when gradcheck deep-copies the model)
        self._calls = {layer.name: sum(node.layer is layer for node in self.nodes) for layer in self.layers}

    def _topological_order(self) -> list:
        order, state = [], {}
        allowed = {id(t.node) for t in self.inputs}

        def visit(node, path):
            if state.get(id(node)) == "done":
                return
            if node.layer is None:
                if id(node) not in allowed:
                    raise ValueError(f"Model '{self.name}': the outputs depend on input "
                                     f"{node.name!r}, which is not among the model's inputs")
                state[id(node)] = "done"
                return
            for t in node.input_tensors:
                visit(t.node, path + [node.name])
            state[id(node)] = "done"
            order.append(node)

        for t in self.outputs:
            visit(t.node, [])
        return order

    @property
    def built(self) -> bool:
        return True

    @property
    def built_input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes if self._multi_input else shapes[0]

    def compute_output_shape(self, input_shape=None):
        shapes = [t.shape for t in self.outputs]
        return shapes if self._multi_output else shapes[0]

    # ---------------------------------------------------------------- the computation
    def forward(self, x, training=False, path="fast", mask=None):
        xs = list(x) if self._multi_input else [x]
        if len(xs) != len(self.inputs):
            raise ValueError(f"{self._label} has {len(self.inputs)} inputs, got {len(xs)} arrays")
        values, masks = {}, {}
        for t, value in zip(self.inputs, xs):
            value = np.asarray(value)
            if value.ndim != len(t.shape) or any(s is not None and s != v
                                                 for s, v in zip(t.shape[1:], value.shape[1:])):
                raise ValueError(f"{self._label}: input {t.name!r} expects shape {t.shape}, "
                                 f"got {value.shape}")
            values[id(t)] = value
        self._snapshots = {}
        for node in self.nodes:
            args = [values[id(t)] for t in node.input_tensors]
            arg_masks = [masks.get(id(t)) for t in node.input_tensors]
            if isinstance(node.inputs, list):
                out = node.layer.forward(args, training=training, path=path,
                                         mask=None if all(m is None for m in arg_masks) else arg_masks)
            else:
                out = node.layer.forward(args[0], training=training, path=path, mask=arg_masks[0])
            if self._calls[node.layer.name] > 1:
                # a shared layer: keep this call's cache so that backward can use it
                self._snapshots[id(node)] = dict(vars(node.layer))
            outs = out if isinstance(out, list) else [out]
            out_masks = node.layer.output_mask
            out_masks = out_masks if isinstance(out_masks, list) else [out_masks] * len(outs)
            for t, value, m in zip(node.outputs, outs, out_masks):
                values[id(t)] = value
                masks[id(t)] = m
        self._output_shapes = [values[id(t)].shape for t in self.outputs]
        ys = [values[id(t)] for t in self.outputs]
        return ys if self._multi_output else ys[0]

    def backward(self, dy, penalties=False):
        """Reverse-mode through the graph: gradients of a tensor used twice are added."""
        dys = list(dy) if self._multi_output else [dy]
        grads_of: dict = {}
        for t, g in zip(self.outputs, dys):
            grads_of[id(t)] = grads_of.get(id(t), 0) + np.asarray(g)
        summed: dict = {}
        for node in reversed(self.nodes):
            layer = node.layer
            if id(node) in self._snapshots:
                vars(layer).update(self._snapshots[id(node)])
            douts = [grads_of.get(id(t)) for t in node.outputs]
            shapes = layer._last_output_shapes
            shapes = shapes if isinstance(shapes, list) else [shapes]
            douts = [np.zeros(s, dtype=layer.dtype) if d is None else d for d, s in zip(douts, shapes)]
            if penalties and layer.activity_gradient() is not None:
                douts[0] = douts[0] + layer.activity_gradient()
            dx = layer.backward(douts if len(node.outputs) > 1 else douts[0])
            if self._calls[layer.name] > 1:
                acc = summed.setdefault(id(layer), {})
                for k, g in layer.grads.items():
                    acc[k] = acc[k] + g if k in acc else g.copy()
            dxs = dx if isinstance(node.inputs, list) else [dx]
            for t, g in zip(node.input_tensors, dxs):
                if g is not None:
                    grads_of[id(t)] = grads_of[id(t)] + g if id(t) in grads_of else g
        for layer in self.layers:
            if id(layer) in summed:
                layer.grads = summed[id(layer)]
            if penalties:
                self._add_penalty_gradients(layer)
        dxs = [grads_of.get(id(t)) for t in self.inputs]
        return dxs if self._multi_input else dxs[0]

    # ---------------------------------------------------------------- reading the model
    def summary(self, print_fn=print):
        """Keras' functional summary: output shape, parameter count and what each call reads
        (``print_fn=None`` returns the table as a string)."""
        rows = [(f"{t.name} (InputLayer)", format_shape(t.shape), "0", "-") for t in self.inputs]
        for node in self.nodes:
            shapes = [t.shape for t in node.outputs]
            rows.append((f"{node.layer.name} ({type(node.layer).__name__})",
                         format_shape(shapes if len(shapes) > 1 else shapes[0]),
                         f"{node.layer.count_params():,}",
                         ", ".join(t.name for t in node.input_tensors)))
        return self._summary_table(rows, ("Layer (type)", "Output Shape", "Param #", "Connected to"),
                                   print_fn)

    def explain(self, input_shape=None) -> Explanation:
        """Each layer call in graph order: what it reads, its formula, shapes and parameters."""
        children, steps = [], [Step(f"input {t.name}", t.shape) for t in self.inputs]
        seen = set()
        for node in self.nodes:
            shapes = [t.shape for t in node.input_tensors]
            child = node.layer.explain(shapes if isinstance(node.inputs, list) else shapes[0])
            if id(node.layer) not in seen:          # a shared layer's weights count once
                children.append(child)
                seen.add(id(node.layer))
            out = [t.shape for t in node.outputs]
            reads = ", ".join(t.name for t in node.input_tensors)
            steps.append(Step(f"{node.layer.name} ({type(node.layer).__name__}) of {reads}",
                              out if len(out) > 1 else out[0]))
        return Explanation(name=f"Model ({self.name})",
                           formula=r"y = \text{the graph of layer calls below}",
                           shape_trace=steps, param_count=self.count_params(),
                           param_formula=_sum_formula(children), children=children)

    def __repr__(self):
        return (f"<Model name={self.name!r}, inputs={[t.shape for t in self.inputs]}, "
                f"outputs={[t.shape for t in self.outputs]}, layers={[layer.name for layer in self.layers]}>")


def _sum_formula(children) -> str:
    nonzero = [c for c in children if c.param_count]
    return " + ".join(f"({c.param_formula})" if "+" in c.param_formula else c.param_formula
                      for c in nonzero) or "0"


def _progress(batches, verbose, description):
    """A tqdm progress bar over the batches when verbose == 1 and tqdm is installed."""
    if verbose == 1:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return batches
        return tqdm(batches, desc=description, unit="batch", leave=True)
    return batches
