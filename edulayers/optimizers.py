r"""Optimizers: the update rules of Keras 3, one small class each.

``opt.apply(params, grads)`` updates every weight in place (the arrays in
``layer.params`` / ``model.params``), then the model applies the layers'
constraints. :math:`\eta` is the learning rate, :math:`g` the gradient,
:math:`t` the step (from 1), :math:`\epsilon = 10^{-7}`:

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
"""
from __future__ import annotations

import numpy as np

__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam", "get"]


class Optimizer:
    """Base class: per-weight state ("slots"), gradient clipping and the step counter.

    Args:
        learning_rate: :math:`\\eta` (Keras 2's ``lr`` is accepted too).
        clipnorm: rescale each gradient whose L2 norm exceeds this.
        clipvalue: clip each gradient entry to ``[-clipvalue, clipvalue]``.
        global_clipnorm: rescale all gradients together when their joint norm exceeds this.
    """

    def __init__(self, learning_rate=0.001, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None, lr=None):
        self.learning_rate = float(lr if lr is not None else learning_rate)
        if self.learning_rate <= 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be positive, got {learning_rate}")
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        self.slots: dict = {}

    def slot(self, key, slot_name, like, fill=0.0):
        """The state array ``slot_name`` of weight ``key`` (created filled with ``fill``)."""
        per_weight = self.slots.setdefault(key, {})
        if slot_name not in per_weight:
            per_weight[slot_name] = np.full_like(like, fill)
        return per_weight[slot_name]

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
        """One step: update every ``params[k]`` in place with ``grads[k]``."""
        missing = set(params) - set(grads)
        if missing:
            raise ValueError(f"{type(self).__name__}.apply: no gradient for {sorted(missing)}")
        grads = self._clip({k: grads[k] for k in params})
        for key, w in params.items():
            self.update_step(key, w, grads[key].astype(w.dtype, copy=False))
        self.iterations += 1

    def update_step(self, key, w, g) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        config = {"learning_rate": self.learning_rate, "name": self.name}
        for k in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, k) is not None:
                config[k] = getattr(self, k)
        return config

    def __repr__(self):
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in self.get_config().items()) + ")"


class SGD(Optimizer):
    """Gradient descent, optionally with (Nesterov) momentum."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def update_step(self, key, w, g):
        if self.momentum == 0:
            w -= self.learning_rate * g
            return
        m = self.slot(key, "momentum", w)
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
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def update_step(self, key, w, g):
        v = self.slot(key, "velocity", w)
        v[...] = self.rho * v + (1 - self.rho) * g * g
        denominator = v + self.epsilon
        if self.centered:
            avg = self.slot(key, "average_gradient", w)
            avg[...] = self.rho * avg + (1 - self.rho) * g
            denominator = v - avg * avg + self.epsilon
        increment = self.learning_rate * g / np.sqrt(denominator)
        if self.momentum > 0:
            m = self.slot(key, "momentum", w)
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
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def update_step(self, key, w, g):
        acc = self.slot(key, "accumulator", w, fill=self.initial_accumulator_value)
        acc += g * g
        w -= self.learning_rate * g / np.sqrt(acc + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adagrad with decaying averages, and step sizes in the units of the weights."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def update_step(self, key, w, g):
        acc_grad = self.slot(key, "accumulated_grad", w)
        acc_delta = self.slot(key, "accumulated_delta", w)
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
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def update_step(self, key, w, g):
        t = self.iterations + 1
        m, v = self.slot(key, "m", w), self.slot(key, "v", w)
        m += (1 - self.beta_1) * (g - m)
        v += (1 - self.beta_2) * (g * g - v)
        if self.amsgrad:
            v_hat = self.slot(key, "v_hat", w)
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

    def update_step(self, key, w, g):
        t = self.iterations + 1
        m, u = self.slot(key, "m", w), self.slot(key, "u", w)
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

    def update_step(self, key, w, g):
        t = self.iterations + 1
        u_t = self.beta_1 * (1.0 - 0.5 * 0.96 ** t)
        u_next = self.beta_1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        m, v = self.slot(key, "m", w), self.slot(key, "v", w)
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
