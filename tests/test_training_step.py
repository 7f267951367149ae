"""The training step (models/training.py): what fit does to grads, optimizer slots, constraints
and frozen layers.

* ``layer.grads`` after ``fit`` is what ``backward`` gave; the weight penalties' gradients are a
  dict of their own (``model.penalty_gradients()``), added when the update is built;
* optimizer slots belong to the weight (its identity), not to the layer's name;
* constraints act on the weights that were updated only;
* a frozen layer (``trainable=False``), wherever it sits, is never changed by ``fit``: for every
  layer class of the catalogue that has weights, and inside wrappers and RNNs.
"""
import copy
import inspect

import numpy as np
import pytest

import edulayers as el
from edulayers.models import graph, training

L = el.layers


def data(n=8, d=4, seed=0):
    r = np.random.default_rng(seed)
    return r.standard_normal((n, d)), r.standard_normal((n, 2))


def mlp(**first):
    return el.Sequential([L.Dense(5, input_shape=(4,), activation="tanh", dtype="float64", **first),
                          L.Dense(2, dtype="float64")])


def twin_of(model, make):
    """A second model with the same weights."""
    twin = make()
    twin.set_weights(model.get_weights())
    return twin


def copies(d: dict) -> dict:
    return {k: np.array(v, copy=True) for k, v in d.items()}


def assert_same(a: dict, b: dict):
    """The same arrays bit for bit, in the same order (the names may differ: a twin model's
    layers are dense_2, dense_3...)."""
    assert len(a) == len(b)
    for (k, u), v in zip(a.items(), b.values()):
        np.testing.assert_array_equal(u, v, err_msg=k)


# ---------------------------------------------------------------- grads and penalty gradients
def test_grads_after_fit_are_what_backward_gave():
    x, y = data()
    make = lambda: mlp(kernel_regularizer=el.regularizers.L2(0.3), bias_regularizer="l1")  # noqa: E731
    model = make()
    model.compile(el.optimizers.SGD(0.1), "mse")
    twin = twin_of(model, make)
    twin.compile(el.optimizers.SGD(0.1), "mse")
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    # the twin: the same batch, backward only (no update)
    y_pred = twin.forward(x, training=True)
    twin.backward(twin.loss.gradient(y, y_pred), activity_penalties=True)
    assert_same(model.grads, twin.grads)
    for ours, theirs in zip(model.layers, twin.layers):
        assert_same(ours.grads, theirs.grads)


def test_the_update_adds_the_penalty_gradients_kept_apart():
    x, y = data()
    model = mlp(kernel_regularizer=el.regularizers.L2(0.3), bias_regularizer="l1")
    model.compile(el.optimizers.SGD(0.1), "mse")
    plain = twin_of(model, mlp)                          # the same weights, no penalties
    before = copies(model.params)
    penalties = model.penalty_gradients()
    assert sorted(penalties) == ["dense/bias", "dense/kernel"]
    np.testing.assert_allclose(penalties["dense/kernel"], 2 * 0.3 * before["dense/kernel"])
    model.train_step(x, y)
    grads = copies(model.grads)
    for name, w in model.params.items():
        g = grads[name] + penalties[name] if name in penalties else grads[name]
        np.testing.assert_array_equal(w, before[name] - 0.1 * g, err_msg=name)   # the same arithmetic
    # backward's grads have no penalty in them: those of the model without penalties
    plain.backward(2 * (plain.forward(x, training=True) - y) / y.size)
    assert_same(model.grads, plain.grads)


def objective(model, x, y):
    """The loss fit minimizes, penalties included (float64, no randomness)."""
    return model.loss(y, model.forward(x, training=True)) + sum(model.losses)


def test_the_update_is_the_gradient_of_the_whole_objective():
    """grads + penalty gradients = d(loss + weight penalties + activity penalties)/dw, by central
    differences; the activity penalty is divided by the batch size, as Keras 3."""
    x, y = data()
    model = el.Sequential([
        L.Dense(3, input_shape=(4,), activation="tanh", dtype="float64",
                kernel_regularizer=el.regularizers.L1L2(0.01, 0.2),
                activity_regularizer=el.regularizers.L2(0.5)),
        L.Dense(2, dtype="float64", activity_regularizer=el.regularizers.L1(0.1))])
    model.compile(el.optimizers.SGD(0.1), "mse")
    y_pred = model.forward(x, training=True)
    model.backward(model.loss.gradient(y, y_pred), activity_penalties=True)
    penalties = model.penalty_gradients()
    for name, w in model.params.items():
        analytic = model.grads[name] + penalties.get(name, 0.0)
        numeric = np.zeros_like(w)
        for i in np.ndindex(w.shape):
            old = w[i]
            w[i] = old + 1e-6
            up = objective(model, x, y)
            w[i] = old - 1e-6
            down = objective(model, x, y)
            w[i] = old
            numeric[i] = (up - down) / 2e-6
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7, err_msg=name)


def test_functional_model_grads_after_fit_are_what_backward_gave(rng):
    def make():
        i = el.Input((4,))
        shared = L.Dense(4, activation="tanh", kernel_regularizer="l2", dtype="float64")
        return el.Model(i, L.Dense(2, dtype="float64")(L.add([shared(shared(i)), i])))
    x, y = data()
    model = make()
    model.compile("adam", "mse")
    twin = twin_of(model, make)
    model.fit(x, y, batch_size=len(x), shuffle=False, verbose=0)
    twin.backward(2 * (twin.forward(x, training=True) - y) / y.size)
    assert_same(model.grads, twin.grads)


# ---------------------------------------------------------------- optimizer slots
@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "nadam"])
def test_renaming_a_layer_keeps_the_optimizer_slots(optimizer):
    x, y = data()
    model = mlp()
    twin = twin_of(model, mlp)
    for m in (model, twin):
        m.compile(optimizer, "mse")
        m.train_step(x, y)
    slots = {id(w): copies(model.optimizer.slots_of(w)) for w in model.params.values()}
    model.layers[0].name = "renamed"                     # between two steps
    model.layers[1].name = "head"
    assert sorted(model.params) == ["head/bias", "head/kernel", "renamed/bias", "renamed/kernel"]
    for w in model.params.values():                      # the moments are still there...
        assert_same(model.optimizer.slots_of(w), slots[id(w)])
    model.train_step(x, y)
    twin.train_step(x, y)
    assert len(model.optimizer.slots) == 4
    for a, b in zip(model.get_weights(), twin.get_weights()):   # ...and the second step used them
        np.testing.assert_array_equal(a, b)


def test_renaming_a_layer_of_a_functional_model():
    i = el.Input((4,))
    shared = L.Dense(4, activation="tanh")
    model = el.Model(i, L.Dense(2)(shared(shared(i))))
    model.compile("adam", "mse")
    x, y = data()
    model.train_step(x, y)
    shared.name = "encoder"
    model.train_step(x, y)                               # the graph does not look layers up by name
    assert sorted(model.params)[:2] == ["dense_1/bias", "dense_1/kernel"]
    assert model.optimizer.iterations == 2 and len(model.optimizer.slots) == 4


def test_a_layer_called_twice_has_one_slot_per_weight():
    i = el.Input((4,))
    shared = L.Dense(4, activation="tanh")
    model = el.Model(i, L.Dense(2)(shared(shared(i))))
    model.compile("adam", "mse")
    x, y = data()
    model.train_step(x, y)
    assert len(model.optimizer.slots) == len(model.params) == 4
    assert set(model.optimizer.slots_of(shared.kernel)) == {"m", "v"}


class TiedDense(L.Layer):
    """y = x W^T with the kernel W of another Dense (tied weights, as a tied autoencoder's decoder)."""

    def __init__(self, encoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder

    def build(self, input_shape):
        # the encoder's own array and bookkeeping: one weight, registered under two layers
        self._weights["kernel"] = self.encoder._weights["kernel"]
        self._weight_specs["kernel"] = self.encoder._weight_specs["kernel"]

    def forward(self, x):
        self.x = x
        return x @ self.kernel.T

    def backward(self, dy):
        self.grads["kernel"] = dy.T @ self.x
        return dy @ self.kernel


def tied_model():
    encoder = L.Dense(3, input_shape=(4,), activation="tanh", dtype="float64")
    return el.Sequential([encoder, TiedDense(encoder, dtype="float64")])


def test_the_same_weight_in_two_layers_is_one_weight():
    """A weight two layers share: one slot, updated once with the sum of its gradients."""
    w = np.zeros(3)
    with pytest.raises(ValueError, match="'a' and 'b' are the same weight; pass it once"):
        el.optimizers.SGD().apply({"a": w, "b": w}, {"a": np.ones(3), "b": np.ones(3)})
    x, _ = data()
    model = tied_model()
    model.compile(el.optimizers.SGD(0.1), "mse")
    kernel = model.layers[0].kernel
    assert model.params["tied_dense/kernel"] is kernel
    before = kernel.copy()
    model.train_step(x, x)
    total = model.grads["dense/kernel"] + model.grads["tied_dense/kernel"]
    np.testing.assert_array_equal(kernel, before - 0.1 * total)
    # the summed gradient is the loss's gradient with respect to the one array
    numeric = np.zeros_like(kernel)
    for i in np.ndindex(kernel.shape):
        old = kernel[i]
        kernel[i] = old + 1e-6
        up = model.loss(x, model.forward(x))
        kernel[i] = old - 1e-6
        down = model.loss(x, model.forward(x))
        kernel[i] = old
        numeric[i] = (up - down) / 2e-6
    model.forward(x, training=True)
    model.backward(model.loss.gradient(x, model.forward(x, training=True)))
    np.testing.assert_allclose(model.grads["dense/kernel"] + model.grads["tied_dense/kernel"], numeric,
                               rtol=1e-5, atol=1e-8)
    adam = tied_model()
    adam.compile("adam", "mse")
    adam.train_step(x, x)
    assert len(adam.optimizer.slots) == 2            # the kernel (once) and the encoder's bias


def test_two_layers_with_one_name_are_refused_not_merged():
    model = mlp()
    model.compile("sgd", "mse")
    model.layers[1].name = model.layers[0].name
    with pytest.raises(ValueError, match="two layers are named 'dense', so their weights cannot be told apart"):
        model.train_step(*data())


# ---------------------------------------------------------------- constraints
class Scaled(L.Layer):
    """y = x * s with a trainable s and a non-trainable offset c, both constrained."""

    def build(self, input_shape):
        self.add_weight("s", (input_shape[-1],), "ones", constraint="non_neg")
        self.add_weight("c", (input_shape[-1],), "zeros", constraint="non_neg", trainable=False)

    def forward(self, x):
        self.x = x
        return x * self.s + self.c

    def backward(self, dy):
        if "s" in self.params:
            self.grads["s"] = (dy * self.x).sum(axis=0)
        return dy * self.s


def test_constraints_act_only_on_the_updated_weights():
    x, y = data()
    layer = Scaled(dtype="float64")
    model = el.Sequential([layer, L.Dense(2, dtype="float64")])
    model.compile(el.optimizers.SGD(0.1), "mse")
    model.forward(x)
    layer.set_weights([np.full(4, -1.0), np.full(4, -2.0)])    # both outside the constraint's set
    model.train_step(x, y)
    np.testing.assert_array_equal(layer.c, -2.0)               # not updated: not projected
    assert np.all(layer.s >= 0)                                # updated: projected


def test_a_frozen_constrained_kernel_is_left_alone():
    x, y = data()
    model = el.Sequential([L.Dense(3, input_shape=(4,), kernel_constraint="non_neg", trainable=False),
                           L.Dense(2, kernel_constraint="non_neg")])
    model.layers[0].set_weights([-np.ones((4, 3)), np.zeros(3)])
    model.layers[1].set_weights([-np.ones((3, 2)), np.zeros(2)])
    model.compile("sgd", "mse")
    model.fit(x, y, verbose=0)
    np.testing.assert_array_equal(model.layers[0].kernel, -1.0)
    assert np.all(model.layers[1].kernel >= 0)


# ---------------------------------------------------------------- frozen layers
def state_of(layer) -> list:
    return [w.copy() for w in layer.get_weights()]


def fit_with_frozen(frozen, x, y=None, epochs=2):
    """Train frozen -> Flatten -> Dense(1) and return the model."""
    model = el.Sequential([frozen, L.Flatten(), L.Dense(1)])
    model.compile(el.optimizers.Adam(0.05), "mse")
    y = np.random.default_rng(1).standard_normal((len(x), 1)) if y is None else y
    model.fit(x, y, batch_size=2, epochs=epochs, verbose=0)
    return model


def seq(n=4, t=5, d=3, seed=0):
    return np.random.default_rng(seed).standard_normal((n, t, d))


def test_a_frozen_layer_inside_a_model_between_trained_ones():
    x, _ = data()
    first = L.Dense(4, input_shape=(4,))
    frozen = L.Dense(3, trainable=False, kernel_regularizer="l2")
    model = el.Sequential([first, frozen, L.Dense(1)])
    before_first, before = state_of(first), state_of(frozen)
    model.compile("adam", "mse")
    model.fit(x, x[:, :1], batch_size=4, epochs=2, verbose=0)
    for a, b in zip(before, state_of(frozen)):
        np.testing.assert_array_equal(a, b)
    assert frozen.grads == {} and "dense_1/kernel" not in model.penalty_gradients()
    assert not np.array_equal(before_first[0], first.kernel)   # the gradient flowed through it


def test_frozen_batch_normalization_keeps_its_moving_statistics():
    x = np.random.default_rng(0).standard_normal((8, 4)) * 3 + 2
    bn = L.BatchNormalization(trainable=False)
    bn.build((None, 4))
    before = state_of(bn)
    fit_with_frozen(bn, x)
    for a, b in zip(before, state_of(bn)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", ["inner", "wrapper", "wrapper_set_later"])
def test_time_distributed_batch_normalization_frozen(case):
    bn = L.BatchNormalization(trainable=case != "inner")
    if case == "inner":
        td = L.TimeDistributed(bn)
    elif case == "wrapper":
        td = L.TimeDistributed(bn, trainable=False)
    else:
        td = L.TimeDistributed(bn)
        td.trainable = False
    td.build((None, 5, 3))
    before = state_of(td)
    fit_with_frozen(td, seq() * 3 + 2)
    for a, b in zip(before, state_of(td)):
        np.testing.assert_array_equal(a, b)
    assert not bn.trainable                     # freezing a wrapper freezes what it wraps (Keras 3)


def test_time_distributed_frozen_dense_with_a_constraint():
    dense = L.Dense(2, trainable=False, kernel_constraint="non_neg")
    td = L.TimeDistributed(dense)
    td.build((None, 5, 3))
    dense.set_weights([-np.ones((3, 2)), np.zeros(2)])
    fit_with_frozen(td, seq())
    np.testing.assert_array_equal(dense.kernel, -1.0)
    np.testing.assert_array_equal(dense.bias, 0.0)


@pytest.mark.parametrize("where", ["wrapped", "wrapper"])
def test_bidirectional_frozen(where):
    if where == "wrapped":
        bi = L.Bidirectional(L.LSTM(2, trainable=False))
    else:
        bi = L.Bidirectional(L.LSTM(2), trainable=False)
    bi.build((None, 5, 3))
    before = state_of(bi)
    fit_with_frozen(bi, seq())
    for a, b in zip(before, state_of(bi)):
        np.testing.assert_array_equal(a, b)
    assert bi.params == {}


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_rnn_with_a_frozen_cell(kind):
    rnn = getattr(L, kind)(3)
    rnn.build((None, 5, 3))
    rnn.cell.trainable = False
    before = state_of(rnn)
    fit_with_frozen(rnn, seq())
    for a, b in zip(before, state_of(rnn)):
        np.testing.assert_array_equal(a, b)
    assert rnn.params == {}


# ---------------------------------------------------------------- every layer class with weights
def _identity(x):
    return x


#: constructor arguments and input of each class that needs them; the rest are built as cls()
#: on a (4, 6) input. Keras 1 aliases take Keras 2's (filters, kernel_size).
CATALOGUE = {
    "Dense": ((3,), (4, 6)), "Activation": (("relu",), (4, 6)), "Dropout": ((0.5,), (4, 6)),
    "Reshape": (((3, 2),), (4, 6)), "Permute": (((2, 1),), (4, 3, 2)), "RepeatVector": ((2,), (4, 6)),
    "Lambda": ((_identity,), (4, 6)), "MaxoutDense": ((3,), (4, 6)),
    **{name: ((2, 3), (4, 8, 3)) for name in ("Conv1D", "Convolution1D", "AtrousConvolution1D",
                                              "Conv1DTranspose", "SeparableConv1D",
                                              "SeparableConvolution1D", "LocallyConnected1D")},
    **{name: ((2, 3), (4, 6, 6, 2)) for name in ("Conv2D", "Convolution2D", "AtrousConvolution2D",
                                                 "Conv2DTranspose", "Deconvolution2D",
                                                 "Convolution2DTranspose", "SeparableConv2D",
                                                 "SeparableConvolution2D", "LocallyConnected2D")},
    **{name: ((2, 2), (4, 4, 4, 4, 2)) for name in ("Conv3D", "Convolution3D", "Conv3DTranspose")},
    "DepthwiseConv1D": ((3,), (4, 8, 3)), "DepthwiseConv2D": ((3,), (4, 6, 6, 2)),
    **{name: ((), (4, 8, 3)) for name in ("Cropping1D", "UpSampling1D", "ZeroPadding1D", "MaxPooling1D",
                                          "AveragePooling1D", "MaxPool1D", "AvgPool1D",
                                          "GlobalMaxPooling1D", "GlobalAveragePooling1D",
                                          "GlobalMaxPool1D", "GlobalAvgPool1D", "Masking")},
    **{name: ((), (4, 6, 6, 2)) for name in ("Cropping2D", "UpSampling2D", "ZeroPadding2D", "MaxPooling2D",
                                             "AveragePooling2D", "MaxPool2D", "AvgPool2D",
                                             "GlobalMaxPooling2D", "GlobalAveragePooling2D",
                                             "GlobalMaxPool2D", "GlobalAvgPool2D")},
    **{name: ((), (4, 4, 4, 4, 2)) for name in ("Cropping3D", "UpSampling3D", "ZeroPadding3D", "MaxPooling3D",
                                                "AveragePooling3D", "MaxPool3D", "AvgPool3D",
                                                "GlobalMaxPooling3D", "GlobalAveragePooling3D",
                                                "GlobalMaxPool3D", "GlobalAvgPool3D")},
    "RNN": ((L.LSTMCell(3),), (4, 5, 3)), "SimpleRNN": ((3,), (4, 5, 3)), "LSTM": ((3,), (4, 5, 3)),
    "GRU": ((3,), (4, 5, 3)), "SimpleRNNCell": ((3,), (4, 6)), "LSTMCell": ((3,), (4, 6)),
    "GRUCell": ((3,), (4, 6)),
    "Embedding": ((10, 3), "int"),
    "GaussianNoise": ((0.1,), (4, 6)), "GaussianDropout": ((0.3,), (4, 6)), "AlphaDropout": ((0.3,), (4, 6)),
    "TimeDistributed": ((L.Dense(2),), (4, 5, 3)), "Bidirectional": ((L.LSTM(2),), (4, 5, 3)),
    **{name: ((), "pair") for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                                       "Concatenate")},
    "Dot": ((1,), "pair"),
}
LAYER_CLASSES = sorted(name for name in L.__all__
                       if inspect.isclass(getattr(L, name)) and issubclass(getattr(L, name), L.Layer)
                       and name not in ("Layer",))


def make_layer(name, trainable=True):
    args, shape = CATALOGUE.get(name, ((), (4, 6)))
    r = np.random.default_rng(3)
    if shape == "int":
        x = r.integers(0, 10, (4, 5))
    elif shape == "pair":
        x = [r.standard_normal((4, 6)), r.standard_normal((4, 6))]
    else:
        x = r.standard_normal(shape)
    layer = getattr(L, name)(*copy.deepcopy(args), trainable=trainable)
    return layer, x


def test_the_catalogue_table_builds_every_class():
    with_weights = []
    for name in LAYER_CLASSES:
        layer, x = make_layer(name)
        layer(x)
        if layer.get_weights():
            with_weights.append(name)
    assert {"Dense", "Conv2D", "LSTM", "BatchNormalization", "TimeDistributed", "PReLU"} <= set(with_weights)
    assert not set(with_weights) & {"Add", "Flatten", "MaxPooling2D", "Dropout"}


@pytest.mark.parametrize("name", LAYER_CLASSES)
def test_frozen_layer_of_every_class_is_unchanged_by_fit(name):
    layer, x = make_layer(name, trainable=False)
    layer(x)                                      # build
    if not layer.get_weights():
        pytest.skip(f"{name} has no weights")
    before = state_of(layer)
    assert layer.params == {}
    model = fit_with_frozen(layer, x)
    for a, b in zip(before, state_of(layer)):
        np.testing.assert_array_equal(a, b)
    assert layer.grads == {}
    assert model.optimizer.iterations == 2 * (len(x) // 2)
    # backward works on its own too, and gives dx the input's shape
    y = layer.forward(x, training=True)
    dx = layer.backward(np.ones_like(y))
    if layer.accepts_integer_input:               # Embedding: integer indices have no gradient
        assert dx is None
    else:
        assert np.shape(dx) == np.shape(x)
    assert layer.grads == {}
    for a, b in zip(before, state_of(layer)):
        np.testing.assert_array_equal(a, b)


def test_training_module_names():
    assert graph.Sequential is el.Sequential and graph.Model is el.Model
    assert training.History is el.models.History and el.models.Input is el.Input
