"""Finite-difference gradient check of a whole network.

For every parameter entry ``w``: ``(L(w + h) - L(w - h)) / (2 h)`` (central differences)
compared with backprop's gradient by the relative error
``|g_num - g_bp| / max(|g_num| + |g_bp|, tiny)`` per parameter array (norms over the array).
Use float64: in float32 the differences drown in rounding.
"""

from __future__ import annotations

import numpy as np


def batch_loss(model, X: np.ndarray, Y: np.ndarray) -> float:
    """The training objective on one batch: data loss (logits path where exact) + penalty."""
    Z, A = model.forward_output(X)
    return model.output_loss(Y, Z, A) + model.penalty()


def backprop_gradients(model, X: np.ndarray, Y: np.ndarray) -> list[np.ndarray]:
    """[dW1, db1, ...] from one forward and backward pass (no update)."""
    model.forward(X, training=True)
    model.backward(Y)
    return [np.array(g, copy=True) for g in model.grads]


def numerical_gradients(model, X: np.ndarray, Y: np.ndarray, h: float = 1e-6) -> list[np.ndarray]:
    """Central differences of ``batch_loss`` for every entry of every parameter."""
    grads = []
    for p in model.params:
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for j in range(flat.size):
            saved = flat[j]
            flat[j] = saved + h
            up = batch_loss(model, X, Y)
            flat[j] = saved - h
            down = batch_loss(model, X, Y)
            flat[j] = saved
            gflat[j] = (up - down) / (2 * h)
        grads.append(g)
    return grads


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are zero."""
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def check_gradients(model, X: np.ndarray, Y: np.ndarray, h: float = 1e-6) -> list[dict]:
    """One record per parameter: name, shape, relative error, max |difference|.

    ``Y`` is the encoded target (m, units) in the model's dtype.
    """
    analytic = backprop_gradients(model, X, Y)
    numeric = numerical_gradients(model, X, Y, h)
    records = []
    for i, (ga, gn) in enumerate(zip(analytic, numeric)):
        name = f"{'W' if i % 2 == 0 else 'b'}{i // 2 + 1}"
        records.append({
            "name": name,
            "shape": tuple(ga.shape),
            "relative_error": relative_error(ga, gn),
            "max_abs_diff": float(np.max(np.abs(ga - gn))) if ga.size else 0.0,
        })
    return records
