r"""Load Keras' weight files into an edulayers model, layer by layer, by the layers' names.

Keras writes weights to HDF5 files in two layouts, and both are read here:

``.weights.h5`` (Keras 3, ``model.save_weights("x.weights.h5")``)
    one group per layer, ``layers/<key>/vars/0``, ``vars/1``, ... where ``<key>`` is the
    snake-case class name counted in Keras' layer order (``conv2d``, ``conv2d_1``, ...,
    ``batch_normalization_7``); the ``vars`` group carries the layer's own name as its
    ``name`` attribute (``conv1_conv``), which is what is matched here. Files without that
    attribute are matched by the key, counted over this model's layers in Keras' order
    (``keras_layer_order``).

``.h5`` (Keras 2's ``save_weights``, Keras' published ImageNet files such as
``vgg16_weights_tf_dim_ordering_tf_kernels.h5``, and a whole model saved by ``model.save("x.h5")``)
    the root (or its ``model_weights`` group) lists ``layer_names``; each layer's group lists
    its ``weight_names`` in order (``block1_conv1/kernel:0``, ``block1_conv1/bias:0``). Layers
    are matched by name; a file whose names differ from the model's (an older naming) is
    matched by position among the layers that have weights, in Keras' layer order, as Keras
    itself does.

Either way, a layer's arrays are in Keras' ``get_weights()`` order, which is the order of
``layer.get_weights()`` here: ``[kernel, bias]`` for Conv2D and Dense,
``[gamma, beta, moving_mean, moving_variance]`` for BatchNormalization, ``[kernel]`` for a
Conv2D or DepthwiseConv2D without bias. Values are cast to the layer's dtype.

Reading HDF5 needs h5py, an optional dependency: ``pip install 'edulayers[keras-files]'``.
A whole Keras 3 ``.keras`` model file (architecture and weights) is read by
``el.models.load_model`` (edulayers/saving), which also writes them.
"""
from __future__ import annotations

import os
import re

import numpy as np

__all__ = ["load_keras_weights", "read_keras_weights", "keras_layer_order"]


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("Reading Keras weight files (.h5, .weights.h5) needs h5py, an optional "
                          "dependency of edulayers: pip install 'edulayers[keras-files]' "
                          "(or pip install h5py)") from None
    return h5py


def _snake(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _text(value) -> str:
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def _read_keras3(f) -> tuple[dict, dict]:
    """``.weights.h5``: {layer name: [arrays]} (from the ``name`` attributes) and {key: [arrays]}."""
    by_name, by_key = {}, {}
    for key, group in f["layers"].items():
        if "vars" not in group:
            continue
        vars_ = group["vars"]
        arrays = [np.asarray(vars_[str(i)]) for i in range(len(vars_))]
        if not arrays:
            continue
        by_key[key] = arrays
        if "name" in vars_.attrs:
            by_name[_text(vars_.attrs["name"])] = arrays
    return by_name, by_key


def _read_legacy(f) -> list:
    """Keras 2 ``.h5``: [(layer name, [arrays])] in the file's layer order, layers with weights."""
    root = f["model_weights"] if "model_weights" in f else f
    layers = []
    for name in root.attrs["layer_names"]:
        name = _text(name)
        group = root[name]
        weight_names = [_text(n) for n in group.attrs.get("weight_names", [])]
        arrays = [np.asarray(group[n]) for n in weight_names]
        if arrays:
            layers.append((name, arrays))
    return layers


def read_keras_weights(filepath) -> dict:
    """The arrays of a Keras weight file, ``{layer name: [arrays in get_weights() order]}``
    (for a Keras 3 file without layer names: ``{"layers/<key>": [...]}``)."""
    h5py = _h5py()
    with h5py.File(filepath, "r") as f:
        if "layers" in f and "layer_names" not in f.attrs and "model_weights" not in f:
            by_name, by_key = _read_keras3(f)
            if len(by_name) == len(by_key):
                return by_name
            return {f"layers/{key}": arrays for key, arrays in by_key.items()}
        return dict(_read_legacy(f))


def _check(layer, arrays, source: str) -> None:
    ours = layer.get_weights()
    if len(ours) != len(arrays):
        raise ValueError(f"{layer._label} has {len(ours)} weight arrays {list(layer.weights)}, "
                         f"but {source} holds {len(arrays)}")
    for (name, mine), theirs in zip(layer.weights.items(), arrays):
        if mine.shape != theirs.shape:
            raise ValueError(f"{layer._label}: weight {name!r} has shape {mine.shape}, but "
                             f"{source} holds an array of shape {theirs.shape} (a file for "
                             "another input shape, alpha, number of classes or include_top?)")


def load_keras_weights(model, filepath) -> None:
    """Load a Keras ``.h5`` or ``.weights.h5`` file into ``model`` (an edulayers model whose
    layer names are Keras' own, as the applications' are); the module docstring has the layouts.

    Every layer of the model that has weights must find them in the file, and every layer of
    the file must be used (a file saved with the top does not load into a model without it):
    the error says which layers are missing or left over.
    """
    h5py = _h5py()
    filepath = os.fspath(filepath)
    weighted = [layer for layer in model.layers if layer.weights]
    with h5py.File(filepath, "r") as f:
        keras3 = "layers" in f and "layer_names" not in f.attrs and "model_weights" not in f
        if keras3:
            by_name, by_key = _read_keras3(f)
            if len(by_name) == len(by_key):
                pairs = _match_by_name(weighted, by_name, filepath)
            else:
                pairs = _match_by_key(model, by_key, filepath)
        else:
            stored = _read_legacy(f)
            names, ours = {name for name, _ in stored}, {layer.name for layer in weighted}
            if names == ours:
                pairs = _match_by_name(weighted, dict(stored), filepath)
            else:
                if len(stored) != len(weighted):
                    raise ValueError(
                        f"{filepath} holds weights for {len(stored)} layers, but {model._label} "
                        f"has {len(weighted)} layers with weights, and the names differ too: "
                        f"missing from the file {sorted(ours - names)[:5]}, "
                        f"not in the model {sorted(names - ours)[:5]} "
                        "(a file saved with include_top=True for a model without the top, or "
                        "the other way round?)")
                in_keras_order = [layer for layer in keras_layer_order(model) if layer.weights]
                pairs = [(layer, arrays, f"{filepath} layer {name!r}")
                         for layer, (name, arrays) in zip(in_keras_order, stored)]
    for layer, arrays, source in pairs:          # every array checked before any is loaded
        _check(layer, arrays, source)
    for layer, arrays, _ in pairs:
        layer.set_weights(arrays)


def _match_by_name(weighted, stored: dict, filepath) -> list:
    ours = {layer.name for layer in weighted}
    missing, extra = sorted(ours - set(stored)), sorted(set(stored) - ours)
    if missing or extra:
        raise ValueError(f"{filepath} does not fit the model: layers with weights missing from "
                         f"the file {missing[:8]}{' ...' if len(missing) > 8 else ''}, layers of "
                         f"the file not in the model {extra[:8]}{' ...' if len(extra) > 8 else ''} "
                         "(a file saved with include_top=True for a model without the top, or "
                         "the other way round?)")
    return [(layer, stored[layer.name], f"{filepath} layer {layer.name!r}") for layer in weighted]


def keras_layer_order(model) -> list:
    """``model.layers`` in the order Keras' functional model lists them (its ``map_graph``): by
    decreasing depth (the longest path to an output), ties in the order a depth-first walk
    back from the outputs first meets them. Keras numbers its ``.weights.h5`` groups
    (``conv2d_7``) and matches old ``.h5`` files in this order, which can differ from
    edulayers' own topological order (ResNet's shortcut convolution comes later in Keras')."""
    first_seen, post_order, done = {}, [], set()

    def visit(node):
        if node.layer is None or id(node) in done:
            return
        first_seen.setdefault(id(node.layer), len(first_seen))
        for t in node.input_tensors:
            visit(t.node)
        done.add(id(node))
        post_order.append(node)

    for t in model.outputs:
        visit(t.node)
    node_depth, layer_depth = {}, {}
    for node in reversed(post_order):
        depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for t in node.input_tensors:
            if t.node.layer is not None:
                node_depth[id(t.node)] = max(depth + 1, node_depth.get(id(t.node), 0))
    return sorted(model.layers, key=lambda layer: (-layer_depth[id(layer)], first_seen[id(layer)]))


def _match_by_key(model, by_key: dict, filepath) -> list:
    counts, pairs = {}, []
    for layer in keras_layer_order(model):
        base = _snake(type(layer).__name__)
        n = counts.get(base, 0)
        counts[base] = n + 1
        key = base if n == 0 else f"{base}_{n}"
        if layer.weights:
            if key not in by_key:
                raise ValueError(f"{filepath} has no group layers/{key} for {layer._label}")
            pairs.append((layer, by_key.pop(key), f"{filepath} group layers/{key}"))
    if by_key:
        raise ValueError(f"{filepath} holds weights the model has no layer for: "
                         f"{sorted(by_key)[:8]}")
    return pairs
