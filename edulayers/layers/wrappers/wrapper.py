r"""Wrapper: the base of layers that hold other layers (``TimeDistributed``, ``Bidirectional``).

A wrapper owns no weights of its own. It computes :math:`y = g(f(x))` where :math:`f` is the
wrapped layer (or layers) and :math:`g` only moves data around (folding time into the batch,
reversing a sequence, merging two outputs), so

* its weights are the wrapped layers' weights, in their order (Keras ``get_weights`` order);
* its backward first undoes :math:`g` on the upstream gradient, then calls the wrapped
  layers' backward and collects their gradients;
* its parameter count is the wrapped layers' count.

Everything the base ``Layer`` keeps in its own weight registry is delegated here: ``params``,
``weights``, ``get_weights``/``set_weights``, ``count_params``, the weight penalties
(``losses``, ``regularization_gradients``), ``apply_constraints`` and ``_set_dtype``.
``explain()`` adds the wrapped layers' explanations as children.

Each forward keeps a shallow snapshot of the wrapped layer's attributes (its ``cache`` and
the bookkeeping of its last call) in the wrapper's own ``cache``; backward restores it first.
So a wrapper that calls its layer several times (one call per time step) or that is itself
called twice in a functional ``Model`` backpropagates through the right call.
"""
from __future__ import annotations

import copy

import numpy as np

from ..base import Layer, _as_shape, _check_shape_against_spec

__all__ = ["Wrapper", "deserialize_layer", "serialize_layer"]


def serialize_layer(layer) -> dict:
    """``{"class_name": "LSTM", "config": {...}}``: what ``deserialize_layer`` rebuilds."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def _layer_classes() -> dict:
    """Every layer class by name: ``el.layers`` first, then any other ``Layer`` subclass defined
    so far (a student's custom layer), found by walking the subclass tree."""
    from ... import layers as layers_pkg     # at call time: this package is imported by el.layers
    found, todo = {}, [Layer]
    while todo:
        cls = todo.pop()
        found.setdefault(cls.__name__, cls)
        todo.extend(cls.__subclasses__())
    found.update({n: getattr(layers_pkg, n) for n in layers_pkg.__all__})
    return found


def deserialize_layer(config, owner: str = "Wrapper", custom_objects=None):
    """The layer a ``{"class_name", "config"}`` dict describes (a ``Layer`` instance is kept)."""
    if isinstance(config, Layer):
        return config
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{owner}: the wrapped layer must be an edulayers Layer instance (or its "
                         f"{{'class_name', 'config'}} dict), got {type(config).__name__} {config!r}")
    classes = {**_layer_classes(), **(custom_objects or {})}
    name = config["class_name"]
    if name not in classes:
        raise ValueError(f"{owner}: unknown layer class {name!r} (pass custom_objects={{{name!r}: cls}} "
                         "for a class defined elsewhere)")
    return classes[name].from_config(copy.deepcopy(dict(config.get("config") or {})))


def _weight_penalties(layer) -> list:
    """The weight penalties of ``layer`` (its activity penalty left out: see ``Wrapper.losses``)."""
    if isinstance(layer, Wrapper):
        return layer._weight_penalties()
    return [float(spec.regularizer(layer._weights[name]))
            for name, spec in layer._weight_specs.items()
            if spec.regularizer is not None and name in layer.params]


class Wrapper(Layer):
    """Base class of the wrappers: delegates weights, gradients, penalties and constraints.

    Subclasses set ``self.layer`` (or override ``sublayers``) and implement ``build``,
    ``forward`` and ``backward`` by calling the wrapped layers.
    """

    def __init__(self, layer, **kwargs):
        owner = type(self).__name__
        layer = deserialize_layer(layer, owner)
        if not isinstance(layer, Layer):
            raise ValueError(f"{owner}: the wrapped layer must be an edulayers Layer instance, "
                             f"got {type(layer).__name__} {layer!r}")
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = layer.dtype                # compute in the wrapped layer's dtype...
        super().__init__(**kwargs)
        self.layer = layer
        self._align_dtype(layer)                         # ...or cast it to the dtype asked for

    def _align_dtype(self, layer) -> None:
        """A wrapper and the layers it wraps compute in one dtype (the wrapper's)."""
        if layer.dtype != self.dtype:
            layer._set_dtype(self.dtype)

    # ---------------------------------------------------------------- the wrapped layers
    def sublayers(self) -> list:
        """``[(prefix, layer), ...]``: the wrapped layers and the prefix of their weight names."""
        return [("", self.layer)]

    def _collect_grads(self) -> None:
        """The wrapper's gradients are the wrapped layers' (same arrays, prefixed names)."""
        if not self.trainable:
            return
        for prefix, sub in self.sublayers():
            for name, g in sub.grads.items():
                self.grads[prefix + name] = g

    # ---------------------------------------------------------------- weights, delegated
    @property
    def weights(self) -> dict:
        return {prefix + n: w for prefix, sub in self.sublayers() for n, w in sub.weights.items()}

    @property
    def params(self) -> dict:
        if not self.trainable:
            return {}
        return {prefix + n: w for prefix, sub in self.sublayers() for n, w in sub.params.items()}

    @property
    def non_trainable_weights(self) -> dict:
        params = self.params
        return {n: w for n, w in self.weights.items() if n not in params}

    def get_weights(self) -> list:
        return [w for _, sub in self.sublayers() for w in sub.get_weights()]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        if not self.built:
            raise ValueError(f"{self._label}: set_weights needs a built layer; call it on an input "
                             "or call build(input_shape) first")
        names = list(self.weights)
        if len(weights) != len(names):
            raise ValueError(f"{self._label} expects {len(names)} weight arrays {names}, "
                             f"got {len(weights)}")
        for (name, current), new in zip(self.weights.items(), weights):
            if np.shape(new) != current.shape:
                raise ValueError(f"{self._label}: weight {name!r} has shape {current.shape}, "
                                 f"got an array of shape {np.shape(new)}")
        for _, sub in self.sublayers():
            n = len(sub.get_weights())
            sub.set_weights(weights[:n])
            weights = weights[n:]

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"{self._label} is not built yet, so its weights have no shapes: "
                             "call it on an input, build(input_shape), or explain(input_shape=...)")
        return int(sum(sub.count_params() for _, sub in self.sublayers()))

    # ---------------------------------------------------------------- penalties, constraints, dtype
    def _weight_penalties(self) -> list:
        if not self.trainable:
            return []
        return [p for _, sub in self.sublayers() for p in _weight_penalties(sub)]

    @property
    def losses(self) -> list:
        """The wrapped layers' weight penalties, then the wrapper's own activity penalty.

        A wrapped layer's own ``activity_regularizer`` is not applied: Keras 3's TimeDistributed
        calls the inner layer's ``call`` (which skips it), and the model routes the activity
        gradient of the wrapper's output only. Put the activity regularizer on the wrapper.
        """
        return self._weight_penalties() + Layer.losses.fget(self)

    def regularization_gradients(self) -> dict:
        if not self.trainable:
            return {}
        return {prefix + n: g for prefix, sub in self.sublayers()
                for n, g in sub.regularization_gradients().items()}

    def apply_constraints(self) -> None:
        for _, sub in self.sublayers():
            sub.apply_constraints()

    def _set_dtype(self, dtype) -> None:
        super()._set_dtype(dtype)           # own dtype (and any Layer attribute)
        for _, sub in self.sublayers():     # explicit: the wrapped layers' weights and dtype
            sub._set_dtype(dtype)

    # ---------------------------------------------------------------- config and explain
    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], cls.__name__, custom_objects)
        return cls(**config)

    def unbuilt_twin(self):
        """A fresh twin from the config, its wrapped layers unbuilt too (for ``explain``)."""
        return type(self).from_config(copy.deepcopy(self.get_config()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{type(sub).__name__} {sub.name!r}" for _, sub in self.sublayers())
        params = f", params={self.count_params()}" if self.built else ""
        return f"<{type(self).__name__} name={self.name!r} of [{inner}], built={self.built}{params}>"
