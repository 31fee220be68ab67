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


def _reduce(per_sample, sample_weight=None) -> float:
    """sum_i w_i loss_i / m: Keras's sum_over_batch_size (divided by m, not by sum w)."""
    if sample_weight is not None:
        per_sample = per_sample * sample_weight
    return float(np.sum(per_sample) / per_sample.shape[0])


def _weigh(G, sample_weight=None):
    """Scale row i of a gradient by w_i."""
    return G if sample_weight is None else G * sample_weight[:, None]


def _clip(p):
    """p clipped to [EPSILON, 1 - EPSILON] and the mask where the clip is inactive."""
    lo, hi = p.dtype.type(EPSILON), p.dtype.type(1 - EPSILON)
    return np.clip(p, lo, hi), (p >= lo) & (p <= hi)


# --- binary cross-entropy -------------------------------------------------------------------


def binary_cross_entropy(y_true, y_pred_prob, sample_weight=None) -> float:
    """mean_i mean_j -(y log p + (1 - y) log(1 - p)), p clipped to [1e-7, 1 - 1e-7]."""
    Y, P = _as_2d(y_true, y_pred_prob)
    P, _ = _clip(P)
    L = -(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    return _reduce(np.mean(L, axis=1), sample_weight)


def binary_cross_entropy_derivative(y_true, y_pred_prob, sample_weight=None) -> np.ndarray:
    """dL/dp = (-y / p + (1 - y) / (1 - p)) / (m k), zero where p was clipped; shape (m, k)."""
    Y, P = _as_2d(y_true, y_pred_prob)
    Pc, inside = _clip(P)
    m, k = P.shape
    G = np.where(inside, (-Y / Pc + (1 - Y) / (1 - Pc)) / (m * k), 0).astype(P.dtype)
    return _weigh(G, sample_weight)


def binary_cross_entropy_from_logits(y_true, Z, sample_weight=None) -> float:
    """mean_i mean_j [max(z, 0) - z y + log1p(exp(-|z|))]: exact for every finite z."""
    Y, Z = _as_2d(y_true, Z)
    L = np.maximum(Z, 0) - Z * Y + np.log1p(exp_neg(np.abs(Z)))
    return _reduce(np.mean(L, axis=1), sample_weight)


# --- categorical cross-entropy --------------------------------------------------------------


def categorical_cross_entropy(y_true, y_pred_prob, sample_weight=None) -> float:
    """mean_i -sum_j y_ij log q_ij, q = clip(p / sum_j p) (Keras renormalises, then clips)."""
    Y, P = _as_2d(y_true, y_pred_prob)
    Q, _ = _clip(P / np.sum(P, axis=1, keepdims=True))
    return _reduce(-np.sum(Y * np.log(Q), axis=1), sample_weight)


def categorical_cross_entropy_derivative(y_true, y_pred_prob, sample_weight=None) -> np.ndarray:
    """dL/dp through q = p / S: dL/dp_k = (dL/dq_k - sum_j dL/dq_j q_j) / S, dL/dq = -y / (m q)."""
    Y, P = _as_2d(y_true, y_pred_prob)
    S = np.sum(P, axis=1, keepdims=True)
    Q, inside = _clip(P / S)
    dQ = np.where(inside, -Y / (Y.shape[0] * Q), 0).astype(P.dtype)
    return _weigh((dQ - np.sum(dQ * P / S, axis=1, keepdims=True)) / S, sample_weight)


def categorical_cross_entropy_from_logits(y_true, Z, sample_weight=None) -> float:
    """mean_i sum_j y_ij (lse_i - s_ij), s = z - max_j z, lse = log sum_j exp(s)."""
    Y, Z = _as_2d(y_true, Z)
    S = Z - np.max(Z, axis=1, keepdims=True)
    lse = np.log(np.sum(exp_neg(-S), axis=1, keepdims=True))
    return _reduce(np.sum(Y * (lse - S), axis=1), sample_weight)


# --- mean squared error ---------------------------------------------------------------------


def mean_squared_error(y_true, y_pred, sample_weight=None) -> float:
    """mean_i mean_j (p - y)^2."""
    Y, P = _as_2d(y_true, y_pred)
    return _reduce(np.mean((P - Y) ** 2, axis=1), sample_weight)


def mean_squared_error_derivative(y_true, y_pred, sample_weight=None) -> np.ndarray:
    """dL/dp = 2 (p - y) / (m k)."""
    Y, P = _as_2d(y_true, y_pred)
    return _weigh(2 * (P - Y) / P.size, sample_weight)


# --- loss objects used by the model ---------------------------------------------------------


class Loss:
    """A loss and its derivative on predictions; ``logits_activation`` names the output
    activation for which the exact logits path (loss from Z, dZ = (A - Y) / ...) applies.

    ``sample_weight`` (m,), where given, multiplies each sample's loss (and gradient row);
    the batch loss is still divided by m, as in Keras.
    """

    name = "loss"
    logits_activation: str | None = None
    _loss = _derivative = _from_logits = None

    def __call__(self, Y: np.ndarray, A: np.ndarray, sample_weight=None) -> float:
        return type(self)._loss(Y, A, sample_weight)

    def derivative(self, Y: np.ndarray, A: np.ndarray, sample_weight=None) -> np.ndarray:
        return type(self)._derivative(Y, A, sample_weight)

    def from_logits(self, Y: np.ndarray, Z: np.ndarray, sample_weight=None) -> float:
        return type(self)._from_logits(Y, Z, sample_weight)

    def logits_gradient(self, Y: np.ndarray, A: np.ndarray, sample_weight=None) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class BinaryCrossEntropy(Loss):
    """-(y log p + (1 - y) log(1 - p)); with a sigmoid output dZ = (A - Y) / (m k)."""

    name = "binary_crossentropy"
    logits_activation = "sigmoid"
    _loss = staticmethod(binary_cross_entropy)
    _derivative = staticmethod(binary_cross_entropy_derivative)
    _from_logits = staticmethod(binary_cross_entropy_from_logits)

    def logits_gradient(self, Y, A, sample_weight=None):
        return _weigh((A - Y) / A.size, sample_weight)


class CategoricalCrossEntropy(Loss):
    """-sum_j y_j log p_j; with a softmax output dZ = (A - Y) / m."""

    name = "categorical_crossentropy"
    logits_activation = "softmax"
    _loss = staticmethod(categorical_cross_entropy)
    _derivative = staticmethod(categorical_cross_entropy_derivative)
    _from_logits = staticmethod(categorical_cross_entropy_from_logits)

    def logits_gradient(self, Y, A, sample_weight=None):
        return _weigh((A - Y) / A.shape[0], sample_weight)


class MeanSquaredError(Loss):
    """(p - y)^2 averaged; dA = 2 (A - Y) / (m k)."""

    name = "mean_squared_error"
    _loss = staticmethod(mean_squared_error)
    _derivative = staticmethod(mean_squared_error_derivative)


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
