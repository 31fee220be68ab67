"""BatchNormalization over the units of each row (Keras's ``BatchNormalization``, axis -1).

Forward in training, for a batch X (m, k), per unit j (written as Keras/TensorFlow compute it):

    mu    = sum_i X_i / m                        batch mean
    var   = sum_i (X_i - mu)^2 / m               batch variance (biased)
    inv   = 1 / sqrt(var + epsilon)
    Xhat  = (X - mu) * inv                       kept for backward
    Z     = X * (gamma * inv) + (beta - mu * gamma * inv)      (= gamma * Xhat + beta)
    moving_mean     <- moving_mean * momentum + mu * (1 - momentum)
    moving_variance <- moving_variance * momentum + var * (1 - momentum)

At inference ``mu, var`` are the moving statistics and nothing is updated.

Backward in training (the full one: through mu and var; derived in docs/layers.md):

    dgamma  = sum_i dZ_i * Xhat_i                dbeta = sum_i dZ_i
    dX      = gamma * inv * (dZ - dbeta / m - Xhat * dgamma / m)
"""

from __future__ import annotations

import numpy as np

from npmlp._validation import check_real
from npmlp.nn.layers import Layer


class BatchNormalization(Layer):
    """Normalise each unit over the batch, then scale by ``gamma`` and shift by ``beta``.

    ``momentum`` in [0, 1], ``epsilon`` > 0; ``center`` adds ``beta``, ``scale`` multiplies by
    ``gamma`` (trainable); ``moving_mean`` and ``moving_variance`` are not trained but updated
    in place by every training pass, saved, and used at inference.
    """

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True):
        self.momentum = check_real(momentum, "momentum", minimum=0.0, maximum=1.0)
        self.epsilon = check_real(epsilon, "epsilon", minimum=0.0, exclusive_min=True)
        for name, value in (("center", center), ("scale", scale)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be True or False, got {value!r}")
        self.center, self.scale = center, scale
        self.gamma = self.beta = self.dgamma = self.dbeta = None
        self.moving_mean = self.moving_variance = None

    def build(self, fan_in):
        self.units = fan_in
        return ([("gamma", (fan_in,))] if self.scale else []) + \
            ([("beta", (fan_in,))] if self.center else [])

    def state_shapes(self):
        return [("moving_mean", (self.units,)), ("moving_variance", (self.units,))]

    def bind(self, arrays, grads):
        arrays, grads = list(arrays), list(grads)
        if self.scale:
            self.gamma, self.dgamma = arrays.pop(0), grads.pop(0)
        if self.center:
            self.beta, self.dbeta = arrays.pop(0), grads.pop(0)

    def bind_state(self, arrays, rng):
        self.moving_mean, self.moving_variance = arrays

    def initialize(self, rng):
        """gamma = 1, beta = 0, moving_mean = 0, moving_variance = 1 (Keras's defaults)."""
        if self.gamma is not None:
            self.gamma[...] = 1
        if self.beta is not None:
            self.beta[...] = 0
        self.moving_mean[...] = 0
        self.moving_variance[...] = 1

    @property
    def params(self):
        return [p for p in (self.gamma, self.beta) if p is not None]

    @property
    def grads(self):
        return [g for g in (self.dgamma, self.dbeta) if g is not None]

    def batch_statistics(self, X, work):
        """mu (work.col), var (work.col2) of X; X - mu is left in work.Xhat."""
        m = X.shape[0]
        mu, var, D = work.col, work.col2, work.Xhat
        np.add.reduce(X, axis=0, out=mu)
        np.divide(mu, m, out=mu)                       # mu = sum(X) / m
        np.subtract(X, mu, out=D)                      # D = X - mu
        np.square(D, out=work.S)
        np.add.reduce(work.S, axis=0, out=var)
        np.divide(var, m, out=var)                     # var = sum(D^2) / m
        return mu, var

    def update_moving(self, mu, var, scratch):
        """moving <- moving * momentum + batch_stat * (1 - momentum), in place."""
        for moving, stat in ((self.moving_mean, mu), (self.moving_variance, var)):
            np.multiply(moving, self.momentum, out=moving)
            np.multiply(stat, 1.0 - self.momentum, out=scratch)
            np.add(moving, scratch, out=moving)

    def affine(self, mu: np.ndarray, var: np.ndarray, work) -> tuple[np.ndarray, np.ndarray]:
        """(g, offset) with Z = X * g + offset: inv = 1 / sqrt(var + epsilon) (work.col3),
        g = gamma * inv (work.col4), offset = beta - mu * g (work.col2; var may be work.col2:
        it is read first). The export to ONNX writes the inference ones as constants."""
        inv = work.col3
        np.add(var, self.epsilon, out=inv)
        np.sqrt(inv, out=inv)
        np.divide(1.0, inv, out=inv)                   # inv = 1 / sqrt(var + epsilon)
        g, offset = work.col4, work.col2
        if self.gamma is not None:
            np.multiply(inv, self.gamma, out=g)        # g = gamma * inv
        else:
            np.copyto(g, inv)
        np.multiply(mu, g, out=offset)
        np.negative(offset, out=offset)
        if self.beta is not None:
            np.add(self.beta, offset, out=offset)      # offset = beta - mu * g
        return g, offset

    def pre_activation(self, A_prev, work, training=True):
        m = A_prev.shape[0]
        work.A_prev = A_prev
        if training:
            if m == 1:
                raise ValueError(
                    "BatchNormalization got a training batch of one row: its variance is 0, "
                    "so the output would be beta whatever the input (Keras allows this and "
                    "learns nothing from the batch). Choose batch_size so that no batch, the "
                    "last one included, has a single row")
            mu, var = self.batch_statistics(A_prev, work)
            self.update_moving(mu, var, work.col4)
        else:
            mu, var = self.moving_mean, self.moving_variance
        g, offset = self.affine(mu, var, work)
        if training:                                   # Xhat = (X - mu) * inv, for backward
            np.multiply(work.Xhat, work.col3, out=work.Xhat)
        Z = np.multiply(A_prev, g, out=work.Z)
        return np.add(Z, offset, out=Z)                # Z = X * g + offset

    def backward_linear(self, dZ, work, dA_prev=None, trace=None):
        """dgamma = sum(dZ * Xhat), dbeta = sum(dZ), dX = g (dZ - dbeta/m - Xhat dgamma/m)."""
        if trace is not None:
            trace("dZ", dZ)
        m = dZ.shape[0]
        Xhat = work.Xhat
        sum_dz_xhat, sum_dz = work.col, work.col2
        np.multiply(dZ, Xhat, out=work.S)
        np.add.reduce(work.S, axis=0, out=sum_dz_xhat)
        np.add.reduce(dZ, axis=0, out=sum_dz)
        if self.dgamma is not None:
            np.copyto(self.dgamma, sum_dz_xhat)
        if self.dbeta is not None:
            np.copyto(self.dbeta, sum_dz)
        if dA_prev is None:
            return None
        np.divide(sum_dz_xhat, m, out=sum_dz_xhat)
        np.divide(sum_dz, m, out=sum_dz)
        np.multiply(Xhat, sum_dz_xhat, out=work.S)
        np.subtract(dZ, work.S, out=dA_prev)           # dZ - Xhat * dgamma / m
        np.subtract(dA_prev, sum_dz, out=dA_prev)      #    - dbeta / m
        return np.multiply(dA_prev, work.col4, out=dA_prev)   # * gamma * inv

    def get_config(self) -> dict:
        return {"class": "BatchNormalization", "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale}

    def __repr__(self) -> str:
        return f"BatchNormalization(momentum={self.momentum}, epsilon={self.epsilon})"
