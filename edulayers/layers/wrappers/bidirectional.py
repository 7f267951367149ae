r"""Bidirectional: a recurrent layer reading the sequence forwards and a copy reading it backwards.

Two recurrent layers with their own weights run over the same input :math:`x_1..x_T`:

.. math::  \overrightarrow{h}_t = f(x_t, \overrightarrow{h}_{t-1}) \ (t = 1..T), \qquad
           \overleftarrow{h}_t = f'(x_t, \overleftarrow{h}_{t+1}) \ (t = T..1)

so at every :math:`t` the pair :math:`(\overrightarrow{h}_t, \overleftarrow{h}_t)` has seen the
whole sequence, the past through the first and the future through the second. The two are
merged (``merge_mode``):

.. math::  \text{concat: } [\overrightarrow{h}_t ; \overleftarrow{h}_t], \quad
           \text{sum: } \overrightarrow{h}_t + \overleftarrow{h}_t, \quad
           \text{ave: } \tfrac12(\overrightarrow{h}_t + \overleftarrow{h}_t), \quad
           \text{mul: } \overrightarrow{h}_t \odot \overleftarrow{h}_t, \quad
           \text{None: the list } [\overrightarrow{h}, \overleftarrow{h}]

The backward layer (``go_backwards=True``) returns its outputs in *processing* order
(:math:`\overleftarrow{h}_T, \dots, \overleftarrow{h}_1`); with ``return_sequences`` they are
reversed back in time before merging, so that position :math:`t` pairs the two states of time
:math:`t`. Without ``return_sequences`` the merge pairs the two final outputs,
:math:`\overrightarrow{h}_T` and :math:`\overleftarrow{h}_1`.

Backward splits the upstream gradient :math:`\delta` of the merged output between the two layers:

.. math::  \text{concat: } (\delta_{:u}, \delta_{u:}), \quad \text{sum: } (\delta, \delta), \quad
           \text{ave: } (\tfrac12\delta, \tfrac12\delta), \quad
           \text{mul: } (\delta \odot \overleftarrow{h}, \delta \odot \overrightarrow{h})

(reversed in time again for the backward layer), runs each layer's backpropagation through time,
and adds the two input gradients: :math:`\partial L/\partial x = \partial L/\partial x|_{\rightarrow}
+ \partial L/\partial x|_{\leftarrow}`.

This module is longer than most because the wrapper owns two whole recurrent layers: their
construction from one template (Keras 2 and 3 spellings), the four merge modes with their backward,
the reversal of sequences and masks, the states split between the two directions, and the weights
of both in Keras' order.
"""
from __future__ import annotations

import copy

import numpy as np

from ...explain import Step, format_shape
from .._legacy import keras1_arguments
from ..base import InputSpec, Layer, call_state, restore_call_state
from .wrapper import Wrapper, deserialize_layer, serialize_layer

__all__ = ["Bidirectional"]

MERGE_MODES = ("concat", "sum", "mul", "ave", None)
_RECURRENT_ATTRIBUTES = ("go_backwards", "return_sequences", "return_state")

_MERGE_LATEX = {
    "concat": r"[\overrightarrow{h}_{t} ; \overleftarrow{h}_{t}]",
    "sum": r"\overrightarrow{h}_{t} + \overleftarrow{h}_{t}",
    "ave": r"\tfrac{1}{2}(\overrightarrow{h}_{t} + \overleftarrow{h}_{t})",
    "mul": r"\overrightarrow{h}_{t} \odot \overleftarrow{h}_{t}",
    None: r"[\overrightarrow{h}_{t},\ \overleftarrow{h}_{t}] \ \text{(a list of two outputs)}",
}
_MERGE_WORDS = {
    "concat": "concatenate on the last axis",
    "sum": "add elementwise",
    "ave": "average elementwise",
    "mul": "multiply elementwise",
    None: "no merge: a list [forward output, backward output]",
}


def _removeprefix(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Wrapper):
    r"""Runs a recurrent ``layer`` forwards and a copy of it backwards, and merges the two outputs.

    Args:
        layer: a recurrent layer (``SimpleRNN``, ``LSTM``, ``GRU``, any ``RNN``): it must have
            ``go_backwards``, ``return_sequences`` and ``return_state``. As in Keras 3 it is not
            used itself: a fresh *forward* layer (named ``forward_<name>``) is built from its config.
        merge_mode: ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"`` or ``None`` (return
            both outputs as a list).
        weights: initial weights (forward layer's, then backward layer's), loaded once built.
        backward_layer: the layer for the backward direction; by default a fresh layer from
            ``layer``'s config with ``go_backwards=True`` (named ``backward_<name>``). It must
            have the opposite ``go_backwards`` and the same ``return_sequences``,
            ``return_state`` and ``stateful``.

    Call: ``layer(x)``, ``layer(x, mask=mask)`` (``(batch, T)``, passed to both layers), or
    ``layer(x, initial_state=[*forward_states, *backward_states])`` (= ``layer([x, *states])``;
    ``backward`` then returns ``[dx, *d_forward_states, *d_backward_states]``).

    Input shape:  ``(batch, timesteps, features)``.
    Output shape: the wrapped layer's, with the last axis doubled for ``concat``; a list of two
    for ``merge_mode=None``; with ``return_state`` the list ``[output(s), *forward_states,
    *backward_states]``.

    ``get_weights()`` is the forward layer's weights then the backward layer's (Keras order);
    in ``params``/``grads`` they are named ``forward_<name>/kernel``, ``backward_<name>/kernel``...

    >>> bi = Bidirectional(LSTM(4, return_sequences=True))
    >>> bi.explain((None, 6, 3)).output_shape
    (None, 6, 8)
    """

    supports_masking = True

    @keras1_arguments
    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        layer = deserialize_layer(layer, "Bidirectional")
        self._check_recurrent(layer, "layer")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {MERGE_MODES}, got {merge_mode!r}")
        # As Keras 3: a fresh forward layer from the config, so that no state is carried over.
        config = layer.get_config()
        config["name"] = "forward_" + _removeprefix(layer.name, "forward_")
        forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = layer.get_config()
            config["go_backwards"] = True
            config["name"] = "backward_" + _removeprefix(layer.name, "backward_")
            backward_layer = type(layer).from_config(config)
        else:
            backward_layer = deserialize_layer(backward_layer, "Bidirectional")
            self._check_recurrent(backward_layer, "backward_layer")
        super().__init__(forward_layer, weights=weights, **kwargs)
        self.forward_layer, self.backward_layer = forward_layer, backward_layer
        self._align_dtype(backward_layer)
        self._verify_layer_config()
        for sub in (forward_layer, backward_layer):
            # Keras forces zero outputs at masked steps when the sequences are returned.
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = forward_layer.return_sequences
        self.return_state = forward_layer.return_state
        self.stateful = getattr(forward_layer, "stateful", False)
        spec = forward_layer.input_spec
        self.input_spec = InputSpec(ndim=spec.ndim, min_ndim=spec.min_ndim,
                                    description=spec.description or "(batch, timesteps, features)")

    @staticmethod
    def _check_recurrent(layer, what):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional: {what} must be an edulayers Layer instance (a recurrent "
                             f"layer such as LSTM(8)), got {type(layer).__name__} {layer!r}")
        missing = [a for a in _RECURRENT_ATTRIBUTES if not hasattr(layer, a)]
        if missing or "go_backwards" not in layer.get_config():
            raise ValueError(f"Bidirectional: {what} must be a recurrent layer (SimpleRNN, LSTM, GRU, "
                             f"RNN: with go_backwards, return_sequences and return_state), got "
                             f"{layer._label}")

    def _verify_layer_config(self):
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(f"Bidirectional: the forward and backward layers must have different "
                             f"go_backwards, got forward_layer.go_backwards={fwd.go_backwards}, "
                             f"backward_layer.go_backwards={bwd.go_backwards}")
        for a in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, a, False) != getattr(bwd, a, False):
                raise ValueError(f"Bidirectional: the forward and backward layers must have the same "
                                 f"{a}, got {getattr(fwd, a, False)} (forward) and "
                                 f"{getattr(bwd, a, False)} (backward)")

    def sublayers(self):
        return [(f"{self.forward_layer.name}/", self.forward_layer),
                (f"{self.backward_layer.name}/", self.backward_layer)]

    def __call__(self, inputs, training=False, path="fast", mask=None, initial_state=None):
        """``initial_state=[*forward_states, *backward_states]`` (first half to the forward layer,
        as Keras); the same as calling on the list ``[x, *initial_state]``."""
        if initial_state is not None:
            states = initial_state if isinstance(initial_state, (list, tuple)) else [initial_state]
            inputs = [inputs, *states]
        return super().__call__(inputs, training=training, path=path, mask=mask)

    def _check_inputs(self, arrays) -> None:
        x, states = arrays[0], arrays[1:]
        self.input_spec.check(self._label, x.shape)
        sizes = [(prefix, size) for prefix, sub in self.sublayers()
                 for size in getattr(sub, "state_size", ())]
        if len(states) != len(sizes):
            raise ValueError(f"{self._label} expected [x, {len(sizes)} initial states] (the forward "
                             f"layer's, then the backward layer's), got a list of {len(arrays)} arrays")
        for i, (s, (prefix, size)) in enumerate(zip(states, sizes)):
            if s.shape != (x.shape[0], size):
                raise ValueError(f"{self._label} expected initial state {i} (of {prefix[:-1]}) of shape "
                                 f"{(x.shape[0], size)} (batch, state_size), got {s.shape}")

    def build(self, input_shape):
        if isinstance(input_shape, list):              # [x, *initial states]
            input_shape = input_shape[0]
        for _, sub in self.sublayers():
            try:
                sub.input_spec.check(sub._label, input_shape)
                if not sub.built:
                    sub.build(tuple(input_shape))
            except ValueError as err:
                raise ValueError(f"{self._label} got input of shape {format_shape(input_shape)}: "
                                 f"{err}") from None
        self.input_spec = InputSpec(ndim=len(input_shape), axes={-1: input_shape[-1]},
                                    description=self.input_spec.description)

    # ---------------------------------------------------------------- fast path: flip, merge on whole arrays
    def forward(self, x, training=False, mask=None):
        y, y_back, states = self._run_both(x, training, mask, "fast")
        if self.return_sequences:
            # The backward layer's outputs are in processing order (t = T..1): one flip of the
            # time axis puts them back in time order, then the merge is a single array operation.
            y_back = y_back[:, ::-1]
        self.cache["merge"] = (y, y_back)
        return self._outputs(self._merge(y, y_back), states)

    def backward(self, dy):
        y, y_back = self.cache["merge"]
        d_out, d_states = self._split_upstream(dy)
        dy_fwd, dy_back = self._merge_backward(d_out, y, y_back)
        if self.return_sequences:
            dy_back = dy_back[:, ::-1]                 # back into the backward layer's order
        return self._backprop_both(dy_fwd, dy_back, d_states)

    # ---------------------------------------------------------------- reference path: pair the states of each t
    def forward_reference(self, x, training=False, mask=None):
        y, y_back, states = self._run_both(x, training, mask, "reference")
        self.cache["merge"] = (y, y_back)
        if not self.return_sequences:
            # The two final outputs: forward after x_T, backward after x_1.
            return self._outputs(self._merge(y, y_back), states)
        steps = y.shape[1]
        merged = []
        for t in range(steps):
            # The backward layer reached time t at its processing step T-1-t.
            merged.append(self._merge(y[:, t], y_back[:, steps - 1 - t]))
        if self.merge_mode is None:
            out = [np.stack([m[0] for m in merged], axis=1), np.stack([m[1] for m in merged], axis=1)]
        else:
            out = np.stack(merged, axis=1)
        return self._outputs(out, states)

    def backward_reference(self, dy):
        y, y_back = self.cache["merge"]
        d_out, d_states = self._split_upstream(dy)
        if not self.return_sequences:
            dy_fwd, dy_back = self._merge_backward(d_out, y, y_back)
            return self._backprop_both(dy_fwd, dy_back, d_states)
        steps = y.shape[1]
        dy_fwd, dy_back = np.zeros_like(y), np.zeros_like(y_back)
        for t in range(steps):
            back_step = steps - 1 - t                  # where time t sits in the backward layer
            d_t = [d[:, t] for d in d_out] if self.merge_mode is None else d_out[:, t]
            dy_fwd[:, t], dy_back[:, back_step] = self._merge_backward(d_t, y[:, t], y_back[:, back_step])
        return self._backprop_both(dy_fwd, dy_back, d_states)

    # ---------------------------------------------------------------- the two directions and the merge
    def _run_both(self, inputs, training, mask, path):
        """Both layers over the same input; returns (forward output, backward output, states)."""
        x, initial = (inputs[0], inputs[1:]) if isinstance(inputs, list) else (inputs, [])
        if x.shape[1] == 0:
            raise ValueError(f"{self._label} needs at least one time step, got input of shape {x.shape}")
        half = len(initial) // 2
        self.cache = {"given": bool(initial)}
        outputs, states = [], []
        for direction, sub, sub_initial in (("forward", self.forward_layer, initial[:half]),
                                            ("backward", self.backward_layer, initial[half:])):
            sub_inputs = [x, *sub_initial] if sub_initial else x
            try:
                out = sub.forward(sub_inputs, training=training, path=path, mask=mask)
            except ValueError as err:
                raise ValueError(f"{self._label} got input of shape {format_shape(x.shape)}: its "
                                 f"{direction} layer refuses it: {err}") from err
            self.cache[direction] = call_state(sub)        # what its backward needs
            if self.return_state:
                out, sub_states = out[0], list(out[1:])
                states += sub_states
                self.cache[f"{direction}_states"] = len(sub_states)
            outputs.append(out)
        return outputs[0], outputs[1], states

    def _merge(self, a, b):
        if self.merge_mode == "concat":
            return np.concatenate([a, b], axis=-1)
        if self.merge_mode == "sum":
            return a + b
        if self.merge_mode == "ave":
            return (a + b) / 2
        if self.merge_mode == "mul":
            return a * b
        return [a, np.ascontiguousarray(b)]

    def _merge_backward(self, d, a, b):
        """The upstream gradient of a merged output, split into (d forward, d backward)."""
        if self.merge_mode == "concat":
            units = a.shape[-1]
            return d[..., :units], d[..., units:]
        if self.merge_mode == "sum":
            return d, d
        if self.merge_mode == "ave":
            return d / 2, d / 2
        if self.merge_mode == "mul":
            return d * b, d * a                        # product rule
        return d[0], d[1]

    def _outputs(self, merged, states):
        outs = (list(merged) if self.merge_mode is None else [merged]) + list(states)
        return outs if len(outs) > 1 else outs[0]

    def _split_upstream(self, dy):
        """``dy`` -> (gradient of the merged output(s), [gradients of the states])."""
        dys = list(dy) if isinstance(dy, list) else [dy]
        n_out = 2 if self.merge_mode is None else 1
        d_out = dys[:n_out] if self.merge_mode is None else dys[0]
        return d_out, dys[n_out:]

    def _backprop_both(self, dy_fwd, dy_back, d_states):
        n_fwd = self.cache.get("forward_states", 0)
        dx, d_initial = 0, []
        for direction, sub, d, ds in (("forward", self.forward_layer, dy_fwd, d_states[:n_fwd]),
                                      ("backward", self.backward_layer, dy_back, d_states[n_fwd:])):
            restore_call_state(self.cache[direction])
            upstream = [np.ascontiguousarray(d), *ds] if self.return_state else np.ascontiguousarray(d)
            dx_sub = sub.backward(upstream)
            if self.cache["given"]:                    # [dx, *d initial states] of this direction
                dx_sub, d_initial = dx_sub[0], d_initial + list(dx_sub[1:])
            dx = dx + dx_sub                           # x feeds both directions: gradients add
        self._collect_grads()
        return [dx, *d_initial] if self.cache["given"] else dx

    def reset_states(self, states=None) -> None:
        """Reset the kept states of both layers (``stateful=True``)."""
        if not self.stateful:
            raise AttributeError(f"{self._label}: reset_states needs a stateful layer")
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
        else:
            half = len(states) // 2
            self.forward_layer.reset_states(states[:half])
            self.backward_layer.reset_states(states[half:])

    reset_state = reset_states

    # ---------------------------------------------------------------- shapes, masks, config, explain
    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):              # [x, *initial states]
            input_shape = input_shape[0]
        out = self.forward_layer.compute_output_shape(tuple(input_shape))
        states = []
        if self.return_state:
            out, states = tuple(out[0]), [tuple(s) for s in out[1:]]
        out = tuple(out)
        if self.merge_mode == "concat":
            out = out[:-1] + (None if out[-1] is None else 2 * out[-1],)
        outs = ([out, out] if self.merge_mode is None else [out]) + states + states
        return outs if len(outs) > 1 else outs[0]

    def compute_mask(self, inputs, mask=None):
        """As Keras 3: the time mask for returned sequences, no mask for a last output or states."""
        if isinstance(mask, list):
            mask = mask[0]
        out_mask = mask if self.return_sequences else None
        masks = [out_mask, out_mask] if self.merge_mode is None else [out_mask]
        if self.return_state:
            masks += [None] * (2 * len(getattr(self.forward_layer, "state_size", ())))
        return masks if len(masks) > 1 else masks[0]

    @property
    def formula(self):
        rnn = (r"\overrightarrow{h}_t = f(x_t, \overrightarrow{h}_{t-1}),\ "
               r"\overleftarrow{h}_t = f'(x_t, \overleftarrow{h}_{t+1}),\quad ")
        merge = _MERGE_LATEX[self.merge_mode]
        if self.return_sequences:
            return rnn + "y_t = " + merge
        return rnn + "y = " + merge.replace(r"\overrightarrow{h}_{t}", r"\overrightarrow{h}_{T}").replace(
            r"\overleftarrow{h}_{t}", r"\overleftarrow{h}_{1}")

    def shape_steps(self, input_shape):
        input_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        input_shape = tuple(input_shape)
        fwd_out = self.forward_layer.compute_output_shape(input_shape)
        seq = tuple(fwd_out[0]) if self.return_state else tuple(fwd_out)
        name = type(self.forward_layer).__name__
        steps = [Step(f"forward {name} '{self.forward_layer.name}' reads t = 1..T", seq),
                 Step(f"backward {name} '{self.backward_layer.name}' reads t = T..1 (go_backwards)", seq)]
        if self.return_sequences:
            steps.append(Step("reverse the backward outputs in time, so both are aligned at each t", seq))
        else:
            steps.append(Step("pair the last outputs: forward after x_T, backward after x_1", seq))
        full = self.compute_output_shape(input_shape)
        merged = full[:2] if self.merge_mode is None else (full[0] if self.return_state else full)
        steps.append(Step(f"merge_mode={self.merge_mode!r}: {_MERGE_WORDS[self.merge_mode]}", merged))
        if self.return_state:
            steps.append(Step("return_state: [output(s), *forward states, *backward states]", full))
        return steps

    def param_formula(self, input_shape):
        input_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        input_shape = tuple(input_shape)
        fwd = self.forward_layer.param_formula(input_shape)
        back = self.backward_layer.param_formula(input_shape)
        return f"2*({fwd})" if fwd == back else f"({fwd}) + ({back})"

    def explain_notes(self):
        return [
            "Two layers with their own weights: the parameter count is twice the wrapped layer's "
            "(forward weights first, then backward, in get_weights()).",
            "As Keras 3, the backward layer is built from the layer's config with go_backwards=True "
            "(Keras 2 flipped go_backwards instead), and zero_output_for_mask is set to "
            "return_sequences on both layers.",
            "With return_sequences the backward outputs are reversed in time before the merge; "
            "without it the merge pairs h_T (forward) with the backward layer's last output, h_1.",
        ]

    def explain_children(self, input_shape):
        input_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        return [sub.explain(tuple(input_shape)) for _, sub in self.sublayers()]

    def get_config(self):
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "backward_layer": serialize_layer(self.backward_layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(dict(config))
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"], cls.__name__,
                                                         custom_objects)
        return super().from_config(config, custom_objects)
