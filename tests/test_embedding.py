"""Embedding: gradcheck of the matrix, reference == fast, Keras 3 twin, masks, Keras 1/2 arguments,
explain() and every kind of bad input."""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import as64, assert_gradcheck, assert_paths_agree, compare_with_keras

L = el.layers


def indices(rng, shape, vocab):
    return rng.integers(0, vocab, size=shape)


@pytest.mark.parametrize("shape", [(3,), (3, 5), (2, 3, 4)])
def test_gradcheck_and_paths(rng, shape):
    layer = L.Embedding(7, 3)
    x = indices(rng, shape, 7)
    report = assert_gradcheck(layer, x)
    assert [t.name for t in report.tensors] == ["embeddings"]      # integer input: skipped
    assert_gradcheck(layer, x, path="reference")
    assert_paths_agree(as64(L.Embedding(7, 3)), x)


def test_repeated_indices_accumulate(rng):
    """A row used twice gets both gradients (the scatter-add), an unused row gets 0."""
    layer = as64(L.Embedding(5, 2))
    x = np.array([[1, 3, 1, 1]])
    y = layer(x)
    np.testing.assert_array_equal(y[0, 0], layer.embeddings[1])
    dy = rng.standard_normal(y.shape)
    assert layer.backward(dy) is None
    dE = layer.grads["embeddings"]
    np.testing.assert_allclose(dE[1], dy[0, 0] + dy[0, 2] + dy[0, 3])
    np.testing.assert_allclose(dE[3], dy[0, 1])
    assert not dE[[0, 2, 4]].any()
    # the same as the one-hot product onehot(x)^T dy
    onehot = np.eye(5)[x.reshape(-1)]
    np.testing.assert_allclose(dE, onehot.T @ dy.reshape(-1, 2))
    np.testing.assert_allclose(y.reshape(-1, 2), onehot @ layer.embeddings)


def test_frozen_embeddings(rng):
    """trainable=False (pre-trained vectors kept fixed): no weight gradient, no error."""
    E = rng.standard_normal((6, 2))
    layer = L.Embedding(6, 2, weights=[E], trainable=False)
    y = layer(np.array([[1, 5]]))
    assert layer.params == {} and layer.backward(np.ones_like(y)) is None and layer.grads == {}
    layer.forward(np.array([[1, 5]]), path="reference")
    assert layer.backward(np.ones_like(y)) is None and layer.grads == {}


def test_float_indices_are_cast(rng):
    layer = L.Embedding(6, 2)
    x = indices(rng, (2, 4), 6)
    np.testing.assert_array_equal(layer(x.astype(np.float32)), layer(x))
    assert layer(x).dtype == np.float32


def test_mask_zero():
    layer = L.Embedding(4, 2, mask_zero=True)
    x = np.array([[3, 1, 0, 0], [2, 0, 0, 0]])
    layer(x)
    np.testing.assert_array_equal(layer.output_mask, x != 0)
    np.testing.assert_array_equal(layer.compute_mask(x), x != 0)
    assert L.Embedding(4, 2).compute_mask(x) is None
    with pytest.raises(ValueError, match=r"indices in \[0, 4\), got \[4\].*mask_zero=True.*vocabulary size \+ 1"):
        layer(np.array([[4, 1]]))


def test_mask_reaches_the_next_layer_in_sequential():
    """The padding mask travels to the next layer: GlobalAveragePooling1D averages real tokens only."""
    model = el.Sequential([L.Embedding(5, 3, mask_zero=True), L.GlobalAveragePooling1D()])
    x = np.array([[1, 2, 0], [4, 0, 0]])
    y = model(x)
    E = model.layers[0].embeddings
    np.testing.assert_allclose(y, [(E[1] + E[2]) / 2, E[4]], rtol=1e-6)
    assert model.layers[0].output_mask.tolist() == [[True, True, False], [True, False, False]]


def test_input_length_and_weights(rng):
    E = rng.standard_normal((10, 4)).astype(np.float32)
    layer = L.Embedding(10, 4, input_length=5, weights=[E])
    assert layer.batch_input_shape == (None, 5)
    assert layer.compute_output_shape((None, 5)) == (None, 5, 4)
    x = indices(rng, (2, 5), 10)
    np.testing.assert_array_equal(layer(x), E[x])
    np.testing.assert_array_equal(L.Embedding(10, 4, weights=E)(x), E[x])   # Keras 3: the matrix itself
    with pytest.raises(ValueError, match=r"Embedding .* expected input of rank 2 .*got shape \(2, 5, 1\)"):
        layer(x[..., None])
    with pytest.raises(ValueError, match=r"input_length is 5, but the input has shape \(2, 6\)"):
        layer(indices(rng, (2, 6), 10))
    with pytest.raises(ValueError, match=r"input_length is 5, but the input has shape \(None, 6\)"):
        layer.compute_output_shape((None, 6))
    # a tuple for inputs of rank 3, None entries filled from the input
    layer3 = L.Embedding(10, 4, input_length=(None, 3))
    assert layer3.compute_output_shape((None, 7, 3)) == (None, 7, 3, 4)
    assert layer3(indices(rng, (2, 7, 3), 10)).shape == (2, 7, 3, 4)


def test_keras1_arguments_and_dropout(rng):
    layer = L.Embedding(8, 3, init="normal", W_regularizer=el.regularizers.L2(0.1), W_constraint="max_norm")
    assert type(layer.embeddings_initializer).__name__ == "RandomNormal"
    assert layer.embeddings_regularizer is not None and layer.embeddings_constraint is not None
    layer(indices(rng, (2, 3), 8))
    assert layer.losses == [pytest.approx(0.1 * float(np.sum(layer.embeddings.astype(np.float64) ** 2)), rel=1e-5)]
    with pytest.raises(TypeError, match="both the Keras 1 and the Keras 2 name"):
        L.Embedding(8, 3, init="normal", embeddings_initializer="zeros")

    # Keras 1.2.2 dropout: whole rows of E are dropped in training, kept rows scaled by 1/(1-p)
    layer = as64(L.Embedding(50, 4, dropout=0.5, seed=3))
    x = np.arange(50)[None, :]
    y_test = layer(x)
    y_train = layer(x, training=True)
    ratio = y_train / y_test
    assert set(np.round(np.unique(ratio), 12)) <= {0.0, 2.0}
    assert np.all(ratio == ratio[..., :1])                   # a whole row (word) at once
    assert 10 < np.sum(ratio[..., 0] == 0) < 40
    assert_gradcheck(L.Embedding(9, 3, dropout=0.4, seed=1), indices(rng, (3, 6), 9), training=True)


def test_explain():
    ex = L.Embedding(1000, 64, input_length=10).explain()
    assert ex.trace == "(None, 10) -> (None, 10, 64)"
    assert ex.param_formula == "1000*64" and ex.param_count == 64000
    assert evaluate_arithmetic(ex.param_formula) == ex.param_count
    assert "1000*64 = 64000" in str(ex) and "input_dim*output_dim" in str(ex)
    assert r"\mathrm{onehot}" in ex.formula
    ex = L.Embedding(20, 2, mask_zero=True).explain((None, None))
    assert ex.output_shape == (None, None, 2) and "padding" in str(ex)


def test_config_round_trip():
    for layer in (L.Embedding(7, 3, mask_zero=True, embeddings_regularizer="l2"),
                  L.Embedding(7, 3, input_length=4, dropout=0.2, seed=1),
                  L.Embedding(7, 3, input_length=(None, 2))):
        config = layer.get_config()
        assert L.Embedding(**config).get_config() == config


def test_bad_input_and_arguments():
    layer = L.Embedding(5, 2)
    with pytest.raises(ValueError, match=r"Embedding 'embedding' expected indices in \[0, 5\), got \[-1, 5, 9\]"):
        layer(np.array([[0, 5, -1, 9, 5]]))
    with pytest.raises(ValueError, match=r"Embedding .* expected integer indices, got non-integer values \[0.5\]"):
        layer(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match="expected integer indices, got a boolean array"):
        layer(np.array([[True, False]]))
    with pytest.raises(ValueError, match=r"expected input of rank >= 1.*got shape \(\)"):
        layer(np.array(3))
    layer(np.array([[1, 2]]))
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(1, 2, 2\).*got \(1, 2\)"):
        layer.backward(np.zeros((1, 2)))
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="input_dim must be a positive int"):
            L.Embedding(bad, 2)
        with pytest.raises(ValueError, match="output_dim must be a positive int"):
            L.Embedding(5, bad)
    with pytest.raises(ValueError, match="dropout must be in"):
        L.Embedding(5, 2, dropout=1.0)
    with pytest.raises(ValueError, match="input_length must be a positive int"):
        L.Embedding(5, 2, input_length=0)
    with pytest.raises(ValueError, match=r"weight 'embeddings' has shape \(5, 2\)"):
        L.Embedding(5, 2, weights=[np.zeros((2, 5))])(np.array([[1]]))



@pytest.mark.parametrize("vocab,n,kind", [(50, 400, "uniform"), (10000, 600, "uniform"),
                                         (3, 500, "uniform"), (70000, 300, "uniform"),
                                         (1000, 2000, "zipf"), (5, 0, "uniform")])
def test_scatter_add_rows_matches_the_loop(rng, vocab, n, kind):
    """Rounds of distinct indices, then runs of the frequent ones: the loop's sums, whatever the
    repeats (few, many, a vocabulary over 16 bits, no rows at all)."""
    from edulayers.layers.embedding.embedding import scatter_add_rows
    flat = (rng.integers(0, vocab, n) if kind == "uniform"
            else np.minimum(rng.zipf(1.3, n), vocab) - 1)
    rows = rng.standard_normal((n, 4))
    expected = np.zeros((vocab, 4))
    for position, i in enumerate(flat):
        expected[i] += rows[position]
    np.testing.assert_allclose(scatter_add_rows(flat, rows, vocab), expected, rtol=1e-12, atol=1e-12)

@pytest.mark.keras
@pytest.mark.parametrize("shape", [(4,), (3, 6), (2, 3, 4)])
def test_keras_parity(keras, rng, shape):
    theirs = keras.layers.Embedding(11, 5)
    ours = L.Embedding(11, 5)
    x = indices(rng, shape, 11)
    x[0] = 3                                               # a repeated index: the scatter-add
    y, dx = compare_with_keras(ours, theirs, x)
    assert dx is None and y.shape == shape + (5,)
    assert ours.count_params() == theirs.count_params()
    assert ours.compute_output_shape((None,) + shape[1:]) == theirs.compute_output_shape((None,) + shape[1:])


@pytest.mark.keras
def test_keras_parity_mask(keras, rng):
    theirs = keras.layers.Embedding(6, 2, mask_zero=True)
    ours = L.Embedding(6, 2, mask_zero=True)
    x = np.array([[4, 2, 0, 0], [1, 0, 3, 0]])
    compare_with_keras(ours, theirs, x)
    np.testing.assert_array_equal(ours.output_mask, np.asarray(theirs.compute_mask(x)))
