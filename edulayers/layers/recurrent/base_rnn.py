r"""The recurrent base: a *cell* computes one time step, the ``RNN`` layer runs it over time.

A recurrent layer applies the same step to every timestep of a sequence
:math:`x_1, \dots, x_T` (shape ``(batch, timesteps, features)``), carrying states from step to step:

.. math::  (h_t, s_t) = \mathrm{cell}(x_t, s_{t-1}), \qquad s_0 = 0 \text{ (or initial\_state)}

and returns the last output :math:`h_T` (``(batch, units)``) or, with ``return_sequences=True``,
every output :math:`h_1..h_T` (``(batch, timesteps, units)``). Backward is *backpropagation
through time* (BPTT): the loop runs in reverse, each step receiving the gradient of its output
(from ``dy``) plus the gradient of its new states (from the step after it), and returning the
gradient of its input and of its previous states; weight gradients add up over the steps,
because every step uses the same weights.

The cell protocol
-----------------
A cell is a small ``Layer`` (``RNNCell`` subclass) that knows one step. It declares

* ``state_size``: a tuple with the size of each state (SimpleRNN ``(units,)``, LSTM ``(units, units)``);
  ``output_size``: the size of :math:`h_t`;
* ``build(input_shape)``: creates the weights with ``self.add_weight`` for a step input of shape
  ``(batch, input_dim)``, in Keras order (``kernel``, ``recurrent_kernel``, ``bias``). The ``RNN``
  layer that owns the cell shares the cell's weights, so ``rnn.params``, ``rnn.grads`` and
  ``rnn.get_weights()`` are the cell's, in that order;
* ``step_forward(x_t, states, training) -> (h_t, new_states, step_cache)``: one step, on a batch;
* ``step_backward(dh_t, dstates, step_cache) -> (dx_t, dstates_prev)``: its gradient; it **adds**
  the step's weight gradients to ``self.grads[name]`` (the RNN zeroes them before BPTT).

That is all a student writes. A minimal cell, :math:`h_t = \tanh(x_t W + h_{t-1} U)`::

    class MinimalCell(RNNCell):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size, self.output_size = (units,), units

        def build(self, input_shape):
            self.add_weight("kernel", (input_shape[-1], self.units), "glorot_uniform")
            self.add_weight("recurrent_kernel", (self.units, self.units), "orthogonal")

        def step_forward(self, x_t, states, training=False):
            h_prev = states[0]
            h = np.tanh(x_t @ self.kernel + h_prev @ self.recurrent_kernel)
            return h, [h], (x_t, h_prev, h)

        def step_backward(self, dh, dstates, cache):
            x_t, h_prev, h = cache
            dz = (dh + dstates[0]) * (1 - h ** 2)      # output and state are the same h
            self.grads["kernel"] += x_t.T @ dz
            self.grads["recurrent_kernel"] += h_prev.T @ dz
            return dz @ self.kernel.T, [dz @ self.recurrent_kernel.T]

    layer = RNN(MinimalCell(4), return_sequences=True)
    el.gradcheck(layer, np.random.randn(2, 5, 3))

The fast path (optional): a cell may also run the *whole sequence* at once, with
``sequence_forward(x_steps, states, keep, training) -> (outputs, final_states, cache)`` and
``sequence_backward(douts, dstates, cache) -> (dx_steps, dstates_initial)`` (adding every weight
gradient to ``self.grads``). Their arrays are time-major and in processing order: ``x_steps``
``(T, batch, d)``, ``outputs``/``douts`` ``(T, batch, units)``, ``keep`` the mask as
``(T, batch, 1)`` booleans or ``None``. The time loop is still there, but only what depends on
the previous state stays inside it: the input projection of all ``T`` steps is one matrix
product before the loop, and the weight gradients (and ``dx``) are one product each after it,
from every step's gate deltas stored during the loop. The ``RNN`` fast path uses them when the
cell's ``has_fast_path`` is true (SimpleRNN, LSTM and GRU say when their trick applies); the
reference path (``path="reference"``) always runs the plain per-step ``step_forward`` /
``step_backward`` above. ``mask_forward`` and ``mask_backward`` are the masking rule below, for
both.

Masking, as Keras 3 (``keras.src.backend.*.rnn`` with ``zero_output_for_mask=False``): where the
``(batch, timesteps)`` mask is False, the step is skipped for that sample: its states are carried
over unchanged and its output repeats the previous output (zeros before the first kept step).
``zero_output_for_mask=True`` (what Keras' ``Bidirectional`` sets) outputs zeros there instead.

Dropout, as Keras: ``dropout`` (on the inputs) and ``recurrent_dropout`` (on :math:`h_{t-1}`) masks
are drawn **once per call** (per sequence batch) and reused at every timestep, so a unit dropped
at one step is dropped at all of them (Gal & Ghahramani's variational dropout).

This module is longer than most because the machinery every recurrent layer shares lives here once:
states and their initial values, masks, go_backwards, return_sequences / return_state, stateful
layers, dropout masks, and the time loop that runs any cell forward and back.
"""
from __future__ import annotations

import numpy as np

from ... import backend
from ...explain import Step, format_shape
from ..base import InputSpec, Layer

__all__ = ["RNN"]   # RNNCell, the base to subclass, is el.layers.recurrent.RNNCell

#: Every RNNCell subclass by class name, so that an RNN's config can name its cell.
CELLS: dict = {}


def _as_state_tuple(state_size):
    if isinstance(state_size, (int, np.integer)):
        return (int(state_size),)
    return tuple(int(s) for s in state_size)


class RNNCell(Layer):
    r"""Base class of recurrent cells: one time step, :math:`(h_t, s_t) = \mathrm{cell}(x_t, s_{t-1})`.

    Subclasses set ``state_size`` (tuple), ``output_size`` and implement ``build``,
    ``step_forward`` and ``step_backward`` (see the module docstring); ``dropout`` and
    ``recurrent_dropout`` rates are drawn into ``self.input_masks`` / ``self.recurrent_masks``
    by ``reset_dropout_masks`` once per sequence.

    Used on its own, a cell is a layer that computes one step: ``cell(x_t)`` (zero states) returns
    :math:`h_t`; ``cell([x_t, *states])`` returns ``[h_t, *new_states]`` and its ``backward`` takes
    and returns lists.
    """

    state_size: tuple = ()
    output_size: int = 0
    dropout = 0.0
    recurrent_dropout = 0.0
    #: How many independent dropout masks a step uses (LSTM with recurrent dropout: one per gate).
    dropout_mask_count = 1
    #: drawn or computed once per sequence, read by every step's backward: an RNN that is called
    #: twice (shared in a functional model) needs each call's own (see ``call_state``)
    per_call_attributes = ("input_masks", "recurrent_masks")
    formula = r"(h_t, s_t) = \mathrm{cell}(x_t, s_{t-1})"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        CELLS[cls.__name__] = cls

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        # One generator per cell: a seed makes the dropout masks repeatable, and gradcheck
        # restores its state so that every forward of a training=True check draws the same masks.
        self.rng = backend.make_rng(seed if seed is not None
                                    else int(backend.global_rng().integers(2 ** 63)))
        self.input_masks = None
        self.recurrent_masks = None
        self.input_spec = InputSpec(ndim=2, description="(batch, input_dim)")

    # ---------------------------------------------------------------- what a cell implements
    def step_forward(self, x_t, states, training=False):
        """One step on a batch: ``x_t (batch, input_dim)``, ``states`` list of ``(batch, size)``."""
        raise NotImplementedError(f"{type(self).__name__} must implement step_forward")

    def step_backward(self, dh_t, dstates, step_cache):
        """Gradient of one step; adds the weight gradients to ``self.grads``."""
        raise NotImplementedError(f"{type(self).__name__} must implement step_backward")

    # Optional fast path: the whole sequence at once (see the module docstring).
    sequence_forward = None
    sequence_backward = None

    @property
    def has_fast_path(self) -> bool:
        return self.sequence_forward is not None and self.sequence_backward is not None

    def get_initial_state(self, batch_size):
        """Zero states, one ``(batch, size)`` array per entry of ``state_size``."""
        return [np.zeros((batch_size, s), dtype=self.dtype) for s in _as_state_tuple(self.state_size)]

    # ---------------------------------------------------------------- dropout masks, once per sequence
    def reset_dropout_masks(self, batch_size, input_dim, training):
        """Draw this sequence's masks (entries 0 or 1/(1 - rate), as ``keras.random.dropout``).

        ``self.input_masks`` / ``self.recurrent_masks`` become lists of ``dropout_mask_count``
        arrays of shape ``(batch, input_dim)`` / ``(batch, units)``, or ``None`` when the rate is
        0 or ``training`` is False.
        """
        self.input_masks = self._draw_masks((batch_size, input_dim), self.dropout, training)
        self.recurrent_masks = self._draw_masks((batch_size, _as_state_tuple(self.state_size)[0]),
                                                self.recurrent_dropout, training)

    def _draw_masks(self, shape, rate, training):
        if not training or not 0 < rate < 1:
            return None
        return [((self.rng.random(shape) >= rate) / (1.0 - rate)).astype(self.dtype)
                for _ in range(self.dropout_mask_count)]

    def zero_grads(self) -> None:
        """``self.grads[name] = 0`` for every weight created trainable, before gradients are
        accumulated. A frozen cell (``trainable=False``) gets them too, so that ``step_backward``
        can add into them; the layers report only ``params`` (none for a frozen cell)."""
        self.grads = {name: np.zeros_like(w) for name, w in self._weights.items()
                      if self._weight_specs[name].trainable}

    # ---------------------------------------------------------------- one step as a layer
    def forward(self, inputs, training=False, mask=None):
        x_t, states, as_list = self._split_step_inputs(inputs)
        self.reset_dropout_masks(x_t.shape[0], x_t.shape[1], training)
        h, new_states, step_cache = self.step_forward(x_t, states, training)
        self.cache = (step_cache, as_list, [s.shape for s in new_states])
        return [h, *new_states] if as_list else h

    def backward(self, dy):
        step_cache, as_list, state_shapes = self.cache
        if as_list:
            dh, dstates = dy[0], list(dy[1:])
        else:
            dh, dstates = dy, [np.zeros(s, dtype=dy.dtype) for s in state_shapes]
        self.zero_grads()
        dx, dstates_prev = self.step_backward(dh, dstates, step_cache)
        return [dx, *dstates_prev] if as_list else dx

    def _split_step_inputs(self, inputs):
        if isinstance(inputs, list):
            x_t, states = inputs[0], list(inputs[1:])
            sizes = _as_state_tuple(self.state_size)
            if len(states) != len(sizes):
                raise ValueError(f"{self._label} expected [x_t, {len(sizes)} state(s)], got "
                                 f"{len(inputs)} arrays")
            for i, (s, size) in enumerate(zip(states, sizes)):
                if s.shape != (x_t.shape[0], size):
                    raise ValueError(f"{self._label} expected state {i} of shape "
                                     f"{(x_t.shape[0], size)} (batch, state_size), got {s.shape}")
            return x_t, states, True
        return inputs, self.get_initial_state(inputs.shape[0]), False

    def _check_inputs(self, arrays) -> None:
        self.input_spec.check(self._label, arrays[0].shape, what="step input")

    def _ensure_built(self, input_shape) -> None:
        # Called as cell([x_t, *states]): the weights depend on the step input only.
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        super()._ensure_built(input_shape)

    def build(self, input_shape):
        raise NotImplementedError(f"{type(self).__name__} must implement build(input_shape)")

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            batch = input_shape[0][0]
            return [(batch, self.output_size)] + [(batch, s) for s in _as_state_tuple(self.state_size)]
        return (input_shape[0], self.output_size)

    def shape_steps(self, input_shape):
        return [Step("one step of the recurrence", self.compute_output_shape(input_shape))]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def masked_matmul(x, masks, w):
    """``x @ w`` with the cell's dropout masks applied to ``x``.

    ``masks`` is ``None`` (no dropout), a list of one ``(batch, dim)`` mask (the same mask for every
    column of ``w``), or one mask per block of columns (Keras' ``implementation=1``: one per gate).
    ``x`` is one step ``(batch, dim)`` or time-major steps ``(T, batch, dim)``: a mask drawn once
    per sequence broadcasts over the steps. Any leading axes are one matrix product.
    """
    if masks is None:
        return _matmul_2d(x, w)
    if len(masks) == 1:
        return _matmul_2d(x * masks[0], w)
    blocks = np.split(w, len(masks), axis=1)
    return np.concatenate([_matmul_2d(x * m, wb) for m, wb in zip(masks, blocks)], axis=-1)


def masked_matmul_backward(x, masks, w, dz):
    """Gradients of ``masked_matmul``: ``(dx, dw)``; ``dw`` sums over every leading axis."""
    # dz @ W^T with W^T copied to C order: OpenBLAS runs some small products with a transposed
    # view far slower than with a contiguous copy.
    w_t = np.ascontiguousarray(w.T)
    if masks is None:
        return _matmul_2d(dz, w_t), _matmul_2d(x, None, dz)
    if len(masks) == 1:
        return _matmul_2d(dz, w_t) * masks[0], _matmul_2d(x * masks[0], None, dz)
    blocks = np.split(w_t, len(masks), axis=0)
    dz_blocks = np.split(dz, len(masks), axis=-1)
    dx = sum(_matmul_2d(dzb, wb) * m for m, wb, dzb in zip(masks, blocks, dz_blocks))
    dw = np.concatenate([_matmul_2d(x * m, None, dzb) for m, dzb in zip(masks, dz_blocks)], axis=1)
    return dx, dw


def _matmul_2d(x, w, dz=None):
    """``x @ w`` over the last axis (``w`` given), or ``x^T dz`` summed over every leading axis
    (``dz`` given), as one 2-D product: NumPy's ``matmul`` of a 3-D array loops over its first axis."""
    x2 = x.reshape(-1, x.shape[-1])
    if dz is not None:
        return x2.T @ dz.reshape(-1, dz.shape[-1])
    return (x2 @ w).reshape(x.shape[:-1] + (w.shape[1],))


def mask_forward(keep, h, new_states, prev_out, states):
    """Keras' masking, forward: where ``keep`` (``(batch, 1)``) is False the sample skips the step,
    so its states stay ``states`` and its output repeats ``prev_out``. Returns ``(h, new_states)``."""
    return np.where(keep, h, prev_out), [np.where(keep, n, s) for n, s in zip(new_states, states)]


def mask_backward(keep, dh, dstates):
    """Its backward: a masked sample passed its incoming output and states through unchanged, so
    its gradients go *around* the step. Returns ``(dh, dstates)`` into the step (zero where masked)
    and ``(d_prev_out, passed)``, around it (zero where kept)."""
    return (np.where(keep, dh, 0), [np.where(keep, d, 0) for d in dstates],
            np.where(keep, 0, dh), [np.where(keep, 0, d) for d in dstates])


def _deserialize_cell(cell):
    if isinstance(cell, RNNCell):
        return cell
    if isinstance(cell, dict) and "class_name" in cell:
        name = cell["class_name"]
        if name not in CELLS:
            raise ValueError(f"RNN: unknown cell class {name!r} (known: {sorted(CELLS)})")
        return CELLS[name](**dict(cell.get("config") or {}))
    raise ValueError(f"RNN: cell must be an RNNCell instance (with state_size, build, step_forward and "
                     f"step_backward), got {cell!r}")


class RNN(Layer):
    r"""Runs a cell over the time axis: Keras' ``keras.layers.RNN``.

    .. math::  (h_t, s_t) = \mathrm{cell}(x_t, s_{t-1}),\ t = 1..T;\qquad
               y = h_T \ \text{or}\ (h_1, \dots, h_T)

    Args:
        cell: an ``RNNCell`` instance (or its ``{"class_name", "config"}`` dict).
        return_sequences: return every output ``(batch, T, units)`` instead of the last one.
        return_state: also return the final states: ``[output, *states]``; ``backward`` then
            takes a list ``[dy, *dstates]``.
        go_backwards: process the sequence from the last timestep to the first; with
            ``return_sequences`` the outputs come in that (reversed) processing order, as in Keras.
        stateful: the final states of a call are the initial states of the next call
            (``reset_states()`` zeroes them); the batch size must then stay the same. Gradients
            do not flow into the previous call (truncated BPTT, as Keras).
        unroll: accepted for Keras compatibility; NumPy always runs a Python loop.
        zero_output_for_mask: masked steps output zeros instead of repeating the last output.
        input_length: Keras 1/2 spelling: ``input_dim=d, input_length=T`` is ``input_shape=(T, d)``.

    Call: ``layer(x)``, ``layer(x, mask=mask)`` (``(batch, T)`` booleans, or from a ``Masking``/
    ``Embedding(mask_zero=True)`` layer before it in a model), ``layer(x, initial_state=[h0, ...])``
    or ``layer([x, h0, ...])``; with initial states ``backward`` returns ``[dx, dh0, ...]``.

    Input shape:  ``(batch, timesteps, features)``.
    Output shape: ``(batch, units)``, or ``(batch, timesteps, units)`` with ``return_sequences``;
    with ``return_state`` a list ``[output, state_1, ...]`` each ``(batch, state_size)``.
    """

    supports_masking = True

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, input_length=None,
                 **kwargs):
        # Keras 1/2: RNN(..., input_dim=d, input_length=T) means input_shape=(T, d).
        input_dim = kwargs.pop("input_dim", None)
        if (input_dim is not None or input_length is not None) and kwargs.get("input_shape") is None \
                and kwargs.get("batch_input_shape") is None:
            kwargs["input_shape"] = (input_length, input_dim)
        super().__init__(**kwargs)
        self.cell = _deserialize_cell(cell)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        if self.stateful and self.batch_input_shape is not None and self.batch_input_shape[0] is None:
            raise ValueError(f"{self._label}: stateful=True keeps one state per sample, so it needs a "
                             f"fixed batch size: give batch_input_shape=(batch, timesteps, features) "
                             f"or batch_size=..., got input shape {self.batch_input_shape}")
        self.states = None
        self.input_spec = InputSpec(ndim=3, description="(batch, timesteps, features)")

    @property
    def state_size(self) -> tuple:
        return _as_state_tuple(self.cell.state_size)

    @property
    def params(self) -> dict:
        """The cell's trainable weights; none if the RNN or its cell is frozen (trainable=False)."""
        if not self.cell.trainable:
            return {}
        return super().params

    def build(self, input_shape):
        x_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        input_dim = x_shape[-1]
        cell = self.cell
        if not (cell.built and cell.built_input_shape[-1] == input_dim and cell.dtype == self.dtype):
            cell.dtype = self.dtype
            cell._weights, cell._weight_specs, cell.built = {}, {}, False
            cell.build((None, input_dim))
        # The layer's weights ARE the cell's (the same dictionaries): params, get_weights,
        # set_weights, penalties and constraints of the RNN act on the cell's arrays.
        self._weights, self._weight_specs = cell._weights, cell._weight_specs
        self.input_spec = InputSpec(ndim=3, axes={-1: input_dim},
                                    description="(batch, timesteps, features)")

    def __call__(self, inputs, training=False, path="fast", mask=None, initial_state=None):
        if initial_state is not None:
            states = initial_state if isinstance(initial_state, (list, tuple)) else [initial_state]
            inputs = [inputs, *states]
        # Layer.__call__: arrays run forward, symbolic tensors (el.Input) make a functional node
        return super().__call__(inputs, training=training, path=path, mask=mask)

    def _check_inputs(self, arrays) -> None:
        x, states = arrays[0], arrays[1:]
        self.input_spec.check(self._label, x.shape)
        if len(states) != len(self.state_size):
            raise ValueError(f"{self._label} expected [x, {len(self.state_size)} initial state(s)], got "
                             f"a list of {len(arrays)} arrays")
        for i, (s, size) in enumerate(zip(states, self.state_size)):
            if s.shape != (x.shape[0], size):
                raise ValueError(f"{self._label} expected initial state {i} of shape "
                                 f"{(x.shape[0], size)} (batch, state_size), got {s.shape}")

    def reset_states(self, states=None) -> None:
        """Zero the kept states of a stateful layer (or set them to ``states``)."""
        if states is None:
            self.states = None if self.states is None else [np.zeros_like(s) for s in self.states]
        else:
            self.states = [np.array(s, dtype=self.dtype) for s in states]

    reset_state = reset_states

    # ---------------------------------------------------------------- fast path
    def forward(self, inputs, training=False, mask=None):
        return self._run(inputs, training, mask, fast=self.cell.has_fast_path)

    def backward(self, dy):
        return self._backprop(dy)

    # ---------------------------------------------------------------- reference path
    def forward_reference(self, inputs, training=False, mask=None):
        return self._run(inputs, training, mask, fast=False)

    def backward_reference(self, dy):
        return self._backprop(dy)

    # ---------------------------------------------------------------- the time loop
    def _initial_states(self, inputs):
        """``(x, states, given)``: the sequence and the states the first step starts from."""
        if isinstance(inputs, list):
            return inputs[0], [s.copy() for s in inputs[1:]], True
        x = inputs
        if self.stateful:
            expected = self.batch_input_shape[0] if self.batch_input_shape else None
            if self.states is not None:
                expected = self.states[0].shape[0]
            if expected is not None and x.shape[0] != expected:
                raise ValueError(f"{self._label}: a stateful RNN keeps states for a batch of {expected} "
                                 f"sequences; got input of shape {format_shape(x.shape)}")
            if self.states is not None:
                return x, [s.astype(x.dtype) for s in self.states], False
        return x, self.cell.get_initial_state(x.shape[0]), False

    def _check_mask(self, mask, x):
        if mask is None:
            return None
        mask = np.asarray(mask)
        if mask.shape != x.shape[:2]:
            raise ValueError(f"{self._label} expected a mask of shape {x.shape[:2]} (batch, timesteps), "
                             f"got {mask.shape}")
        return mask.astype(bool)

    def _run(self, inputs, training, mask, fast):
        cell = self.cell
        x, states, given = self._initial_states(inputs)
        mask = self._check_mask(mask, x)
        batch, steps, _ = x.shape
        cell.reset_dropout_masks(batch, x.shape[-1], training)
        order = list(range(steps))[::-1] if self.go_backwards else list(range(steps))
        # time-major, in processing order: step k reads x_steps[k] and keep[k]
        x_steps = x.transpose(1, 0, 2)[order]
        keep = None if mask is None else mask.T[order][:, :, None]
        if fast:
            outputs, states, caches = cell.sequence_forward(x_steps, states, keep, training)
        else:
            outputs = np.zeros((steps, batch, cell.output_size), dtype=x.dtype)
            prev_out = np.zeros((batch, cell.output_size), dtype=x.dtype)
            caches = []
            for k in range(steps):
                h, new_states, step_cache = cell.step_forward(x_steps[k], states, training)
                if keep is not None:
                    h, new_states = mask_forward(keep[k], h, new_states, prev_out, states)
                caches.append(step_cache)
                outputs[k] = h
                prev_out, states = h, new_states
        if keep is not None and self.zero_output_for_mask:
            outputs = outputs * keep
        if self.stateful:
            self.states = [s.copy() for s in states]
        self.cache = dict(x_shape=x.shape, keep=keep, order=order, caches=caches, fast=fast,
                          given=given)
        out = np.ascontiguousarray(outputs.transpose(1, 0, 2)) if self.return_sequences else outputs[-1]
        return [out, *states] if self.return_state else out

    def _backprop(self, dy):
        """Backpropagation through time: the loop of ``_run`` in reverse."""
        c, cell = self.cache, self.cell
        keep, order, caches = c["keep"], c["order"], c["caches"]
        batch, steps, features = c["x_shape"]
        dtype = dy[0].dtype if self.return_state else dy.dtype
        if self.return_state:
            dy, dstates = dy[0], [d.copy() for d in dy[1:]]
        else:
            dstates = [np.zeros((batch, s), dtype=dtype) for s in self.state_size]
        douts = np.zeros((steps, batch, cell.output_size), dtype=dtype)   # processing order
        if self.return_sequences:
            douts += dy.transpose(1, 0, 2)
        else:
            douts[-1] += dy
        if keep is not None and self.zero_output_for_mask:
            douts *= keep
        cell.zero_grads()
        if c["fast"]:
            dx_steps, dstates = cell.sequence_backward(douts, dstates, caches)
        else:
            dx_steps = np.zeros((steps, batch, features), dtype=dtype)
            d_prev_out = np.zeros((batch, cell.output_size), dtype=dtype)   # into the repeated output
            for k in reversed(range(steps)):
                dh = douts[k] + d_prev_out
                if keep is not None:
                    dh, dstates, d_prev_out, passed = mask_backward(keep[k], dh, dstates)
                dx_steps[k], dstates = cell.step_backward(dh, dstates, caches[k])
                if keep is not None:
                    dstates = [a + b for a, b in zip(dstates, passed)]
        # back to (batch, T, features) in time order: reversing the order twice is the identity
        dx = np.ascontiguousarray(dx_steps[order].transpose(1, 0, 2))
        # only the RNN's trainable weights (a frozen RNN keeps a trainable cell from reporting)
        self.grads = {k: v for k, v in cell.grads.items() if k in self.params}
        return [dx, *dstates] if c["given"] else dx

    # ---------------------------------------------------------------- shapes, config, explain
    def compute_output_shape(self, input_shape):
        x_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        batch, steps = x_shape[0], x_shape[1]
        units = self.cell.output_size
        out = (batch, steps, units) if self.return_sequences else (batch, units)
        if self.return_state:
            return [out] + [(batch, s) for s in self.state_size]
        return out

    def compute_mask(self, inputs, mask=None):
        out_mask = None if mask is None or not self.return_sequences else mask
        if self.return_state:
            return [out_mask] + [None] * len(self.state_size)
        return out_mask

    @property
    def formula(self):
        return self.cell.formula

    def shape_steps(self, input_shape):
        x_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        batch, steps = x_shape[0], x_shape[1]
        per_step = (batch, self.cell.output_size)
        direction = "t = T..1 (go_backwards)" if self.go_backwards else "t = 1..T"
        state_desc = ", ".join(f"{format_shape((batch, s))}" for s in self.state_size)
        out = self.compute_output_shape(input_shape)
        seq_shape = (batch, steps, self.cell.output_size)
        result = [Step(f"x_t = x[:, t] for {direction} ({steps if steps is not None else 'T'} steps; "
                       f"states {state_desc} start at zero and carry from step to step)",
                       (batch, x_shape[2]))]
        result += self.cell.shape_steps((batch, x_shape[2]))
        if self.return_sequences:
            result.append(Step("return_sequences: stack h_1..h_T", seq_shape))
        else:
            result.append(Step("keep the last output h_T", per_step))
        if self.return_state:
            result.append(Step("return_state: [output, *final states]", out))
        return result

    def param_formula(self, input_shape):
        x_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        return self.cell.param_formula((x_shape[0], x_shape[-1]))

    def explain_notes(self):
        notes = list(self.notes) + [n for n in self.cell.explain_notes() if n not in self.notes]
        notes.append("Masking as Keras 3: a masked step keeps the states and repeats the previous "
                     "output (zeros before the first kept step); with go_backwards the outputs come "
                     "in processing (reversed) order.")
        if self.cell.has_fast_path:
            notes.append("Fast path: the input projection x_t W (+ b) of all T steps is one matrix "
                         "product before the loop, and dx and the weight gradients one product each "
                         "after it; the reference path works step by step.")
        return notes

    def flat_config(self):
        """The config of a layer that builds its own cell (SimpleRNN, LSTM, GRU): the cell's
        arguments and the RNN's side by side, as Keras' ``SimpleRNN.get_config``."""
        config = {k: v for k, v in RNN.get_config(self).items() if k != "cell"}
        cell_config = {k: v for k, v in self.cell.get_config().items()
                       if k not in ("name", "trainable", "dtype")}
        return {**config, **cell_config}

    def get_config(self):
        return {**super().get_config(),
                "cell": {"class_name": type(self.cell).__name__, "config": self.cell.get_config()},
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask}


class CellRNN(RNN):
    """An RNN that builds its own cell from its arguments (SimpleRNN, LSTM, GRU), as Keras' layers:
    the cell's arguments read through (``layer.units``, ``layer.activation``, ...) and
    ``get_config`` is flat, the cell's arguments beside the RNN's."""

    def __getattr__(self, item):
        cell = self.__dict__.get("cell")
        if cell is not None and item in cell.__dict__:
            return cell.__dict__[item]
        return super().__getattr__(item)

    def get_config(self):
        return self.flat_config()
