"""Keras 3's files and configs (edulayers/saving): .keras, .weights.h5, to_json / get_config.

The round trips go through Keras 3 itself (JAX backend, float64): a model written here is
opened by ``keras.models.load_model``, saved again by Keras and read back here, and every step
must give the same predictions to rounding.
"""
import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import edulayers as el
from edulayers.saving import KerasFormatError, UNSUPPORTED_IN_KERAS3
from edulayers.saving.keras_config import KERAS3_LAYER_NAMES

E = el.layers
TOL = dict(rtol=1e-12, atol=1e-12)


@pytest.fixture(autouse=True)
def _float64():
    before = el.floatx()
    el.set_floatx("float64")
    yield
    el.set_floatx(before)


@pytest.fixture
def h5py():
    return pytest.importorskip("h5py", reason="h5py is not installed (pip install 'edulayers[keras-files]')")


def _randomize(model, rng):
    """Weights away from the initializers' values (positive: a BatchNormalization variance too)."""
    model.set_weights([0.5 + 0.3 * np.abs(rng.standard_normal(w.shape)) for w in model.get_weights()])


def _as_list(y):
    return [np.asarray(v) for v in y] if isinstance(y, (list, tuple)) else [np.asarray(y)]


def _assert_same(a, b):
    a, b = _as_list(a), _as_list(b)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, **TOL)


def _round_trip(keras, model, x, tmp_path):
    """edulayers -> .keras -> Keras -> .keras -> edulayers: the same predictions at every step."""
    y = model(x)
    model.save(tmp_path / "edulayers.keras")
    keras_model = keras.models.load_model(tmp_path / "edulayers.keras")
    _assert_same(keras_model(x), y)
    keras_model.save(tmp_path / "keras.keras")
    back = el.models.load_model(tmp_path / "keras.keras")
    _assert_same(back(x), y)
    assert [layer.name for layer in back.layers] == [layer.name for layer in model.layers]
    return keras_model, back


# ------------------------------------------------------------------ the worked-example models
def _mlp():
    return el.Sequential([el.Input((6,)), E.Dense(5, activation="relu"), E.Dropout(0.2),
                          E.Dense(3, activation="softmax")])


def _cnn():
    return el.Sequential([el.Input((8, 8, 3)), E.Conv2D(4, 3, activation="relu"),
                          E.BatchNormalization(), E.MaxPooling2D(), E.Flatten(), E.Dense(3)])


def _lstm():
    return el.Sequential([el.Input((5,)), E.Embedding(10, 4, mask_zero=True), E.LSTM(3),
                          E.Dense(2)])


def _gru():
    return el.Sequential([el.Input((5,)), E.Embedding(10, 4), E.GRU(3, return_sequences=True),
                          E.GRU(2)])


def _branch_and_merge():
    inputs = el.Input((6,))
    a = E.Dense(4, activation="tanh")(inputs)
    b = E.Dense(4)(inputs)
    merged = E.Concatenate()([E.Add()([a, b]), a])
    return el.Model(inputs, E.Dense(2)(merged))


def _tokens(rng):
    x = rng.integers(1, 10, size=(3, 5)).astype(float)
    x[0, 3:] = 0                                   # a padded sequence for the mask
    return x


WORKED_EXAMPLES = {
    "mlp": (_mlp, lambda rng: rng.standard_normal((3, 6))),
    "cnn": (_cnn, lambda rng: rng.standard_normal((2, 8, 8, 3))),
    "lstm": (_lstm, _tokens),
    "gru": (_gru, _tokens),
    "branch_and_merge": (_branch_and_merge, lambda rng: rng.standard_normal((3, 6))),
}


@pytest.mark.keras
@pytest.mark.parametrize("example", list(WORKED_EXAMPLES))
def test_worked_example_round_trip_through_keras(keras, h5py, rng, tmp_path, example):
    make, data = WORKED_EXAMPLES[example]
    model = make()
    _randomize(model, rng)
    _round_trip(keras, model, data(rng), tmp_path)


# ------------------------------------------------------------------ every layer Keras 3 has
def _normal(shape):
    return lambda rng: rng.standard_normal((2, *shape))


EVERY_LAYER = [
    ("Dense", (6,), lambda: E.Dense(3, activation="relu")),
    ("Activation", (6,), lambda: E.Activation("tanh")),
    ("Dropout", (6,), lambda: E.Dropout(0.3)),
    ("Flatten", (4, 3), lambda: E.Flatten()),
    ("Reshape", (12,), lambda: E.Reshape((3, 4))),
    ("Permute", (3, 4), lambda: E.Permute((2, 1))),
    ("RepeatVector", (4,), lambda: E.RepeatVector(3)),
    ("Masking", (5, 3), lambda: E.Masking()),
    ("ActivityRegularization", (6,), lambda: E.ActivityRegularization(l1=0.1)),
    ("Conv1D", (7, 3), lambda: E.Conv1D(2, 3, padding="same")),
    ("Conv2D", (6, 6, 2), lambda: E.Conv2D(3, 3, strides=2, kernel_regularizer="l2")),
    ("Conv3D", (4, 4, 4, 2), lambda: E.Conv3D(2, 2)),
    ("Conv1DTranspose", (5, 2), lambda: E.Conv1DTranspose(2, 3, strides=2)),
    ("Conv2DTranspose", (4, 4, 2), lambda: E.Conv2DTranspose(3, 3, strides=2, padding="same")),
    ("Conv3DTranspose", (3, 3, 3, 2), lambda: E.Conv3DTranspose(2, 2)),
    ("SeparableConv1D", (7, 3), lambda: E.SeparableConv1D(4, 3, depth_multiplier=2)),
    ("SeparableConv2D", (6, 6, 2), lambda: E.SeparableConv2D(3, 3)),
    ("DepthwiseConv1D", (7, 3), lambda: E.DepthwiseConv1D(3, depth_multiplier=2)),
    ("DepthwiseConv2D", (6, 6, 2), lambda: E.DepthwiseConv2D(3)),
    ("Convolution2D (Keras 1 name)", (6, 6, 2), lambda: E.Convolution2D(3, 3, 3)),
    ("MaxPooling1D", (6, 2), lambda: E.MaxPooling1D()),
    ("MaxPooling2D", (6, 6, 2), lambda: E.MaxPooling2D()),
    ("MaxPooling3D", (4, 4, 4, 2), lambda: E.MaxPooling3D()),
    ("AveragePooling1D", (6, 2), lambda: E.AveragePooling1D()),
    ("AveragePooling2D", (6, 6, 2), lambda: E.AveragePooling2D(strides=1, padding="same")),
    ("AveragePooling3D", (4, 4, 4, 2), lambda: E.AveragePooling3D()),
    ("GlobalMaxPooling1D", (6, 2), lambda: E.GlobalMaxPooling1D()),
    ("GlobalMaxPooling2D", (4, 4, 2), lambda: E.GlobalMaxPooling2D()),
    ("GlobalMaxPooling3D", (3, 3, 3, 2), lambda: E.GlobalMaxPooling3D()),
    ("GlobalAveragePooling1D", (6, 2), lambda: E.GlobalAveragePooling1D()),
    ("GlobalAveragePooling2D", (4, 4, 2), lambda: E.GlobalAveragePooling2D(keepdims=True)),
    ("GlobalAveragePooling3D", (3, 3, 3, 2), lambda: E.GlobalAveragePooling3D()),
    ("BatchNormalization", (5, 3), lambda: E.BatchNormalization(momentum=0.9, epsilon=1e-2)),
    ("Embedding", (5,), lambda: E.Embedding(10, 3)),
    ("SimpleRNN", (5, 3), lambda: E.SimpleRNN(4, return_sequences=True)),
    ("LSTM", (5, 3), lambda: E.LSTM(4, go_backwards=True)),
    ("GRU", (5, 3), lambda: E.GRU(4)),
    ("GRU reset_after=False", (5, 3), lambda: E.GRU(4, reset_after=False)),
    ("RNN(LSTMCell)", (5, 3), lambda: E.RNN(E.LSTMCell(4))),
    ("Bidirectional", (5, 3), lambda: E.Bidirectional(E.GRU(3), merge_mode="sum")),
    ("TimeDistributed", (5, 3), lambda: E.TimeDistributed(E.Dense(2))),
    ("UpSampling1D", (4, 2), lambda: E.UpSampling1D(2)),
    ("UpSampling2D", (3, 3, 2), lambda: E.UpSampling2D(2)),
    ("UpSampling3D", (2, 2, 2, 2), lambda: E.UpSampling3D(2)),
    ("ZeroPadding1D", (4, 2), lambda: E.ZeroPadding1D(1)),
    ("ZeroPadding2D", (3, 3, 2), lambda: E.ZeroPadding2D(((1, 0), (0, 2)))),
    ("ZeroPadding3D", (2, 2, 2, 2), lambda: E.ZeroPadding3D(1)),
    ("Cropping1D", (6, 2), lambda: E.Cropping1D((1, 2))),
    ("Cropping2D", (5, 5, 2), lambda: E.Cropping2D(1)),
    ("Cropping3D", (4, 4, 4, 2), lambda: E.Cropping3D(1)),
    ("ReLU", (6,), lambda: E.ReLU(max_value=0.5, negative_slope=0.1)),
    ("LeakyReLU", (6,), lambda: E.LeakyReLU(0.2)),
    ("PReLU", (6,), lambda: E.PReLU()),
    ("ELU", (6,), lambda: E.ELU(0.5)),
    ("Softmax", (6,), lambda: E.Softmax()),
    ("GaussianNoise", (6,), lambda: E.GaussianNoise(0.1)),
    ("GaussianDropout", (6,), lambda: E.GaussianDropout(0.1)),
    ("AlphaDropout", (6,), lambda: E.AlphaDropout(0.1)),
]


@pytest.mark.keras
@pytest.mark.parametrize("name, shape, make", EVERY_LAYER, ids=[c[0] for c in EVERY_LAYER])
def test_every_layer_round_trips_through_keras(keras, h5py, rng, tmp_path, name, shape, make):
    model = el.Sequential([el.Input(shape), make()])
    _randomize(model, rng)
    x = (rng.integers(0, 10, size=(2, *shape)).astype(float) if name == "Embedding"
         else rng.standard_normal((2, *shape)))
    _round_trip(keras, model, x, tmp_path)


@pytest.mark.keras
@pytest.mark.parametrize("merge", ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                                   "Concatenate", "Dot"])
def test_every_merge_layer_round_trips_through_keras(keras, h5py, rng, tmp_path, merge):
    a, b = el.Input((4,)), el.Input((4,))
    layer = E.Dot(1) if merge == "Dot" else getattr(E, merge)()
    model = el.Model([a, b], layer([E.Dense(4)(a), b]))
    _randomize(model, rng)
    _round_trip(keras, model, [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))], tmp_path)


@pytest.mark.keras
def test_the_class_names_written_are_keras_layers(keras):
    missing = sorted(n for n in KERAS3_LAYER_NAMES if not hasattr(keras.layers, n))
    assert not missing
    assert not [n for n in UNSUPPORTED_IN_KERAS3 if hasattr(keras.layers, n) and n != "Lambda"]


# ------------------------------------------------------------------ models built in Keras
def _keras_randomized(keras_model, rng):
    keras_model.set_weights([0.5 + 0.3 * np.abs(rng.standard_normal(w.shape))
                             for w in keras_model.get_weights()])
    return keras_model


@pytest.mark.keras
def test_a_functional_model_built_in_keras_loads(keras, h5py, rng, tmp_path):
    """Shared layer, return_state, initial_state, a shortcut at another depth (Keras' layer
    order, which numbers the weight groups, differs from edulayers' topological order)."""
    K = keras.layers
    tokens = keras.Input((5,), name="tokens")
    seq, h, c = K.LSTM(3, return_sequences=True, return_state=True)(K.Embedding(10, 4)(tokens))
    last = K.LSTM(3)(seq, initial_state=[h, c])
    shared = K.Dense(3)
    shortcut = K.Dense(3)(K.Dense(3)(K.Dense(3)(h)))
    out = K.Add()([shared(last), shared(h), shortcut])
    keras_model = _keras_randomized(keras.Model(tokens, [out, c]), rng)
    x = _tokens(rng)
    keras_model.save(tmp_path / "k.keras")
    model = el.models.load_model(tmp_path / "k.keras")
    _assert_same(model(x), keras_model(x))
    model.save(tmp_path / "e.keras")
    _assert_same(keras.models.load_model(tmp_path / "e.keras")(x), keras_model(x))


@pytest.mark.keras
def test_an_embedding_mask_in_a_keras_functional_model(keras, h5py, rng, tmp_path):
    """Keras records the mask as a NotEqual op and mask= keywords; edulayers carries masks itself."""
    K = keras.layers
    tokens = keras.Input((5,))
    seq = K.LSTM(3, return_sequences=True)(K.Embedding(10, 4, mask_zero=True)(tokens))
    keras_model = _keras_randomized(keras.Model(tokens, K.GRU(2)(K.Dropout(0.1)(seq))), rng)
    keras_model.save(tmp_path / "k.keras")
    x = _tokens(rng)
    _assert_same(el.models.load_model(tmp_path / "k.keras")(x), keras_model(x))


# ------------------------------------------------------------------ the file's layout
def _h5_layout(h5py, data: bytes) -> dict:
    layout = {}
    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(lambda name, obj: layout.__setitem__(
            name, (getattr(obj, "shape", None), dict(obj.attrs))))
    return {k: (shape, {a: str(v) for a, v in attrs.items()}) for k, (shape, attrs) in layout.items()}


def _config_keys_outside_keras(ours, theirs, path="") -> list:
    """Keys of our config that Keras' own config of the same model does not have."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = [f"{path}/{k}" for k in ours if k not in theirs]
        for k in ours:
            if k in theirs:
                found += _config_keys_outside_keras(ours[k], theirs[k], f"{path}/{k}")
        return found
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [k for a, b in zip(ours, theirs) for k in _config_keys_outside_keras(a, b, path)]
    return []


@pytest.mark.keras
def test_the_file_is_laid_out_as_keras_writes_it(keras, h5py, rng, tmp_path):
    inputs = el.Input((5, 3))
    a = E.Bidirectional(E.LSTM(3, return_sequences=True))(inputs)
    b = E.TimeDistributed(E.Dense(6))(inputs)
    c = E.BatchNormalization()(E.Add()([a, b]))
    model = el.Model(inputs, E.Dense(2)(E.Flatten()(E.Dropout(0.1)(c))))
    _randomize(model, rng)
    model.save(tmp_path / "e.keras")
    keras.models.load_model(tmp_path / "e.keras").save(tmp_path / "k.keras")
    with zipfile.ZipFile(tmp_path / "e.keras") as ours, zipfile.ZipFile(tmp_path / "k.keras") as theirs:
        assert ours.namelist() == theirs.namelist() == ["metadata.json", "config.json",
                                                        "model.weights.h5"]
        assert [i.compress_type for i in ours.infolist()] == [i.compress_type for i in theirs.infolist()]
        assert _h5_layout(h5py, ours.read("model.weights.h5")) == \
            _h5_layout(h5py, theirs.read("model.weights.h5"))
        assert "layers/bidirectional/forward_layer/cell/vars/0" in \
            _h5_layout(h5py, ours.read("model.weights.h5"))
        our_config = json.loads(ours.read("config.json"))
        keras_config = json.loads(theirs.read("config.json"))
        assert set(json.loads(ours.read("metadata.json"))) >= {"keras_version", "date_saved"}
    # Keras writes build_config only for its classes that define build() (not Dropout's);
    # edulayers writes it for every layer, and Keras' from_config accepts it on any layer
    extra = [k for k in _config_keys_outside_keras(our_config, keras_config)
             if not k.endswith("/build_config")]
    assert extra == []


# ------------------------------------------------------------------ configs and JSON
@pytest.mark.keras
def test_json_both_ways(keras, rng):
    model = _branch_and_merge()
    _randomize(model, rng)
    x = rng.standard_normal((3, 6))
    keras_model = keras.models.model_from_json(model.to_json())
    keras_model.set_weights(model.get_weights())
    _assert_same(keras_model(x), model(x))
    back = el.models.model_from_json(keras_model.to_json())
    back.set_weights(keras_model.get_weights())
    _assert_same(back(x), model(x))
    assert isinstance(back, el.Model) and back.name == model.name


@pytest.mark.keras
def test_get_config_and_from_config_both_ways(keras, rng):
    x = rng.standard_normal((3, 6))
    for make, keras_cls, el_cls in ((_mlp, keras.Sequential, el.Sequential),
                                    (_branch_and_merge, keras.Model, el.Model)):
        model = make()
        _randomize(model, rng)
        keras_model = keras_cls.from_config(model.get_config())
        keras_model.set_weights(model.get_weights())
        _assert_same(keras_model(x), model(x))
        back = el_cls.from_config(keras_model.get_config())
        back.set_weights(model.get_weights())
        _assert_same(back(x), model(x))


def test_config_round_trip_needs_only_numpy(rng):
    """get_config / from_config / to_json / clone_model: no h5py, no Keras."""
    for make in (_mlp, _cnn, _lstm, _branch_and_merge):
        model = make()
        clone = el.models.clone_model(model)
        assert clone is not model and clone.get_config() == model.get_config()
        assert all(a is not b for a, b in zip(clone.layers, model.layers))
        again = el.models.model_from_json(model.to_json())
        assert again.get_config() == model.get_config()
        assert type(model).from_config(model.get_config()).count_params() == model.count_params()


def test_clone_keeps_a_layer_keras_lacks():
    model = el.Sequential([el.Input((6, 3)), E.LocallyConnected1D(2, 3), E.Flatten()])
    assert el.models.clone_model(model).get_config() == model.get_config()


# ------------------------------------------------------------------ custom objects
class Scale(el.layers.Layer):
    """y = x * s: one weight per feature, and an argument the config must carry."""

    def __init__(self, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset

    def build(self, input_shape):
        self.add_weight("scale", (input_shape[-1],), initializer="ones")

    def forward(self, x, training=False):
        self.cache = x
        return x * self.weights["scale"] + self.offset

    def backward(self, dy):
        self.grads = {"scale": (dy * self.cache).reshape(-1, dy.shape[-1]).sum(0)}
        return dy * self.weights["scale"]

    def get_config(self):
        return {**super().get_config(), "offset": self.offset}


def test_custom_layer_through_custom_objects(h5py, rng, tmp_path):
    model = el.Sequential([el.Input((4,)), E.Dense(3), Scale(offset=0.5)])
    _randomize(model, rng)
    model.save(tmp_path / "custom.keras")
    with pytest.raises(KerasFormatError, match="custom_objects"):
        el.models.load_model(tmp_path / "custom.keras")
    back = el.models.load_model(tmp_path / "custom.keras", custom_objects={"Scale": Scale})
    x = rng.standard_normal((2, 4))
    _assert_same(back(x), model(x))
    assert back.layers[1].offset == 0.5


@pytest.mark.keras
def test_custom_layer_through_keras(keras, h5py, rng, tmp_path):
    # the twin's class has the same name: Keras keys the weights by the class name (layers/scale)
    class KerasScale(keras.layers.Layer):
        def __init__(self, offset=0.0, **kwargs):
            super().__init__(**kwargs)
            self.offset = offset

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

        def call(self, x):
            return x * self.scale + self.offset

        def get_config(self):
            return {**super().get_config(), "offset": self.offset}

    KerasScale.__name__ = KerasScale.__qualname__ = "Scale"
    model = el.Sequential([el.Input((4,)), E.Dense(3), Scale(offset=0.5)])
    _randomize(model, rng)
    x = rng.standard_normal((2, 4))
    model.save(tmp_path / "e.keras")
    keras_model = keras.models.load_model(tmp_path / "e.keras", custom_objects={"Scale": KerasScale})
    _assert_same(keras_model(x), model(x))
    keras_model.save(tmp_path / "k.keras")
    back = el.models.load_model(tmp_path / "k.keras", custom_objects={"Scale": Scale})
    _assert_same(back(x), model(x))


# ------------------------------------------------------------------ weights only
@pytest.mark.keras
def test_weights_h5_both_ways(keras, h5py, rng, tmp_path):
    """Matched as Keras matches: by position among the layers, not by name."""
    K = keras.layers
    keras_model = keras.Sequential([keras.Input((8, 8, 3)), K.Conv2D(4, 3, activation="relu"),
                                    K.BatchNormalization(), K.MaxPooling2D(), K.Flatten(),
                                    K.Dense(3)])
    model = _cnn()
    _randomize(model, rng)
    x = rng.standard_normal((2, 8, 8, 3))
    model.save_weights(tmp_path / "e.weights.h5")
    keras_model.load_weights(tmp_path / "e.weights.h5")
    _assert_same(keras_model(x), model(x))
    _keras_randomized(keras_model, rng)
    keras_model.save_weights(tmp_path / "k.weights.h5")
    fresh = _cnn()
    fresh.load_weights(tmp_path / "k.weights.h5")
    _assert_same(fresh(x), keras_model(x))


def test_npz_weights_unchanged(rng, tmp_path):
    model = _mlp()
    _randomize(model, rng)
    model.save_weights(tmp_path / "w.npz")
    with np.load(tmp_path / "w.npz") as data:
        assert sorted(data) == ["layer_0/bias", "layer_0/kernel", "layer_2/bias", "layer_2/kernel"]
    fresh = _mlp()
    fresh.load_weights(tmp_path / "w.npz")
    _assert_same(fresh.get_weights(), model.get_weights())


# ------------------------------------------------------------------ clear errors
@pytest.mark.parametrize("shape, make", [((6, 3), lambda: E.LocallyConnected1D(2, 3)),
                                         ((6,), lambda: E.Highway()),
                                         ((6,), lambda: E.MaxoutDense(2)),
                                         ((6, 3), lambda: E.SReLU()),
                                         ((6, 3), lambda: E.ParametricSoftplus()),
                                         ((6,), lambda: E.ThresholdedReLU())],
                         ids=["LocallyConnected1D", "Highway", "MaxoutDense", "SReLU",
                              "ParametricSoftplus", "ThresholdedReLU"])
def test_a_layer_keras_lacks_is_refused_before_writing(tmp_path, shape, make):
    layer = make()
    model = el.Sequential([el.Input(shape), E.Dense(3), layer])
    kind = type(layer).__name__
    for path, write in ((tmp_path / "m.keras", model.save),
                        (tmp_path / "m.weights.h5", model.save_weights),
                        (None, lambda _: model.to_json())):
        with pytest.raises(KerasFormatError, match=rf"'{layer.name}' \({kind}\)") as err:
            write(path)
        assert UNSUPPORTED_IN_KERAS3[kind] in str(err.value)
        assert path is None or not path.exists()


def test_a_wrapped_layer_keras_lacks_is_named():
    model = el.Sequential([el.Input((5, 3)), E.TimeDistributed(E.MaxoutDense(2))])
    with pytest.raises(KerasFormatError, match="MaxoutDense"):
        model.to_json()


def test_missing_files(h5py, tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.keras"):
        el.models.load_model(tmp_path / "nope.keras")
    with pytest.raises(FileNotFoundError, match="nope.weights.h5"):
        _mlp().load_weights(tmp_path / "nope.weights.h5")


def test_not_a_keras_file(h5py, tmp_path):
    (tmp_path / "old.h5").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a .keras zip"):
        el.models.load_model(tmp_path / "old.h5")
    with pytest.raises(ValueError, match="'.keras' file name"):
        _mlp().save(tmp_path / "m.h5")


def test_wrong_architecture_for_load_weights(h5py, rng, tmp_path):
    _mlp().save_weights(tmp_path / "mlp.weights.h5")
    other = el.Sequential([el.Input((6,)), E.Dense(4), E.Dropout(0.2), E.Dense(3)])
    before = other.get_weights()
    with pytest.raises(ValueError) as err:
        other.load_weights(tmp_path / "mlp.weights.h5")
    message = str(err.value)
    assert "nothing was loaded" in message
    assert "(6, 4)" in message and "(6, 5)" in message      # expected vs received
    assert "'dense'" in message
    _assert_same(other.get_weights(), before)

    deeper = el.Sequential([el.Input((6,)), E.Dense(5), E.Dense(5), E.Dense(3)])
    before = deeper.get_weights()
    with pytest.raises(ValueError, match="layers/dense_2"):
        deeper.load_weights(tmp_path / "mlp.weights.h5")
    _assert_same(deeper.get_weights(), before)


@pytest.mark.keras
def test_a_keras_layer_edulayers_lacks(keras, h5py, tmp_path):
    K = keras.layers
    keras.Sequential([keras.Input((4,)), K.Dense(3), K.LayerNormalization(name="norm")]).save(
        tmp_path / "k.keras")
    with pytest.raises(KerasFormatError, match="'norm'.*LayerNormalization"):
        el.models.load_model(tmp_path / "k.keras")


@pytest.mark.keras
def test_a_keras_option_edulayers_lacks(keras, h5py, tmp_path):
    K = keras.layers
    keras.Sequential([keras.Input((4,)), K.BatchNormalization(renorm=True, name="bn")]).save(
        tmp_path / "k.keras")
    with pytest.raises(KerasFormatError, match=r"'bn'.*renorm=True"):
        el.models.load_model(tmp_path / "k.keras")


def test_missing_h5py_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "h5py", None)      # import h5py now raises ImportError
    model = _mlp()
    for call in (lambda: model.save(tmp_path / "m.keras"),
                 lambda: model.save_weights(tmp_path / "m.weights.h5")):
        with pytest.raises(ImportError, match=r"pip install 'edulayers\[keras-files\]'"):
            call()
    assert not (tmp_path / "m.keras").exists()
    assert json.loads(model.to_json())["class_name"] == "Sequential"   # JSON needs no h5py


def test_the_core_imports_without_h5py():
    code = ("import sys; sys.modules['h5py'] = None; import edulayers as el; "
            "m = el.Sequential([el.Input((3,)), el.layers.Dense(2)]); "
            "el.models.model_from_json(m.to_json()); print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr
