"""Shared fixtures: float64 layers, a seeded generator, and Keras 3 (JAX backend) as the reference."""
import os

os.environ["KERAS_BACKEND"] = "jax"         # before anything imports keras

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
def jax():
    """JAX with 64-bit floats, for the references written with jax.numpy and jax.grad."""
    jax = pytest.importorskip("jax", reason="jax is not installed (pip install -e '.[dev]')")
    # before anything computes: without x64 JAX silently turns every float64 into float32
    jax.config.update("jax_enable_x64", True)
    assert jax.numpy.asarray(np.float64(1.0)).dtype == np.float64
    return jax


@pytest.fixture(scope="session")
def keras(jax):
    """Keras 3 on the JAX backend in float64; tests that use it skip where it is not installed."""
    keras = pytest.importorskip("keras", reason="keras is not installed (pip install -e '.[dev]')")
    if keras.backend.backend() != "jax":
        pytest.skip(f"Keras runs on the {keras.backend.backend()} backend; these tests need jax "
                    "(keras was imported before tests/conftest.py set KERAS_BACKEND)")
    keras.config.set_floatx("float64")
    # Keras 3's type promotion (dtypes.result_type) follows JAX's default 32-bit mode and turns
    # float64 results into float32 on every backend but TensorFlow (BIT64_TO_BIT32_DTYPE): on
    # JAX, keras.ops.var, ops.average and ops.norm of a float64 tensor are float32 without this.
    # The project takes Keras 3 on TensorFlow as the reference for numerics, where float64 stays
    # float64, so the twin tests keep float64 as TensorFlow does.
    from keras.src.backend.common import dtypes
    dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"
    # the reference really computes in float64 (twins.keras_vjp checks every output and gradient)
    x = keras.ops.convert_to_tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3))
    dense = keras.layers.Dense(2)
    for y in (x, dense(x), keras.ops.multiply(x, 2), keras.ops.var(x), keras.ops.average(x),
              keras.ops.norm(x)):
        assert str(y.dtype) == "float64", f"Keras on JAX computes in {y.dtype}, not float64"
    assert dense.kernel.dtype == "float64"
    return keras
