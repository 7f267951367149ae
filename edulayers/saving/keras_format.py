r"""Keras 3's ``.keras`` file: what ``model.save("m.keras")`` writes and ``load_model`` reads.

A ``.keras`` file is a zip archive (entries stored, not compressed) of three members, in this
order (``saving_lib._save_model_to_fileobj``, checked against Keras 3.15.1)::

    metadata.json       {"keras_version": "3.15.1", "date_saved": "2026-01-31@12:00:00"}
    config.json         the model's config: serialize_keras_object(model) (keras_config.py)
    model.weights.h5    the weights, in the layout of a .weights.h5 file (h5_weights.py)

edulayers adds ``"saved_by": "edulayers <version>"`` to the metadata (Keras does not read it).
Architecture and weights only: an optimizer's state and the compile arguments are not written
(``compile_config`` is ``{}``, as Keras writes for a model that was not compiled), so a loaded
model is compiled again before ``fit``.
"""
from __future__ import annotations

import datetime
import io
import json
import os
import zipfile

from .h5_weights import assign, h5py_module, read_weights, write_weights
from .keras_config import KERAS_CHECKED_VERSION, model_from_keras, model_to_keras

__all__ = ["save_model", "load_model", "model_to_json", "model_from_json", "model_from_config",
           "clone_model"]

_CONFIG = "config.json"
_METADATA = "metadata.json"
_WEIGHTS = "model.weights.h5"


def save_model(model, filepath) -> None:
    """Write ``model`` to a ``.keras`` file that ``keras.models.load_model`` opens.

    Everything is checked (a layer Keras 3 lacks, an unbuilt model, h5py present) before the
    file is opened, so a refused save leaves no file behind.
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(f"save: Keras 3's format needs a '.keras' file name, got {filepath!r} "
                         "(weights alone: save_weights('x.weights.h5'))")
    h5py = h5py_module()
    model._require_built("save")
    config_json = json.dumps(model_to_keras(model))
    from .. import __version__
    metadata_json = json.dumps({
        "keras_version": KERAS_CHECKED_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "saved_by": f"edulayers {__version__}"})
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        write_weights(model, f)
    with zipfile.ZipFile(filepath, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(_METADATA, metadata_json)
        zf.writestr(_CONFIG, config_json)
        zf.writestr(_WEIGHTS, weights.getvalue())


def load_model(filepath, custom_objects=None, compile=True):  # noqa: A002 (Keras' argument name)
    """A model from a ``.keras`` file written by Keras 3 or by edulayers: architecture and weights.

    ``custom_objects`` maps the names of custom classes (layers, initializers, ...) and
    activation functions to edulayers' own; an open ``CustomObjectScope`` and
    ``get_custom_objects()`` are looked in first, as Keras does. ``compile`` is accepted for
    Keras' signature; the compile arguments are not read (compile the model again before fit).
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"load_model: no such file {filepath!r}")
    if not zipfile.is_zipfile(filepath):
        hint = (" (a Keras 2 '.h5' model: load it in Keras and save it as .keras, or build the "
                "model here and use el.applications.load_keras_weights)"
                if filepath.endswith((".h5", ".hdf5")) else "")
        raise ValueError(f"load_model: {filepath!r} is not a .keras zip archive{hint}")
    h5py = h5py_module()
    with zipfile.ZipFile(filepath, "r") as zf:
        names = zf.namelist()
        if _CONFIG not in names:
            raise ValueError(f"load_model: {filepath!r} has no {_CONFIG} (members: {names})")
        config = json.loads(zf.read(_CONFIG))
        model = model_from_keras(config, custom_objects)
        if _WEIGHTS not in names:
            raise ValueError(f"load_model: {filepath!r} has no {_WEIGHTS} (members: {names}; "
                             "weights saved as .npz with weights_format='npz' are not read)")
        with h5py.File(io.BytesIO(zf.read(_WEIGHTS)), "r") as f:
            pairs = read_weights(model, f, f"{filepath}:{_WEIGHTS}")
    assign(pairs)
    return model


def model_to_json(model, **json_kwargs) -> str:
    """The model's architecture as Keras 3's JSON (``keras.models.model_from_json`` reads it)."""
    return json.dumps(model_to_keras(model), **json_kwargs)


def model_from_json(json_string, custom_objects=None):
    """A new model (fresh weights) from Keras 3's JSON, written by Keras or by ``to_json``
    (custom classes from ``custom_objects``, an open ``CustomObjectScope`` or
    ``get_custom_objects()``)."""
    return model_from_config(json.loads(json_string), custom_objects)


def model_from_config(config, custom_objects=None):
    """A new model from a Keras 3 model config: the full ``{"class_name", "config"}`` dict, or
    the inner config of a Sequential (``"layers"`` without ``"inbound_nodes"``) or a functional
    model (``"layers"`` with ``"input_layers"``)."""
    if "class_name" not in config:
        kind = "Functional" if "input_layers" in config else "Sequential"
        config = {"class_name": kind, "config": config}
    return model_from_keras(config, custom_objects)


def clone_model(model, custom_objects=None):
    """A new model with the same architecture and fresh weights (as ``keras.models.clone_model``):
    rebuilt from the config, so new layers and no shared state."""
    config = json.loads(json.dumps(model_to_keras(model, strict=False)))
    return model_from_keras(config, custom_objects)

