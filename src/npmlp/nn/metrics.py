"""Per-batch metric sums, accumulated over an epoch and divided by the sample count (Keras's
``MeanMetricWrapper``). ``Y`` and ``A`` are ``(m, k)``; ``work`` (optional) supplies scratch
arrays so that the training loop allocates nothing. On a stack (K, m, k) of ensemble members
each sum is an array (K,), one per member."""

from __future__ import annotations

import numpy as np

from npmlp.nn.workspace import Workspace


def _total(per_sample: np.ndarray):
    """sum_i of per-sample values (m,): a float, or (K,) for a stack (K, m)."""
    total = np.add.reduce(per_sample, axis=-1)
    return float(total) if per_sample.ndim == 1 else total.astype(np.float64)


def binary_accuracy_sum(Y: np.ndarray, A: np.ndarray, work: Workspace | None = None) -> float:
    """sum_i mean_j [(a_ij > 0.5) == y_ij]  (strict '>', as Keras)."""
    if work is None:
        return _total(np.mean((A > 0.5) == (Y > 0.5), axis=-1))
    hit = np.greater(A, 0.5, out=work.mask)
    np.equal(hit, np.greater(Y, 0.5, out=work.mask2), out=hit)
    if A.shape[-1] == 1:  # one output: the mean over j is the value itself
        if A.ndim == 2:
            return float(np.count_nonzero(hit))
        return np.count_nonzero(hit, axis=(-2, -1)).astype(np.float64)
    return _total(np.mean(hit, axis=-1))


def categorical_accuracy_sum(Y: np.ndarray, A: np.ndarray, work: Workspace | None = None) -> float:
    """sum_i [argmax_j a_ij == argmax_j y_ij]  (ties go to the first index)."""
    hit = np.argmax(A, axis=-1) == np.argmax(Y, axis=-1)
    return float(np.count_nonzero(hit)) if hit.ndim == 1 else \
        np.count_nonzero(hit, axis=-1).astype(np.float64)


def mean_absolute_error_sum(Y: np.ndarray, A: np.ndarray, work: Workspace | None = None) -> float:
    """sum_i mean_j |a_ij - y_ij|."""
    E = np.subtract(A, Y, out=None if work is None else work.T)
    np.abs(E, out=E)
    return _total(np.mean(E, axis=-1))


_BY_KIND = {
    "binary": ("accuracy", binary_accuracy_sum),
    "multilabel": ("accuracy", binary_accuracy_sum),
    "multiclass": ("accuracy", categorical_accuracy_sum),
    "regression": ("mae", mean_absolute_error_sum),
}


def for_kind(kind: str):
    """(name, batch-sum function) of the metric reported for a task."""
    return _BY_KIND[kind]


def accuracy(y_true, y_pred) -> float:
    """Fraction of equal labels."""
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    return float(np.mean(y_true == y_pred))
