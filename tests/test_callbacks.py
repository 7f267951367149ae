"""el.callbacks inside fit: the hook order, History, EarlyStopping, checkpoints, learning rates."""
import csv
import math

import numpy as np
import pytest

import edulayers as el
from edulayers import callbacks as cb


def small_model(seed=0, lr=0.05):
    model = el.Sequential([el.layers.Dense(4, activation="tanh", input_shape=(3,), dtype="float64",
                                           kernel_initializer=el.initializers.GlorotUniform(seed=seed)),
                           el.layers.Dense(1, dtype="float64",
                                           kernel_initializer=el.initializers.GlorotUniform(seed=seed + 1))])
    model.compile(el.optimizers.SGD(learning_rate=lr), "mse")
    return model


@pytest.fixture
def data(rng):
    x = rng.standard_normal((32, 3))
    y = np.sin(x.sum(axis=1, keepdims=True))
    return x, y


class Recorder(cb.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(f"epoch_begin {epoch}")

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(f"batch_end {batch} {sorted(logs)}")

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(f"epoch_end {epoch} {sorted(logs)}")

    def on_train_end(self, logs=None):
        self.calls.append("train_end")


def test_hooks_run_in_keras_order_with_the_model_attached(data):
    x, y = data
    model, recorder = small_model(), Recorder()
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_split=0.25, callbacks=[recorder])
    assert recorder.model is model
    assert recorder.calls == [
        "train_begin",
        "epoch_begin 0", "batch_end 0 ['loss']", "batch_end 1 ['loss']",
        "epoch_end 0 ['loss', 'val_loss']",
        "epoch_begin 1", "batch_end 0 ['loss']", "batch_end 1 ['loss']",
        "epoch_end 1 ['loss', 'val_loss']",
        "train_end"]


def test_fit_returns_its_history_callback(data):
    x, y = data
    history = small_model().fit(x, y, epochs=3, verbose=0)
    assert isinstance(history, cb.History)
    assert history.epoch == [0, 1, 2] and len(history.history["loss"]) == 3


def test_callbacks_must_be_callbacks(data):
    x, y = data
    model = small_model()
    before = model.get_weights()
    with pytest.raises(TypeError, match=r"callbacks\[0\] must be an el.callbacks.Callback, got function"):
        model.fit(x, y, verbose=0, callbacks=[lambda *a: None])
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_early_stopping_patience_and_restore_best_weights(data):
    x, y = data
    model = small_model(lr=0.05)
    # a validation target the model cannot learn, so val_loss stops improving quickly
    x_val, y_val = x[:8], -np.sin(x[:8].sum(axis=1, keepdims=True)) * 3
    snapshots = []
    keep = cb.LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(
        (logs["val_loss"], model.get_weights())))
    stop = cb.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=50, batch_size=8, verbose=0, shuffle=False,
                        validation_data=(x_val, y_val), callbacks=[keep, stop])
    losses = history.history["val_loss"]
    assert len(losses) < 50 and stop.stopped_epoch == len(losses) - 1
    best = int(np.argmin(losses))
    assert stop.best_epoch == best and len(losses) - 1 - best == 2       # patience 2
    for restored, kept in zip(model.get_weights(), snapshots[best][1]):
        np.testing.assert_array_equal(restored, kept)


def test_early_stopping_rule_min_delta_and_mode():
    stop = cb.EarlyStopping(monitor="val_accuracy", min_delta=0.01)
    assert stop.mode == "max"
    assert stop.improves(0.80, 0.78) and not stop.improves(0.785, 0.78)
    assert cb.EarlyStopping(monitor="loss", min_delta=0.1).improves(0.85, 1.0)
    with pytest.raises(ValueError, match="pass mode='min' or mode='max'"):
        cb.EarlyStopping(monitor="my_score")
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max', got 'up'"):
        cb.EarlyStopping(mode="up")


def test_reduce_lr_on_plateau_and_scheduler(data):
    x, y = data
    model = small_model(lr=0.1)
    rates = []
    schedule = cb.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5 ** epoch)
    record = cb.LambdaCallback(on_epoch_end=lambda epoch, logs: rates.append(logs["learning_rate"]))
    model.fit(x, y, epochs=4, verbose=0, callbacks=[schedule, record])
    assert rates == [0.1, 0.05, 0.025, 0.0125]

    model = small_model(lr=0.1)
    plateau = cb.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=1e9,
                                   min_lr=0.02)
    model.fit(x, y, epochs=5, verbose=0, callbacks=[plateau])
    # min_delta 1e9: no epoch improves on the first, so the rate halves each epoch after it
    assert model.optimizer.learning_rate == pytest.approx(0.02)
    with pytest.raises(ValueError, match=r"factor must be in \(0, 1\), got 1.5"):
        cb.ReduceLROnPlateau(factor=1.5)


def test_model_checkpoint_saves_the_best_weights(data, tmp_path):
    x, y = data
    model = small_model()
    path = tmp_path / "best.weights.npz"
    best = cb.ModelCheckpoint(str(path), monitor="loss", save_best_only=True, save_weights_only=True)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[best])
    assert path.exists() and best.best == pytest.approx(min(history.history["loss"]))
    fresh = small_model(seed=7)
    fresh.load_weights(str(path))
    assert not np.allclose(fresh.get_weights()[0], small_model(seed=7).get_weights()[0])


def test_csv_logger_writes_one_row_per_epoch(data, tmp_path):
    x, y = data
    path = tmp_path / "log.csv"
    small_model().fit(x, y, epochs=3, verbose=0, validation_split=0.25,
                      callbacks=[cb.CSVLogger(str(path))])
    rows = list(csv.DictReader(path.open()))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert set(rows[0]) == {"epoch", "loss", "val_loss"} and float(rows[2]["loss"]) > 0


def test_terminate_on_nan_stops_at_the_first_bad_batch(data):
    x, y = data
    y = y.copy()
    y[20] = np.nan
    model = small_model()
    seen = []
    spy = cb.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs["loss"]))
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False,
                        callbacks=[spy, cb.TerminateOnNaN()])
    assert len(seen) == 3 and math.isnan(seen[-1]) and len(history.epoch) == 1
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        small_model().fit(x, y, batch_size=8, verbose=0, shuffle=False,
                          callbacks=[cb.TerminateOnNaN(raise_error=True)])


def test_lambda_callback_refuses_unknown_hooks():
    with pytest.raises(TypeError, match="unknown hook 'on_epoch_finish'"):
        cb.LambdaCallback(on_epoch_finish=print)


def test_keras2_batch_hook_names_are_called_by_fit_as_keras3_does(data):
    """Keras 3's on_train_batch_* call on_batch_*, so a Keras 2 style override runs; keras.src's
    Callback is compared where Keras is installed."""
    x, y = data

    class Keras2Style(cb.Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_batch_begin(self, batch, logs=None):
            self.seen.append(f"begin {batch}")

        def on_batch_end(self, batch, logs=None):
            self.seen.append(f"end {batch} {logs['loss']:.6f}")

    keras2, recorder = Keras2Style(), Recorder()
    history = small_model().fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False,
                                callbacks=[keras2, recorder])
    assert [s.split()[0] for s in keras2.seen] == ["begin", "end"] * 4
    assert keras2.seen[1::2][-1].startswith("end 3 ")
    assert len([c for c in recorder.calls if c.startswith("batch_end")]) == 4  # new name: no double call
    assert np.isfinite(history.history["loss"][0])
    keras = pytest.importorskip("keras")
    calls = []

    class KerasSide(keras.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            calls.append(batch)

    KerasSide().on_train_batch_end(5, {"loss": 1.0})
    assert calls == [5]                     # the same delegation in Keras 3
