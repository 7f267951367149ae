r"""Embedding: integer indices in, rows of a learned matrix out.

With the embedding matrix :math:`E \in \mathbb{R}^{V \times d}` (``input_dim`` :math:`V`,
``output_dim`` :math:`d`), an index :math:`i` becomes row :math:`i` of :math:`E`:

.. math::  y_{\dots} = E[x_{\dots}] = \operatorname{onehot}(x_{\dots})\, E

so a lookup is a one-hot vector times the matrix, computed without building the one-hot.

Backward. The indices are integers: they have no gradient (``backward`` returns ``None``, and
``el.gradcheck`` skips integer inputs). The gradient of the matrix is the one-hot product
transposed, :math:`\partial L/\partial E = \operatorname{onehot}(x)^\top \delta`, i.e. every
upstream row :math:`\delta_{\dots}` is *added* to row :math:`x_{\dots}` of the gradient
(a scatter-add: a row used twice receives the sum of both gradients, a row never used gets 0).

Keras 1 had ``dropout`` on Embedding (1.2.2): in training, whole rows of :math:`E` (whole words)
are dropped with probability :math:`p` and the kept rows scaled by :math:`1/(1-p)`; Keras 2
removed the argument. edulayers keeps it for the seed documents' code.
"""
from __future__ import annotations

import numpy as np

from ... import backend
from ...explain import Step
from ..base import InputSpec, Layer, positive_int

__all__ = ["Embedding"]

#: Keras 1 argument -> Keras 2/3 argument (Keras 2's ``legacy_embedding_support``).
_KERAS1_EMBEDDING_NAMES = {"init": "embeddings_initializer", "W_regularizer": "embeddings_regularizer",
                           "W_constraint": "embeddings_constraint"}


class Embedding(Layer):
    r"""Turns non-negative integers (indices) into dense vectors: ``[[4], [20]] -> [[E[4]], [E[20]]]``.

    .. math::  y = E[x] = \operatorname{onehot}(x)\,E, \qquad E \in \mathbb{R}^{V \times d},
               \qquad \frac{\partial L}{\partial E} = \operatorname{onehot}(x)^\top \delta

    Args:
        input_dim: int > 0, the vocabulary size :math:`V` (largest index + 1).
        output_dim: int > 0, the embedding size :math:`d`.
        embeddings_initializer: default ``"uniform"`` (``RandomUniform(-0.05, 0.05)``, as Keras).
        embeddings_regularizer, embeddings_constraint: penalty / projection on :math:`E`.
        mask_zero: index 0 is padding: ``compute_mask`` gives ``x != 0`` for the layers after it.
            Index 0 is then not a word, so ``input_dim`` must be the vocabulary size + 1.
        input_length: Keras 2: the (fixed) length of the sequences, an int, or a tuple for inputs
            of rank > 2 (``None`` entries allowed). Sets the input shape and is checked against
            every input. Keras 3 ignores it (deprecated).
        weights: Keras 1/3: the initial matrix, ``[E]`` or ``E`` of shape ``(input_dim, output_dim)``.
        dropout: Keras 1.2.2: fraction of the rows of :math:`E` (whole words) dropped in training,
            the kept rows scaled by ``1/(1 - dropout)``. Keras 2/3 removed it.
        seed: makes the ``dropout`` draws repeatable.
        Keras 1 names ``init``, ``W_regularizer``, ``W_constraint`` are accepted.

    Input shape:  ``(batch, ...)`` integer indices in ``[0, input_dim)`` (floats holding whole
    numbers are accepted and cast, as Keras does); usually ``(batch, sequence_length)``.
    Output shape: ``(batch, ..., output_dim)``.

    >>> layer = Embedding(1000, 64, input_length=10)
    >>> layer.explain().param_formula
    '1000*64'
    """

    accepts_integer_input = True

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 input_length=None, weights=None, dropout=0.0, seed=None, **kwargs):
        # Keras 1 spellings (init=, W_regularizer=, W_constraint=) arrive in kwargs.
        legacy = {new: kwargs.pop(old) for old, new in _KERAS1_EMBEDDING_NAMES.items() if old in kwargs}
        given = {"embeddings_initializer": embeddings_initializer != "uniform",
                 "embeddings_regularizer": embeddings_regularizer is not None,
                 "embeddings_constraint": embeddings_constraint is not None}
        for new in legacy:
            if given[new]:
                raise TypeError(f"Embedding got both the Keras 1 and the Keras 2 name of {new!r}; give one")
        embeddings_initializer = legacy.get("embeddings_initializer", embeddings_initializer)
        embeddings_regularizer = legacy.get("embeddings_regularizer", embeddings_regularizer)
        embeddings_constraint = legacy.get("embeddings_constraint", embeddings_constraint)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            positive_int(value, arg, "Embedding")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"Embedding: dropout must be in [0, 1), got {dropout!r}")
        self.input_length = _normalize_input_length(input_length)
        if (self.input_length is not None and kwargs.get("input_shape") is None
                and kwargs.get("batch_input_shape") is None):
            kwargs["input_shape"] = self.input_length       # Keras 2: input_length sets the input shape
        if weights is not None and not (isinstance(weights, (list, tuple)) and len(weights) == 1):
            weights = [weights]                             # Keras 3 takes the matrix itself too
        super().__init__(weights=weights, **kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.dropout = float(dropout)
        self.seed = seed
        self.rng = backend.make_rng(seed if seed is not None
                                    else int(backend.global_rng().integers(2 ** 63)))
        self.set_weight_options(embeddings_initializer=embeddings_initializer,
                                embeddings_regularizer=embeddings_regularizer,
                                embeddings_constraint=embeddings_constraint)
        if self.input_length is None:
            self.input_spec = InputSpec(min_ndim=1, description="(batch, ...) of integer indices")
        else:
            self.input_spec = InputSpec(ndim=1 + len(self.input_length),
                                        description="(batch, " + ", ".join(
                                            "None" if n is None else str(n) for n in self.input_length)
                                        + ") of integer indices (input_length)")

    def build(self, input_shape):
        # The matrix does not depend on the input shape: (vocabulary, embedding size).
        self.add_weight("embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer,
                        self.embeddings_regularizer, self.embeddings_constraint)

    # ---------------------------------------------------------------- fast path
    def forward(self, x, training=False, mask=None):
        indices = self._indices(x)
        row_scale = self._row_scale(training)
        # The lookup is one gather (np.take along the rows; no one-hot matrix is built).
        y = np.take(self.embeddings, indices, axis=0)
        if row_scale is not None:
            y = y * row_scale[indices][..., None]
        self.cache = (indices, row_scale)
        return y

    def backward(self, dy):
        indices, row_scale = self.cache
        if "embeddings" not in self.params:
            return None      # frozen (trainable=False, e.g. pre-trained vectors): nothing to compute
        flat = indices.reshape(-1)
        rows = dy.reshape(-1, self.output_dim)
        if row_scale is not None:
            rows = rows * row_scale[flat][:, None]
        self.grads["embeddings"] = scatter_add_rows(flat, rows, self.input_dim)
        return None      # integer indices have no gradient

    # ---------------------------------------------------------------- reference path
    def forward_reference(self, x, training=False, mask=None):
        indices = self._indices(x)
        row_scale = self._row_scale(training)
        flat = indices.reshape(-1)
        y = np.zeros((flat.size, self.output_dim), dtype=self.embeddings.dtype)
        for n, i in enumerate(flat):                 # every position: copy row i of E
            y[n] = self.embeddings[i] * (1.0 if row_scale is None else row_scale[i])
        self.cache = (indices, row_scale)
        return y.reshape(indices.shape + (self.output_dim,))

    def backward_reference(self, dy):
        indices, row_scale = self.cache
        if "embeddings" not in self.params:
            return None
        flat = indices.reshape(-1)
        rows = dy.reshape(-1, self.output_dim)
        dE = np.zeros_like(self.embeddings)
        for n, i in enumerate(flat):                 # dL/dE_i = sum of the dy rows at positions holding i
            dE[i] += rows[n] * (1.0 if row_scale is None else row_scale[i])
        self.grads["embeddings"] = dE
        return None

    # ---------------------------------------------------------------- helpers
    def _indices(self, x):
        """Check that ``x`` holds whole numbers in ``[0, input_dim)``; return them as int64."""
        if self.input_length is not None:
            for n, s in zip(self.input_length, x.shape[1:]):
                if n is not None and n != s:
                    raise ValueError(f"{self._label}: input_length is {self._length_text()}, but the "
                                     f"input has shape {x.shape}")
        if x.dtype.kind == "f":
            if not np.all(np.isfinite(x)) or np.any(x != np.round(x)):
                bad = np.unique(x[~np.isfinite(x) | (x != np.round(x))])[:5]
                raise ValueError(f"{self._label} expected integer indices, got non-integer values "
                                 f"{bad.tolist()}")
        elif x.dtype.kind == "b":
            raise ValueError(f"{self._label} expected integer indices, got a boolean array")
        indices = x.astype(np.int64, copy=False)
        bad = (indices < 0) | (indices >= self.input_dim)
        if np.any(bad):
            # The wording of TensorFlow's CPU gather (Keras 3 on TensorFlow raises
            # "indices[0,1] = 10 is not in [0, 10)"), with the layer and its input_dim named.
            values, where = np.unique(indices[bad]), np.argwhere(bad)
            shown = ", ".join(f"indices[{','.join(map(str, p))}] = {indices[tuple(p)]}"
                              for p in where[:5])
            more = f" and {len(where) - 5} more" if len(where) > 5 else ""
            hint = ("with mask_zero=True index 0 is padding, so input_dim must be the vocabulary "
                    "size + 1" if self.mask_zero else "the largest index + 1")
            raise ValueError(f"{self._label} expected indices in [0, {self.input_dim}), got "
                             f"{values[:10].tolist()}{' ...' if values.size > 10 else ''}: "
                             f"{shown}{more}; the vocabulary size is input_dim={self.input_dim} "
                             f"({hint})")
        return indices

    def _prepare_inputs(self, inputs):
        # Indices are checked before the first call builds E: a refused call creates nothing.
        if not self.built and not isinstance(inputs, (list, tuple)):
            x = self._as_array(inputs)
            if x.ndim >= 1:
                self._indices(x)
        return super()._prepare_inputs(inputs)

    def _row_scale(self, training):
        """Keras 1 dropout: one keep/drop draw per row of E (per word), inverted scaling."""
        if not (training and 0.0 < self.dropout < 1.0):
            return None
        keep = self.rng.random(self.input_dim) >= self.dropout
        return keep.astype(self.dtype) / (1.0 - self.dropout)

    def _length_text(self):
        return str(self.input_length[0]) if len(self.input_length) == 1 else str(self.input_length)

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` when ``mask_zero`` (True = a real token, False = padding), else ``None``."""
        if not self.mask_zero:
            return None
        return np.asarray(inputs) != 0

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return input_shape + (self.output_dim,)
        lengths = list(self.input_length)
        if len(lengths) != len(input_shape) - 1:
            raise ValueError(f"{self._label}: input_length is {self._length_text()}, but the input "
                             f"has shape {input_shape}")
        for i, (n, s) in enumerate(zip(lengths, input_shape[1:])):
            if n is not None and s is not None and n != s:
                raise ValueError(f"{self._label}: input_length is {self._length_text()}, but the "
                                 f"input has shape {input_shape}")
            if n is None:
                lengths[i] = s
        return (input_shape[0],) + tuple(lengths) + (self.output_dim,)

    # ---------------------------------------------------------------- explain, config
    @property
    def formula(self):
        base = r"y = E[x] = \mathrm{onehot}(x)\,E,\quad E \in \mathbb{R}^{%d \times %d}" % (
            self.input_dim, self.output_dim)
        if self.dropout:
            base += r",\ \text{training: rows of } E \text{ dropped with } p = %g" % self.dropout
        return base

    def shape_steps(self, input_shape):
        out = self.compute_output_shape(input_shape)
        steps = [Step(f"look up each index in E: {(self.input_dim, self.output_dim)} "
                      f"(one row of {self.output_dim} per index)", out)]
        if self.mask_zero:
            steps.append(Step(f"output mask x != 0: {tuple(input_shape)}", out))
        return steps

    def param_formula(self, input_shape):
        return f"{self.input_dim}*{self.output_dim}"

    def explain_notes(self):
        notes = [f"input_dim*output_dim = {self.input_dim}*{self.output_dim} = "
                 f"{self.input_dim * self.output_dim} parameters, whatever the sequence length.",
                 "Backward: the indices get no gradient (None); dL/dE is a scatter-add of the "
                 "upstream rows into the rows that were looked up.",
                 "An index outside [0, input_dim) is a ValueError naming it, raised before anything "
                 "changes. Keras 3 on TensorFlow (CPU) refuses it too ('indices[0,1] = 10 is not in "
                 "[0, 10)'); on JAX it gives NaN rows for indices >= input_dim and counts negative "
                 "indices from the end."]
        if self.mask_zero:
            notes.append(f"mask_zero=True: index 0 is padding (masked), so the vocabulary is "
                         f"indices 1..{self.input_dim - 1} (input_dim = vocabulary size + 1).")
        if self.input_length is not None:
            notes.append("input_length is Keras 2's argument (Keras 3 ignores it); here it fixes "
                         "and checks the sequence length.")
        if self.dropout:
            notes.append("dropout is Keras 1.2.2's (whole rows of E dropped in training, scaled by "
                         "1/(1 - p)); Keras 2 removed it.")
        return notes

    def get_config(self):
        config = {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                  "mask_zero": self.mask_zero}
        if self.input_length is not None:
            config["input_length"] = (self.input_length[0] if len(self.input_length) == 1
                                      else self.input_length)
        if self.dropout:
            config.update(dropout=self.dropout, seed=self.seed)
        return config



#: Rounds of :func:`scatter_add_rows` stop when fewer indices than this occur once more.
MIN_ROUND_ROWS = 64


def scatter_add_rows(indices, rows, vocabulary):
    r"""``dE`` with ``dE[i] = sum of rows[n] over the positions n where indices[n] == i`` (zeros elsewhere).

    The trick: sort the indices (stably), so that the :math:`k`-th occurrence of every index is
    known. The :math:`k`-th occurrences of all indices make *round* :math:`k`; no index repeats
    within a round, so one fancy-indexed update ``dE[idx] += rows`` (which, with repeated indices,
    would keep only one of them) adds a whole round: round 0 is an assignment, and a batch of text
    needs a few more rounds for its many rare words. The few frequent words left once a round gets
    small occupy long runs of the sorted order, and ``np.add.reduceat`` sums each run at once
    (it is slow only on many short runs). Both beat ``np.add.at``, which adds one element at a
    time. (Indices below 65,536 are sorted as ``uint16``: NumPy's stable sort of 16-bit integers
    is a radix sort.)
    """
    n, dim = rows.shape
    dE = np.zeros((vocabulary, dim), dtype=rows.dtype)
    if n == 0:
        return dE
    keys = indices.astype(np.uint16) if vocabulary <= 1 << 16 else indices
    order = np.argsort(keys, kind="stable")
    sorted_indices = indices[order]
    first = np.empty(n, dtype=bool)                      # where a run of one index starts
    first[0] = True
    np.not_equal(sorted_indices[1:], sorted_indices[:-1], out=first[1:])
    position = np.arange(n)
    rank = position - np.maximum.accumulate(np.where(first, position, 0))   # k of the k-th occurrence
    dE[sorted_indices[first]] = np.take(rows, order[first], axis=0)         # round 0
    round_sizes = np.bincount(rank)
    k = 1
    while k < round_sizes.size and round_sizes[k] >= MIN_ROUND_ROWS:
        chosen = np.flatnonzero(rank == k)
        dE[sorted_indices[chosen]] += np.take(rows, order[chosen], axis=0)
        k += 1
    if k < round_sizes.size:                             # the rest: one run per frequent index
        rest = np.flatnonzero(rank >= k)
        starts = np.flatnonzero(rank[rest] == k)
        runs = np.add.reduceat(np.take(rows, order[rest], axis=0), starts, axis=0)
        dE[sorted_indices[rest[starts]]] += runs
    return dE


def _normalize_input_length(input_length):
    """``10 -> (10,)``, ``(None, 5) -> (None, 5)``; ``None`` stays ``None``."""
    if input_length is None:
        return None
    values = (input_length,) if isinstance(input_length, (int, np.integer)) else tuple(input_length)
    for v in values:
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0):
            raise ValueError(f"Embedding: input_length must be a positive int or a tuple of them "
                             f"(None allowed), got {input_length!r}")
    return tuple(None if v is None else int(v) for v in values)
