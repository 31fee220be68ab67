"""The user's data on its way into a model: X checked, y encoded as the output layer's Y, and
column names compared with those of training."""

from __future__ import annotations

import numpy as np

from npmlp._validation import check_X, check_y
from npmlp.model.targets import TargetEncoder


def _n_classes(Y: np.ndarray) -> int:
    """Distinct classes present in an encoded Y (binary column or one-hot rows)."""
    if Y.shape[1] == 1:
        return len(np.unique(Y))
    return int(np.count_nonzero(Y.any(axis=0)))


def prepare(model, X, y, fitting: bool,
            require_classes: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) for ``model``: X (n, input_dim) in its dtype, Y (n, units) encoded. The first
    fit chooses the classes (and remembers the column names of a DataFrame)."""
    names = feature_names_of(model, X)
    X = check_X(X, model.dtype, n_features=model.input_dim if model.built else None)
    y = check_y(y, X.shape[0])
    if fitting and model.encoder is None:
        encoder = TargetEncoder.for_targets(y, model.kind, model.output_units)
    else:
        encoder = model.encoder
    if encoder is None:
        raise RuntimeError("the model has not been fitted: call fit() first")
    Y = encoder.encode(y, model.dtype)
    if fitting and model.encoder is None:
        # Only the first fit must see two classes: later calls continue training and
        # may bring a single-class chunk (partial_fit, streaming).
        if require_classes and model.kind in ("binary", "multiclass") and _n_classes(Y) < 2:
            raise ValueError("y has one class only; classification needs at least two")
        model.encoder = encoder
    if fitting and model.feature_names is None and names is not None:
        model.feature_names = names
    return X, Y


def feature_names_of(model, X) -> list[str] | None:
    """X's column names (DataFrames), refused if they differ from those of training."""
    columns = getattr(X, "columns", None)
    if columns is None or not hasattr(X, "to_numpy"):
        return None
    names = [str(c) for c in columns]
    check_column_names(model.feature_names, names, "X's")
    return names


def check_column_names(expected: list[str] | None, names: list[str], whose: str,
                       hint: str = "") -> None:
    """Refuse column names that differ from the training ones (missing, extra, reordered)."""
    if expected is None or names == expected:
        return
    missing = [c for c in expected if c not in names]
    extra = [c for c in names if c not in expected]
    detail = (f"missing {missing}, unexpected {extra}" if missing or extra
              else "the same columns in another order")
    raise ValueError(f"{whose} columns differ from those the model was trained on "
                     f"({detail}); expected {expected}{hint if extra else ''}")
