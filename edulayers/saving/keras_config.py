r"""Layer and model configs in Keras 3's structure, both ways.

Keras 3 describes every object as a small dict (``serialization_lib.serialize_keras_object``)::

    {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
     "config": {"name": "dense", "units": 3, "dtype": {<DTypePolicy>}, ...},
     "build_config": {"input_shape": [None, 4]}}

and nests the same shape for what a layer holds: ``dtype`` is a ``DTypePolicy`` object,
initializers/regularizers/constraints are ``keras.initializers``/``keras.regularizers``/
``keras.constraints`` objects, a wrapped layer or an RNN's cell is a layer dict. A custom class
(one Keras does not export) carries its Python ``module`` and a ``registered_name``, which is
what ``custom_objects`` is looked up by.

edulayers' own ``get_config()`` already uses Keras' argument names and values (that is the
layer catalogue's contract); what differs is only the wrapping above. So going to Keras adds
the wrapping, and coming from Keras removes it, drops the Keras-3-only arguments that are off
(``quantization_config=None``, ``renorm=False``...) and refuses those that are on.

A model is a ``Sequential`` (its ``layers`` list starts with an ``InputLayer``) or a
``Functional`` (``layers`` with ``inbound_nodes``: each call of a layer lists the tensors it
reads as ``keras_history = [layer name, node index, tensor index]``; ``input_layers`` and
``output_layers`` name the model's ends the same way).

Checked against Keras 3.15.1 (``keras/src/saving/serialization_lib.py``,
``keras/src/models/functional.py``, ``keras/src/models/sequential.py``).

This module is longer than most because it translates every layer's config both ways between
edulayers and Keras 3 (including nested objects: initializers, regularizers, constraints,
activations, wrapped layers and cells), and a model's whole graph with its node connections.
"""
from __future__ import annotations

import copy
import inspect

import numpy as np

from .object_registration import custom_objects_in_force

__all__ = ["KERAS_CHECKED_VERSION", "UNSUPPORTED_IN_KERAS3", "KerasFormatError",
           "check_exportable", "layer_to_keras", "layer_from_keras", "model_to_keras",
           "model_from_keras"]

KERAS_CHECKED_VERSION = "3.15.1"

# edulayers layers that Keras 3 does not have, and why: refused before anything is written.
UNSUPPORTED_IN_KERAS3 = {
    "LocallyConnected1D": "Keras 3 removed the locally connected layers (they were in Keras 2 up to 2.15)",
    "LocallyConnected2D": "Keras 3 removed the locally connected layers (they were in Keras 2 up to 2.15)",
    "Highway": "Highway is a Keras 1 layer, removed in Keras 2",
    "MaxoutDense": "MaxoutDense is a Keras 1 layer, removed in Keras 2",
    "SReLU": "SReLU is a Keras 1 advanced activation (later keras-contrib), never in Keras 2 or 3",
    "ParametricSoftplus": "ParametricSoftplus is a Keras 1 advanced activation, removed in Keras 2",
    "ThresholdedReLU": "Keras 3 removed ThresholdedReLU (ReLU(threshold=theta) differs only at "
                       "x == theta: it keeps x there, ThresholdedReLU gives 0)",
    "Merge": "Merge is the Keras 1 merge layer; Keras 2 and 3 have Add, Concatenate, Dot, ... instead",
    "Deconvolution2D": "Deconvolution2D is the Keras 1 layer whose output_shape argument Keras 3's "
                       "Conv2DTranspose does not take; build it as Conv2DTranspose(output_padding=...)",
    "Lambda": "Keras 3 saves a Lambda's function as Python bytecode, which edulayers neither writes "
              "nor runs (and Keras refuses to load it in safe_mode); write a small Layer subclass "
              "and pass it with custom_objects= instead",
}

# The edulayers classes that are Keras 3 layers of the same name and arguments. A Keras 1
# spelling that is a subclass (Convolution2D, AtrousConvolution2D, SeparableConvolution2D)
# is written as the first of these in its class hierarchy (Conv2D, SeparableConv2D).
KERAS3_LAYER_NAMES = frozenset("""
    Activation ActivityRegularization Add AlphaDropout Average AveragePooling1D AveragePooling2D
    AveragePooling3D BatchNormalization Bidirectional Concatenate Conv1D Conv1DTranspose Conv2D
    Conv2DTranspose Conv3D Conv3DTranspose Cropping1D Cropping2D Cropping3D Dense DepthwiseConv1D
    DepthwiseConv2D Dot Dropout ELU Embedding Flatten GRU GRUCell GaussianDropout GaussianNoise
    GlobalAveragePooling1D GlobalAveragePooling2D GlobalAveragePooling3D GlobalMaxPooling1D
    GlobalMaxPooling2D GlobalMaxPooling3D LSTM LSTMCell LeakyReLU Masking MaxPooling1D MaxPooling2D
    MaxPooling3D Maximum Minimum Multiply PReLU Permute RNN ReLU RepeatVector Reshape
    SeparableConv1D SeparableConv2D SimpleRNN SimpleRNNCell Softmax Subtract TimeDistributed
    UpSampling1D UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D
""".split())

# Keras 3 arguments edulayers does not have, with the value at which they change nothing:
# dropped when they hold that value, refused otherwise.
_KERAS_ONLY_INERT = {
    "quantization_config": None, "lora_rank": None, "lora_alpha": None,
    "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99, "synchronized": False,
    "use_cudnn": "auto", "sparse": False, "embeddings_constraint": None,
    "implementation": 2, "seed": None, "activity_regularizer": None,
    "autocast": True,          # a Keras layer's own config (a user's class): mixed precision only
}

# config keys that hold a layer (a wrapper's layers, an RNN's cell)
_LAYER_KEYS = ("layer", "backward_layer", "cell")
# config key endings that hold an initializer / regularizer / constraint, and Keras' module for them
_OBJECT_MODULES = (("_initializer", "keras.initializers"), ("_regularizer", "keras.regularizers"),
                   ("_constraint", "keras.constraints"))


class KerasFormatError(ValueError):
    """A model or file that cannot be translated between edulayers and Keras 3."""


# ------------------------------------------------------------------------------ edulayers -> Keras
def dtype_policy(dtype: str) -> dict:
    """Keras 3's ``DTypePolicy`` object for a plain dtype name."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": str(dtype)},
            "registered_name": None}


def _keras_class_name(layer):
    """The Keras 3 class a layer is written as, or ``None`` for a custom (user) layer."""
    for cls in type(layer).__mro__:
        if cls.__name__ in UNSUPPORTED_IN_KERAS3 and cls.__module__.startswith("edulayers."):
            return None
        if cls.__name__ in KERAS3_LAYER_NAMES and cls.__module__.startswith("edulayers."):
            return cls.__name__
    return None


def _is_edulayers_class(cls) -> bool:
    return cls.__module__.startswith("edulayers.")


def check_exportable(model) -> None:
    """Refuse, before any file is written, a model with a layer Keras 3 does not have."""
    from .h5_weights import layer_tree
    problems = []
    for layer in model.layers:
        for sub in layer_tree(layer):
            reason = _unsupported_reason(sub)
            if reason:
                problems.append(f"layer {sub.name!r} ({type(sub).__name__}): {reason}")
    if problems:
        raise KerasFormatError(f"{model._label} cannot be written in Keras 3's format: Keras 3 has "
                               "no counterpart for " + "; ".join(problems))


def _unsupported_reason(layer):
    for cls in type(layer).__mro__:
        if not _is_edulayers_class(cls):
            continue
        if cls.__name__ in KERAS3_LAYER_NAMES:
            return None
        if cls.__name__ in UNSUPPORTED_IN_KERAS3:
            return UNSUPPORTED_IN_KERAS3[cls.__name__]
    return None                       # a user's own layer: written as a custom object


def _keras_object(obj_config: dict, obj, module: str) -> dict:
    """``{"class_name", "config"}`` of an initializer/regularizer/constraint, wrapped as Keras 3."""
    cls = type(obj)
    if obj is not None and not _is_edulayers_class(cls):
        # a user's class: Keras looks it up in custom_objects by its registered name
        return {"module": cls.__module__, "class_name": obj_config["class_name"],
                "config": _plain(obj_config.get("config") or {}),
                "registered_name": obj_config["class_name"]}
    return {"module": module, "class_name": obj_config["class_name"],
            "config": _plain(obj_config.get("config") or {}), "registered_name": None}


def _plain(value):
    """JSON-ready values: tuples as lists, NumPy scalars and arrays as Python numbers and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def layer_to_keras(layer, input_shape=None, strict=True) -> dict:
    """A layer as Keras 3 serializes it (with ``build_config`` when ``input_shape`` is given).

    ``strict=False`` (a config that stays in edulayers: ``clone_model``, ``get_config``) writes a
    layer Keras 3 lacks under ``module: "edulayers.layers"`` instead of refusing it.
    """
    reason = _unsupported_reason(layer)
    if reason and strict:
        raise KerasFormatError(f"{layer._label} cannot be written in Keras 3's format: {reason}")
    class_name = _keras_class_name(layer)
    config = {}
    for key, value in layer.get_config().items():
        if key == "batch_input_shape":
            continue                      # Keras 3 keeps the input shape in the InputLayer
        if key == "implementation" and value == 2:
            continue                      # Keras 3's LSTM/GRU take it but never write it
        if key == "dtype":
            config[key] = dtype_policy(value)
        elif key in _LAYER_KEYS and isinstance(getattr(layer, key, None), _layer_base()):
            config[key] = layer_to_keras(getattr(layer, key), strict=strict)
        elif isinstance(value, dict) and "class_name" in value:
            module = next((m for end, m in _OBJECT_MODULES if key.endswith(end)), None)
            if key == "activity_regularizer":
                module = "keras.regularizers"
            config[key] = _keras_object(value, getattr(layer, key, None), module or "keras")
        else:
            config[key] = _plain(value)
    if reason:                            # strict=False: edulayers reads it back, Keras would not
        entry = {"module": "edulayers.layers", "class_name": type(layer).__name__,
                 "config": config, "registered_name": f"edulayers>{type(layer).__name__}"}
    elif class_name is None:              # a user's own layer
        cls = type(layer)
        entry = {"module": cls.__module__, "class_name": cls.__name__, "config": config,
                 "registered_name": cls.__name__}
    else:
        entry = {"module": "keras.layers", "class_name": class_name, "config": config,
                 "registered_name": None}
    if input_shape is not None:
        entry["build_config"] = {"input_shape": _plain(input_shape)}
    return entry


def _layer_base():
    from ..layers.base import Layer
    return Layer


def _input_layer(name, batch_shape, dtype) -> dict:
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": _plain(batch_shape), "dtype": str(dtype), "sparse": False,
                       "ragged": False, "name": name, "optional": False},
            "registered_name": None}


def _float_dtype_of(layers) -> str:
    """The dtype an input should have: the first layer's (float64 inputs for a float64 model;
    a float32 Input in front of a float64 Keras model would round every input to float32)."""
    return layers[0].dtype if layers else "float32"


def model_to_keras(model, strict=True) -> dict:
    """A ``Sequential`` or functional ``Model`` as Keras 3's ``serialize_keras_object`` gives it.

    ``strict`` (for files and JSON that Keras reads): a layer Keras 3 lacks is refused, before
    anything is written; ``strict=False`` keeps it, for configs edulayers alone reads.
    """
    from ..models.graph import Sequential
    if strict:
        check_exportable(model)
    if isinstance(model, Sequential):
        return _sequential_to_keras(model, strict)
    return _functional_to_keras(model, strict)


def _sequential_to_keras(model, strict) -> dict:
    model._require_built("save")
    shape = model.built_input_shape
    layers = [_input_layer("input_layer", shape, _float_dtype_of(model.layers))]
    for layer in model.layers:
        layers.append(layer_to_keras(layer, input_shape=shape, strict=strict))
        shape = layer.compute_output_shape(shape)
    dtype = model.layers[0].dtype if model.layers else "float32"
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": model.name, "trainable": getattr(model, "trainable", True),
                       "dtype": dtype_policy(dtype), "layers": layers,
                       "build_input_shape": _plain(model.built_input_shape)},
            "registered_name": None,
            "build_config": {"input_shape": _plain(model.built_input_shape)},
            "compile_config": {}}


def _keras_tensor(tensor, history) -> dict:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": _plain(tensor.shape), "dtype": tensor.dtype,
                       "keras_history": list(history)}}


def _functional_to_keras(model, strict) -> dict:
    from ..layers.recurrent.base_rnn import RNN
    from .h5_weights import keras_layer_order
    # Each layer's calls get node indices 0, 1, ... in the order they are listed; a tensor is
    # [the layer that made it, which call of that layer, which of the call's outputs].
    node_index = {}
    calls_of = {}
    for node in model.nodes:
        calls = calls_of.setdefault(id(node.layer), [])
        node_index[id(node)] = len(calls)
        calls.append(node)

    def history(tensor):
        node = tensor.node
        if node.layer is None:
            return [node.name, 0, 0]
        return [node.layer.name, node_index[id(node)], tensor.index]

    input_dtypes = {}
    for node in model.nodes:
        for t in node.input_tensors:
            if t.node.layer is None:
                input_dtypes.setdefault(id(t), node.layer.dtype)
    layers = [_input_layer(t.name, t.shape, input_dtypes.get(id(t), t.dtype)) | {
        "name": t.name, "inbound_nodes": []} for t in model.inputs]
    for layer in keras_layer_order(model):
        nodes = calls_of[id(layer)]
        inbound = []
        for node in nodes:
            tensors = node.input_tensors
            kwargs = {}
            if isinstance(layer, RNN) and isinstance(node.inputs, list):
                # edulayers calls an RNN on [x, *initial states]; Keras on x, initial_state=[...]
                args = [_keras_tensor(tensors[0], history(tensors[0]))]
                kwargs["initial_state"] = [_keras_tensor(t, history(t)) for t in tensors[1:]]
            elif isinstance(node.inputs, list):
                args = [[_keras_tensor(t, history(t)) for t in tensors]]
            else:
                args = [_keras_tensor(tensors[0], history(tensors[0]))]
            inbound.append({"args": args, "kwargs": kwargs})
        first = nodes[0]
        shapes = [t.shape for t in first.input_tensors]
        build_shape = shapes if isinstance(first.inputs, list) else shapes[0]
        if isinstance(layer, RNN) and isinstance(first.inputs, list):
            build_shape = shapes[0]
        entry = layer_to_keras(layer, input_shape=build_shape, strict=strict)
        entry["name"] = layer.name
        entry["inbound_nodes"] = inbound
        layers.append(entry)

    def ends(tensors, multi):
        triples = [history(t) for t in tensors]
        return triples if multi else triples[0]

    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": model.name, "trainable": getattr(model, "trainable", True),
                       "layers": layers,
                       "input_layers": ends(model.inputs, model._multi_input),
                       "output_layers": ends(model.outputs, model._multi_output)},
            "registered_name": "Functional", "build_config": {"input_shape": None},
            "compile_config": {}}


# ------------------------------------------------------------------------------ Keras -> edulayers
def _policy_name(value):
    """A dtype from Keras: a plain name, or a ``DTypePolicy`` dict (its name)."""
    if isinstance(value, dict):
        name = (value.get("config") or {}).get("name", "float32")
        if name.startswith("mixed_"):
            raise KerasFormatError(f"dtype policy {name!r}: edulayers computes in one dtype "
                                   "(float32 or float64), not in mixed precision")
        return name
    return value


def _lookup_custom(entry: dict, custom_objects: dict):
    for key in (entry.get("registered_name"), entry.get("class_name")):
        if key and key in custom_objects:
            return custom_objects[key]
    return None


def _object_from_keras(value, custom_objects):
    """An initializer/regularizer/constraint: a user's class from custom_objects, or edulayers'
    ``{"class_name", "config"}`` form, which the layer's constructor resolves by name."""
    if not isinstance(value, dict) or "class_name" not in value:
        return value
    config = {k: _value_from_keras(k, v, custom_objects)
              for k, v in (value.get("config") or {}).items()}
    custom = _lookup_custom(value, custom_objects)
    if custom is not None:
        return custom.from_config(config) if hasattr(custom, "from_config") else custom(**config)
    return {"class_name": value["class_name"], "config": config}


def _activation_from_keras(value, custom_objects):
    """Keras writes a built-in activation as its name and a user function as a "function" dict."""
    if isinstance(value, dict) and value.get("class_name") == "function":
        name = value.get("config")
        found = _lookup_custom(value, custom_objects) or custom_objects.get(name)
        return found if found is not None else name
    if isinstance(value, str) and value in custom_objects:
        return custom_objects[value]
    if isinstance(value, dict) and "class_name" in value:       # an activation layer object
        found = _lookup_custom(value, custom_objects)
        return found if found is not None else value
    return value


def _value_from_keras(key, value, custom_objects):
    if key == "dtype":
        return _policy_name(value)
    if key in _LAYER_KEYS and isinstance(value, dict) and "class_name" in value:
        return layer_from_keras(value, custom_objects)
    if key.endswith("activation"):
        return _activation_from_keras(value, custom_objects)
    if isinstance(value, dict) and "class_name" in value:
        return _object_from_keras(value, custom_objects)
    return value


def _accepted_arguments(cls) -> set | None:
    """The keyword arguments a layer class's constructor takes, following ``**kwargs`` up the
    class hierarchy; ``None`` if some constructor takes anything (no filtering possible)."""
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters
        names.update(n for n, p in params.items()
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and n != "self")
        passes_on = any(p.kind == p.VAR_KEYWORD for p in params.values())
        if not passes_on:
            return names
        if klass.__name__ == "Layer" and _is_edulayers_class(klass):
            return names                  # Layer's **unknown only refuses
    return None


def _edulayers_class(entry: dict, custom_objects: dict):
    from .. import layers as layers_pkg
    custom = _lookup_custom(entry, custom_objects)
    if custom is not None:
        return custom
    name = entry["class_name"]
    cls = getattr(layers_pkg, name, None)
    module = entry.get("module") or ""
    if name in UNSUPPORTED_IN_KERAS3 and module.startswith("keras"):
        raise KerasFormatError(f"layer {entry.get('config', {}).get('name')!r} ({name}): "
                               f"{UNSUPPORTED_IN_KERAS3[name]}")
    if isinstance(cls, type) and (module == "keras" or module.startswith("keras.")):
        return cls
    if isinstance(cls, type) and module.startswith("edulayers"):
        return cls                        # a layer Keras lacks, in a config edulayers wrote
    if not module.startswith("keras"):
        raise KerasFormatError(
            f"layer {entry.get('config', {}).get('name')!r} is of the custom class {name!r} "
            f"(module {module!r}): pass it with custom_objects={{{name!r}: YourLayerClass}}")
    raise KerasFormatError(
        f"layer {entry.get('config', {}).get('name')!r}: edulayers has no counterpart for Keras' "
        f"{name} (it implements {', '.join(sorted(KERAS3_LAYER_NAMES))})")


def layer_from_keras(entry: dict, custom_objects=None):
    """The edulayers layer a Keras 3 layer dict describes (weights are loaded separately)."""
    custom_objects = custom_objects_in_force(custom_objects)     # the open scopes, the global ones
    cls = _edulayers_class(entry, custom_objects)
    config = {k: _value_from_keras(k, v, custom_objects)
              for k, v in copy.deepcopy(entry.get("config") or {}).items()}
    accepted = _accepted_arguments(cls)
    layer_name = config.get("name")
    if accepted is not None:
        for key in sorted(set(config) - accepted):
            value = config.pop(key)
            if key in _KERAS_ONLY_INERT and value == _KERAS_ONLY_INERT[key]:
                continue              # a Keras 3 option left off: nothing to carry over
            raise KerasFormatError(
                f"layer {layer_name!r}: Keras' {entry['class_name']}({key}={value!r}) has no "
                f"edulayers counterpart (edulayers' {cls.__name__} takes {sorted(accepted)})")
    try:
        if not _is_edulayers_class(cls):
            return cls.from_config(config)     # a user's class may rebuild itself its own way
        return cls(**config)
    except TypeError as err:
        raise KerasFormatError(f"layer {layer_name!r} ({entry['class_name']}) could not be built "
                               f"from its config: {err}") from None


def _to_shape(shape):
    return None if shape is None else tuple(shape)


def model_from_keras(entry: dict, custom_objects=None):
    """The edulayers ``Sequential`` or ``Model`` a Keras 3 model config describes."""
    custom_objects = custom_objects_in_force(custom_objects)     # the open scopes, the global ones
    if "class_name" not in entry:
        raise KerasFormatError("a Keras model config needs 'class_name' and 'config' keys, got "
                               f"{sorted(entry)}")
    kind = entry["class_name"]
    if kind == "Sequential":
        return _sequential_from_keras(entry["config"], custom_objects)
    if kind in ("Functional", "Model"):
        return _functional_from_keras(entry["config"], custom_objects)
    raise KerasFormatError(f"a Keras {kind} model: edulayers reads Sequential and functional "
                           "models (a subclassed Model has no config to rebuild it from)")


def _sequential_from_keras(config, custom_objects):
    from ..models.graph import Sequential
    from ..symbolic import Input
    layers, input_shape = [], config.get("build_input_shape")
    for item in config.get("layers", []):
        if item.get("class_name") == "InputLayer":
            c = item["config"]
            input_shape = c.get("batch_shape") or c.get("batch_input_shape")
            continue
        layers.append(layer_from_keras(item, custom_objects))
    model = Sequential(name=config.get("name"))
    if input_shape is not None:
        model.add(Input(batch_shape=_to_shape(input_shape)))
    for layer in layers:
        model.add(layer)
    return model


def _is_operation(item) -> bool:
    """A Keras op recorded in the graph (``NotEqual`` for an Embedding's mask), not a layer."""
    return (item.get("module") or "").startswith("keras.src.ops")


def _functional_from_keras(config, custom_objects):
    from ..models.graph import Model
    from ..symbolic import Input
    # tensors by (layer name, node index, tensor index); ops that only compute masks are skipped
    # (edulayers carries masks from layer to layer itself)
    tensors, pending, skipped = {}, [], set()
    for item in config["layers"]:
        name = item.get("name") or item["config"]["name"]
        if item.get("class_name") == "InputLayer":
            c = item["config"]
            shape = c.get("batch_shape") or c.get("batch_input_shape")
            tensors[(name, 0, 0)] = Input(batch_shape=_to_shape(shape), name=name,
                                          dtype=_policy_name(c.get("dtype")) or None)
        elif _is_operation(item):
            skipped.add(name)
        else:
            pending.append((name, layer_from_keras(item, custom_objects),
                            list(item.get("inbound_nodes", []))))

    def resolve(value, where):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            key = tuple(value["config"]["keras_history"])
            if key[0] in skipped:
                raise KerasFormatError(f"layer {where!r} reads the output of the Keras operation "
                                       f"{key[0]!r}, which edulayers does not have")
            if key not in tensors:
                raise LookupError(key)
            return tensors[key]
        if isinstance(value, list):
            return [resolve(v, where) for v in value]
        return value

    # calls whose inputs exist are made, layer by layer in the listed order, until all are made
    # (a layer shared at different depths needs several passes), as Keras' functional_from_config
    calls_made = {}
    while pending:
        progress, still = False, []
        for name, layer, nodes in pending:
            while nodes:
                try:
                    args, kwargs = _call_arguments(nodes[0], resolve, name)
                except LookupError:
                    break
                out = layer(args, **kwargs)
                outs = out if isinstance(out, list) else [out]
                index = calls_made.get(name, 0)
                calls_made[name] = index + 1
                for i, t in enumerate(outs):
                    tensors[(name, index, i)] = t
                nodes.pop(0)
                progress = True
            if nodes:
                still.append((name, layer, nodes))
        if not progress:
            raise KerasFormatError("the functional config has calls whose inputs never appear: "
                                   f"{[name for name, _, _ in still]}")
        pending = still

    def ends(spec):
        """One [layer, node, tensor] triple is one tensor; a list of them a list."""
        if isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str):
            return tensors[tuple(spec)]
        if isinstance(spec, dict):
            raise KerasFormatError("a functional model with a dict of inputs or outputs: "
                                   "edulayers' Model takes one tensor or a list")
        return [tensors[tuple(s)] for s in spec]

    inputs = ends(config["input_layers"])
    outputs = ends(config["output_layers"])
    return Model(inputs, outputs, name=config.get("name"))


def _call_arguments(node_data, resolve, name):
    """``layer(args, **kwargs)`` of one Keras node: its tensors, with Keras' call keywords
    translated (``initial_state`` joins the input list; ``mask`` and ``training`` are dropped:
    edulayers propagates masks itself and the mode comes from fit/predict)."""
    args = node_data.get("args", [])
    kwargs = dict(node_data.get("kwargs") or {})
    if isinstance(node_data, list):           # an older Keras node: [[name, node, tensor, kwargs]]
        raise KerasFormatError(f"layer {name!r}: the node format of Keras 2 configs is not read; "
                               "load the model in Keras 3 and save it again")
    inputs = resolve(args[0], name) if len(args) == 1 else resolve(list(args), name)
    kwargs.pop("mask", None)
    kwargs.pop("training", None)
    states = kwargs.pop("initial_state", None)
    if states is not None:
        states = resolve(states, name)
        inputs = [inputs, *(states if isinstance(states, list) else [states])]
    if kwargs:
        raise KerasFormatError(f"layer {name!r} is called with {sorted(kwargs)}, which edulayers' "
                               "functional models do not pass on")
    return inputs, {}
