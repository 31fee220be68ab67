"""Dropout: inverted dropout, the identity at inference (Keras's ``Dropout``).

Training: each unit of each row is kept with probability ``1 - rate``; a kept unit is scaled by
``s = 1 / (1 - rate)`` so that the expected output equals the input:

    M_ij = [U_ij >= rate],  U_ij ~ Uniform[0, 1) from the model's generator
    A = (A_prev * M) * s                       forward
    dA_prev = (dA * M) * s                     backward (M is 0 or 1: exact in either order)

At inference (predict, evaluate, validation) ``A = A_prev``. The masks come from the model's
generator, so a seed reproduces a run and a saved generator state continues the same masks.
"""

from __future__ import annotations

import numpy as np

from npmlp._validation import check_real
from npmlp.nn.layers import Layer


class Dropout(Layer):
    """Inverted dropout of ``rate`` (the fraction of units zeroed in training), 0 <= rate < 1.

    The mask of the last training pass is ``work.keep`` (boolean, ``(m, units)``).
    """

    def __init__(self, rate: float):
        self.rate = check_real(rate, "rate", minimum=0.0, maximum=1.0, exclusive_max=True)
        self.scale = 1.0 / (1.0 - self.rate)
        self.rng: np.random.Generator | None = None

    def build(self, fan_in):
        self.units = fan_in
        return []

    def bind_state(self, arrays, rng):
        self.rng = rng

    def draw_mask(self, work) -> np.ndarray:
        """M = [U >= rate] for U uniform on [0, 1), into ``work.keep``."""
        U = work.T
        self.rng.random(dtype=U.dtype, out=U)
        return np.greater_equal(U, self.rate, out=work.keep)

    def pre_activation(self, A_prev, work, training=True, out=None):
        work.A_prev = A_prev
        if not training or self.rate == 0.0:     # Keras: the identity (no draw) at rate 0
            work.Z = A_prev
            return A_prev
        M = self.draw_mask(work)
        Z = np.multiply(A_prev, M, out=work.Z if out is None else out)   # A_prev * M
        Z = np.multiply(Z, self.scale, out=Z)                              #   * 1/(1 - rate)
        work.Z = Z
        return Z

    def forward(self, A_prev, work, training=True):
        """A = (A_prev * M) / (1 - rate) in training, A_prev at inference."""
        return self.pre_activation(A_prev, work, training, out=work.A)

    def backward_linear(self, dZ, work, dA_prev=None, trace=None):
        """dA_prev = (dZ * M) / (1 - rate)."""
        if trace is not None:
            trace("dZ", dZ)
        if dA_prev is None:
            return None
        if self.rate == 0.0:
            np.copyto(dA_prev, dZ)
            return dA_prev
        np.multiply(dZ, work.keep, out=dA_prev)
        return np.multiply(dA_prev, self.scale, out=dA_prev)

    def get_config(self) -> dict:
        return {"class": "Dropout", "rate": self.rate}

    def __repr__(self) -> str:
        return f"Dropout({self.rate})"
