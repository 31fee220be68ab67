"""Activation functions, each with its derivative beside it.

Every activation maps the pre-activation ``Z`` (shape ``(m, k)``, rows are samples) to
``A = g(Z)``; ``backward(dA, Z, A)`` returns ``dZ = dA * g'(Z)`` (softmax, whose Jacobian is
not diagonal, applies the Jacobian-vector product instead), and ``derivative(Z)`` is ``g'(Z)``
itself. Sigmoid and tanh take ``g'`` from the cached ``A`` because it is cheapest there.

Both directions follow NumPy's ``out=`` idiom: with ``out`` (and a ``Workspace`` for the
intermediate results) nothing is allocated, which is how the training loop calls them; without,
they allocate, which is how a reader or a test calls them. Either way it is the same code.
"""

from __future__ import annotations

import functools

import numpy as np

from npmlp._registry import Registry
from npmlp._validation import check_real
from npmlp.nn.workspace import Workspace


def _work(work: Workspace | None, Z: np.ndarray) -> Workspace:
    return Workspace.like(Z) if work is None else work


@functools.cache
def exp_neg_cap(dtype) -> np.generic:
    """The largest x that ``exp_neg`` exponentiates: floor(-ln(tiny) / 2) in dtype."""
    dtype = np.dtype(dtype)
    return dtype.type(np.floor(-np.log(np.finfo(dtype).tiny) / 2))


def exp_neg(X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """exp(-x) for x >= 0, with x capped at half the exponent range (354 in float64, 43 in
    float32), so exp(-x) and products of two such values stay normal numbers.

    The cap changes results by less than 1e-18 absolute (float32; 1e-153 in float64) and
    keeps ``np.errstate(all="raise")`` from tripping on underflow for huge |z|.
    """
    X = np.asarray(X)
    dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)
    out = np.minimum(X, exp_neg_cap(dtype), out=out)
    np.negative(out, out=out)
    return np.exp(out, out=out)


class Activation:
    """Base class: ``forward(Z) -> A``, ``backward(dA, Z, A) -> dZ``, ``derivative(Z) -> g'(Z)``."""

    name = "activation"

    def forward(self, Z: np.ndarray, out: np.ndarray | None = None,
                work: Workspace | None = None) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, Z: np.ndarray, A: np.ndarray | None = None) -> np.ndarray:
        """g'(Z) elementwise (a new array): ``backward`` of a gradient of ones."""
        Z = np.asarray(Z)
        A = self.forward(Z) if A is None else A
        return self.backward(np.ones_like(A), Z, A)

    def backward(self, dA: np.ndarray, Z: np.ndarray, A: np.ndarray,
                 out: np.ndarray | None = None, work: Workspace | None = None) -> np.ndarray:
        """dZ = dA * g'(Z), elementwise. A subclass overrides this (in place, with ``out``)
        or ``derivative`` (simplest: this default multiplies by it)."""
        return np.multiply(dA, self.derivative(Z, A), out=out)

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        return self.forward(np.asarray(Z))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def get_config(self) -> dict:
        return {"name": self.name}


class Sigmoid(Activation):
    """g(z) = 1 / (1 + exp(-z)); g'(z) = g(z) (1 - g(z)).

    Computed without overflow: with E = exp(-|z|) <= 1, g = 1 / (1 + E) where z >= 0 and
    E / (1 + E) where z < 0. ``forward`` leaves E in ``work.T`` (the logits-path loss reads it).
    """

    name = "sigmoid"

    def forward(self, Z, out=None, work=None):
        w = _work(work, Z)
        A = np.empty((w.m, w.k), w.dtype) if out is None else out
        E = np.abs(Z, out=w.T)
        exp_neg(E, out=E)                            # E = exp(-|Z|)
        np.add(E, 1, out=A)                          # 1 + E
        np.divide(E, A, out=w.S)                     # E / (1 + E)    (taken where z < 0)
        np.divide(1, A, out=A)                       # 1 / (1 + E)    (taken where z >= 0)
        np.less(Z, 0, out=w.mask)
        np.copyto(A, w.S, where=w.mask)
        return A

    def backward(self, dA, Z, A, out=None, work=None):
        T = np.subtract(1, A, out=None if work is None else work.T)
        np.multiply(A, T, out=T)                     # g'(Z) = A (1 - A)
        return np.multiply(dA, T, out=out)           # dZ = dA * g'(Z)


class ReLU(Activation):
    """g(z) = max(z, 0); g'(z) = 1 where z > 0 else 0 (so relu'(0) = 0, as in TensorFlow)."""

    name = "relu"

    def forward(self, Z, out=None, work=None):
        # Against a zeros array: NumPy's maximum has no fast loop for a scalar operand.
        zeros = 0 if work is None else work.zeros
        return np.maximum(Z, zeros, out=out)         # A = max(Z, 0)

    def backward(self, dA, Z, A, out=None, work=None):
        mask = np.greater(Z, 0, out=None if work is None else work.mask)   # g'(Z) = [Z > 0]
        return np.multiply(dA, mask, out=out)        # dZ = dA * g'(Z)


class Tanh(Activation):
    """g(z) = tanh(z); g'(z) = 1 - tanh(z)^2."""

    name = "tanh"

    def forward(self, Z, out=None, work=None):
        return np.tanh(Z, out=out)

    def backward(self, dA, Z, A, out=None, work=None):
        T = np.multiply(A, A, out=None if work is None else work.T)
        np.subtract(1, T, out=T)                     # g'(Z) = 1 - A^2
        return np.multiply(dA, T, out=out)           # dZ = dA * g'(Z)


class LeakyReLU(Activation):
    """g(z) = z if z > 0 else alpha z; g'(z) = 1 if z > 0 else alpha (Keras default alpha = 0.2).

    The slope is applied as float32(alpha), as Keras does (tf.nn.leaky_relu keeps it in a
    float32 attribute): 0.2 acts as 0.20000000298023224 in float64.
    """

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.2):
        self.alpha = check_real(alpha, "alpha", minimum=0.0)
        self.slope = float(np.float32(self.alpha))

    def forward(self, Z, out=None, work=None):
        positive = np.greater(Z, 0, out=None if work is None else work.mask)
        A = np.multiply(Z, self.slope, out=out)      # alpha z
        np.copyto(A, Z, where=positive)              # z where z > 0
        return A

    def backward(self, dA, Z, A, out=None, work=None):
        w = _work(work, Z)
        np.greater(Z, 0, out=w.mask)
        w.T.fill(self.slope)
        np.copyto(w.T, 1, where=w.mask)              # g'(Z) = 1 if Z > 0 else alpha
        return np.multiply(dA, w.T, out=out)

    def get_config(self):
        return {"name": self.name, "alpha": self.alpha}

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class Linear(Activation):
    """g(z) = z; g'(z) = 1."""

    name = "linear"

    def forward(self, Z, out=None, work=None):
        if out is None or out is Z:
            return Z
        np.copyto(out, Z)
        return out

    def backward(self, dA, Z, A, out=None, work=None):
        return self.forward(dA, out)


class Softmax(Activation):
    """A_ij = exp(z_ij - max_j z_ij) / sum_j exp(z_ij - max_j z_ij), row by row.

    ``derivative`` returns the full Jacobian ``dA_i/dZ_i`` of shape ``(m, k, k)``:
    ``J = diag(a) - a a^T``; ``backward`` applies it without building it:
    ``dZ = A * (dA - sum(dA * A, axis=1))``. ``forward`` leaves the row max in ``work.row`` and
    the row sum of the exponentials in ``work.row2`` (the logits-path loss reads them).
    """

    name = "softmax"

    def forward(self, Z, out=None, work=None):
        w = _work(work, Z)
        E = np.empty((w.m, w.k), w.dtype) if out is None else out
        M = np.maximum.reduce(Z, axis=-1, keepdims=True, out=w.row)   # max_j Z
        np.subtract(M, Z, out=E)
        exp_neg(E, out=E)                            # E = exp(Z - max_j Z)
        s = np.add.reduce(E, axis=-1, keepdims=True, out=w.row2)      # sum_j E
        return np.divide(E, s, out=E)                # A = E / sum_j E

    def derivative(self, Z, A=None):
        A = softmax(Z) if A is None else A
        return A[:, :, None] * np.eye(A.shape[1], dtype=A.dtype) - A[:, :, None] * A[:, None, :]

    def backward(self, dA, Z, A, out=None, work=None):
        w = _work(work, Z)
        np.multiply(dA, A, out=w.T)
        s = np.add.reduce(w.T, axis=-1, keepdims=True, out=w.row)     # sum_j dA A
        dZ = np.subtract(dA, s, out=out)
        return np.multiply(A, dZ, out=dZ)            # dZ = A * (dA - sum_j dA A)


def _apply(act: Activation, Z) -> np.ndarray:
    Z = np.asarray(Z)
    if Z.ndim == 2:
        return act.forward(Z)
    return act.forward(Z.reshape(-1, Z.shape[-1] if Z.ndim else 1)).reshape(Z.shape)


def _apply_derivative(act: Activation, Z) -> np.ndarray:
    Z = np.asarray(Z)
    if Z.ndim == 2:
        return act.derivative(Z)
    return act.derivative(Z.reshape(-1, Z.shape[-1] if Z.ndim else 1)).reshape(Z.shape)


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) without overflow (any shape)."""
    return _apply(Sigmoid(), Z)


def sigmoid_derivative(Z: np.ndarray) -> np.ndarray:
    """sigma'(z) = sigma(z) (1 - sigma(z)), at the pre-activation z."""
    return _apply_derivative(Sigmoid(), Z)


def relu(Z: np.ndarray) -> np.ndarray:
    """max(z, 0)."""
    return ReLU().forward(np.asarray(Z))


def relu_derivative(Z: np.ndarray) -> np.ndarray:
    """1 where z > 0 else 0 (relu'(0) = 0)."""
    return _apply_derivative(ReLU(), Z)


def tanh(Z: np.ndarray) -> np.ndarray:
    """tanh(z)."""
    return Tanh().forward(np.asarray(Z))


def tanh_derivative(Z: np.ndarray) -> np.ndarray:
    """1 - tanh(z)^2."""
    return _apply_derivative(Tanh(), Z)


def leaky_relu(Z: np.ndarray, alpha: float = 0.2) -> np.ndarray:
    """z if z > 0 else alpha z."""
    return LeakyReLU(alpha).forward(np.asarray(Z))


def leaky_relu_derivative(Z: np.ndarray, alpha: float = 0.2) -> np.ndarray:
    """1 if z > 0 else alpha."""
    return _apply_derivative(LeakyReLU(alpha), Z)


def linear(Z: np.ndarray) -> np.ndarray:
    """z."""
    return np.asarray(Z)


def linear_derivative(Z: np.ndarray) -> np.ndarray:
    """1."""
    return _apply_derivative(Linear(), Z)


def softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax over the last axis; subtracting the row max keeps exp from overflowing."""
    return _apply(Softmax(), Z)


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
