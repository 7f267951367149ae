"""Per-call state lives in one record, ``layer.last_call`` (a ``CallRecord``), and a layer called
twice in a functional model (shared weights) gets each call's record back for that node's
backward: the gradients of a shared layer are the sum over its calls, checked by gradcheck for
layers whose backward needs more than ``cache`` (an RNN cell's projected inputs and dropout
masks, a wrapper's inner layers, a masked average)."""
import numpy as np
import pytest

import edulayers as el
from edulayers.layers.base import CallRecord, call_state, restore_call_state

from twins import as64

L = el.layers


def test_forward_starts_a_record_with_path_cache_output_shapes_and_mask(rng):
    layer = as64(L.Dense(3))
    x = rng.standard_normal((2, 4))
    y = layer(x)
    record = layer.last_call
    assert isinstance(record, CallRecord) and record.path == "fast"
    assert record.output_shapes == (2, 3) and record.output is y and record.mask is None
    assert layer.cache is record.cache
    layer.forward(x, path="reference")
    assert layer.last_call is not record and layer.last_call.path == "reference"
    assert record.path == "fast"            # an old record is never rewritten


def test_backward_answers_for_the_record_put_back(rng):
    layer = as64(L.Dense(3))
    x1, x2 = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    dy = rng.standard_normal((2, 3))
    layer(x1)
    first = call_state(layer)
    expected = layer.backward(dy)
    layer(x2)
    restore_call_state(first)
    np.testing.assert_array_equal(layer.backward(dy), expected)


def test_masked_mean_keeps_its_scale_in_the_cache(rng):
    layer = as64(L.GlobalAveragePooling1D())
    x = rng.standard_normal((2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    layer(x, mask=mask)
    assert len(layer.cache) == 3
    assert not hasattr(layer, "mask_scale")


def _shared_model(make_layer, shape):
    a, b = el.Input(shape), el.Input(shape)
    shared = make_layer()
    return el.Model([a, b], L.Add()([shared(a), shared(b)]))


SHARED = {
    "Dense": (lambda: L.Dense(3, activation="tanh"), (4,)),
    "LSTM": (lambda: L.LSTM(3), (5, 2)),
    "GRU": (lambda: L.GRU(3), (5, 2)),
    "SimpleRNN": (lambda: L.SimpleRNN(3, return_sequences=True), (5, 2)),
    "Bidirectional(LSTM)": (lambda: L.Bidirectional(L.LSTM(2)), (4, 2)),
    "TimeDistributed(Dense)": (lambda: L.TimeDistributed(L.Dense(2)), (4, 3)),
    "Conv1D": (lambda: L.Conv1D(2, 3), (6, 2)),
}


@pytest.mark.parametrize("name", SHARED)
@pytest.mark.parametrize("path", ["fast", "reference"])
def test_a_shared_layer_in_a_functional_model_passes_gradcheck(rng, name, path):
    make, shape = SHARED[name]
    el.set_floatx("float64")
    try:
        model = _shared_model(make, shape)
    finally:
        el.set_floatx("float32")
    xs = [rng.standard_normal((2,) + shape), rng.standard_normal((2,) + shape)]
    report = el.gradcheck(model, xs, path=path)
    assert report.ok, str(report)


@pytest.mark.parametrize("path", ["fast", "reference"])
def test_a_shared_masked_average_passes_gradcheck(rng, path):
    """Two padded sequences through one Embedding(mask_zero=True) and one masked average: each
    call's mask (and the scale it gives the average's backward) is that call's own."""
    el.set_floatx("float64")
    try:
        a, b = el.Input((5,), dtype="int64"), el.Input((5,), dtype="int64")
        embed, average = L.Embedding(7, 3, mask_zero=True), L.GlobalAveragePooling1D()
        model = el.Model([a, b], L.Add()([average(embed(a)), average(embed(b))]))
    finally:
        el.set_floatx("float32")
    xs = [np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 1]]), np.array([[6, 0, 0, 0, 0], [2, 2, 3, 0, 0]])]
    report = el.gradcheck(model, xs, path=path, check_inputs=False)
    assert report.ok, str(report)
