"""How ``data/hopper.npz`` was made (run once by a maintainer; needs matplotlib and Pillow).

    python -m edulayers.datasets._build

Source: ``grace_hopper.jpg`` bundled with matplotlib (``matplotlib.cbook.get_sample_data``), a
512 x 600 official U.S. Navy portrait of Grace M. Hopper (a work of the U.S. federal government,
in the public domain). The square
``(left, top, right, bottom) = (0, 20, 512, 532)`` is cut out (face and shoulders) and resized
to 128 x 128 with Lanczos filtering; the RGB bytes are stored with ``np.savez_compressed``.
The package reads the file with NumPy alone.
"""
from pathlib import Path

import numpy as np

CROP_BOX = (0, 20, 512, 532)
SIZE = 128


def build(path=Path(__file__).resolve().parent / "data" / "hopper.npz"):
    import matplotlib.cbook as cbook
    from PIL import Image

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        image = Image.open(f).convert("RGB")
        image = image.crop(CROP_BOX).resize((SIZE, SIZE), Image.LANCZOS)
    rgb = np.asarray(image, dtype=np.uint8)
    np.savez_compressed(path, rgb=rgb)
    return path


if __name__ == "__main__":
    print(build())
