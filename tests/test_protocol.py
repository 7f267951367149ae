"""The layer protocol, checked across every layer class in ``el.layers``.

Family test files go deep on one family; this file goes wide: every class (aliases and legacy
names included) must build, explain itself with arithmetic that adds up, round-trip its config,
follow the fast and reference paths to the same numbers, pass a gradient check, and refuse an
input of the wrong rank with a message that names it.
"""
import numpy as np
import pytest

import edulayers as el
from edulayers.explain import evaluate_arithmetic
from twins import as64, assert_gradcheck, assert_paths_agree

L = el.layers

# one small, odd-sized example per class: (constructor, input shape with batch)
EXAMPLES = {
    "Dense": (lambda: L.Dense(3, activation="tanh"), (2, 5)),
    "Activation": (lambda: L.Activation("softplus"), (2, 4)),
    "Dropout": (lambda: L.Dropout(0.3, seed=1), (2, 5)),
    "Flatten": (lambda: L.Flatten(), (2, 3, 2)),
    "Reshape": (lambda: L.Reshape((3, -1)), (2, 6)),
    "Permute": (lambda: L.Permute((2, 1)), (2, 3, 4)),
    "RepeatVector": (lambda: L.RepeatVector(3), (2, 4)),
    "Lambda": (lambda: L.Lambda(np.tanh, gradient=lambda x, dy: dy * (1 - np.tanh(x) ** 2)), (2, 4)),
    "ActivityRegularization": (lambda: L.ActivityRegularization(l1=0.1), (2, 4)),
    "Masking": (lambda: L.Masking(), (2, 3, 4)),
    "Highway": (lambda: L.Highway(activation="tanh"), (2, 4)),
    "MaxoutDense": (lambda: L.MaxoutDense(3, nb_feature=2), (2, 5)),
    "Conv1D": (lambda: L.Conv1D(3, 3, padding="causal", dilation_rate=2), (2, 7, 2)),
    "Conv2D": (lambda: L.Conv2D(3, (3, 2), strides=(2, 1), padding="same"), (2, 5, 4, 2)),
    "Conv3D": (lambda: L.Conv3D(2, 2), (1, 3, 4, 3, 2)),
    "Convolution1D": (lambda: L.Convolution1D(3, 3), (2, 6, 2)),
    "Convolution2D": (lambda: L.Convolution2D(3, 3, 3, border_mode="same"), (2, 5, 5, 2)),
    "Convolution3D": (lambda: L.Convolution3D(2, 2, 2, 2), (1, 3, 3, 3, 2)),
    "AtrousConvolution1D": (lambda: L.AtrousConvolution1D(2, 3, atrous_rate=2), (2, 7, 2)),
    "AtrousConvolution2D": (lambda: L.AtrousConvolution2D(2, 3, 3, atrous_rate=(2, 2)), (1, 7, 7, 2)),
    "Conv1DTranspose": (lambda: L.Conv1DTranspose(2, 3, strides=2), (2, 4, 3)),
    "Conv2DTranspose": (lambda: L.Conv2DTranspose(2, 3, strides=2, padding="same"), (2, 3, 4, 3)),
    "Conv3DTranspose": (lambda: L.Conv3DTranspose(2, 2, strides=2), (1, 2, 3, 2, 2)),
    "Deconvolution2D": (lambda: L.Deconvolution2D(2, 3, 3), (1, 4, 4, 3)),
    "Convolution2DTranspose": (lambda: L.Convolution2DTranspose(2, 3), (1, 4, 4, 3)),
    "SeparableConv1D": (lambda: L.SeparableConv1D(3, 3, depth_multiplier=2), (2, 6, 2)),
    "SeparableConv2D": (lambda: L.SeparableConv2D(3, 3, padding="same"), (2, 5, 4, 2)),
    "SeparableConvolution1D": (lambda: L.SeparableConvolution1D(3, 3), (2, 6, 2)),
    "SeparableConvolution2D": (lambda: L.SeparableConvolution2D(3, 3, 3), (2, 5, 5, 2)),
    "DepthwiseConv1D": (lambda: L.DepthwiseConv1D(3, depth_multiplier=2), (2, 6, 3)),
    "DepthwiseConv2D": (lambda: L.DepthwiseConv2D(3, strides=2), (2, 7, 6, 3)),
    "Cropping1D": (lambda: L.Cropping1D((1, 2)), (2, 6, 3)),
    "Cropping2D": (lambda: L.Cropping2D(((1, 0), (0, 2))), (2, 5, 5, 2)),
    "Cropping3D": (lambda: L.Cropping3D(1), (1, 4, 4, 4, 2)),
    "UpSampling1D": (lambda: L.UpSampling1D(3), (2, 4, 2)),
    "UpSampling2D": (lambda: L.UpSampling2D(2, interpolation="bilinear"), (2, 3, 4, 2)),
    "UpSampling3D": (lambda: L.UpSampling3D(2), (1, 2, 3, 2, 2)),
    "ZeroPadding1D": (lambda: L.ZeroPadding1D(2), (2, 4, 2)),
    "ZeroPadding2D": (lambda: L.ZeroPadding2D(((1, 0), (2, 1))), (2, 3, 3, 2)),
    "ZeroPadding3D": (lambda: L.ZeroPadding3D(1), (1, 2, 2, 2, 2)),
    "LocallyConnected1D": (lambda: L.LocallyConnected1D(3, 3), (2, 6, 2)),
    "RNN": (lambda: L.RNN(L.SimpleRNNCell(3), return_sequences=True), (2, 4, 3)),
    "SimpleRNNCell": (lambda: L.SimpleRNNCell(3), (2, 5)),
    "SimpleRNN": (lambda: L.SimpleRNN(3, go_backwards=True), (2, 4, 3)),
    "LSTMCell": (lambda: L.LSTMCell(3), (2, 5)),
    "LSTM": (lambda: L.LSTM(3, return_sequences=True), (2, 4, 3)),
    "GRU": (lambda: L.GRU(3, reset_after=False), (2, 4, 3)),
    "GRUCell": (lambda: L.GRUCell(3), (2, 5)),
    "TimeDistributed": (lambda: L.TimeDistributed(L.Dense(3, activation="tanh")), (2, 4, 5)),
    "Bidirectional": (lambda: L.Bidirectional(L.SimpleRNN(3, return_sequences=True)), (2, 4, 3)),
    "BatchNormalization": (lambda: L.BatchNormalization(axis=1, epsilon=0.01), (3, 4, 5)),
    "GaussianNoise": (lambda: L.GaussianNoise(0.3, seed=1), (2, 5)),
    "GaussianDropout": (lambda: L.GaussianDropout(0.3, seed=1), (2, 5)),
    "AlphaDropout": (lambda: L.AlphaDropout(0.3, seed=1), (2, 5)),
    "ReLU": (lambda: L.ReLU(max_value=2.0, negative_slope=0.1), (2, 3, 5)),
    "LeakyReLU": (lambda: L.LeakyReLU(0.2), (2, 5)),
    "PReLU": (lambda: L.PReLU(alpha_initializer="random_normal", shared_axes=[1]), (2, 3, 4)),
    "ELU": (lambda: L.ELU(0.7), (2, 5)),
    "ThresholdedReLU": (lambda: L.ThresholdedReLU(0.5), (2, 5)),
    "Softmax": (lambda: L.Softmax(), (2, 5)),
    "ParametricSoftplus": (lambda: L.ParametricSoftplus(shared_axes=[2]), (2, 3, 4)),
    "SReLU": (lambda: L.SReLU(a_right_init="random_uniform"), (2, 3, 4)),
    "LocallyConnected2D": (lambda: L.LocallyConnected2D(2, (2, 3)), (2, 4, 5, 2)),
}
for rank, size in ((1, (2, 7, 3)), (2, (2, 7, 6, 3)), (3, (1, 5, 4, 4, 2))):
    for kind in ("MaxPooling", "AveragePooling", "MaxPool", "AvgPool"):
        EXAMPLES[f"{kind}{rank}D"] = (lambda k=kind, r=rank: getattr(L, f"{k}{r}D")(3, strides=1 if r < 3 else 2), size)
    for kind in ("GlobalMaxPooling", "GlobalAveragePooling", "GlobalMaxPool", "GlobalAvgPool"):
        EXAMPLES[f"{kind}{rank}D"] = (lambda k=kind, r=rank: getattr(L, f"{k}{r}D")(), size)

EXAMPLES.update({
    "Embedding": (lambda: L.Embedding(7, 3, input_length=4), (2, 4)),
    "Add": (lambda: L.Add(), [(2, 3, 4), (2, 3, 4), (2, 1, 4)]),
    "Subtract": (lambda: L.Subtract(), [(2, 5), (2, 5)]),
    "Multiply": (lambda: L.Multiply(), [(2, 3, 4), (2, 3, 4), (2, 4)]),
    "Average": (lambda: L.Average(), [(2, 5), (2, 5), (2, 5)]),
    "Maximum": (lambda: L.Maximum(), [(2, 3, 4), (2, 3, 4)]),
    "Minimum": (lambda: L.Minimum(), [(2, 3, 4), (2, 3, 4), (2, 3, 4)]),
    "Concatenate": (lambda: L.Concatenate(axis=1), [(2, 3, 4), (2, 2, 4)]),
    "Dot": (lambda: L.Dot(axes=(2, 1), normalize=True), [(2, 3, 4), (2, 4, 5)]),
})
#: layers whose input is integer indices: name -> vocabulary size (sample from [0, size))
INTEGER_INPUTS = {"Embedding": 7}


def sample(rng, name, shape, dtype=None):
    """An input for EXAMPLES[name]: a list of arrays for merges (list of shapes), indices for Embedding."""
    if isinstance(shape, list):
        return [sample(rng, name, s, dtype) for s in shape]
    if name in INTEGER_INPUTS:
        return rng.integers(0, INTEGER_INPUTS[name], size=shape)
    x = rng.standard_normal(shape)
    return x if dtype is None else x.astype(dtype)


def batchless(shape):
    return [(None,) + s[1:] for s in shape] if isinstance(shape, list) else (None,) + shape[1:]


LAYER_NAMES = [n for n in L.__all__ if isinstance(getattr(L, n), type)
               and issubclass(getattr(L, n), L.Layer) and n != "Layer"]
# elementwise layers take any rank, as in Keras: a (1,) input is a batch of one scalar
ANY_RANK = ("Lambda", "Activation", "Dropout", "ActivityRegularization", "ReLU", "LeakyReLU", "ELU",
            "ThresholdedReLU", "Softmax", "GaussianNoise", "GaussianDropout", "AlphaDropout")


def test_every_layer_has_an_example():
    assert sorted(set(LAYER_NAMES) - set(EXAMPLES)) == []


def test_catalogue_families_are_complete():
    """Every layer the catalogue lists for the core, convolutional, pooling and locally connected
    families (and its legacy Keras 1 names) is importable from el.layers."""
    wanted = """Dense Activation Dropout Flatten Reshape Permute RepeatVector Lambda ActivityRegularization
    Masking Highway MaxoutDense Conv1D Conv2D Conv3D SeparableConv1D SeparableConv2D DepthwiseConv2D
    Conv1DTranspose Conv2DTranspose Conv3DTranspose Cropping1D Cropping2D Cropping3D UpSampling1D
    UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D Convolution1D Convolution2D
    Convolution3D AtrousConvolution1D AtrousConvolution2D SeparableConvolution2D Deconvolution2D
    MaxPooling1D MaxPooling2D MaxPooling3D AveragePooling1D AveragePooling2D AveragePooling3D
    GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D GlobalAveragePooling1D
    GlobalAveragePooling2D GlobalAveragePooling3D LocallyConnected1D LocallyConnected2D""".split()
    assert [n for n in wanted if not hasattr(L, n)] == []


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_explain_adds_up(name):
    make, shape = EXAMPLES[name]
    layer = make()
    batch_shape = batchless(shape)
    ex = layer.explain(batch_shape)
    assert ex.param_count == evaluate_arithmetic(ex.param_formula)
    assert ex.output_shape == layer.compute_output_shape(batch_shape) or isinstance(ex.output_shape, list)
    assert ex.formula.strip() and ex.shape_trace[0].shape == batch_shape
    assert f"{ex.param_count}" in str(ex) and "$$" in ex._repr_markdown_()
    y = layer(sample(np.random.default_rng(0), name, shape))
    assert layer.count_params() == ex.param_count
    assert tuple(y.shape[1:]) == tuple(ex.output_shape[1:])


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_paths_and_gradients(name):
    make, shape = EXAMPLES[name]
    x = sample(np.random.default_rng(1), name, shape)
    layer = as64(make())
    assert_paths_agree(layer, x)
    assert_gradcheck(make(), x, max_checks=60)


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_config_round_trip(name):
    make, shape = EXAMPLES[name]
    layer = make()
    config = layer.get_config()
    clone = type(layer)(**config)
    assert clone.get_config() == config


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_wrong_rank_names_the_layer(name):
    make, shape = EXAMPLES[name]
    layer = make()
    if name in ANY_RANK:
        pytest.skip("accepts any rank, as in Keras")
    # Flatten takes rank >= 1 (a batch of scalars becomes (batch, 1), as in Keras 3)
    bad = np.zeros(()) if name == "Flatten" else np.zeros((1,))
    with pytest.raises(ValueError, match=type(layer).__name__):
        layer(bad)


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_float32_in_float32_out(name):
    make, shape = EXAMPLES[name]
    layer = make()
    y = layer(sample(np.random.default_rng(2), name, shape, dtype=np.float32))
    assert y.dtype == np.float32
    dx = layer.backward(np.ones_like(y))
    if name in INTEGER_INPUTS:
        assert dx is None                  # integer indices have no gradient
    else:
        assert all(d.dtype == np.float32 for d in (dx if isinstance(dx, list) else [dx]))
