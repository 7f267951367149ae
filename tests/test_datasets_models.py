"""edulayers.datasets for the worked model examples: digits, diabetes, the time series, windowed()."""
from pathlib import Path

import numpy as np
import pytest

import edulayers as el
from edulayers import datasets

DATA = Path(datasets.__file__).parent / "data"


def test_digits_shapes_dtypes_ranges_and_split():
    (x_train, y_train), (x_test, y_test) = datasets.load_digits()
    assert x_train.shape == (1438, 8, 8, 1) and x_test.shape == (359, 8, 8, 1)
    assert y_train.shape == (1438,) and y_test.shape == (359,)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    # pixels are counts 0..16 divided by 16: exactly multiples of 1/16
    np.testing.assert_array_equal(x_train * 16, np.round(x_train * 16))
    assert set(np.unique(y_train)) == set(np.unique(y_test)) == set(range(10))
    # stratified: every class has about 20 % of its images in the test set
    counts_train, counts_test = np.bincount(y_train), np.bincount(y_test)
    fractions = counts_test / (counts_train + counts_test)
    assert np.all(np.abs(fractions - 0.2) < 0.01)
    assert counts_train.sum() + counts_test.sum() == 1797
    # no image is in both parts (the UCI digits have no exact duplicates across the split)
    train_rows = {row.tobytes() for row in x_train.reshape(len(x_train), -1)}
    assert not any(row.tobytes() in train_rows for row in x_test.reshape(len(x_test), -1))


def test_digits_look_like_digits():
    (x_train, y_train), _ = datasets.load_digits()
    mean_zero = x_train[y_train == 0, :, :, 0].mean(axis=0)
    mean_one = x_train[y_train == 1, :, :, 0].mean(axis=0)
    # a zero is a ring (dark middle, bright columns 2 and 5), a one a vertical stroke (bright middle)
    assert min(mean_zero[2:6, 2].mean(), mean_zero[2:6, 5].mean()) > mean_zero[3:5, 3:5].mean() + 0.4
    assert mean_one[2:6, 3:5].mean() > mean_one[2:6, [1, 6]].mean() + 0.4


def test_diabetes_shapes_dtypes_ranges_and_split():
    (x_train, y_train), (x_test, y_test) = datasets.load_diabetes()
    assert x_train.shape == (354, 10) and x_test.shape == (88, 10)
    assert y_train.shape == (354,) and y_test.shape == (88,)
    assert x_train.dtype == y_train.dtype == x_test.dtype == np.float32
    x, y = np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])
    assert y.min() == 25 and y.max() == 346
    assert len(datasets.DIABETES_FEATURES) == 10
    age, sex, bmi = x[:, 0], x[:, 1], x[:, 2]
    assert 19 <= age.min() and age.max() <= 79
    assert set(np.unique(sex)) == {1.0, 2.0}
    assert 18 <= bmi.min() and bmi.max() <= 43
    # raw units, not standardized: the notebook's first step is to standardize
    assert np.abs(x_train.mean(axis=0)).max() > 50
    # the well-known signal: bmi correlates with progression (r about 0.59)
    assert 0.5 < np.corrcoef(bmi, y)[0, 1] < 0.7


def test_loaders_are_deterministic_and_return_fresh_arrays():
    for loader in (datasets.load_digits, datasets.load_diabetes):
        (a, b), (c, d) = loader()
        (a2, b2), (c2, d2) = loader()
        for u, v in [(a, a2), (b, b2), (c, c2), (d, d2)]:
            np.testing.assert_array_equal(u, v)
        a[...] = 0                               # changing one result does not change the next
        assert loader()[0][0].max() > 0
    np.testing.assert_array_equal(datasets.load_time_series(), datasets.load_time_series())


@pytest.mark.parametrize("name, keys", [
    ("digits.npz", {"x_train": np.uint8, "y_train": np.uint8, "x_test": np.uint8, "y_test": np.uint8}),
    ("diabetes.npz", {"x_train": np.float64, "y_train": np.float64, "x_test": np.float64,
                      "y_test": np.float64}),
])
def test_files_are_small_plain_arrays(name, keys):
    path = DATA / name
    assert path.stat().st_size < 200_000
    with np.load(path) as data:                  # allow_pickle=False by default: plain arrays only
        assert {k: data[k].dtype for k in data.keys()} == keys


def test_docstrings_give_source_and_license():
    doc = datasets.__doc__
    for words in ["scikit-learn", "BSD-3-Clause", "CC BY 4.0", "Alpaydin", "Efron", "Synthetic"]:
        assert words in doc, words
    from edulayers.datasets import _build
    assert "pip install" in _build.__doc__ and "digits.npz" in _build.__doc__
    assert set(_build.BUILDERS) == {"hopper", "digits", "diabetes"}


def test_make_sine_series_formula():
    n, period = 48, 12
    clean = datasets.make_sine_series(n, noise=0.0, period=period, trend=2.0, dtype="float64")
    t = np.arange(n)
    expected = 2.0 * t / n + np.sin(2 * np.pi * t / period) + 0.5 * np.sin(4 * np.pi * t / period + 1)
    np.testing.assert_allclose(clean, expected, atol=1e-12)
    noisy = datasets.make_sine_series(n, noise=0.5, period=period, trend=2.0, seed=3, dtype="float64")
    np.testing.assert_allclose(noisy - clean, 0.5 * np.random.default_rng(3).standard_normal(n), atol=1e-12)
    assert not np.array_equal(datasets.make_sine_series(n, seed=1), datasets.make_sine_series(n, seed=2))


def test_load_time_series():
    series = datasets.load_time_series()
    assert series.shape == (480,) and series.dtype == np.float32
    np.testing.assert_array_equal(series, datasets.make_sine_series(480, noise=0.1, seed=0))
    # seasonal: one period back is a far better guess than half a period back
    assert np.mean(np.abs(series[12:] - series[:-12])) < 0.3 < np.mean(np.abs(series[6:] - series[:-6]))
    # the trend: the last year is higher on average than the first
    assert series[-12:].mean() - series[:12].mean() > 0.8


def test_windowed_by_hand():
    series = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    x, y = datasets.windowed(series, lookback=2)
    np.testing.assert_array_equal(x[:, :, 0], [[1, 2], [2, 4], [4, 8]])
    np.testing.assert_array_equal(y, [[4], [8], [16]])
    assert x.shape == (3, 2, 1) and y.shape == (3, 1) and x.dtype == np.float64
    x, y = datasets.windowed(series[:, None].astype(np.float32), lookback=4)     # (T, 1) works too
    np.testing.assert_array_equal(x[:, :, 0], [[1, 2, 4, 8]])
    np.testing.assert_array_equal(y, [[16]])
    assert x.dtype == np.float32
    x, y = datasets.windowed([3, 1, 2], lookback=1)                             # ints -> float32
    assert x.dtype == np.float32 and x[:, 0, 0].tolist() == [3, 1] and y[:, 0].tolist() == [1, 2]
    x[...] = 0                                     # copies, not views of the series
    assert series[0] == 1.0


def test_windowed_feeds_a_recurrent_model():
    x, y = datasets.windowed(datasets.load_time_series()[:40], lookback=12)
    model = el.Sequential([el.Input(shape=(12, 1)), el.layers.SimpleRNN(4), el.layers.Dense(1)])
    model.compile("adam", "mse")
    assert model.predict(x).shape == y.shape == (28, 1)
    assert np.isfinite(model.evaluate(x, y))


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"windowed: series must have shape \(T,\) or \(T, 1\), got \(3, 2\)"):
        datasets.windowed(np.zeros((3, 2)), 1)
    with pytest.raises(ValueError, match=r"windowed: lookback must be smaller than the series length 5.*got 5"):
        datasets.windowed(np.zeros(5), 5)
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match=r"windowed: lookback must be an int >= 1"):
            datasets.windowed(np.zeros(5), bad)
    with pytest.raises(ValueError, match=r"make_sine_series: n must be an int >= 2, got 1"):
        datasets.make_sine_series(1)
    with pytest.raises(ValueError, match=r"make_sine_series: period must be an int >= 2, got 1"):
        datasets.make_sine_series(10, period=1)
    for noise in (-0.1, float("nan")):
        with pytest.raises(ValueError, match=r"make_sine_series: noise must be a finite number >= 0"):
            datasets.make_sine_series(10, noise=noise)
