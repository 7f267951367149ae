r"""Optimizers: the update rules of Keras 3, one small class each.

``opt.apply(params, grads)`` updates every weight in place (the arrays in
``layer.params`` / ``model.params``), then the model applies the constraints of the weights it
updated. The optimizer's state ("slots": momentum, moments...) belongs to the weight itself, not
to its name: renaming a layer keeps it, and a weight two layers share has one set of slots.
:math:`\eta` is the learning rate, :math:`g` the gradient, :math:`t` the step (from 1),
:math:`\epsilon = 10^{-7}`:

* SGD: :math:`w \leftarrow w - \eta g`; with momentum :math:`\mu`:
  :math:`m \leftarrow \mu m - \eta g,\ w \leftarrow w + m` (Nesterov: :math:`w \leftarrow w + \mu m - \eta g`)
* RMSprop: :math:`v \leftarrow \rho v + (1-\rho) g^2,\ w \leftarrow w - \eta g / \sqrt{v + \epsilon}`
* Adagrad: :math:`a \leftarrow a + g^2,\ w \leftarrow w - \eta g / \sqrt{a + \epsilon}`
* Adadelta: :math:`a \leftarrow \rho a + (1-\rho) g^2,\ \Delta = -\sqrt{d + \epsilon}\, g / \sqrt{a + \epsilon},\ d \leftarrow \rho d + (1-\rho)\Delta^2,\ w \leftarrow w + \eta \Delta`
* Adam: :math:`m \leftarrow m + (1-\beta_1)(g - m),\ v \leftarrow v + (1-\beta_2)(g^2 - v),\ w \leftarrow w - \eta \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t} \frac{m}{\sqrt v + \epsilon}`
* Adamax: :math:`u \leftarrow \max(\beta_2 u, |g|),\ w \leftarrow w - \frac{\eta}{1-\beta_1^t} \frac{m}{u + \epsilon}`
* Nadam: Adam with Nesterov momentum and the momentum schedule :math:`\mu_t = \beta_1 (1 - \tfrac12 0.96^t)`

(the :math:`\epsilon` placement and Adam's folded bias correction are Keras 3's; Keras 2 used
the same Adam form with ``epsilon=1e-7``).

``learning_rate`` is a number or a schedule from :mod:`edulayers.optimizers.schedules`
(``ExponentialDecay``, ``CosineDecay``, ...): with a schedule, each update uses
:math:`\eta = \text{schedule}(\text{iterations})`, ``iterations`` being the number of updates
already applied (the first update uses ``schedule(0)``), and ``opt.learning_rate`` reads the rate
the next update will use, as in Keras 3.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import schedules
from .schedules import LearningRateSchedule

__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam", "get"]


def _number(owner: str, name: str, value, positive=False) -> float:
    """``value`` as a ``float`` if it is a real number (``True`` and ``'0.1'`` are not); else a
    ValueError that names the optimizer, the argument and what it got."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{owner}: {name} must be a {'positive ' if positive else ''}float, "
                         f"got {value!r}")
    if positive and not value > 0:
        raise ValueError(f"{owner}: {name} must be positive, got {value!r}")
    return float(value)


def _flag(owner: str, name: str, value) -> bool:
    """``value`` if it is a bool (``'yes'`` and ``1`` are not); else a ValueError."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)


class _WeightKey:
    """A weight's identity as a dict key: the array object itself, whatever a layer calls it.

    Two keys are equal when they hold the same array (``is``), so a rename of the layer keeps
    the key and the same weight reached under two names is one key. The key keeps the array
    alive, so its ``id`` cannot be given to another array while the slots exist.
    """
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __hash__(self):
        return id(self.array)

    def __eq__(self, other):
        return isinstance(other, _WeightKey) and other.array is self.array


class Optimizer:
    """Base class: per-weight state ("slots"), gradient clipping and the step counter.

    Args:
        learning_rate: :math:`\\eta`, a positive number or a ``LearningRateSchedule`` (Keras 2's
            ``lr`` is accepted too; its ``decay`` is refused with the schedule that replaces it).
        clipnorm: rescale each gradient whose L2 norm exceeds this.
        clipvalue: clip each gradient entry to ``[-clipvalue, clipvalue]``.
        global_clipnorm: rescale all gradients together when their joint norm exceeds this.

    A subclass implements ``update_step(w, g)``, which updates the array ``w`` in place and
    keeps its state in ``self.slot(w, "m")``.
    """

    def __init__(self, learning_rate=0.001, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None, lr=None, decay=None):
        owner = type(self).__name__
        rate = lr if lr is not None else learning_rate
        if decay is not None:
            # Keras 3 warns and ignores it; refused here, so a Keras 2 script does not silently
            # train with a constant rate where it decayed before
            raise ValueError(f"{owner}: decay={decay!r} is a Keras 2 argument that Keras 3 removed; "
                             "give the learning rate as a schedule instead, e.g. learning_rate="
                             f"el.optimizers.schedules.InverseTimeDecay({rate!r}, decay_steps=1, "
                             f"decay_rate={decay!r}) (Keras 2's lr / (1 + decay * iterations))")
        learning_rate = rate
        if isinstance(learning_rate, dict):          # a schedule as get_config() writes it
            learning_rate = schedules.deserialize(learning_rate)
        self._learning_rate = (learning_rate if isinstance(learning_rate, LearningRateSchedule)
                               else _number(owner, "learning_rate", learning_rate, positive=True))
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        for k, v in clips.items():
            clips[k] = None if v is None else _number(owner, k, v, positive=True)
        if sum(v is not None for v in clips.values()) > 1:
            raise ValueError(f"{owner}: only one of clipnorm, clipvalue and global_clipnorm can be "
                             f"set (as Keras), got {', '.join(f'{k}={v}' for k, v in clips.items())}")
        self.clipnorm, self.clipvalue, self.global_clipnorm = clips.values()
        if name is not None and not isinstance(name, str):
            raise ValueError(f"{owner}: name must be a string, got {name!r}")
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        self.slots: dict = {}

    @property
    def learning_rate(self) -> float:
        """The rate of the next update: the number, or ``schedule(iterations)``."""
        if isinstance(self._learning_rate, LearningRateSchedule):
            return float(self._learning_rate(self.iterations))
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        owner = type(self).__name__
        if isinstance(value, LearningRateSchedule):
            self._learning_rate = value
            return
        if isinstance(getattr(self, "_learning_rate", None), LearningRateSchedule):
            # Keras 3 refuses it too (TypeError): the schedule alone decides the rate
            raise TypeError(f"{owner}: the learning rate is the schedule {self._learning_rate!r}, "
                            f"so it cannot be set to {value!r}; create the optimizer with a float "
                            "learning_rate to set it (callbacks such as ReduceLROnPlateau do)")
        self._learning_rate = _number(owner, "learning_rate", value)

    @property
    def learning_rate_schedule(self):
        """The ``LearningRateSchedule`` the rate comes from, or ``None`` for a fixed number."""
        return self._learning_rate if isinstance(self._learning_rate, LearningRateSchedule) else None

    def slot(self, w, slot_name, fill=0.0):
        """The state array ``slot_name`` of the weight ``w`` (created like ``w``, filled with ``fill``)."""
        per_weight = self.slots.setdefault(_WeightKey(w), {})
        if slot_name not in per_weight:
            per_weight[slot_name] = np.full_like(w, fill)
        return per_weight[slot_name]

    def slots_of(self, w) -> dict:
        """The slots of the weight ``w`` by name (``{"m": ..., "v": ...}``; empty before its first step)."""
        return self.slots.get(_WeightKey(w), {})

    def _clip(self, grads: dict) -> dict:
        grads = {k: np.asarray(g) for k, g in grads.items()}
        if self.clipvalue is not None:
            grads = {k: np.clip(g, -self.clipvalue, self.clipvalue) for k, g in grads.items()}
        if self.clipnorm is not None:
            grads = {k: g * min(1.0, self.clipnorm / max(np.linalg.norm(g), 1e-12)) for k, g in grads.items()}
        if self.global_clipnorm is not None:
            total = np.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
            scale = min(1.0, self.global_clipnorm / max(total, 1e-12))
            grads = {k: g * scale for k, g in grads.items()}
        return grads

    def apply(self, params: dict, grads: dict) -> None:
        """One step: update every ``params[k]`` in place with ``grads[k]``.

        Each weight must appear once: a weight that two layers share is passed with the sum
        of its gradients (``model.fit`` does this).
        """
        missing = set(params) - set(grads)
        if missing:
            raise ValueError(f"{type(self).__name__}.apply: no gradient for {sorted(missing)}")
        first_name = {}
        for k, w in params.items():
            other = first_name.setdefault(id(w), k)
            if other != k:
                raise ValueError(f"{type(self).__name__}.apply: {other!r} and {k!r} are the same "
                                 "weight; pass it once, with the sum of its gradients")
        grads = self._clip({k: grads[k] for k in params})
        for key, w in params.items():
            self.update_step(w, grads[key].astype(w.dtype, copy=False))
        self.iterations += 1

    def update_step(self, w, g) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        """The constructor's arguments; a schedule in Keras 3's serialized form (``schedules.serialize``)."""
        rate = self._learning_rate
        config = {"learning_rate": schedules.serialize(rate) if isinstance(rate, LearningRateSchedule)
                  else rate, "name": self.name}
        for k in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, k) is not None:
                config[k] = getattr(self, k)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """The optimizer whose ``get_config()`` is ``config`` (a serialized schedule rebuilt)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self):
        config = {**self.get_config(), "learning_rate": self._learning_rate}
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in config.items()) + ")"


class SGD(Optimizer):
    """Gradient descent, optionally with (Nesterov) momentum."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        momentum = _number("SGD", "momentum", momentum)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum}")
        self.momentum, self.nesterov = momentum, _flag("SGD", "nesterov", nesterov)

    def update_step(self, w, g):
        if self.momentum == 0:
            w -= self.learning_rate * g
            return
        m = self.slot(w, "momentum")
        m *= self.momentum
        m -= self.learning_rate * g
        if self.nesterov:
            w += self.momentum * m - self.learning_rate * g
        else:
            w += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """Divide by a running root-mean-square of recent gradients (optionally centered, with momentum)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon = (_number("RMSprop", k, v) for k, v in
                                                 (("rho", rho), ("momentum", momentum), ("epsilon", epsilon)))
        self.centered = _flag("RMSprop", "centered", centered)

    def update_step(self, w, g):
        v = self.slot(w, "velocity")
        v[...] = self.rho * v + (1 - self.rho) * g * g
        denominator = v + self.epsilon
        if self.centered:
            avg = self.slot(w, "average_gradient")
            avg[...] = self.rho * avg + (1 - self.rho) * g
            denominator = v - avg * avg + self.epsilon
        increment = self.learning_rate * g / np.sqrt(denominator)
        if self.momentum > 0:
            m = self.slot(w, "momentum")
            m[...] = self.momentum * m + increment
            w -= m
        else:
            w -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """Per-weight learning rates shrinking with the sum of squared past gradients."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = _number("Adagrad", "initial_accumulator_value",
                                                 initial_accumulator_value)
        self.epsilon = _number("Adagrad", "epsilon", epsilon)

    def update_step(self, w, g):
        acc = self.slot(w, "accumulator", fill=self.initial_accumulator_value)
        acc += g * g
        w -= self.learning_rate * g / np.sqrt(acc + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adagrad with decaying averages, and step sizes in the units of the weights."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.epsilon = _number("Adadelta", "rho", rho), _number("Adadelta", "epsilon", epsilon)

    def update_step(self, w, g):
        acc_grad = self.slot(w, "accumulated_grad")
        acc_delta = self.slot(w, "accumulated_delta")
        acc_grad[...] = self.rho * acc_grad + (1 - self.rho) * g * g
        delta = -np.sqrt(acc_delta + self.epsilon) * g / np.sqrt(acc_grad + self.epsilon)
        acc_delta[...] = self.rho * acc_delta + (1 - self.rho) * delta * delta
        w += self.learning_rate * delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Momentum (first moment) over RMS (second moment), both bias-corrected."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        owner = type(self).__name__              # Adamax and Nadam check their arguments here too
        self.beta_1, self.beta_2, self.epsilon = (_number(owner, k, v) for k, v in
                                                  (("beta_1", beta_1), ("beta_2", beta_2), ("epsilon", epsilon)))
        self.amsgrad = _flag(owner, "amsgrad", amsgrad)

    def update_step(self, w, g):
        t = self.iterations + 1
        m, v = self.slot(w, "m"), self.slot(w, "v")
        m += (1 - self.beta_1) * (g - m)
        v += (1 - self.beta_2) * (g * g - v)
        if self.amsgrad:
            v_hat = self.slot(w, "v_hat")
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        alpha = self.learning_rate * np.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        w -= alpha * m / (np.sqrt(v) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class Adamax(Adam):
    """Adam with the infinity norm in place of the RMS."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)

    def update_step(self, w, g):
        t = self.iterations + 1
        m, u = self.slot(w, "m"), self.slot(w, "u")
        m += (1 - self.beta_1) * (g - m)
        np.maximum(self.beta_2 * u, np.abs(g), out=u)
        w -= self.learning_rate * m / ((1 - self.beta_1 ** t) * (u + self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.pop("amsgrad")
        return config


class Nadam(Adam):
    """Adam with Nesterov momentum (Dozat 2016), with Keras' momentum schedule."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self.u_product = 1.0

    def apply(self, params, grads):
        # the product of the momentum schedule advances once per step, before the updates
        self.u_product *= self.beta_1 * (1.0 - 0.5 * 0.96 ** (self.iterations + 1))
        super().apply(params, grads)

    def update_step(self, w, g):
        t = self.iterations + 1
        u_t = self.beta_1 * (1.0 - 0.5 * 0.96 ** t)
        u_next = self.beta_1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        m, v = self.slot(w, "m"), self.slot(w, "v")
        m += (1 - self.beta_1) * (g - m)
        v += (1 - self.beta_2) * (g * g - v)
        m_hat = u_next * m / (1 - self.u_product * u_next) + (1 - u_t) * g / (1 - self.u_product)
        v_hat = v / (1 - self.beta_2 ** t)
        w -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.pop("amsgrad")
        return config


ALIASES = {"sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta, "adam": Adam,
           "adamax": Adamax, "nadam": Nadam}


def get(identifier) -> Optimizer:
    """An optimizer from a Keras name (``"adam"``, case-insensitive) or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in ALIASES:
        return ALIASES[identifier.lower()]()
    raise ValueError(f"Unknown optimizer: {identifier!r}. Expected one of {sorted(ALIASES)}")
