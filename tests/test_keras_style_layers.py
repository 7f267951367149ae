"""Custom layers written as Keras' guide writes them work: add_weight attributes, call(), errors.

Keras' own guide keeps weights as attributes (``self.kernel = self.add_weight(...)``) and
computes in ``call``. Such a layer must run forward, ``predict``, ``summary`` and a functional
call unchanged; a layer that also writes ``backward`` must grade full marks and pass gradcheck;
training one without a backward must say exactly what to write.
"""
import numpy as np
import pytest

import edulayers as el
from edulayers import grading
from edulayers.layers import Layer
from test_recurrent_base import MinimalCell


class KerasGuideLinear(Layer):
    """The guide's Linear layer, as written for Keras 3 (no backward)."""

    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                 trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return inputs @ self.w + self.b

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)


class StudentDense(Layer):
    """A correct Dense in the Keras-2 style: named weights kept as attributes, forward/backward."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units), "glorot_uniform")
        self.bias = self.add_weight("bias", (self.units,), "zeros")

    def forward(self, x, training=False):
        self.cache = x
        return x @ self.kernel + self.bias

    def backward(self, dy):
        x = self.cache
        self.grads["kernel"] = x.reshape(-1, x.shape[-1]).T @ dy.reshape(-1, self.units)
        self.grads["bias"] = dy.reshape(-1, self.units).sum(axis=0)
        return dy @ self.kernel.T

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)


def test_call_layer_runs_forward_predict_summary_and_functional(rng, capsys):
    x = rng.standard_normal((5, 4))
    layer = KerasGuideLinear(3)
    y = layer(x)
    np.testing.assert_allclose(y, x @ layer.w + layer.b, rtol=1e-5, atol=1e-6)   # float32
    assert y.shape == (5, 3) and layer.count_params() == 4 * 3 + 3

    model = el.Sequential([el.layers.Dense(8, input_shape=(4,)), KerasGuideLinear(3)])
    assert model.predict(x, batch_size=5).shape == (5, 3)
    model.summary()
    assert "keras_guide_linear" in capsys.readouterr().out

    inputs = el.Input((4,))
    outputs = KerasGuideLinear(2)(inputs)
    assert outputs.shape == (None, 2)
    assert el.Model(inputs, outputs).predict(x, batch_size=5).shape == (5, 2)


def test_keras3_add_weight_spellings_and_defaults():
    layer = KerasGuideLinear(3)
    layer.build((None, 4))
    assert list(layer.weights) == ["variable", "variable_1"]
    assert layer.w is layer.weights["variable"]
    default = Layer()
    w = default.add_weight(shape=(200, 100))          # no initializer: glorot_uniform, as Keras
    limit = np.sqrt(6 / (200 + 100))
    assert 0.9 * limit < np.abs(w).max() <= limit
    positional = Layer().add_weight((2, 3), "ones")   # Keras 3's first positional is the shape
    np.testing.assert_array_equal(positional, np.ones((2, 3)))


def test_add_weight_refuses_duplicates_a_missing_shape_and_a_foreign_dtype():
    layer = Layer(dtype="float32")
    layer.add_weight("kernel", (2, 2))
    before = dict(layer.weights)
    with pytest.raises(ValueError, match="already has a weight named 'kernel'"):
        layer.add_weight("kernel", (3, 3))
    with pytest.raises(TypeError, match="needs a shape"):
        layer.add_weight("bias")
    with pytest.raises(ValueError, match="dtype float64 differs from the layer's dtype float32"):
        layer.add_weight("bias", (2,), dtype="float64")
    assert layer.weights.keys() == before.keys() and layer.weights["kernel"] is before["kernel"]


def test_attribute_weights_stay_live_through_a_dtype_change(rng):
    layer = StudentDense(3)
    layer(rng.standard_normal((2, 4)).astype("float32"))
    layer._set_dtype("float64")
    assert layer.kernel is layer.weights["kernel"] and layer.kernel.dtype == np.float64
    layer.set_weights([np.ones((4, 3)), np.zeros(3)])
    np.testing.assert_array_equal(layer.kernel, np.ones((4, 3)))


def test_a_keras_style_student_dense_grades_full_marks_and_passes_gradcheck(rng):
    report = grading.grade_layer(StudentDense, el.layers.Dense, [(3, 7), (2, 3, 5)],
                                 config={"units": 4})
    assert report.passed, str(report)
    assert report.points == report.max_points > 0
    gc = el.gradcheck(StudentDense(4), rng.standard_normal((3, 5)))
    assert gc.ok and {"dx", "kernel", "bias"} == set(gc.worst)


def test_training_a_call_only_layer_says_what_to_write_and_changes_nothing(rng):
    x, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    model = el.Sequential([KerasGuideLinear(3, input_shape=(4,))])
    model.compile("sgd", "mse")
    model.predict(x, batch_size=6)
    before = model.get_weights()
    with pytest.raises(NotImplementedError) as info:
        model.fit(x, y, epochs=1, verbose=0)
    message = str(info.value)
    assert "KerasGuideLinear 'keras_guide_linear' defines call()" in message
    assert "define backward(self, dy) returning dL/dx" in message and "self.grads" in message
    assert "variable, variable_1" in message
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    with pytest.raises(NotImplementedError, match="define backward"):
        el.gradcheck(KerasGuideLinear(2), x)


class AttributeSimpleCell(MinimalCell):
    """The recurrent tests' minimal cell, with its weights kept as attributes, as a student writes it."""

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units), "glorot_uniform")
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, self.units), "orthogonal")


def test_attribute_weights_of_a_cell_inside_rnn_stay_live_through_a_dtype_change(rng):
    """An RNN shares its weight dictionary with its cell: one cast, and the cell's attributes follow."""
    layer = el.layers.RNN(AttributeSimpleCell(3))
    x = rng.standard_normal((2, 4, 5)).astype("float32")
    layer(x)
    layer._set_dtype("float64")
    cell = layer.cell
    for name in ("kernel", "recurrent_kernel"):
        assert getattr(cell, name) is cell.weights[name] is layer.weights[name]
        assert getattr(cell, name).dtype == np.float64
    reference = el.layers.SimpleRNN(3, use_bias=False, dtype="float64")
    reference.build((None, 4, 5))
    reference.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(x.astype("float64")), reference(x.astype("float64")), rtol=1e-12)
    assert el.gradcheck(layer, x.astype("float64")).ok
