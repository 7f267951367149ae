r"""Keras 3's weight file (``.weights.h5``, and ``model.weights.h5`` inside a ``.keras`` zip).

The layout (``H5IOStore`` in keras/src/saving/saving_lib.py, checked against Keras 3.15.1)::

    vars/                                 attrs {"name": <model name>}, no datasets
    layers/<key>/vars/                    attrs {"name": <layer name>}
    layers/<key>/vars/0, 1, ...           the layer's own variables, in get_weights() order
    layers/<key>/<attribute>/vars/...     a layer held by the layer, under Keras' attribute name:
        RNN, SimpleRNN, LSTM, GRU         cell/vars/0..2 (kernel, recurrent_kernel, bias); the
                                          layer's own vars/ is empty (the cell of a SimpleRNN,
                                          LSTM, GRU is named "lstm_cell" etc. in every layer)
        Bidirectional                     forward_layer/... and backward_layer/..., each an RNN
        TimeDistributed                   layer/vars/...

``<key>`` is not the layer's name but its class name in snake case, counted over the model's
layers in Keras' order: ``dense``, ``dense_1``, ``conv2d``, ... (Sequential: the order of
``model.layers``; functional: Keras' graph order, ``keras_layer_order``). Every layer gets its
group, weights or not (``layers/dropout/vars`` is empty), and so does each InputLayer of a
functional model (``layers/input_layer/vars``; a Sequential's InputLayer is not in its layers). Keras loads by these keys, not by
names: two models of the same architecture exchange weights even when their layer names differ,
and that is how ``load_weights`` here matches too. The ``name`` attributes are used only to say
which layer is which in error messages.

Reading and writing needs h5py, an optional dependency: ``pip install 'edulayers[keras-files]'``.
"""
from __future__ import annotations

import os

import numpy as np

__all__ = ["h5py_module", "layer_tree", "keras_layer_keys", "keras_layer_order",
           "write_weights", "read_weights", "assign", "save_weights_h5", "load_weights_h5"]


def h5py_module():
    """h5py, or an ImportError that says how to install it."""
    try:
        import h5py
    except ImportError:
        raise ImportError("Keras' files (.keras, .weights.h5) are HDF5 inside: reading and writing "
                          "them needs h5py, an optional dependency of edulayers: "
                          "pip install 'edulayers[keras-files]'") from None
    return h5py


def keras_layer_order(model) -> list:
    """``model.layers`` in the order Keras lists them (Sequential: as they are)."""
    from ..models.graph import Sequential
    if isinstance(model, Sequential):
        return list(model.layers)
    from ..applications.keras_weights import keras_layer_order as functional_order
    return functional_order(model)


def _snake(name: str) -> str:
    from ..layers.base import _snake as snake
    return snake(name)


def keras_layer_keys(model) -> list:
    """``[(key, layer)]``: each layer's group under ``layers/`` (``dense``, ``dense_1``, ...)."""
    from .keras_config import _keras_class_name
    counts, keys = {}, []
    for layer in keras_layer_order(model):
        base = _snake(_keras_class_name(layer) or type(layer).__name__)
        n = counts.get(base, 0)
        counts[base] = n + 1
        keys.append((base if n == 0 else f"{base}_{n}", layer))
    return keys


def _held(layer) -> list:
    """``[(Keras attribute name, layer)]`` a layer holds, in the order of its weights."""
    from ..layers.recurrent.base_rnn import RNN
    from ..layers.wrappers.bidirectional import Bidirectional
    from ..layers.wrappers.time_distributed import TimeDistributed
    if isinstance(layer, Bidirectional):
        return [("forward_layer", layer.forward_layer), ("backward_layer", layer.backward_layer)]
    if isinstance(layer, TimeDistributed):
        return [("layer", layer.layer)]
    if isinstance(layer, RNN):
        return [("cell", layer.cell)]
    return []


def layer_tree(layer) -> list:
    """The layer and every layer it holds (a wrapper's layers, an RNN's cell), depth first."""
    found = [layer]
    for _, sub in _held(layer):
        found.extend(layer_tree(sub))
    return found


def _groups(layer, path, name=None) -> list:
    """``[(group path, name attribute, layer, its own arrays)]`` for a layer and what it holds:
    a wrapper or an RNN owns no variables itself; its held layers do."""
    from ..layers.recurrent.base_rnn import CellRNN
    held = _held(layer)
    own = [] if held else layer.get_weights()
    groups = [(path, name or layer.name, layer, own)]
    for attribute, sub in held:
        # SimpleRNN, LSTM and GRU build their cell in Keras 3 under a fixed name ("lstm_cell")
        sub_name = _snake(type(sub).__name__) if isinstance(layer, CellRNN) else None
        groups.extend(_groups(sub, f"{path}/{attribute}", sub_name))
    return groups


def _input_keys(model) -> list:
    """``[(key, input name)]``: a functional model's InputLayers are layers in Keras (with an
    empty group each); a Sequential's are not."""
    inputs = getattr(model, "inputs", None)
    if inputs is None or not hasattr(model, "nodes"):
        return []
    return [("input_layer" if i == 0 else f"input_layer_{i}", t.name) for i, t in enumerate(inputs)]


def write_weights(model, h5file) -> None:
    """Write every weight of ``model`` into an open ``h5py.File``, in Keras' layout."""
    h5file.create_group("vars").attrs["name"] = model.name
    for key, name in _input_keys(model):
        h5file.create_group(f"layers/{key}/vars").attrs["name"] = name
    for key, layer in keras_layer_keys(model):
        for path, name, _, arrays in _groups(layer, f"layers/{key}"):
            vars_group = h5file.create_group(f"{path}/vars")
            vars_group.attrs["name"] = name
            for i, array in enumerate(arrays):
                vars_group[str(i)] = array


def _text(value) -> str:
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def read_weights(model, h5file, source) -> list:
    """``[(layer, arrays)]`` for every layer of ``model`` from an open ``h5py.File`` in Keras'
    layout: matched by the keys, every count and shape checked (nothing is loaded here)."""
    if "layers" not in h5file:
        raise ValueError(f"{source} is not a Keras 3 weights file (no 'layers' group; a Keras 2 "
                         "'.h5' file is read by el.applications.load_keras_weights)")
    stored_groups = h5file["layers"]
    problems, pairs = [], []
    expected_keys = {key for key, _ in keras_layer_keys(model)}
    for key, layer in keras_layer_keys(model):
        arrays = []
        for path, _, held_layer, own in _groups(layer, f"layers/{key}"):
            vars_path = f"{path}/vars"
            stored = h5file[vars_path] if vars_path in h5file else None
            stored_arrays = [] if stored is None else [np.asarray(stored[str(i)])
                                                       for i in range(len(stored))]
            stored_name = _text(stored.attrs.get("name", "?")) if stored is not None else None
            where = f"{vars_path} ({stored_name!r} in the file)" if stored is not None else vars_path
            if own and stored is None:
                problems.append(f"{held_layer._label} expects {len(own)} arrays at {vars_path}, "
                                "which the file does not have")
                continue
            if len(stored_arrays) != len(own):
                problems.append(f"{held_layer._label} has {len(own)} weight arrays "
                                f"{[w.shape for w in own]}, the file has {len(stored_arrays)} at "
                                f"{where}")
                continue
            for mine, theirs in zip(own, stored_arrays):
                if mine.shape != theirs.shape:
                    problems.append(f"{held_layer._label} expects an array of shape {mine.shape}, "
                                    f"the file has {theirs.shape} at {where}")
            arrays.extend(stored_arrays)
        pairs.append((layer, arrays))
    extra = sorted(key for key in stored_groups
                   if key not in expected_keys and _has_arrays(stored_groups[key]))
    if extra:
        names = [_text(stored_groups[k]["vars"].attrs.get("name", "?")) if "vars" in stored_groups[k]
                 else "?" for k in extra]
        problems.append(f"the file has weights for layers the model lacks: "
                        f"{[f'layers/{k} ({n!r})' for k, n in zip(extra, names)]}")
    if problems:
        expected = [f"{key} ({layer.name!r}, {type(layer).__name__})"
                    for key, layer in keras_layer_keys(model) if layer.get_weights()]
        received = [f"{key} ({_text(g['vars'].attrs.get('name', '?')) if 'vars' in g else '?'})"
                    for key, g in stored_groups.items() if _has_arrays(g)]
        raise ValueError(f"{source} does not fit {model._label} (nothing was loaded): "
                         + "; ".join(problems[:6]) + (" ..." if len(problems) > 6 else "")
                         + f". Expected layers with weights: {expected}; the file has: {received}")
    return pairs


def _has_arrays(group) -> bool:
    """Whether a layer's group holds any array, in its own vars or a held layer's."""
    found = []
    group.visititems(lambda name, obj: found.append(name) if hasattr(obj, "shape") else None)
    return bool(found)


def assign(pairs) -> None:
    """Load checked ``[(layer, arrays)]`` (see ``read_weights``)."""
    for layer, arrays in pairs:
        if arrays:
            layer.set_weights(arrays)


def save_weights_h5(model, path) -> None:
    """``model.save_weights("x.weights.h5")``: Keras 3's weights-only file."""
    h5py = h5py_module()
    model._require_built("save_weights")
    from .keras_config import check_exportable
    check_exportable(model)
    with h5py.File(os.fspath(path), "w") as f:
        write_weights(model, f)


def load_weights_h5(model, path) -> None:
    """``model.load_weights("x.weights.h5")``: a Keras 3 weights file for the same architecture."""
    h5py = h5py_module()
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_weights: no such file {path!r}")
    model._require_built("load_weights")
    with h5py.File(path, "r") as f:
        pairs = read_weights(model, f, path)
    assign(pairs)
