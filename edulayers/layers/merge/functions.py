"""Keras' lower-case merge functions: ``add([a, b])`` is ``Add()([a, b])``.

Applied to a list of arrays they return the merged array; applied to the symbolic tensors of the
functional API (``el.Input``) they return a symbolic tensor, because each one simply creates the
layer and calls it: whatever a layer call accepts, the function accepts. Extra keyword arguments
(``name=...``) go to the layer.
"""
from __future__ import annotations

from .concatenation import Concatenate
from .dot_product import Dot
from .elementwise import Add, Average, Maximum, Minimum, Multiply, Subtract

__all__ = ["add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]


def add(inputs, **kwargs):
    """``x_1 + x_2 + ...``: the functional interface of ``Add``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``x_1 - x_2`` (exactly two inputs): the functional interface of ``Subtract``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``x_1 * x_2 * ...`` elementwise: the functional interface of ``Multiply``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``(x_1 + ... + x_n) / n``: the functional interface of ``Average``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Elementwise maximum: the functional interface of ``Maximum``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Elementwise minimum: the functional interface of ``Minimum``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Join along ``axis``: the functional interface of ``Concatenate``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Per-sample dot product along ``axes``: the functional interface of ``Dot``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


#: Keras 1 ``Merge`` modes and the Keras 2/3 layer each one became.
MERGE_MODES = {"sum": "Add", "mul": "Multiply", "ave": "Average", "max": "Maximum",
               "concat": "Concatenate", "dot": "Dot", "cos": "Dot"}


def Merge(layers=None, mode="sum", concat_axis=-1, dot_axes=-1, name=None, **kwargs):  # noqa: N802
    """Keras 1's ``Merge(mode=...)`` layer, as the Keras 2/3 layer it became.

    ``Merge(mode='sum')`` returns an ``Add``; ``'mul'`` a ``Multiply``, ``'ave'`` an ``Average``,
    ``'max'`` a ``Maximum``, ``'concat'`` a ``Concatenate(axis=concat_axis)``, ``'dot'`` a
    ``Dot(axes=dot_axes)`` and ``'cos'`` a ``Dot(axes=dot_axes, normalize=True)`` (cosine
    similarity; Keras 1 divided by ``max(||x1|| ||x2||, eps)`` and added an axis, Keras 2 and 3
    normalize each input instead, which is what edulayers does).

    Keras 1 could also merge whole models (``Merge([left, right])`` inside a Sequential); here
    the functional API does that: ``el.layers.concatenate([left_output, right_output])``.
    A callable ``mode`` is a ``Lambda`` on the list of inputs in Keras 2/3.
    """
    if layers is not None:
        raise ValueError("Merge(layers=[...]) merged whole models in Keras 1; build the branches with "
                         "the functional API (el.Input / el.Model) and join their outputs with "
                         "el.layers.add / concatenate / ... instead")
    if callable(mode) or mode not in MERGE_MODES:
        raise ValueError(f"Merge: mode must be one of {sorted(MERGE_MODES)}, got {mode!r} "
                         "(a function as mode: use el.layers.Lambda on the list of inputs)")
    from . import concatenation, dot_product, elementwise
    if name is not None:
        kwargs["name"] = name
    if mode == "concat":
        return concatenation.Concatenate(axis=concat_axis, **kwargs)
    if mode in ("dot", "cos"):
        return dot_product.Dot(axes=dot_axes, normalize=(mode == "cos"), **kwargs)
    return getattr(elementwise, MERGE_MODES[mode])(**kwargs)


__all__.append("Merge")
