"""Stochastic gradient descent with momentum and Nesterov momentum (Keras's convention)."""

from __future__ import annotations

import numpy as np

from npmlp._validation import check_real
from npmlp.optimizers.base import Optimizer


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

    def update_step(self, W, g, lr, state, tmp):
        step, t = tmp
        np.multiply(g, lr, out=step)                 # lr * g
        if "velocity" not in state:                  # momentum == 0 (no slot)
            np.subtract(W, step, out=W)              # W -= g * lr
            return
        v = state["velocity"]
        np.multiply(v, self.momentum, out=v)
        np.subtract(v, step, out=v)                  # v = momentum * v - lr * g
        if self.nesterov:
            np.multiply(v, self.momentum, out=t)
            np.subtract(t, step, out=t)
            np.add(W, t, out=W)                      # W += momentum * v - lr * g
        else:
            np.add(W, v, out=W)                      # W += v

    def _hyper(self):
        return {"momentum": self.momentum, "nesterov": self.nesterov}
