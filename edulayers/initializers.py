r"""Weight initializers, with the Keras 3 formulas.

Every initializer is a callable ``init(shape, dtype=None) -> ndarray``.

The variance-scaling family (Glorot, He, LeCun) draws with a spread set by the
*fans* of the weight: for a Dense kernel ``(in, out)`` ``fan_in = in`` and
``fan_out = out``; for a convolution kernel ``(*kernel_size, in_ch, filters)``
both are multiplied by the receptive field ``prod(kernel_size)``. With
``n = fan_in``, ``fan_out`` or their average (``mode``) and ``s = scale``:

* uniform: :math:`U(-\ell, \ell)` with :math:`\ell = \sqrt{3 s / n}`
* truncated normal: :math:`N(0, \sigma^2)` cut at :math:`\pm 2\sigma`, with
  :math:`\sigma = \sqrt{s/n} / 0.8796...` (the cut removes spread; dividing by the
  standard deviation of a unit normal truncated at 2 gives it back)
* untruncated normal: :math:`\sigma = \sqrt{s / n}`

Seeds: ``seed=int`` makes an initializer give the same draw at every call (as
Keras 3); ``seed=None`` draws from the shared generator, which
``el.set_random_seed`` makes repeatable.
"""
from __future__ import annotations

import math

import numpy as np

from . import backend
from ._registry import resolve, serialize  # noqa: F401  (serialize is part of the namespace)

#: Standard deviation of a unit normal truncated to [-2, 2].
TRUNCATED_STD = 0.87962566103423978


def compute_fans(shape, convention: str = "keras3"):
    """``(fan_in, fan_out)`` of a weight shape.

    Keras 3: a 1-D shape ``(n,)`` has ``fan_in = fan_out = n``; 2-D ``(in, out)``; 3-D to 5-D
    kernels ``(*kernel_size, in_ch, out_ch)`` multiply by ``prod(kernel_size)``.
    ``convention="keras2"`` follows Keras 2.2.4 instead, which differs for 1-D shapes and shapes
    of rank > 5: there ``fan_in = fan_out = sqrt(prod(shape))``.
    """
    shape = tuple(int(s) for s in shape)
    if convention not in ("keras3", "keras2"):
        raise ValueError(f"compute_fans: convention must be 'keras3' or 'keras2', got {convention!r}")
    if len(shape) < 1:
        return 1, 1
    if convention == "keras2" and (len(shape) == 1 or len(shape) > 5):
        root = math.sqrt(math.prod(shape))
        return root, root
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def _dtype(dtype):
    return np.dtype(dtype or backend.floatx())


class Initializer:
    """Base class: ``init(shape, dtype=None)`` returns a new array."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Constant(Initializer):
    """Every entry equals ``value``."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=_dtype(dtype))

    def get_config(self):
        return {"value": self.value}


class Zeros(Constant):
    """All zeros (the default bias initializer)."""

    def __init__(self):
        super().__init__(0.0)

    def get_config(self):
        return {}


class Ones(Constant):
    """All ones (BatchNormalization's gamma)."""

    def __init__(self):
        super().__init__(1.0)

    def get_config(self):
        return {}


class _Seeded(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def _rng(self):
        return backend.rng_for(self.seed)

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(_Seeded):
    r""":math:`w \sim N(\text{mean}, \text{stddev}^2)`."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return self._rng().normal(self.mean, self.stddev, size=shape).astype(_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(_Seeded):
    r""":math:`w \sim U(\text{minval}, \text{maxval})`."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return self._rng().uniform(self.minval, self.maxval, size=shape).astype(_dtype(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


def draw_truncated_normal(rng, mean, stddev, shape):
    """Normal draws, redrawn until every value is within 2 standard deviations of the mean."""
    values = rng.standard_normal(size=shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(size=int(outside.sum()))
        outside = np.abs(values) > 2
    return mean + stddev * values


class TruncatedNormal(_Seeded):
    r""":math:`N(\text{mean}, \text{stddev}^2)` with draws beyond :math:`\pm 2\,\text{stddev}` redrawn."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return draw_truncated_normal(self._rng(), self.mean, self.stddev, shape).astype(_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class VarianceScaling(_Seeded):
    r"""Spread scaled by the weight's fans: :math:`\sigma = \sqrt{s/n}`, :math:`\ell = \sqrt{3s/n}`.

    Args:
        scale: ``s``, a positive float.
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``: which fan is ``n``.
        distribution: ``"truncated_normal"`` (default), ``"untruncated_normal"`` or ``"uniform"``;
            ``"normal"`` is accepted as Keras 2's name for the truncated normal.
        fan_convention: ``"keras3"`` (default) or ``"keras2"``; see ``compute_fans``.
    """

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 fan_convention="keras3"):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale}")
        if mode not in self.MODES:
            raise ValueError(f"VarianceScaling: mode must be one of {self.MODES}, got {mode!r}")
        distribution = {"normal": "truncated_normal"}.get(distribution, distribution)
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling: distribution must be one of {self.DISTRIBUTIONS}, "
                             f"got {distribution!r}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution
        self.fan_convention = fan_convention

    def fan(self, shape) -> float:
        """``n``: the fan ``mode`` picks for this shape."""
        fan_in, fan_out = compute_fans(shape, self.fan_convention)
        return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]

    def stddev(self, shape) -> float:
        """The standard deviation the draw aims for: ``sqrt(scale / n)``."""
        return math.sqrt(self.scale / max(1.0, self.fan(shape)))

    def limit(self, shape) -> float:
        """The uniform bound ``sqrt(3 * scale / n)``."""
        return math.sqrt(3.0 * self.scale / max(1.0, self.fan(shape)))

    def __call__(self, shape, dtype=None):
        rng = self._rng()
        if self.distribution == "uniform":
            limit = self.limit(shape)
            values = rng.uniform(-limit, limit, size=shape)
        elif self.distribution == "truncated_normal":
            values = draw_truncated_normal(rng, 0.0, self.stddev(shape) / TRUNCATED_STD, shape)
        else:
            values = rng.normal(0.0, self.stddev(shape), size=shape)
        return values.astype(_dtype(dtype))

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config()}


def _variance_scaling_preset(name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self):
        return {"seed": self.seed}
    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc})


GlorotUniform = _variance_scaling_preset(
    "GlorotUniform", 1.0, "fan_avg", "uniform",
    r"Glorot/Xavier uniform: :math:`U(-\ell, \ell)`, :math:`\ell = \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}`.")
GlorotNormal = _variance_scaling_preset(
    "GlorotNormal", 1.0, "fan_avg", "truncated_normal",
    r"Glorot/Xavier normal: truncated normal, :math:`\sigma = \sqrt{2 / (\text{fan\_in} + \text{fan\_out})}`.")
HeUniform = _variance_scaling_preset(
    "HeUniform", 2.0, "fan_in", "uniform",
    r"He uniform: :math:`U(-\ell, \ell)`, :math:`\ell = \sqrt{6 / \text{fan\_in}}`.")
HeNormal = _variance_scaling_preset(
    "HeNormal", 2.0, "fan_in", "truncated_normal",
    r"He normal: truncated normal, :math:`\sigma = \sqrt{2 / \text{fan\_in}}`.")
LecunUniform = _variance_scaling_preset(
    "LecunUniform", 1.0, "fan_in", "uniform",
    r"LeCun uniform: :math:`U(-\ell, \ell)`, :math:`\ell = \sqrt{3 / \text{fan\_in}}`.")
LecunNormal = _variance_scaling_preset(
    "LecunNormal", 1.0, "fan_in", "truncated_normal",
    r"LeCun normal: truncated normal, :math:`\sigma = \sqrt{1 / \text{fan\_in}}` (what SELU expects).")


class Orthogonal(_Seeded):
    r"""A (semi-)orthogonal matrix times ``gain``: the Q of the QR decomposition of a normal draw.

    A shape with more than two axes is treated as ``(prod(shape[:-1]), shape[-1])``. The signs
    of Q's columns follow ``diag(R)``, which makes the draw uniform over orthogonal matrices.
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2, got {tuple(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = self._rng().standard_normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


class Identity(Initializer):
    """``gain * I`` for a 2-D shape (rectangular shapes get ones on the main diagonal)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape, got {tuple(shape)}")
        return (self.gain * np.eye(*shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


IdentityInitializer = Identity  # the Keras 3 class name

ALIASES = {
    "Zeros": Zeros, "zeros": Zeros, "zero": Zeros,
    "Ones": Ones, "ones": Ones, "one": Ones,
    "Constant": Constant, "constant": Constant,
    "RandomNormal": RandomNormal, "random_normal": RandomNormal, "normal": RandomNormal,
    "RandomUniform": RandomUniform, "random_uniform": RandomUniform, "uniform": RandomUniform,
    "TruncatedNormal": TruncatedNormal, "truncated_normal": TruncatedNormal,
    "VarianceScaling": VarianceScaling, "variance_scaling": VarianceScaling,
    "GlorotNormal": GlorotNormal, "glorot_normal": GlorotNormal,
    "GlorotUniform": GlorotUniform, "glorot_uniform": GlorotUniform,
    "HeNormal": HeNormal, "he_normal": HeNormal,
    "HeUniform": HeUniform, "he_uniform": HeUniform,
    "LecunNormal": LecunNormal, "lecun_normal": LecunNormal,
    "LecunUniform": LecunUniform, "lecun_uniform": LecunUniform,
    "Orthogonal": Orthogonal, "orthogonal": Orthogonal,
    "Identity": Identity, "IdentityInitializer": Identity, "identity": Identity,
}

# lower-case function-style aliases, as ``keras.initializers.glorot_uniform``
zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity
glorot_normal, glorot_uniform = GlorotNormal, GlorotUniform
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform


def get(identifier):
    """An initializer from a name (``"he_uniform"``), a config dict, an instance or a callable."""
    return resolve(identifier, ALIASES, "initializer", Initializer)
