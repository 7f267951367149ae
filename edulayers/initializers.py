r"""Weight initializers, with the Keras 3 formulas.

Every initializer is a callable ``init(shape, dtype=None) -> ndarray`` (dtype defaults to
``el.floatx()``).

The variance-scaling family (Glorot, He, LeCun) draws with a spread set by the
*fans* of the weight (``compute_fans``): for a Dense kernel ``(in, out)`` ``fan_in = in`` and
``fan_out = out``; for a convolution kernel ``(*kernel_size, in_ch, filters)``
both are multiplied by the receptive field ``prod(kernel_size)``. With
``n = fan_in``, ``fan_out`` or their average (``mode``) and ``s = scale``:

* uniform: :math:`U(-\ell, \ell)` with :math:`\ell = \sqrt{3 s / n}` (a uniform on
  :math:`[-\ell, \ell]` has variance :math:`\ell^2/3 = s/n`)
* truncated normal (the default): :math:`N(0, \sigma_0^2)` with draws beyond
  :math:`\pm 2\sigma_0` redrawn, where :math:`\sigma_0 = \sqrt{s/n} / 0.87962566...`; the cut
  removes spread, and 0.8796... is the standard deviation of a unit normal truncated to
  :math:`[-2, 2]`, so the *values* end up with standard deviation :math:`\sqrt{s/n}` and
  never exceed :math:`2\sigma_0`
* untruncated normal: :math:`N(0, s/n)`

=================  =====  ========  ====================  ======================================
name               s      mode      distribution          spread
=================  =====  ========  ====================  ======================================
glorot_uniform     1      fan_avg   uniform               :math:`\ell = \sqrt{6/(f_{in}+f_{out})}`
glorot_normal      1      fan_avg   truncated_normal      :math:`\sigma = \sqrt{2/(f_{in}+f_{out})}`
he_uniform         2      fan_in    uniform               :math:`\ell = \sqrt{6/f_{in}}`
he_normal          2      fan_in    truncated_normal      :math:`\sigma = \sqrt{2/f_{in}}`
lecun_uniform      1      fan_in    uniform               :math:`\ell = \sqrt{3/f_{in}}`
lecun_normal       1      fan_in    truncated_normal      :math:`\sigma = \sqrt{1/f_{in}}`
=================  =====  ========  ====================  ======================================

Seeds: ``seed=int`` makes an initializer give the same draw at every call (as Keras 3);
``seed=None`` draws from the shared generator, which ``el.set_random_seed`` makes repeatable
(Keras 3 instead picks a random int seed when the initializer is built, so an unseeded Keras
initializer repeats its draw too); a ``numpy.random.Generator`` is drawn from directly (what a
``keras.random.SeedGenerator`` does: a new draw at each call).

Version notes: the fans of 1-D weights and of weights with more than five axes differ between
Keras versions (``compute_fans`` gives all three rules). Keras 2 called the truncated normal
``distribution="normal"`` (still accepted); Keras 1 drew ``glorot_normal`` and ``he_normal``
from an *untruncated* normal (``distribution="untruncated_normal"`` here), its ``orthogonal``
had ``scale=1.1`` and its ``identity`` accepted square matrices only.

This module is longer than most because it holds Keras 3's whole initializer catalogue with its
formulas, the fan computation for the Keras 1, 2 and 3 conventions, and the orthogonal and identity
constructions, each with the Keras version differences a reader meets in old code.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import backend
from ._registry import Configurable, resolve, serialize  # noqa: F401  (serialize is part of the namespace)

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
           "TruncatedNormal", "VarianceScaling", "GlorotNormal", "GlorotUniform", "HeNormal",
           "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "Identity",
           "IdentityInitializer", "OrthogonalInitializer", "compute_fans",
           "draw_truncated_normal", "get", "serialize", "TRUNCATED_STD", "FAN_CONVENTIONS"]

#: Standard deviation of a unit normal truncated to [-2, 2]:
#: :math:`\sqrt{1 - 4\varphi(2)/(2\Phi(2) - 1)}` (``scipy.stats.truncnorm.std(-2, 2)``).
TRUNCATED_STD = 0.87962566103423978

#: The fan rules ``compute_fans`` knows.
FAN_CONVENTIONS = ("keras3", "keras2", "keras1")


def compute_fans(shape, convention: str = "keras3", *, input_axes=None, output_axes=None):
    r"""``(fan_in, fan_out)`` of a weight shape: how many inputs feed one output, and back.

    ``convention="keras3"`` (default; Keras 3's ``compute_fans``):

    ==========  ========================================  ===============================
    rank        fan_in                                    fan_out
    ==========  ========================================  ===============================
    0           1                                         1
    1 ``(n,)``  n                                         n
    2           ``shape[0]``                              ``shape[1]``
    3 and more  ``shape[-2] * prod(shape[:-2])``          ``shape[-1] * prod(shape[:-2])``
    ==========  ========================================  ===============================

    i.e. a kernel ``(*kernel_size, in_ch, out_ch)`` has receptive field ``prod(kernel_size)``.

    ``convention="keras2"`` is Keras 2.2.4's ``_compute_fans`` (``data_format='channels_last'``,
    the layout every Keras 2 kernel used): the same for ranks 2 to 5, but every other rank (1-D
    weights, and 6-D or larger) gets ``fan_in = fan_out = sqrt(prod(shape))``, a float. A 1-D
    weight ``(n,)`` therefore has fans ``sqrt(n)`` in Keras 2 and ``n`` in Keras 3.
    (Keras 2.0's first releases handled only ranks 2, 4, 5: a 3-D Conv1D kernel got
    ``sqrt(prod(shape))`` there.)

    ``convention="keras1"`` is Keras 1.2.2's ``get_fans`` with ``dim_ordering='tf'`` (kernels
    ``(rows, cols[, depth], in_ch, out_ch)``): rank 2 as above; rank 4 and 5 use a receptive field
    ``shape[0] * shape[1]`` -- only the first two axes, so a 3-D convolution kernel
    ``(k1, k2, k3, in, out)`` leaves out ``k3``; every other rank (1, 3, 6+) gets
    ``sqrt(prod(shape))``. (With ``dim_ordering='th'``, Keras 1's default, kernels were
    ``(out_ch, in_ch, *kernel_size)`` and the receptive field ``prod(shape[2:])``.)

    ``input_axes`` / ``output_axes`` (Keras 3.15, both or neither): the products of those axes
    are the fans, whatever the rank (e.g. an attention kernel ``(dim, heads, head_dim)`` with
    ``input_axes=[0]``, ``output_axes=[1, 2]``).
    """
    shape = tuple(int(s) for s in shape)
    if convention not in FAN_CONVENTIONS:
        raise ValueError(f"compute_fans: convention must be one of {FAN_CONVENTIONS}, "
                         f"got {convention!r}")
    if (input_axes is None) != (output_axes is None):
        raise ValueError("compute_fans: give both input_axes and output_axes, or neither; got "
                         f"input_axes={input_axes!r}, output_axes={output_axes!r}")
    if input_axes is not None:
        try:
            return (math.prod(shape[a] for a in input_axes),
                    math.prod(shape[a] for a in output_axes))
        except IndexError:
            raise ValueError(f"compute_fans: axes {list(input_axes)} / {list(output_axes)} do not "
                             f"fit a shape of rank {len(shape)}: {shape}") from None
    rank = len(shape)
    if convention == "keras3":
        if rank == 0:
            return 1, 1
        if rank == 1:
            return shape[0], shape[0]
        if rank == 2:
            return shape[0], shape[1]
        receptive_field = math.prod(shape[:-2])
        return shape[-2] * receptive_field, shape[-1] * receptive_field
    if rank == 2:
        return shape[0], shape[1]
    if convention == "keras2" and rank in (3, 4, 5):
        receptive_field = math.prod(shape[:-2])
        return shape[-2] * receptive_field, shape[-1] * receptive_field
    if convention == "keras1" and rank in (4, 5):
        receptive_field = shape[0] * shape[1]
        return shape[-2] * receptive_field, shape[-1] * receptive_field
    root = math.sqrt(math.prod(shape))        # "no specific assumptions" (rank 0 gives 1.0)
    return root, root


def _dtype(dtype):
    return np.dtype(dtype or backend.floatx())


def _shape(shape, owner):
    try:
        return tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: shape must be a tuple of ints, got {shape!r}") from None


class Initializer(Configurable):
    """Base class: ``init(shape, dtype=None)`` returns a new array."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype)")

    def clone(self):
        """A new initializer with the same configuration."""
        return type(self).from_config(self.get_config())


class Constant(Initializer):
    """Every entry equals ``value``."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(_shape(shape, "Constant"), self.value, dtype=_dtype(dtype))

    def get_config(self):
        return {"value": self.value}


class Zeros(Initializer):
    """All zeros (the default bias initializer)."""

    def __call__(self, shape, dtype=None):
        return np.zeros(_shape(shape, "Zeros"), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones (BatchNormalization's gamma)."""

    def __call__(self, shape, dtype=None):
        return np.ones(_shape(shape, "Ones"), dtype=_dtype(dtype))


class RandomInitializer(Initializer):
    """Base of the random initializers: holds ``seed`` and gives the generator to draw from."""

    def __init__(self, seed=None):
        if not (seed is None or isinstance(seed, np.random.Generator)
                or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool))):
            raise ValueError(f"{type(self).__name__}: seed must be None, an int or a "
                             f"numpy.random.Generator, got {seed!r}")
        self.seed = seed

    def _rng(self):
        return backend.rng_for(self.seed)

    def get_config(self):
        return {"seed": self.seed}


_Seeded = RandomInitializer   # the name earlier versions of this module used


class RandomNormal(RandomInitializer):
    r""":math:`w \sim N(\text{mean}, \text{stddev}^2)`."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        shape = _shape(shape, "RandomNormal")
        return self._rng().normal(self.mean, self.stddev, size=shape).astype(_dtype(dtype))

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    r""":math:`w \sim U(\text{minval}, \text{maxval})`."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        shape = _shape(shape, "RandomUniform")
        return self._rng().uniform(self.minval, self.maxval, size=shape).astype(_dtype(dtype))

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def draw_truncated_normal(rng, mean, stddev, shape):
    """``mean + stddev * z`` with ``z`` unit normal, redrawn until every ``|z| <= 2``.

    ``stddev`` is the standard deviation *before* the cut; the values have standard deviation
    ``stddev * TRUNCATED_STD`` and lie within ``mean +- 2 * stddev``.
    """
    values = rng.standard_normal(size=shape)
    outside = np.abs(values) > 2
    while outside.any():                       # about 4.6 % of draws are redrawn each round
        values[outside] = rng.standard_normal(size=int(outside.sum()))
        outside = np.abs(values) > 2
    return mean + stddev * values


class TruncatedNormal(RandomInitializer):
    r""":math:`N(\text{mean}, \text{stddev}^2)` with draws beyond :math:`\pm 2\,\text{stddev}` redrawn.

    ``stddev`` is the spread *before* the cut (as in Keras): the values have standard deviation
    :math:`0.8796\,\text{stddev}`.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        shape = _shape(shape, "TruncatedNormal")
        return draw_truncated_normal(self._rng(), self.mean, self.stddev, shape).astype(_dtype(dtype))

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class VarianceScaling(RandomInitializer):
    r"""Spread scaled by the weight's fans: :math:`\sigma = \sqrt{s/n}`, :math:`\ell = \sqrt{3s/n}`.

    Args:
        scale: ``s``, a positive float.
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``: which fan is ``n``
            (``fan_avg`` is :math:`(f_{in} + f_{out})/2`); ``n`` is at least 1.
        distribution: ``"truncated_normal"`` (default), ``"untruncated_normal"`` or ``"uniform"``;
            ``"normal"`` is accepted as Keras 2's name for the truncated normal.
        seed: None, an int, or a ``numpy.random.Generator``.
        input_axes, output_axes: optional axes whose sizes multiply to the fans (Keras 3.15).
        fan_convention: ``"keras3"`` (default), ``"keras2"`` or ``"keras1"``; see ``compute_fans``.
    """

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None, fan_convention="keras3"):
        super().__init__(seed)
        name = type(self).__name__
        if not isinstance(scale, numbers.Real) or not scale > 0:
            raise ValueError(f"{name}: scale must be a positive float, got {scale!r}")
        mode = str(mode).lower()
        if mode not in self.MODES:
            raise ValueError(f"{name}: mode must be one of {self.MODES}, got {mode!r}")
        distribution = str(distribution).lower()
        distribution = {"normal": "truncated_normal"}.get(distribution, distribution)
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"{name}: distribution must be one of {self.DISTRIBUTIONS} "
                             f"(or 'normal', Keras 2's name for truncated_normal), got {distribution!r}")
        if fan_convention not in FAN_CONVENTIONS:
            raise ValueError(f"{name}: fan_convention must be one of {FAN_CONVENTIONS}, "
                             f"got {fan_convention!r}")
        if (input_axes is None) != (output_axes is None):
            raise ValueError(f"{name}: give both input_axes and output_axes, or neither")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution
        self.input_axes = None if input_axes is None else list(input_axes)
        self.output_axes = None if output_axes is None else list(output_axes)
        self.fan_convention = fan_convention

    def fans(self, shape):
        """``(fan_in, fan_out)`` of ``shape`` under this initializer's convention and axes."""
        return compute_fans(shape, self.fan_convention, input_axes=self.input_axes,
                            output_axes=self.output_axes)

    def fan(self, shape) -> float:
        """``n``: the fan ``mode`` picks for this shape (at least 1, as Keras)."""
        fan_in, fan_out = self.fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        return max(1.0, n)

    def stddev(self, shape) -> float:
        """The standard deviation of the values: ``sqrt(scale / n)`` (for every distribution)."""
        return math.sqrt(self.scale / self.fan(shape))

    def limit(self, shape) -> float:
        """The uniform bound ``sqrt(3 * scale / n)``."""
        return math.sqrt(3.0 * self.scale / self.fan(shape))

    def sampling_stddev(self, shape) -> float:
        """The standard deviation handed to the sampler: ``sqrt(scale/n) / 0.8796...`` for the
        truncated normal (whose values stay within twice this), ``sqrt(scale/n)`` otherwise."""
        if self.distribution == "truncated_normal":
            return self.stddev(shape) / TRUNCATED_STD
        return self.stddev(shape)

    def explain(self, shape) -> str:
        """The arithmetic from ``shape`` to the spread, as a student would write it down."""
        shape = _shape(shape, type(self).__name__)
        fan_in, fan_out = self.fans(shape)
        lines = [f"{type(self).__name__}(scale={self.scale:g}, mode={self.mode!r}, "
                 f"distribution={self.distribution!r}) on a weight of shape {shape}"]
        if self.input_axes is None and self.fan_convention == "keras3" and len(shape) > 2:
            kernel = "*".join(str(k) for k in shape[:-2])
            field = math.prod(shape[:-2])
            lines.append(f"  receptive field = {kernel} = {field}")
            lines.append(f"  fan_in  = {shape[-2]}*{field} = {fan_in}")
            lines.append(f"  fan_out = {shape[-1]}*{field} = {fan_out}")
        else:
            lines.append(f"  fan_in = {fan_in:g}, fan_out = {fan_out:g}"
                         f"  ({self.fan_convention} fans)")
        n = self.fan(shape)
        n_expr = {"fan_in": f"fan_in = {fan_in:g}", "fan_out": f"fan_out = {fan_out:g}",
                  "fan_avg": f"(fan_in + fan_out)/2 = ({fan_in:g} + {fan_out:g})/2 = {n:g}"}[self.mode]
        lines.append(f"  n = {n_expr}")
        std = self.stddev(shape)
        if self.distribution == "uniform":
            lines.append(f"  limit = sqrt(3*scale/n) = sqrt(3*{self.scale:g}/{n:g}) = "
                         f"{self.limit(shape):.4f}: values ~ U(-limit, limit), std = limit/sqrt(3) "
                         f"= {std:.4f}")
        else:
            lines.append(f"  stddev = sqrt(scale/n) = sqrt({self.scale:g}/{n:g}) = {std:.4f}")
            if self.distribution == "truncated_normal":
                std0 = self.sampling_stddev(shape)
                lines.append(f"  drawn from N(0, {std0:.4f}^2) (= {std:.4f}/0.8796) cut at "
                             f"+-2*{std0:.4f} = +-{2 * std0:.4f}, so the values have std {std:.4f}")
        return "\n".join(lines)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape, type(self).__name__)
        rng = self._rng()
        if self.distribution == "uniform":
            limit = self.limit(shape)
            values = rng.uniform(-limit, limit, size=shape)
        elif self.distribution == "truncated_normal":
            values = draw_truncated_normal(rng, 0.0, self.sampling_stddev(shape), shape)
        else:
            values = rng.normal(0.0, self.stddev(shape), size=shape)
        return values.astype(_dtype(dtype))

    def _extra_config(self):
        # fan_convention is ours, not Keras': it appears only when it changes the draw
        return {} if self.fan_convention == "keras3" else {"fan_convention": self.fan_convention}

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes, **self._extra_config()}


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed scale, mode and distribution (the class attributes)."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None, fan_convention="keras3"):
        super().__init__(scale=self.SCALE, mode=self.MODE, distribution=self.DISTRIBUTION,
                         seed=seed, input_axes=input_axes, output_axes=output_axes,
                         fan_convention=fan_convention)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes,
                **self._extra_config()}


class GlorotUniform(_Preset):
    r"""Glorot/Xavier uniform: :math:`U(-\ell, \ell)`, :math:`\ell = \sqrt{6 / (f_{in} + f_{out})}`.

    VarianceScaling(scale=1, mode="fan_avg", distribution="uniform"); Keras' default kernel
    initializer. Glorot & Bengio (2010): keeps the variance of activations *and* of gradients
    roughly constant through tanh-like layers.
    """
    SCALE, MODE, DISTRIBUTION = 1.0, "fan_avg", "uniform"


class GlorotNormal(_Preset):
    r"""Glorot/Xavier normal: truncated normal with :math:`\sigma = \sqrt{2 / (f_{in} + f_{out})}`.

    VarianceScaling(scale=1, mode="fan_avg", distribution="truncated_normal").
    """
    SCALE, MODE, DISTRIBUTION = 1.0, "fan_avg", "truncated_normal"


class HeUniform(_Preset):
    r"""He uniform: :math:`U(-\ell, \ell)`, :math:`\ell = \sqrt{6 / f_{in}}`.

    VarianceScaling(scale=2, mode="fan_in", distribution="uniform"). He et al. (2015): a ReLU
    zeroes half its inputs, so the weights need twice the variance to keep the signal's scale.
    """
    SCALE, MODE, DISTRIBUTION = 2.0, "fan_in", "uniform"


class HeNormal(_Preset):
    r"""He normal: truncated normal with :math:`\sigma = \sqrt{2 / f_{in}}`.

    VarianceScaling(scale=2, mode="fan_in", distribution="truncated_normal").
    """
    SCALE, MODE, DISTRIBUTION = 2.0, "fan_in", "truncated_normal"


class LecunUniform(_Preset):
    r"""LeCun uniform: :math:`U(-\ell, \ell)`, :math:`\ell = \sqrt{3 / f_{in}}`.

    VarianceScaling(scale=1, mode="fan_in", distribution="uniform").
    """
    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "uniform"


class LecunNormal(_Preset):
    r"""LeCun normal: truncated normal with :math:`\sigma = \sqrt{1 / f_{in}}` (what SELU expects).

    VarianceScaling(scale=1, mode="fan_in", distribution="truncated_normal").
    """
    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "truncated_normal"


class Orthogonal(RandomInitializer):
    r"""A (semi-)orthogonal matrix times ``gain``: the Q of the QR decomposition of a normal draw.

    A shape with more than two axes is treated as the matrix ``(prod(shape[:-1]), shape[-1])``.
    With fewer rows than columns the rows are orthonormal, otherwise the columns
    (:math:`W^\top W = g^2 I`). The signs of Q's columns follow ``diag(R)``, which makes the draw
    uniform (Haar) over orthogonal matrices. Saxe et al. (2014). Keras 1's ``orthogonal`` used
    an SVD and a default ``scale=1.1``.
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape, "Orthogonal")
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2, got {shape} "
                             f"of rank {len(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = self._rng().standard_normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)                # reduced QR: q has orthonormal columns
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        # C order: QR hands back Fortran-ordered Q, and BLAS is up to ~17x slower on h @ U then
        return np.ascontiguousarray(self.gain * q.reshape(shape), dtype=_dtype(dtype))

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


class Identity(Initializer):
    """``gain * I`` for a 2-D shape (rectangular shapes get ones on the main diagonal).

    Keras 1 and 2 accepted square shapes only; Keras 3 (and this) take any 2-D shape.
    Keras 3.15's ``get_config()`` returns ``{}`` (so a saved gain is lost); this one keeps
    ``{"gain": gain}``.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape, "Identity")
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape, got {shape} of rank {len(shape)}")
        return (self.gain * np.eye(*shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


IdentityInitializer = Identity      # Keras 3 alias
OrthogonalInitializer = Orthogonal  # Keras 3 alias

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
    "Orthogonal": Orthogonal, "OrthogonalInitializer": Orthogonal, "orthogonal": Orthogonal,
    "Identity": Identity, "IdentityInitializer": Identity, "identity": Identity,
}

# lower-case aliases, as ``keras.initializers.glorot_uniform`` (classes, as in Keras 3)
zeros = zero = Zeros
ones = one = Ones
constant = Constant
random_normal = normal = RandomNormal
random_uniform = uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity
glorot_normal, glorot_uniform = GlorotNormal, GlorotUniform
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform


class _FixedArray(Initializer):
    """The initializer ``get`` makes from an array: it returns (a copy of) that array."""

    def __init__(self, value):
        self.value = np.array(value)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape, "initializer from an array")
        if shape != self.value.shape:
            raise ValueError(f"An array used as initializer has shape {self.value.shape}, "
                             f"but the weight has shape {shape}")
        return self.value.astype(_dtype(dtype))


def get(identifier):
    """An initializer from a name (``"he_uniform"``, ``"HeUniform"``), a ``{"class_name",
    "config"}`` dict, an instance, a class, a callable ``f(shape, dtype=None)``, or an array
    (then the weight starts as that array, as Keras 3 allows)."""
    if isinstance(identifier, np.ndarray):
        return _FixedArray(identifier)
    return resolve(identifier, ALIASES, "initializer", Initializer)
