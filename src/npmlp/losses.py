"""Losses, each with its derivative beside it.

Shapes: ``y_true`` and ``y_pred`` are ``(m, k)`` (a binary ``(m,)`` target is read as
``(m, 1)``). Every loss is averaged over the ``k`` outputs, then over the ``m`` samples
(Keras's ``sum_over_batch_size``), and every derivative is the gradient of that batch mean,
so the ``1/m`` of ``dW = A_prev.T @ dZ / m`` is already inside it.

Probability-space losses clip ``y_pred`` to ``[EPSILON, 1 - EPSILON]``; their derivatives are
taken through the same clip (zero where it is active). In training, a sigmoid output with
binary cross-entropy and a softmax output with categorical cross-entropy use the logits path
instead: the loss from ``Z`` (exact for any ``Z``, no clipping) and ``dZ = (A - Y) / m``
(divided by ``k`` too for binary cross-entropy), which is what Keras does.
"""

from __future__ import annotations

import numpy as np

from npmlp._registry import Registry
from npmlp.activations import exp_neg

EPSILON = 1e-7


def _as_2d(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true, dtype=y_pred.dtype)
    if y_pred.ndim == 1:
        y_pred = y_pred[:, None]
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    return y_true, y_pred


def _clip(p):
    """p clipped to [EPSILON, 1 - EPSILON] and the mask where the clip is inactive."""
    lo, hi = p.dtype.type(EPSILON), p.dtype.type(1 - EPSILON)
    return np.clip(p, lo, hi), (p >= lo) & (p <= hi)


# --- binary cross-entropy -------------------------------------------------------------------


def binary_cross_entropy(y_true, y_pred_prob) -> float:
    """mean_i mean_j -(y log p + (1 - y) log(1 - p)), p clipped to [1e-7, 1 - 1e-7]."""
    Y, P = _as_2d(y_true, y_pred_prob)
    P, _ = _clip(P)
    L = -(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    return float(np.sum(np.mean(L, axis=1)) / L.shape[0])


def binary_cross_entropy_derivative(y_true, y_pred_prob) -> np.ndarray:
    """dL/dp = (-y / p + (1 - y) / (1 - p)) / (m k), zero where p was clipped; shape (m, k)."""
    Y, P = _as_2d(y_true, y_pred_prob)
    Pc, inside = _clip(P)
    m, k = P.shape
    return np.where(inside, (-Y / Pc + (1 - Y) / (1 - Pc)) / (m * k), 0).astype(P.dtype)


def binary_cross_entropy_from_logits(y_true, Z) -> float:
    """mean_i mean_j [max(z, 0) - z y + log1p(exp(-|z|))]: exact for every finite z."""
    Y, Z = _as_2d(y_true, Z)
    L = np.maximum(Z, 0) - Z * Y + np.log1p(exp_neg(np.abs(Z)))
    return float(np.sum(np.mean(L, axis=1)) / L.shape[0])


# --- categorical cross-entropy --------------------------------------------------------------


def categorical_cross_entropy(y_true, y_pred_prob) -> float:
    """mean_i -sum_j y_ij log q_ij, q = clip(p / sum_j p) (Keras renormalises, then clips)."""
    Y, P = _as_2d(y_true, y_pred_prob)
    Q, _ = _clip(P / np.sum(P, axis=1, keepdims=True))
    return float(np.sum(-np.sum(Y * np.log(Q), axis=1)) / Y.shape[0])


def categorical_cross_entropy_derivative(y_true, y_pred_prob) -> np.ndarray:
    """dL/dp through q = p / S: dL/dp_k = (dL/dq_k - sum_j dL/dq_j q_j) / S, dL/dq = -y / (m q)."""
    Y, P = _as_2d(y_true, y_pred_prob)
    S = np.sum(P, axis=1, keepdims=True)
    Q, inside = _clip(P / S)
    dQ = np.where(inside, -Y / (Y.shape[0] * Q), 0).astype(P.dtype)
    return (dQ - np.sum(dQ * P / S, axis=1, keepdims=True)) / S


def categorical_cross_entropy_from_logits(y_true, Z) -> float:
    """mean_i sum_j y_ij (lse_i - s_ij), s = z - max_j z, lse = log sum_j exp(s)."""
    Y, Z = _as_2d(y_true, Z)
    S = Z - np.max(Z, axis=1, keepdims=True)
    lse = np.log(np.sum(exp_neg(-S), axis=1, keepdims=True))
    return float(np.sum(np.sum(Y * (lse - S), axis=1)) / Y.shape[0])


# --- mean squared error ---------------------------------------------------------------------


def mean_squared_error(y_true, y_pred) -> float:
    """mean_i mean_j (p - y)^2."""
    Y, P = _as_2d(y_true, y_pred)
    return float(np.sum(np.mean((P - Y) ** 2, axis=1)) / Y.shape[0])


def mean_squared_error_derivative(y_true, y_pred) -> np.ndarray:
    """dL/dp = 2 (p - y) / (m k)."""
    Y, P = _as_2d(y_true, y_pred)
    return 2 * (P - Y) / P.size


# --- loss objects used by the model ---------------------------------------------------------


class Loss:
    """A loss and its derivative on predictions; ``logits_activation`` names the output
    activation for which the exact logits path (loss from Z, dZ = (A - Y) / ...) applies."""

    name = "loss"
    logits_activation: str | None = None

    def __call__(self, Y: np.ndarray, A: np.ndarray) -> float:
        raise NotImplementedError

    def derivative(self, Y: np.ndarray, A: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def from_logits(self, Y: np.ndarray, Z: np.ndarray) -> float:
        raise NotImplementedError

    def logits_gradient(self, Y: np.ndarray, A: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class BinaryCrossEntropy(Loss):
    """-(y log p + (1 - y) log(1 - p)); with a sigmoid output dZ = (A - Y) / (m k)."""

    name = "binary_crossentropy"
    logits_activation = "sigmoid"

    def __call__(self, Y, A):
        return binary_cross_entropy(Y, A)

    def derivative(self, Y, A):
        return binary_cross_entropy_derivative(Y, A)

    def from_logits(self, Y, Z):
        return binary_cross_entropy_from_logits(Y, Z)

    def logits_gradient(self, Y, A):
        return (A - Y) / A.size


class CategoricalCrossEntropy(Loss):
    """-sum_j y_j log p_j; with a softmax output dZ = (A - Y) / m."""

    name = "categorical_crossentropy"
    logits_activation = "softmax"

    def __call__(self, Y, A):
        return categorical_cross_entropy(Y, A)

    def derivative(self, Y, A):
        return categorical_cross_entropy_derivative(Y, A)

    def from_logits(self, Y, Z):
        return categorical_cross_entropy_from_logits(Y, Z)

    def logits_gradient(self, Y, A):
        return (A - Y) / A.shape[0]


class MeanSquaredError(Loss):
    """(p - y)^2 averaged; dA = 2 (A - Y) / (m k)."""

    name = "mean_squared_error"

    def __call__(self, Y, A):
        return mean_squared_error(Y, A)

    def derivative(self, Y, A):
        return mean_squared_error_derivative(Y, A)


_REGISTRY = Registry(
    "loss",
    [BinaryCrossEntropy, CategoricalCrossEntropy, MeanSquaredError],
    aliases={
        "binary_cross_entropy": "binary_crossentropy",
        "bce": "binary_crossentropy",
        "categorical_cross_entropy": "categorical_crossentropy",
        "sparse_categorical_crossentropy": "categorical_crossentropy",
        "cce": "categorical_crossentropy",
        "mse": "mean_squared_error",
    },
)
NAMES = _REGISTRY.names


def get(identifier: str | Loss) -> Loss:
    """A Loss from its name (Keras's or the seed's spelling) or itself."""
    return _REGISTRY.get(identifier, Loss)


def default_for(activation_name: str) -> Loss:
    """The loss that pairs with an output activation: sigmoid -> BCE, softmax -> CE, else MSE."""
    return {"sigmoid": BinaryCrossEntropy, "softmax": CategoricalCrossEntropy}.get(
        activation_name, MeanSquaredError
    )()
