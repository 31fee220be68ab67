"""What the page draws, computed from the model: heat maps, weights, loss curves.

Heat maps are sent as bytes (base64), one per grid cell, row 0 at the top (largest x2):
probabilities p in [0, 1] as round(255 p); signed outputs a as round(127.5 (a / scale + 1))
with ``scale`` = max |a| over the plane (sent beside them).
"""

from __future__ import annotations

import base64

import numpy as np

from npmlp.playground.config import Config
from npmlp.playground.data import DataSet, features
from npmlp.playground.network import hidden_outputs, kernels

OUTPUT_GRID = 50     # the decision boundary: 50 x 50 cells
UNIT_GRID = 20       # each unit's small map: 20 x 20 cells
MAX_CURVE_POINTS = 400


def grid(extent, size: int) -> np.ndarray:
    """Cell centres (size*size, 2) over extent, row-major from the top-left corner."""
    x1lo, x1hi, x2lo, x2hi = extent
    step1, step2 = (x1hi - x1lo) / size, (x2hi - x2lo) / size
    x1 = x1lo + step1 * (np.arange(size) + 0.5)
    x2 = x2hi - step2 * (np.arange(size) + 0.5)
    G1, G2 = np.meshgrid(x1, x2)
    return np.column_stack([G1.ravel(), G2.ravel()])


def _b64(values: np.ndarray) -> str:
    return base64.b64encode(values.astype(np.uint8).tobytes()).decode("ascii")


def signed_map(a: np.ndarray) -> tuple[str, float | None]:
    """(base64 bytes, scale) of one signed map a (cells,)."""
    scale = float(np.max(np.abs(a))) if a.size else 0.0
    if not np.isfinite(scale):   # a diverged unit: drawn blank, its scale unknown (null)
        return _b64(np.full(a.shape, 127.5)), None
    unit = a / scale if scale > 0 else np.zeros_like(a)
    return _b64(np.rint(127.5 * (unit + 1.0))), scale


def dataset_view(data: DataSet, feature_names: list[str]) -> dict:
    """The static part: points, labels, the plane, each input feature's map."""
    cells = grid(data.extent, UNIT_GRID)
    inputs = features(cells, feature_names)
    maps = [signed_map(inputs[:, j]) for j in range(inputs.shape[1])]

    def points(P, y):
        return [[round(float(a), 4), round(float(b), 4), round(float(c), 4)]
                for (a, b), c in zip(P, y)]

    y_all = np.concatenate([data.y_train, data.y_test]).astype(np.float64)
    return {"kind": data.kind, "classes": data.class_names, "extent": list(data.extent),
            "train": points(data.P_train, data.y_train),
            "test": points(data.P_test, data.y_test),
            "label_range": [float(y_all.min()), float(y_all.max())],
            "features": feature_names, "unit_grid": UNIT_GRID, "output_grid": OUTPUT_GRID,
            "inputs": [{"map": m, "scale": s} for m, s in maps]}


def output_view(model, data: DataSet, feature_names: list[str]) -> dict:
    """The decision boundary: P(class 1) (binary), the winning class and its probability
    (multiclass), or the predicted value scaled to the labels' range (regression)."""
    A = model.predict_proba(features(grid(data.extent, OUTPUT_GRID), feature_names))
    if not np.all(np.isfinite(A)):
        return {"kind": data.kind, "valid": False}
    if data.kind == "binary":
        return {"kind": "binary", "valid": True, "p": _b64(np.rint(255 * A[:, 0]))}
    if data.kind == "multiclass":
        return {"kind": "multiclass", "valid": True, "class": _b64(np.argmax(A, axis=1)),
                "p": _b64(np.rint(255 * np.max(A, axis=1)))}
    y = np.concatenate([data.y_train, data.y_test]).astype(np.float64)
    lo, hi = float(y.min()), float(y.max())
    scaled = np.clip((A[:, 0] - lo) / max(hi - lo, 1e-12), 0.0, 1.0)
    return {"kind": "regression", "valid": True, "p": _b64(np.rint(255 * scaled))}


def units_view(model, config: Config, data: DataSet) -> list[list[dict]]:
    """Per hidden layer, per unit: its output over the plane (signed map and scale)."""
    X = features(grid(data.extent, UNIT_GRID), config.features)
    layers = hidden_outputs(model, config, X)
    return [[dict(zip(("map", "scale"), signed_map(A[:, j]))) for j in range(A.shape[1])]
            for A in layers]


def curves(history: dict[str, list[float]]) -> dict:
    """Train and test loss per epoch, thinned to at most MAX_CURVE_POINTS (the last kept)."""
    n = len(history.get("loss", []))
    step = max(1, -(-n // MAX_CURVE_POINTS))
    idx = list(range(0, n, step))
    if n and idx[-1] != n - 1:
        idx.append(n - 1)

    def pick(key):
        values = history.get(key, [])
        return [values[i] if np.isfinite(values[i]) else None for i in idx] if values else []

    return {"epoch": [i + 1 for i in idx], "train": pick("loss"), "test": pick("val_loss")}


def weights_view(model) -> list[dict]:
    """Each Dense layer's W (fan_in, units), rounded for the wire: the drawn connections."""
    def wire(a):
        return np.round(np.nan_to_num(a, nan=0.0, posinf=1e6, neginf=-1e6), 5).tolist()

    return [{"W": wire(W)} for W in kernels(model)]
