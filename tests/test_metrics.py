"""Metrics: values against Keras 3 and against hand-computed cases."""
import numpy as np
import pytest

from edulayers import losses, metrics


def test_by_hand():
    y_true = np.array([[0, 1, 0], [1, 0, 0]])
    y_pred = np.array([[0.1, 0.7, 0.2], [0.2, 0.5, 0.3]])
    np.testing.assert_array_equal(metrics.categorical_accuracy(y_true, y_pred), [1, 0])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy([1, 0], y_pred), [1, 0])
    np.testing.assert_array_equal(metrics.top_k_categorical_accuracy(y_true, y_pred, k=2), [1, 0])
    np.testing.assert_allclose(metrics.binary_accuracy([[1, 0]], [[0.6, 0.7]]), [[1.0, 0.0]])


def test_accuracy_follows_the_loss():
    assert metrics.get("accuracy", losses.BinaryCrossentropy())[1] is metrics.binary_accuracy
    assert metrics.get("acc", losses.SparseCategoricalCrossentropy())[1] is metrics.sparse_categorical_accuracy
    assert metrics.get("accuracy", losses.CategoricalCrossentropy())[1] is metrics.categorical_accuracy
    name, fn = metrics.get("mae")
    assert name == "mae" and fn(np.zeros((2, 2)), np.ones((2, 2))).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match=r"Unknown metric 'acuracy'; did you mean 'accuracy'\?"):
        metrics.get("acuracy")


@pytest.mark.keras
def test_match_keras(keras, rng):
    y_pred = rng.uniform(size=(20, 5))
    labels = rng.integers(0, 5, 20)
    one_hot = np.eye(5)[labels]
    pairs = [(metrics.categorical_accuracy(one_hot, y_pred), keras.metrics.categorical_accuracy(one_hot, y_pred)),
             (metrics.sparse_categorical_accuracy(labels, y_pred),
              keras.metrics.sparse_categorical_accuracy(labels, y_pred)),
             (metrics.top_k_categorical_accuracy(one_hot, y_pred, k=2),
              keras.metrics.top_k_categorical_accuracy(one_hot, y_pred, k=2)),
             (metrics.binary_accuracy(one_hot, y_pred), keras.metrics.binary_accuracy(one_hot, y_pred))]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, np.asarray(theirs).reshape(ours.shape))
