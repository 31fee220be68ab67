"""Table columns -> model inputs: one-hot categories and imputed missing cells; and the
scaling of regression targets. Fitted on the training table, saved with the model as JSON,
applied again to the rows to predict."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from npmlp.datasets.csvread import MISSING, is_missing, looks_like_decimal_comma, to_float

__all__ = ["IMPUTE", "TablePreprocessor", "fold_target_scaling"]

IMPUTE = ("mean", "median", "drop")
_MAX_LISTED = 10  # how many missing cells an error message lists


def _where(row: int, lines: list[int] | None) -> str:
    """Location text: data row (1-based, header excluded) and, for files, the file line."""
    return f"row {row}" if lines is None else f"row {row} (line {lines[row - 1]})"


def _text(cell: Any) -> str:
    """A category as text (the same for '3' in a file and 3 in a DataFrame)."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def missing_error(missing: list[tuple[int, str]], source: str, lines) -> ValueError:
    """The error for missing cells, listing the first few (row, column)."""
    listed = ", ".join(f"({_where(i, lines)}, column {name!r})"
                       for i, name in missing[:_MAX_LISTED])
    more = "" if len(missing) <= _MAX_LISTED else f" (first {_MAX_LISTED} shown)"
    return ValueError(
        f"{source}: {len(missing)} missing value(s){more}: {listed}; expected a value in every "
        f"cell (missing markers: {sorted(MISSING)}), or fill them with impute='mean'|'median' "
        f"or leave those rows out with impute='drop' (CLI: --impute mean|median|drop)")


class TablePreprocessor:
    """Raw feature columns -> X: numbers as they are, ``categories[col]`` one-hot encoded
    (one 0/1 column per category, named ``col=category``), missing cells filled with
    ``fill[col]`` (the column's mean or median; for a category, the most frequent one) or
    their rows dropped (``impute="drop"``)."""

    def __init__(self, columns: list[str], categories: dict[str, list[str]] | None = None,
                 impute: str | None = None, fill: dict[str, Any] | None = None):
        self.columns = list(columns)
        self.categories = dict(categories or {})
        self.impute = impute
        self.fill = dict(fill or {})

    @property
    def needed(self) -> bool:
        """False when it changes nothing (no category, no imputation)."""
        return bool(self.categories) or self.impute is not None

    @property
    def feature_names(self) -> list[str]:
        """The names of X's columns."""
        names: list[str] = []
        for col in self.columns:
            if col in self.categories:
                names += [f"{col}={cat}" for cat in self.categories[col]]
            else:
                names.append(col)
        return names

    @classmethod
    def fit(cls, columns: list[str], rows: list[list], *, categorical=None,
            impute: str | None = None, source: str = "the data",
            lines: list[int] | None = None) -> TablePreprocessor:
        """Learn the categories and fill values of the feature ``columns`` from ``rows``.

        ``categorical``: None (every column numeric), "auto" (the columns holding text) or a
        list of column names; ``impute``: None (missing cells are an error), "mean", "median"
        or "drop"."""
        if impute is not None and impute not in IMPUTE:
            raise ValueError(f"impute: expected None or one of {IMPUTE}, got {impute!r}")
        if categorical is None:
            chosen: list[str] = []
        elif isinstance(categorical, str) and categorical == "auto":
            chosen = [col for j, col in enumerate(columns)
                      if any(not is_missing(r[j]) and to_float(r[j]) is None for r in rows)]
        elif isinstance(categorical, (list, tuple)) and all(isinstance(c, str)
                                                             for c in categorical):
            unknown = [c for c in categorical if c not in columns]
            if unknown:
                raise ValueError(f"categorical: column(s) {unknown} are not feature columns of "
                                 f"{source}; feature columns: {columns}")
            chosen = list(categorical)
        else:
            raise TypeError(f"categorical: expected None, 'auto' or a list of column names, "
                            f"got {categorical!r}")
        bad = []
        for j, col in enumerate(columns):  # text in a numeric column: say so before anything
            if col not in chosen:
                first = next((i for i, r in enumerate(rows, start=1)
                              if not is_missing(r[j]) and to_float(r[j]) is None), None)
                if first is not None:
                    bad.append((col, first, rows[first - 1][j]))
        if bad:
            raise cls._non_numeric_error(bad, source, lines)
        categories, fill = {}, {}
        for j, col in enumerate(columns):
            present = [r[j] for r in rows if not is_missing(r[j])]
            if col in chosen:
                counts = Counter(_text(c) for c in present)
                categories[col] = sorted(counts)
                if impute in ("mean", "median") and counts:
                    fill[col] = max(sorted(counts), key=counts.__getitem__)
            elif impute in ("mean", "median"):
                values = [v for v in (to_float(c) for c in present) if v is not None]
                if values:
                    fill[col] = float(np.mean(values) if impute == "mean" else np.median(values))
        empty = [col for col in columns if impute in ("mean", "median") and col not in fill]
        if empty:
            raise ValueError(f"{source}: column(s) {empty} have no value to impute from")
        return cls(columns, categories, impute, fill)

    def transform(self, header: list[str], rows: list[list], source: str = "the data",
                  lines: list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(X float64 (kept rows, len(feature_names)), keep (n,) bool) from rows whose cells
        follow ``header``; the columns are found by name."""
        index = [header.index(col) for col in self.columns]
        missing = [(i, col) for i, row in enumerate(rows, start=1)
                   for col, j in zip(self.columns, index) if is_missing(row[j])]
        keep = np.ones(len(rows), dtype=bool)
        if missing and self.impute is None:
            raise missing_error(missing, source, lines)
        if missing and self.impute == "drop":
            keep[[i - 1 for i, _ in missing]] = False
            if not keep.any():
                raise ValueError(f"{source}: every row has a missing value; impute='drop' "
                                 "leaves nothing")
        kept = [row for row, k in zip(rows, keep) if k]
        numbers = np.flatnonzero(keep).tolist()  # each kept row's 0-based position
        blocks, bad = [], []
        for col, j in zip(self.columns, index):
            cells = [row[j] for row in kept]
            if col in self.categories:
                blocks.append(self._one_hot(col, cells, numbers, source, lines))
                continue
            column = np.empty(len(cells))
            for i, cell in enumerate(cells):
                value = self.fill[col] if is_missing(cell) else to_float(cell)
                if value is None:
                    bad.append((col, numbers[i] + 1, cell))
                    break
                column[i] = value
            blocks.append(column[:, None])
        if bad:
            raise self._non_numeric_error(bad, source, lines)
        X = np.hstack(blocks) if blocks else np.empty((len(kept), 0))
        return X, keep

    def _one_hot(self, col, cells, numbers, source, lines) -> np.ndarray:
        known = self.categories[col]
        texts = [self.fill[col] if is_missing(c) else _text(c) for c in cells]
        position = {cat: k for k, cat in enumerate(known)}
        for i, text in enumerate(texts):
            if text not in position:
                raise ValueError(
                    f"{source}: column {col!r} has category {text!r} at "
                    f"{_where(numbers[i] + 1, lines)}, which the model did not see in "
                    f"training; known categories: {known[:20]}")
        block = np.zeros((len(texts), len(known)))
        block[np.arange(len(texts)), [position[t] for t in texts]] = 1.0
        return block

    @staticmethod
    def _non_numeric_error(bad, source, lines) -> ValueError:
        listed = ", ".join(f"{col!r} (first at {_where(row, lines)}: {cell!r})"
                           for col, row, cell in bad)
        hint = ("; if the file writes decimal commas (1,5), read it with decimal=',' "
                "(CLI: --decimal ,)") if any(looks_like_decimal_comma(c) for *_, c in bad) else ""
        return ValueError(
            f"{source}: non-numeric values in feature column(s) {listed}; expected numbers, "
            f"or one-hot encode text columns with categorical='auto' or a list of columns "
            f"(CLI: --categorical auto|COL,COL){hint}")

    # --- saving ---------------------------------------------------------------------------

    def get_config(self) -> dict:
        return {"columns": self.columns, "categories": self.categories,
                "impute": self.impute, "fill": self.fill}

    @classmethod
    def from_config(cls, config: Any) -> TablePreprocessor:
        """The preprocessor of a saved model (ValueError when the config is not valid)."""
        if not isinstance(config, dict) or set(config) != {"columns", "categories", "impute",
                                                          "fill"}:
            raise ValueError("preprocessing must be a dict of columns, categories, impute, fill")
        columns, categories = config["columns"], config["categories"]
        impute, fill = config["impute"], config["fill"]
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns) \
                or len(set(columns)) != len(columns):
            raise ValueError("preprocessing columns must be distinct str")
        if not isinstance(categories, dict) or not set(categories) <= set(columns) or not all(
                isinstance(v, list) and v and all(isinstance(c, str) for c in v)
                and v == sorted(set(v)) for v in categories.values()):
            raise ValueError("preprocessing categories must map columns to sorted distinct str")
        if impute is not None and impute not in IMPUTE:
            raise ValueError(f"preprocessing impute must be None or one of {IMPUTE}")
        if not isinstance(fill, dict) or not set(fill) <= set(columns):
            raise ValueError("preprocessing fill must map columns to values")
        for col, value in fill.items():
            ok = (value in categories[col]) if col in categories else (
                isinstance(value, (int, float)) and not isinstance(value, bool)
                and np.isfinite(value))
            if not ok:
                raise ValueError(f"preprocessing fill of {col!r} is not valid: {value!r}")
        return cls(columns, categories, impute, fill)


def fold_target_scaling(model, mean: np.ndarray, scale: np.ndarray) -> None:
    """Rewrite a regression model trained on (y - mean) / scale to predict y itself.

    The output layer is linear: y = (A_prev @ W + b) * scale + mean, so
    W' = W * scale and b' = b * scale + mean (per output unit)."""
    layer = model.layers[-1]
    if layer.activation.name != "linear":
        raise ValueError(f"target scaling needs a linear output, got {layer.activation.name}")
    mean, scale = np.asarray(mean, np.float64), np.asarray(scale, np.float64)
    W, b = layer.W.astype(np.float64), layer.b.astype(np.float64)
    layer.W[...] = W * scale
    layer.b[...] = b * scale + mean
