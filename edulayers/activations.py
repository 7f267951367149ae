r"""Activation functions, each with its derivative, as Keras 3 defines them.

Every activation is an ``ActivationFunction``: call it like a function,
``el.activations.relu(x)``, and ask it for its derivative,
``el.activations.relu.derivative(x)`` (elementwise :math:`f'(x)`).
Activations that mix entries (softmax, log_softmax, glu, sparsemax) have no
elementwise derivative; for every activation ``act.backward(x, y, dy)`` gives
the vector-Jacobian product :math:`\partial L/\partial x` from
:math:`\partial L/\partial y`, which is what layers call. For an elementwise
activation the Jacobian is diagonal, so

.. math:: \frac{\partial L}{\partial x_i} = f'(x_i)\,\frac{\partial L}{\partial y_i}.

For softmax the Jacobian is :math:`J = \mathrm{diag}(y) - y y^\top` and
:math:`J^\top \delta = y \odot (\delta - \langle \delta, y\rangle)` costs
:math:`O(n)` instead of :math:`O(n^2)`: the Jacobian is never formed.

The catalogue is Keras 3's ``keras.activations`` (every name it exports, with
the same parameters and defaults). Where Keras versions disagree:

* ``hard_sigmoid`` is :math:`\mathrm{relu6}(x+3)/6 = \mathrm{clip}(x/6 + 1/2, 0, 1)`
  in Keras 3 but :math:`\mathrm{clip}(0.2x + 0.5, 0, 1)` in Keras 1 and 2. Pass
  ``slope=0.2`` (``hard_sigmoid(x, slope=0.2)``) or use the name
  ``"hard_sigmoid_keras2"`` for the old curve.
* ``relu`` calls its leaky slope ``negative_slope`` (Keras 3); Keras 2's
  ``alpha`` is accepted as the same parameter.
* ``sparsemax`` follows Martins & Astudillo (2016): the installed Keras 3.15 gets the
  threshold wrong when more than one entry is in the support (keras-team/keras#23425).

``get("relu")`` resolves Keras names; ``None`` and ``"linear"`` give the
identity; a plain Python function (a student's lambda) is wrapped with a
numerical derivative and a warning saying so.

Every function keeps the float dtype of its input (float32 in, float32 out;
integers become ``el.floatx()``) and is written so that nothing overflows for
large :math:`|x|` (exp is only ever taken of non-positive numbers), except
``exponential``, whose value really is beyond the float range there: it returns
``inf`` silently, as Keras does.

This module is longer than most because every Keras 3 activation comes with its derivative (and,
for the ones that mix entries, its vector-Jacobian product), written beside its formula and its
overflow-safe form.
"""
from __future__ import annotations

import copy as _copy
import math
import warnings

import numpy as np

from ._registry import IdentifierError, lookup
from .backend import floatx


class _Required:
    """Marker in ``defaults`` for a parameter Keras gives no default (``threshold``)."""

    def __repr__(self):
        return "<required>"


REQUIRED = _Required()


class ActivationFunction:
    """A named activation with its derivative and its LaTeX formula.

    Args:
        name: the Keras name (``"relu"``).
        fn: ``fn(x, **params) -> y``.
        derivative: ``derivative(x, y, **params) -> f'(x)`` for elementwise activations.
        vjp: ``vjp(x, y, dy, **params) -> dx`` for activations that mix entries.
        latex: :math:`f(x)` in LaTeX, used by ``explain()``.
        derivative_latex: :math:`f'(x)` in LaTeX, shown in the notebooks.
        defaults: the keyword parameters and their Keras defaults (``alpha=1.0`` of elu);
            ``REQUIRED`` marks a parameter without a default.
        doc: the definition in words, with Keras-version notes.
        examples: values for the ``REQUIRED`` parameters, used by plots and the explorer.
        renamed: older spellings of parameters (``{"alpha": "negative_slope"}`` for relu).
    """

    def __init__(self, name, fn, derivative=None, vjp=None, latex="", derivative_latex="",
                 defaults=None, doc="", examples=None, renamed=None):
        self.__name__ = self.name = name
        self._fn, self._derivative, self._vjp = fn, derivative, vjp
        self.latex, self.derivative_latex = latex, derivative_latex
        self.defaults = dict(defaults or {})
        self.renamed = dict(renamed or {})
        self.example_params = {**self.defaults, **(examples or {})}
        self.__doc__ = f"{name}: {doc}\n\n{latex}\n\n{derivative_latex}" if doc else f"{name}: {latex}"

    @property
    def elementwise(self) -> bool:
        return self._derivative is not None

    def _params(self, params):
        params = {self.renamed.get(k, k): v for k, v in params.items()}
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise TypeError(f"activation {self.name!r} got unexpected parameter(s) {sorted(unknown)}; "
                            f"it takes {sorted(self.defaults) or 'none'}")
        merged = {**self.defaults, **params}
        missing = sorted(k for k, v in merged.items() if v is REQUIRED)
        if missing:
            raise TypeError(f"activation {self.name!r} needs the parameter(s) {missing}: Keras gives "
                            f"them no default (e.g. {self.name}(x, "
                            + ", ".join(f"{k}={self.example_params[k]!r}" for k in missing) + "))")
        return merged

    def __call__(self, x, **params):
        x = _floating(x)
        return _cast(self._fn(x, **self._params(params)), x.dtype)

    def derivative(self, x, y=None, **params):
        """Elementwise :math:`f'(x)`; ``y = f(x)`` may be passed to save recomputing it."""
        if self._derivative is None:
            raise TypeError(f"activation {self.name!r} is not elementwise, so it has no elementwise "
                            "derivative; use backward(x, y, dy) for its vector-Jacobian product")
        x = _floating(x)
        p = self._params(params)
        y = self._fn(x, **p) if y is None else np.asarray(y)
        return _cast(self._derivative(x, y, **p), x.dtype)

    def backward(self, x, y, dy, **params):
        """:math:`\\partial L / \\partial x` given :math:`\\partial L / \\partial y` = ``dy``.

        ``y`` is the output ``f(x)`` from the forward pass (``None``: recomputed).
        """
        if self.name == "linear":          # f'(x) = 1: skip two passes over the array
            return _cast(np.asarray(dy), _floating(x).dtype)
        x = _floating(x)
        p = self._params(params)
        y = self._fn(x, **p) if y is None else np.asarray(y)
        dy = np.asarray(dy)
        if self._vjp is not None:
            return _cast(self._vjp(x, y, dy, **p), x.dtype)
        return _cast(dy * self._derivative(x, y, **p), x.dtype)

    def __repr__(self):
        return f"<activation {self.name}>"

    # a registered activation is a constant: copies of a layer share it, and pickles store its name
    def __reduce__(self):
        if ALL.get(self.name) is self:
            return get, (self.name,)
        return super().__reduce__()

    def __deepcopy__(self, memo):
        return self if ALL.get(self.name) is self else _copy.copy(self)


def _floating(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(floatx())


def _cast(a, dtype):
    return np.asarray(a).astype(dtype, copy=False)


ALL: dict = {}


def _def(name, fn, derivative=None, vjp=None, latex="", derivative_latex="", defaults=None,
         doc="", examples=None, renamed=None, aliases=()):
    act = ActivationFunction(name, fn, derivative, vjp, latex, derivative_latex, defaults, doc,
                             examples, renamed)
    ALL[name] = act
    for alias in aliases:      # Keras 3 exports swish = silu, hard_swish = hard_silu
        ALL[alias] = act
    return act


# ------------------------------------------------------------------ stable building blocks
def _sigmoid(x):
    # two branches so that exp never overflows: exp(-|x|) <= 1
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def _softplus(x):
    # log(1 + e^x) = max(x, 0) + log(1 + e^{-|x|}): the exponent is never positive
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


# erf/erfc as rational approximations (Cody's form, coefficients of the Cephes library, as
# scipy uses): NumPy has no erf, and GELU needs it to double precision.
_ERF_T = [9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
          7.00332514112805075473e3, 5.55923013010394962768e4]
_ERF_U = [1.0, 3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
          2.26290000613890934246e4, 4.92673942608635921086e4]
_ERFC_P = [2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
           4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
           9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2]
_ERFC_Q = [1.0, 1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
           9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
           1.65666309194161350182e3, 5.57535340817727675546e2]
_ERFC_R = [5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
           6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0]
_ERFC_S = [1.0, 2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
           1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0]


def _horner(coefficients, t):
    """The polynomial with these coefficients (highest power first) at t."""
    result = np.full_like(t, coefficients[0])
    for c in coefficients[1:]:
        result *= t
        result += c
    return result


def _erf_inner(x):
    """erf for |x| < 1 as x T(x^2) / U(x^2)."""
    z = x * x
    return x * _horner(_ERF_T, z) / _horner(_ERF_U, z)


def _erfc_outer(a):
    """erfc for a >= 1 as e^{-a^2} P(a) / Q(a) (a < 8) or e^{-a^2} R(a) / S(a)."""
    a = np.minimum(a, 40.0)                # erfc(40) is 0 in float64; keeps the powers finite
    out = np.empty_like(a)
    near = a < 8.0
    out[near] = _horner(_ERFC_P, a[near]) / _horner(_ERFC_Q, a[near])
    out[~near] = _horner(_ERFC_R, a[~near]) / _horner(_ERFC_S, a[~near])
    return np.exp(-a * a) * out


def erfc(x):
    """The complementary error function :math:`1 - \\mathrm{erf}(x)`, in float64, without cancellation."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    inner = np.abs(x) < 1.0
    out[inner] = 1.0 - _erf_inner(x[inner])
    tail = _erfc_outer(np.abs(x[~inner]))
    out[~inner] = np.where(x[~inner] < 0, 2.0 - tail, tail)
    return out


def erf(x):
    """The error function :math:`\\frac{2}{\\sqrt\\pi}\\int_0^x e^{-t^2} dt`, in float64."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    inner = np.abs(x) < 1.0
    out[inner] = _erf_inner(x[inner])       # directly: 1 - erfc would lose the digits of small x
    out[~inner] = 1.0 - erfc(x[~inner])
    return out


_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _move_last(x, axis):
    return np.moveaxis(x, axis, -1)


# ---------------------------------------------------------------------------- the basic ones
linear = _def("linear", lambda x: x, lambda x, y: np.ones_like(x),
              latex=r"f(x) = x", derivative_latex=r"f'(x) = 1",
              doc="the identity (a layer without activation); also what get(None) gives.")

sigmoid = _def("sigmoid", _sigmoid, lambda x, y: y * (1 - y),
               latex=r"f(x) = \frac{1}{1 + e^{-x}}", derivative_latex=r"f'(x) = f(x)\,(1 - f(x))",
               doc="the logistic function; saturates at 0 and 1, where f'(x) -> 0 (at most 1/4).")

tanh = _def("tanh", np.tanh, lambda x, y: 1 - y * y,
            latex=r"f(x) = \tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
            derivative_latex=r"f'(x) = 1 - \tanh^2 x",
            doc="hyperbolic tangent, 2 sigmoid(2x) - 1: zero-centred, saturates at -1 and 1.")

exponential = _def("exponential", lambda x: _exp_quiet(x), lambda x, y: y,
                   latex=r"f(x) = e^{x}", derivative_latex=r"f'(x) = e^{x}",
                   doc="e^x. Overflows to inf beyond x = 709 (float64) or 88.7 (float32), "
                       "silently, as in Keras.")


def _exp_quiet(x):
    with np.errstate(over="ignore"):     # e^x really is beyond the float range there
        return np.exp(x)


# ------------------------------------------------------------------------------ ReLU family
def _relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    # Keras 3: the part above the threshold (clipped to [0, max_value] when max_value is set)
    # plus negative_slope times the part below it.
    if negative_slope == 0 and max_value is None and threshold == 0:
        return np.maximum(x, 0)          # the common case: one pass, no temporaries
    positive = np.where(x > threshold, x, 0)
    if max_value is not None:
        positive = np.clip(positive, 0, max_value)
    return positive + negative_slope * np.minimum(x - threshold, 0)


def _relu_derivative(x, y, negative_slope=0.0, max_value=None, threshold=0.0):
    if negative_slope == 0 and max_value is None and threshold == 0:
        return (x > 0).astype(x.dtype)   # the common case, in the input's dtype
    passes = x > threshold
    if max_value is not None:
        passes &= (x >= 0) & (x < max_value)
    return np.where(passes, 1.0, 0.0) + np.where(x < threshold, negative_slope, 0.0)


relu = _def("relu", _relu, _relu_derivative,
            latex=r"f(x) = \max(0, x)", derivative_latex=r"f'(x) = [x > 0]",
            defaults={"negative_slope": 0.0, "max_value": None, "threshold": 0.0},
            renamed={"alpha": "negative_slope"},
            doc="rectified linear unit. In general f(x) = min(x, max_value) for x > threshold "
                "(clipped below at 0 when max_value is set) and negative_slope*(x - threshold) "
                "below the threshold; f'(x) is 1 on the rising part, negative_slope below the "
                "threshold, 0 where clipped. Keras 2 called negative_slope 'alpha' (accepted).")

leaky_relu = _def("leaky_relu", lambda x, negative_slope=0.2: np.where(x > 0, x, negative_slope * x),
                  lambda x, y, negative_slope=0.2: np.where(x > 0, 1.0, negative_slope),
                  latex=r"f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}",
                  derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}",
                  defaults={"negative_slope": 0.2}, renamed={"alpha": "negative_slope"},
                  doc="ReLU with slope alpha = negative_slope (default 0.2, as Keras 3) for x < 0, "
                      "so negative inputs still get a gradient.")

relu6 = _def("relu6", lambda x: np.clip(x, 0, 6),
             lambda x, y: np.where((x > 0) & (x < 6), 1.0, 0.0),
             latex=r"f(x) = \min(\max(0, x), 6)", derivative_latex=r"f'(x) = [0 < x < 6]",
             doc="ReLU capped at 6 (MobileNet), relu(x, max_value=6).")


def _elu(x, alpha=1.0):
    # expm1 of min(x, 0): exact near 0 and never overflows for large positive x
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


elu = _def("elu", _elu, lambda x, y, alpha=1.0: np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))),
           latex=r"f(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
           derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^{x} = f(x) + \alpha & x \le 0 \end{cases}",
           defaults={"alpha": 1.0},
           doc="exponential linear unit (Clevert et al. 2016): smooth for alpha = 1, saturates "
               "at -alpha for very negative x, which pushes mean activations towards 0.")

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946

selu = _def("selu", lambda x: _SELU_SCALE * _elu(x, _SELU_ALPHA),
            lambda x, y: _SELU_SCALE * np.where(x > 0, 1.0, _SELU_ALPHA * np.exp(np.minimum(x, 0))),
            latex=r"f(x) = \lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases},"
                  r"\quad \alpha \approx 1.6733,\ \lambda \approx 1.0507",
            derivative_latex=r"f'(x) = \lambda \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}",
            doc="scaled ELU (Klambauer et al. 2017): alpha and scale are fixed so that, with "
                "lecun_normal weights, activations keep mean 0 and variance 1 layer after layer.")


def _celu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0) / alpha))


celu = _def("celu", _celu, lambda x, y, alpha=1.0: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0) / alpha)),
            latex=r"f(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x/\alpha} - 1) & x \le 0 \end{cases}",
            derivative_latex=r"f'(x) = \begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0 \end{cases}",
            defaults={"alpha": 1.0},
            doc="continuously differentiable ELU (Barron 2017): f'(0) = 1 for every alpha.")

threshold = _def("threshold",
                 lambda x, threshold, default_value: np.where(x > threshold, x, default_value),
                 lambda x, y, threshold, default_value: np.where(x > threshold, 1.0, 0.0),
                 latex=r"f(x) = \begin{cases} x & x > \theta \\ v & x \le \theta \end{cases}",
                 derivative_latex=r"f'(x) = [x > \theta]",
                 defaults={"threshold": REQUIRED, "default_value": REQUIRED},
                 examples={"threshold": 0.5, "default_value": -1.0},
                 doc="keeps x above the threshold and replaces the rest by default_value; Keras 3 "
                     "gives neither parameter a default (call threshold(x, threshold=0.5, "
                     "default_value=0.0)).")

# ------------------------------------------------------------------- smooth ReLU relatives
softplus = _def("softplus", _softplus, lambda x, y: _sigmoid(x),
                latex=r"f(x) = \log(1 + e^{x})", derivative_latex=r"f'(x) = \sigma(x) = \frac{1}{1 + e^{-x}}",
                doc="a smooth ReLU; computed as max(x, 0) + log(1 + e^{-|x|}) so that e^x never overflows.")

softsign = _def("softsign", lambda x: x / (1 + np.abs(x)), lambda x, y: 1 / (1 + np.abs(x)) ** 2,
                latex=r"f(x) = \frac{x}{1 + |x|}", derivative_latex=r"f'(x) = \frac{1}{(1 + |x|)^2}",
                doc="like tanh but approaches +-1 polynomially, so it saturates more slowly.")


def _squareplus(x, b=4):
    # (x + sqrt(x^2 + b)) / 2 loses every digit for large negative x (x + |x| cancels);
    # b / (2 (sqrt(x^2 + b) - x)) is the same number, computed without cancellation.
    s = np.hypot(x, np.sqrt(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        negative = b / (2 * (s - x))
    return np.where(x >= 0, (x + s) / 2, np.where(s - x > 0, negative, 0))


def _squareplus_derivative(x, y, b=4):
    s = np.hypot(x, np.sqrt(b))
    with np.errstate(divide="ignore", invalid="ignore"):
        d = y / s                       # (1 + x/s)/2 = (s + x)/(2 s) = f(x)/s, no cancellation
    return np.where(s > 0, d, 0.5)


squareplus = _def("squareplus", _squareplus, _squareplus_derivative,
                  latex=r"f(x) = \frac{x + \sqrt{x^2 + b}}{2}",
                  derivative_latex=r"f'(x) = \frac{1}{2}\left(1 + \frac{x}{\sqrt{x^2 + b}}\right)",
                  defaults={"b": 4},
                  doc="a smooth ReLU made of a square root (So 2021); b controls the curvature at 0 "
                      "(b = 0 gives relu).")

sparse_plus = _def("sparse_plus",
                   lambda x: np.where(x <= -1, 0, np.where(x < 1, 0.25 * (x + 1) ** 2, x)),
                   lambda x, y: np.where(x <= -1, 0.0, np.where(x < 1, 0.5 * (x + 1), 1.0)),
                   latex=r"f(x) = \begin{cases} 0 & x \le -1 \\ \frac{1}{4}(x + 1)^2 & -1 < x < 1 \\ x & x \ge 1 \end{cases}",
                   derivative_latex=r"f'(x) = \begin{cases} 0 & x \le -1 \\ \frac{1}{2}(x + 1) & -1 < x < 1 \\ 1 & x \ge 1 \end{cases}",
                   doc="a softplus made of pieces (Blondel et al. 2019): exactly 0 below -1, its "
                       "derivative is sparse_sigmoid.")


def _silu(x):
    return x * _sigmoid(x)


def _silu_derivative(x, y):
    s = _sigmoid(x)
    return s * (1 + x * (1 - s))


silu = _def("silu", _silu, _silu_derivative, aliases=("swish",),
            latex=r"f(x) = x\,\sigma(x) = \frac{x}{1 + e^{-x}}",
            derivative_latex=r"f'(x) = \sigma(x)\,\bigl(1 + x (1 - \sigma(x))\bigr)",
            doc="sigmoid-weighted linear unit, also called swish (Ramachandran et al. 2017): "
                "smooth, not monotonic, dips to about -0.278 at x = -1.278.")
swish = silu


def _gelu(x, approximate=False):
    x64 = x.astype(np.float64)   # erf to double precision, also for float32 inputs
    if approximate:
        # 1/2 (1 + tanh u) = sigmoid(2u): no cancellation for very negative x
        u = math.sqrt(2 / math.pi) * (x64 + 0.044715 * x64 ** 3)
        return x64 * _sigmoid(2 * u)
    return x64 * 0.5 * erfc(-x64 / _SQRT_2)   # erfc(-z) = 1 + erf(z) without cancellation


def _gelu_derivative(x, y, approximate=False):
    x64 = x.astype(np.float64)
    if approximate:
        c = math.sqrt(2 / math.pi)
        s = _sigmoid(2 * c * (x64 + 0.044715 * x64 ** 3))
        return s + x64 * 2 * s * (1 - s) * c * (1 + 3 * 0.044715 * x64 ** 2)
    phi = np.exp(-0.5 * x64 * x64) / _SQRT_2PI
    return 0.5 * erfc(-x64 / _SQRT_2) + x64 * phi


gelu = _def("gelu", _gelu, _gelu_derivative,
            latex=r"f(x) = x\,\Phi(x) = \frac{x}{2}\left(1 + \mathrm{erf}\frac{x}{\sqrt 2}\right)",
            derivative_latex=r"f'(x) = \Phi(x) + x\,\varphi(x), \quad \varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}}",
            defaults={"approximate": False},
            doc="Gaussian error linear unit (Hendrycks & Gimpel 2016): x times the standard normal "
                "CDF. approximate=True (not Keras' default) uses the tanh formula "
                "x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).")


def _mish(x):
    return x * np.tanh(_softplus(x))


def _mish_derivative(x, y):
    t = np.tanh(_softplus(x))
    return t + x * (1 - t * t) * _sigmoid(x)


mish = _def("mish", _mish, _mish_derivative,
            latex=r"f(x) = x \tanh(\mathrm{softplus}(x)) = x \tanh(\log(1 + e^{x}))",
            derivative_latex=r"f'(x) = \tanh(\mathrm{sp}(x)) + x\,\bigl(1 - \tanh^2(\mathrm{sp}(x))\bigr)\,\sigma(x)",
            doc="Misra 2019: a smooth, non-monotonic relative of swish.")

# ---------------------------------------------------------------- the sigmoid/tanh family
log_sigmoid = _def("log_sigmoid", lambda x: -_softplus(-x), lambda x, y: _sigmoid(-x),
                   latex=r"f(x) = \log \sigma(x) = -\log(1 + e^{-x})",
                   derivative_latex=r"f'(x) = 1 - \sigma(x) = \sigma(-x)",
                   doc="log of the sigmoid, computed as -softplus(-x) (no log of 0 for very negative x).")


def _hard_sigmoid(x, slope=1 / 6):
    return np.clip(slope * x + 0.5, 0, 1)


def _hard_sigmoid_derivative(x, y, slope=1 / 6):
    return np.where(np.abs(slope * x) < 0.5, slope, 0.0)


_HARD_SIGMOID_DOC = ("a piecewise linear sigmoid, clip(slope x + 1/2, 0, 1). Keras 3 uses slope 1/6, "
                     "i.e. relu6(x + 3)/6, flat beyond |x| = 3; Keras 1 and 2 used 0.2x + 0.5, flat "
                     "beyond |x| = 2.5: pass slope=0.2 or use 'hard_sigmoid_keras2'.")
hard_sigmoid = _def("hard_sigmoid", _hard_sigmoid, _hard_sigmoid_derivative,
                    latex=r"f(x) = \frac{\mathrm{relu6}(x + 3)}{6} = \max\bigl(0, \min(1, \tfrac{x}{6} + \tfrac12)\bigr)"
                          r"\quad\text{(Keras 3; Keras 1/2: } \max(0, \min(1, 0.2x + 0.5))\text{)}",
                    derivative_latex=r"f'(x) = \tfrac16\,[|x| < 3]\quad\text{(Keras 1/2: } 0.2\,[|x| < 2.5]\text{)}",
                    defaults={"slope": 1 / 6}, doc=_HARD_SIGMOID_DOC)

hard_sigmoid_keras2 = _def("hard_sigmoid_keras2", _hard_sigmoid, _hard_sigmoid_derivative,
                           latex=r"f(x) = \max(0, \min(1, 0.2x + 0.5))",
                           derivative_latex=r"f'(x) = 0.2\,[|x| < 2.5]",
                           defaults={"slope": 0.2},
                           doc="hard_sigmoid as Keras 1 and 2 defined it (slope 0.2); not a Keras 3 "
                               "name. " + _HARD_SIGMOID_DOC)

sparse_sigmoid = _def("sparse_sigmoid", lambda x: np.clip(0.5 * (x + 1), 0, 1),
                      lambda x, y: np.where(np.abs(x) < 1, 0.5, 0.0),
                      latex=r"f(x) = \begin{cases} 0 & x \le -1 \\ \frac12 (x + 1) & -1 < x < 1 \\ 1 & x \ge 1 \end{cases}",
                      derivative_latex=r"f'(x) = \tfrac12\,[|x| < 1]",
                      doc="a sigmoid made of three lines (Blondel et al. 2019): sparsemax of the two "
                          "scores (x, 0), as sigmoid is softmax of (x, 0); the derivative of sparse_plus.")


def _hard_silu(x):
    return x * np.clip(x + 3, 0, 6) / 6


hard_silu = _def("hard_silu", _hard_silu,
                 lambda x, y: np.where(x < -3, 0.0, np.where(x > 3, 1.0, (2 * x + 3) / 6)),
                 aliases=("hard_swish",),
                 latex=r"f(x) = x\,\frac{\mathrm{relu6}(x + 3)}{6} = \begin{cases} 0 & x < -3 \\ \frac{x (x + 3)}{6} & -3 \le x \le 3 \\ x & x > 3 \end{cases}",
                 derivative_latex=r"f'(x) = \begin{cases} 0 & x < -3 \\ \frac{2x + 3}{6} & -3 \le x \le 3 \\ 1 & x > 3 \end{cases}",
                 doc="hard swish (Howard et al. 2019, MobileNetV3): x times the Keras 3 hard_sigmoid.")
hard_swish = hard_silu

hard_tanh = _def("hard_tanh", lambda x: np.clip(x, -1, 1),
                 lambda x, y: np.where(np.abs(x) < 1, 1.0, 0.0),
                 latex=r"f(x) = \max(-1, \min(1, x))", derivative_latex=r"f'(x) = [|x| < 1]",
                 doc="tanh made of three lines.")

tanh_shrink = _def("tanh_shrink", lambda x: x - np.tanh(x), lambda x, y: np.tanh(x) ** 2,
                   latex=r"f(x) = x - \tanh x", derivative_latex=r"f'(x) = \tanh^2 x",
                   doc="what is left of x after tanh: about x^3/3 near 0, x -+ 1 far out.")

soft_shrink = _def("soft_shrink",
                   lambda x, threshold=0.5: np.where(x > threshold, x - threshold,
                                                     np.where(x < -threshold, x + threshold, 0)),
                   lambda x, y, threshold=0.5: np.where(np.abs(x) > threshold, 1.0, 0.0),
                   latex=r"f(x) = \begin{cases} x - \lambda & x > \lambda \\ 0 & |x| \le \lambda \\ x + \lambda & x < -\lambda \end{cases}",
                   derivative_latex=r"f'(x) = [|x| > \lambda]",
                   defaults={"threshold": 0.5},
                   doc="soft thresholding (the proximal operator of lambda |x|): shrinks every value "
                       "towards 0 by lambda = threshold.")

hard_shrink = _def("hard_shrink",
                   lambda x, threshold=0.5: np.where(np.abs(x) > threshold, x, 0),
                   lambda x, y, threshold=0.5: np.where(np.abs(x) > threshold, 1.0, 0.0),
                   latex=r"f(x) = \begin{cases} x & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
                   derivative_latex=r"f'(x) = [|x| > \lambda]",
                   defaults={"threshold": 0.5},
                   doc="keeps x where |x| > lambda = threshold and zeroes the rest.")


# --------------------------------------------------------- activations that mix entries
def _softmax(x, axis=-1):
    if isinstance(axis, int) and x.ndim and x.shape[axis] == 1:
        warnings.warn(f"softmax over axis {axis} of an array of shape {x.shape}: that axis has size 1, "
                      "so every output is 1. Did you mean sigmoid?", stacklevel=3)
    z = np.exp(x - np.max(x, axis=axis, keepdims=True))   # shift by the max: exp <= 1
    return z / np.sum(z, axis=axis, keepdims=True)


def _softmax_vjp(x, y, dy, axis=-1):
    # J^T dy for J = diag(y) - y y^T, without forming J
    return y * (dy - np.sum(dy * y, axis=axis, keepdims=True))


softmax = _def("softmax", _softmax, vjp=_softmax_vjp,
               latex=r"f(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}",
               derivative_latex=r"\frac{\partial f_i}{\partial x_j} = f_i(\delta_{ij} - f_j),"
                                r"\quad J^\top \delta = f \odot (\delta - \langle \delta, f \rangle)",
               defaults={"axis": -1},
               doc="turns a vector of scores into probabilities along `axis` (an int, a tuple of "
                   "ints, or None for all axes); computed after subtracting the max, so it never "
                   "overflows.")


def _log_softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _log_softmax_vjp(x, y, dy, axis=-1):
    # d log f_i / d x_j = delta_ij - f_j, so J^T dy = dy - softmax(x) * sum(dy)
    return dy - np.exp(y) * np.sum(dy, axis=axis, keepdims=True)


log_softmax = _def("log_softmax", _log_softmax, vjp=_log_softmax_vjp,
                   latex=r"f(x)_i = x_i - \log \sum_j e^{x_j}",
                   derivative_latex=r"\frac{\partial f_i}{\partial x_j} = \delta_{ij} - \mathrm{softmax}(x)_j,"
                                    r"\quad J^\top \delta = \delta - \mathrm{softmax}(x) \textstyle\sum_i \delta_i",
                   defaults={"axis": -1},
                   doc="log of softmax, computed as x - max - log(sum(exp(x - max))): no log(0), no overflow.")


def _glu_halves(x, axis):
    n = x.shape[axis] if x.ndim else 0
    if n % 2 or n == 0:
        raise ValueError(f"glu splits axis {axis} into two halves a and b, so that axis must have an "
                         f"even, positive size; got an array of shape {x.shape}")
    return np.split(x, 2, axis=axis)


def _glu(x, axis=-1):
    a, b = _glu_halves(x, axis)
    return a * _sigmoid(b)


def _glu_vjp(x, y, dy, axis=-1):
    a, b = _glu_halves(x, axis)
    s = _sigmoid(b)
    return np.concatenate([dy * s, dy * a * s * (1 - s)], axis=axis)


glu = _def("glu", _glu, vjp=_glu_vjp,
           latex=r"f(x) = a \odot \sigma(b), \quad x = [a; b] \text{ split in half along the axis}",
           derivative_latex=r"\frac{\partial L}{\partial a} = \delta \odot \sigma(b), \quad "
                            r"\frac{\partial L}{\partial b} = \delta \odot a \odot \sigma(b)(1 - \sigma(b))",
           defaults={"axis": -1},
           doc="gated linear unit (Dauphin et al. 2017): the second half of x gates the first; the "
               "output has half the size along `axis`.")


def _sparsemax(x, axis=-1):
    z = _move_last(x, axis)
    z_sorted = -np.sort(-z, axis=-1)                     # descending
    cumsum = np.cumsum(z_sorted, axis=-1)
    k = np.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    support = 1 + k * z_sorted > cumsum                  # the k largest stay positive
    k_max = np.sum(support, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumsum, k_max - 1, axis=-1) - 1) / k_max
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis)


def _sparsemax_vjp(x, y, dy, axis=-1):
    # on the support S (y > 0) the Jacobian is I - 1 1^T / |S|; off it, 0
    s = _move_last(y, axis) > 0
    g = _move_last(dy, axis)
    mean = np.sum(g * s, axis=-1, keepdims=True) / np.sum(s, axis=-1, keepdims=True)
    return np.moveaxis(np.where(s, g - mean, 0), -1, axis)


sparsemax = _def("sparsemax", _sparsemax, vjp=_sparsemax_vjp,
                 latex=r"f(x) = \arg\min_{p \in \Delta} \lVert p - x \rVert^2 = \max(x - \tau(x), 0),"
                       r"\quad \textstyle\sum_i \max(x_i - \tau, 0) = 1",
                 derivative_latex=r"\frac{\partial f_i}{\partial x_j} = s_i\left(\delta_{ij} - \frac{s_j}{|S|}\right),"
                                  r"\quad s = [f(x) > 0]",
                 defaults={"axis": -1},
                 doc="the Euclidean projection onto the probability simplex (Martins & Astudillo "
                     "2016): like softmax, but small scores get probability exactly 0. Keras 3.15 "
                     "takes tau from the sum of all cumulative sums in the support instead of the "
                     "k-th one, so its outputs do not sum to 1 when more than one entry is in the "
                     "support (keras-team/keras#23425, fixed by PR #23469); edulayers follows the paper.")


# ------------------------------------------------------------------------ get / serialize
def get(identifier):
    """An activation from a Keras name, an ``ActivationFunction``, a callable, or ``None`` (linear).

    A plain Python callable (``lambda x: x ** 3``) is wrapped into an ``ActivationFunction``
    whose derivative is a central difference; a warning says so. It is assumed to act
    elementwise.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, ActivationFunction):
        return identifier
    if isinstance(identifier, dict):      # Keras' serialized form {"class_name": ..., "config": "relu"}
        config = identifier.get("config")
        identifier = config if isinstance(config, str) else identifier.get("class_name")
    if isinstance(identifier, str):
        return lookup(identifier, ALL, "activation")
    if callable(identifier):
        name = getattr(identifier, "__name__", "")
        if getattr(identifier, "__module__", "").startswith("keras") and name in ALL:
            return ALL[name]              # keras.activations.relu -> ours, with its exact derivative
        return _wrap_callable(identifier)
    raise IdentifierError("activation", identifier)


def _wrap_callable(fn):
    name = getattr(fn, "__name__", type(fn).__name__)
    warnings.warn(f"activation {name!r} is a plain Python function, so its gradient will be numerical "
                  "(central differences, assuming it acts elementwise): slower and less exact than an "
                  "analytic derivative. Give an ActivationFunction with a derivative to avoid this.",
                  UserWarning, stacklevel=3)

    def value(x):
        return np.asarray(fn(x))

    def derivative(x, y):
        x64 = x.astype(np.float64)
        h = np.cbrt(np.finfo(np.float64).eps) * np.maximum(1.0, np.abs(x64))
        up, down = x64 + h, x64 - h
        fu = np.asarray(fn(up), dtype=np.float64)
        fd = np.asarray(fn(down), dtype=np.float64)
        return (fu - fd) / (up - down)    # the step actually taken, after rounding

    return ActivationFunction(name, value, derivative, latex=rf"f(x) = \mathrm{{{_latex_name(name)}}}(x)",
                              derivative_latex=r"f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}",
                              doc="a user function; its derivative is numerical (central differences).")


def _latex_name(name):
    return name.replace("_", r"\_").replace("<", "").replace(">", "")


def serialize(activation) -> str:
    """The Keras name of an activation (``"relu"``); aliases give the canonical name (swish -> silu)."""
    return getattr(activation, "name", getattr(activation, "__name__", repr(activation)))


__all__ = ["ActivationFunction", "ALL", "REQUIRED", "get", "serialize", "erf", "erfc", *ALL]
