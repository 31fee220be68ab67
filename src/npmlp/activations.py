"""Activation functions, each with its derivative beside it.

Every activation maps the pre-activation ``Z`` (shape ``(m, k)``, rows are samples) to
``A = g(Z)``. ``derivative(Z)`` is ``g'(Z)`` taken at the pre-activation, and
``backward(dA, Z, A)`` returns ``dZ = dA * g'(Z)`` (softmax, whose Jacobian is not diagonal,
overrides it with the Jacobian-vector product). Sigmoid and tanh reuse the cached ``A``
because ``g'`` is cheapest from the output.
"""

from __future__ import annotations

import numpy as np

from npmlp._registry import Registry
from npmlp._validation import check_real


class Activation:
    """Base class: ``forward(Z) -> A``, ``derivative(Z) -> g'(Z)``, ``backward(dA, Z, A) -> dZ``."""

    name = "activation"

    def forward(self, Z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, Z: np.ndarray, A: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dA: np.ndarray, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        """dZ = dA * g'(Z), elementwise."""
        return dA * self.derivative(Z, A)

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        return self.forward(Z)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def get_config(self) -> dict:
        return {"name": self.name}


class Sigmoid(Activation):
    """g(z) = 1 / (1 + exp(-z)); g'(z) = g(z) (1 - g(z))."""

    name = "sigmoid"

    def forward(self, Z):
        return sigmoid(Z)

    def derivative(self, Z, A=None):
        A = sigmoid(Z) if A is None else A
        return A * (1 - A)


class ReLU(Activation):
    """g(z) = max(z, 0); g'(z) = 1 where z > 0 else 0 (so relu'(0) = 0, as in TensorFlow)."""

    name = "relu"

    def forward(self, Z):
        return np.maximum(Z, 0)

    def derivative(self, Z, A=None):
        return (Z > 0).astype(Z.dtype)


class Tanh(Activation):
    """g(z) = tanh(z); g'(z) = 1 - tanh(z)^2."""

    name = "tanh"

    def forward(self, Z):
        return np.tanh(Z)

    def derivative(self, Z, A=None):
        A = np.tanh(Z) if A is None else A
        return 1 - A * A


class LeakyReLU(Activation):
    """g(z) = z if z > 0 else alpha z; g'(z) = 1 if z > 0 else alpha (Keras default alpha = 0.2).

    The slope is applied as float32(alpha), as Keras does (tf.nn.leaky_relu keeps it in a
    float32 attribute): 0.2 acts as 0.20000000298023224 in float64.
    """

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.2):
        self.alpha = check_real(alpha, "alpha", minimum=0.0)
        self.slope = float(np.float32(self.alpha))

    def forward(self, Z):
        return np.where(Z > 0, Z, self.slope * Z)

    def derivative(self, Z, A=None):
        return np.where(Z > 0, 1, self.slope).astype(Z.dtype)

    def get_config(self):
        return {"name": self.name, "alpha": self.alpha}

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class Linear(Activation):
    """g(z) = z; g'(z) = 1."""

    name = "linear"

    def forward(self, Z):
        return Z

    def derivative(self, Z, A=None):
        return np.ones_like(Z)

    def backward(self, dA, Z, A):
        return dA


class Softmax(Activation):
    """A_ij = exp(z_ij - max_j z_ij) / sum_j exp(z_ij - max_j z_ij), row by row.

    ``derivative`` returns the full Jacobian ``dA_i/dZ_i`` of shape ``(m, k, k)``:
    ``J = diag(a) - a a^T``. ``backward`` applies it without building it:
    ``dZ = A * (dA - sum(dA * A, axis=1))``.
    """

    name = "softmax"

    def forward(self, Z):
        return softmax(Z)

    def derivative(self, Z, A=None):
        A = softmax(Z) if A is None else A
        return A[:, :, None] * np.eye(A.shape[1], dtype=A.dtype) - A[:, :, None] * A[:, None, :]

    def backward(self, dA, Z, A):
        return A * (dA - np.sum(dA * A, axis=1, keepdims=True))


def exp_neg(X: np.ndarray) -> np.ndarray:
    """exp(-x) for x >= 0, with x capped at half the exponent range (354 in float64, 43 in
    float32), so exp(-x) and products of two such values stay normal numbers.

    The cap changes results by less than 1e-18 absolute (float32; 1e-153 in float64) and
    keeps ``np.errstate(all="raise")`` from tripping on underflow for huge |z|.
    """
    dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.dtype(np.float64)
    return np.exp(-np.minimum(X, exp_neg_cap(dtype)))


def exp_neg_cap(dtype) -> np.generic:
    """The largest x that ``exp_neg`` exponentiates: floor(-ln(tiny) / 2) in dtype."""
    dtype = np.dtype(dtype)
    return dtype.type(np.floor(-np.log(np.finfo(dtype).tiny) / 2))


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) without overflow: exp is only ever taken of -|z|."""
    Z = np.asarray(Z)
    E = exp_neg(np.abs(Z))
    # z >= 0: 1 / (1 + e^-z);  z < 0: e^z / (1 + e^z); both use E = e^-|z| <= 1.
    return np.where(Z >= 0, 1 / (1 + E), E / (1 + E))


def sigmoid_derivative(Z: np.ndarray) -> np.ndarray:
    """sigma'(z) = sigma(z) (1 - sigma(z)), at the pre-activation z."""
    return Sigmoid().derivative(np.asarray(Z))


def relu(Z: np.ndarray) -> np.ndarray:
    """max(z, 0)."""
    return np.maximum(Z, 0)


def relu_derivative(Z: np.ndarray) -> np.ndarray:
    """1 where z > 0 else 0 (relu'(0) = 0)."""
    return ReLU().derivative(np.asarray(Z))


def tanh(Z: np.ndarray) -> np.ndarray:
    """tanh(z)."""
    return np.tanh(Z)


def tanh_derivative(Z: np.ndarray) -> np.ndarray:
    """1 - tanh(z)^2."""
    return Tanh().derivative(np.asarray(Z))


def leaky_relu(Z: np.ndarray, alpha: float = 0.2) -> np.ndarray:
    """z if z > 0 else alpha z."""
    return LeakyReLU(alpha).forward(np.asarray(Z))


def leaky_relu_derivative(Z: np.ndarray, alpha: float = 0.2) -> np.ndarray:
    """1 if z > 0 else alpha."""
    return LeakyReLU(alpha).derivative(np.asarray(Z))


def linear(Z: np.ndarray) -> np.ndarray:
    """z."""
    return np.asarray(Z)


def linear_derivative(Z: np.ndarray) -> np.ndarray:
    """1."""
    return np.ones_like(np.asarray(Z))


def softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax; subtracting the row max keeps exp from overflowing."""
    Z = np.asarray(Z)
    E = exp_neg(np.max(Z, axis=-1, keepdims=True) - Z)
    return E / np.sum(E, axis=-1, keepdims=True)


def softmax_derivative(Z: np.ndarray) -> np.ndarray:
    """Jacobian of each row, shape (m, k, k): diag(a) - a a^T."""
    return Softmax().derivative(np.asarray(Z))


_REGISTRY = Registry("activation", [Sigmoid, ReLU, Tanh, LeakyReLU, Linear, Softmax])
NAMES = _REGISTRY.names


def get(identifier: str | Activation | None, **kwargs) -> Activation:
    """An Activation from its name ("relu") or itself; None means linear."""
    if identifier is None:
        return Linear()
    return _REGISTRY.get(identifier, Activation, **kwargs)
