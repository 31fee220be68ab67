"""Toy data generators, small shipped real datasets, scaling and splitting.

Generators take `seed=None` and draw from `np.random.default_rng(seed)`: the same seed gives
bit-identical output. They return (X, y) with X float64 of shape (n_samples, n_features).
"""

from __future__ import annotations

import csv
import gzip
import math
import numbers
from collections.abc import Callable
from importlib import resources
from typing import Any

import numpy as np

from npmlp._validation import check_positive_int, check_real
from npmlp.training.splits import stratified_counts

__all__ = [
    "GENERATORS", "NAMES", "Standardizer", "circles", "dummy", "load", "moons", "spirals",
    "train_test_split", "xor",
]

NAMES = ("iris", "wine", "breast_cancer", "digits")


def _rng(seed: Any) -> np.random.Generator:
    """np.random.default_rng(seed) with a readable error for bad seeds."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return np.random.default_rng(seed)
    check_positive_int(seed, "seed", 0)
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------- generators
def dummy(n_samples: int = 100, n_features: int = 10,
          seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Random X uniform in [0, 1) of shape (n, d) and random 0/1 labels y of shape (n, 1)."""
    n = check_positive_int(n_samples, "n_samples", 1)
    d = check_positive_int(n_features, "n_features", 1)
    rng = _rng(seed)
    X = rng.random((n, d))
    y = rng.integers(0, 2, size=(n, 1), dtype=np.int64)
    return X, y


def _shuffled(rng: np.random.Generator, X: np.ndarray,
              y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of X and y in one random order (generators build the classes in blocks)."""
    order = rng.permutation(len(y))
    return X[order], y[order]


def _blocks(n: int, k: int) -> np.ndarray:
    """Labels 0..k-1 in blocks of sizes n//k or n//k + 1 (the first n % k get one more)."""
    return np.repeat(np.arange(k, dtype=np.int64), [n // k + (c < n % k) for c in range(k)])


def moons(n_samples: int = 200, noise: float = 0.1,
          seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, X (n, 2), y 0/1 (n,): n//2 of class 0, the rest class 1.

    Class 0: (cos t, sin t); class 1: (1 - cos t, 0.5 - sin t), t in [0, pi]; plus N(0, noise^2).
    """
    n = check_positive_int(n_samples, "n_samples", 2)
    sigma = check_real(noise, "noise", minimum=0.0)
    rng = _rng(seed)
    n_out, n_in = n // 2, n - n // 2
    t_out, t_in = np.linspace(0.0, np.pi, n_out), np.linspace(0.0, np.pi, n_in)
    X = np.concatenate([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        np.column_stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)]),
    ])
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_out, n_in])
    X += rng.normal(0.0, sigma, size=X.shape)
    return _shuffled(rng, X, y)


def circles(n_samples: int = 200, noise: float = 0.05, factor: float = 0.5,
            seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles, X (n, 2), y (n,): 0 on radius 1 (n//2 points), 1 on radius factor."""
    n = check_positive_int(n_samples, "n_samples", 2)
    sigma = check_real(noise, "noise", minimum=0.0)
    r = check_real(factor, "factor", minimum=0.0, maximum=1.0, exclusive_min=True,
                   exclusive_max=True)
    rng = _rng(seed)
    n_out, n_in = n // 2, n - n // 2
    # endpoint=False: t = 2*pi would repeat the point at t = 0.
    t_out = np.linspace(0.0, 2.0 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0.0, 2.0 * np.pi, n_in, endpoint=False)
    X = np.concatenate([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        r * np.column_stack([np.cos(t_in), np.sin(t_in)]),
    ])
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_out, n_in])
    X += rng.normal(0.0, sigma, size=X.shape)
    return _shuffled(rng, X, y)


def spirals(n_samples: int = 300, noise: float = 0.2, n_classes: int = 3,
            seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, X (n, 2), y in 0..n_classes-1 (n,), near-equal class sizes.

    Arm k: radius r in [0, 1], angle 2*pi*k/K + 4 r + N(0, noise^2) (the CS231n spiral).
    """
    k = check_positive_int(n_classes, "n_classes", 2)
    n = check_positive_int(n_samples, "n_samples", k)
    sigma = check_real(noise, "noise", minimum=0.0)
    rng = _rng(seed)
    y = _blocks(n, k)
    # Radius runs 0 -> 1 along each arm; position along the arm from the index within it.
    counts = np.bincount(y, minlength=k)
    r = np.concatenate([np.linspace(0.0, 1.0, c) for c in counts])
    angle = 2.0 * np.pi * y / k + 4.0 * r + rng.normal(0.0, sigma, size=n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    return _shuffled(rng, X, y)


def xor(n_samples: int = 200, noise: float = 0.1,
        seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Points around the corners (+-1, +-1) plus N(0, noise^2), X (n, 2); y = 1 iff x1 * x2 < 0.

    The corners are used in turn, so each gets n//4 or n//4 + 1 points; not linearly separable.
    """
    n = check_positive_int(n_samples, "n_samples", 4)
    sigma = check_real(noise, "noise", minimum=0.0)
    rng = _rng(seed)
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    X = corners[np.arange(n) % 4] + rng.normal(0.0, sigma, size=(n, 2))
    # Label from the noisy point, so a point that noise pushed over an axis follows its quadrant.
    y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    return _shuffled(rng, X, y)


GENERATORS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    f.__name__: f for f in (dummy, moons, circles, spirals, xor)
}


# ----------------------------------------------------------------------------- real data
def load(name: str, return_feature_names: bool = False) -> tuple:
    """Load a shipped dataset: X float64 (n, d), y int64 (n,) [, feature_names list of d str].

    iris (150, 4) 3 classes; wine (178, 13) 3; breast_cancer (569, 30) 2; digits (1797, 64)
    10 classes with raw pixel values 0..16 (not scaled). Sources and licences: data/README.md.
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected one of {list(NAMES)}, got {type(name).__name__} "
                        f"{name!r}")
    if name not in NAMES:
        raise ValueError(f"name: unknown dataset {name!r}; expected one of {list(NAMES)}")
    if not isinstance(return_feature_names, bool):
        raise TypeError(f"return_feature_names: expected a bool, got "
                        f"{type(return_feature_names).__name__} {return_feature_names!r}")
    # importlib.resources also finds the file inside a zipped wheel, unlike a __file__ path.
    resource = resources.files("npmlp") / "data" / f"{name}.csv.gz"
    with resource.open("rb") as raw, gzip.open(raw, "rt", encoding="ascii", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        table = np.array(list(reader), dtype=np.float64)  # last column is the class label
    X = np.ascontiguousarray(table[:, :-1])
    y = table[:, -1].astype(np.int64)
    if return_feature_names:
        return X, y, header[:-1]
    return X, y


# ----------------------------------------------------------------------------- scaling
class Standardizer:
    """Scale each column to mean 0 and std 1: z = (x - mean_) / scale_.

    Fit it on the training part only, then transform train and test with the same
    mean_ and scale_, so no information from the test set leaks into training.
    A constant column gets scale_ 1 (it becomes all zeros instead of 0/0).
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    @staticmethod
    def _as_2d(X: Any, arg: str = "X") -> np.ndarray:
        """X as a 2-D float array; float32/float64 keep their dtype, the rest become float64."""
        X = np.asarray(X)
        if X.dtype not in (np.float32, np.float64):
            if not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_):
                raise TypeError(f"{arg}: expected a numeric array, got dtype {X.dtype}")
            X = X.astype(np.float64)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"{arg}: expected a 2-D array of shape (n_samples, n_features) "
                             f"with n_samples >= 1, got shape {X.shape}")
        return X

    def fit(self, X: Any) -> Standardizer:
        """Store the per-column mean_ and scale_ (std, with 1 for constant columns) of X (n, d)."""
        X = self._as_2d(X)
        if not np.all(np.isfinite(X)):
            raise ValueError("X: expected finite values, got NaN or inf")
        # The true mean of an exactly constant column is its value; X.mean may be off by an
        # ulp, which would leave 1e-17 instead of 0 after centring.
        mean = np.where(np.all(X == X[0], axis=0), X[0], X.mean(axis=0))
        std = X.std(axis=0)
        # A "constant" column can still show std ~ eps * |mean| from rounding in the mean.
        tiny = 10 * np.finfo(X.dtype).eps * np.maximum(np.abs(mean), 1.0)
        self.mean_ = mean
        self.scale_ = np.where(std > tiny, std, 1.0).astype(X.dtype)
        return self

    def _check_fitted(self, X: Any) -> np.ndarray:
        if self.mean_ is None or self.scale_ is None:
            raise ValueError("Standardizer: not fitted yet; call fit(X_train) before "
                             "transform or inverse_transform")
        X = self._as_2d(X)
        if X.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"X: expected {self.mean_.shape[0]} columns (as in fit), got "
                             f"{X.shape[1]}")
        return X

    def transform(self, X: Any) -> np.ndarray:
        """Return (X - mean_) / scale_, shape (n, d)."""
        X = self._check_fitted(X)
        return ((X - self.mean_) / self.scale_).astype(X.dtype, copy=False)

    def fit_transform(self, X: Any) -> np.ndarray:
        """fit(X) then transform(X)."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Return X * scale_ + mean_, undoing transform."""
        X = self._check_fitted(X)
        return (X * self.scale_ + self.mean_).astype(X.dtype, copy=False)

    def fold_into(self, model: Any) -> None:
        """Rewrite a model trained on transform(X) so that it takes raw X (for prediction).

        ((x - mean) / scale) @ W + b = x @ W' + b' with W' = W / scale[:, None] and
        b' = b - (mean / scale) @ W; later layers are unchanged.
        """
        if self.mean_ is None or self.scale_ is None:
            raise ValueError("Standardizer: not fitted yet; call fit(X_train) before fold_into")
        layer = model.layers[0]
        if layer.W is None or layer.W.shape[0] != self.mean_.shape[0]:
            raise ValueError(f"model: expected a built model with {self.mean_.shape[0]} inputs "
                             f"(as in fit), got {None if layer.W is None else layer.W.shape[0]}")
        W, b = layer.W.copy(), layer.b.copy()
        layer.W[...] = W / self.scale_[:, None]
        layer.b[...] = b - (self.mean_ / self.scale_) @ W


# ----------------------------------------------------------------------------- splitting
def train_test_split(X: Any, y: Any, test_size: float = 0.25, seed: Any = None,
                     stratify: bool = False) -> tuple[np.ndarray, ...]:
    """Shuffle and split rows: X_train, X_test, y_train, y_test.

    test_size is a fraction in (0, 1) (test rows = ceil(test_size * n)) or an int count.
    stratify=True keeps each class's share of y (rows of y are the labels) in both parts.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"X, y: expected arrays with a sample axis, got shapes {X.shape} "
                         f"and {y.shape}")
    n = X.shape[0]
    if y.shape[0] != n:
        raise ValueError(f"y: expected {n} rows like X, got {y.shape[0]} (shape {y.shape})")
    if n < 2:
        raise ValueError(f"X: expected at least 2 samples to split, got {n}")
    if isinstance(test_size, numbers.Integral) and not isinstance(test_size, bool):
        n_test = check_positive_int(test_size, "test_size", 1)
        if n_test >= n:
            raise ValueError(f"test_size: expected a count below n_samples={n}, got {n_test}")
    else:
        frac = check_real(test_size, "test_size", minimum=0.0, maximum=1.0, exclusive_min=True,
                          exclusive_max=True)
        n_test = min(max(math.ceil(frac * n), 1), n - 1)
    if not isinstance(stratify, bool):
        raise TypeError(f"stratify: expected a bool, got {type(stratify).__name__} "
                        f"{stratify!r}")
    rng = _rng(seed)
    if stratify:
        _, labels = np.unique(y.reshape(n, -1), axis=0, return_inverse=True)
        labels = labels.reshape(-1)
        counts = np.bincount(labels)
        if counts.min() < 2:
            raise ValueError(f"y: stratify=True needs at least 2 samples per class, got class "
                             f"counts {counts.tolist()}")
        take = stratified_counts(counts, n_test)
        test_parts, train_parts = [], []
        for c, k in enumerate(take):
            members = rng.permutation(np.flatnonzero(labels == c))
            test_parts.append(members[:k])
            train_parts.append(members[k:])
        # Shuffle again so the classes are not in blocks.
        test_idx = rng.permutation(np.concatenate(test_parts))
        train_idx = rng.permutation(np.concatenate(train_parts))
    else:
        order = rng.permutation(n)
        test_idx, train_idx = order[:n_test], order[n_test:]
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]

