"""Regression tests of seven layer fixes.

1. ConvND / ConvNDTranspose / LocallyConnected with ``channels_first`` apply an axis-dependent
   activation (softmax) over the LAST axis of their output, as Keras does.
2. Every layer class can be called on ``el.Input`` (functional call); the symbolic shape is
   ``compute_output_shape`` and the real forward's shape (the RNN layers skipped that branch).
3. A frozen layer (a frozen RNN cell, a frozen wrapped layer) backpropagates and reports no
   weight gradients.
4. Embedding refuses out-of-range and negative indices, naming the layer, the index and input_dim.
5. TimeDistributed and Bidirectional errors name the wrapper and the shape the user passed.
6. A refused first call leaves the layer unbuilt, without weights; a good call afterwards works
   (and draws the same weights as if the refused call had not happened).
7. NaN and +-inf propagate as in Keras 3 on both paths (ReLU, ThresholdedReLU, max pooling,
   global max pooling).
"""
import numpy as np
import pytest

import edulayers as el
from twins import as64, assert_gradcheck, assert_paths_agree, compare_with_keras

L = el.layers


# ============================================================================ the catalogue
# name -> (factory taking the Layer keyword arguments, input shape(s) without the batch axis).
# Embedding takes integer indices (see _sample).
CATALOGUE = {
    # core
    "Dense": (lambda **kw: L.Dense(3, **kw), (4,)),
    "Activation": (lambda **kw: L.Activation("tanh", **kw), (4,)),
    "Dropout": (lambda **kw: L.Dropout(0.5, **kw), (4,)),
    "Flatten": (lambda **kw: L.Flatten(**kw), (3, 2)),
    "Reshape": (lambda **kw: L.Reshape((2, 3), **kw), (6,)),
    "Permute": (lambda **kw: L.Permute((2, 1), **kw), (3, 2)),
    "RepeatVector": (lambda **kw: L.RepeatVector(3, **kw), (4,)),
    "Lambda": (lambda **kw: L.Lambda(lambda x: 2 * x, **kw), (4,)),
    "ActivityRegularization": (lambda **kw: L.ActivityRegularization(l1=0.1, **kw), (4,)),
    "Masking": (lambda **kw: L.Masking(**kw), (3, 4)),
    "Highway": (lambda **kw: L.Highway(**kw), (4,)),
    "MaxoutDense": (lambda **kw: L.MaxoutDense(3, nb_feature=2, **kw), (4,)),
    # convolutional
    "Conv1D": (lambda **kw: L.Conv1D(2, 3, **kw), (6, 2)),
    "Conv2D": (lambda **kw: L.Conv2D(2, 3, **kw), (5, 5, 2)),
    "Conv3D": (lambda **kw: L.Conv3D(2, 2, **kw), (3, 3, 3, 2)),
    "Convolution1D": (lambda **kw: L.Convolution1D(2, 3, **kw), (6, 2)),
    "Convolution2D": (lambda **kw: L.Convolution2D(2, 3, 3, **kw), (5, 5, 2)),
    "Convolution3D": (lambda **kw: L.Convolution3D(2, 2, 2, 2, **kw), (3, 3, 3, 2)),
    "AtrousConvolution1D": (lambda **kw: L.AtrousConvolution1D(2, 2, atrous_rate=2, **kw), (6, 2)),
    "AtrousConvolution2D": (lambda **kw: L.AtrousConvolution2D(2, 2, 2, atrous_rate=(2, 2), **kw),
                            (5, 5, 2)),
    "Conv1DTranspose": (lambda **kw: L.Conv1DTranspose(2, 3, strides=2, **kw), (4, 2)),
    "Conv2DTranspose": (lambda **kw: L.Conv2DTranspose(2, 3, strides=2, **kw), (3, 3, 2)),
    "Conv3DTranspose": (lambda **kw: L.Conv3DTranspose(2, 2, **kw), (2, 2, 2, 2)),
    "Deconvolution2D": (lambda **kw: L.Deconvolution2D(2, 3, 3, **kw), (3, 3, 2)),
    "Convolution2DTranspose": (lambda **kw: L.Convolution2DTranspose(2, 3, **kw), (3, 3, 2)),
    "SeparableConv1D": (lambda **kw: L.SeparableConv1D(3, 2, **kw), (5, 2)),
    "SeparableConv2D": (lambda **kw: L.SeparableConv2D(3, 2, **kw), (4, 4, 2)),
    "SeparableConvolution1D": (lambda **kw: L.SeparableConvolution1D(3, 2, **kw), (5, 2)),
    "SeparableConvolution2D": (lambda **kw: L.SeparableConvolution2D(3, 2, 2, **kw), (4, 4, 2)),
    "DepthwiseConv1D": (lambda **kw: L.DepthwiseConv1D(2, **kw), (5, 2)),
    "DepthwiseConv2D": (lambda **kw: L.DepthwiseConv2D(2, **kw), (4, 4, 2)),
    "Cropping1D": (lambda **kw: L.Cropping1D((1, 2), **kw), (6, 2)),
    "Cropping2D": (lambda **kw: L.Cropping2D(((1, 0), (0, 1)), **kw), (4, 4, 2)),
    "Cropping3D": (lambda **kw: L.Cropping3D(**kw), (4, 4, 4, 1)),
    "UpSampling1D": (lambda **kw: L.UpSampling1D(**kw), (3, 2)),
    "UpSampling2D": (lambda **kw: L.UpSampling2D(**kw), (2, 3, 2)),
    "UpSampling3D": (lambda **kw: L.UpSampling3D(**kw), (2, 2, 2, 1)),
    "ZeroPadding1D": (lambda **kw: L.ZeroPadding1D(**kw), (3, 2)),
    "ZeroPadding2D": (lambda **kw: L.ZeroPadding2D(**kw), (2, 3, 2)),
    "ZeroPadding3D": (lambda **kw: L.ZeroPadding3D(**kw), (2, 2, 2, 1)),
    # pooling
    **{f"{kind}{rank}D": ((lambda kind=kind, rank=rank: lambda **kw: getattr(L, f"{kind}{rank}D")(**kw))(),
                          {1: (4, 2), 2: (4, 4, 2), 3: (4, 4, 4, 1)}[rank])
       for kind in ("MaxPooling", "AveragePooling", "MaxPool", "AvgPool", "GlobalMaxPooling",
                    "GlobalAveragePooling", "GlobalMaxPool", "GlobalAvgPool")
       for rank in (1, 2, 3)},
    # locally connected
    "LocallyConnected1D": (lambda **kw: L.LocallyConnected1D(2, 3, **kw), (6, 2)),
    "LocallyConnected2D": (lambda **kw: L.LocallyConnected2D(2, 3, **kw), (5, 5, 2)),
    # recurrent: the cells called on one step (batch, input_dim)
    "RNN": (lambda **kw: L.RNN(L.SimpleRNNCell(3), **kw), (5, 2)),
    "SimpleRNNCell": (lambda **kw: L.SimpleRNNCell(3, **kw), (2,)),
    "SimpleRNN": (lambda **kw: L.SimpleRNN(3, **kw), (5, 2)),
    "LSTMCell": (lambda **kw: L.LSTMCell(3, **kw), (2,)),
    "LSTM": (lambda **kw: L.LSTM(3, **kw), (5, 2)),
    "GRU": (lambda **kw: L.GRU(3, **kw), (5, 2)),
    "GRUCell": (lambda **kw: L.GRUCell(3, **kw), (2,)),
    # embedding
    "Embedding": (lambda **kw: L.Embedding(10, 3, **kw), (5,)),
    # advanced activations
    "ReLU": (lambda **kw: L.ReLU(max_value=1.0, **kw), (3, 4)),
    "LeakyReLU": (lambda **kw: L.LeakyReLU(**kw), (3, 4)),
    "PReLU": (lambda **kw: L.PReLU(**kw), (3, 4)),
    "ELU": (lambda **kw: L.ELU(**kw), (3, 4)),
    "ThresholdedReLU": (lambda **kw: L.ThresholdedReLU(**kw), (3, 4)),
    "Softmax": (lambda **kw: L.Softmax(**kw), (3, 4)),
    "ParametricSoftplus": (lambda **kw: L.ParametricSoftplus(**kw), (3, 4)),
    "SReLU": (lambda **kw: L.SReLU(**kw), (3, 4)),
    # normalization, noise
    "BatchNormalization": (lambda **kw: L.BatchNormalization(**kw), (4,)),
    "GaussianNoise": (lambda **kw: L.GaussianNoise(0.1, **kw), (4,)),
    "GaussianDropout": (lambda **kw: L.GaussianDropout(0.2, **kw), (4,)),
    "AlphaDropout": (lambda **kw: L.AlphaDropout(0.2, **kw), (4,)),
    # wrappers
    "TimeDistributed": (lambda **kw: L.TimeDistributed(L.Dense(3), **kw), (5, 4)),
    "Bidirectional": (lambda **kw: L.Bidirectional(L.LSTM(3), **kw), (5, 2)),
    # merge
    "Add": (lambda **kw: L.Add(**kw), [(4,), (4,)]),
    "Subtract": (lambda **kw: L.Subtract(**kw), [(4,), (4,)]),
    "Multiply": (lambda **kw: L.Multiply(**kw), [(4,), (4,)]),
    "Average": (lambda **kw: L.Average(**kw), [(4,), (4,), (4,)]),
    "Maximum": (lambda **kw: L.Maximum(**kw), [(4,), (4,)]),
    "Minimum": (lambda **kw: L.Minimum(**kw), [(4,), (4,)]),
    "Concatenate": (lambda **kw: L.Concatenate(**kw), [(4,), (3,)]),
    "Dot": (lambda **kw: L.Dot(axes=1, **kw), [(4,), (4,)]),
    "Merge": (lambda **kw: L.Merge(mode="sum", **kw), [(4,), (4,)]),   # Keras 1 (a function)
}


def _catalogue_names():
    """Every layer of el.layers: the classes, and Keras 1's Merge (a function making a layer)."""
    names = []
    for name in L.__all__:
        value = getattr(L, name)
        if name in ("Layer", "InputSpec", "Input"):
            continue
        if isinstance(value, type) and issubclass(value, L.Layer) or name == "Merge":
            names.append(name)
    return names


def _sample(name, shape, rng, batch=2):
    if isinstance(shape, list):
        return [_sample(name, s, rng, batch) for s in shape]
    if name == "Embedding":
        return rng.integers(0, 10, size=(batch,) + shape)
    return rng.standard_normal((batch,) + shape)


def _symbolic(name, shape):
    if isinstance(shape, list):
        return [_symbolic(name, s) for s in shape]
    return el.Input(shape, dtype="int64" if name == "Embedding" else None)


def _with_batch(shape, batch):
    if isinstance(shape, list):
        return [_with_batch(s, batch) for s in shape]
    return (batch,) + tuple(shape[1:])


def _shapes(value):
    if isinstance(value, (list, tuple)) and not isinstance(value[0], (int, type(None))):
        return [_shapes(v) for v in value]
    return tuple(value.shape) if hasattr(value, "shape") else tuple(value)


def test_the_table_covers_the_catalogue():
    assert sorted(_catalogue_names()) == sorted(CATALOGUE), \
        "a layer of el.layers without a row in CATALOGUE (or a row without a layer)"


# ============================================================================ 2. functional calls
@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_layer_calls_on_symbolic_inputs(name, rng):
    make, shape = CATALOGUE[name]
    layer = make()
    inputs = _symbolic(name, shape)
    outputs = layer(inputs)
    symbolic_shape = _shapes(outputs)
    batch_none = [(None,) + s for s in shape] if isinstance(shape, list) else (None,) + shape
    assert symbolic_shape == _shapes(layer.compute_output_shape(batch_none))
    y = layer(_sample(name, shape, rng))
    assert _shapes(y) == _with_batch(symbolic_shape, 2)
    # and in a functional model
    model = el.Model(inputs, outputs)
    assert _shapes(model.predict(_sample(name, shape, rng))) == _with_batch(symbolic_shape, 2)


def test_recurrent_layers_call_on_symbolic_inputs_with_initial_state(rng):
    x, h, c = el.Input((5, 3)), el.Input((4,)), el.Input((4,))
    y = L.LSTM(4, return_sequences=True)(x, initial_state=[h, c])
    assert y.shape == (None, 5, 4)
    out, *states = L.GRU(4, return_state=True)(x)
    assert out.shape == (None, 4) and [s.shape for s in states] == [(None, 4)]
    model = el.Model([x, h, c], y)
    assert model.predict([rng.standard_normal((2, 5, 3)), np.zeros((2, 4)),
                          np.zeros((2, 4))]).shape == (2, 5, 4)


def test_lstm_on_input_as_the_report_wrote_it():
    assert L.LSTM(4)(el.Input((5, 3))).shape == (None, 4)


# ============================================================================ 3. frozen layers
def _has_weights(name):
    make, shape = CATALOGUE[name]
    layer = make()
    layer.build([(None,) + s for s in shape] if isinstance(shape, list) else (None,) + shape)
    return bool(layer.weights)


WEIGHTED = [n for n in sorted(CATALOGUE) if _has_weights(n)]


@pytest.mark.parametrize("path", ["fast", "reference"])
@pytest.mark.parametrize("name", WEIGHTED)
def test_frozen_layer_backward_reports_no_gradients(name, path, rng):
    make, shape = CATALOGUE[name]
    layer = as64(make(trainable=False))
    x = _sample(name, shape, rng)
    y = layer(x, path=path, training=True)
    assert layer.params == {} and layer.weights
    before = {k: w.copy() for k, w in layer.weights.items()}
    dy = [rng.standard_normal(np.shape(o)) for o in y] if isinstance(y, list) else \
        rng.standard_normal(np.shape(y))
    dx = layer.backward(dy)
    assert layer.grads == {}
    if name != "Embedding":                       # indices have no gradient
        assert _shapes(dx) == _shapes(x)
    assert all(np.array_equal(before[k], w) for k, w in layer.weights.items())


FROZEN_INSIDE = {
    "RNN(LSTMCell frozen)": lambda: L.RNN(L.LSTMCell(4, trainable=False)),
    "RNN(GRUCell frozen)": lambda: L.RNN(L.GRUCell(4, trainable=False), return_sequences=True),
    "RNN(SimpleRNNCell frozen)": lambda: L.RNN(L.SimpleRNNCell(4, trainable=False), return_state=True),
    "RNN frozen, cell trainable": lambda: L.RNN(L.LSTMCell(4), trainable=False),
    "TimeDistributed(Dense frozen)": lambda: L.TimeDistributed(L.Dense(3, trainable=False)),
    "TimeDistributed frozen": lambda: L.TimeDistributed(L.Dense(3), trainable=False),
    "Bidirectional(LSTM frozen)": lambda: L.Bidirectional(L.LSTM(3, trainable=False)),
    "Bidirectional(GRU frozen, sequences)": lambda: L.Bidirectional(
        L.GRU(3, trainable=False, return_sequences=True), merge_mode="sum"),
    "Bidirectional(RNN(LSTMCell frozen))": lambda: L.Bidirectional(L.RNN(L.LSTMCell(3, trainable=False))),
}


@pytest.mark.parametrize("path", ["fast", "reference"])
@pytest.mark.parametrize("what", sorted(FROZEN_INSIDE))
def test_frozen_cell_or_wrapped_layer_never_crashes_backward(what, path, rng):
    layer = as64(FROZEN_INSIDE[what]())
    x = rng.standard_normal((2, 5, 3))
    y = layer(x, path=path)
    assert layer.params == {} and layer.weights
    dy = [rng.standard_normal(np.shape(o)) for o in y] if isinstance(y, list) else \
        rng.standard_normal(np.shape(y))
    dx = layer.backward(dy)
    assert layer.grads == {}
    assert np.shape(dx) == x.shape and np.all(np.isfinite(dx))


def test_frozen_cell_input_gradient_is_the_trainable_ones(rng):
    """Freezing changes which gradients are reported, not dL/dx."""
    x, dy = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4))
    for cell in (L.LSTMCell, L.GRUCell, L.SimpleRNNCell):
        el.set_random_seed(1)
        free = as64(L.RNN(cell(4)))
        el.set_random_seed(1)
        frozen = as64(L.RNN(cell(4, trainable=False)))
        free(x), frozen(x)
        frozen.set_weights(free.get_weights())
        for path in ("fast", "reference"):
            free(x, path=path), frozen(x, path=path)
            np.testing.assert_allclose(frozen.backward(dy), free.backward(dy), rtol=1e-12, atol=1e-12)
            assert set(free.grads) == set(free.params) and frozen.grads == {}


# ============================================================================ 1. channels_first
CONV_CASES = {
    "Conv1D": (lambda **kw: L.Conv1D(3, 2, **kw), (2, 5)),
    "Conv2D": (lambda **kw: L.Conv2D(3, 2, padding="same", **kw), (2, 4, 5)),
    "Conv3D": (lambda **kw: L.Conv3D(3, 2, **kw), (2, 3, 4, 5)),
    "Conv1DTranspose": (lambda **kw: L.Conv1DTranspose(3, 2, strides=2, **kw), (2, 5)),
    "Conv2DTranspose": (lambda **kw: L.Conv2DTranspose(3, 2, strides=2, **kw), (2, 3, 4)),
    "Conv3DTranspose": (lambda **kw: L.Conv3DTranspose(3, 2, **kw), (2, 2, 3, 4)),
    "LocallyConnected1D": (lambda **kw: L.LocallyConnected1D(3, 2, **kw), (2, 5)),
    "LocallyConnected2D": (lambda **kw: L.LocallyConnected2D(3, 2, **kw), (2, 3, 4)),
    "SeparableConv2D": (lambda **kw: L.SeparableConv2D(3, 2, **kw), (2, 4, 5)),
    "DepthwiseConv2D": (lambda **kw: L.DepthwiseConv2D(2, **kw), (2, 4, 5)),
}


def _log_softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


@pytest.mark.parametrize("activation", ["softmax", "log_softmax"])
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_channels_first_activation_acts_on_the_last_axis(name, activation, rng):
    """Derived without Keras: the channels_last layer (same weights, no activation) on the
    transposed input, transposed back to channels_first, then the activation over the LAST axis."""
    make, shape = CONV_CASES[name]
    x = rng.standard_normal((2,) + shape)
    first = as64(make(data_format="channels_first", activation=activation))
    last = as64(make(data_format="channels_last"))
    to_last = (0,) + tuple(range(2, x.ndim)) + (1,)
    to_first = (0, x.ndim - 1) + tuple(range(1, x.ndim - 1))
    first(x)
    last(np.transpose(x, to_last))
    last.set_weights(first.get_weights())
    z = np.transpose(last(np.transpose(x, to_last)), to_first)
    expected = np.exp(_log_softmax(z)) if activation == "softmax" else _log_softmax(z)
    for path in ("fast", "reference"):
        np.testing.assert_allclose(first(x, path=path), expected, rtol=1e-12, atol=1e-13)
    if activation == "softmax":
        np.testing.assert_allclose(first(x).sum(axis=-1), 1.0, rtol=1e-12)
    assert_paths_agree(first, x)
    # a per-channel bias is constant along the softmax axis, so its gradient is exactly 0 and a
    # relative error means nothing there: check the gradients without it
    assert_gradcheck(as64(make(data_format="channels_first", activation=activation, use_bias=False)), x)


@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_channels_last_softmax_is_unchanged(name, rng):
    """channels_last: the last axis is the channels, as before the fix."""
    make, shape = CONV_CASES[name]
    x = rng.standard_normal((2,) + shape[1:] + shape[:1])
    layer = as64(make(activation="softmax"))
    linear = as64(make())
    layer(x), linear(x)
    linear.set_weights(layer.get_weights())
    z = linear(x)
    np.testing.assert_allclose(layer(x), np.exp(_log_softmax(z)), rtol=1e-12, atol=1e-13)


KERAS_CONV = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
              "SeparableConv2D", "DepthwiseConv2D"]


def _keras_conv(keras, name):
    k = keras.layers
    return {
        "Conv1D": lambda: k.Conv1D(3, 2, data_format="channels_first", activation="softmax"),
        "Conv2D": lambda: k.Conv2D(3, 2, padding="same", data_format="channels_first",
                                   activation="softmax"),
        "Conv3D": lambda: k.Conv3D(3, 2, data_format="channels_first", activation="softmax"),
        "Conv1DTranspose": lambda: k.Conv1DTranspose(3, 2, strides=2, data_format="channels_first",
                                                     activation="softmax"),
        "Conv2DTranspose": lambda: k.Conv2DTranspose(3, 2, strides=2, data_format="channels_first",
                                                     activation="softmax"),
        "Conv3DTranspose": lambda: k.Conv3DTranspose(3, 2, data_format="channels_first",
                                                     activation="softmax"),
        "SeparableConv2D": lambda: k.SeparableConv2D(3, 2, data_format="channels_first",
                                                     activation="softmax"),
        "DepthwiseConv2D": lambda: k.DepthwiseConv2D(2, data_format="channels_first",
                                                     activation="softmax"),
    }[name]()


@pytest.mark.parametrize("path", ["fast", "reference"])
@pytest.mark.parametrize("name", KERAS_CONV)
def test_channels_first_softmax_matches_keras(keras, name, path, rng):
    """Output, dx and the weight gradients against Keras 3 (same weights), on both paths."""
    make, shape = CONV_CASES[name]
    x = rng.standard_normal((2,) + shape)
    layer = make(data_format="channels_first", activation="softmax")
    if path == "reference":                      # compare_with_keras runs the fast path:
        forward = layer.forward                  # send its calls down the reference path
        layer.forward = lambda inputs, **kw: forward(inputs, **{**kw, "path": "reference"})
    compare_with_keras(layer, _keras_conv(keras, name), x)


# ============================================================================ 4. Embedding indices
@pytest.mark.parametrize("built", [False, True])
@pytest.mark.parametrize("bad, shown", [(10, "indices[0,1] = 10"), (-1, "indices[0,1] = -1"),
                                        (12, "indices[0,1] = 12")])
def test_embedding_refuses_out_of_range_indices(bad, shown, built):
    layer = L.Embedding(10, 3)
    if built:
        layer(np.array([[1, 2]]))
    before = {k: w.copy() for k, w in layer.weights.items()}
    name, attributes = layer.name, set(vars(layer))
    with pytest.raises(ValueError) as err:
        layer(np.array([[1, bad], [0, 3]]))
    message = str(err.value)
    assert "Embedding 'embedding'" in message and shown in message
    assert "input_dim=10" in message and "vocabulary size" in message and "[0, 10)" in message
    assert layer.built is built and layer.name == name and set(vars(layer)) == attributes
    assert layer.weights.keys() == before.keys()
    assert all(np.array_equal(before[k], w) for k, w in layer.weights.items())
    assert layer(np.array([[9, 0]])).shape == (1, 2, 3)


def test_embedding_names_every_offending_index_and_the_mask_zero_hint():
    with pytest.raises(ValueError, match=r"got \[-2, 11\]: indices\[0,0\] = -2, indices\[1,1\] = 11;"):
        L.Embedding(10, 3)(np.array([[-2, 1], [3, 11]]))
    with pytest.raises(ValueError, match="mask_zero=True index 0 is padding"):
        L.Embedding(5, 2, mask_zero=True)(np.array([[5]]))
    with pytest.raises(ValueError, match=r"and 3 more"):
        L.Embedding(2, 2)(np.arange(2, 10)[None])


def test_embedding_refused_call_does_not_draw_the_weights():
    el.set_random_seed(7)
    refused = L.Embedding(10, 3)
    with pytest.raises(ValueError):
        refused(np.array([[10]]))
    refused(np.array([[1]]))
    el.set_random_seed(7)
    fresh = L.Embedding(10, 3)
    fresh(np.array([[1]]))
    np.testing.assert_array_equal(refused.embeddings, fresh.embeddings)


# ============================================================================ 5. wrapper errors
@pytest.mark.parametrize("path", ["fast", "reference"])
def test_time_distributed_error_names_the_wrapper_and_the_shape_passed(path, rng):
    layer = L.TimeDistributed(L.Dense(3))
    layer(rng.standard_normal((2, 5, 3)))
    weights = {k: w.copy() for k, w in layer.weights.items()}
    for bad in [(2, 5, 4), (2, 5, 3, 1)]:                 # wrong last size, wrong rank
        with pytest.raises(ValueError) as err:
            layer(rng.standard_normal(bad), path=path)
        message = str(err.value)
        assert message.startswith("TimeDistributed 'time_distributed'")
        assert f"got input of shape {bad}" in message
        assert "Dense 'dense'" in message                 # and what the wrapped layer said
    with pytest.raises(ValueError, match=r"TimeDistributed 'time_distributed' expected input of "
                                         r"rank >= 3.*got shape \(2, 5\)"):
        layer(rng.standard_normal((2, 5)), path=path)
    assert all(np.array_equal(weights[k], w) for k, w in layer.weights.items())
    assert layer(rng.standard_normal((2, 4, 3)), path=path).shape == (2, 4, 3)


def test_time_distributed_symbolic_call_checks_a_built_layer():
    layer = L.TimeDistributed(L.Dense(3))
    layer(el.Input((5, 3)))
    with pytest.raises(ValueError, match=r"TimeDistributed 'time_distributed' got input of shape "
                                         r"\(None, 5, 4\)"):
        layer(el.Input((5, 4)))


@pytest.mark.parametrize("path", ["fast", "reference"])
def test_time_distributed_forward_errors_of_the_wrapped_layer_name_the_wrapper(path, rng):
    layer = L.TimeDistributed(L.Conv1D(2, 3))
    layer(rng.standard_normal((2, 5, 4, 1)))
    with pytest.raises(ValueError) as err:
        layer(rng.standard_normal((2, 5, 2, 1)), path=path)       # a slice too short for the kernel
    message = str(err.value)
    assert message.startswith("TimeDistributed 'time_distributed' got input of shape (2, 5, 2, 1)")
    assert "Conv1D 'conv1d'" in message
    with pytest.raises(ValueError, match=r"^TimeDistributed 'time_distributed_1' got input of shape "
                                         r"\(None, 5, 2, 1\).*Conv1D 'conv1d_1'"):
        L.TimeDistributed(L.Conv1D(2, 3))(rng.standard_normal((2, 5, 2, 1)))   # unbuilt


@pytest.mark.parametrize("path", ["fast", "reference"])
def test_bidirectional_error_names_the_wrapper_and_the_shape_passed(path, rng):
    layer = L.Bidirectional(L.LSTM(3))
    layer(rng.standard_normal((2, 5, 3)))
    weights = {k: w.copy() for k, w in layer.weights.items()}
    for bad, what in [((2, 5, 4), "axis -1"), ((2, 5, 3, 1), "rank 3"), ((2, 5), "rank 3")]:
        with pytest.raises(ValueError) as err:
            layer(rng.standard_normal(bad), path=path)
        message = str(err.value)
        assert message.startswith("Bidirectional 'bidirectional'") and what in message
        assert f"got shape {bad}" in message
    with pytest.raises(ValueError, match=r"^Bidirectional 'bidirectional' got input of shape "
                                         r"\(2, 5, 3\): its forward layer refuses it: .*mask"):
        layer(rng.standard_normal((2, 5, 3)), mask=np.ones((2, 4), bool), path=path)
    with pytest.raises(ValueError, match=r"^Bidirectional 'bidirectional'.*\(None, 5, 4\)"):
        layer(el.Input((5, 4)))
    assert all(np.array_equal(weights[k], w) for k, w in layer.weights.items())
    assert layer(rng.standard_normal((2, 4, 3)), path=path).shape == (2, 6)


# ============================================================================ 6. refused first calls
class _HalfBuilt(L.Layer):
    """Creates one weight, then refuses the shape: the build must be undone."""

    def build(self, input_shape):
        self.add_weight("kernel", (input_shape[-1], 2))
        if input_shape[-1] != 3:
            raise ValueError("_HalfBuilt wants 3 features")

    def forward(self, x, training=False):
        return x @ self.kernel


REFUSED_FIRST_CALLS = {
    "Dense, rank 1": (lambda: L.Dense(3), lambda r: r.standard_normal(3), lambda r: r.standard_normal((2, 4))),
    "Conv2D, input smaller than the kernel": (lambda: L.Conv2D(2, 3), lambda r: r.standard_normal((1, 2, 2, 1)),
                                              lambda r: r.standard_normal((1, 4, 4, 1))),
    "Embedding, index out of range": (lambda: L.Embedding(5, 2), lambda r: np.array([[5]]),
                                      lambda r: np.array([[4]])),
    "Deconvolution2D, Keras 1 output_shape that does not fit": (
        lambda: L.Deconvolution2D(2, 3, 3, output_shape=(None, 9, 9, 2)),
        lambda r: r.standard_normal((1, 4, 4, 1)), None),
    "a build that fails after add_weight": (lambda: _HalfBuilt(), lambda r: r.standard_normal((2, 4)),
                                            lambda r: r.standard_normal((2, 3))),
    "LSTM, initial state of the wrong size": (
        lambda: L.LSTM(3), lambda r: [r.standard_normal((2, 5, 2)), np.zeros((2, 4)), np.zeros((2, 3))],
        lambda r: r.standard_normal((2, 5, 2))),
    "TimeDistributed(Conv1D), slices too short": (
        lambda: L.TimeDistributed(L.Conv1D(2, 3)), lambda r: r.standard_normal((2, 5, 2, 1)),
        lambda r: r.standard_normal((2, 5, 4, 1))),
    "Bidirectional(GRU), rank 4": (lambda: L.Bidirectional(L.GRU(2)),
                                   lambda r: r.standard_normal((2, 5, 3, 1)),
                                   lambda r: r.standard_normal((2, 5, 3))),
    "Concatenate, mismatched shapes": (
        lambda: L.Concatenate(), lambda r: [r.standard_normal((2, 3, 4)), r.standard_normal((2, 2, 4))],
        lambda r: [r.standard_normal((2, 3, 4)), r.standard_normal((2, 3, 1))]),
    "weights= of the wrong shape": (lambda: L.Dense(2, weights=[np.zeros((3, 3)), np.zeros(2)]),
                                    lambda r: r.standard_normal((2, 3)), None),
}


def _state(layer):
    layers = [layer] + [sub for sub in vars(layer).values() if isinstance(sub, L.Layer)]
    return [(sub.name, sub.built, sorted(vars(sub)), {k: w.copy() for k, w in sub.weights.items()})
            for sub in layers]


@pytest.mark.parametrize("symbolic", [False, True])
@pytest.mark.parametrize("what", sorted(REFUSED_FIRST_CALLS))
def test_a_refused_first_call_leaves_the_layer_unbuilt(what, symbolic, rng):
    make, bad, good = REFUSED_FIRST_CALLS[what]
    el.set_random_seed(3)
    layer = make()
    before = _state(layer)
    x_bad = bad(rng)
    if symbolic:
        if what.startswith("LSTM"):
            pytest.skip("a functional call does not check the initial states' sizes (reported)")
        if isinstance(x_bad, list):
            x_bad = [el.Input(np.shape(a)[1:]) for a in x_bad]
        elif np.asarray(x_bad).dtype.kind == "i" or np.ndim(x_bad) < 2:
            pytest.skip("no symbolic twin of this input (values or a rank below 2)")
        else:
            x_bad = el.Input(np.shape(x_bad)[1:])
    with pytest.raises(ValueError):
        layer(x_bad)
    assert layer.built is False and layer.weights == {}
    assert layer.built_input_shape is None
    after = _state(layer)
    assert [s[:3] for s in after] == [s[:3] for s in before]
    if good is None:
        return
    x_good = good(rng)
    y = layer(x_good)
    assert layer.built
    # the refused call drew nothing: the weights are those of a layer that never saw it
    el.set_random_seed(3)
    fresh = make()
    fresh(x_good)
    for (k, w), w_fresh in zip(layer.weights.items(), fresh.weights.values()):
        np.testing.assert_array_equal(w, w_fresh, err_msg=k)
    np.testing.assert_array_equal(y if not isinstance(y, list) else y[0],
                                  fresh(x_good) if not isinstance(y, list) else fresh(x_good)[0])


def test_a_refused_direct_build_is_undone():
    layer = _HalfBuilt()
    with pytest.raises(ValueError, match="wants 3 features"):
        layer.build((None, 4))
    assert layer.built is False and layer.weights == {} and not hasattr(layer, "_building") \
        or layer._building is False
    layer.build((None, 3))
    assert layer.built and layer.weights["kernel"].shape == (3, 2)


def test_a_refused_call_of_a_built_layer_changes_nothing(rng):
    """The last call's cache and path stay: backward still follows the call that ran."""
    layer = as64(L.Dense(3))
    x = rng.standard_normal((2, 4))
    y = layer(x)
    dy = rng.standard_normal(y.shape)
    expected = layer.backward(dy)
    layer(x)
    weights = {k: w.copy() for k, w in layer.weights.items()}
    with pytest.raises(ValueError):
        layer(rng.standard_normal((2, 5)), path="reference")
    assert layer.last_call.path == "fast"
    np.testing.assert_array_equal(layer.backward(dy), expected)
    assert all(np.array_equal(weights[k], w) for k, w in layer.weights.items())


# ============================================================================ 7. NaN and inf
SPECIAL = np.array([-np.inf, np.inf, np.nan, -1.0, 0.0, 0.25, 2.0, 7.0])

# Keras 3.15 (keras.layers.ReLU(...)(SPECIAL), identical on TensorFlow and JAX: relu, where, clip)
KERAS_RELU = [
    ({}, [0, np.inf, np.nan, 0, 0, 0.25, 2, 7]),
    ({"max_value": 6.0}, [0, 6, np.nan, 0, 0, 0.25, 2, 6]),
    ({"max_value": 5.0}, [0, 5, np.nan, 0, 0, 0.25, 2, 5]),
    ({"threshold": 0.5}, [0, np.inf, 0, 0, 0, 0, 2, 7]),
    ({"threshold": 0.5, "max_value": 5.0}, [0, 5, 0, 0, 0, 0, 2, 5]),
    ({"negative_slope": 0.1}, [-np.inf, np.inf, np.nan, -0.1, 0, 0.25, 2, 7]),
    ({"max_value": 5.0, "negative_slope": 0.1}, [-np.inf, 5, np.nan, -0.1, 0, 0.25, 2, 5]),
    ({"max_value": 5.0, "negative_slope": 0.1, "threshold": 0.5},
     [-np.inf, 5, np.nan, -0.15, -0.05, -0.025, 2, 5]),
]


@pytest.mark.parametrize("path", ["fast", "reference"])
@pytest.mark.parametrize("kwargs, expected", KERAS_RELU, ids=[str(k) for k, _ in KERAS_RELU])
def test_relu_handles_inf_and_nan_as_keras(kwargs, expected, path):
    layer = as64(L.ReLU(**kwargs))
    np.testing.assert_allclose(layer(SPECIAL, path=path), expected, rtol=1e-12, atol=1e-15)
    dx = layer.backward(np.ones_like(SPECIAL))
    assert np.all(np.isfinite(dx))


@pytest.mark.parametrize("kwargs", [k for k, _ in KERAS_RELU], ids=[str(k) for k, _ in KERAS_RELU])
def test_relu_matches_keras_live(keras, kwargs):
    ours = as64(L.ReLU(**kwargs))
    theirs = np.asarray(keras.layers.ReLU(**kwargs)(SPECIAL))
    for path in ("fast", "reference"):
        np.testing.assert_array_equal(ours(SPECIAL, path=path), theirs)


def test_relu_finite_values_are_el_activations_relu(rng):
    x = rng.standard_normal(200) * 4
    for kwargs, _ in KERAS_RELU:
        np.testing.assert_array_equal(as64(L.ReLU(**kwargs))(x), el.activations.relu(x, **kwargs))


@pytest.mark.parametrize("path", ["fast", "reference"])
def test_thresholded_relu_follows_keras2_product(path):
    """Keras 2: x * [x > theta]; -inf * 0 and NaN * 0 are NaN, finite values below are 0."""
    y = as64(L.ThresholdedReLU(theta=1.0))(SPECIAL, path=path)
    np.testing.assert_array_equal(y, [np.nan, np.inf, np.nan, 0, 0, 0, 2, 7])
    assert not np.signbit(y[3])                     # 0, not -0.0


MAX_POOLS = [(L.MaxPooling1D, {}, (1, 6, 1)), (L.MaxPooling1D, {"strides": 1}, (1, 6, 1)),
             (L.MaxPooling1D, {"pool_size": 3, "padding": "same"}, (1, 6, 1)),
             (L.MaxPooling2D, {}, (1, 4, 4, 2)), (L.MaxPooling2D, {"strides": 1}, (1, 4, 4, 2)),
             (L.MaxPooling2D, {"data_format": "channels_first"}, (1, 2, 4, 4)),
             (L.MaxPooling3D, {}, (1, 4, 4, 2, 1)),
             (L.MaxPooling3D, {"pool_size": 3, "strides": 2, "padding": "same"}, (1, 4, 4, 2, 1))]


@pytest.mark.parametrize("cls, kwargs, shape", MAX_POOLS)
def test_max_pooling_propagates_nan_on_both_paths(cls, kwargs, shape, rng):
    x = rng.standard_normal(shape)
    flat = x.reshape(-1)
    flat[[1, 2, 5]] = np.nan
    flat[3], flat[-1] = np.inf, -np.inf
    layer = as64(cls(**kwargs))
    dy = None
    outputs, grads = [], []
    for path in ("fast", "reference"):
        y = layer(x, path=path)
        dy = rng.standard_normal(y.shape) if dy is None else dy
        outputs.append(y)
        grads.append(layer.backward(dy))
    np.testing.assert_array_equal(outputs[0], outputs[1])          # NaN where NaN, inf where inf
    _same_specials(grads[0], grads[1])              # overlapping windows add in another order
    assert np.isnan(outputs[0]).any()
    # every NaN window gives its whole gradient to a NaN cell (its first one)
    assert np.isclose(grads[0][np.isnan(x)].sum() + grads[0][~np.isnan(x)].sum(), dy.sum())


def test_max_pooling_nan_gradient_goes_to_the_first_nan():
    x = np.array([1.0, np.nan, np.nan, 3.0, np.inf, np.nan, -np.inf, 2.0])[None, :, None]
    layer = as64(L.MaxPooling1D(2))
    for path in ("fast", "reference"):
        y = layer(x, path=path)
        np.testing.assert_array_equal(y.ravel(), [np.nan, np.nan, np.nan, 2.0])
        np.testing.assert_array_equal(layer.backward(np.ones_like(y)).ravel(),
                                      [0, 1, 1, 0, 0, 1, 0, 1])


def test_max_pooling_nan_matches_keras(keras):
    x = np.array([[1.0, np.nan, 3.0, -np.inf, np.inf, np.nan]])[..., None]
    expected = np.asarray(keras.layers.MaxPooling1D(2)(x))
    for path in ("fast", "reference"):
        np.testing.assert_array_equal(L.MaxPooling1D(2, dtype="float64")(x, path=path), expected)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_max_pooling_propagates_nan_on_both_paths(rank, keepdims, rng):
    cls = getattr(L, f"GlobalMaxPooling{rank}D")
    x = rng.standard_normal((2,) + (3,) * rank + (4,))
    x[(0,) + (1,) * rank + (0,)] = np.nan
    x[(0,) + (2,) * rank + (0,)] = np.nan
    x[(1,) + (0,) * rank + (1,)] = np.inf
    x[(1,) + (1,) * rank + (2,)] = -np.inf
    layer = as64(cls(keepdims=keepdims))
    outputs, grads = [], []
    for path in ("fast", "reference"):
        y = layer(x, path=path)
        outputs.append(y)
        grads.append(layer.backward(np.ones_like(y)))
    np.testing.assert_array_equal(outputs[0], outputs[1])
    np.testing.assert_array_equal(grads[0], grads[1])
    y = outputs[0].reshape(2, 4)
    assert np.isnan(y[0, 0]) and y[1, 1] == np.inf and np.isfinite(y[1, 2])
    assert grads[0][(0,) + (1,) * rank + (0,)] == 1 and grads[0][(0,) + (2,) * rank + (0,)] == 0


def test_global_max_pooling_nan_matches_keras(keras):
    x = np.array([[1.0, np.nan, 3.0], [-np.inf, -np.inf, -np.inf]])[..., None]
    expected = np.asarray(keras.layers.GlobalMaxPooling1D()(x))
    for path in ("fast", "reference"):
        np.testing.assert_array_equal(L.GlobalMaxPooling1D(dtype="float64")(x, path=path), expected)


def _same_specials(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    for test in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(test(a), test(b))
    finite = np.isfinite(a)
    np.testing.assert_allclose(a[finite], b[finite], rtol=1e-10, atol=1e-12)


FAST_VS_REFERENCE = (
    [(getattr(L, f"{kind}{rank}D"), kwargs, (2,) + (4,) * rank + (3,))
     for kind in ("MaxPooling", "AveragePooling") for rank in (1, 2, 3)
     for kwargs in ({}, {"strides": 1}, {"pool_size": 3, "padding": "same"},
                    {"data_format": "channels_first"})]
    + [(getattr(L, f"{kind}{rank}D"), kwargs, (2,) + (4,) * rank + (3,))
       for kind in ("GlobalMaxPooling", "GlobalAveragePooling") for rank in (1, 2, 3)
       for kwargs in ({}, {"keepdims": True}, {"data_format": "channels_first"})]
    + [(L.ReLU, kwargs, (2, 4, 5)) for kwargs, _ in KERAS_RELU]
    + [(cls, {}, (2, 4, 5)) for cls in (L.LeakyReLU, L.ELU, L.ThresholdedReLU, L.Softmax, L.PReLU,
                                        L.ParametricSoftplus, L.SReLU)]
)


@pytest.mark.parametrize("cls, kwargs, shape", FAST_VS_REFERENCE,
                         ids=[f"{c.__name__}-{k}" for c, k, _ in FAST_VS_REFERENCE])
def test_fast_and_reference_agree_on_nan_and_inf(cls, kwargs, shape):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape)
    flat = x.reshape(-1)
    picked = rng.choice(flat.size, size=flat.size // 4, replace=False)
    flat[picked] = np.resize([np.nan, np.inf, -np.inf], picked.size)
    layer = as64(cls(**kwargs))
    with np.errstate(invalid="ignore", over="ignore"):
        y_fast = layer(x)
        dy = np.ones_like(y_fast)
        dx_fast = layer.backward(dy)
        y_ref = layer(x, path="reference")
        dx_ref = layer.backward(dy)
    _same_specials(y_fast, y_ref)
    _same_specials(dx_fast, dx_ref)
