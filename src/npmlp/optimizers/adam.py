"""Adam (Keras's convention)."""

from __future__ import annotations

import math

import numpy as np

from npmlp._validation import check_real
from npmlp.optimizers.base import Optimizer


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

    def update_step(self, W, g, lr, state, tmp):
        t = self.iterations + 1
        # Keras's ops.cast(beta, float64) goes through a float32 tensor for a Python float
        beta_1, beta_2 = float(np.float32(self.beta_1)), float(np.float32(self.beta_2))
        alpha = lr * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        m, v = state["m"], state["v"]
        t0, t1 = tmp
        np.subtract(g, m, out=t0)
        np.multiply(t0, 1 - self.beta_1, out=t0)
        np.add(m, t0, out=m)                         # m += (g - m) * (1 - beta_1)
        np.multiply(g, g, out=t0)
        np.subtract(t0, v, out=t0)
        np.multiply(t0, 1 - self.beta_2, out=t0)
        np.add(v, t0, out=v)                         # v += (g * g - v) * (1 - beta_2)
        np.multiply(m, alpha, out=t0)
        np.sqrt(v, out=t1)
        np.add(t1, self.epsilon, out=t1)
        np.divide(t0, t1, out=t0)
        np.subtract(W, t0, out=W)                    # W -= m * alpha / (sqrt(v) + epsilon)

    def _hyper(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
