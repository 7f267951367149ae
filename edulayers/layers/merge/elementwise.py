r"""Elementwise merges: Add, Subtract, Multiply, Average, Maximum, Minimum.

Each output entry combines the matching entries of the inputs :math:`x_1, \dots, x_n`
(after Keras 3's broadcasting, see ``base_merge``), and backward routes ``dy`` back:

=========  =============================================  =======================================
layer      forward                                        :math:`\partial L/\partial x_k`
=========  =============================================  =======================================
Add        :math:`y = x_1 + \dots + x_n`                  :math:`\delta` (a copy to every input)
Subtract   :math:`y = x_1 - x_2`                          :math:`\delta,\ -\delta`
Multiply   :math:`y = x_1 \odot \dots \odot x_n`          :math:`\delta \odot \prod_{j \ne k} x_j`
Average    :math:`y = \frac{1}{n}\sum_k x_k`              :math:`\delta / n`
Maximum    :math:`y = \max_k x_k`                         :math:`\delta` to the largest input
Minimum    :math:`y = \min_k x_k`                         :math:`\delta` to the smallest input
=========  =============================================  =======================================

Ties in Maximum/Minimum. Keras computes ``max(max(x_1, x_2), x_3) ...`` pairwise. Backends
disagree at a tie, and edulayers follows Keras 3 on TensorFlow (book/protocol.md): the earlier input
takes the whole gradient of a tie (TensorFlow's ``Maximum`` gradient routes to ``x`` where
``x >= y``), so three equal inputs give :math:`\delta, 0, 0` — the same rule as max pooling.
Keras on torch and JAX split a tied pair's gradient in halves instead
(:math:`\delta/4, \delta/4, \delta/2` for three equal inputs).

Masks (Keras 3). Every merge ORs the input masks (``compute_mask``). Multiply, Maximum and
Minimum also *use* them, as Keras 3 does: a masked entry of an input is replaced by the neutral
choice — 1 in a product; in a maximum/minimum the running result (or, where the running result
is masked, the new input) — and Multiply zeroes the output where every input is masked (when
every input has a mask). Masks have the input's shape without the last axis, ``(batch, steps)``
for ``(batch, steps, features)``. The replaced entries get no gradient.
"""
from __future__ import annotations

import numpy as np

from .base_merge import _Merge

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


class _Elementwise(_Merge):
    """An elementwise merge: subclasses give the vectorized ``combine``/``route`` on broadcast arrays
    and the scalar ``combine_one``/``route_one`` the reference path loops over."""

    #: Whether the forward pass uses the input masks (Keras 3: Multiply, Maximum, Minimum).
    uses_masks = False

    def forward(self, xs, training=False, mask=None):
        expanded = self._expand(xs)
        masks = self._input_masks(mask, xs)
        y = self.combine(expanded, masks)
        self.cache = (xs, expanded, masks, y)
        return y

    def backward(self, dy):
        xs, expanded, masks, y = self.cache
        # One vectorized rule per layer on the broadcast arrays, then each input's gradient is
        # summed back over the axes it was stretched along.
        grads = self.route(expanded, masks, y, dy)
        return [self._unbroadcast(np.broadcast_to(g, dy.shape), x.shape) for g, x in zip(grads, xs)]

    # ---------------------------------------------------------------- reference: one entry at a time
    def forward_reference(self, xs, training=False, mask=None):
        expanded = self._expand(xs)
        masks = self._input_masks(mask, xs)
        out_shape = np.broadcast_shapes(*(x.shape for x in expanded))
        y = np.zeros(out_shape, dtype=self.dtype)
        for idx in np.ndindex(out_shape):              # every output entry
            sources = [_source(idx, x.shape) for x in expanded]
            y[idx] = self.combine_one([x[s] for x, s in zip(expanded, sources)], _flags(masks, sources))
        self.cache = (xs, expanded, masks, y)
        return y

    def backward_reference(self, dy):
        xs, expanded, masks, y = self.cache
        grads = [np.zeros(x.shape, dtype=self.dtype) for x in expanded]
        for idx in np.ndindex(dy.shape):
            sources = [_source(idx, x.shape) for x in expanded]
            partials = self.route_one([x[s] for x, s in zip(expanded, sources)], _flags(masks, sources))
            for g, s, p in zip(grads, sources, partials):
                g[s] += p * dy[idx]                    # a stretched entry collects every copy's share
        return [g.reshape(x.shape) for g, x in zip(grads, xs)]

    # ---------------------------------------------------------------- masks
    def _input_masks(self, mask, xs):
        """One boolean array (or None) per input, shaped like the input (broadcast over features)."""
        if mask is None or not self.uses_masks:
            return [None] * len(xs)
        if not isinstance(mask, (list, tuple)) or len(mask) != len(xs):
            raise ValueError(f"{self._label}: mask must be a list with one entry (or None) per input, "
                             f"got {type(mask).__name__}")
        out = []
        for m, x in zip(mask, xs):
            if m is None:
                out.append(None)
                continue
            m = np.asarray(m, dtype=bool)
            if m.shape == x.shape[:-1]:
                m = m[..., None]                       # Keras: one flag per step, for all features
            elif m.shape != x.shape:
                raise ValueError(f"{self._label}: a mask must have the input's shape without the last "
                                 f"axis, {x.shape[:-1]}, got {m.shape} for an input of shape {x.shape}")
            m = np.broadcast_to(m, x.shape)
            rank = max(v.ndim for v in xs)
            out.append(m.reshape(m.shape[:1] + (1,) * (rank - m.ndim) + m.shape[1:]))
        return out

    def step_description(self, n):
        return f"{type(self).__name__.lower()} the {n} inputs elementwise (after broadcasting)"


def _flags(masks, sources):
    """Each input's mask flag at this output entry: True (kept), False (masked), None (no mask)."""
    return [None if m is None else bool(m[s]) for m, s in zip(masks, sources)]


def _all_masked(flags):
    """Keras' Multiply: the entry is zeroed when every input has a mask and all of them mask it."""
    return all(f is False for f in flags)


def _source(idx, shape):
    """The entry of an input (of broadcast ``shape``) that output entry ``idx`` reads."""
    return tuple(0 if n == 1 else i for i, n in zip(idx, shape))


class Add(_Elementwise):
    r"""Adds a list of inputs: :math:`y = x_1 + x_2 + \dots + x_n`; each input gets :math:`\delta`.

    Input: a list of arrays of the same shape (or broadcastable, as Keras 3).
    Output: their common (broadcast) shape.

    >>> Add()([np.ones((2, 3)), np.ones((2, 3))]).sum()
    12.0
    """
    formula = r"y = x_1 + x_2 + \dots + x_n"

    def combine(self, xs, masks):
        y = xs[0]
        for x in xs[1:]:
            y = y + x
        return y

    def route(self, xs, masks, y, dy):
        return [dy] * len(xs)

    def combine_one(self, values, flags):
        return sum(values)

    def route_one(self, values, flags):
        return [1.0] * len(values)


class Subtract(_Elementwise):
    r"""Subtracts two inputs: :math:`y = x_1 - x_2`; gradients :math:`\delta` and :math:`-\delta`.

    Input: a list of exactly 2 arrays of the same (or broadcastable) shape.
    """
    formula = r"y = x_1 - x_2"
    min_inputs = exact_inputs = 2

    def combine(self, xs, masks):
        return xs[0] - xs[1]

    def route(self, xs, masks, y, dy):
        return [dy, -dy]

    def combine_one(self, values, flags):
        return values[0] - values[1]

    def route_one(self, values, flags):
        return [1.0, -1.0]


class Multiply(_Elementwise):
    r"""Multiplies inputs elementwise: :math:`y = x_1 \odot \dots \odot x_n`.

    Gradient: :math:`\partial L/\partial x_k = \delta \odot \prod_{j \ne k} x_j`, computed as a
    product of the others (not :math:`y / x_k`, which fails where :math:`x_k = 0`).
    With masks (Keras 3): a masked entry counts as 1, and where every input is masked (all inputs
    having masks) the output is 0.
    """
    formula = r"y = x_1 \odot x_2 \odot \dots \odot x_n"
    uses_masks = True

    @staticmethod
    def _effective(xs, masks):
        """Masked entries replaced by 1; the output mask where every input has a mask, else None."""
        factors = [x if m is None else np.where(m, x, 1) for x, m in zip(xs, masks)]
        out_mask = None
        if all(m is not None for m in masks):
            out_mask = masks[0]
            for m in masks[1:]:
                out_mask = out_mask | m
        return factors, out_mask

    def combine(self, xs, masks):
        factors, out_mask = self._effective(xs, masks)
        y = factors[0]
        for x in factors[1:]:
            y = y * x
        return y if out_mask is None else np.where(out_mask, y, 0)

    def route(self, xs, masks, y, dy):
        factors, out_mask = self._effective(xs, masks)
        if out_mask is not None:
            dy = np.where(out_mask, dy, 0)
        # Prefix and suffix products: prod_{j != k} x_j = (x_1...x_{k-1}) (x_{k+1}...x_n),
        # n multiplications each way instead of n - 1 for every input.
        n = len(factors)
        prefix = [np.ones_like(dy)]
        for x in factors[:-1]:
            prefix.append(prefix[-1] * x)
        grads, suffix = [None] * n, np.ones_like(dy)
        for k in range(n - 1, -1, -1):
            grads[k] = dy * prefix[k] * suffix
            if masks[k] is not None:
                grads[k] = np.where(masks[k], grads[k], 0)     # a masked entry was replaced by 1
            suffix = suffix * factors[k]
        return grads

    def combine_one(self, values, flags):
        if _all_masked(flags):
            return 0.0
        return float(np.prod([1.0 if f is False else v for v, f in zip(values, flags)]))

    def route_one(self, values, flags):
        if _all_masked(flags):
            return [0.0] * len(values)
        factors = [1.0 if f is False else v for v, f in zip(values, flags)]
        return [0.0 if flags[k] is False else float(np.prod(factors[:k] + factors[k + 1:]))
                for k in range(len(values))]


class Average(_Elementwise):
    r"""Averages inputs: :math:`y = \frac{1}{n}(x_1 + \dots + x_n)`; each input gets :math:`\delta/n`."""
    formula = r"y = \frac{1}{n}\left(x_1 + x_2 + \dots + x_n\right)"

    def combine(self, xs, masks):
        y = xs[0]
        for x in xs[1:]:
            y = y + x
        return y / len(xs)

    def route(self, xs, masks, y, dy):
        return [dy / len(xs)] * len(xs)

    def combine_one(self, values, flags):
        return sum(values) / len(values)

    def route_one(self, values, flags):
        return [1.0 / len(values)] * len(values)


class _Extremum(_Elementwise):
    """Maximum and Minimum: a pairwise fold, with TensorFlow's tie rule (the earlier input) and masks."""
    notes = ("Ties: Keras folds pairwise, max(max(x1, x2), x3); edulayers follows Keras 3 on "
             "TensorFlow: the earlier input takes a tie's whole gradient (x1 = x2 = x3 gives dy, 0, 0). "
             "Keras 3 on torch/JAX splits a tied pair in halves (dy/4, dy/4, dy/2).",
             "Masks (Keras 3): a masked entry of a new input is replaced by the running result, and "
             "a masked running result by the new input, before each comparison.")
    uses_masks = True

    def combine(self, xs, masks):
        acc, acc_mask = xs[0], masks[0]
        for x, m in zip(xs[1:], masks[1:]):
            if m is not None:
                x = np.where(m, x, acc)                 # a masked entry does not compete
            if acc_mask is not None:
                acc = np.where(acc_mask, acc, x)
            acc_mask = acc_mask | m if (acc_mask is not None and m is not None) else None
            acc = self.pick(acc, x)
        return acc

    def route(self, xs, masks, y, dy):
        # Replay the fold, tracking share[k]: the fraction of dy that reaches x_k. Each value in
        # the fold is one of the inputs (selected entry by entry), so its gradient is a mix of the
        # inputs' shares: the new input x (where masked: the running result), the running result
        # (where masked: x), then the comparison: the winner keeps its shares, and on a tie the
        # running result (the earlier inputs) wins, as TensorFlow's gradient does.
        shares, acc, acc_mask = [1.0], xs[0], masks[0]
        for x, m in zip(xs[1:], masks[1:]):
            x_shares = [0.0] * len(shares) + [1.0]
            if m is not None:
                keep = m.astype(dy.dtype)
                x_shares = [(1 - keep) * s for s in shares] + [keep]
                x = np.where(m, x, acc)
            acc_shares = shares + [0.0]
            if acc_mask is not None:
                keep = acc_mask.astype(dy.dtype)
                acc_shares = [keep * a + (1 - keep) * b for a, b in zip(acc_shares, x_shares)]
                acc = np.where(acc_mask, acc, x)
            acc_mask = acc_mask | m if (acc_mask is not None and m is not None) else None
            old_wins = (self.beats(acc, x) | (acc == x)).astype(dy.dtype)
            shares = [old_wins * a + (1 - old_wins) * b for a, b in zip(acc_shares, x_shares)]
            acc = self.pick(acc, x)
        return [dy * s for s in shares]

    def combine_one(self, values, flags):
        flags = [f is not False for f in flags]        # no mask: every entry is kept
        acc, acc_kept = values[0], flags[0]
        for v, kept in zip(values[1:], flags[1:]):
            if not kept:
                v = acc
            if not acc_kept:
                acc = v
            acc_kept = acc_kept or kept
            acc = self.pick(acc, v)
        return acc

    def route_one(self, values, flags):
        flags = [f is not False for f in flags]
        shares, acc, acc_kept = [1.0], values[0], flags[0]
        for v, kept in zip(values[1:], flags[1:]):
            v_shares = [0.0] * len(shares) + [1.0]
            if not kept:                                # the new input stands in for the running result
                v, v_shares = acc, shares + [0.0]
            acc_shares = shares + [0.0]
            if not acc_kept:                            # the running result stands in for the new input
                acc, acc_shares = v, v_shares
            acc_kept = acc_kept or kept
            old = 1.0 if (self.beats(acc, v) or acc == v) else 0.0
            shares = [old * a + (1 - old) * b for a, b in zip(acc_shares, v_shares)]
            acc = self.pick(acc, v)
        return shares


class Maximum(_Extremum):
    r"""Elementwise maximum: :math:`y = \max(x_1, \dots, x_n)`; :math:`\delta` goes to the largest
    input (on a tie, the earlier input, as Keras 3 on TensorFlow; see the module docstring)."""
    formula = r"y = \max(x_1, x_2, \dots, x_n)"

    @staticmethod
    def pick(a, b):
        return np.maximum(a, b)

    @staticmethod
    def beats(a, b):
        return a > b


class Minimum(_Extremum):
    r"""Elementwise minimum: :math:`y = \min(x_1, \dots, x_n)`; :math:`\delta` goes to the smallest
    input (ties as Maximum)."""
    formula = r"y = \min(x_1, x_2, \dots, x_n)"

    @staticmethod
    def pick(a, b):
        return np.minimum(a, b)

    @staticmethod
    def beats(a, b):
        return a < b
