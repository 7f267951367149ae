"""el.applications: VGG16, ResNet50, MobileNet against keras.applications (same graph, names,
parameter counts and, with Keras' weights copied in by name, the same predictions in float64),
Keras' weight files, preprocess_input and decode_predictions with the shipped class index."""
import contextlib
import hashlib
import json
import re
import warnings

import numpy as np
import pytest

import edulayers as el
from edulayers.applications import imagenet_utils
from edulayers.applications.keras_weights import _snake, keras_layer_order

A = el.applications
MODULES = {"VGG16": A.vgg16, "ResNet50": A.resnet50, "MobileNet": A.mobilenet}
# keras.applications.X(weights=None).count_params(), and the non-trainable part (moving statistics)
KERAS_COUNTS = {"VGG16": (138_357_544, 0), "ResNet50": (25_636_712, 53_120),
                "MobileNet": (4_253_864, 21_888)}


@contextlib.contextmanager
def floatx(dtype):
    old = el.floatx()
    el.set_floatx(dtype)
    try:
        yield
    finally:
        el.set_floatx(old)


def trainable_count(model):
    return sum(int(w.size) for w in model.params.values())


def randomize_batch_norms(keras, model, rng):
    """Keras' fresh BatchNorms are identities (gamma 1, beta 0, mean 0, variance 1): give them
    random statistics so that the comparison exercises the epsilon and every weight."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            shapes = [w.shape for w in layer.get_weights()]
            layer.set_weights([rng.uniform(0.5, 1.5, shapes[0]), rng.normal(0, 0.1, shapes[1]),
                               rng.normal(0, 0.1, shapes[2]), rng.uniform(0.5, 1.5, shapes[3])])


def copy_keras_weights(keras_model, ours):
    """``set_weights(keras_layer.get_weights())`` for every layer of ours that has weights, by name."""
    copied = 0
    for layer in ours.layers:
        if layer.weights:
            layer.set_weights(keras_model.get_layer(layer.name).get_weights())
            copied += 1
    return copied


def _same_name(ours, theirs) -> bool:
    """Equal names; a layer the application leaves unnamed (the global pooling) gets a default
    name from each library's own counter (``global_average_pooling2d_3`` in a Keras session)."""
    if ours.name == theirs.name:
        return True
    default = re.compile(rf"{re.escape(_snake(type(ours).__name__))}(_\d+)?")
    return bool(default.fullmatch(ours.name) and default.fullmatch(theirs.name))


def assert_same_structure(keras_model, ours):
    """Same layers (Keras' order, names, classes), same weight shapes, same parameter counts."""
    theirs = [layer for layer in keras_model.layers if type(layer).__name__ != "InputLayer"]
    mine = keras_layer_order(ours)
    assert [type(layer).__name__ for layer in mine] == [type(layer).__name__ for layer in theirs]
    assert all(_same_name(a, b) for a, b in zip(mine, theirs)), \
        [(a.name, b.name) for a, b in zip(mine, theirs) if not _same_name(a, b)]
    for a, b in zip(mine, theirs):
        assert [w.shape for w in a.get_weights()] == [tuple(w.shape) for w in b.get_weights()], a.name
    assert ours.count_params() == keras_model.count_params()
    keras_trainable = sum(int(np.prod(w.shape)) for w in keras_model.trainable_weights)
    assert trainable_count(ours) == keras_trainable
    assert ours.compute_output_shape() == tuple(keras_model.output.shape)


def keras_predict(keras_model, x):
    return np.asarray(keras_model.predict(x, verbose=0))


def ours_with_keras_weights(name, kwargs, keras_model):
    """Our model in float64, checked against Keras' structure, with its weights copied in by name."""
    with floatx("float64"):
        ours = getattr(A, name)(**kwargs)
    assert_same_structure(keras_model, ours)
    weighted = sum(1 for layer in keras_model.layers if layer.weights)
    assert copy_keras_weights(keras_model, ours) == weighted
    return ours


def assert_close(mine, theirs, tol=1e-8):
    """Equal to ``tol`` of the outputs' scale, both in float64."""
    assert mine.dtype == np.float64 and theirs.dtype == np.float64
    scale = np.abs(theirs).max()
    assert scale > 0
    np.testing.assert_allclose(mine, theirs, rtol=0, atol=tol * scale)


# Keras' models of the comparisons, built once per module, each with random BatchNorms. A Keras
# build on JAX compiles an initializer for each new weight shape (most of its time), so the
# cases keep the default weight shapes (alpha 1, 1000 classes): the builds after the first
# of each family, and the default-size models further down, reuse those compilations.
CASES = {
    # include_top=True at a small input (VGG16's flatten then has 1*1*512 entries)
    "vgg16_top_32": ("VGG16", dict(input_shape=(32, 32, 3))),
    "resnet50_top_64": ("ResNet50", dict(input_shape=(64, 64, 3))),
    "mobilenet_top_32": ("MobileNet", dict(input_shape=(32, 32, 3), dropout=0.2)),
    # without the top, another (non-square) input shape, each pooling
    "vgg16_notop_48x40_max": ("VGG16", dict(include_top=False, input_shape=(48, 40, 3),
                                            pooling="max")),
    "resnet50_notop_64x48": ("ResNet50", dict(include_top=False, input_shape=(64, 48, 3))),
    "mobilenet_notop_40x48_avg": ("MobileNet", dict(include_top=False, input_shape=(40, 48, 3),
                                                    pooling="avg")),
}
SLOW_CASES = ("vgg16", "resnet50")


@pytest.fixture(scope="module")
def keras_model(keras):
    built = {}

    def get(case):
        if case not in built:
            name, kwargs = CASES[case]
            keras.utils.set_random_seed(0)
            model = getattr(keras.applications, name)(weights=None, **kwargs)
            randomize_batch_norms(keras, model, np.random.default_rng(len(built)))
            built[case] = model
        return built[case]
    return get


# ---------------------------------------------------------------------------- parameter counts
@pytest.mark.parametrize("name", ["ResNet50", "MobileNet",
                                  pytest.param("VGG16", marks=pytest.mark.slow)])
def test_default_models_have_keras_parameter_counts(name):
    total, non_trainable = KERAS_COUNTS[name]
    model = getattr(A, name)()
    assert model.count_params() == total
    assert model.count_params() - trainable_count(model) == non_trainable
    assert model.explain().param_count == total
    table = model.summary(print_fn=None)
    assert f"Total params: {total:,}" in table
    assert f"Non-trainable params: {non_trainable:,}" in table
    assert model.compute_output_shape() == (None, 1000)
    assert model.built_input_shape == (None, 224, 224, 3)


def test_mobilenet_width_and_depth_multipliers_count_as_the_arithmetic():
    """alpha scales the filters (int(f * alpha)), depth_multiplier the depthwise outputs: the
    count of the module docstring's arithmetic, and Keras' 1,646,672 for alpha=0.5,
    depth_multiplier=2 without the top."""
    alpha, dm = 0.5, 2
    model = A.MobileNet(include_top=False, input_shape=(64, 64, 3), alpha=alpha, depth_multiplier=dm)
    c = int(32 * alpha)
    expected = 3 * 3 * 3 * c + 4 * c                                   # conv1, conv1_bn
    for p in (64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024):
        out = int(p * alpha)
        expected += 3 * 3 * c * dm + 4 * c * dm + c * dm * out + 4 * out  # dw, bn, pw, bn
        c = out
    assert model.count_params() == expected == 1_646_672
    assert model.compute_output_shape() == (None, 2, 2, 512)


# ---------------------------------------------------------------------------- parity with Keras
@pytest.mark.keras
@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow)
                                  if c.startswith(SLOW_CASES) else c for c in CASES])
def test_predictions_match_keras_with_its_weights(keras_model, rng, case):
    name, kwargs = CASES[case]
    theirs = keras_model(case)
    ours = ours_with_keras_weights(name, kwargs, theirs)
    x = MODULES[name].preprocess_input(rng.uniform(0, 255, (2, *kwargs["input_shape"])))
    assert_close(ours.predict(x), keras_predict(theirs, x))


@pytest.mark.keras
@pytest.mark.slow
@pytest.mark.parametrize("name", ["VGG16", "ResNet50", "MobileNet"])
def test_default_models_match_keras_summary(keras, name):
    """The 224 x 224 models with the top: Keras' summary numbers, layer by layer."""
    theirs = getattr(keras.applications, name)(weights=None)
    ours = getattr(A, name)()
    assert_same_structure(theirs, ours)
    assert ours.count_params() == KERAS_COUNTS[name][0]


@pytest.mark.keras
@pytest.mark.slow
def test_channels_first_matches_keras(keras, rng):
    """With image_data_format channels_first (both libraries): BatchNorm on axis 1, Flatten's
    transpose to channels-last order."""
    old_keras, old_ours = keras.config.image_data_format(), el.backend.image_data_format()
    keras.config.set_image_data_format("channels_first")
    el.backend.set_image_data_format("channels_first")
    try:
        for name, kwargs in [("MobileNet", dict(input_shape=(3, 32, 32))),
                             ("VGG16", dict(input_shape=(3, 32, 32)))]:
            keras.utils.set_random_seed(0)
            theirs = getattr(keras.applications, name)(weights=None, **kwargs)
            randomize_batch_norms(keras, theirs, rng)
            ours = ours_with_keras_weights(name, kwargs, theirs)
            x = rng.uniform(-1, 1, (2, 3, 32, 32))
            assert_close(ours.predict(x), keras_predict(theirs, x))
    finally:
        keras.config.set_image_data_format(old_keras)
        el.backend.set_image_data_format(old_ours)


def test_resnet50_names_and_batch_norm_epsilon():
    model = A.ResNet50(include_top=False, input_shape=(32, 32, 3), pooling="max")
    names = [layer.name for layer in model.layers]
    assert names[:7] == ["conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu", "pool1_pad",
                         "pool1_pool", "conv2_block1_0_conv"]
    assert names[-1] == "max_pool" and "conv5_block3_out" in names and "conv4_block6_add" in names
    assert len([n for n in names if n.endswith("_conv")]) == 53       # 1 + 16*3 + 4 shortcuts
    norms = [layer for layer in model.layers if isinstance(layer, el.layers.BatchNormalization)]
    assert len(norms) == 53 and {layer.epsilon for layer in norms} == {1.001e-5}
    mobile = A.MobileNet(include_top=False, input_shape=(32, 32, 3), alpha=0.25)
    assert {layer.epsilon for layer in mobile.layers
            if isinstance(layer, el.layers.BatchNormalization)} == {1e-3}


# ---------------------------------------------------------------------------- arguments
def test_arguments_as_keras():
    x = el.Input((40, 40, 3), name="image")
    model = A.MobileNet(input_tensor=x, include_top=False, pooling="max", alpha=0.25)
    assert model.inputs == [x] and model.compute_output_shape() == (None, 256)
    # the name takes the rows of input_shape, not of input_tensor (Keras' rule too)
    assert model.name == "mobilenet_0.25_None"
    named = A.MobileNet(include_top=False, alpha=0.25, input_shape=(40, 40, 3))
    assert named.name == "mobilenet_0.25_40"
    # an input_tensor computed from an Input: the model starts at the Input, as Keras'
    raw = el.Input((32, 32, 3))
    scaled = el.layers.Activation("linear", name="identity")(raw)
    model = A.VGG16(input_tensor=scaled, include_top=False, pooling="avg")
    assert model.inputs == [raw] and model.compute_output_shape() == (None, 512)
    # without the top: any size (None, None, 3)
    model = A.VGG16(include_top=False)
    assert model.built_input_shape == (None, None, None, 3)
    assert model.predict(np.zeros((1, 32, 48, 3), np.float32)).shape == (1, 1, 1, 512)
    logits = A.MobileNet(input_shape=(32, 32, 3), alpha=0.25, classes=7, classifier_activation=None)
    assert logits.layers[-1].name == "predictions"
    assert logits.compute_output_shape() == (None, 7)
    y = logits.predict(np.random.default_rng(0).uniform(-1, 1, (3, 32, 32, 3)))
    assert not np.allclose(y.sum(axis=1), 1.0)        # logits, not probabilities


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_shape=(16, 16, 3)), "at least 32x32"),
    (dict(include_top=True, input_shape=(None, None, 3)), "static `input_shape`"),
    (dict(input_shape=(32, 32)), "three integers"),
    (dict(weights="imagenet"), "downloads nothing"),
    (dict(weights="/no/such/file.h5"), "path to the weights file"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        A.MobileNet(alpha=0.25, **kwargs)


def test_imagenet_weights_name_keras_file():
    with pytest.raises(ValueError, match="resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        A.ResNet50(weights="imagenet", include_top=False)
    with pytest.raises(ValueError, match="mobilenet_5_0_160_tf.h5"):
        A.MobileNet(weights="imagenet", alpha=0.5, input_shape=(160, 160, 3))


def test_input_tensor_must_be_symbolic():
    with pytest.raises(TypeError, match="symbolic tensor"):
        A.VGG16(input_tensor=np.zeros((1, 32, 32, 3)), include_top=False)


def test_channels_warning_as_keras():
    with pytest.warns(UserWarning, match="1 or 3 input channels"):
        A.MobileNet(include_top=False, input_shape=(32, 32, 4), alpha=0.25)


# ---------------------------------------------------------------------------- preprocessing
def test_preprocess_caffe_tf_torch():
    rgb = np.array([[[[10.0, 20.0, 30.0], [255.0, 0.0, 128.0]]]])           # (1, 1, 2, 3)
    caffe = A.resnet50.preprocess_input(rgb.copy())
    bgr = rgb[..., ::-1]
    np.testing.assert_allclose(caffe, bgr - np.array([103.939, 116.779, 123.68]))
    np.testing.assert_allclose(A.vgg16.preprocess_input(rgb.copy()), caffe)
    np.testing.assert_allclose(A.mobilenet.preprocess_input(rgb.copy()), rgb / 127.5 - 1.0)
    torch = imagenet_utils.preprocess_input(rgb.copy(), mode="torch")
    np.testing.assert_allclose(torch, (rgb / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225])
    first = imagenet_utils.preprocess_input(np.moveaxis(rgb, -1, 1).copy(),
                                            data_format="channels_first")
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), caffe)
    one_image = imagenet_utils.preprocess_input(rgb[0].copy())                # 3-D works too
    np.testing.assert_allclose(one_image, caffe[0])
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(rgb, mode="bgr")


def test_preprocess_dtypes_and_in_place_as_keras():
    pixels = np.full((1, 2, 2, 3), 255, dtype=np.uint8)
    out = A.mobilenet.preprocess_input(pixels)
    assert out.dtype == np.float32 and np.all(out == 1.0) and pixels[0, 0, 0, 0] == 255
    floats = np.full((1, 2, 2, 3), 127.5)
    out = A.mobilenet.preprocess_input(floats)
    assert np.shares_memory(out, floats) and np.all(floats == 0.0)       # in place, as Keras


@pytest.mark.keras
def test_preprocess_matches_keras(keras, rng):
    x = rng.uniform(0, 255, (2, 5, 4, 3))
    for ours, theirs in [(A.vgg16, keras.applications.vgg16), (A.resnet50, keras.applications.resnet50),
                         (A.mobilenet, keras.applications.mobilenet)]:
        np.testing.assert_allclose(ours.preprocess_input(x.copy()),
                                   theirs.preprocess_input(x.copy()), rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------- class index
def test_class_index_is_keras_file():
    data = imagenet_utils.CLASS_INDEX_PATH.read_bytes()
    assert hashlib.md5(data).hexdigest() == imagenet_utils.KERAS_CLASS_INDEX_MD5
    index = json.loads(data)
    assert list(index) == [str(i) for i in range(1000)]
    assert index["0"] == ["n01440764", "tench"] and index["1"] == ["n01443537", "goldfish"]
    assert index["2"] == ["n01484850", "great_white_shark"]
    assert index["999"] == ["n15075141", "toilet_tissue"]
    wnids = [index[str(i)][0] for i in range(1000)]
    assert wnids == sorted(wnids) and len(set(wnids)) == 1000


def test_decode_predictions_as_keras():
    preds = np.full((2, 1000), 1e-4)
    preds[0, [1, 2, 999]] = [0.5, 0.3, 0.1]
    preds[1, 134] = 0.9
    decoded = A.resnet50.decode_predictions(preds, top=3)
    assert [t[:2] for t in decoded[0]] == [("n01443537", "goldfish"),
                                           ("n01484850", "great_white_shark"),
                                           ("n15075141", "toilet_tissue")]
    assert [t[2] for t in decoded[0]] == [0.5, 0.3, 0.1]
    assert decoded[1][0] == ("n02012849", "crane", 0.9) and len(decoded[1]) == 3
    assert len(A.mobilenet.decode_predictions(preds)[0]) == 5
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        A.vgg16.decode_predictions(np.zeros((2, 10)))


# ---------------------------------------------------------------------------- Keras weight files
def test_missing_h5py_says_how_to_install(monkeypatch, tmp_path):
    import sys
    path = tmp_path / "w.h5"
    path.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"pip install 'edulayers\[keras-files\]'"):
        A.MobileNet(include_top=False, input_shape=(32, 32, 3), alpha=0.25, weights=str(path))


def _write_legacy_h5(h5py, path, model, names=None):
    """A Keras 2 style file (layer_names, weight_names), from our own model's weights."""
    weighted = [layer for layer in keras_layer_order(model) if layer.weights]
    with h5py.File(path, "w") as f:
        names = names or [layer.name for layer in weighted]
        f.attrs["layer_names"] = [n.encode() for n in names]
        for name, layer in zip(names, weighted):
            g = f.create_group(name)
            g.attrs["weight_names"] = [f"{name}/{w}:0".encode() for w in layer.weights]
            for w, value in layer.weights.items():
                g.create_dataset(f"{name}/{w}:0", data=value)


def test_legacy_h5_round_trip(tmp_path, rng):
    h5py = pytest.importorskip("h5py")
    source = A.MobileNet(input_shape=(32, 32, 3), alpha=0.25, classes=5)
    for layer in source.layers:
        layer.set_weights([rng.normal(0, 0.2, w.shape) + (1 if "variance" in k else 0)
                           for k, w in layer.weights.items()])
    x = rng.uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    path = tmp_path / "mobilenet.h5"
    _write_legacy_h5(h5py, path, source)
    loaded = A.MobileNet(input_shape=(32, 32, 3), alpha=0.25, classes=5, weights=str(path))
    np.testing.assert_array_equal(loaded.predict(x), source.predict(x))
    # other names (an older naming): matched by position in Keras' layer order
    renamed = tmp_path / "renamed.h5"
    weighted = [layer for layer in source.layers if layer.weights]
    _write_legacy_h5(h5py, renamed, source, names=[f"layer{i}" for i in range(len(weighted))])
    loaded = A.MobileNet(input_shape=(32, 32, 3), alpha=0.25, classes=5, weights=str(renamed))
    np.testing.assert_array_equal(loaded.predict(x), source.predict(x))
    # a file with the top does not load into a model without it, and says why
    with pytest.raises(ValueError, match="include_top"):
        A.MobileNet(input_shape=(32, 32, 3), alpha=0.25, include_top=False, weights=str(path))
    with pytest.raises(ValueError, match="shape"):
        A.MobileNet(input_shape=(32, 32, 3), alpha=0.25, classes=6, weights=str(path))


@pytest.mark.keras
def test_loads_keras_weights_h5_files(keras_model, rng, tmp_path):
    """Keras 3's save_weights (.weights.h5) and a whole model saved as legacy .h5, loaded by
    name; a .weights.h5 without the layer names is matched by Keras' group keys."""
    h5py = pytest.importorskip("h5py")
    name, kwargs = CASES["mobilenet_top_32"]
    theirs = keras_model("mobilenet_top_32")
    x = rng.uniform(-1, 1, (1, 32, 32, 3))
    expected = keras_predict(theirs, x)

    new_file = str(tmp_path / "mobilenet.weights.h5")
    theirs.save_weights(new_file)
    legacy_file = str(tmp_path / "mobilenet.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                 # Keras: "HDF5 ... is considered legacy"
        theirs.save(legacy_file)
    nameless = str(tmp_path / "nameless.weights.h5")
    theirs.save_weights(nameless)
    with h5py.File(nameless, "a") as f:
        for group in f["layers"].values():
            if "vars" in group and "name" in group["vars"].attrs:
                del group["vars"].attrs["name"]
    for path in (new_file, legacy_file, nameless):
        with floatx("float64"):
            ours = A.MobileNet(weights=path, **kwargs)
        assert_close(ours.predict(x), expected)
    assert set(A.read_keras_weights(new_file)) == {layer.name for layer in ours.layers if layer.weights}


@pytest.mark.keras
@pytest.mark.slow
def test_loads_resnet50_weights_file(keras_model, rng, tmp_path):
    name, kwargs = CASES["resnet50_notop_64x48"]
    theirs = keras_model("resnet50_notop_64x48")
    path = str(tmp_path / "resnet50_notop.weights.h5")
    theirs.save_weights(path)
    with floatx("float64"):
        ours = A.ResNet50(weights=path, **kwargs)
    x = A.resnet50.preprocess_input(rng.uniform(0, 255, (1, 64, 48, 3)))
    assert_close(ours.predict(x), keras_predict(theirs, x))


def test_applications_load_on_first_use_without_h5py():
    import subprocess
    import sys
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys, edulayers as el\n"
         "assert 'edulayers.applications' not in sys.modules\n"
         "assert callable(el.applications.ResNet50)\n"
         "print(','.join(m for m in ('h5py', 'keras', 'jax') if m in sys.modules))"],
        capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == ""
