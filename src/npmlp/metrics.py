"""Per-batch metric sums, accumulated over an epoch and divided by the sample count (Keras's
``MeanMetricWrapper``). ``Y`` and ``A`` are ``(m, k)``."""

from __future__ import annotations

import numpy as np


def binary_accuracy_sum(Y: np.ndarray, A: np.ndarray) -> float:
    """sum_i mean_j [(a_ij > 0.5) == y_ij]  (strict '>', as Keras)."""
    return float(np.sum(np.mean((A > 0.5) == (Y > 0.5), axis=1)))


def categorical_accuracy_sum(Y: np.ndarray, A: np.ndarray) -> float:
    """sum_i [argmax_j a_ij == argmax_j y_ij]  (ties go to the first index)."""
    return float(np.sum(np.argmax(A, axis=1) == np.argmax(Y, axis=1)))


def mean_absolute_error_sum(Y: np.ndarray, A: np.ndarray) -> float:
    """sum_i mean_j |a_ij - y_ij|."""
    return float(np.sum(np.mean(np.abs(A - Y), axis=1)))


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
