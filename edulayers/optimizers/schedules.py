r"""Learning-rate schedules: :math:`\eta_t` as a function of the step :math:`t`, as Keras 3 has them.

A schedule is an object called with the step, ``schedule(t)``; passed as an optimizer's
``learning_rate``, it is called with the optimizer's ``iterations`` (the number of updates
already applied, so the first update uses ``schedule(0)``), as Keras does::

    from edulayers.optimizers.schedules import ExponentialDecay
    opt = el.optimizers.SGD(learning_rate=ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.5))

:math:`\eta_0` is ``initial_learning_rate`` and :math:`T` ``decay_steps``. Each class computes in
float64 exactly the operations of ``keras.optimizers.schedules`` (Keras 3.15.1), so the numbers
agree with Keras to rounding. ``schedule(t)`` takes a whole array of steps too (for plotting) and
returns a ``float`` for one step, an array for an array.

``serialize(schedule)`` gives Keras 3's ``{"module", "class_name", "config", "registered_name"}``
dict, the form an optimizer's ``get_config()`` stores it in; ``deserialize`` reads it back (a
Keras 3 schedule's dict too), ``get`` takes a schedule, such a dict or ``None``.

This module is longer than most because the six schedules Keras 3 ships each carry their formula,
their argument checks and their config, and serialize / deserialize read Keras 3's dicts.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
           "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts", "serialize", "deserialize",
           "get"]

#: the module Keras 3 writes in a built-in schedule's serialized form
KERAS_MODULE = "keras.optimizers.schedules"


def _real(owner: str, name: str, value, what="a number"):
    """``value`` (an int stays an int, a NumPy scalar becomes a Python number) if it is a finite
    real number; else a ValueError that names the schedule, the argument and what it got."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{owner}: {name} must be {what}, got {value!r}")
    value = value.item() if isinstance(value, np.generic) else value
    if not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be {what}, got {value!r}")
    return value


def _steps(owner: str, name: str, value):
    """A positive number of steps (``decay_steps`` and the like), as Keras requires (> 0)."""
    value = _real(owner, name, value, "a number > 0")
    if not value > 0:
        raise ValueError(f"{owner}: {name} must be > 0, got {value!r}")
    return value


def _flag(owner: str, name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)


def _name(owner: str, value):
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{owner}: name must be a string, got {value!r}")
    return value


def _as_step(owner: str, step):
    """The step(s) as float64: Keras casts the step to the schedule's float type first."""
    step = np.asarray(step)
    if step.dtype == bool or not (np.issubdtype(step.dtype, np.integer)
                                  or np.issubdtype(step.dtype, np.floating)):
        raise ValueError(f"{owner}: the step must be a number (or an array of numbers), got {step!r}")
    return step.astype(np.float64)


def _result(value):
    """A float for one step, an array for several."""
    value = np.asarray(value, dtype=np.float64)
    return float(value) if value.ndim == 0 else value


class LearningRateSchedule:
    """Base class: a schedule is called with the optimizer's step and returns the learning rate.

    A subclass implements ``__call__(step)`` and, to be saved in an optimizer's config,
    ``get_config()`` (the constructor's arguments; ``from_config`` calls the class with them)::

        class InverseSqrt(el.optimizers.schedules.LearningRateSchedule):
            def __init__(self, initial_learning_rate):
                self.initial_learning_rate = initial_learning_rate

            def __call__(self, step):
                return self.initial_learning_rate / np.sqrt(step + 1)

            def get_config(self):
                return {"initial_learning_rate": self.initial_learning_rate}
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule {type(self).__name__} must override "
                                  "__call__(self, step)")

    def get_config(self) -> dict:
        raise NotImplementedError(f"Learning rate schedule {type(self).__name__} must override "
                                  "get_config() to be serializable")

    @classmethod
    def from_config(cls, config: dict):
        """The schedule whose ``get_config()`` is ``config``."""
        return cls(**config)

    def __repr__(self):
        try:
            config = self.get_config()
        except NotImplementedError:
            return f"<{type(self).__name__}>"
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in config.items()) + ")"

    def __eq__(self, other):
        # two schedules with the same class and config compute the same rates
        if type(other) is not type(self):
            return NotImplemented
        try:
            return self.get_config() == other.get_config()
        except NotImplementedError:
            return self is other

    __hash__ = object.__hash__


# ExponentialDecay and InverseTimeDecay take the same arguments and measure progress alike, t / T
# (floored with staircase); only the function of that progress differs.
def _init_rate_decay(schedule, initial_learning_rate, decay_steps, decay_rate, staircase, name):
    owner = type(schedule).__name__
    schedule.initial_learning_rate = _real(owner, "initial_learning_rate", initial_learning_rate)
    schedule.decay_steps = _steps(owner, "decay_steps", decay_steps)
    schedule.decay_rate = _real(owner, "decay_rate", decay_rate)
    schedule.staircase = _flag(owner, "staircase", staircase)
    schedule.name = _name(owner, name)


def _rate_decay_progress(schedule, step):
    p = _as_step(type(schedule).__name__, step) / float(schedule.decay_steps)
    return np.floor(p) if schedule.staircase else p


def _rate_decay_config(schedule) -> dict:
    return {"initial_learning_rate": schedule.initial_learning_rate, "decay_steps": schedule.decay_steps,
            "decay_rate": schedule.decay_rate, "staircase": schedule.staircase, "name": schedule.name}


class ExponentialDecay(LearningRateSchedule):
    r"""Multiply the rate by ``decay_rate`` every ``decay_steps`` steps, smoothly or in stairs.

    .. math::

        \eta_t = \eta_0 \, r^{\,t / T} \qquad
        (\text{staircase: } \eta_t = \eta_0 \, r^{\lfloor t / T \rfloor})

    Args:
        initial_learning_rate: :math:`\eta_0`.
        decay_steps: :math:`T` (> 0): the rate is multiplied by :math:`r` over this many steps.
        decay_rate: :math:`r`.
        staircase: decay at whole multiples of :math:`T` only.
        name: Keras' name of the schedule.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _init_rate_decay(self, initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        p = _rate_decay_progress(self, step)
        return _result(float(self.initial_learning_rate) * np.power(float(self.decay_rate), p))

    def get_config(self):
        return _rate_decay_config(self)


class PiecewiseConstantDecay(LearningRateSchedule):
    r"""A constant rate on each interval between step boundaries.

    .. math::

        \eta_t = v_0 \ (t \le b_0), \quad v_i \ (b_{i-1} < t \le b_i), \quad
        v_n \ (t > b_{n-1})

    Args:
        boundaries: :math:`b_0 < b_1 < \dots < b_{n-1}`, strictly increasing step numbers.
        values: :math:`v_0, \dots, v_n`, one more than ``boundaries``.
        name: Keras' name of the schedule.

    A boundary belongs to the interval before it: with ``boundaries=[100]`` step 100 still has
    ``values[0]``, step 101 ``values[1]``.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        owner = "PiecewiseConstantDecay"
        for arg, given in (("boundaries", boundaries), ("values", values)):
            if isinstance(given, (str, bytes, dict)) or not hasattr(given, "__len__"):
                raise ValueError(f"{owner}: {arg} must be a list of numbers, got {given!r}")
        boundaries = [_real(owner, f"boundaries[{i}]", b) for i, b in enumerate(boundaries)]
        values = [_real(owner, f"values[{i}]", v) for i, v in enumerate(values)]
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"{owner}: values must have one entry more than boundaries (a value "
                             f"for each interval), got {len(boundaries)} boundaries {boundaries} "
                             f"and {len(values)} values {values}")
        if not boundaries:
            raise ValueError(f"{owner}: boundaries must hold at least one step, got [] (for a "
                             "constant rate pass a float learning_rate)")
        for i in range(1, len(boundaries)):
            if not boundaries[i] > boundaries[i - 1]:
                raise ValueError(f"{owner}: boundaries must be strictly increasing, got {boundaries} "
                                 f"(boundaries[{i}] = {boundaries[i]} after {boundaries[i - 1]})")
        self.boundaries, self.values = boundaries, values
        self.name = _name(owner, name)

    def __call__(self, step):
        step = _as_step("PiecewiseConstantDecay", step)
        # the number of boundaries strictly below the step is the index of its interval
        index = np.searchsorted(np.asarray(self.boundaries, dtype=np.float64), step, side="left")
        return _result(np.asarray(self.values, dtype=np.float64)[index])

    def get_config(self):
        return {"boundaries": list(self.boundaries), "values": list(self.values), "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    r"""From :math:`\eta_0` to ``end_learning_rate`` along a power of the remaining fraction.

    .. math::

        \eta_t = (\eta_0 - \eta_{\text{end}}) \Big(1 - \frac{\min(t, T)}{T}\Big)^{p} + \eta_{\text{end}}

    With ``cycle=True`` the decay restarts: :math:`T` is replaced by the first multiple of
    :math:`T` that is :math:`\ge t`, :math:`T \lceil t/T \rceil` (:math:`T` itself at :math:`t = 0`),
    and :math:`t` is not clipped.

    Args:
        initial_learning_rate: :math:`\eta_0`.
        decay_steps: :math:`T` (> 0).
        end_learning_rate: :math:`\eta_{\text{end}}`, reached at step :math:`T`.
        power: :math:`p` (1: a straight line).
        cycle: restart the decay after every :math:`T` steps, as above.
        name: Keras' name of the schedule.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        owner = "PolynomialDecay"
        self.initial_learning_rate = _real(owner, "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _steps(owner, "decay_steps", decay_steps)
        self.end_learning_rate = _real(owner, "end_learning_rate", end_learning_rate)
        self.power = _real(owner, "power", power)
        self.cycle = _flag(owner, "cycle", cycle)
        self.name = _name(owner, name)

    def __call__(self, step):
        step = _as_step("PolynomialDecay", step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps = decay_steps * np.where(step == 0, 1.0, np.ceil(step / decay_steps))
        else:
            step = np.minimum(step, decay_steps)
        p = step / decay_steps
        span = float(self.initial_learning_rate) - float(self.end_learning_rate)
        return _result(span * np.power(1 - p, float(self.power)) + float(self.end_learning_rate))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power,
                "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    r"""Divide the rate by one plus a multiple of the time, :math:`1/t` decay.

    .. math::

        \eta_t = \frac{\eta_0}{1 + r\, t / T} \qquad
        (\text{staircase: } \eta_t = \frac{\eta_0}{1 + r \lfloor t / T \rfloor})

    Args:
        initial_learning_rate: :math:`\eta_0`.
        decay_steps: :math:`T` (> 0).
        decay_rate: :math:`r`.
        staircase: decay at whole multiples of :math:`T` only.
        name: Keras' name of the schedule.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _init_rate_decay(self, initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        p = _rate_decay_progress(self, step)
        return _result(float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * p))

    def get_config(self):
        return _rate_decay_config(self)


def _cosine(fraction, alpha):
    """Half a cosine from 1 down to ``alpha`` as ``fraction`` goes from 0 to 1."""
    return (1 - alpha) * (0.5 * (1.0 + np.cos(np.pi * fraction))) + alpha


class CosineDecay(LearningRateSchedule):
    r"""Half a cosine from the rate down to ``alpha`` times it, after an optional linear warmup.

    Without warmup (``warmup_target=None``):

    .. math::

        \eta_t = \eta_0 \Big((1-\alpha)\,\tfrac12\big(1 + \cos(\pi \min(t, T)/T)\big) + \alpha\Big)

    With ``warmup_target`` :math:`\eta_w` and ``warmup_steps`` :math:`W`, the rate first rises in
    a straight line from :math:`\eta_0` to :math:`\eta_w`, then decays from :math:`\eta_w` as
    above over the next :math:`T` steps (:math:`s = \min(t, W + T)`):

    .. math::

        \eta_t = \eta_0 + (\eta_w - \eta_0)\,\frac{s}{W} \quad (s < W), \qquad
        \eta_t = \eta_w \Big((1-\alpha)\,\tfrac12\big(1 + \cos(\pi (s - W)/T)\big) + \alpha\Big)
        \quad (s \ge W)

    Args:
        initial_learning_rate: :math:`\eta_0` (the start of the warmup, if there is one).
        decay_steps: :math:`T` (> 0), the length of the decay.
        alpha: the final rate as a fraction of the rate the decay starts from.
        name: Keras' name of the schedule.
        warmup_target: :math:`\eta_w`, or ``None`` for no warmup.
        warmup_steps: :math:`W`, the length of the warmup.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        owner = "CosineDecay"
        self.initial_learning_rate = _real(owner, "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _steps(owner, "decay_steps", decay_steps)
        self.alpha = _real(owner, "alpha", alpha)
        self.name = _name(owner, name)
        self.warmup_target = (None if warmup_target is None
                              else _real(owner, "warmup_target", warmup_target, "a number or None"))
        self.warmup_steps = _real(owner, "warmup_steps", warmup_steps, "a number >= 0")
        if self.warmup_steps < 0:
            raise ValueError(f"{owner}: warmup_steps must be >= 0, got {warmup_steps!r}")

    def __call__(self, step):
        step = _as_step("CosineDecay", step)
        eta0, decay_steps = float(self.initial_learning_rate), float(self.decay_steps)
        if self.warmup_target is None:
            return _result(eta0 * _cosine(np.minimum(step, decay_steps) / decay_steps, self.alpha))
        target, warmup = float(self.warmup_target), float(self.warmup_steps)
        step = np.minimum(step, decay_steps + warmup)
        in_warmup = step < warmup
        with np.errstate(divide="ignore", invalid="ignore"):   # s / W for W = 0 is never used
            rising = (target - eta0) * (step / warmup) + eta0
        decaying = target * _cosine((step - warmup) / decay_steps, self.alpha)
        return _result(np.where(in_warmup, rising, decaying))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    r"""Cosine decays with warm restarts (SGDR): each period ``t_mul`` times longer than the last
    and starting from ``m_mul`` times its rate.

    With :math:`f = t / T_0` the step in units of the first period, period :math:`i` (from 0)
    lasts :math:`T_0 \mu_t^i` steps, so it starts at :math:`S_i = (1 - \mu_t^i)/(1 - \mu_t)`
    first periods (:math:`S_i = i` for :math:`\mu_t = 1`). The step is in period
    :math:`i = \lfloor \log(1 - f(1 - \mu_t)) / \log \mu_t \rfloor` (:math:`\lfloor f \rfloor` for
    :math:`\mu_t = 1`), at the fraction :math:`\phi = (f - S_i)/\mu_t^i` of it, and

    .. math::

        \eta_t = \eta_0 \Big((1 - \alpha)\, \mu_m^{\,i}\, \tfrac12 \big(1 + \cos(\pi \phi)\big) + \alpha\Big)

    These are Keras 3's operations, with one guard: on the first step of a period,
    :math:`\log(1 - f(1 - \mu_t)) / \log \mu_t` is a whole number, and Keras on JAX computes it
    one unit of rounding low or not depending on how XLA compiles it (at step 35 of
    ``CosineDecayRestarts(0.1, 5)`` its compiled train step gives 0, the end of period 2, where
    called eagerly it gives 0.1, the restart). Here the period found is checked against its
    start :math:`S_i`, so a restart step always gets the restart's rate.

    Args:
        initial_learning_rate: :math:`\eta_0`.
        first_decay_steps: :math:`T_0` (> 0), the length of the first period.
        t_mul: :math:`\mu_t`, each period's length over the previous one's.
        m_mul: :math:`\mu_m`, each period's starting rate over the previous one's.
        alpha: the floor of the rate as a fraction of :math:`\eta_0` (not scaled by :math:`\mu_m^i`).
        name: Keras' name of the schedule.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        owner = "CosineDecayRestarts"
        self.initial_learning_rate = _real(owner, "initial_learning_rate", initial_learning_rate)
        self.first_decay_steps = _steps(owner, "first_decay_steps", first_decay_steps)
        self.t_mul = _real(owner, "t_mul", t_mul, "a number > 0")
        if not self.t_mul > 0:
            raise ValueError(f"{owner}: t_mul must be > 0, got {t_mul!r}")
        self.m_mul = _real(owner, "m_mul", m_mul)
        self.alpha = _real(owner, "alpha", alpha)
        self.name = _name(owner, name)

    def __call__(self, step):
        fraction = _as_step("CosineDecayRestarts", step) / float(self.first_decay_steps)
        t_mul = float(self.t_mul)
        if t_mul == 1.0:
            restart = np.floor(fraction)
            fraction = fraction - restart
        else:
            def start(i):
                return (1.0 - np.power(t_mul, i)) / (1.0 - t_mul)
            restart = np.floor(np.log(1.0 - fraction * (1.0 - t_mul)) / np.log(t_mul))
            # On the first step of a period the ratio of logs is a whole number, and one unit
            # of rounding below it would put the step at the end of the period before (rate
            # alpha * eta0 instead of the restart): the period is checked against its starts.
            restart = np.where(start(restart + 1) <= fraction, restart + 1, restart)
            restart = np.where(start(restart) > fraction, restart - 1, restart)
            fraction = (fraction - start(restart)) / np.power(t_mul, restart)
        decayed = 0.5 * np.power(float(self.m_mul), restart) * (1.0 + np.cos(np.pi * fraction))
        alpha = float(self.alpha)
        return _result(float(self.initial_learning_rate) * ((1 - alpha) * decayed + alpha))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


_BUILT_IN = {cls.__name__: cls for cls in (LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay,
                                            PolynomialDecay, InverseTimeDecay, CosineDecay,
                                            CosineDecayRestarts)}


def serialize(schedule) -> dict:
    """Keras 3's serialized form of ``schedule``: ``{"module", "class_name", "config",
    "registered_name"}``; a schedule of your own is written with its Python module and class name,
    as Keras writes an unregistered class."""
    if not isinstance(schedule, LearningRateSchedule):
        raise ValueError(f"schedules.serialize: expected a LearningRateSchedule, got {schedule!r}")
    cls = type(schedule)
    config = schedule.get_config()
    if _BUILT_IN.get(cls.__name__) is cls:
        return {"module": KERAS_MODULE, "class_name": cls.__name__, "config": config,
                "registered_name": None}
    return {"module": cls.__module__, "class_name": cls.__name__, "config": config,
            "registered_name": cls.__name__}


def deserialize(config, custom_objects=None) -> LearningRateSchedule:
    """The schedule of a serialized form (``serialize``'s, or a Keras 3 schedule's dict): a
    built-in by its class name, a schedule of your own from ``custom_objects``, an open
    ``CustomObjectScope`` or ``get_custom_objects()``."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("schedules.deserialize: expected a dict with 'class_name' and 'config' "
                         f"(as serialize writes), got {config!r}")
    from ..saving.object_registration import custom_objects_in_force
    name = config["class_name"]
    known = custom_objects_in_force(custom_objects)
    cls = known.get(config.get("registered_name") or name) or known.get(name) or _BUILT_IN.get(name)
    if cls is None or not (isinstance(cls, type) and issubclass(cls, LearningRateSchedule)):
        raise ValueError(f"schedules.deserialize: unknown learning rate schedule {name!r}; "
                         f"the built-in ones are {sorted(n for n in _BUILT_IN if n != 'LearningRateSchedule')} "
                         "(a schedule of your own: pass custom_objects={name: cls})")
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """A schedule from a schedule (returned as it is), a serialized dict, or ``None``."""
    if identifier is None or isinstance(identifier, LearningRateSchedule):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"schedules.get: expected a LearningRateSchedule, its serialized dict or None, "
                     f"got {identifier!r}")
