"""RMSprop, plain, with momentum, or centered (Keras's convention)."""

from __future__ import annotations

import numpy as np

from npmlp._validation import check_real
from npmlp.optimizers.base import Optimizer


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

    def update_step(self, W, g, lr, state, tmp):
        v = state["v"]
        t0, t1 = tmp
        np.multiply(g, g, out=t0)
        np.multiply(t0, 1 - self.rho, out=t0)
        np.multiply(v, self.rho, out=v)
        np.add(v, t0, out=v)                         # v = rho * v + (1 - rho) * g^2
        if self.centered:
            a = state["average_gradient"]
            np.multiply(g, 1 - self.rho, out=t0)
            np.multiply(a, self.rho, out=a)
            np.add(a, t0, out=a)                     # a = rho * a + (1 - rho) * g
            np.multiply(a, a, out=t1)
            np.subtract(v, t1, out=t1)
            np.add(t1, self.epsilon, out=t1)         # v - a^2 + epsilon
        else:
            np.add(v, self.epsilon, out=t1)          # v + epsilon
        np.multiply(g, lr, out=t0)
        np.sqrt(t1, out=t1)
        np.divide(t0, t1, out=t0)                    # inc = lr * g / sqrt(...)
        if "momentum" in state:                      # momentum > 0
            mom = state["momentum"]
            np.multiply(mom, self.momentum, out=mom)
            np.add(mom, t0, out=mom)                 # mom = momentum * mom + inc
            np.subtract(W, mom, out=W)
        else:
            np.subtract(W, t0, out=W)

    def _hyper(self):
        return {"rho": self.rho, "epsilon": self.epsilon, "momentum": self.momentum,
                "centered": self.centered}
