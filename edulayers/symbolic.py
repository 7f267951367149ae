"""Symbolic tensors: the placeholders that wire a functional model together.

``x = el.Input(shape=(16,))`` is not an array but a promise of one: it records a
shape (``(None, 16)``: the batch size is left open) and where the value will come
from. Calling a layer on a symbolic tensor does not compute anything: it builds
the layer for that shape and returns a new symbolic tensor whose *node* remembers
the layer and its inputs. ``el.Model(inputs, outputs)`` then walks these nodes
back from the outputs to find the graph it runs::

    inputs = el.Input(shape=(16,))
    h = el.layers.Dense(32, activation="relu")(inputs)      # a SymbolicTensor (None, 32)
    outputs = el.layers.Dense(10, activation="softmax")(h)
    model = el.Model(inputs, outputs)
"""
from __future__ import annotations

import numpy as np

from . import backend

__all__ = ["SymbolicTensor", "Node", "Input", "is_symbolic"]

_input_count = [0]


class Node:
    """One call of a layer in a graph: the layer, its input tensors and its output tensors.

    ``layer`` is ``None`` for a model input. ``inputs`` keeps the structure of the call: one
    tensor, or a list for layers that take several inputs.
    """

    def __init__(self, layer, inputs, name=None):
        self.layer = layer
        self.inputs = inputs
        self.outputs: list = []
        self.name = name or (layer.name if layer is not None else "input")

    @property
    def input_tensors(self) -> list:
        if self.inputs is None:
            return []
        return list(self.inputs) if isinstance(self.inputs, (list, tuple)) else [self.inputs]

    def __repr__(self):
        return f"<Node {self.name}>"


class SymbolicTensor:
    """A placeholder for an array in a functional model: a shape (batch axis ``None``) and a source."""

    def __init__(self, shape, node, index=0, dtype=None):
        self.shape = tuple(shape)
        self.node = node
        self.index = index
        self.dtype = str(np.dtype(dtype or backend.floatx()))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def name(self) -> str:
        suffix = f"[{self.index}]" if len(self.node.outputs) > 1 else ""
        return self.node.name + suffix

    def __repr__(self):
        return f"<SymbolicTensor shape={self.shape} from {self.name!r}>"

    def __array__(self, *args, **kwargs):
        raise TypeError(f"{self!r} has no values: it is a placeholder of a functional model; "
                        "build el.Model(inputs, outputs) and call model.predict(x) or model(x)")


def Input(shape=None, batch_size=None, name=None, dtype=None, batch_shape=None):  # noqa: N802 (Keras name)
    """A model input: ``Input(shape=(16,))`` stands for arrays of shape ``(batch, 16)``.

    Args:
        shape: the shape of one sample (without the batch axis).
        batch_size: a fixed batch size (default: any).
        batch_shape: the full shape, batch axis included (instead of shape + batch_size).
        name: the input's name (``input_layer``, ``input_layer_1``, ... by default, as Keras 3).
    """
    if batch_shape is None:
        if shape is None:
            raise ValueError("Input needs shape=(...) (one sample, without the batch axis) or batch_shape")
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        batch_shape = (batch_size,) + shape
    if name is None:
        name = "input_layer" if _input_count[0] == 0 else f"input_layer_{_input_count[0]}"
        _input_count[0] += 1
    node = Node(None, None, name=name)
    tensor = SymbolicTensor(batch_shape, node, 0, dtype)
    node.outputs = [tensor]
    return tensor


def is_symbolic(value) -> bool:
    """Whether ``value`` (or any item of a list of inputs) is a SymbolicTensor."""
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, SymbolicTensor) for v in value)
    return isinstance(value, SymbolicTensor)


def reset_input_names() -> None:
    _input_count[0] = 0
