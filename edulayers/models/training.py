r"""The training loop of a model: compile, fit, evaluate, predict, and one step of training.

``fit`` runs ``train_step`` on batch after batch; one step, in the order it happens:

1. **forward** in training mode (dropout on, batch statistics);
2. **the loss** :math:`L` with the regularization penalties, and the metrics;
3. **backward** from :math:`\partial L / \partial \hat y`: every layer's ``grads`` holds the
   gradient of the loss and of the activity penalties (those depend on a layer's output, so
   they enter there and flow back like the loss);
4. **the weight penalties' gradients** :math:`\partial \Omega / \partial w`, in a dict of their
   own (``layer.grads`` stays what backward gave);
5. **the update**: every trainable weight once (a weight is known by its identity, not its
   name), with the gradient ``grads + penalty gradient``;
6. **the constraints** of the weights just updated (a frozen layer's weights are not updated,
   so not constrained either).

Bad arguments are refused before anything changes, with a ``ValueError`` (a ``TypeError`` for
an argument of the wrong type, as Keras) that names the model, what was expected and what was
received.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import backend, losses as losses_mod, metrics as metrics_mod, optimizers as optimizers_mod
from ..callbacks import CallbackList, History
from ..layers.base import Layer

__all__ = ["History", "Training", "weight_array"]


class Training:
    """compile / fit / evaluate / predict and the training step, for ``Sequential`` and ``Model``.

    A model provides ``forward``, ``backward``, ``layers``, ``params``, ``grads``, ``losses``,
    ``_label`` and ``_input_shapes()`` (the shape each input expects, ``None`` if not known yet).
    """

    # ---------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose the optimizer (name or object), the loss and the metrics, as Keras' ``compile``.

        All three are resolved before any is kept: a refused ``compile`` leaves the model's
        previous optimizer (with its slots), loss and metrics as they were.
        """
        if loss is None:
            raise ValueError(f"{self._label}.compile needs a loss, e.g. loss='mse'")
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ValueError(f"{self._label}.compile: metrics must be a list, e.g. "
                             f"metrics=['accuracy'], got {metrics!r}")
        owner = f"{self._label}.compile"
        optimizer = _resolve(owner, "optimizer", optimizers_mod.get, optimizer)
        loss = _resolve(owner, "loss", losses_mod.get, loss)
        compiled_metrics = [_resolve(owner, "metrics", lambda m: metrics_mod.get(m, loss), m)
                            for m in (metrics or [])]
        self.optimizer, self.loss = optimizer, loss
        self.compiled_metrics = compiled_metrics

    def _require_compiled(self, what):
        if getattr(self, "loss", None) is None or not hasattr(self, "optimizer"):
            raise ValueError(f"{self._label} must be compiled before {what}(): call "
                             "compile(optimizer, loss, metrics) first (it has no loss and no optimizer yet)")

    # ---------------------------------------------------------------- one step of training
    def train_step(self, x, y) -> dict:
        """One step of gradient descent on the batch ``(x, y)``, the six steps of the module's
        docstring one line each; returns the batch's loss and metrics."""
        self._require_compiled("train_step")
        y_pred = self.forward(x, training=True)                                  # 1. forward
        logs = self._batch_logs(y, y_pred)                                       # 2. loss, metrics
        self.backward(self.loss.gradient(y, y_pred), activity_penalties=True)    # 3. layer.grads
        penalties = self.penalty_gradients()                                     # 4. dOmega/dw
        weights, grads = self._update_gradients(penalties)                       # 5. the update
        self.optimizer.apply(weights, grads)
        self._apply_constraints(weights)                                         # 6. constraints
        return logs

    def _batch_logs(self, y, y_pred) -> dict:
        logs = {"loss": self.loss(y, y_pred) + sum(self.losses)}
        for name, fn in self.compiled_metrics:
            logs[name] = float(np.mean(fn(y, y_pred)))
        return logs

    def penalty_gradients(self) -> dict:
        """d(weight penalties)/d(weight) for each regularized trainable weight, by the names of
        ``params`` (``"dense/kernel"``); what the update adds to backward's ``grads``."""
        return {f"{layer.name}/{k}": g for layer in self.layers
                for k, g in layer.regularization_gradients().items()}

    def _update_gradients(self, penalties: dict):
        """``(weights, gradients)`` for the optimizer, by the names of ``params``: each trainable
        weight once, by identity, with backward's gradient plus its penalty gradient (summed over
        the layers that hold it, when two layers share one array)."""
        weights, grads, first_name, names = {}, {}, {}, set()
        for layer in self.layers:
            for k, w in layer.params.items():
                name = f"{layer.name}/{k}"
                if name in names:
                    raise ValueError(f"{self._label}: two layers are named {layer.name!r}, so their "
                                     "weights cannot be told apart; layer names must be unique")
                names.add(name)
                if k not in layer.grads:
                    raise RuntimeError(f"{self._label}: backward gave no gradient for {name!r}")
                g = layer.grads[k] + penalties[name] if name in penalties else layer.grads[k]
                first = first_name.setdefault(id(w), name)
                if first == name:
                    weights[name], grads[name] = w, g
                else:                              # the same array again: one weight, one gradient
                    grads[first] = grads[first] + g
        return weights, grads

    def _apply_constraints(self, weights: dict) -> None:
        """Project each updated weight that has a constraint back onto its set (as Keras 3, after
        the update); weights that were not updated (frozen layers) are left alone."""
        constraints = _constraints_by_weight(self.layers)
        for w in weights.values():
            constraint = constraints.get(id(w))
            if constraint is not None:
                w[...] = constraint(w)

    # ---------------------------------------------------------------- the loops
    def predict(self, x, batch_size=32):
        """Inference outputs, computed ``batch_size`` samples at a time (no compile needed, as Keras)."""
        batch_size = _positive_int(self._label, "predict", "batch_size", 32 if batch_size is None else batch_size)
        x = self._inputs("predict", x)
        n = _n_samples(x)
        chunks = [self.forward(_take(x, slice(i, i + batch_size))) for i in range(0, n, batch_size)]
        if isinstance(chunks[0], list):
            return [np.concatenate(parts) for parts in zip(*chunks)]
        return np.concatenate(chunks)

    def fit(self, x, y, batch_size=32, epochs=1, verbose=1, validation_split=0.0,
            validation_data=None, shuffle=True, seed=None, callbacks=None) -> History:
        """Train for ``epochs`` passes over the data; returns a ``History``.

        ``x`` is an array, or a list of arrays for a model with several inputs.
        ``validation_split`` holds out the *last* fraction of the samples (before shuffling), as
        Keras does. ``shuffle`` reorders the training samples every epoch (seeded by ``seed`` or
        ``el.set_random_seed``). ``verbose``: 0 silent, 1 a progress bar per epoch (tqdm, when
        installed), 2 one line per epoch. ``callbacks``: ``el.callbacks`` objects, run at the start
        and end of training, of each epoch and of each batch (``History`` is always added last
        and returned); one that sets ``model.stop_training = True`` ends training after the
        current batch.
        """
        self._require_compiled("fit")
        batch_size = _positive_int(self._label, "fit", "batch_size", 32 if batch_size is None else batch_size)
        epochs = _positive_int(self._label, "fit", "epochs", epochs)
        x, y = self._samples("fit", x, y)
        n = _n_samples(x)
        if validation_data is not None:
            validation_data = self._validation_data(validation_data, x, y)
        elif validation_split:
            validation_split = _fraction(self._label, validation_split)
            cut = int(n * (1 - validation_split))
            if cut == 0:
                raise ValueError(f"{self._label}.fit: validation_split={validation_split} leaves no "
                                 f"training samples out of {n}")
            validation_data = (_take(x, slice(cut, None)), y[cut:])
            x, y, n = _take(x, slice(0, cut)), y[:cut], cut
        rng = backend.rng_for(seed)
        history = History()
        hooks = CallbackList(list(callbacks or []) + [history], model=self, epochs=epochs,
                             steps=-(-n // batch_size), verbose=verbose)
        self.stop_training = False
        hooks.call("on_train_begin", {})
        for epoch in range(epochs):
            hooks.call("on_epoch_begin", epoch, {})
            order = rng.permutation(n) if shuffle else np.arange(n)
            progress = _progress(range(0, n, batch_size), verbose, f"Epoch {epoch + 1}/{epochs}")
            totals: dict = {}
            seen = 0
            for batch, start in enumerate(progress):
                idx = order[start:start + batch_size]
                hooks.call("on_train_batch_begin", batch, {})
                batch_logs = self.train_step(_take(x, idx), y[idx])
                for k, v in batch_logs.items():
                    totals[k] = totals.get(k, 0.0) + v * len(idx)
                seen += len(idx)
                if hasattr(progress, "set_postfix"):
                    progress.set_postfix({k: f"{v / seen:.4f}" for k, v in totals.items()})
                hooks.call("on_train_batch_end", batch, dict(batch_logs))
                if self.stop_training:
                    break
            logs = {k: v / seen for k, v in totals.items()}
            if validation_data is not None:
                val = self.evaluate(*validation_data, batch_size=batch_size, return_dict=True)
                logs.update({f"val_{k}": v for k, v in val.items()})
            hooks.call("on_epoch_end", epoch, logs)
            if verbose == 2 or (verbose == 1 and not hasattr(progress, "set_postfix")):
                print(f"Epoch {epoch + 1}/{epochs} - {_format_logs(logs)}")
            if self.stop_training:
                break
        hooks.call("on_train_end", {})
        return history

    def evaluate(self, x, y, batch_size=32, verbose=0, return_dict=False):
        """Loss (with regularization penalties) and metrics, averaged over the samples."""
        self._require_compiled("evaluate")
        batch_size = _positive_int(self._label, "evaluate", "batch_size", 32 if batch_size is None else batch_size)
        x, y = self._samples("evaluate", x, y)
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

    # ---------------------------------------------------------------- checking the data
    def _inputs(self, what: str, x):
        """``x`` as the model takes it: one array, or a list of one array per input. A plain Python
        list is converted with ``np.asarray`` for a model with one input."""
        expected = self._input_shapes()
        if len(expected) > 1:
            if not isinstance(x, (list, tuple)) or len(x) != len(expected):
                got = f"a list of {len(x)}" if isinstance(x, (list, tuple)) else f"a single {type(x).__name__}"
                raise ValueError(f"{self._label}.{what}: x must be a list of {len(expected)} arrays "
                                 f"(one per input), got {got}")
            arrays = [_array(self._label, what, f"x[{i}]", v) for i, v in enumerate(x)]
        else:
            arrays = [_array(self._label, what, "x", x)]
        for i, (a, shape) in enumerate(zip(arrays, expected)):
            label = "x" if len(arrays) == 1 else f"x[{i}]"
            if isinstance(shape, tuple) and (a.ndim != len(shape) or any(
                    s is not None and s != v for s, v in zip(shape[1:], a.shape[1:]))):
                raise ValueError(f"{self._label}.{what}: {label} must have shape {tuple(shape)} "
                                 f"(batch first), got an array of shape {a.shape}")
        if len({len(a) for a in arrays}) > 1:
            raise ValueError(f"{self._label}.{what}: the inputs must have the same number of samples, "
                             f"got {[len(a) for a in arrays]}")
        if len(arrays[0]) == 0:
            raise ValueError(f"{self._label}.{what}: x has no samples (shape {arrays[0].shape})")
        return arrays if len(expected) > 1 else arrays[0]

    def _samples(self, what: str, x, y):
        """``(x, y)`` checked: the inputs as ``_inputs``, ``y`` a numeric array with one target
        per sample of ``x``."""
        x = self._inputs(what, x)
        if y is None:
            raise ValueError(f"{self._label}.{what} needs targets y (one per sample of x), got None")
        y = _array(self._label, what, "y", y)
        n = _n_samples(x)
        if len(y) != n:
            raise ValueError(f"{self._label}.{what}: x has {n} samples, y has {len(y)}; "
                             "x and y must have the same number of samples")
        return x, y

    def _validation_data(self, validation_data, x, y):
        """``(x_val, y_val)`` checked against the training data: the same shape per sample."""
        if not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2:
            raise ValueError(f"{self._label}.fit: validation_data must be a tuple (x_val, y_val), "
                             f"got {type(validation_data).__name__}"
                             + (f" of length {len(validation_data)}" if isinstance(validation_data, (list, tuple)) else ""))
        x_val, y_val = self._samples("fit", *validation_data)
        pairs = list(zip(x_val, x)) if isinstance(x, list) else [(x_val, x)]
        pairs.append((y_val, y))
        for i, (val, train) in enumerate(pairs):
            if val.shape[1:] != train.shape[1:]:
                which = "y_val" if i == len(pairs) - 1 else ("x_val" if len(pairs) == 2 else f"x_val[{i}]")
                raise ValueError(f"{self._label}.fit: validation_data's {which} must have the training "
                                 f"data's shape per sample {train.shape[1:]}, got an array of shape {val.shape}")
        return x_val, y_val


def _resolve(owner: str, argument: str, get, value):
    """``get(value)``, or its error said by ``owner`` about ``argument`` (with the valid names)."""
    try:
        return get(value)
    except ValueError as err:
        if hasattr(err, "located"):          # a registry's own wording, placed at this argument
            raise err.located(owner, argument) from None
        raise ValueError(f"{owner}: {argument}={value!r} is refused: {err}") from None


def weight_array(owner: str, name: str, current, new) -> np.ndarray:
    """``new`` as an array that can replace the weight ``current``: same shape, real numbers.
    Strings (even ``'1.0'``), objects and complex numbers are refused."""
    try:
        array = np.asarray(new)
    except ValueError as err:
        raise ValueError(f"{owner}: weight {name!r} needs an array of shape {current.shape}, got a "
                         f"ragged {type(new).__name__} ({err})") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{owner}: weight {name!r} needs real numbers, got an array of dtype "
                         f"{array.dtype}")
    if array.shape != current.shape:
        raise ValueError(f"{owner}: weight {name!r} has shape {current.shape}, got an array of "
                         f"shape {array.shape}")
    return array


def _constraints_by_weight(layers) -> dict:
    """``id(array) -> constraint`` for every constrained weight of ``layers`` and of the layers
    they hold (a wrapper's layers, an RNN's cell), found in their weight registries."""
    found, todo, seen = {}, list(layers), set()
    while todo:
        layer = todo.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        for name, spec in layer._weight_specs.items():
            if spec.constraint is not None:
                found[id(layer._weights[name])] = spec.constraint
        for value in vars(layer).values():
            for sub in (value if isinstance(value, (list, tuple)) else [value]):
                if isinstance(sub, Layer):
                    todo.append(sub)
    return found


def _positive_int(owner: str, what: str, name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}.{what}: {name} must be a positive int, got {value!r} "
                        f"({type(value).__name__})")
    if value <= 0:
        raise ValueError(f"{owner}.{what}: {name} must be a positive int, got {value!r}")
    return int(value)


def _fraction(owner: str, value) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}.fit: validation_split must be a float in (0, 1), got {value!r}")
    if not 0 < value < 1:
        raise ValueError(f"{owner}.fit: validation_split must be in (0, 1), got {value}")
    return value


def _array(owner: str, what: str, name: str, value) -> np.ndarray:
    """``value`` as a numeric array with a batch axis, or a ValueError saying what it is instead."""
    try:
        array = np.asarray(value)
    except ValueError as err:
        raise ValueError(f"{owner}.{what}: {name} must be an array (or a list of equal-length rows), "
                         f"got a ragged {type(value).__name__} ({err})") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{owner}.{what}: {name} must hold numbers, got an array of dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{owner}.{what}: {name} must have a batch axis (one row per sample), "
                         f"got a scalar {value!r}")
    return array


def _format_logs(logs: dict) -> str:
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


def _n_samples(x) -> int:
    return len(x[0]) if isinstance(x, list) else len(x)


def _take(x, idx):
    return [v[idx] for v in x] if isinstance(x, list) else x[idx]


def _progress(batches, verbose, description):
    """A tqdm progress bar over the batches when verbose == 1 and tqdm is installed."""
    if verbose == 1:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return batches
        return tqdm(batches, desc=description, unit="batch", leave=True)
    return batches
