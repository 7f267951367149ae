"""Shared fixtures: float64 layers, a seeded generator, and Keras 3 (torch backend) as the reference."""
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest

import edulayers as el


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _fresh_names_and_seed():
    el.layers.base.reset_names()
    el.symbolic.reset_input_names()
    el.set_random_seed(0)
    yield


@pytest.fixture(scope="session")
def keras():
    """Keras 3 on the torch backend in float64; tests that use it skip where it is not installed."""
    keras = pytest.importorskip("keras", reason="keras is not installed (pip install -e '.[dev]')")
    pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0)")
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras runs on the {keras.backend.backend()} backend; these tests need torch")
    keras.config.set_floatx("float64")
    # Keras 3's type promotion follows JAX and turns float64 results into float32 on every
    # backend but TensorFlow (BIT64_TO_BIT32_DTYPE): a float64 Dense on torch multiplies in
    # float32. The layer protocol (book/protocol.md) takes Keras 3 on TensorFlow as the reference for numerics, where
    # float64 stays float64, so the twin tests keep float64 as TensorFlow does.
    from keras.src.backend.common import dtypes
    dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"
    return keras
