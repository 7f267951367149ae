"""How the files in ``data/`` were made (run once by a maintainer, never at run time).

    python -m edulayers.datasets._build            # all of them
    python -m edulayers.datasets._build digits     # one: hopper, digits or diabetes

``hopper.npz`` needs matplotlib and Pillow; ``digits.npz`` and ``diabetes.npz`` need
scikit-learn, which is *not* a dependency of edulayers: install it into a scratch place, e.g.
``pip install --target /tmp/skl scikit-learn`` and run with ``PYTHONPATH=/tmp/skl`` (the files
were built with scikit-learn 1.9.1). The package reads every file with NumPy alone.

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


BUILDERS = {"hopper": build, "digits": build_digits, "diabetes": build_diabetes}

if __name__ == "__main__":
    import sys

    for name in sys.argv[1:] or list(BUILDERS):
        print(BUILDERS[name]())
