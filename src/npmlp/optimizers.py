"""Optimizers with Keras 3's update rules, one parameter at a time, in place.

One step (``apply``): ``lr = schedule(iterations)`` (or the constant rate); clip the gradients
(``clipnorm`` per parameter: ``g = g * c / max(||g||, c)``; or ``global_clipnorm``:
``g = g * c * min(1 / G, 1 / c)`` with ``G`` the norm of all gradients together); then
``update_step`` for each parameter; ``iterations += 1``. State is created by ``build`` per
parameter (same order as the parameters); an optimizer never knows about layers.
"""

from __future__ import annotations

import math

import numpy as np

from npmlp import schedules
from npmlp._registry import Registry
from npmlp._validation import check_real


class Optimizer:
    """Base class: per-parameter ``slots`` of state and one ``update_step`` formula."""

    name = "optimizer"
    slots: tuple[str, ...] = ()

    def __init__(self, learning_rate=0.01, clipnorm: float | None = None,
                 global_clipnorm: float | None = None):
        if isinstance(learning_rate, schedules.LearningRateSchedule):
            self.learning_rate = learning_rate
        else:
            self.learning_rate = check_real(learning_rate, "learning_rate",
                                            minimum=0.0, exclusive_min=True)
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError("give clipnorm or global_clipnorm, not both")
        self.clipnorm = None if clipnorm is None else check_real(
            clipnorm, "clipnorm", minimum=0.0, exclusive_min=True)
        self.global_clipnorm = None if global_clipnorm is None else check_real(
            global_clipnorm, "global_clipnorm", minimum=0.0, exclusive_min=True)
        self.iterations = 0
        self.state: list[dict[str, np.ndarray]] | None = None

    def current_learning_rate(self) -> float:
        """The rate for the next step: schedule(iterations) or the constant."""
        if isinstance(self.learning_rate, schedules.LearningRateSchedule):
            return float(self.learning_rate(self.iterations))
        return self.learning_rate

    def build(self, params: list[np.ndarray]) -> None:
        """Zero state for each slot of each parameter."""
        self.state = [{slot: np.zeros_like(p) for slot in self.slots} for p in params]

    def clip(self, grads: list[np.ndarray]) -> list[np.ndarray]:
        """Apply clipnorm (per tensor) or global_clipnorm (all tensors together)."""
        if self.clipnorm is not None:
            c = self.clipnorm
            return [g * c / max(float(np.sqrt(np.sum(g * g))), c) for g in grads]
        if self.global_clipnorm is not None:
            c = self.global_clipnorm
            G = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
            if G == 0.0:
                return grads
            return [g * (c * min(1.0 / G, 1.0 / c)) for g in grads]
        return grads

    def apply(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """One optimisation step, updating every parameter array in place."""
        if self.state is None:
            self.build(params)
        lr = self.current_learning_rate()
        for W, g, state in zip(params, self.clip(grads), self.state):
            self.update_step(W, g, lr, state)
        self.iterations += 1

    def update_step(self, W: np.ndarray, g: np.ndarray, lr: float, state: dict) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        lr = self.learning_rate
        config = {"name": self.name,
                  "learning_rate": lr.get_config() if not isinstance(lr, float) else lr,
                  "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm}
        config.update(self._hyper())
        return config

    def _hyper(self) -> dict:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, Keras convention.

    ``momentum == 0``: ``W -= g * lr``.
    Otherwise ``v = momentum * v - lr * g`` and ``W += v``, or with ``nesterov=True``
    ``W += momentum * v - lr * g`` (using the new ``v``). PyTorch keeps ``b = mu b + g`` and
    multiplies by lr afterwards: the same for a constant lr, different under a schedule.
    """

    name = "sgd"

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = check_real(momentum, "momentum", minimum=0.0, maximum=1.0,
                                   exclusive_max=True)
        self.nesterov = bool(nesterov)
        self.slots = ("velocity",) if self.momentum > 0 else ()

    def update_step(self, W, g, lr, state):
        if self.momentum == 0:
            W -= g * lr
            return
        v = state["velocity"]
        v *= self.momentum
        v -= g * lr                       # v = momentum * v - lr * g
        if self.nesterov:
            W += v * self.momentum - g * lr
        else:
            W += v

    def _hyper(self):
        return {"momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam, Keras convention (epsilon outside the sqrt, on the uncorrected v).

    ``t = iterations + 1``; ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``;
    ``m += (g - m) * (1 - beta_1)``; ``v += (g * g - v) * (1 - beta_2)``;
    ``W -= m * alpha / (sqrt(v) + epsilon)``. In ``beta**t`` the betas are rounded to float32,
    as Keras does with its (Python float) defaults; ``1 - beta`` uses them exactly, as Keras.
    """

    name = "adam"
    slots = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_real(beta_1, "beta_1", minimum=0.0, maximum=1.0, exclusive_max=True)
        self.beta_2 = check_real(beta_2, "beta_2", minimum=0.0, maximum=1.0, exclusive_max=True)
        self.epsilon = check_real(epsilon, "epsilon", minimum=0.0, exclusive_min=True)

    def update_step(self, W, g, lr, state):
        t = self.iterations + 1
        # Keras's ops.cast(beta, float64) goes through a float32 tensor for a Python float
        beta_1, beta_2 = float(np.float32(self.beta_1)), float(np.float32(self.beta_2))
        alpha = lr * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        m, v = state["m"], state["v"]
        m += (g - m) * (1 - self.beta_1)
        v += (g * g - v) * (1 - self.beta_2)
        W -= (m * alpha) / (np.sqrt(v) + self.epsilon)

    def _hyper(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """RMSprop, Keras convention (epsilon inside the sqrt, lr folded into the momentum buffer).

    ``v = rho * v + (1 - rho) * g**2``; ``inc = lr * g / sqrt(v + epsilon)`` (centered:
    ``a = rho * a + (1 - rho) * g`` and ``sqrt(v - a**2 + epsilon)``); with momentum
    ``mom = momentum * mom + inc; W -= mom``, else ``W -= inc``.
    """

    name = "rmsprop"

    def __init__(self, learning_rate=0.001, rho: float = 0.9, epsilon: float = 1e-7,
                 momentum: float = 0.0, centered: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_real(rho, "rho", minimum=0.0, maximum=1.0, exclusive_max=True)
        self.epsilon = check_real(epsilon, "epsilon", minimum=0.0, exclusive_min=True)
        self.momentum = check_real(momentum, "momentum", minimum=0.0, maximum=1.0,
                                   exclusive_max=True)
        self.centered = bool(centered)
        self.slots = ("v",) + (("momentum",) if self.momentum > 0 else ()) + (
            ("average_gradient",) if self.centered else ())

    def update_step(self, W, g, lr, state):
        v = state["v"]
        v[...] = self.rho * v + (1 - self.rho) * (g * g)
        if self.centered:
            a = state["average_gradient"]
            a[...] = self.rho * a + (1 - self.rho) * g
            denominator = v - a * a + self.epsilon
        else:
            denominator = v + self.epsilon
        increment = lr * g / np.sqrt(denominator)
        if self.momentum > 0:
            mom = state["momentum"]
            mom[...] = self.momentum * mom + increment
            W -= mom
        else:
            W -= increment

    def _hyper(self):
        return {"rho": self.rho, "epsilon": self.epsilon, "momentum": self.momentum,
                "centered": self.centered}


_REGISTRY = Registry("optimizer", [SGD, Adam, RMSprop])
NAMES = _REGISTRY.names


def get(identifier, **kwargs) -> Optimizer:
    """An Optimizer from its name ("sgd", "adam", "rmsprop") or itself."""
    return _REGISTRY.get(identifier, Optimizer, **kwargs)


def from_config(config: dict) -> Optimizer:
    """Rebuild an optimizer (without its state) from ``get_config()``."""
    config = dict(config)
    name = config.pop("name")
    if isinstance(config["learning_rate"], dict):
        config["learning_rate"] = schedules.from_config(config["learning_rate"])
    return get(name, **config)
