"""The first lines of a Keras tutorial: el.utils, el.backend and el.ops, compared with Keras 3."""
import numpy as np
import pytest

import edulayers as el
from edulayers import ops
from edulayers.utils import normalize, pad_sequences, to_categorical

LABEL_CASES = [
    ([0, 1, 2, 3], None),
    ([3, 0, 1], 5),
    (np.array([[1], [0], [2]]), None),            # a column of labels: the trailing 1 is dropped
    (np.array([[1, 0], [2, 2]]), 3),               # any shape: the class axis is added last
    (np.array([2.0, 0.0]), None),                  # integral floats
]


@pytest.mark.keras
@pytest.mark.parametrize("labels, num_classes", LABEL_CASES)
def test_to_categorical_as_keras(keras, labels, num_classes):
    ours = to_categorical(labels, num_classes=num_classes)
    theirs = keras.utils.to_categorical(labels, num_classes=num_classes)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_to_categorical_refuses_what_keras_would_silently_wrap():
    with pytest.raises(ValueError, match=r"class index 3 is outside 0\.\.2 \(num_classes=3\)"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match=r"class index -1 is outside"):
        to_categorical([0, -1], num_classes=3)
    with pytest.raises(ValueError, match="integer class indices"):
        to_categorical([0.5, 1.0])


@pytest.mark.keras
@pytest.mark.parametrize("axis, order", [(-1, 2), (1, 1), (2, 2), (-1, np.inf)])
def test_normalize_as_keras(keras, rng, axis, order):
    x = rng.standard_normal((4, 3, 5))
    x[0, 0] = 0.0                                  # a zero row stays zero
    np.testing.assert_allclose(normalize(x, axis, order), keras.utils.normalize(x, axis, order),
                               rtol=1e-15, atol=0)


def test_normalize_along_the_first_axis(rng):
    # Keras 3.15 turns axis=0 into -1 (``axis or -1``) and then fails to broadcast; here the
    # columns come out with unit norm, as the docstring says
    x = rng.standard_normal((4, 5))
    np.testing.assert_allclose(np.linalg.norm(normalize(x, axis=0), axis=0), np.ones(5))


PAD_CASES = [
    dict(),
    dict(maxlen=2),
    dict(maxlen=4, padding="post"),
    dict(maxlen=2, truncating="post"),
    dict(maxlen=5, value=-1, dtype="float32"),
]


@pytest.mark.keras
@pytest.mark.parametrize("kwargs", PAD_CASES)
def test_pad_sequences_as_keras(keras, kwargs):
    sequences = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9]]
    ours = pad_sequences(sequences, **kwargs)
    theirs = keras.utils.pad_sequences(sequences, **kwargs)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.keras
def test_pad_sequences_of_vectors_as_keras(keras, rng):
    sequences = [rng.standard_normal((n, 2)) for n in (3, 1, 4)]
    np.testing.assert_array_equal(pad_sequences(sequences, maxlen=3, dtype="float64"),
                                  keras.utils.pad_sequences(sequences, maxlen=3, dtype="float64"))


def test_pad_sequences_to_length_zero():
    # Keras 3.15 raises a broadcasting error here (its slice x[i, -0:] is the whole row)
    assert pad_sequences([[1, 2], [3]], maxlen=0).shape == (2, 0)


def test_pad_sequences_errors_name_what_was_wrong():
    with pytest.raises(ValueError, match="padding must be 'pre' or 'post', got 'middle'"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="item 1 is 5, not a sequence"):
        pad_sequences([[1], 5])
    with pytest.raises(ValueError, match=r"sequence 1 has steps of shape \(3,\), the others \(2,\)"):
        pad_sequences([np.ones((2, 2)), np.ones((1, 3))], dtype="float64")
    with pytest.raises(ValueError, match="needs dtype=object"):
        pad_sequences([["a"]], value="x")


def test_image_data_format_is_the_default_of_image_layers():
    assert el.backend.image_data_format() == "channels_last"
    try:
        el.backend.set_image_data_format("channels_first")
        assert el.layers.Conv2D(4, 3).data_format == "channels_first"
        assert el.layers.MaxPooling2D().data_format == "channels_first"
        assert el.layers.Conv2D(4, 3, data_format="channels_last").data_format == "channels_last"
    finally:
        el.backend.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="expected 'channels_last' or 'channels_first', got 'nhwc'"):
        el.backend.set_image_data_format("nhwc")
    assert el.backend.image_data_format() == "channels_last"
    assert el.backend.backend() == "numpy"


def test_clear_session_restarts_default_names():
    el.layers.Dense(2)
    el.Input((3,))
    assert el.layers.Dense(2).name == "dense_1"
    el.backend.clear_session()
    assert el.layers.Dense(2).name == "dense"


def test_tutorial_module_paths():
    from edulayers.layers import Input
    from edulayers.layers.local import LocallyConnected1D, LocallyConnected2D
    assert Input is el.Input
    assert LocallyConnected2D is el.layers.LocallyConnected2D
    assert LocallyConnected1D is el.layers.LocallyConnected1D
    assert el.utils.set_random_seed is el.set_random_seed


@pytest.mark.keras
def test_ops_match_keras_ops(keras, rng):
    x, w = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    k = keras.ops
    pairs = [
        (ops.matmul(x, w), k.matmul(x, w)),
        (ops.sum(x, axis=1, keepdims=True), k.sum(x, axis=1, keepdims=True)),
        (ops.mean(x, axis=0), k.mean(x, axis=0)),
        (ops.max(x), k.max(x)),
        (ops.exp(x), k.exp(x)),
        (ops.sigmoid(x), k.sigmoid(x)),
        (ops.relu(x), k.relu(x)),
        (ops.softmax(x, axis=0), k.softmax(x, axis=0)),
        (ops.log_softmax(x), k.log_softmax(x)),
        (ops.tanh(x), k.tanh(x)),
        (ops.transpose(x), k.transpose(x)),
        (ops.reshape(x, (2, 6)), k.reshape(x, (2, 6))),
        (ops.concatenate([x, x], axis=1), k.concatenate([x, x], axis=1)),
        (ops.one_hot(np.array([1, 0, 2]), 3), k.one_hot(np.array([1, 0, 2]), 3)),
        (ops.clip(x, -0.5, 0.5), k.clip(x, -0.5, 0.5)),
        (ops.square(x), k.square(x)),
        (ops.argmax(x, axis=1), k.argmax(x, axis=1)),
    ]
    for i, (ours, theirs) in enumerate(pairs):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-7, atol=1e-7,
                                   err_msg=f"op {i}: mine vs Keras")
