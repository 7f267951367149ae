r"""Lambda: any NumPy function as a layer, :math:`y = f(x)`.

``Lambda(lambda x: x ** 2)`` wraps an expression so it can sit in a model. The forward pass is
the function itself (``arguments`` are passed as keyword arguments). The backward pass needs
the vector-Jacobian product

.. math::  \frac{\partial L}{\partial x_i} = \sum_m \frac{\partial L}{\partial y_m}\,
           \frac{\partial y_m}{\partial x_i}

which NumPy cannot derive from an arbitrary function. Give it as ``gradient(x, dy, **arguments)``
(``gradient=lambda x, dy: 2 * x * dy`` for the square); without it the layer falls back on central
differences in float64, one pair of function evaluations per input entry,

.. math::  \frac{\partial L}{\partial x_i} \approx
           \frac{\sum_m \delta_m \big(f(x + h e_i) - f(x - h e_i)\big)_m}{2h},
           \qquad \delta = \frac{\partial L}{\partial y}

(error :math:`O(h^2)` plus rounding; about 1e-9 relative in float64) and warns that this is slow.
"""
from __future__ import annotations

import ast
import inspect
import warnings

import numpy as np

from ...explain import Step
from ..base import Layer

__all__ = ["Lambda"]

#: Relative step of the numerical gradient: h = NUMERICAL_STEP * max(1, |x_i|). The cube root
#: of float64's epsilon balances the O(h^2) truncation error against the O(eps/h) rounding error.
NUMERICAL_STEP = float(np.finfo(np.float64).eps) ** (1 / 3)


class NumericalGradientWarning(UserWarning):
    """Lambda.backward is differentiating the function numerically (slow); pass ``gradient=``."""


def _expects(fn, name) -> bool:
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):        # builtins and ufuncs without a signature
        return False


def _lambda_source(fn) -> str | None:
    """The ``lambda ...: ...`` text of a lambda, cut out of its source line, or None."""
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return None
    wanted = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    start = source.find("lambda")
    while start >= 0:
        text = source[start:]
        for end in range(len(text), 0, -1):          # the longest prefix that is one lambda
            try:
                node = ast.parse(text[:end].strip(), mode="eval").body
            except SyntaxError:
                continue
            if isinstance(node, ast.Lambda):
                if tuple(a.arg for a in node.args.args) == tuple(wanted):
                    return " ".join(text[:end].split())
                break
        start = source.find("lambda", start + 1)
    return None


def _latex_text(text: str) -> str:
    """Escape ``text`` for ``\\texttt{...}``."""
    special = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}
    return "".join(special.get(ch, "\\" + ch if ch in "_{}%#&$" else ch) for ch in text)


def _latex_name(name: str) -> str:
    return name.replace("_", r"\_")


class Lambda(Layer):
    r"""Wraps an arbitrary NumPy function as a layer: ``y = function(x, **arguments)``.

    Args:
        function: ``f(x, **arguments)``; ``x`` is an array, or a list of arrays for a layer with
            several inputs. If ``f`` has a ``mask`` or ``training`` parameter it receives them
            (as Keras 3 does). It may return an array or a list of arrays.
        output_shape: ``None`` (inferred by running ``f`` on a small dummy batch of the input
            shape), a tuple (the shape of one sample: the batch axis is prepended,
            ``(input_shape[0],) + output_shape``; a list of tuples for several outputs), or a
            callable ``output_shape(input_shape)`` giving the whole shape, batch included.
            A given shape is checked against what ``f`` returns.
        mask: ``None`` (no output mask), a fixed mask (returned whatever the input), or a
            callable ``mask(inputs, mask)``.
        arguments: dict of keyword arguments for ``f`` (and for ``gradient``).
        gradient: ``gradient(x, dy, **arguments) -> dx``, the vector-Jacobian product of ``f``
            (``dx`` a list for a list input; ``dy`` a list when ``f`` returns a list). Without it
            backward is numerical (central differences in float64) and warns: exact to about
            1e-9, but it costs two evaluations of ``f`` per input entry, and ``f`` must be
            deterministic (no fresh random draws) for the differences to mean anything.

    ``get_config()`` stores the function objects themselves (a Python lambda has no portable
    serialization; Keras 3 dumps its bytecode, which only loads in the same Python), so
    ``Lambda(**layer.get_config())`` rebuilds the layer in the same session.

    Input shape:  anything ``f`` accepts (a list of arrays for several inputs).
    Output shape: what ``f`` returns.

    >>> layer = Lambda(lambda x: x ** 2, gradient=lambda x, dy: 2 * x * dy)
    >>> layer.explain(input_shape=(None, 3)).trace
    '(None, 3)'
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, gradient=None,
                 **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"{self._label}: function must be callable (e.g. lambda x: x ** 2), "
                             f"got {function!r}")
        if output_shape is not None and not callable(output_shape):
            output_shape = self._validate_shape_tuple(output_shape)
        if arguments is not None and not isinstance(arguments, dict):
            raise ValueError(f"{self._label}: arguments must be a dict of keyword arguments for "
                             f"the function, got {arguments!r}")
        if gradient is not None and not callable(gradient):
            raise ValueError(f"{self._label}: gradient must be callable as gradient(x, dy, "
                             f"**arguments) -> dx, got {gradient!r}")
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.gradient = gradient
        self.supports_masking = mask is not None

    def _validate_shape_tuple(self, shape):
        bad = ValueError(f"{self._label}: output_shape must be None, a callable, a tuple of ints "
                         f"(one sample's shape, batch axis excluded) or a list of such tuples, "
                         f"got {shape!r}")
        if not isinstance(shape, (tuple, list)):
            raise bad
        if shape and all(isinstance(s, (tuple, list)) for s in shape):
            return [self._validate_shape_tuple(s) for s in shape]
        for s in shape:
            if s is not None and (isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0):
                raise bad
        return tuple(None if s is None else int(s) for s in shape)

    # ---------------------------------------------------------------- forward
    def _call_function(self, inputs, training=False, mask=None):
        kwargs = dict(self.arguments)
        if _expects(self.function, "mask"):
            kwargs["mask"] = mask
        if _expects(self.function, "training"):
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def _as_outputs(self, result):
        """Arrays in the layer's dtype (floats), a list for a function with several outputs."""
        def cast(a):
            a = np.asarray(a)
            return a.astype(self.dtype, copy=False) if a.dtype.kind == "f" else a
        return [cast(r) for r in result] if isinstance(result, (list, tuple)) else cast(result)

    def forward(self, inputs, training=False, mask=None):
        outputs = self._as_outputs(self._call_function(inputs, training, mask))
        self._check_declared_shape(inputs, outputs)
        self.cache = (inputs, training, mask)
        return outputs

    def _check_declared_shape(self, inputs, outputs):
        """A given output_shape must describe what the function returns (None matches any size)."""
        if self._output_shape is None:
            return
        shapes = [x.shape for x in inputs] if isinstance(inputs, list) else inputs.shape
        declared = self.compute_output_shape(_batchless(shapes))
        got = [o.shape for o in outputs] if isinstance(outputs, list) else outputs.shape
        declared_list = declared if isinstance(declared, list) else [declared]
        got_list = got if isinstance(got, list) else [got]
        ok = (isinstance(declared, list) == isinstance(got, list)
              and len(declared_list) == len(got_list)
              and all(len(d) == len(g) and all(a is None or a == b for a, b in zip(d, g))
                      for d, g in zip(declared_list, got_list)))
        if not ok:
            raise ValueError(f"{self._label}: output_shape says the output has shape {declared}, "
                             f"but the function returned shape {got} (a tuple output_shape is "
                             "one sample's shape, without the batch axis)")

    # ---------------------------------------------------------------- backward
    def backward(self, dy):
        inputs, training, mask = self.cache
        if self.gradient is not None:
            return self._user_gradient(inputs, dy)
        self._warn_numerical()
        xs = [np.array(x, dtype=np.float64) for x in _as_list(inputs)]
        dys = [np.asarray(d, dtype=np.float64) for d in _as_list(dy)]
        grads = []
        for x in xs:
            # No vectorized trick exists for an arbitrary f: every entry needs its own two
            # evaluations. This path nudges a flat view of x in place (no copies); the speed-up
            # is to pass gradient=.
            flat, g = x.reshape(-1), np.zeros(x.size)
            for i in range(x.size):
                old = flat[i]
                step = NUMERICAL_STEP * max(1.0, abs(old))
                flat[i] = old + step
                up = self._loss(xs, dys, inputs, training, mask)
                flat[i] = old - step
                down = self._loss(xs, dys, inputs, training, mask)
                flat[i] = old
                g[i] = (up - down) / ((old + step) - (old - step))
            grads.append(g.reshape(x.shape).astype(self.dtype))
        return grads if isinstance(inputs, list) else grads[0]

    def _loss(self, xs, dys, inputs, training, mask):
        """sum(f(x) * dy) in float64: its derivative w.r.t. x is the vector-Jacobian product."""
        with np.errstate(all="ignore"):
            ys = self._call_function(xs if isinstance(inputs, list) else xs[0], training, mask)
        return float(sum(np.sum(np.asarray(y, dtype=np.float64) * d)
                         for y, d in zip(_as_list(ys), dys)))

    def _user_gradient(self, inputs, dy):
        dx = self.gradient(inputs, dy, **self.arguments)
        if isinstance(inputs, list):
            if not isinstance(dx, (list, tuple)) or len(dx) != len(inputs):
                raise ValueError(f"{self._label}: the layer has {len(inputs)} inputs, so gradient "
                                 f"must return a list of {len(inputs)} arrays, got {type(dx).__name__}")
            return [self._checked_grad(g, x, i) for i, (g, x) in enumerate(zip(dx, inputs))]
        return self._checked_grad(dx, inputs, None)

    def _checked_grad(self, g, x, index):
        g = np.asarray(g)
        if g.shape != x.shape:
            which = "the input" if index is None else f"input {index}"
            raise ValueError(f"{self._label}: gradient returned shape {g.shape} for {which} of "
                             f"shape {x.shape}; dx must have the input's shape")
        return g.astype(self.dtype, copy=False)

    def _warn_numerical(self):
        name = getattr(self.function, "__name__", "function")
        warnings.warn(f"{self._label}: no gradient= given, so backward differentiates {name} "
                      "numerically (central differences in float64, two calls of the function per "
                      "input entry): accurate to about 1e-9 but slow. Pass "
                      "Lambda(function, gradient=lambda x, dy: ...) returning dL/dx, e.g. "
                      "gradient=lambda x, dy: 2 * x * dy for lambda x: x ** 2.",
                      NumericalGradientWarning, stacklevel=4)

    # ---------------------------------------------------------------- reference path
    def forward_reference(self, inputs, training=False, mask=None):
        # The function is its own definition: the reference forward makes the same call.
        outputs = self._as_outputs(self._call_function(inputs, training, mask))
        self._check_declared_shape(inputs, outputs)
        self.cache = (inputs, training, mask)
        return outputs

    def backward_reference(self, dy):
        inputs, training, mask = self.cache
        if self.gradient is not None:
            return self._user_gradient(inputs, dy)
        self._warn_numerical()
        xs = [np.array(x, dtype=np.float64) for x in _as_list(inputs)]
        dys = [np.asarray(d, dtype=np.float64) for d in _as_list(dy)]
        grads = []
        for n, x in enumerate(xs):
            g = np.zeros_like(x)
            for index in np.ndindex(x.shape):               # every input entry, one at a time
                step = NUMERICAL_STEP * max(1.0, abs(x[index]))
                x_up, x_down = x.copy(), x.copy()
                x_up[index] += step
                x_down[index] -= step
                up = self._loss(xs[:n] + [x_up] + xs[n + 1:], dys, inputs, training, mask)
                down = self._loss(xs[:n] + [x_down] + xs[n + 1:], dys, inputs, training, mask)
                g[index] = (up - down) / (x_up[index] - x_down[index])   # central difference
            grads.append(g.astype(self.dtype))
        return grads if isinstance(inputs, list) else grads[0]

    # ---------------------------------------------------------------- shapes, mask, explain, config
    def compute_output_shape(self, input_shape):
        if callable(self._output_shape):
            result = self._output_shape(input_shape)
            if isinstance(result, list) and result and isinstance(result[0], (tuple, list)):
                return [tuple(s) for s in result]
            return tuple(result)
        if self._output_shape is not None:
            batch = input_shape[0][0] if _is_shape_list(input_shape) else input_shape[0]
            if isinstance(self._output_shape, list):
                return [(batch,) + s for s in self._output_shape]
            return (batch,) + self._output_shape
        return self._infer_output_shape(input_shape)

    def _infer_output_shape(self, input_shape):
        """Run the function on a small dummy batch; a dimension that follows the size of the
        unknown (None) input dimensions comes out as None."""
        shapes = [tuple(s) for s in input_shape] if _is_shape_list(input_shape) else [tuple(input_shape)]
        rng = np.random.default_rng(0)
        results = []
        for fill in ((2, 3) if any(d is None for s in shapes for d in s) else (2,)):
            dummies = [rng.uniform(0.25, 0.75, size=tuple(fill if d is None else d for d in s))
                       .astype(self.dtype) for s in shapes]
            try:
                with np.errstate(all="ignore"):
                    out = self._call_function(dummies if _is_shape_list(input_shape) else dummies[0])
            except Exception as error:
                raise ValueError(f"{self._label} could not infer its output shape by running the "
                                 f"function on a dummy input of shape {input_shape} ({error!r}); "
                                 "pass output_shape=") from error
            results.append([np.shape(o) for o in out] if isinstance(out, (list, tuple))
                           else [np.shape(out)])
        merged = [tuple(a if a == b else None for a, b in zip(first, last))
                  for first, last in zip(results[0], results[-1])]
        return merged if len(merged) > 1 or isinstance(out, (list, tuple)) else merged[0]

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return None if self.mask is None else np.asarray(self.mask)

    @property
    def function_text(self) -> str:
        """The lambda's source text, or the function's name."""
        name = getattr(self.function, "__name__", type(self.function).__name__)
        if name == "<lambda>":
            return _lambda_source(self.function) or "lambda"
        return name

    @property
    def formula(self):
        name = getattr(self.function, "__name__", type(self.function).__name__)
        if name == "<lambda>":
            source = _lambda_source(self.function)
            if source is None:
                return r"y = f(x)"
            return rf"y = f(x),\quad f = \texttt{{{_latex_text(source)}}}"
        return rf"y = \mathrm{{{_latex_name(name)}}}(x)"

    def shape_steps(self, input_shape):
        return [Step(f"{self.function_text} (no weights)", self.compute_output_shape(input_shape))]

    def param_formula(self, input_shape):
        return "0"

    def explain_notes(self):
        notes = [f"function: {self.function_text}"]
        if self.arguments:
            notes.append("arguments: " + ", ".join(f"{k}={v!r}" for k, v in self.arguments.items()))
        notes.append("backward: the given gradient function" if self.gradient is not None else
                     "backward: numerical (central differences, slow); pass gradient= to speed it up")
        return notes

    def get_config(self):
        # The function objects themselves: a lambda has no portable serialization.
        return {**super().get_config(), "function": self.function,
                "output_shape": self._output_shape, "mask": self.mask,
                "arguments": dict(self.arguments), "gradient": self.gradient}


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _is_shape_list(shape) -> bool:
    return isinstance(shape, list) and bool(shape) and all(isinstance(s, (tuple, list)) for s in shape)


def _batchless(shapes):
    """``(None,) + shape[1:]``: the shape as compute_output_shape sees it (batch unknown)."""
    if isinstance(shapes, list):
        return [(None,) + tuple(s[1:]) for s in shapes]
    return (None,) + tuple(shapes[1:])
