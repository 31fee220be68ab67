"""Losses, each with its derivative beside it.

Shapes: ``Y`` (targets) and ``A`` (predictions) are ``(m, k)`` (the module-level functions also
read a binary ``(m,)`` target as ``(m, 1)``). Every loss is averaged over the ``k`` outputs,
then over the ``m`` samples (Keras's ``sum_over_batch_size``), and every derivative is the
gradient of that batch mean, so the ``1/m`` of ``dW = A_prev.T @ dZ / m`` is already inside it.
``sample_weight`` (m,), where given, multiplies each sample's loss (and gradient row); the batch
loss is still divided by m, as in Keras.

Probability-space losses clip ``A`` to ``[EPSILON, 1 - EPSILON]``; their derivatives are taken
through the same clip (zero where it is active). A sigmoid output with binary cross-entropy and
a softmax output with categorical cross-entropy use the logits path instead (Keras does the
same): the loss from ``Z`` (exact for any ``Z``, no clipping) and ``dZ = (A - Y) / m`` (divided
by ``k`` too for binary cross-entropy). That pairing is ``Loss.logits_activation``.

On a stack of K members (``npmlp.ensemble``: ``Y`` and ``A`` (K, m, k)) the same code gives
each member's batch loss, an array (K,): every reduction is over the last axes.
"""

from __future__ import annotations

import numpy as np

from npmlp._registry import Registry
from npmlp.nn.activations import Activation, Sigmoid, Softmax
from npmlp.nn.workspace import Workspace

EPSILON = 1e-7
_SIGMOID, _SOFTMAX = Sigmoid(), Softmax()


def _row_mean(L: np.ndarray, work: Workspace | None) -> np.ndarray:
    """mean_j L_ij, shape (m,) ((K, m) for a stack; a view of L when k = 1)."""
    if L.shape[-1] == 1:
        return L.reshape(L.shape[:-1])
    return np.mean(L, axis=-1, out=None if work is None else work.vec)


def _reduce(per_sample, sample_weight=None, work: Workspace | None = None):
    """sum_i w_i loss_i / m: Keras's sum_over_batch_size (divided by m, not by sum w).
    A float; for a stack (K, m) of members, an array (K,)."""
    if sample_weight is not None:
        per_sample = np.multiply(per_sample, sample_weight,
                                 out=None if work is None else work.vec)
    total = np.add.reduce(per_sample, axis=-1) / per_sample.shape[-1]
    return float(total) if per_sample.ndim == 1 else total


def _size(A: np.ndarray) -> int:
    """m k: the entries of one member's batch (A.size for a single model)."""
    return A.shape[-2] * A.shape[-1]


def _weigh(G, sample_weight=None):
    """Scale row i of a gradient by w_i (in place)."""
    if sample_weight is not None:
        np.multiply(G, sample_weight[:, None], out=G)
    return G


def _clip(p):
    """p clipped to [EPSILON, 1 - EPSILON] and the mask where the clip is inactive."""
    lo, hi = p.dtype.type(EPSILON), p.dtype.type(1 - EPSILON)
    return np.clip(p, lo, hi), (p >= lo) & (p <= hi)


def _into(out, G):
    if out is None:
        return G
    np.copyto(out, G)
    return out


class Loss:
    """A loss and its derivative on predictions A; with ``logits_activation`` (the output
    activation it pairs with) also the exact logits path: ``logits_forward`` and
    ``logits_gradient``."""

    name = "loss"
    logits_activation: type[Activation] | None = None

    def __call__(self, Y: np.ndarray, A: np.ndarray, sample_weight=None,
                 work: Workspace | None = None) -> float:
        """The batch-mean loss of predictions A (m, k)."""
        raise NotImplementedError

    def derivative(self, Y: np.ndarray, A: np.ndarray, sample_weight=None,
                   out: np.ndarray | None = None) -> np.ndarray:
        """dL/dA (m, k) of the batch-mean loss."""
        raise NotImplementedError

    def pairs_with(self, activation: Activation) -> bool:
        """True when the output activation allows the logits path."""
        return self.logits_activation is not None and activation.name == \
            self.logits_activation.name

    def logits_forward(self, Y: np.ndarray, Z: np.ndarray, A: np.ndarray, work: Workspace,
                       sample_weight=None) -> float:
        """A = g(Z) written into A, and the loss computed from Z (exact for every Z)."""
        raise NotImplementedError(f"{self.name} has no logits path")

    def from_logits(self, Y: np.ndarray, Z: np.ndarray, sample_weight=None) -> float:
        """The loss from the output pre-activation Z (m, k) alone."""
        work = Workspace.like(Z)
        return self.logits_forward(Y, Z, work.A, work, sample_weight)

    def logits_gradient(self, Y: np.ndarray, A: np.ndarray, sample_weight=None,
                        out: np.ndarray | None = None) -> np.ndarray:
        """dZ (m, k) of the batch-mean loss at the paired output activation."""
        raise NotImplementedError(f"{self.name} has no logits path")

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class BinaryCrossEntropy(Loss):
    """mean_j -(y log p + (1 - y) log(1 - p)); with a sigmoid output dZ = (A - Y) / (m k)."""

    name = "binary_crossentropy"
    logits_activation = Sigmoid

    def __call__(self, Y, A, sample_weight=None, work=None):
        P, _ = _clip(A)
        L = -(Y * np.log(P) + (1 - Y) * np.log(1 - P))
        return _reduce(np.mean(L, axis=-1), sample_weight)

    def derivative(self, Y, A, sample_weight=None, out=None):
        """dL/dp = (-y / p + (1 - y) / (1 - p)) / (m k), zero where p was clipped."""
        P, inside = _clip(A)
        G = np.where(inside, (-Y / P + (1 - Y) / (1 - P)) / _size(A), 0).astype(A.dtype)
        return _weigh(_into(out, G), sample_weight)

    def logits_forward(self, Y, Z, A, work, sample_weight=None):
        """mean_i mean_j [max(z, 0) - z y + log1p(exp(-|z|))]."""
        _SIGMOID.forward(Z, out=A, work=work)        # leaves E = exp(-|Z|) in work.T
        L = np.maximum(Z, work.zeros, out=work.L)    # L = max(Z, 0)
        np.multiply(Z, Y, out=work.S)
        np.subtract(L, work.S, out=L)                #     - Z * Y
        np.log1p(work.T, out=work.T)
        np.add(L, work.T, out=L)                     #     + log1p(exp(-|Z|))
        return _reduce(_row_mean(L, work), sample_weight, work)

    def logits_gradient(self, Y, A, sample_weight=None, out=None):
        dZ = np.subtract(A, Y, out=out)
        np.divide(dZ, _size(A), out=dZ)              # dZ = (A - Y) / (m k)
        return _weigh(dZ, sample_weight)


class CategoricalCrossEntropy(Loss):
    """-sum_j y_j log p_j; with a softmax output dZ = (A - Y) / m."""

    name = "categorical_crossentropy"
    logits_activation = Softmax

    def __call__(self, Y, A, sample_weight=None, work=None):
        """q = clip(p / sum_j p) (Keras renormalises, then clips)."""
        Q, _ = _clip(A / np.sum(A, axis=-1, keepdims=True))
        return _reduce(-np.sum(Y * np.log(Q), axis=-1), sample_weight)

    def derivative(self, Y, A, sample_weight=None, out=None):
        """Through q = p / S: dL/dp_k = (dL/dq_k - sum_j dL/dq_j q_j) / S, dL/dq = -y / (m q)."""
        S = np.sum(A, axis=-1, keepdims=True)
        Q, inside = _clip(A / S)
        dQ = np.where(inside, -Y / (Y.shape[-2] * Q), 0).astype(A.dtype)
        G = (dQ - np.sum(dQ * A / S, axis=-1, keepdims=True)) / S
        return _weigh(_into(out, G), sample_weight)

    def logits_forward(self, Y, Z, A, work, sample_weight=None):
        """mean_i sum_j y_ij (lse_i - s_ij), s = z - max_j z, lse = log sum_j exp(s)."""
        _SOFTMAX.forward(Z, out=A, work=work)        # leaves max_j Z in row, sum_j E in row2
        S = np.subtract(Z, work.row, out=work.L)     # s = Z - max_j Z
        lse = np.log(work.row2, out=work.row2)       # lse = log sum_j exp(s)
        np.subtract(lse, S, out=S)
        np.multiply(Y, S, out=S)                     # Y * (lse - s)
        per_sample = np.add.reduce(S, axis=-1, out=work.vec)
        return _reduce(per_sample, sample_weight, work)

    def logits_gradient(self, Y, A, sample_weight=None, out=None):
        dZ = np.subtract(A, Y, out=out)
        np.divide(dZ, A.shape[-2], out=dZ)           # dZ = (A - Y) / m
        return _weigh(dZ, sample_weight)


class MeanSquaredError(Loss):
    """mean_j (p - y)^2; dL/dA = 2 (A - Y) / (m k)."""

    name = "mean_squared_error"

    def __call__(self, Y, A, sample_weight=None, work=None):
        L = np.subtract(A, Y, out=None if work is None else work.L)
        np.square(L, out=L)                          # (A - Y)^2
        return _reduce(_row_mean(L, work), sample_weight, work)

    def derivative(self, Y, A, sample_weight=None, out=None):
        G = np.subtract(A, Y, out=out)
        np.multiply(G, 2, out=G)
        np.divide(G, _size(A), out=G)                # 2 (A - Y) / (m k)
        return _weigh(G, sample_weight)


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


# --- the same losses as plain functions of (y_true, y_pred) ---------------------------------


def _as_2d(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    if not np.issubdtype(y_pred.dtype, np.floating):
        y_pred = y_pred.astype(np.float64)
    y_true = np.asarray(y_true, dtype=y_pred.dtype)
    if y_pred.ndim == 1:
        y_pred = y_pred[:, None]
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    return y_true, y_pred


def _weights(sample_weight, Y):
    return None if sample_weight is None else np.asarray(sample_weight, dtype=Y.dtype)


def binary_cross_entropy(y_true, y_pred_prob, sample_weight=None) -> float:
    """mean_i mean_j -(y log p + (1 - y) log(1 - p)), p clipped to [1e-7, 1 - 1e-7]."""
    Y, P = _as_2d(y_true, y_pred_prob)
    return BinaryCrossEntropy()(Y, P, _weights(sample_weight, Y))


def binary_cross_entropy_derivative(y_true, y_pred_prob, sample_weight=None) -> np.ndarray:
    """dL/dp, shape (m, k)."""
    Y, P = _as_2d(y_true, y_pred_prob)
    return BinaryCrossEntropy().derivative(Y, P, _weights(sample_weight, Y))


def binary_cross_entropy_from_logits(y_true, Z, sample_weight=None) -> float:
    """mean_i mean_j [max(z, 0) - z y + log1p(exp(-|z|))]: exact for every finite z."""
    Y, Z = _as_2d(y_true, Z)
    return BinaryCrossEntropy().from_logits(Y, Z, _weights(sample_weight, Y))


def categorical_cross_entropy(y_true, y_pred_prob, sample_weight=None) -> float:
    """mean_i -sum_j y_ij log q_ij, q = clip(p / sum_j p)."""
    Y, P = _as_2d(y_true, y_pred_prob)
    return CategoricalCrossEntropy()(Y, P, _weights(sample_weight, Y))


def categorical_cross_entropy_derivative(y_true, y_pred_prob, sample_weight=None) -> np.ndarray:
    """dL/dp, shape (m, k)."""
    Y, P = _as_2d(y_true, y_pred_prob)
    return CategoricalCrossEntropy().derivative(Y, P, _weights(sample_weight, Y))


def categorical_cross_entropy_from_logits(y_true, Z, sample_weight=None) -> float:
    """mean_i sum_j y_ij (lse_i - s_ij), s = z - max_j z, lse = log sum_j exp(s)."""
    Y, Z = _as_2d(y_true, Z)
    return CategoricalCrossEntropy().from_logits(Y, Z, _weights(sample_weight, Y))


def mean_squared_error(y_true, y_pred, sample_weight=None) -> float:
    """mean_i mean_j (p - y)^2."""
    Y, P = _as_2d(y_true, y_pred)
    return MeanSquaredError()(Y, P, _weights(sample_weight, Y))


def mean_squared_error_derivative(y_true, y_pred, sample_weight=None) -> np.ndarray:
    """dL/dp = 2 (p - y) / (m k)."""
    Y, P = _as_2d(y_true, y_pred)
    return MeanSquaredError().derivative(Y, P, _weights(sample_weight, Y))
