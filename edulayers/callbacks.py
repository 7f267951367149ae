"""``el.callbacks``: code that ``fit`` runs at fixed points of training, as in Keras.

``model.fit(x, y, callbacks=[EarlyStopping(patience=3)])`` calls, on each callback, in order:

.. code-block:: text

    on_train_begin
      for each epoch:   on_epoch_begin(epoch)
        for each batch:   on_train_batch_begin(batch) ... on_train_batch_end(batch, logs)
                        on_epoch_end(epoch, logs)      # logs: loss, metrics, val_loss, ...
    on_train_end

(and ``on_test_*``/``on_predict_*`` around ``evaluate`` and ``predict``). Before training, ``fit``
gives each callback the model (``callback.model``); a callback stops training by setting
``self.model.stop_training = True``. Epochs count from 0 in the hooks; messages print them from
1, as Keras does.

The callbacks that watch a quantity (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint) share
one rule, Keras 3's: with ``mode="min"`` (``"auto"`` for a name ending in ``loss``) a value
``v`` improves on the best ``b`` when ``v < b - min_delta``; with ``mode="max"`` when
``v > b + min_delta``.

This module is longer than most because every callback Keras' tutorials use (History,
EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, LearningRateScheduler, LambdaCallback,
CSVLogger, TerminateOnNaN) sits beside the base class and the list that calls them, so the hooks
and the rule for an improvement are read in one place.
"""
from __future__ import annotations

import csv
import math
import warnings
from pathlib import Path

__all__ = ["Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint",
           "ReduceLROnPlateau", "LearningRateScheduler", "LambdaCallback", "CSVLogger",
           "TerminateOnNaN"]

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
         "on_predict_batch_begin", "on_predict_batch_end")


class Callback:
    """Base class: every hook does nothing; a subclass overrides the ones it needs."""

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = dict(params)

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    # The Keras 2 names: a subclass may override either spelling. As in Keras 3, fit calls the
    # new names, whose default forwards to the old, so an override of ``on_batch_end`` runs.
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class CallbackList:
    """Several callbacks called as one, in the order given: ``fit`` holds one of these."""

    def __init__(self, callbacks=None, model=None, **params):
        callbacks = list(callbacks or [])
        for position, callback in enumerate(callbacks):
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks[{position}] must be an el.callbacks.Callback, got "
                                f"{type(callback).__name__}")
        self.callbacks = callbacks
        for callback in callbacks:
            if model is not None:
                callback.set_model(model)
            callback.set_params(params)

    def call(self, hook: str, *args) -> None:
        """Run ``hook`` (``"on_epoch_end"``, ...) on every callback."""
        if hook not in HOOKS:
            raise ValueError(f"unknown callback hook {hook!r}; hooks: {', '.join(HOOKS)}")
        for callback in self.callbacks:
            getattr(callback, hook)(*args)

    def __iter__(self):
        return iter(self.callbacks)


class History(Callback):
    """Records every epoch's logs: ``history.history["loss"]`` is the list of epoch losses.

    ``fit`` always adds one and returns it.
    """

    def __init__(self):
        super().__init__()
        self.history: dict = {}
        self.epoch: list = []

    def on_train_begin(self, logs=None):
        self.epoch = []          # a model fitted twice keeps the keys, as Keras' History does

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def append(self, epoch: int, logs: dict) -> None:
        self.on_epoch_end(epoch, logs)

    def __repr__(self):
        return f"<History epochs={len(self.epoch)}, keys={list(self.history)}>"


class _Monitor(Callback):
    """A callback that watches one logged quantity and knows when it improved (the rule above)."""

    def __init__(self, monitor="val_loss", mode="auto", min_delta=0.0, baseline=None):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{type(self).__name__}: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            name = monitor[4:] if monitor.startswith("val_") else monitor
            if name.endswith("loss") or name in ("mse", "mae", "mape", "msle", "error"):
                mode = "min"
            elif name in ("accuracy", "acc", "auc", "precision", "recall") or name.endswith("accuracy"):
                mode = "max"
            else:
                raise ValueError(f"{type(self).__name__} cannot tell whether {monitor!r} should go "
                                 "down or up: pass mode='min' or mode='max'")
        self.monitor, self.mode = monitor, mode
        self.min_delta = abs(min_delta)
        self.baseline = baseline
        self.best = None

    def improves(self, value, reference) -> bool:
        if reference is None:
            return True
        if self.mode == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta

    def current(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{type(self).__name__} watches {self.monitor!r}, which the logs do not "
                          f"have (they have: {', '.join(logs or {}) or 'nothing'})", stacklevel=3)
        return value


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: the logged quantity (``"val_loss"``; ``"loss"`` without validation data).
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        mode: ``"min"``, ``"max"``, or ``"auto"`` (from the name).
        baseline: training stops unless the quantity beats this within ``patience`` epochs.
        restore_best_weights: at the end, put back the weights of the best epoch.
        start_from_epoch: epochs of warm-up that are not watched.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta, baseline)
        self.patience, self.verbose = patience, verbose
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best, self.best_weights = None, None

    def on_epoch_end(self, epoch, logs=None):
        value = self.current(logs)
        if value is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self.improves(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self.improves(value, self.baseline):
                self.wait = 0              # only beating the baseline too restarts the count
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(_Monitor):
    """Save the model (or its weights) after each epoch, or only when ``monitor`` improved.

    ``filepath`` may hold ``{epoch}`` (counted from 1) and any logged value, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.2f}.weights.h5"``. ``save_weights_only=True`` calls
    ``model.save_weights``; otherwise ``model.save``.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, 0.0, None)
        if save_freq != "epoch":
            raise ValueError(f"ModelCheckpoint: only save_freq='epoch' is supported here, got {save_freq!r}")
        self.filepath, self.verbose = str(filepath), verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.best = initial_value_threshold

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            value = self.current(logs)
            if value is None or not self.improves(value, self.best):
                if self.verbose > 0 and value is not None:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                previous = "inf" if self.best is None else f"{self.best:.5f}"
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {previous} to {value:.5f}, "
                      f"saving model to {path}")
            self.best = value
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


def _refuse_a_schedule(callback, optimizer):
    """Keras 3 raises a TypeError when a callback sets the rate of an optimizer whose learning
    rate is a ``LearningRateSchedule``: the same here, said by the callback."""
    schedule = getattr(optimizer, "learning_rate_schedule", None)
    if schedule is not None:
        raise TypeError(f"{type(callback).__name__}: the optimizer's learning rate is the schedule "
                        f"{schedule!r}, which cannot be set (as in Keras); create the optimizer "
                        "with a float learning_rate to let this callback change it, or keep the "
                        "schedule and drop the callback")


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    After ``patience`` epochs without improvement: ``lr = max(lr * factor, min_lr)``, then
    ``cooldown`` epochs of rest before counting again. With a ``LearningRateSchedule`` as the
    learning rate it logs the scheduled rate each epoch and raises a TypeError when it would
    reduce it, as Keras 3 does.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__(monitor, mode, min_delta, None)
        if not 0 < factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor}")
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr
        self.wait = self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if logs is not None:
            logs["learning_rate"] = float(optimizer.learning_rate)
        value = self.current(logs)
        if value is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.improves(value, self.best):
            self.best, self.wait = value, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and optimizer.learning_rate > self.min_lr:
                _refuse_a_schedule(self, optimizer)
                optimizer.learning_rate = max(optimizer.learning_rate * self.factor, self.min_lr)
                if self.verbose > 0:
                    print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                          f"{optimizer.learning_rate}.")
                self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch: ``lr = schedule(epoch, lr)``
    (or ``schedule(epoch)``, Keras 1's form), ``epoch`` counted from 0.

    An optimizer whose learning rate is a ``LearningRateSchedule`` (which counts steps, not
    epochs) cannot be set: a TypeError at the first epoch, as in Keras 3."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable, got {schedule!r}")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        try:
            rate = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:
            rate = self.schedule(epoch)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate):
            raise ValueError(f"LearningRateScheduler: schedule({epoch}) must return a finite number, "
                             f"got {rate!r}")
        _refuse_a_schedule(self, optimizer)
        optimizer.learning_rate = float(rate)
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, **hooks):
        super().__init__()
        aliases = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}
        for name, function in hooks.items():
            name = aliases.get(name, name)
            if name not in HOOKS:
                raise TypeError(f"LambdaCallback got an unknown hook {name!r}; hooks: {', '.join(HOOKS)}")
            setattr(self, name, function)


class CSVLogger(Callback):
    """Write one CSV row per epoch: ``epoch`` and every logged value, columns in sorted order."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.separator, self.append = str(filename), separator, append
        self._file = self._writer = self._keys = None

    def on_train_begin(self, logs=None):
        path = Path(self.filename)
        header = not (self.append and path.exists() and path.stat().st_size > 0)
        self._file = open(path, "a" if self.append else "w", newline="", encoding="utf-8")
        self._writer, self._keys, self._header = None, None, header

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._keys is None:
            self._keys = sorted(logs)
            self._writer = csv.DictWriter(self._file, ["epoch"] + self._keys,
                                          delimiter=self.separator)
            if self._header:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self._keys}})
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite (``raise_error=True``: raise)."""

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}: {loss}")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
