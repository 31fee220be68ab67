"""Finite-difference gradient check of a whole network.

For every parameter entry ``w``: ``g_num = (L(w + h) - L(w - h)) / (2 h)`` (central
differences), compared with backprop's ``g_bp`` entry by entry:

    |g_bp - g_num| <= rtol * max(|g_bp|, |g_num|) + atol,   atol = 8 eps max(|L|, 1) / h

Why this ``atol``: each evaluation of ``L`` in float64 carries a rounding error of about
``eps |L|`` (``eps`` = 2.2e-16), and dividing the difference of two of them by ``2 h`` turns
it into an absolute error of about ``eps |L| / h`` in ``g_num`` (1e-10 for ``h = 1e-6`` and a
loss near 1; measured: at most 1x that on the networks of the tests and ``npmlp explain``).
The factor 8 is the margin; ``max(|L|, 1)`` covers losses near zero whose intermediate terms
are not. The truncation error of central differences (``h^2 |L'''| / 6``, about 1e-13) is far
below ``rtol = 1e-6``. A purely relative test would fail entries of vanishing gradients
(1e-8 and below) on rounding alone; a purely absolute one would pass a wrong entry of a large
gradient. The norm ratio ``||g_num - g_bp|| / (||g_num|| + ||g_bp||)`` per array is reported
as well. Use float64: in float32 the differences drown in rounding.
"""

from __future__ import annotations

import numpy as np

RTOL = 1e-6
ATOL_FACTOR = 8.0


def batch_loss(model, X: np.ndarray, Y: np.ndarray,
               sample_weight: np.ndarray | None = None) -> float:
    """The training objective on one batch: data loss (logits path where exact) + penalty."""
    Z, A = model.forward_output(X)
    return model.output_loss(Y, Z, A, sample_weight) + model.penalty()


def backprop_gradients(model, X: np.ndarray, Y: np.ndarray,
                       sample_weight: np.ndarray | None = None) -> list[np.ndarray]:
    """[dW1, db1, ...] from one forward and backward pass (no update)."""
    model.forward(X, training=True)
    model.backward(Y, sample_weight)
    return [np.array(g, copy=True) for g in model.grads]


def numerical_gradients(model, X: np.ndarray, Y: np.ndarray, h: float = 1e-6,
                        sample_weight: np.ndarray | None = None) -> list[np.ndarray]:
    """Central differences of ``batch_loss`` for every entry of every parameter."""
    grads = []
    for p in model.params:
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for j in range(flat.size):
            saved = flat[j]
            flat[j] = saved + h
            up = batch_loss(model, X, Y, sample_weight)
            flat[j] = saved - h
            down = batch_loss(model, X, Y, sample_weight)
            flat[j] = saved
            gflat[j] = (up - down) / (2 * h)
        grads.append(g)
    return grads


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are zero."""
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def absolute_tolerance(loss: float, h: float) -> float:
    """The absolute floor of the elementwise bound: 8 eps max(|L|, 1) / h (float64)."""
    return ATOL_FACTOR * float(np.finfo(np.float64).eps) * max(abs(loss), 1.0) / h


def elementwise_ratio(analytic: np.ndarray, numeric: np.ndarray, rtol: float,
                      atol: float) -> float:
    """max over entries of |a - n| / (rtol max(|a|, |n|) + atol); <= 1 passes."""
    if analytic.size == 0:
        return 0.0
    bound = rtol * np.maximum(np.abs(analytic), np.abs(numeric)) + atol
    return float(np.max(np.abs(analytic - numeric) / bound))


def check_gradients(model, X: np.ndarray, Y: np.ndarray, h: float = 1e-6,
                    sample_weight: np.ndarray | None = None, rtol: float = RTOL) -> list[dict]:
    """One record per parameter: name, shape, relative error (norms), max |difference|, the
    elementwise bound's ``rtol`` and ``atol``, ``worst`` (the largest entry of
    ``|a - n| / (rtol max(|a|, |n|) + atol)``) and ``passed`` (``worst <= 1``).

    ``Y`` is the encoded target (m, units) in the model's dtype; ``sample_weight`` (m,) or None.
    """
    loss = batch_loss(model, X, Y, sample_weight)
    atol = absolute_tolerance(loss, h)
    analytic = backprop_gradients(model, X, Y, sample_weight)
    numeric = numerical_gradients(model, X, Y, h, sample_weight)
    records = []
    for i, (ga, gn) in enumerate(zip(analytic, numeric)):
        worst = elementwise_ratio(ga, gn, rtol, atol)
        records.append({
            "name": f"{'W' if i % 2 == 0 else 'b'}{i // 2 + 1}",
            "shape": tuple(ga.shape),
            "relative_error": relative_error(ga, gn),
            "max_abs_diff": float(np.max(np.abs(ga - gn))) if ga.size else 0.0,
            "rtol": rtol,
            "atol": atol,
            "worst": worst,
            "passed": bool(worst <= 1.0),
        })
    return records
