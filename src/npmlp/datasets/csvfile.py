"""Read a table with a header row into (X, y, feature_names), and predict the rows of one;
standard library `csv` only (files are read by ``npmlp.datasets.csvread``, text columns and
missing cells are encoded by ``npmlp.datasets.preprocessing``)."""

from __future__ import annotations

import csv
import os
import sys
from dataclasses import dataclass
from io import StringIO
from typing import Any

import numpy as np

from npmlp._files import atomic_write
from npmlp.datasets.csvread import (
    MISSING,
    check_read_options,
    is_missing,
    read_csv_file,
    to_float,
)
from npmlp.datasets.preprocessing import TablePreprocessor, missing_error
from npmlp.model.targets import check_task

__all__ = ["MISSING", "Table", "from_csv", "model_preprocessor", "predict_csv",
           "predict_table", "read_table", "write_predictions"]


@dataclass
class Table:
    """What ``read_table`` returns: X (n, d), y (n,) or None, the names of X's columns, and
    the preprocessor that made X (None when X is the numeric columns as they are)."""

    X: np.ndarray
    y: np.ndarray | None
    feature_names: list[str]
    preprocessor: TablePreprocessor | None = None


def _read_frame(frame: Any) -> tuple[list[str], list[list]]:
    """Header and rows (Python objects) of a pandas-like DataFrame."""
    header = [str(name) for name in frame.columns]
    return header, frame.to_numpy(dtype=object).tolist()


def _parse_target(values: list, target: str, task: str | None, source: str) -> np.ndarray:
    """The target column as the task needs it.

    Numbers written without a decimal point (and int cells) -> int64 labels; other numbers ->
    float64 (a regression by default); anything else -> a str array of labels.
    task="regression" -> float64 (numbers only); task="classification" -> int64 for integral
    numbers, else the labels as they are."""
    numbers = [to_float(v) for v in values]
    if any(num is None for num in numbers):
        if task == "regression":
            i = next(i for i, num in enumerate(numbers) if num is None)
            raise ValueError(f"{source}: the target column {target!r} holds {values[i]!r} (row "
                             f"{i + 1}); a regression needs numbers")
        return np.array([v.strip() if isinstance(v, str) else str(v) for v in values])
    y = np.array(numbers, dtype=np.float64)
    if task == "regression":
        return y
    # A decimal point or exponent in the file (or float cells in a DataFrame) says "a quantity".
    written_as_float = any(isinstance(v, float) or (isinstance(v, str) and any(
        ch in v for ch in ".eE")) for v in values)
    integral = np.all(y == np.round(y)) and np.all(np.abs(y) < 2.0**53)
    # 2**53: beyond it float64 cannot tell integers apart, so int64 would invent digits.
    if integral and (task == "classification" or not written_as_float):
        return y.astype(np.int64)
    return y


def _read(path_or_frame, delimiter, decimal, encoding):
    """(header, rows, lines or None, source) of a file or a DataFrame."""
    check_read_options(delimiter, decimal, encoding)
    if hasattr(path_or_frame, "columns") and hasattr(path_or_frame, "to_numpy"):
        header, rows = _read_frame(path_or_frame)
        return header, rows, None, "DataFrame"
    if isinstance(path_or_frame, (str, os.PathLike)):
        header, rows, lines = read_csv_file(path_or_frame, delimiter, decimal, encoding)
        return header, rows, lines, os.fspath(path_or_frame)
    raise TypeError("path_or_frame: expected a file path (str or os.PathLike) or a "
                    f"pandas DataFrame, got {type(path_or_frame).__name__}")


def read_table(path_or_frame: Any, target: str | None, *, delimiter: str | None = None,
               decimal: str = ".", encoding: str | None = None, task: str | None = None,
               categorical=None, impute: str | None = None) -> Table:
    """``from_csv`` with the preprocessor that made X (see ``from_csv`` for the options)."""
    if target is not None and not isinstance(target, str):
        raise TypeError(f"target: expected a column name (str), got {type(target).__name__} "
                        f"{target!r}")
    check_task(task)
    header, rows, lines, source = _read(path_or_frame, delimiter, decimal, encoding)
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ValueError(f"{source}: duplicate column name(s) {duplicates}; expected unique "
                         "names")
    if target is not None and target not in header:
        hint = ""
        if len(header) == 1 and any(d in header[0] for d in ";\t|"):
            hint = "; the header was read as one column: give the delimiter (CLI: --delimiter)"
        raise ValueError(f"{source}: target column {target!r} not found; available "
                         f"columns: {header}{hint}")
    if not rows:
        raise ValueError(f"{source}: a header but no data rows; expected at least one row")
    if target is not None and len(header) < 2:
        raise ValueError(f"{source}: only the target column {target!r}; expected at least one "
                         "feature column")
    if impute is None:  # every missing cell at once, features and target alike
        missing = [(i, name) for i, row in enumerate(rows, start=1)
                   for name, cell in zip(header, row) if is_missing(cell)]
        if missing:
            raise missing_error(missing, source, lines)
    t = -1 if target is None else header.index(target)
    columns = [name for j, name in enumerate(header) if j != t]
    if t >= 0:
        missing_target = [i for i, row in enumerate(rows, start=1) if is_missing(row[t])]
        if missing_target and impute != "drop":
            raise ValueError(f"{source}: the target {target!r} is missing at "
                             f"{len(missing_target)} row(s) (first: row {missing_target[0]}); "
                             "impute fills features only: leave such rows out with "
                             "impute='drop' (CLI: --impute drop)")
        if missing_target:  # impute="drop": rows without a target teach nothing
            dropped = set(missing_target)
            lines = None if lines is None else [n for i, n in enumerate(lines, start=1)
                                                if i not in dropped]
            rows = [row for row in rows if not is_missing(row[t])]
            if not rows:
                raise ValueError(f"{source}: every row misses its target {target!r}")
    features = [[cell for j, cell in enumerate(row) if j != t] for row in rows]
    prep = TablePreprocessor.fit(columns, features, categorical=categorical, impute=impute,
                                 source=source, lines=lines)
    X, keep = prep.transform(header, rows, source, lines)
    y = None if t < 0 else _parse_target([row[t] for row, k in zip(rows, keep) if k], target,
                                         task, source)
    return Table(X, y, prep.feature_names, prep if prep.needed else None)


def from_csv(
    path_or_frame: Any, target: str | None, *, delimiter: str | None = None,
    decimal: str = ".", encoding: str | None = None, task: str | None = None,
    categorical=None, impute: str | None = None,
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Read a CSV file (header row) or DataFrame: X float64 (n, d), y (n,), feature names (d).

    Every column other than `target` is a feature and must be numeric, unless
    ``categorical`` is "auto" (text columns) or a list of columns: those are one-hot encoded
    (features ``col=category``). Cells that are empty, "NA", "NaN", "nan" or "?" count as
    missing: an error, unless ``impute`` is "mean"/"median" (filled with the column's
    statistic over the whole file; a category with its most frequent value) or "drop" (the
    row is left out). ``delimiter=None`` sniffs it among , ; tab |; ``decimal=","`` reads
    1,5 as 1.5; ``encoding`` defaults to UTF-8. y is int64 when the targets are whole
    numbers written without a decimal point, float64 for other numbers (a regression), else a
    str array; ``task`` ("classification"/"regression") overrides this. target=None reads
    features only (y is None), e.g. new rows to predict. ``read_table`` also returns the
    fitted preprocessor.
    """
    table = read_table(path_or_frame, target, delimiter=delimiter, decimal=decimal,
                       encoding=encoding, task=task, categorical=categorical, impute=impute)
    return table.X, table.y, table.feature_names


def _score(model, predictions: np.ndarray, y: np.ndarray) -> dict:
    """accuracy (classifiers) or mae and r2 (regression) of predictions against y."""
    if model.kind == "regression":
        p = predictions.reshape(len(y))
        ss_tot = float(np.sum((y - y.mean()) ** 2))
        r2 = 1.0 - float(np.sum((y - p) ** 2)) / ss_tot if ss_tot > 0 else float("nan")
        return {"mae": float(np.mean(np.abs(y - p))), "r2": r2}
    labels = predictions.reshape(len(y))
    if labels.dtype.kind in "biuf" and y.dtype.kind in "biuf":
        return {"accuracy": float(np.mean(labels == y))}
    return {"accuracy": float(np.mean(labels.astype(str) == y.astype(str)))}


def model_preprocessor(model) -> TablePreprocessor | None:
    """The preprocessor saved with ``model`` (``model.preprocessing``, a config dict), checked
    to make the model's feature_names; None when it has none."""
    config = getattr(model, "preprocessing", None)
    if config is None:
        return None
    try:
        prep = TablePreprocessor.from_config(config)
    except ValueError as exc:
        raise ValueError(f"the model's preprocessing is not valid: {exc}") from None
    if prep.feature_names != model.feature_names:
        raise ValueError("the model's preprocessing does not make its feature_names "
                         f"{model.feature_names[:10] if model.feature_names else None}")
    return prep


def predict_table(model, path_or_frame: Any, target: str | None = None, proba: bool = False,
                  *, delimiter: str | None = None, decimal: str = ".",
                  encoding: str | None = None) -> tuple[list[str], list[list], dict | None]:
    """(header, rows, score) of the prediction table for a CSV file or DataFrame.

    The model's columns are found by name (any order); the other columns (an id, the
    target) are copied in front of ``prediction`` (and ``proba_<class>`` with ``proba``).
    ``target`` names the true column: score is then {"accuracy"} or {"mae", "r2"}."""
    header, rows, lines, source = _read(path_or_frame, delimiter, decimal, encoding)
    if target is not None and target not in header:
        raise ValueError(f"{source}: target column {target!r} not found; available columns: "
                         f"{header}")
    prep = model_preprocessor(model)
    if prep is not None:
        columns = prep.columns
    elif model.feature_names is not None:
        columns = model.feature_names
    else:  # trained on plain arrays: every column but the target, in the file's order
        columns = [c for c in header if c != target]
    if target is not None and target in columns:
        raise ValueError(f"{source}: {target!r} is one of the model's feature columns, not "
                         "its target")
    absent = [c for c in columns if c not in header]
    if absent:
        raise ValueError(f"{source}: missing column(s) {absent} that the model was trained "
                         f"on; expected the columns {columns} (in any order)")
    X, keep = (prep or TablePreprocessor(columns)).transform(header, rows, source, lines)
    if X.shape[1] != model.input_dim:
        hint = "" if target else "; if the CSV holds the target, name it with --target"
        raise ValueError(f"{source} has {X.shape[1]} feature columns but the model was "
                         f"trained on {model.input_dim}{hint}")
    predictions = model.predict(X).reshape(len(X), -1)
    extra = [j for j, c in enumerate(header) if c not in columns]
    kept = [row for row, k in zip(rows, keep) if k]
    out_header = [header[j] for j in extra]
    out_header += ["prediction"] if predictions.shape[1] == 1 else [
        f"prediction_{j}" for j in range(predictions.shape[1])]
    blocks = [predictions]
    if proba:
        if model.kind not in ("binary", "multiclass"):
            raise ValueError(f"proba needs a classifier; this model does {model.kind}")
        A = model.predict_proba(X)
        if A.shape[1] == 1:  # sigmoid: p is the probability of the second class
            A = np.hstack([1.0 - A, A])
        blocks.append(A)
        out_header += [f"proba_{c}" for c in model.encoder.classes]
    out_rows = [[row[j] for j in extra] + [v for part in values for v in part]
                for row, values in zip(kept, zip(*(b.tolist() for b in blocks)))]
    score = None
    if target is not None:
        task = "regression" if model.kind == "regression" else "classification"
        y = _parse_target([row[header.index(target)] for row in kept], target, task, source)
        score = _score(model, predictions, y)
    return out_header, out_rows, score


def write_predictions(out_path, header: list[str], rows: list[list]) -> None:
    """A CSV to ``out_path`` (atomically) or to stdout when it is None or "-"."""
    text = StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if out_path is None or os.fspath(out_path) == "-":
        sys.stdout.write(text.getvalue())
        sys.stdout.flush()
        return
    atomic_write(out_path, lambda f: f.write(text.getvalue().encode("utf-8")))


def predict_csv(model, csv_path: str | os.PathLike, out_path: str | os.PathLike | None,
                target: str | None = None, proba: bool = False, *,
                delimiter: str | None = None, decimal: str = ".",
                encoding: str | None = None) -> int:
    """Predict every row of a CSV with ``model`` and write ``prediction`` (and, for
    classifiers with ``proba``, one ``proba_<class>`` column per class) to ``out_path``
    atomically (stdout when it is None or "-"). Columns are found by name; the others (an
    id, the ``target``) are copied to the output. Returns the number of rows."""
    header, rows, _ = predict_table(model, csv_path, target, proba, delimiter=delimiter,
                                    decimal=decimal, encoding=encoding)
    write_predictions(out_path, header, rows)
    return len(rows)
