r"""Activation functions, each with its derivative, as Keras 3 defines them.

Every activation is an ``ActivationFunction``: call it like a function,
``el.activations.relu(x)``, and ask it for its derivative,
``el.activations.relu.derivative(x)`` (elementwise :math:`f'(x)`).
Activations that mix entries (softmax, log_softmax, glu, sparsemax) have no
elementwise derivative; for every activation ``act.backward(x, y, dy)`` gives
the vector-Jacobian product :math:`\partial L/\partial x` from
:math:`\partial L/\partial y`, which is what layers call.

``get("relu")`` resolves Keras names; ``None`` and ``"linear"`` give the identity.
"""
from __future__ import annotations

import numpy as np


class ActivationFunction:
    """A named activation with its derivative and its LaTeX formula.

    Args:
        name: the Keras name (``"relu"``).
        fn: ``fn(x, **params) -> y``.
        derivative: ``derivative(x, y, **params) -> f'(x)`` for elementwise activations.
        vjp: ``vjp(x, y, dy, **params) -> dx`` for activations that mix entries.
        latex: :math:`f(x)` in LaTeX, used by ``explain()``.
        derivative_latex: :math:`f'(x)` in LaTeX, shown in the notebooks.
        defaults: the keyword parameters and their Keras defaults (``alpha=1.0`` of elu).
    """

    def __init__(self, name, fn, derivative=None, vjp=None, latex="", derivative_latex="",
                 defaults=None):
        self.__name__ = self.name = name
        self._fn, self._derivative, self._vjp = fn, derivative, vjp
        self.latex, self.derivative_latex = latex, derivative_latex
        self.defaults = dict(defaults or {})
        self.__doc__ = f"{name}: {latex}"

    @property
    def elementwise(self) -> bool:
        return self._derivative is not None

    def _params(self, params):
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise TypeError(f"activation {self.name!r} got unexpected parameter(s) {sorted(unknown)}; "
                            f"it takes {sorted(self.defaults) or 'none'}")
        return {**self.defaults, **params}

    def __call__(self, x, **params):
        return self._fn(np.asarray(x), **self._params(params))

    def derivative(self, x, y=None, **params):
        """Elementwise :math:`f'(x)`; ``y = f(x)`` may be passed to save recomputing it."""
        if self._derivative is None:
            raise TypeError(f"activation {self.name!r} is not elementwise, so it has no elementwise "
                            "derivative; use backward(x, y, dy) for its vector-Jacobian product")
        x = np.asarray(x)
        p = self._params(params)
        y = self._fn(x, **p) if y is None else y
        return self._derivative(x, y, **p)

    def backward(self, x, y, dy, **params):
        """:math:`\\partial L / \\partial x` given :math:`\\partial L / \\partial y` = ``dy``."""
        p = self._params(params)
        if self._vjp is not None:
            return self._vjp(np.asarray(x), y, dy, **p)
        return dy * self._derivative(np.asarray(x), y, **p)

    def __repr__(self):
        return f"<activation {self.name}>"


def _def(name, fn, derivative=None, vjp=None, latex="", derivative_latex="", defaults=None):
    act = ActivationFunction(name, fn, derivative, vjp, latex, derivative_latex, defaults)
    ALL[name] = act
    return act


ALL: dict = {}

# ---------------------------------------------------------------------------- the basic ones
linear = _def("linear", lambda x: x, lambda x, y: np.ones_like(x),
              latex=r"f(x) = x", derivative_latex=r"f'(x) = 1")


def _sigmoid(x):
    # two branches so that exp never overflows: exp(-|x|) <= 1
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


sigmoid = _def("sigmoid", _sigmoid, lambda x, y: y * (1 - y),
               latex=r"f(x) = \frac{1}{1 + e^{-x}}", derivative_latex=r"f'(x) = f(x)\,(1 - f(x))")

tanh = _def("tanh", np.tanh, lambda x, y: 1 - y * y,
            latex=r"f(x) = \tanh x", derivative_latex=r"f'(x) = 1 - \tanh^2 x")


def _relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    y = np.where(x >= threshold, x, negative_slope * (x - threshold))
    return y if max_value is None else np.minimum(y, max_value)


def _relu_derivative(x, y, negative_slope=0.0, max_value=None, threshold=0.0):
    d = np.where(x >= threshold, 1.0, negative_slope)
    if max_value is not None:
        d = np.where(x >= max_value, 0.0, d)
    return d.astype(x.dtype, copy=False)


relu = _def("relu", _relu, _relu_derivative,
            latex=r"f(x) = \max(0, x)", derivative_latex=r"f'(x) = [x > 0]",
            defaults={"negative_slope": 0.0, "max_value": None, "threshold": 0.0})


def _softmax(x, axis=-1):
    z = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return z / np.sum(z, axis=axis, keepdims=True)


def _softmax_vjp(x, y, dy, axis=-1):
    # J^T dy for J = diag(y) - y y^T, without forming J
    return y * (dy - np.sum(dy * y, axis=axis, keepdims=True))


softmax = _def("softmax", _softmax, vjp=_softmax_vjp,
               latex=r"f(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}",
               derivative_latex=r"\frac{\partial f_i}{\partial x_j} = f_i(\delta_{ij} - f_j)",
               defaults={"axis": -1})


def get(identifier):
    """An activation from a Keras name, an ``ActivationFunction``, a callable, or ``None`` (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, ActivationFunction):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in ALL:
            return ALL[key]
        raise ValueError(f"Unknown activation: {identifier!r}. Expected one of {sorted(ALL)}")
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation identifier: {identifier!r}")


def serialize(activation) -> str:
    return getattr(activation, "name", getattr(activation, "__name__", repr(activation)))
