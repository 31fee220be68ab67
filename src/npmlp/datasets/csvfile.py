"""Read a table with a header row into (X, y, feature_names); standard library `csv` only."""

from __future__ import annotations

import csv
import math
import os
from io import StringIO
from typing import Any

import numpy as np

from npmlp._files import atomic_write

__all__ = ["MISSING", "from_csv", "predict_csv"]

# Cell texts that mean "no value" (compared after stripping surrounding blanks).
MISSING = frozenset({"", "NA", "NaN", "nan", "?"})
_MAX_LISTED = 10  # how many missing cells an error message lists


def _is_missing(cell: Any) -> bool:
    """True for None, NaN, pandas NA/NaT and the strings in MISSING."""
    if cell is None:
        return True
    if isinstance(cell, str):
        return cell.strip() in MISSING
    if isinstance(cell, float):
        return math.isnan(cell)
    # pandas.NA and NaT: checked by type name so pandas is never imported here.
    return type(cell).__name__ in ("NAType", "NaTType")


def _to_float(cell: Any) -> float | None:
    """float(cell) when it is a finite number, else None."""
    try:
        value = float(cell.strip() if isinstance(cell, str) else cell)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _where(row: int, lines: list[int] | None) -> str:
    """Location text: data row (1-based, header excluded) and, for files, the file line."""
    return f"row {row}" if lines is None else f"row {row} (line {lines[row - 1]})"


def _read_file(path: str | os.PathLike, delimiter: str) -> tuple[list[str], list[list], list[int]]:
    """Header, data rows and the file line number of each data row; blank lines are skipped."""
    rows: list[list] = []
    lines: list[int] = []
    # utf-8-sig drops a byte-order mark that spreadsheet programs like to write.
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # leading blank lines
        if header is None:
            raise ValueError(f"path_or_frame: file {os.fspath(path)!r} is empty; expected a "
                             "header row followed by data rows")
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise ValueError(
                    f"path_or_frame: line {reader.line_num} of {os.fspath(path)!r} has "
                    f"{len(row)} fields, expected {len(header)} like the header row "
                    f"(delimiter={delimiter!r})")
            rows.append(row)
            lines.append(reader.line_num)
    return [name.strip() for name in header], rows, lines


def _read_frame(frame: Any) -> tuple[list[str], list[list]]:
    """Header and rows (Python objects) of a pandas-like DataFrame."""
    header = [str(name) for name in frame.columns]
    return header, frame.to_numpy(dtype=object).tolist()


def _parse_target(values: list, target: str) -> np.ndarray:
    """Numbers -> int64 (all integral) or float64; anything else -> str array (labels kept)."""
    numbers = [_to_float(v) for v in values]
    if any(num is None for num in numbers):
        return np.array([str(v).strip() if isinstance(v, str) else str(v) for v in values])
    y = np.array(numbers, dtype=np.float64)
    # 2**53: beyond it float64 cannot tell integers apart, so int64 would invent digits.
    if np.all(y == np.round(y)) and np.all(np.abs(y) < 2.0**53):
        return y.astype(np.int64)
    return y


def from_csv(
    path_or_frame: Any, target: str | None, *, delimiter: str = ","
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Read a CSV file (header row) or DataFrame: X float64 (n, d), y (n,), feature names (d).

    Every column other than `target` is a feature and must be numeric. Cells that are
    empty, "NA", "NaN", "nan" or "?" count as missing and raise ValueError. y is int64 when
    all targets are integral numbers, float64 when all are numbers, else a str array.
    Surrounding blanks of each cell are ignored. target=None reads features only (y is None),
    e.g. new rows to predict.
    """
    if target is not None and not isinstance(target, str):
        raise TypeError(f"target: expected a column name (str), got {type(target).__name__} "
                        f"{target!r}")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter: expected a single character, got {delimiter!r}")
    lines: list[int] | None = None
    if hasattr(path_or_frame, "columns") and hasattr(path_or_frame, "to_numpy"):
        header, rows = _read_frame(path_or_frame)
        source = "DataFrame"
    elif isinstance(path_or_frame, (str, os.PathLike)):
        header, rows, lines = _read_file(path_or_frame, delimiter)
        source = f"file {os.fspath(path_or_frame)!r}"
    else:
        raise TypeError("path_or_frame: expected a file path (str or os.PathLike) or a "
                        f"pandas DataFrame, got {type(path_or_frame).__name__}")

    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ValueError(f"path_or_frame: duplicate column name(s) {duplicates} in {source}; "
                         "expected unique names")
    if target is not None and target not in header:
        raise ValueError(f"target: column {target!r} not found in {source}; available "
                         f"columns: {header}")
    if not rows:
        raise ValueError(f"path_or_frame: {source} has a header but no data rows; expected "
                         "at least one row")
    if target is not None and len(header) < 2:
        raise ValueError(f"path_or_frame: {source} has only the target column {target!r}; "
                         "expected at least one feature column")

    missing = [(i, name) for i, row in enumerate(rows, start=1)
               for name, cell in zip(header, row) if _is_missing(cell)]
    if missing:
        listed = ", ".join(f"({_where(i, lines)}, column {name!r})"
                           for i, name in missing[:_MAX_LISTED])
        more = "" if len(missing) <= _MAX_LISTED else f" (first {_MAX_LISTED} shown)"
        raise ValueError(f"path_or_frame: {len(missing)} missing value(s) in {source}{more}: "
                         f"{listed}; expected a value in every cell (missing markers: "
                         f"{sorted(MISSING)})")

    t = -1 if target is None else header.index(target)
    feature_names = [name for j, name in enumerate(header) if j != t]
    X = np.empty((len(rows), len(feature_names)), dtype=np.float64)
    bad: list[str] = []
    for k, j in enumerate(j for j in range(len(header)) if j != t):
        for i, row in enumerate(rows, start=1):
            value = _to_float(row[j])
            if value is None:
                bad.append(f"{header[j]!r} (first at {_where(i, lines)}: {row[j]!r})")
                break
            X[i - 1, k] = value
    if bad:
        raise ValueError(f"path_or_frame: non-numeric values in feature column(s) "
                         f"{', '.join(bad)} of {source}; expected finite numbers in every "
                         f"feature column (only the target column may hold labels; "
                         f"target={target!r})")
    y = None if target is None else _parse_target([row[t] for row in rows], target)
    return X, y, feature_names


def predict_csv(model, csv_path: str | os.PathLike, out_path: str | os.PathLike,
                target: str | None = None, proba: bool = False) -> int:
    """Predict every row of a CSV with ``model`` and write ``prediction`` (and, for
    classifiers with ``proba``, one ``proba_<class>`` column per class) to ``out_path``
    atomically. ``target`` names a column to leave out. Returns the number of rows."""
    if target is None:
        try:
            X, _, names = from_csv(csv_path, None)
        except ValueError as exc:
            raise ValueError(f"{exc}. If the CSV holds the target column, leave it out with "
                             "target=COLUMN (--target)") from None
    else:
        X, _, names = from_csv(csv_path, target)
    model.check_column_names(names, f"{csv_path}: its",
                             hint="; if the CSV holds the target, name it with --target")
    if X.shape[1] != model.input_dim:
        hint = "" if target else "; if the CSV holds the target, name it with --target"
        raise ValueError(f"{csv_path} has {X.shape[1]} feature columns but the model was "
                         f"trained on {model.input_dim}{hint}")
    predictions = model.predict(X).reshape(len(X), -1)
    columns = [predictions]
    header = ["prediction"] if predictions.shape[1] == 1 else [
        f"prediction_{j}" for j in range(predictions.shape[1])]
    if proba:
        if model.kind not in ("binary", "multiclass"):
            raise ValueError(f"proba needs a classifier; this model does {model.kind}")
        A = model.predict_proba(X)
        if A.shape[1] == 1:  # sigmoid: p is the probability of the second class
            A = np.hstack([1.0 - A, A])
        columns.append(A)
        header += [f"proba_{c}" for c in model.encoder.classes]
    text = StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for row in zip(*(c.tolist() for c in columns)):
        writer.writerow([v for part in row for v in part])
    atomic_write(out_path, lambda f: f.write(text.getvalue().encode("utf-8")))
    return len(X)

