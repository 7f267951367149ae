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

This module is longer than most because it holds the whole training loop: compile with one or
several outputs, fit with batches, weights, validation and callbacks, evaluate, predict and the
per-batch methods, and the argument checks that refuse bad input before anything changes.
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import NamedTuple

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

    _heads = None          # one _Head per output once compiled for a model with a list of outputs
    _loss_weight = 1.0     # loss_weights of a model with one output
    _multi_output = False  # a Model built with a list of outputs returns a list from forward

    # ---------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, weighted_metrics=None,
                loss_weights=None):
        """Choose the optimizer (name or object), the loss and the metrics, as Keras' ``compile``.

        ``loss`` is a name (``"mse"``), a ``Loss`` object, one of ``el.losses``' functions
        (``el.losses.categorical_crossentropy``: trains exactly as its name does) or your own
        function ``my_loss(y_true, y_pred)`` returning one value per sample; edulayers
        differentiates by hand, so ``fit`` needs that function's derivative
        (``el.losses.LossFunctionWrapper(my_loss, gradient=...)``), ``evaluate`` does not.

        ``metrics`` ignore the sample weights, ``weighted_metrics`` use them (as Keras 3, whose
        logs name a weighted metric that repeats an unweighted one ``weighted_<name>``).

        **A model with several outputs** (``el.Model(inp, [a, b])``), as Keras 3; its outputs are
        named by the layers that compute them (``model.output_names``):

        * ``loss``: one loss for every output, a list with one per output, or a dict
          ``{output name: loss}`` naming every output; ``None`` in a list or dict leaves that
          output untrained. The loss is :math:`\\sum_k w_k L_k` (plus the penalties), each
          output's gradient scaled by its :math:`w_k`;
        * ``loss_weights``: the :math:`w_k` (1 by default), a list with one per output or a dict
          naming every output (a number, a one-item list or dict for a single output). Give it by
          name: the third argument is ``metrics``, as ``compile(optimizer, loss, metrics)`` has
          always been here (Keras 3 puts ``loss_weights`` third);
        * ``metrics`` / ``weighted_metrics``: a list with one entry per output (a metric, a list of
          them, or ``None``), or a dict ``{output name: metric or list}`` for some outputs; a flat
          list of another length is refused, as Keras 3 refuses it;
        * the logs hold ``loss``, ``<output>_loss`` for each output with a loss (when more than
          one has), and ``<output>_<metric>`` (``out_a_mae``, ``out_b_weighted_mae``).

        Everything is resolved before anything is kept: a refused ``compile`` leaves the model's
        previous optimizer (with its slots), loss and metrics as they were.
        """
        if loss is None:
            raise ValueError(f"{self._label}.compile needs a loss, e.g. loss='mse'")
        owner = f"{self._label}.compile"
        names = self.output_names
        if self._multi_output:
            optimizer = _resolve(owner, "optimizer", optimizers_mod.get, optimizer)
            heads = _compile_heads(owner, names, loss, loss_weights, metrics, weighted_metrics)
            self.optimizer, self._heads = optimizer, heads
            self.loss = [head.loss for head in heads]
            self.compiled_metrics = [m for head in heads for m in head.metrics]
            self.compiled_weighted_metrics = [m for head in heads for m in head.weighted_metrics]
            return
        for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and not isinstance(value, (list, tuple)):
                raise ValueError(f"{self._label}.compile: {argument} must be a list, e.g. "
                                 f"{argument}=['accuracy'], got {value!r}")
        loss_weight = _single_loss_weight(owner, names, loss_weights)
        optimizer = _resolve(owner, "optimizer", optimizers_mod.get, optimizer)
        loss = _resolve(owner, "loss", losses_mod.to_loss, loss)
        compiled_metrics = [_resolve(owner, "metrics", lambda m: metrics_mod.get(m, loss), m)
                            for m in (metrics or [])]
        weighted = [_resolve(owner, "weighted_metrics", lambda m: metrics_mod.get(m, loss), m)
                    for m in (weighted_metrics or [])]
        taken = {name for name, _ in compiled_metrics}
        weighted = [(f"weighted_{name}" if name in taken else name, fn) for name, fn in weighted]
        self.optimizer, self.loss, self._heads = optimizer, loss, None
        self._loss_weight = loss_weight
        self.compiled_metrics, self.compiled_weighted_metrics = compiled_metrics, weighted

    @property
    def output_names(self) -> list:
        """The names of the model's outputs, as Keras 3: the names of the layers computing them
        (the keys of ``compile``'s and ``fit``'s dicts, the prefixes of the per-output logs)."""
        outputs = getattr(self, "outputs", None)
        if outputs is not None:
            return [t.node.name for t in outputs]
        return [self.layers[-1].name] if self.layers else []

    def _multi(self) -> bool:
        """Compiled for several outputs (``compile`` chose per-output losses)?"""
        return self._heads is not None

    def _require_compiled(self, what, train=False):
        if getattr(self, "loss", None) is None or not hasattr(self, "optimizer"):
            raise ValueError(f"{self._label} must be compiled before {what}(): call "
                             "compile(optimizer, loss, metrics) first (it has no loss and no optimizer yet)")
        if self._multi() and len(self._heads) != len(self.output_names):
            raise ValueError(f"{self._label} was compiled for {len(self._heads)} outputs but has "
                             f"{len(self.output_names)}: compile it again")
        heads = self._heads if self._multi() else [_Head("", self.loss, 1.0, [], [])]
        for head in heads:
            loss = head.loss
            if train and loss is not None and not loss.has_gradient:
                reason = (loss.missing_gradient() if hasattr(loss, "missing_gradient") else
                          f"the loss {loss!r} has no per_sample_gradient")
                where = f" (output {head.name!r})" if head.name else ""
                raise ValueError(f"{self._label}.{what} needs the gradient of the loss{where}: {reason}")

    # ---------------------------------------------------------------- one step of training
    def train_step(self, x, y, sample_weight=None) -> dict:
        """One step of gradient descent on the batch ``(x, y)`` (the six steps of the module's
        docstring); returns the batch's loss and metrics."""
        self._require_compiled("train_step", train=True)
        return self._train_batch(x, y, sample_weight).result()

    def _train_batch(self, x, y, sample_weight=None) -> "_Means":
        """The training step, one line per step of the module's docstring; the batch's sums."""
        if self._multi():
            return self._train_batch_multi(x, y, sample_weight)
        y_pred = self.forward(x, training=True)                                  # 1. forward
        loss, dy = self.loss.value_and_gradient(y, y_pred, sample_weight)        # 2. the loss once,
        if self._loss_weight != 1.0:                                             #    (loss_weights)
            loss, dy = self._loss_weight * loss, self._loss_weight * dy
        sums = self._batch_sums(loss, y, y_pred, sample_weight)                  #    the metrics
        self._step(dy)                                                           # 3.-6.
        return sums

    def _train_batch_multi(self, x, ys, sample_weights) -> "_Means":
        """The training step of a model with several outputs: each output's loss and gradient
        :math:`w_k \\, \\partial L_k / \\partial \\hat y_k` (zeros for an output without a loss),
        one backward from all of them."""
        y_preds = self.forward(x, training=True)                                 # 1. forward
        losses, dys = [], []
        for head, y, y_pred, sw in zip(self._heads, ys, y_preds, _per_output(sample_weights, ys)):
            if head.loss is None:                                                # 2. each loss once
                losses.append(None)
                dys.append(np.zeros_like(y_pred))
                continue
            loss, dy = head.loss.value_and_gradient(y, y_pred, sw)
            losses.append(loss)
            dys.append(head.weight * dy if head.weight != 1.0 else dy)
        sums = self._multi_sums(losses, ys, y_preds, sample_weights)
        self._step(dys)                                                          # 3.-6.
        return sums

    def _step(self, dy) -> None:
        """Steps 3 to 6 of the module's docstring, from the gradient(s) of the loss."""
        self.backward(dy, activity_penalties=True)                               # 3. layer.grads
        penalties = self.penalty_gradients()                                     # 4. dOmega/dw
        weights, grads = self._update_gradients(penalties)                       # 5. the update
        self.optimizer.apply(weights, grads)
        self._apply_constraints(weights)                                         # 6. constraints

    def _test_batch(self, x, y, sample_weight=None) -> "_Means":
        y_pred = self.forward(x)
        if self._multi():
            losses = [None if head.loss is None else head.loss(t, p, sw) for head, t, p, sw
                      in zip(self._heads, y, y_pred, _per_output(sample_weight, y))]
            return self._multi_sums(losses, y, y_pred, sample_weight)
        loss = self.loss(y, y_pred, sample_weight) * self._loss_weight
        return self._batch_sums(loss, y, y_pred, sample_weight)

    def _multi_sums(self, losses, ys, y_preds, sample_weights) -> "_Means":
        """``_batch_sums`` for several outputs, in Keras 3's order: ``loss``, each output's
        (unweighted) loss, then each output's metrics and weighted metrics."""
        n = len(ys[0])
        sums = _Means()
        total = sum(head.weight * loss for head, loss in zip(self._heads, losses) if loss is not None)
        sums.add("loss", (total + sum(self.losses)) * n, n)
        if sum(loss is not None for loss in losses) > 1:
            for head, loss in zip(self._heads, losses):
                if loss is not None:
                    sums.add(f"{head.name}_loss", loss * n, n)
        for head, y, y_pred, sw in zip(self._heads, ys, y_preds, _per_output(sample_weights, ys)):
            for name, fn in head.metrics:
                sums.add(name, *_metric_sums(fn(y, y_pred), None))
            for name, fn in head.weighted_metrics:
                sums.add(name, *_metric_sums(fn(y, y_pred), sw))
        return sums

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
        if self._multi():
            losses = [None if h.loss is None else h.loss(t, p) for h, t, p in zip(self._heads, y, y_pred)]
            return self._multi_sums(losses, y, y_pred, None).result()
        loss = self.loss(y, y_pred) * self._loss_weight
        return self._batch_sums(loss, y, y_pred, None).result()

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
            validation_data = tuple(_take(v, slice(cut, None)) for v in (x, y, sample_weight))
            x, y, sample_weight = (_take(v, slice(0, cut)) for v in (x, y, sample_weight))
            n = cut
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
                means.add(self._train_batch(_take(x, idx), _take(y, idx), _take(sample_weight, idx)))
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
            means.add(self._test_batch(_take(x, idx), _take(y, idx), _take(sample_weight, idx)))
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
        n = _n_samples(x)
        if sample_weight is not None and class_weight is not None:
            raise ValueError(f"{self._label}.{what}: sample_weight and class_weight cannot be given "
                             "at the same time (as Keras); fold the class weights into sample_weight")
        if self._multi_output:
            return x, *self._per_output_samples(what, n, y, sample_weight, class_weight)
        y = _array(self._label, what, "y", y)
        _same_count(self._label, what, n, "y", y)
        if sample_weight is not None:
            sample_weight = _array(self._label, what, "sample_weight", sample_weight)
            _same_count(self._label, what, n, "sample_weight", sample_weight)
        return x, y, sample_weight

    def _per_output_samples(self, what: str, n: int, y, sample_weight, class_weight):
        """``(y, sample_weight)`` of a model with a list of outputs, as Keras 3 takes them: ``y``
        a list with one array per output or a dict naming every output (a single array for a
        model whose list holds one output); ``sample_weight`` one array for all outputs, or a
        list or dict like ``y`` (``None`` for an output without weights)."""
        names = self.output_names
        if class_weight is not None:
            raise ValueError(f"{self._label}.{what}: class_weight is only supported for a model with "
                             f"one output (as Keras), this one has {len(names)} {names}; give each "
                             "output's weights as sample_weight=[...] instead")
        if len(names) == 1 and not isinstance(y, (list, tuple, Mapping)):
            y = [y]
        if not isinstance(y, (list, tuple, Mapping)):
            raise ValueError(f"{self._label}.{what}: the model has {len(names)} outputs {names}, so y "
                             f"must be a list of {len(names)} arrays or a dict {{output name: array}}, "
                             f"got a single {type(y).__name__}")
        ys = _per_output_argument(f"{self._label}.{what}", "y", names, y, partial_dict=False)
        ys = [_array(self._label, what, f"y for output {name!r}", v) for name, v in zip(names, ys)]
        for name, v in zip(names, ys):
            _same_count(self._label, what, n, f"y for output {name!r}", v)
        if sample_weight is None:
            return ys, None
        if isinstance(sample_weight, (list, tuple, Mapping)):
            weights = _per_output_argument(f"{self._label}.{what}", "sample_weight", names,
                                           sample_weight, partial_dict=True)
        else:
            weights = [sample_weight] * len(names)
        checked = []
        for name, w in zip(names, weights):
            if w is not None:
                w = _array(self._label, what, f"sample_weight for output {name!r}", w)
                _same_count(self._label, what, n, f"sample_weight for output {name!r}", w)
            checked.append(w)
        return ys, checked

    def _validation_data(self, validation_data, x, y):
        """``(x_val, y_val, val_sample_weight)`` checked against the training data: the same shape
        per sample (``val_sample_weight`` is ``None`` when not given)."""
        if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
            raise ValueError(f"{self._label}.fit: validation_data must be a tuple (x_val, y_val) or "
                             f"(x_val, y_val, val_sample_weight), got {type(validation_data).__name__}"
                             + (f" of length {len(validation_data)}" if isinstance(validation_data, (list, tuple)) else ""))
        x_val, y_val, w_val = self._samples("fit", *validation_data)
        for label, val, train in (*_labelled("x_val", x_val, x), *_labelled("y_val", y_val, y)):
            if val.shape[1:] != train.shape[1:]:
                raise ValueError(f"{self._label}.fit: validation_data's {label} must have the training "
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


class _Head(NamedTuple):
    """What ``compile`` keeps for one output of a model with a list of outputs: its name (the
    prefix of its logs), its loss (``None``: the output is not trained), its weight :math:`w_k`,
    and its metrics and weighted metrics as ``(log name, function)``."""
    name: str
    loss: object
    weight: float
    metrics: list
    weighted_metrics: list


def _compile_heads(owner: str, names: list, loss, loss_weights, metrics, weighted_metrics) -> list:
    """One ``_Head`` per output from ``compile``'s arguments, as Keras 3 reads them for a model
    with a list of outputs (each argument's forms are in ``Training.compile``)."""
    losses = _per_output_argument(owner, "loss", names, loss, partial_dict=False)
    if isinstance(loss, (list, tuple, Mapping)) and all(v is None for v in losses):
        raise ValueError(f"{owner}: loss={loss!r} gives no output a loss; name one for at least "
                         f"one of the outputs {names}")
    losses = [None if v is None else _resolve(owner, f"loss for output {name!r}", losses_mod.to_loss, v)
              for name, v in zip(names, losses)]
    if loss_weights is None:
        weights = [1.0] * len(names)
    elif isinstance(loss_weights, (list, tuple, Mapping)):
        weights = [1.0 if w is None else w for w in
                   _per_output_argument(owner, "loss_weights", names, loss_weights, partial_dict=False)]
    else:
        raise ValueError(f"{owner}: loss_weights must be a list with one number per output or a "
                         f"dict naming every output {names}, got {loss_weights!r}")
    for name, w in zip(names, weights):
        if isinstance(w, (bool, np.bool_)) or not isinstance(w, numbers.Real):
            raise ValueError(f"{owner}: loss_weights for output {name!r} must be a number, got {w!r}")
    per_output = {}
    for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
        if value is not None and not isinstance(value, (list, tuple, Mapping)):
            raise ValueError(f"{owner}: {argument} must be a list with one entry per output or a "
                             f"dict {{output name: metrics}}, e.g. {argument}={{{names[0]!r}: "
                             f"['mae']}}, got {value!r}")
        entries = ([None] * len(names) if value is None else
                   _per_output_argument(owner, argument, names, value, partial_dict=True))
        per_output[argument] = [[] if e is None else list(e) if isinstance(e, (list, tuple)) else [e]
                                for e in entries]
    heads = []
    for k, name in enumerate(names):
        resolved = [_resolve(owner, "metrics", lambda m: metrics_mod.get(m, losses[k]), m)
                    for m in per_output["metrics"][k]]
        weighted = [_resolve(owner, "weighted_metrics", lambda m: metrics_mod.get(m, losses[k]), m)
                    for m in per_output["weighted_metrics"][k]]
        taken = {metric for metric, _ in resolved}
        heads.append(_Head(name, losses[k], float(weights[k]),
                           [(f"{name}_{metric}", fn) for metric, fn in resolved],
                           [(f"{name}_weighted_{metric}" if metric in taken else f"{name}_{metric}", fn)
                            for metric, fn in weighted]))
    return heads


def _per_output_argument(owner: str, argument: str, names: list, value, partial_dict: bool) -> list:
    """``value`` spread over the outputs ``names``: a list or tuple with one entry per output, a
    dict by output name (naming every output unless ``partial_dict``; the others get ``None``),
    or anything else for every output alike."""
    if isinstance(value, Mapping):
        unknown = [key for key in value if key not in names]
        missing = [name for name in names if name not in value]
        if unknown or (missing and not partial_dict):
            problem = f"names no output {unknown}" if unknown else f"does not name {missing}"
            raise ValueError(f"{owner}: the {argument} dict {problem}; its keys must be the model's "
                             f"output names {names}" + ("" if partial_dict else ", every one of them"))
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(f"{owner}: {argument} is a list of {len(value)} but the model has "
                             f"{len(names)} outputs {names}: give one entry per output (None for "
                             f"none), or a dict {{output name: ...}}")
        return list(value)
    return [value] * len(names)


def _single_loss_weight(owner: str, names: list, loss_weights) -> float:
    """``loss_weights`` of a model with one output: a number, or a one-item list or dict."""
    weight = loss_weights
    if isinstance(loss_weights, Mapping):
        if list(loss_weights) != names:
            raise ValueError(f"{owner}: the loss_weights dict must name the one output {names}, "
                             f"got the keys {list(loss_weights)}")
        weight = loss_weights[names[0]]
    elif isinstance(loss_weights, (list, tuple)):
        if len(loss_weights) != 1:
            raise ValueError(f"{owner}: loss_weights is a list of {len(loss_weights)} but the model "
                             "has one output: give one number")
        weight = loss_weights[0]
    if weight is None:
        return 1.0
    if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, numbers.Real):
        raise ValueError(f"{owner}: loss_weights must be a number, got {loss_weights!r}")
    return float(weight)


def _per_output(sample_weight, ys: list) -> list:
    """The sample weights of each output: a list as given, one array for every output alike."""
    if isinstance(sample_weight, list):
        return sample_weight
    return [sample_weight] * len(ys)


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


def _same_count(owner: str, what: str, n: int, name: str, array) -> None:
    if len(array) != n:
        raise ValueError(f"{owner}.{what}: x has {n} samples, {name} has {len(array)}; "
                         f"give one per sample of x")


def _labelled(label: str, val, train) -> list:
    """``(label, val, train)`` for an array, ``(label[i], val[i], train[i])`` for each of a list."""
    if isinstance(val, list):
        return [(f"{label}[{i}]", v, t) for i, (v, t) in enumerate(zip(val, train))]
    return [(label, val, train)]


def _n_samples(x) -> int:
    return len(x[0]) if isinstance(x, list) else len(x)


def _take(x, idx):
    """Rows ``idx`` of an array, or of each array of a list (``None`` stays ``None``)."""
    if x is None:
        return None
    return [None if v is None else v[idx] for v in x] if isinstance(x, list) else x[idx]
