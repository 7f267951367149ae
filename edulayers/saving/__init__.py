r"""Files that Keras itself opens: Keras 3's ``.keras`` model file, its ``.weights.h5`` weights
file and its JSON config.

``model.save("m.keras")``
    a zip of ``metadata.json``, ``config.json`` and ``model.weights.h5``, laid out as Keras 3
    writes it, so ``keras.models.load_model("m.keras")`` opens it (keras_format.py);
``el.models.load_model("m.keras")``
    reads a ``.keras`` file written by Keras 3 or by edulayers: architecture and weights;
``model.save_weights("x.weights.h5")`` / ``model.load_weights("x.weights.h5")``
    Keras 3's weights-only file, matched layer by layer as Keras matches it (h5_weights.py);
``model.to_json()`` / ``el.models.model_from_json(text)``, ``model.get_config()`` /
``Model.from_config(config)``
    Keras 3's config structure (keras_config.py), so a config from one side builds the same
    model on the other.

Layers edulayers has and Keras 3 does not (``LocallyConnected1D/2D``, ``Highway``,
``MaxoutDense``, ``SReLU``, ``ParametricSoftplus``, ...: ``UNSUPPORTED_IN_KERAS3``) are refused
with the reason, before any file is written. A custom layer is written as Keras writes an
unregistered class (its module and class name) and read back with ``custom_objects=``, inside
a ``CustomObjectScope({...})`` or from ``get_custom_objects()`` (object_registration.py).

The formats were read from Keras 3.15.1's own source (``keras/src/saving/saving_lib.py``,
``serialization_lib.py``, ``keras/src/models/functional.py``) and are tested against it.
h5py is needed for the HDF5 parts: ``pip install 'edulayers[keras-files]'``; JSON and configs
need nothing beyond NumPy.
"""
from .keras_config import (KERAS_CHECKED_VERSION, UNSUPPORTED_IN_KERAS3, KerasFormatError,
                           layer_from_keras, layer_to_keras, model_from_keras, model_to_keras)
from .keras_format import (clone_model, load_model, model_from_config, model_from_json,
                           model_to_json, save_model)
from .h5_weights import load_weights_h5, save_weights_h5
from .object_registration import CustomObjectScope, custom_object_scope, get_custom_objects

__all__ = ["save_model", "load_model", "model_to_json", "model_from_json", "model_from_config",
           "clone_model", "save_weights_h5", "load_weights_h5", "layer_to_keras",
           "layer_from_keras", "model_to_keras", "model_from_keras", "KerasFormatError",
           "UNSUPPORTED_IN_KERAS3", "KERAS_CHECKED_VERSION", "CustomObjectScope",
           "custom_object_scope", "get_custom_objects"]
