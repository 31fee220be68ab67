"""Turning the user's targets into the output layer's ``Y`` and predictions back into labels.

The output layer decides the task: sigmoid with 1 unit -> binary labels (any two values);
sigmoid with k > 1 units -> multi-label 0/1 columns; softmax -> one class per sample (labels
of any kind, or one-hot rows); anything else -> regression on numbers.
"""

from __future__ import annotations

import warnings

import numpy as np

KINDS = ("binary", "multilabel", "multiclass", "regression")
TASKS = ("classification", "regression")
# A classification target with more distinct values than this fraction of the rows is more
# likely a quantity (prices, counts) than labels: infer_output warns.
MANY_CLASSES_FRACTION = 0.2


def check_task(task) -> str | None:
    """None (infer from y), "classification" or "regression"."""
    if task is not None and task not in TASKS:
        raise ValueError(f"task: expected None, 'classification' or 'regression', got {task!r}")
    return task


def infer_output(y: np.ndarray, task: str | None = None) -> tuple[int, str]:
    """(units, activation) of the output layer for targets y (n,) or (n, k).

    task=None infers: 0/1 columns whose rows are one-hot -> (k, softmax); other 0/1 columns ->
    (k, sigmoid) multi-label; other columns -> (k, linear); 1-D floats that are not all 0/1 ->
    (1, linear) regression; other labels -> (1, sigmoid) for two classes, else (c, softmax).
    task="regression" always gives (k, linear); task="classification" refuses columns that
    are not 0/1 and treats float labels as classes.
    """
    task = check_task(task)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        k = y.shape[1]
        if task == "regression":
            return k, "linear"
        if y.dtype.kind in "biuf" and np.isin(y, (0, 1)).all():
            return (k, "softmax") if (y.sum(axis=1) == 1).all() else (k, "sigmoid")
        if task == "classification":
            raise ValueError(f"y has {k} columns that are not all 0/1; classification with "
                             "several columns needs 0/1 indicators (one-hot rows or "
                             "multi-label), or give one label per row")
        return k, "linear"
    labels = y.reshape(-1)
    if task == "regression":
        if labels.dtype.kind not in "biuf":
            raise TypeError(f"task='regression' needs numeric targets, got dtype {labels.dtype}")
        return 1, "linear"
    if task is None and labels.dtype.kind == "f" and not np.isin(labels, (0, 1)).all():
        return 1, "linear"
    n_classes = len(np.unique(labels))
    if n_classes > 2 and n_classes > MANY_CLASSES_FRACTION * len(labels):
        warnings.warn(
            f"y has {n_classes} classes for {len(labels)} samples (more than a fifth): if it "
            f"is a quantity (a price, a count), train a regression with task='regression' "
            f"(--task regression)", UserWarning, stacklevel=3)
    return (1, "sigmoid") if n_classes <= 2 else (n_classes, "softmax")


def kind_for(activation_name: str, units: int) -> str:
    """The task implied by the output layer."""
    if activation_name == "sigmoid":
        return "binary" if units == 1 else "multilabel"
    if activation_name == "softmax":
        return "multiclass"
    return "regression"


class TargetEncoder:
    """Fitted once (``classes`` fixed at the first fit), then reused: ``encode(y) -> Y (m, k)``,
    ``decode(A) -> labels`` (or values for regression)."""

    def __init__(self, kind: str, units: int, classes: np.ndarray | None = None,
                 y_ndim: int = 1):
        self.kind = kind
        self.units = units
        self.classes = classes
        self.y_ndim = y_ndim

    @classmethod
    def for_targets(cls, y: np.ndarray, kind: str, units: int) -> TargetEncoder:
        """Choose the classes for y (labels are kept in the user's own values)."""
        if kind == "binary":
            values = np.unique(y)
            if values.dtype.kind in "biuf" and np.isin(values, [0, 1]).all():
                classes = np.array([0, 1]).astype(values.dtype)
            elif len(values) == 2:
                classes = values
            else:
                raise ValueError(
                    f"y has {len(values)} distinct values but a 1-unit sigmoid output needs two "
                    f"classes; for more classes use a softmax output with one unit per class"
                )
            return cls(kind, units, classes, y.ndim)
        if kind == "multiclass" and not (y.ndim == 2 and y.shape[1] > 1):
            values = np.unique(y)
            integral = values.dtype.kind in "biu" or (
                values.dtype.kind == "f" and np.all(values == np.round(values)))
            if integral and values.min() >= 0 and values.max() < units:
                classes = np.arange(units).astype(values.dtype)
            elif len(values) == units:
                classes = values
            else:
                raise ValueError(
                    f"y has {len(values)} classes {values[:10].tolist()} but the softmax output "
                    f"has {units} units; give it one unit per class"
                )
            return cls(kind, units, classes, y.ndim)
        return cls(kind, units, None, y.ndim)

    def encode(self, y: np.ndarray, dtype) -> np.ndarray:
        """Y of shape (m, units) in dtype."""
        m = y.shape[0]
        if self.kind in ("binary", "multiclass") and self.classes is not None:
            labels = y.reshape(m) if (y.ndim == 1 or y.shape[1] == 1) else None
            if labels is None:
                raise ValueError(f"y must be 1-D labels or (n, 1), got shape {y.shape}")
            index = np.searchsorted(self.classes, labels)
            index = np.clip(index, 0, len(self.classes) - 1)
            unknown = self.classes[index] != labels
            if unknown.any():
                raise ValueError(
                    f"y contains labels not seen at the first fit: "
                    f"{np.unique(labels[unknown])[:10].tolist()}; known: {self.classes.tolist()}"
                )
            if self.kind == "binary":
                return index.astype(dtype).reshape(m, 1)
            Y = np.zeros((m, self.units), dtype=dtype)
            Y[np.arange(m), index] = 1
            return Y
        if y.dtype.kind not in "biuf":
            raise TypeError(f"y must be numeric for a {self.kind} output, got dtype {y.dtype}")
        Y = np.asarray(y, dtype=dtype).reshape(m, -1)
        if Y.shape[1] != self.units:
            raise ValueError(
                f"y has {Y.shape[1]} columns but the output layer has {self.units} units"
            )
        if self.kind == "multilabel" and not np.isin(Y, (0, 1)).all():
            raise ValueError("y must hold 0/1 indicators for a multi-label (sigmoid) output")
        # Rows that are not distributions (multi-hot, all zero) would make the softmax
        # cross-entropy gradient (A - Y) / m wrong: it assumes sum(Y_i) = 1.
        is_row = (Y >= 0).all(axis=1) & np.isclose(Y.sum(axis=1), 1)
        if self.kind == "multiclass" and not is_row.all():
            bad = np.flatnonzero(~is_row)
            raise ValueError(
                f"y has {len(bad)} row(s) (first: row {bad[0]}, {Y[bad[0]].tolist()[:10]}) that "
                f"are not one-hot (or probabilities summing to 1), but a softmax output picks "
                f"one class per sample; for several labels per sample use Dense({self.units}, "
                f"'sigmoid') (multi-label)")
        return Y

    def decode(self, A: np.ndarray) -> np.ndarray:
        """Labels from output activations A (m, units)."""
        if self.kind == "binary":
            return self.classes[(A[:, 0] > 0.5).astype(np.intp)]
        if self.kind == "multiclass":
            index = np.argmax(A, axis=1)
            return index if self.classes is None else self.classes[index]
        if self.kind == "multilabel":
            return (A > 0.5).astype(np.int64)
        return A[:, 0] if (self.y_ndim == 1 and self.units == 1) else A

    def get_config(self) -> dict:
        return {"kind": self.kind, "units": self.units, "y_ndim": self.y_ndim}
