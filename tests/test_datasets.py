"""edulayers.datasets: the shipped sample image and the synthetic shapes image."""
from pathlib import Path

import numpy as np
import pytest

import edulayers as el
from edulayers import datasets


@pytest.mark.parametrize("size", [8, 16, 32, 64, 128])
@pytest.mark.parametrize("grayscale", [True, False])
def test_sample_image_shapes_and_range(size, grayscale):
    image = el.datasets.load_sample_image("hopper", size=size, grayscale=grayscale)
    assert image.shape == ((size, size) if grayscale else (size, size, 3))
    assert image.dtype == np.float32
    assert 0.0 <= image.min() < 0.2 and 0.5 < image.max() <= 1.0     # dark uniform, light face
    assert image.std() > 0.1


def test_smaller_sizes_are_block_averages_and_gray_is_luma():
    big = datasets.load_sample_image(size=128, grayscale=False, dtype="float64")
    small = datasets.load_sample_image(size=32, grayscale=False, dtype="float64")
    np.testing.assert_allclose(small[3, 5], big[12:16, 20:24].mean(axis=(0, 1)), rtol=1e-12)
    gray = datasets.load_sample_image(size=32, dtype="float64")
    np.testing.assert_allclose(gray, small @ np.array([0.299, 0.587, 0.114]), rtol=1e-12)
    # The portrait's face is lighter than the dark uniform below it.
    assert gray[8:16, 12:20].mean() > gray[26:, 8:24].mean() + 0.2


def test_file_is_small_and_numpy_only():
    path = Path(datasets.__file__).parent / "data" / "hopper.npz"
    assert path.stat().st_size < 100_000
    with np.load(path) as data:                        # no pickle: plain arrays
        assert list(data.keys()) == ["rgb"]
        assert data["rgb"].shape == (128, 128, 3) and data["rgb"].dtype == np.uint8
    assert "public domain" in datasets.__doc__ and "matplotlib" in datasets.__doc__


def test_sample_image_feeds_a_layer():
    image = datasets.load_sample_image(size=32)
    y = el.layers.UpSampling2D(2, interpolation="bilinear")(image[None, :, :, None])
    assert y.shape == (1, 64, 64, 1) and 0.0 <= y.min() and y.max() <= 1.0


def test_shapes_image():
    image = datasets.shapes_image(32)
    assert image.shape == (32, 32) and image.dtype == np.float32
    np.testing.assert_allclose(np.unique(image), [0.1, 0.4, 0.6, 0.9])   # flat regions, sharp edges
    np.testing.assert_array_equal(image, datasets.shapes_image(32))   # deterministic
    # Same picture at every size: the big one block-averaged is close to the small one.
    big = datasets.shapes_image(64).reshape(32, 2, 32, 2).mean(axis=(1, 3))
    assert np.mean(np.abs(big - image)) < 0.05


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"unknown image 'lena'; available: \['hopper'\]"):
        datasets.load_sample_image("lena")
    with pytest.raises(ValueError, match=r"size must be one of \[8, 16, 32, 64, 128\].*got 50"):
        datasets.load_sample_image(size=50)
    with pytest.raises(ValueError, match=r"shapes_image: size must be an int >= 8, got 4"):
        datasets.shapes_image(4)
