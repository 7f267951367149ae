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

>>> image = load_sample_image("hopper", size=64)
>>> image.shape, image.dtype, float(image.min()) >= 0.0, float(image.max()) <= 1.0
((64, 64), dtype('float32'), True, True)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["load_sample_image", "shapes_image", "SAMPLE_IMAGES"]

_DATA = Path(__file__).resolve().parent / "data"
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
