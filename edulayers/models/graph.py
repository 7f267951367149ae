r"""The graph of a model: its layers, how they are wired, their weights, summary() and explain().

``Sequential`` runs the layers in order; ``Model`` (the functional API) runs any graph of layer
calls in an order where every input is ready, and backward in reverse, *adding up* the
gradients of a tensor used more than once (a branch point in the forward pass is an addition
in the backward pass). What happens with a compiled model (compile, fit, evaluate, predict) is
in ``training.py``.

This module is longer than most because Sequential and the functional Model share it: building from
symbolic calls, the topological order, forward and backward over shared layers with per-call
records, the weight lists, summary(), explain() and get_config() of a whole graph.
"""
from __future__ import annotations

import difflib
import numbers

import numpy as np

from ..explain import Explanation, Step, format_shape
from ..layers.base import (Layer, _as_shape, _check_shape_against_spec, call_state,
                           restore_call_state, unique_name)
from ..symbolic import Input, SymbolicTensor
from .training import Training, weight_array

__all__ = ["Sequential", "Model", "Input"]


class _Model(Training):
    """What every model shares: the weights of its layers, saving them, and the summary table."""

    name: str
    layers: list

    @property
    def _label(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def __call__(self, x, training=False, path="fast", mask=None):
        return self.forward(x, training=training, path=path, mask=mask)

    # ---------------------------------------------------------------- weights
    @property
    def params(self) -> dict:
        return {f"{layer.name}/{k}": v for layer in self.layers for k, v in layer.params.items()}

    @property
    def grads(self) -> dict:
        """What the last ``backward`` gave each layer (``fit`` adds the weight penalties' gradients
        when it builds the update, not here)."""
        return {f"{layer.name}/{k}": v for layer in self.layers for k, v in layer.grads.items()}

    @property
    def losses(self) -> list:
        return [loss for layer in self.layers for loss in layer.losses]

    @property
    def weights(self) -> list:
        """Every weight of every layer, as Keras' ``model.weights``: the arrays themselves (not
        copies), in ``get_weights()`` order, a weight two layers share once."""
        found, seen = [], set()
        for layer in self.layers:
            for w in layer.weights.values():
                if id(w) not in seen:
                    seen.add(id(w))
                    found.append(w)
        return found

    @property
    def trainable_weights(self) -> list:
        """The weights ``fit`` updates (those in ``params``), in ``weights`` order."""
        trainable = {id(w) for layer in self.layers for w in layer.params.values()}
        return [w for w in self.weights if id(w) in trainable]

    @property
    def non_trainable_weights(self) -> list:
        """The weights ``fit`` leaves to others: a frozen layer's (``trainable=False``) and the
        statistics a layer keeps itself (BatchNormalization's moving mean and variance)."""
        trainable = {id(w) for layer in self.layers for w in layer.params.values()}
        return [w for w in self.weights if id(w) not in trainable]

    def get_weights(self) -> list:
        return [w for layer in self.layers for w in layer.get_weights()]

    def get_layer(self, name=None, index=None):
        """A layer by its name or by its position in ``layers``, as Keras' ``get_layer`` (and its
        errors: both or neither given, a name or an index the model does not have).

        The positions are those of ``model.layers``, which holds no input: in a Keras 3
        functional model ``layers[0]`` is an ``InputLayer``, here it is the first layer called.
        """
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        if index is not None:
            if isinstance(index, (bool, np.bool_)) or not isinstance(index, numbers.Integral):
                raise TypeError(f"{self._label}.get_layer: index must be an int, got {index!r}")
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            names = [layer.name for layer in self.layers]
            hint = ""
            if any(getattr(t, "name", None) == name for t in getattr(self, "inputs", [])):
                hint = (f" {name!r} is an input of the model (el.Input): edulayers keeps inputs out "
                        "of model.layers")
            elif isinstance(name, str) and difflib.get_close_matches(name, names, n=1):
                hint = f" Did you mean {difflib.get_close_matches(name, names, n=1)[0]!r}?"
            raise ValueError(f"No such layer: {name}. Existing layers are: {names}.{hint}")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    # ---------------------------------------------------------------- Keras' shapes of the model
    @property
    def input_shape(self):
        """The shape the model takes, batch axis included: ``(None, 28, 28, 1)``; a list for a
        model with several inputs. An ``AttributeError`` while it is not known, as Keras."""
        shapes = self._input_shapes()
        if any(s is None for s in shapes):
            raise AttributeError(f"{type(self).__name__} model '{self.name}' has no defined input "
                                 "shape yet (give the first layer input_shape=..., call "
                                 "build(input_shape) or call the model on data)")
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        """The shape the model returns: ``(None, 10)``, a list for several outputs (as Keras:
        the LocallyConnected page's ``model.output_shape == (None, 30, 30, 64)``)."""
        shapes = self._output_shapes()
        if shapes is None:
            raise AttributeError(f"{type(self).__name__} model '{self.name}' has no defined output "
                                 "shape yet (give the first layer input_shape=..., call "
                                 "build(input_shape) or call the model on data)")
        return shapes[0] if len(shapes) == 1 else shapes

    def set_weights(self, weights) -> None:
        """Load weights in ``get_weights()`` order. Every array is checked (count, shape, a numeric
        dtype) before any is written: a refused call leaves the model as it was."""
        weights = list(weights)
        current = [(layer, f"{layer.name}/{name}", w) for layer in self.layers
                   for name, w in layer.weights.items()]
        if len(weights) != len(current):
            raise ValueError(f"{self._label} expects {len(current)} weight arrays, got {len(weights)}")
        arrays = [weight_array(self._label, name, w, new) for (_, name, w), new in zip(current, weights)]
        for layer in self.layers:
            n = len(layer.weights)
            layer.set_weights(arrays[:n])
            arrays = arrays[n:]

    def save_weights(self, path) -> None:
        """Save every weight: ``x.weights.h5`` is Keras 3's weights file (Keras' ``load_weights``
        reads it; needs h5py); any other name a ``.npz`` file in layer order (keys
        ``layer_0/kernel``, ...)."""
        if _is_keras_weights_file(path):
            from ..saving.h5_weights import save_weights_h5
            return save_weights_h5(self, path)
        arrays = {f"layer_{i}/{k}": w for i, layer in enumerate(self.layers) for k, w in layer.weights.items()}
        with open(path, "wb") as f:
            np.savez(f, **arrays)

    def load_weights(self, path) -> None:
        """Load weights saved by ``save_weights``: matched by layer position, as Keras does.

        ``x.weights.h5`` (Keras 3's file, from Keras or edulayers) is matched as Keras matches
        it, layer by layer in Keras' order; a file for another architecture is refused with the
        layers expected and found, and nothing is loaded.
        """
        if _is_keras_weights_file(path):
            from ..saving.h5_weights import load_weights_h5
            return load_weights_h5(self, path)
        with np.load(path) as data:
            stored = dict(data)
        expected = [f"layer_{i}/{k}" for i, layer in enumerate(self.layers) for k in layer.weights]
        if sorted(expected) != sorted(stored):
            raise ValueError(f"load_weights: {path} holds {sorted(stored)}, but {self._label} "
                             f"has {expected}")
        self.set_weights([stored[k] for k in expected])

    # ---------------------------------------------------------------- Keras 3's files (el.saving)
    def save(self, filepath) -> None:
        """Write Keras 3's ``.keras`` file (config, metadata, weights): ``keras.models.load_model``
        opens it, and so does ``el.models.load_model``."""
        from ..saving.keras_format import save_model
        save_model(self, filepath)

    def get_config(self) -> dict:
        """The model's config in Keras 3's structure (what ``keras.Model.get_config`` gives)."""
        from ..saving.keras_config import model_to_keras
        return model_to_keras(self, strict=False)["config"]

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new model (fresh weights) from ``get_config()`` here or in Keras 3."""
        from ..saving.keras_format import model_from_config
        return model_from_config(config, custom_objects)

    def to_json(self, **json_kwargs) -> str:
        """Keras 3's JSON of the architecture (``keras.models.model_from_json`` reads it)."""
        from ..saving.keras_format import model_to_json
        return model_to_json(self, **json_kwargs)

    def count_params(self) -> int:
        self._require_built("count_params")
        return sum(layer.count_params() for layer in self.layers)

    def _require_built(self, what):
        if not self.built:
            raise ValueError(f"{self._label} is not built, so its layers have no weights yet: give "
                             f"the first layer input_shape=..., call build(input_shape) or call the "
                             f"model on data before {what}()")

    def _set_dtype(self, dtype) -> None:
        for layer in self.layers:
            layer._set_dtype(dtype)

    # ---------------------------------------------------------------- reading the model
    def _summary_table(self, rows, headers, print_fn) -> str:
        widths = [max(len(h), *(len(r[i]) for r in rows)) + 2 for i, h in enumerate(headers)]
        rule = "-" * sum(widths)
        fmt = lambda cells: "".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
        trainable = sum(int(np.size(w)) for w in self.params.values())
        total = sum(layer.count_params() for layer in self.layers if layer.built)
        lines = [f'Model: "{self.name}"', rule, fmt(headers), rule] + [fmt(r) for r in rows]
        lines += [rule, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", rule]
        text = "\n".join(lines)
        if print_fn is None:
            return text               # summary(print_fn=None): the table as a string
        print_fn(text)                # as Keras: print, return None (no second copy in a notebook)
        return None


class Sequential(_Model):
    """A linear stack of layers: :math:`y = f_L(\\cdots f_2(f_1(x)))`.

    Args:
        layers: the layers, in order (more can be added with ``add``); the first item may be
            ``el.Input(shape=...)``, as in Keras 3.
        name: the model's name (``sequential``, ``sequential_1``, ... by default).

    Backward applies the chain rule in reverse: each layer's ``backward`` turns the gradient
    with respect to its output into the gradient with respect to its input and fills its own
    ``grads``. Masks travel forward from layer to layer (``layer.output_mask``).
    """

    def __init__(self, layers=None, name=None):
        self.name = name or unique_name("sequential")
        self.layers: list = []
        self.built_input_shape = None
        for layer in layers or []:
            self.add(layer)

    # ---------------------------------------------------------------- building
    def add(self, layer) -> None:
        if isinstance(layer, SymbolicTensor) and not self.layers:
            self.built_input_shape = layer.shape      # Sequential([el.Input((16,)), ...])
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"{self._label}.add expects a Layer, got {type(layer).__name__}")
        if any(existing.name == layer.name for existing in self.layers):
            raise ValueError(f"{self._label} already has a layer named {layer.name!r}; "
                             "layer names must be unique")
        self.layers.append(layer)
        if len(self.layers) == 1 and layer.batch_input_shape is not None:
            self.build(layer.batch_input_shape)
        elif self.built_input_shape is not None:
            self.build(self.built_input_shape)

    @property
    def built(self) -> bool:
        return self.built_input_shape is not None and all(layer.built for layer in self.layers)

    def build(self, input_shape) -> None:
        """Build every layer, passing each one the output shape of the previous."""
        shape = _as_shape(input_shape)
        self.built_input_shape = shape
        for layer in self.layers:
            _check_shape_against_spec(layer, shape)   # a layer built earlier must fit here too
            layer._ensure_built(shape)
            shape = layer.compute_output_shape(shape)

    def _input_shapes(self) -> list:
        """The shape the one input expects (``None`` before the model is built)."""
        return [self.built_input_shape]

    def compute_output_shape(self, input_shape):
        shape = _as_shape(input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def _output_shapes(self):
        """``[the output shape]``, or ``None`` before the model is built."""
        if not self.built:
            return None
        shape = self.compute_output_shape(self.built_input_shape)
        return shape if isinstance(shape, list) else [shape]

    # ---------------------------------------------------------------- the computation
    def forward(self, x, training=False, path="fast", mask=None):
        if not self.layers:
            raise ValueError(f"{self._label} has no layers: add some first")
        y = x
        for layer in self.layers:
            y = layer.forward(y, training=training, path=path, mask=mask)
            mask = layer.output_mask
        if self.built_input_shape is None:
            self.built_input_shape = (None,) + np.shape(x)[1:]
        return y

    def backward(self, dy, activity_penalties=False):
        """Gradient w.r.t. the model's input; every layer's ``grads`` is filled on the way.

        With ``activity_penalties=True`` (what ``fit`` uses) each layer's activity penalty joins
        in: it depends on the layer's output, so its gradient is added to the gradient of that
        output and flows back through the layer and the layers below, like the loss's.
        """
        for layer in reversed(self.layers):
            if activity_penalties:
                extra = layer.activity_gradient()
                if extra is not None:
                    dy = dy + extra
            dy = layer.backward(dy)
        return dy

    # ---------------------------------------------------------------- reading the model
    def summary(self, print_fn=print):
        """Keras' summary table: each layer's output shape and parameter count.

        Printed with ``print_fn`` (``print``), as Keras; ``print_fn=None`` returns it as a string.
        A model not built yet lists its layers as Keras 3 does: output shape ``?``, and
        ``0 (unbuilt)`` parameters for each layer that has no weights yet.
        """
        if not self.built:
            rows = [(f"{layer.name} ({type(layer).__name__})", "?",
                     f"{layer.count_params():,}" if layer.built else "0 (unbuilt)")
                    for layer in self.layers]
            return self._summary_table(rows, ("Layer (type)", "Output Shape", "Param #"), print_fn)
        rows, shape = [], self.built_input_shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", format_shape(shape),
                         f"{layer.count_params():,}"))
        return self._summary_table(rows, ("Layer (type)", "Output Shape", "Param #"), print_fn)

    def explain(self, input_shape=None) -> Explanation:
        """Layer after layer: formulas, the shape trace and the parameter arithmetic of the stack."""
        if input_shape is not None and not self.built:
            self.build(input_shape)
        self._require_built("explain")
        shape = self.built_input_shape
        children, steps = [], [Step("input", shape)]
        for layer in self.layers:
            child = layer.explain(shape)
            children.append(child)
            shape = child.output_shape
            steps.append(Step(f"{layer.name} ({type(layer).__name__})", shape))
        formula = "x"
        for i in range(1, len(self.layers) + 1):
            formula = f"f_{{{i}}}({formula})"
        return Explanation(name=f"Sequential ({self.name})", formula=f"y = {formula}",
                           shape_trace=steps, param_count=self.count_params(),
                           param_formula=_sum_formula(children), children=children)

    def __repr__(self):
        return f"<Sequential name={self.name!r}, layers={[layer.name for layer in self.layers]}>"


class Model(_Model):
    """A functional model: the graph of layer calls from ``inputs`` to ``outputs``.

    Args:
        inputs: an ``el.Input(...)`` tensor, or a list of them.
        outputs: the symbolic tensor(s) the layers computed from the inputs.
        name: the model's name (``functional``, ``functional_1``, ... as Keras 3).

    ``forward`` runs the layer calls in an order where every input is ready (a topological
    order); ``backward`` runs them in reverse and *adds up* the gradients of a tensor used more
    than once. A layer may be called more than once (shared weights): each call keeps its own
    cache, and the layer's gradients are summed over its calls.
    """

    def __init__(self, inputs, outputs, name=None):
        self.name = name or unique_name("functional")
        self._multi_input = isinstance(inputs, (list, tuple))
        self._multi_output = isinstance(outputs, (list, tuple))
        self.inputs = list(inputs) if self._multi_input else [inputs]
        self.outputs = list(outputs) if self._multi_output else [outputs]
        for t in self.inputs + self.outputs:
            if not isinstance(t, SymbolicTensor):
                raise TypeError(f"Model '{self.name}': inputs and outputs must be symbolic tensors "
                                f"(from el.Input and layer calls), got {type(t).__name__}")
        for t in self.inputs:
            if t.node.layer is not None:
                raise ValueError(f"Model '{self.name}': input {t.name!r} is not an el.Input(...)")
        self.nodes = self._topological_order()
        self.layers: list = []
        for node in self.nodes:
            if node.layer not in self.layers:
                self.layers.append(node.layer)
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            raise ValueError(f"Model '{self.name}': layer names must be unique, got {names}")
        # for each node (in self.nodes' order): is its layer called more than once? A list, not a
        # dict keyed by layer names (a layer may be renamed) or ids (gradcheck deep-copies models)
        self._node_is_shared = [sum(other.layer is node.layer for other in self.nodes) > 1
                                for node in self.nodes]

    def _topological_order(self) -> list:
        order, state = [], {}
        allowed = {id(t.node) for t in self.inputs}

        def visit(node, path):
            if state.get(id(node)) == "done":
                return
            if node.layer is None:
                if id(node) not in allowed:
                    raise ValueError(f"Model '{self.name}': the outputs depend on input "
                                     f"{node.name!r}, which is not among the model's inputs")
                state[id(node)] = "done"
                return
            for t in node.input_tensors:
                visit(t.node, path + [node.name])
            state[id(node)] = "done"
            order.append(node)

        for t in self.outputs:
            visit(t.node, [])
        return order

    @property
    def built(self) -> bool:
        return True

    @property
    def built_input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes if self._multi_input else shapes[0]

    def _input_shapes(self) -> list:
        """The shape each input expects, in the order of ``inputs``."""
        return [t.shape for t in self.inputs]

    def compute_output_shape(self, input_shape=None):
        shapes = [t.shape for t in self.outputs]
        return shapes if self._multi_output else shapes[0]

    def _output_shapes(self) -> list:
        return [t.shape for t in self.outputs]

    # ---------------------------------------------------------------- the computation
    def forward(self, x, training=False, path="fast", mask=None):
        xs = list(x) if self._multi_input else [x]
        if len(xs) != len(self.inputs):
            raise ValueError(f"{self._label} has {len(self.inputs)} inputs, got {len(xs)} arrays")
        values, masks = {}, {}
        for t, value in zip(self.inputs, xs):
            value = np.asarray(value)
            if value.ndim != len(t.shape) or any(s is not None and s != v
                                                 for s, v in zip(t.shape[1:], value.shape[1:])):
                raise ValueError(f"{self._label}: input {t.name!r} expects shape {t.shape}, "
                                 f"got {value.shape}")
            values[id(t)] = value
        # a shared layer runs once per node: keep each call's state for that node's backward
        self._call_states = {}
        for node, shared in zip(self.nodes, self._node_is_shared):
            args = [values[id(t)] for t in node.input_tensors]
            arg_masks = [masks.get(id(t)) for t in node.input_tensors]
            if isinstance(node.inputs, list):
                out = node.layer.forward(args, training=training, path=path,
                                         mask=None if all(m is None for m in arg_masks) else arg_masks)
            else:
                out = node.layer.forward(args[0], training=training, path=path, mask=arg_masks[0])
            if shared:
                self._call_states[id(node)] = call_state(node.layer)
            outs = out if isinstance(out, list) else [out]
            out_masks = node.layer.output_mask
            out_masks = out_masks if isinstance(out_masks, list) else [out_masks] * len(outs)
            for t, value, m in zip(node.outputs, outs, out_masks):
                values[id(t)] = value
                masks[id(t)] = m
        self._output_shapes = [values[id(t)].shape for t in self.outputs]
        ys = [values[id(t)] for t in self.outputs]
        return ys if self._multi_output else ys[0]

    def backward(self, dy, activity_penalties=False):
        """Reverse-mode through the graph: gradients of a tensor used twice are added.

        ``activity_penalties=True`` (what ``fit`` uses): each call's activity-penalty gradient is
        added to the gradient of its output, as in ``Sequential.backward``.
        """
        dys = list(dy) if self._multi_output else [dy]
        grads_of: dict = {}
        for t, g in zip(self.outputs, dys):
            grads_of[id(t)] = grads_of.get(id(t), 0) + np.asarray(g)
        summed: dict = {}
        for node, shared in zip(reversed(self.nodes), reversed(self._node_is_shared)):
            layer = node.layer
            if id(node) in self._call_states:
                restore_call_state(self._call_states[id(node)])
            douts = [grads_of.get(id(t)) for t in node.outputs]
            shapes = layer.last_call.output_shapes
            shapes = shapes if isinstance(shapes, list) else [shapes]
            douts = [np.zeros(s, dtype=layer.dtype) if d is None else d for d, s in zip(douts, shapes)]
            if activity_penalties:
                extra = layer.activity_gradient()
                if extra is not None:
                    douts[0] = douts[0] + extra
            dx = layer.backward(douts if len(node.outputs) > 1 else douts[0])
            if shared:
                acc = summed.setdefault(id(layer), {})
                for k, g in layer.grads.items():
                    acc[k] = acc[k] + g if k in acc else g.copy()
            dxs = dx if isinstance(node.inputs, list) else [dx]
            for t, g in zip(node.input_tensors, dxs):
                if g is not None:
                    grads_of[id(t)] = grads_of[id(t)] + g if id(t) in grads_of else g
        for layer in self.layers:
            if id(layer) in summed:
                layer.grads = summed[id(layer)]
        dxs = [grads_of.get(id(t)) for t in self.inputs]
        return dxs if self._multi_input else dxs[0]

    # ---------------------------------------------------------------- reading the model
    def summary(self, print_fn=print):
        """Keras' functional summary: output shape, parameter count and what each call reads
        (``print_fn=None`` returns the table as a string)."""
        rows = [(f"{t.name} (InputLayer)", format_shape(t.shape), "0", "-") for t in self.inputs]
        for node in self.nodes:
            shapes = [t.shape for t in node.outputs]
            rows.append((f"{node.layer.name} ({type(node.layer).__name__})",
                         format_shape(shapes if len(shapes) > 1 else shapes[0]),
                         f"{node.layer.count_params():,}",
                         ", ".join(t.name for t in node.input_tensors)))
        return self._summary_table(rows, ("Layer (type)", "Output Shape", "Param #", "Connected to"),
                                   print_fn)

    def explain(self, input_shape=None) -> Explanation:
        """Each layer call in graph order: what it reads, its formula, shapes and parameters."""
        children, steps = [], [Step(f"input {t.name}", t.shape) for t in self.inputs]
        seen = set()
        for node in self.nodes:
            shapes = [t.shape for t in node.input_tensors]
            child = node.layer.explain(shapes if isinstance(node.inputs, list) else shapes[0])
            if id(node.layer) not in seen:          # a shared layer's weights count once
                children.append(child)
                seen.add(id(node.layer))
            out = [t.shape for t in node.outputs]
            reads = ", ".join(t.name for t in node.input_tensors)
            steps.append(Step(f"{node.layer.name} ({type(node.layer).__name__}) of {reads}",
                              out if len(out) > 1 else out[0]))
        return Explanation(name=f"Model ({self.name})",
                           formula=r"y = \text{the graph of layer calls below}",
                           shape_trace=steps, param_count=self.count_params(),
                           param_formula=_sum_formula(children), children=children)

    def __repr__(self):
        return (f"<Model name={self.name!r}, inputs={[t.shape for t in self.inputs]}, "
                f"outputs={[t.shape for t in self.outputs]}, layers={[layer.name for layer in self.layers]}>")


def _sum_formula(children) -> str:
    nonzero = [c for c in children if c.param_count]
    return " + ".join(f"({c.param_formula})" if "+" in c.param_formula else c.param_formula
                      for c in nonzero) or "0"


def _is_keras_weights_file(path) -> bool:
    """Keras 3 names its weights files ``*.weights.h5``; save/load_weights pick the format by it."""
    import os
    return os.fspath(path).endswith(".weights.h5")
