"""Which samples validate: Keras's tail rule, or a random or stratified draw from the model's
split seed (the same samples on every fit and on resume)."""

from __future__ import annotations

import math
import warnings

import numpy as np

SPLITS = ("tail", "random", "stratified")


def validation_split_index(n: int, validation_split: float) -> int:
    """Keras's rule, literally: int(floor(n * (1.0 - validation_split)))."""
    return int(math.floor(n * (1.0 - validation_split)))


def stratified_counts(counts: np.ndarray, n_test: int) -> np.ndarray:
    """Split n_test over classes in proportion to counts (largest remainder), within counts."""
    exact = n_test * counts / counts.sum()
    take = np.floor(exact).astype(np.int64)
    # Hand the leftover test slots to the classes with the largest fractional parts.
    for c in np.argsort(-(exact - take), kind="stable")[: n_test - take.sum()]:
        take[c] += 1
    return np.minimum(take, counts)


def _warn_if_sorted(model, Y: np.ndarray, split_at: int, validation_split: float) -> None:
    """Labels sorted by class put one class in the tail: validation would measure only it."""
    labels = Y[:, 0] if Y.shape[1] == 1 else np.argmax(Y, axis=1)
    tail = np.unique(labels[split_at:])
    share = np.mean(labels == tail[0]) if len(tail) == 1 else 1.0
    # one class in the tail although a random order would make that unlikely (< 1%)
    if len(tail) == 1 and share < 1 and share ** (len(labels) - split_at) < 0.01:
        classes = getattr(model.encoder, "classes", None)
        name = (tail[0] if classes is None else classes[int(tail[0])]).item()
        warnings.warn(
            f"the validation samples (the last {validation_split:g} of the rows) are all of "
            f"class {name!r}: the labels look sorted by class, so validation measures one "
            f"class only; use split='stratified' (CLI: --split stratified) or shuffle the "
            f"rows", UserWarning, stacklevel=4)


def split_indices(model, Y: np.ndarray, validation_split: float, split: str):
    """(train, validation) index arrays or slices for the three split rules."""
    n = Y.shape[0]
    split_at = validation_split_index(n, validation_split)
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"validation_split={validation_split} with {n} samples leaves "
            f"{split_at} training and {n - split_at} validation samples; both must be >= 1"
        )
    if split == "tail":
        if model.kind in ("binary", "multiclass"):
            _warn_if_sorted(model, Y, split_at, validation_split)
        return slice(0, split_at), slice(split_at, n)
    # A generator of its own, from the model's split seed, so that every fit() call (and a
    # resumed run) holds out the same samples and the shuffling stream is left untouched.
    rng = np.random.default_rng([model.split_seed, n, 1])
    if split == "random":
        order = rng.permutation(n)
        return np.sort(order[n - split_at:]), np.sort(order[:n - split_at])
    if model.kind not in ("binary", "multiclass"):
        raise ValueError(f"split='stratified' needs a classification model, not {model.kind}")
    labels = Y[:, 0] if Y.shape[1] == 1 else np.argmax(Y, axis=1)
    classes, counts = np.unique(labels, return_counts=True)
    # n - split_at validation samples in all (as the tail rule), shared out by class size
    take = stratified_counts(counts, n - split_at)
    val = np.sort(np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:k]
                                  for c, k in zip(classes, take)]))
    if len(val) == 0 or len(val) == n:
        raise ValueError(f"split='stratified' with validation_split={validation_split} leaves "
                         f"{n - len(val)} training and {len(val)} validation samples")
    return np.setdiff1d(np.arange(n), val), val
