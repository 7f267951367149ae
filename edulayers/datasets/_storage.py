"""Where the shipped files live and how they are read: ``np.load`` of plain arrays, no pickle."""
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_arrays(filename: str, *names: str):
    """The arrays ``names`` of ``data/filename``, in that order (read into memory, file closed)."""
    with np.load(DATA_DIR / filename, allow_pickle=False) as stored:
        return tuple(stored[name] for name in names)


def load_split(filename: str):
    """``x_train, y_train, x_test, y_test`` as stored in ``data/filename``."""
    return load_arrays(filename, "x_train", "y_train", "x_test", "y_test")
