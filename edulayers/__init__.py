"""edulayers: the Keras layer catalogue in NumPy, with the math in plain sight.

>>> import edulayers as el
>>> layer = el.layers.Dense(32, activation="relu", input_shape=(16,))
>>> print(layer.explain())          # formula, shape trace, parameter count as arithmetic
"""
from . import activations, backend, constraints, initializers, losses, metrics, optimizers, regularizers
from . import layers, models, ops, utils
from .backend import epsilon, floatx, set_floatx, set_random_seed
from .explain import Explanation
from .gradcheck import GradcheckReport, gradcheck
from .models import Model, Sequential
from .symbolic import Input

__version__ = "0.1.0"


def __getattr__(name):
    # widgets need matplotlib/ipywidgets, datasets read files, grading is for courses: on first use
    if name in ("widgets", "datasets", "grading", "applications", "exercises"):
        import importlib
        return importlib.import_module(f"edulayers.{name}")
    raise AttributeError(f"module 'edulayers' has no attribute {name!r}")


# widgets, datasets, grading and exercises load on first use (el.widgets, ...) and stay out of `import *`
__all__ = ["activations", "backend", "constraints", "initializers", "regularizers", "losses",
           "metrics", "optimizers", "layers", "models", "ops", "utils", "Sequential", "Model", "Input",
           "floatx", "set_floatx", "set_random_seed", "epsilon", "Explanation", "gradcheck",
           "GradcheckReport"]
