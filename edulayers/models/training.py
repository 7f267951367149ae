r"""The training loop of a model: compile, fit, evaluate, predict, and one step of training.

``fit`` runs ``train_step`` on batch after batch; one step, in the order it happens:

1. **forward** in training mode (dropout on, batch statistics);
2. **the loss** :math:`L` (with the sample weights, if any) and its gradient
   :math:`\partial L / \partial \hat y` from one evaluation of the per-sample losses
   (``Loss.value_and_gradient``), the regularization penalties, and the metrics;
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
from collections.abc import Mapping

import numpy as np

from .. import backend, losses as losses_mod, metrics as metrics_mod, optimizers as optimizers_mod
from ..callbacks import CallbackList, History
from ..layers.base import Layer
from .progress import Progress, resolve_verbose

__all__ = ["History", "Training", "weight_array"]


class Training:
    """compile / fit / evaluate / predict, their ``*_on_batch`` forms and the training step, for
    ``Sequential`` and ``Model``.

    A model provides ``forward``, ``backward``, ``layers``, ``params``, ``grads``, ``losses``,
    ``_label`` and ``_input_shapes()`` (the shape each input expects, ``None`` if not known yet).

    The numbers are Keras 3's: the loss of a batch is its per-sample losses times the sample
    weights (``sample_weight``, or ``class_weight`` turned into one weight per sample), summed and
    divided by the batch size, plus the regularization penalties; the logged loss is the mean of
    the batch losses weighted by batch size, a metric the mean of its per-sample values (a
    ``weighted_metrics`` one weighted by the sample weights, :math:`\\sum w v / \\sum w`), all
    running over the epoch as Keras' ``Mean`` metrics do. ``train_on_batch``, ``test_on_batch`` and ``evaluate`` return the loss
    alone, or ``[loss, *metrics]``, or a dict with ``return_dict=True``.
    """

    # ---------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, weighted_metrics=None):
        """Choose the optimizer (name or object), the loss and the metrics, as Keras' ``compile``.

        ``loss`` is a name (``"mse"``), a ``Loss`` object, one of ``el.losses``' functions
        (``el.losses.categorical_crossentropy``: trains exactly as its name does) or your own
        function ``my_loss(y_true, y_pred)`` returning one value per sample; edulayers
        differentiates by hand, so ``fit`` needs that function's derivative
        (``el.losses.LossFunctionWrapper(my_loss, gradient=...)``), ``evaluate`` does not.

        ``metrics`` ignore the sample weights, ``weighted_metrics`` use them (as Keras 3, whose
        logs name a weighted metric that repeats an unweighted one ``weighted_<name>``).

        Everything is resolved before anything is kept: a refused ``compile`` leaves the model's
        previous optimizer (with its slots), loss and metrics as they were.
        """
        if loss is None:
            raise ValueError(f"{self._label}.compile needs a loss, e.g. loss='mse'")
        for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and not isinstance(value, (list, tuple)):
                raise ValueError(f"{self._label}.compile: {argument} must be a list, e.g. "
                                 f"{argument}=['accuracy'], got {value!r}")
        owner = f"{self._label}.compile"
        optimizer = _resolve(owner, "optimizer", optimizers_mod.get, optimizer)
        loss = _resolve(owner, "loss", losses_mod.to_loss, loss)
        compiled_metrics = [_resolve(owner, "metrics", lambda m: metrics_mod.get(m, loss), m)
                            for m in (metrics or [])]
        weighted = [_resolve(owner, "weighted_metrics", lambda m: metrics_mod.get(m, loss), m)
                    for m in (weighted_metrics or [])]
        taken = {name for name, _ in compiled_metrics}
        weighted = [(f"weighted_{name}" if name in taken else name, fn) for name, fn in weighted]
        self.optimizer, self.loss = optimizer, loss
        self.compiled_metrics, self.compiled_weighted_metrics = compiled_metrics, weighted

    def _require_compiled(self, what, train=False):
        if getattr(self, "loss", None) is None or not hasattr(self, "optimizer"):
            raise ValueError(f"{self._label} must be compiled before {what}(): call "
                             "compile(optimizer, loss, metrics) first (it has no loss and no optimizer yet)")
        if train and not self.loss.has_gradient:
            reason = (self.loss.missing_gradient() if hasattr(self.loss, "missing_gradient") else
                      f"the loss {self.loss!r} has no per_sample_gradient")
            raise ValueError(f"{self._label}.{what} needs the gradient of the loss: {reason}")

    # ---------------------------------------------------------------- one step of training
    def train_step(self, x, y, sample_weight=None) -> dict:
        """One step of gradient descent on the batch ``(x, y)`` (the six steps of the module's
        docstring); returns the batch's loss and metrics."""
        self._require_compiled("train_step", train=True)
        return self._train_batch(x, y, sample_weight).result()

    def _train_batch(self, x, y, sample_weight=None) -> "_Means":
        """The training step, one line per step of the module's docstring; the batch's sums."""
        y_pred = self.forward(x, training=True)                                  # 1. forward
        loss, dy = self.loss.value_and_gradient(y, y_pred, sample_weight)        # 2. the loss once,
        sums = self._batch_sums(loss, y, y_pred, sample_weight)                  #    the metrics
        self.backward(dy, activity_penalties=True)                               # 3. layer.grads
        penalties = self.penalty_gradients()                                     # 4. dOmega/dw
        weights, grads = self._update_gradients(penalties)                       # 5. the update
        self.optimizer.apply(weights, grads)
        self._apply_constraints(weights)                                         # 6. constraints
        return sums

    def _test_batch(self, x, y, sample_weight=None) -> "_Means":
        y_pred = self.forward(x)
        return self._batch_sums(self.loss(y, y_pred, sample_weight), y, y_pred, sample_weight)

    def _batch_sums(self, loss, y, y_pred, sample_weight) -> "_Means":
        """The batch's loss (with the penalties) and metrics as totals and counts, Keras' ``Mean``:
        the loss counted once per sample, a metric once per sample, a weighted metric by the sample
        weights."""
        n = len(y)
        sums = _Means()
        sums.add("loss", (loss + sum(self.losses)) * n, n)
        for name, fn in self.compiled_metrics:
            sums.add(name, *_metric_sums(fn(y, y_pred), None))
        for name, fn in getattr(self, "compiled_weighted_metrics", ()):
            sums.add(name, *_metric_sums(fn(y, y_pred), sample_weight))
        return sums

    def _batch_logs(self, y, y_pred) -> dict:
        """The loss and metrics of one batch (unweighted), as ``test_on_batch`` gives them."""
        return self._batch_sums(self.loss(y, y_pred), y, y_pred, None).result()

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

    # ---------------------------------------------------------------- one batch, as Keras
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on ``(x, y)`` as given (no batching, no shuffling), as Keras 3's
        ``train_on_batch``: the loss (and metrics) of the batch, computed before the update."""
        self._require_compiled("train_on_batch", train=True)
        x, y, sample_weight = self._samples("train_on_batch", x, y, sample_weight, class_weight)
        if class_weight is not None:
            sample_weight = _class_weights(self._label, "train_on_batch", y, class_weight)
        return _returned(self._train_batch(x, y, sample_weight).result(), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) of the batch ``(x, y)`` in inference mode, as Keras 3."""
        self._require_compiled("test_on_batch")
        x, y, sample_weight = self._samples("test_on_batch", x, y, sample_weight)
        return _returned(self._test_batch(x, y, sample_weight).result(), return_dict)

    def predict_on_batch(self, x):
        """The model's outputs for ``x`` in one batch, in inference mode (no compile needed)."""
        return self.forward(self._inputs("predict_on_batch", x))

    # ---------------------------------------------------------------- the loops
    def predict(self, x, batch_size=None, verbose=0, callbacks=None):
        """Inference outputs, computed ``batch_size`` samples (32 by default) at a time; no compile
        needed, as Keras.

        ``verbose``: Keras' levels (``el.models.progress``). Silent by default, where Keras 3's
        ``"auto"`` prints a bar: notebooks and doctests print what they compute, not timings.
        ``callbacks`` get the ``on_predict_*`` hooks.
        """
        batch_size = _positive_int(self._label, "predict", "batch_size", 32 if batch_size is None else batch_size)
        verbose = resolve_verbose(f"{self._label}.predict", verbose)
        x = self._inputs("predict", x)
        n = _n_samples(x)
        steps = -(-n // batch_size)
        hooks = CallbackList(callbacks, model=self, verbose=verbose, epochs=1, steps=steps)
        progress = Progress(verbose, steps)
        hooks.call("on_predict_begin", {})
        chunks = []
        for batch, start in enumerate(range(0, n, batch_size)):
            hooks.call("on_predict_batch_begin", batch, {})
            chunks.append(self.forward(_take(x, slice(start, start + batch_size))))
            progress.update(batch + 1)
            hooks.call("on_predict_batch_end", batch, {"outputs": chunks[-1]})
        progress.close()
        hooks.call("on_predict_end", {})
        if isinstance(chunks[0], list):
            return [np.concatenate(parts) for parts in zip(*chunks)]
        return np.concatenate(chunks)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, seed=None) -> History:
        """Train until epoch ``epochs`` (Keras 3's arguments, in its order); returns a ``History``.

        ``x`` is an array, or a list of arrays for a model with several inputs; ``batch_size``
        is 32 by default. ``validation_split`` holds out the *last* fraction of the samples (and
        of their sample weights) before shuffling, as Keras does; ``validation_data`` is
        ``(x_val, y_val)`` or ``(x_val, y_val, val_sample_weight)``. ``shuffle`` reorders the
        training samples every epoch (seeded by ``seed`` or ``el.set_random_seed``).

        ``sample_weight`` weights each sample's loss (one weight per sample, or per time step of
        a sequence output) and metrics; ``class_weight`` (``{class index: weight}``, for one
        output) gives each sample the weight of its class (``argmax`` of a one-hot ``y``), as
        Keras. Not both at once. ``initial_epoch`` resumes a run: the epochs run are
        ``initial_epoch, ..., epochs - 1``, numbered so in ``History.epoch`` and printed from 1.

        ``verbose``: 0 silent, 1 a progress bar per epoch (tqdm when installed), 2 one line per
        epoch, ``"auto"`` 1 (``el.models.progress``). ``callbacks``: ``el.callbacks`` objects, run
        at the start and end of training, of each epoch and of each batch (with the epoch's
        running means, as Keras); ``History`` is always added last and returned. One that sets
        ``model.stop_training = True`` ends training after the current batch.
        """
        self._require_compiled("fit", train=True)
        batch_size = _positive_int(self._label, "fit", "batch_size", 32 if batch_size is None else batch_size)
        epochs = _positive_int(self._label, "fit", "epochs", epochs)
        initial_epoch = _positive_int(self._label, "fit", "initial_epoch", initial_epoch, zero=True)
        verbose = resolve_verbose(f"{self._label}.fit", verbose)
        x, y, sample_weight = self._samples("fit", x, y, sample_weight, class_weight)
        n = _n_samples(x)
        if validation_data is not None:
            validation_data = self._validation_data(validation_data, x, y)
        elif validation_split:
            validation_split = _fraction(self._label, validation_split)
            cut = int(n * (1 - validation_split))
            if cut == 0:
                raise ValueError(f"{self._label}.fit: validation_split={validation_split} leaves no "
                                 f"training samples out of {n}")
            validation_data = (_take(x, slice(cut, None)), y[cut:],
                               None if sample_weight is None else sample_weight[cut:])
            x, y, n = _take(x, slice(0, cut)), y[:cut], cut
            sample_weight = None if sample_weight is None else sample_weight[:cut]
        if class_weight is not None:                 # the training samples only, as Keras
            sample_weight = _class_weights(self._label, "fit", y, class_weight)
        rng = backend.rng_for(seed)
        steps = -(-n // batch_size)
        history = History()
        hooks = CallbackList(list(callbacks or []) + [history], model=self, epochs=epochs,
                             steps=steps, verbose=verbose)
        self.stop_training = False
        hooks.call("on_train_begin", {})
        for epoch in range(initial_epoch, epochs):
            hooks.call("on_epoch_begin", epoch, {})
            order = rng.permutation(n) if shuffle else None
            progress = Progress(verbose, steps, f"Epoch {epoch + 1}/{epochs}" if epochs > 1 else None)
            means = _Means()
            for batch, start in enumerate(range(0, n, batch_size)):
                idx = slice(start, start + batch_size) if order is None else order[start:start + batch_size]
                hooks.call("on_train_batch_begin", batch, {})
                means.add(self._train_batch(_take(x, idx), y[idx],
                                            None if sample_weight is None else sample_weight[idx]))
                running = means.result()
                progress.update(batch + 1, running)
                hooks.call("on_train_batch_end", batch, running)
                if self.stop_training:
                    break
            logs = means.result()
            if validation_data is not None:
                x_val, y_val, w_val = validation_data
                val = self.evaluate(x_val, y_val, batch_size=batch_size, sample_weight=w_val,
                                    return_dict=True)
                logs.update({f"val_{k}": v for k, v in val.items()})
            progress.close(logs)
            hooks.call("on_epoch_end", epoch, logs)
            if self.stop_training:
                break
        hooks.call("on_train_end", {})
        return history

    def evaluate(self, x=None, y=None, batch_size=None, verbose=0, sample_weight=None,
                 callbacks=None, return_dict=False):
        """Loss (with regularization penalties) and metrics over the samples, in inference mode
        (Keras 3's arguments, in its order): the loss alone, ``[loss, *metrics]``, or a dict with
        ``return_dict=True``.

        ``sample_weight`` weights each sample as in ``fit``. ``verbose``: Keras' levels, silent by
        default (Keras 3's ``"auto"`` prints a bar). ``callbacks`` get the ``on_test_*`` hooks.
        """
        self._require_compiled("evaluate")
        batch_size = _positive_int(self._label, "evaluate", "batch_size", 32 if batch_size is None else batch_size)
        verbose = resolve_verbose(f"{self._label}.evaluate", verbose)
        x, y, sample_weight = self._samples("evaluate", x, y, sample_weight)
        n = _n_samples(x)
        steps = -(-n // batch_size)
        hooks = CallbackList(callbacks, model=self, verbose=verbose, epochs=1, steps=steps)
        progress = Progress(verbose, steps)
        hooks.call("on_test_begin", {})
        means = _Means()
        for batch, start in enumerate(range(0, n, batch_size)):
            idx = slice(start, start + batch_size)
            hooks.call("on_test_batch_begin", batch, {})
            means.add(self._test_batch(_take(x, idx), y[idx],
                                       None if sample_weight is None else sample_weight[idx]))
            running = means.result()
            progress.update(batch + 1, running)
            hooks.call("on_test_batch_end", batch, running)
        logs = means.result()
        progress.close(logs)
        hooks.call("on_test_end", logs)
        return _returned(logs, return_dict)

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

    def _samples(self, what: str, x, y, sample_weight=None, class_weight=None):
        """``(x, y, sample_weight)`` checked: the inputs as ``_inputs``, ``y`` a numeric array with
        one target per sample of ``x``, the weights (if any) one per sample."""
        x = self._inputs(what, x)
        if y is None:
            raise ValueError(f"{self._label}.{what} needs targets y (one per sample of x), got None")
        y = _array(self._label, what, "y", y)
        n = _n_samples(x)
        if len(y) != n:
            raise ValueError(f"{self._label}.{what}: x has {n} samples, y has {len(y)}; "
                             "x and y must have the same number of samples")
        if sample_weight is not None and class_weight is not None:
            raise ValueError(f"{self._label}.{what}: sample_weight and class_weight cannot be given "
                             "at the same time (as Keras); fold the class weights into sample_weight")
        if sample_weight is not None:
            sample_weight = _array(self._label, what, "sample_weight", sample_weight)
            if len(sample_weight) != n:
                raise ValueError(f"{self._label}.{what}: x has {n} samples, sample_weight has "
                                 f"{len(sample_weight)}; give one weight per sample")
        return x, y, sample_weight

    def _validation_data(self, validation_data, x, y):
        """``(x_val, y_val, val_sample_weight)`` checked against the training data: the same shape
        per sample (``val_sample_weight`` is ``None`` when not given)."""
        if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
            raise ValueError(f"{self._label}.fit: validation_data must be a tuple (x_val, y_val) or "
                             f"(x_val, y_val, val_sample_weight), got {type(validation_data).__name__}"
                             + (f" of length {len(validation_data)}" if isinstance(validation_data, (list, tuple)) else ""))
        x_val, y_val, w_val = self._samples("fit", *validation_data)
        pairs = list(zip(x_val, x)) if isinstance(x, list) else [(x_val, x)]
        pairs.append((y_val, y))
        for i, (val, train) in enumerate(pairs):
            if val.shape[1:] != train.shape[1:]:
                which = "y_val" if i == len(pairs) - 1 else ("x_val" if len(pairs) == 2 else f"x_val[{i}]")
                raise ValueError(f"{self._label}.fit: validation_data's {which} must have the training "
                                 f"data's shape per sample {train.shape[1:]}, got an array of shape {val.shape}")
        return x_val, y_val, w_val


class _Means:
    """Keras' ``Mean`` metrics of a pass: a total and a count per name, added batch by batch;
    ``result()`` the means (0 where nothing was counted, as ``divide_no_nan``)."""

    __slots__ = ("sums",)

    def __init__(self):
        self.sums: dict = {}

    def add(self, name_or_other, total=None, count=None) -> None:
        """``add(name, total, count)``, or ``add(other)`` for every name of another ``_Means``."""
        if isinstance(name_or_other, _Means):
            for name, (t, c) in name_or_other.sums.items():
                self.add(name, t, c)
            return
        t, c = self.sums.get(name_or_other, (0.0, 0.0))
        self.sums[name_or_other] = (t + total, c + count)

    def result(self) -> dict:
        return {name: (t / c if c else 0.0) for name, (t, c) in self.sums.items()}


def _metric_sums(values, sample_weight):
    """``(total, count)`` of a metric's values on one batch, Keras 3's
    ``reduce_to_samplewise_values``: each sample's values averaged to one, times its weight;
    the count is the number of samples, or the sum of their weights."""
    values = np.asarray(values, dtype=np.float64)
    if sample_weight is None:
        if values.ndim == 0:
            return float(values), 1
        if values.ndim > 1:
            values = values.reshape(len(values), -1).mean(axis=1)
        return float(np.sum(values)), len(values)
    values, weights = losses_mod._same_rank(values, np.asarray(sample_weight, dtype=np.float64))
    if values.ndim > weights.ndim:
        values = values.mean(axis=tuple(range(weights.ndim, values.ndim)))
    weights = np.broadcast_to(weights, values.shape)
    values = values * weights
    if weights.ndim > 1:
        weights = weights.mean(axis=tuple(range(1, weights.ndim)))
    if values.ndim > 1:
        values = values.mean(axis=tuple(range(1, values.ndim)))
    return float(np.sum(values)), float(np.sum(weights))


def _class_weights(owner: str, what: str, y, class_weight) -> np.ndarray:
    """One weight per sample from ``{class index: weight}``, as Keras 3's
    ``class_weight_to_sample_weights``: the class of a sample is ``argmax`` of a one-hot ``y``,
    else its (rounded) label; a class the dict does not name weighs 1."""
    if not isinstance(class_weight, Mapping):
        raise TypeError(f"{owner}.{what}: class_weight must be a dict {{class index: weight}}, e.g. "
                        f"{{0: 1.0, 1: 5.0}}, got {type(class_weight).__name__}")
    weights = {}
    for key, value in class_weight.items():
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, numbers.Integral):
            raise ValueError(f"{owner}.{what}: class_weight's keys must be class indices (ints), "
                             f"got {key!r}")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise ValueError(f"{owner}.{what}: class_weight[{key!r}] must be a number, got {value!r}")
        weights[int(key)] = float(value)
    labels = np.asarray(y)
    if labels.ndim > 1:
        labels = np.argmax(labels, axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    labels = np.round(labels).astype(np.int64).reshape(len(labels), -1)[:, 0]
    return np.array([weights.get(int(c), 1.0) for c in labels], dtype=backend.floatx())


def _returned(logs: dict, return_dict: bool):
    """What Keras 3 returns from evaluate and the ``*_on_batch`` calls: a dict, the loss alone, or
    ``[loss, *metrics]``."""
    if return_dict:
        return logs
    return logs["loss"] if len(logs) == 1 else list(logs.values())


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


def _positive_int(owner: str, what: str, name: str, value, zero=False) -> int:
    """``value`` as an int if it is a positive integer (or zero, with ``zero=True``)."""
    kind = "a non-negative int" if zero else "a positive int"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}.{what}: {name} must be {kind}, got {value!r} "
                        f"({type(value).__name__})")
    if value < (0 if zero else 1):
        raise ValueError(f"{owner}.{what}: {name} must be {kind}, got {value!r}")
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


def _n_samples(x) -> int:
    return len(x[0]) if isinstance(x, list) else len(x)


def _take(x, idx):
    return [v[idx] for v in x] if isinstance(x, list) else x[idx]
