"""Losses: values against Keras 3, gradients against central differences (float64)."""
import numpy as np
import pytest

import edulayers as el
from edulayers import losses

CASES = {
    "mean_squared_error": {}, "mean_absolute_error": {}, "mean_absolute_percentage_error": {},
    "mean_squared_logarithmic_error": {}, "cosine_similarity": {}, "huber": {}, "log_cosh": {},
    "hinge": {}, "squared_hinge": {}, "categorical_hinge": {}, "kl_divergence": {}, "poisson": {},
    "binary_crossentropy": {}, "categorical_crossentropy": {},
}
CLASSES = {name: losses.ALIASES[name] for name in CASES}


def data(name, rng, shape=(5, 4)):
    """Targets and predictions in each loss's natural domain, away from kinks and clips."""
    if name in ("binary_crossentropy", "kl_divergence", "poisson", "categorical_crossentropy"):
        y_true = rng.uniform(0.05, 0.95, shape)
        if name == "categorical_crossentropy":
            y_true = np.eye(shape[-1])[rng.integers(0, shape[-1], shape[0])]
        return y_true, rng.uniform(0.05, 0.95, shape)
    if name in ("hinge", "squared_hinge", "categorical_hinge"):
        y_true = rng.integers(0, 2, shape).astype(float)
        if name == "categorical_hinge":
            y_true = np.eye(shape[-1])[rng.integers(0, shape[-1], shape[0])]
        return y_true, rng.standard_normal(shape)
    if name in ("mean_squared_logarithmic_error", "mean_absolute_percentage_error"):
        return rng.uniform(0.5, 2, shape), rng.uniform(0.5, 2, shape)
    return rng.standard_normal(shape), rng.standard_normal(shape) * 2


def numeric_gradient(loss, y_true, y_pred, eps=1e-6):
    g = np.zeros_like(y_pred)
    for idx in np.ndindex(y_pred.shape):
        old = y_pred[idx]
        y_pred[idx] = old + eps
        plus = loss(y_true, y_pred)
        y_pred[idx] = old - eps
        minus = loss(y_true, y_pred)
        y_pred[idx] = old
        g[idx] = (plus - minus) / (2 * eps)
    return g


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_finite_differences(name, rng):
    loss = CLASSES[name]()
    y_true, y_pred = data(name, rng)
    np.testing.assert_allclose(loss.gradient(y_true, y_pred), numeric_gradient(loss, y_true, y_pred),
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("config", [{"from_logits": True}, {"label_smoothing": 0.1},
                                    {"from_logits": True, "label_smoothing": 0.2}])
@pytest.mark.parametrize("cls", [losses.BinaryCrossentropy, losses.CategoricalCrossentropy])
def test_crossentropy_options(cls, config, rng):
    loss = cls(**config)
    y_true = np.eye(4)[rng.integers(0, 4, 6)]
    y_pred = rng.standard_normal((6, 4)) if config.get("from_logits") else rng.uniform(0.05, 0.95, (6, 4))
    np.testing.assert_allclose(loss.gradient(y_true, y_pred), numeric_gradient(loss, y_true, y_pred),
                               rtol=1e-6, atol=1e-9)


def test_sparse_equals_one_hot(rng):
    labels = rng.integers(0, 5, 7)
    logits = rng.standard_normal((7, 5))
    for from_logits in (True, False):
        pred = logits if from_logits else el.activations.softmax(logits)
        sparse = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
        dense = losses.CategoricalCrossentropy(from_logits=from_logits)
        assert sparse(labels, pred) == pytest.approx(dense(np.eye(5)[labels], pred))
        np.testing.assert_allclose(sparse.gradient(labels, pred), dense.gradient(np.eye(5)[labels], pred))


@pytest.mark.keras
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_match_keras(keras, name, rng):
    y_true, y_pred = data(name, rng)
    per_sample = np.asarray(getattr(keras.losses, name)(y_true, y_pred))
    np.testing.assert_allclose(getattr(losses, name)(y_true, y_pred), per_sample, rtol=1e-10)
    # Keras' default reduction: the mean over the batch
    np.testing.assert_allclose(losses.ALIASES[name]()(y_true, y_pred), per_sample.mean(), rtol=1e-10)


@pytest.mark.keras
@pytest.mark.parametrize("config", [{"from_logits": True}, {"label_smoothing": 0.1}])
def test_crossentropy_options_match_keras(keras, config, rng):
    y_true = np.eye(4)[rng.integers(0, 4, 6)]
    y_pred = rng.standard_normal((6, 4)) if config.get("from_logits") else rng.uniform(0.05, 0.95, (6, 4))
    for ours, theirs in ((losses.BinaryCrossentropy, keras.losses.BinaryCrossentropy),
                         (losses.CategoricalCrossentropy, keras.losses.CategoricalCrossentropy)):
        np.testing.assert_allclose(ours(**config)(y_true, y_pred),
                                   np.asarray(theirs(**config)(y_true, y_pred)), rtol=1e-10)
    labels = rng.integers(0, 4, 6)
    np.testing.assert_allclose(
        losses.SparseCategoricalCrossentropy(from_logits=True)(labels, y_pred),
        np.asarray(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, y_pred)),
        rtol=1e-10)


def test_errors():
    with pytest.raises(ValueError, match=r"Unknown loss 'msee'; did you mean 'mse'\?"):
        losses.get("msee")
    with pytest.raises(ValueError, match=r"same shape, got y_true \(3, 2\) and y_pred \(3, 4\)"):
        losses.MeanSquaredError()(np.zeros((3, 2)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        losses.SparseCategoricalCrossentropy()(np.array([0, 3]), np.full((2, 3), 1 / 3))
    # as keras.losses.get: a function's name gives the per-sample function, a class name an object
    assert losses.get("mse") is losses.mean_squared_error
    assert isinstance(losses.get("MeanSquaredError"), losses.MeanSquaredError)
