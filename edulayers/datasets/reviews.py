"""Short film reviews labelled by sentiment, with Keras' ``imdb`` interface: for Embedding + LSTM.

>>> from edulayers.datasets import reviews
>>> (x_train, y_train), (x_test, y_test) = reviews.load_data()
>>> len(x_train), len(x_test), y_train.dtype, int(y_train.sum())
(4000, 1000, dtype('int64'), 2000)
>>> reviews.decode(x_train[1]), int(y_train[1])
('[START] the villain was not superb the film is about a family it is set in rome i disliked the plot', 0)

5000 reviews (4000 training, 1000 test, half positive in each part), 4 to 56 words, 23 on
average, 171 different words. **Written for this package**, not collected: a small grammar
(``_reviews_grammar.py``, whose docstring gives every rule) combines opinions (``the plot was
dull``, ``i loved the music``), negations (``was not dull``), contrasts (``A but B``: B decides),
neutral sentences and ratings (``seven out of ten``); the label (1 positive, 0 negative) is whether
their scores add up to more than zero. The label thus depends on word *order*: a bag-of-words
logistic regression reaches about 75 % on the test reviews, while ``Embedding(175, 16,
mask_zero=True)`` + ``LSTM(32)`` + ``Dense(1, "sigmoid")`` on ``pad_sequences(x, maxlen=60)``
reaches about 90 % after 12 epochs of Adam. As part of edulayers it is under the package's MIT
license.

Encoding, as Keras' IMDB: each review is a list of word indices; a word's index is its
frequency rank in the training reviews (``get_word_index()``: ``"the"`` is 1) plus
``index_from``; 0 is left for padding, ``start_char`` (1) marks the start and ``oov_char`` (2)
stands for a word cut by ``num_words`` or ``skip_top``. ``decode`` turns a list back into text.
"""
import numpy as np

from ._storage import load_arrays

__all__ = ["load_data", "get_word_index", "decode"]

_FILE = "reviews.npz"


def _checked_int(name, value, low, none_allowed):
    if value is None and none_allowed:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        expected = f"None or an int >= {low}" if none_allowed else f"an int >= {low}"
        raise ValueError(f"reviews.load_data: {name} must be {expected}, got {value!r}")
    return int(value)


def _as_object_array(sequences):
    """A 1-D object array of lists (``np.array`` would make a 2-D array of equal-length lists)."""
    array = np.empty(len(sequences), dtype=object)
    for i, sequence in enumerate(sequences):
        array[i] = sequence
    return array


def _stored_part(part):
    """The reviews of ``part`` (``"train"`` or ``"test"``) as lists of word ranks, and labels."""
    flat_ranks, lengths, labels = load_arrays(_FILE, f"{part}_ranks", f"{part}_lengths",
                                              f"y_{part}")
    ends = np.cumsum(lengths.astype(np.int64))
    return np.split(flat_ranks.astype(np.int64), ends[:-1]), labels.astype(np.int64)


def load_data(num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3):
    """``(x_train, y_train), (x_test, y_test)`` with the arguments of Keras' ``imdb.load_data``.

    Args:
        num_words: keep the words whose index is below ``num_words`` (the most frequent
            ``num_words - index_from - 1``: the indices below ``index_from + 1`` are reserved);
            every other word becomes ``oov_char``. ``None`` keeps them all. The largest index in the result
            is then ``num_words - 1``.
        skip_top: the ``skip_top`` most frequent words also become ``oov_char`` (0: none).
        maxlen: drop every review longer than ``maxlen`` indices (the start mark counts), in
            each part; ``None`` keeps them all. Reviews are *dropped*, not cut: to cut them,
            use ``edulayers.utils.pad_sequences(x, maxlen)``. ValueError if a part is left
            empty.
        seed: the reviews of each part are put in the order of a
            ``np.random.RandomState(seed)`` shuffle (training part first, then test).
        start_char: the index put in front of every review; ``None``: nothing.
        oov_char: the index that replaces a cut word; ``None``: cut words are left out.
        index_from: added to every word's rank (1 for the most frequent word).

    Returns ``x_train``, ``x_test``: 1-D object arrays of lists of ints; ``y_train``,
    ``y_test``: int64 arrays of 0 (negative) and 1 (positive).

    Where Keras' code (Keras 3.x, ``keras/src/datasets/imdb.py``) and its docstring disagree,
    this follows the documented intent: its docstring says long reviews are "truncated" while
    its code drops them (as its docs said earlier: keras-team/keras PR #8646), so they are
    dropped, but those of exactly ``maxlen`` are kept (Keras' code also drops them, though its
    docstring says the longest possible length is ``maxlen``); ``skip_top`` counts words, where
    Keras' code compares it with shifted indices (so it can replace the start mark);
    ``num_words=None`` keeps every word, where Keras' code turns the highest index into
    ``oov_char``. Keras' test reviews can contain words unseen in training; here every test
    word occurs in the training reviews.
    """
    num_words = _checked_int("num_words", num_words, 1, none_allowed=True)
    skip_top = _checked_int("skip_top", skip_top, 0, none_allowed=False)
    maxlen = _checked_int("maxlen", maxlen, 1, none_allowed=True)
    seed = _checked_int("seed", seed, 0, none_allowed=False)
    start_char = _checked_int("start_char", start_char, 0, none_allowed=True)
    oov_char = _checked_int("oov_char", oov_char, 0, none_allowed=True)
    index_from = _checked_int("index_from", index_from, 0, none_allowed=False)

    shuffler = np.random.RandomState(seed)
    parts = []
    for part in ("train", "test"):
        ranked_reviews, labels = _stored_part(part)
        order = shuffler.permutation(len(labels))

        def index_of(rank):
            if rank <= skip_top or (num_words is not None and rank + index_from >= num_words):
                return oov_char
            return rank + index_from

        start = [] if start_char is None else [start_char]
        sequences = [start + [index_of(rank) for rank in ranked_reviews[i].tolist()] for i in order]
        labels = labels[order]
        if maxlen is not None:
            short_enough = np.array([len(sequence) <= maxlen for sequence in sequences], dtype=bool)
            if not short_enough.any():
                raise ValueError(f"reviews.load_data: no {part} review is at most maxlen={maxlen} "
                                 f"indices long (the shortest has "
                                 f"{min(len(s) for s in sequences)}); increase maxlen")
            sequences = [s for s, keep in zip(sequences, short_enough) if keep]
            labels = labels[short_enough]
        if oov_char is None:                        # cut words are left out
            sequences = [[i for i in sequence if i is not None] for sequence in sequences]
        parts.append((_as_object_array(sequences), labels))
    return tuple(parts)


def get_word_index():
    """A new dict ``{word: rank}``: 1 for the most frequent word of the training reviews, 2 for
    the next (ties in alphabetical order), as Keras' ``imdb.get_word_index()``. A word's index in
    ``load_data``'s lists is its rank plus ``index_from``."""
    (words,) = load_arrays(_FILE, "words")
    return {str(word): rank for rank, word in enumerate(words.tolist(), start=1)}


def decode(sequence, start_char=1, oov_char=2, index_from=3):
    """The text of one review from ``load_data`` (made with the same three arguments):
    ``[START]`` for ``start_char``, ``[OOV]`` for ``oov_char``, ``[PAD]`` for 0."""
    word_of_index = {rank + index_from: word for word, rank in get_word_index().items()}
    special = {0: "[PAD]", start_char: "[START]", oov_char: "[OOV]"}
    return " ".join(special.get(i) or word_of_index.get(i, "[?]") for i in sequence)
