"""The playground's data: 2-D generators, uploaded CSVs, input features, the split.

Everything here is plain NumPy (no web framework), so an exported script can import it.
Points live in the plane (x1, x2); the network sees the selected features of them.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from npmlp import datasets
from npmlp.playground.config import FEATURES, LIMITS, Config, ConfigError, Limits


def blobs(n_samples: int = 500, noise: float = 0.1, n_classes: int = 2,
          seed=None) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs, X (n, 2), y in 0..n_classes-1 (n,): centres on the circle of radius 1
    at angles 2 pi k / K (two classes: (1, 1) and (-1, -1) directions), spread 0.2 + noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % n_classes
    angle = 2.0 * np.pi * y / n_classes + np.pi / 4
    centres = np.column_stack([np.cos(angle), np.sin(angle)])
    X = centres + rng.normal(0.0, 0.2 + noise, size=(n_samples, 2))
    order = rng.permutation(n_samples)
    return X[order], y[order].astype(np.int64)


def generate(name: str, n: int, noise: float, classes: int,
             seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(X (n, 2), y (n,)) of a named data set; only spirals and blobs take ``classes``."""
    if name == "moons":
        return datasets.moons(n, noise=noise, seed=seed)
    if name == "circles":
        return datasets.circles(n, noise=noise, seed=seed)
    if name == "spirals":
        return datasets.spirals(n, noise=noise, n_classes=classes, seed=seed)
    if name == "xor":
        return datasets.xor(n, noise=noise, seed=seed)
    if name == "blobs":
        return blobs(n, noise=noise, n_classes=classes, seed=seed)
    raise ConfigError(f"unknown data set {name!r}")


def features(P: np.ndarray, names: list[str]) -> np.ndarray:
    """The network's input (n, len(names)) from points P (n, 2) = (x1, x2)."""
    x1, x2 = P[:, 0], P[:, 1]
    table = {"x1": x1, "x2": x2, "x1^2": x1 * x1, "x2^2": x2 * x2, "x1*x2": x1 * x2,
             "sin x1": np.sin(x1), "sin x2": np.sin(x2)}
    return np.column_stack([table[name] for name in names])


@dataclass
class Upload:
    """A parsed CSV: points P (n, 2) standardized, labels y (n,), what they are called."""

    P: np.ndarray
    y: np.ndarray
    columns: list[str]
    kind: str                      # "classes" or "values"
    class_names: list[str]

    def summary(self) -> dict:
        return {"rows": int(len(self.y)), "columns": self.columns, "kind": self.kind,
                "classes": self.class_names}


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_csv(raw: bytes, limits: Limits = LIMITS) -> Upload:
    """An Upload from CSV bytes: a header (optional) and rows ``x1, x2, label``.

    Labels that are integers or text are classes; other numbers are values (regression).
    The two feature columns are standardized (mean 0, standard deviation 1).
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})") \
            from None
    rows = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    if not rows:
        raise ValueError("the file is empty: expected rows of x1, x2, label")
    header = None
    if _number(rows[0][0].strip()) is None:   # a first row that is not data is a header
        header, rows = [c.strip() for c in rows[0]], rows[1:]
    if len(rows) < limits.min_points:
        raise ValueError(f"expected at least {limits.min_points} data rows, got {len(rows)}")
    if len(rows) > limits.max_upload_rows:
        raise ValueError(f"at most {limits.max_upload_rows} rows, got {len(rows)}")
    if header is not None and len(header) != 3:
        raise ValueError(f"expected 3 columns (two numeric features and a label), the header "
                         f"has {len(header)}: {header}")
    X = np.empty((len(rows), 2))
    labels = []
    for i, row in enumerate(rows):
        line = i + 1 + (header is not None)
        if len(row) != 3:
            raise ValueError(f"line {line}: expected 3 columns (two numeric features and a "
                             f"label), got {len(row)}")
        for j in range(2):
            value = _number(row[j].strip())
            if value is None:
                raise ValueError(f"line {line}, column {j + 1}: expected a finite number, got "
                                 f"{row[j].strip()!r}")
            X[i, j] = value
        labels.append(row[2].strip())
    std = X.std(axis=0)
    if np.any(std == 0):
        raise ValueError("a feature column is constant: nothing to learn from it")
    P = (X - X.mean(axis=0)) / std
    values = [_number(v) for v in labels]
    if all(v is not None for v in values) and not all(v == round(v) for v in values):
        y = np.asarray(values)
        kind, names = "values", []
    else:
        if all(v is not None for v in values):
            keys = sorted({int(v) for v in values})
            names = [str(k) for k in keys]
            y = np.searchsorted(keys, [int(v) for v in values])
        else:
            names = sorted(set(labels))
            y = np.searchsorted(names, labels)
        if len(names) < 2:
            raise ValueError(f"the label column has one class only ({names[0]!r}); expected "
                             f"two or more classes, or numeric values")
        if len(names) > limits.max_classes:
            raise ValueError(f"at most {limits.max_classes} classes, the label column has "
                             f"{len(names)}")
        kind = "classes"
    columns = header or ["x1", "x2", "label"]
    return Upload(P, np.asarray(y), columns, kind, names)


@dataclass
class DataSet:
    """Points and labels split into train and test, and the plane they are drawn in."""

    P_train: np.ndarray
    P_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    kind: str                      # "binary", "multiclass" or "regression"
    n_outputs: int
    class_names: list[str]
    extent: tuple[float, float, float, float]   # x1 min, x1 max, x2 min, x2 max

    def inputs(self, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The network's (X_train, X_test) for the selected features."""
        return features(self.P_train, names), features(self.P_test, names)


def _extent(P: np.ndarray) -> tuple[float, float, float, float]:
    """A square around the points with a 10% margin (the heat maps' domain)."""
    lo, hi = P.min(axis=0), P.max(axis=0)
    centre, half = (lo + hi) / 2, max(float(np.max(hi - lo)) / 2, 1e-3) * 1.1
    return (float(centre[0] - half), float(centre[0] + half),
            float(centre[1] - half), float(centre[1] + half))


def build(config: Config, upload: Upload | None = None) -> DataSet:
    """The DataSet a configuration describes (an upload supplies the points when given)."""
    if config.data == "upload":
        if upload is None:
            raise ConfigError(f"unknown upload {config.upload!r}: upload the CSV again")
        P, y = upload.P, upload.y
        names = upload.class_names
        kind = "regression" if upload.kind == "values" else \
            ("binary" if len(names) == 2 else "multiclass")
    else:
        P, y = generate(config.data, config.points, config.noise, config.classes, config.seed)
        names = [str(k) for k in range(int(y.max()) + 1)]
        kind = "binary" if len(names) == 2 else "multiclass"
    test = (100 - config.train_pct) / 100   # 0.3, not 1 - 0.7 = 0.30000000000000004
    P_tr, P_te, y_tr, y_te = datasets.train_test_split(
        P, y, test_size=test, seed=config.seed, stratify=kind != "regression")
    n_out = 1 if kind in ("binary", "regression") else len(names)
    return DataSet(P_tr, P_te, y_tr, y_te, kind, n_out, names, _extent(P))


__all__ = ["FEATURES", "DataSet", "Upload", "blobs", "build", "features", "generate",
           "parse_csv"]
