r"""Models: layers wired together, run forward in order and backward in reverse (the chain rule).

``Sequential`` is the seed documents' first model, a stack::

    model = el.Sequential()
    model.add(el.layers.Dense(32, input_shape=(16,), activation="relu"))
    model.add(el.layers.Dense(10, activation="softmax"))
    model.summary()            # Keras' table and parameter counts
    print(model.explain())     # each layer's formula, shapes and parameter arithmetic

``Model`` is the functional API: any graph of layers, with branches and merges::

    inputs = el.Input(shape=(16,))
    h = el.layers.Dense(32, activation="relu")(inputs)
    outputs = el.layers.add([h, el.layers.Dense(32)(inputs)])
    model = el.Model(inputs, outputs)

Backward through a graph: every tensor's gradient is the *sum* of the gradients flowing back from
each place it is used (a branch point in the forward pass is an addition in the backward pass).

A model follows the layer protocol where it can (``forward``, ``backward``, ``params``,
``grads``, ``get_weights``/``set_weights``, ``count_params``, ``explain``), so
``el.gradcheck(model, x)`` checks a whole network. Weight names in ``params`` and ``grads`` are
``"layer_name/weight_name"``.

Two modules: ``graph`` (``Sequential``, ``Model``, their weights, ``summary`` and ``explain``)
and ``training`` (``compile``, ``fit``, ``evaluate``, ``predict``, the training step, ``History``).
Keras 3's files (``model.save("m.keras")``, ``load_model``, ``to_json``/``model_from_json``,
``save_weights("x.weights.h5")``) are in ``edulayers.saving``.
"""
from .graph import Model, Sequential
from .training import History
from ..symbolic import Input
# Keras 3's files and configs (edulayers/saving): the JSON and config parts need only NumPy,
# the .keras and .weights.h5 files h5py (pip install 'edulayers[keras-files]')
from ..saving.keras_format import clone_model, load_model, model_from_config, model_from_json

__all__ = ["Sequential", "Model", "Input", "History", "load_model", "model_from_json",
           "model_from_config", "clone_model"]
