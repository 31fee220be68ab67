"""Finite-difference gradient check of a whole network.

For every parameter entry ``w``: ``(L(w + h) - L(w - h)) / (2 h)`` (central differences)
compared with backprop's gradient by the relative error
``|g_num - g_bp| / max(|g_num| + |g_bp|, tiny)`` per parameter array (norms over the array).
Use float64: in float32 the differences drown in rounding.

The objective is the TRAINING pass (``MLP.forward_loss``): BatchNormalization normalises with
the batch statistics, and every evaluation starts from the same generator state and moving
statistics, so Dropout draws the same mask each time (the gradient checked is the one of the
loss with that fixed mask).
"""

from __future__ import annotations

import numpy as np


class _Fixed:
    """The generator state and moving statistics at creation; ``reset()`` puts them back."""

    def __init__(self, model):
        self.model = model
        self.rng_state = model.rng.bit_generator.state
        self.moving = np.array(model.non_trainable.flat, copy=True)

    def reset(self) -> None:
        self.model.rng.bit_generator.state = self.rng_state
        np.copyto(self.model.non_trainable.flat, self.moving)


def batch_loss(model, X: np.ndarray, Y: np.ndarray, fixed: _Fixed | None = None) -> float:
    """The training objective on one batch: data loss (logits path where exact) + penalty,
    from the training pass (with ``fixed``: from the same generator state each time)."""
    if fixed is not None:
        fixed.reset()
    return model.forward_loss(X, Y)


def backprop_gradients(model, X: np.ndarray, Y: np.ndarray,
                       fixed: _Fixed | None = None) -> list[np.ndarray]:
    """[dW1, db1, ...] from one training forward and backward pass (no update)."""
    batch_loss(model, X, Y, fixed)
    model.backward(Y)
    return [np.array(g, copy=True) for g in model.grads]


def numerical_gradients(model, X: np.ndarray, Y: np.ndarray, h: float = 1e-6,
                        fixed: _Fixed | None = None) -> list[np.ndarray]:
    """Central differences of ``batch_loss`` for every entry of every parameter."""
    fixed = _Fixed(model) if fixed is None else fixed
    grads = []
    for p in model.params:
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for j in range(flat.size):
            saved = flat[j]
            flat[j] = saved + h
            up = batch_loss(model, X, Y, fixed)
            flat[j] = saved - h
            down = batch_loss(model, X, Y, fixed)
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
    fixed = _Fixed(model)
    analytic = backprop_gradients(model, X, Y, fixed)
    numeric = numerical_gradients(model, X, Y, h, fixed)
    fixed.reset()   # the check leaves the generator and moving statistics as it found them
    records = []
    for name, ga, gn in zip(model.param_names(), analytic, numeric):
        records.append({
            "name": name,
            "shape": tuple(ga.shape),
            "relative_error": relative_error(ga, gn),
            "max_abs_diff": float(np.max(np.abs(ga - gn))) if ga.size else 0.0,
        })
    return records
