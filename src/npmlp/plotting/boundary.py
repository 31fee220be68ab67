"""Decision boundary of a trained classifier on 2-D data, drawn over the samples.

The model is evaluated on a ``resolution x resolution`` grid spanning the data (plus a margin);
each grid point is coloured by the predicted class, and the samples are drawn on top.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from npmlp._validation import check_positive_int, check_X, check_y
from npmlp.model import MLP
from npmlp.plotting.history import new_figure, save_figure


def grid_predictions(model, X: np.ndarray, resolution: int = 200, margin: float = 0.5):
    """(xx, yy, labels): a mesh over X's bounding box and the model's class index at each point.

    ``xx`` and ``yy`` are (resolution, resolution); labels are output indices (0..k-1), taken
    from ``predict_proba`` so they do not depend on the label values y was given in.
    """
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    P = model.predict_proba(np.column_stack([xx.ravel(), yy.ravel()]))
    # Keras's binary rule: class 1 where p > 0.5 (strict), else argmax over the classes.
    labels = (P[:, 0] > 0.5).astype(int) if P.shape[1] == 1 else np.argmax(P, axis=1)
    return xx, yy, labels.reshape(xx.shape)


def plot_decision_boundary(model, X, y, path: str | Path, *, resolution: int = 200,
                           title: str | None = None) -> Path:
    """Write the decision regions of ``model`` on 2-D ``X`` (n, 2) with the samples ``y`` (n,)
    on top to ``path`` (.png, .svg or .pdf). Returns the path."""
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an npmlp.MLP, got {type(model).__name__}")
    if not model.built:
        raise ValueError("model has no weights yet: fit it before plotting its decision boundary")
    if model.kind not in ("binary", "multiclass"):
        raise ValueError(f"plot_decision_boundary needs a classifier, got a {model.kind} model")
    X = check_X(X, "float64")
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 features to draw a boundary, got shape {X.shape}")
    y = check_y(y, X.shape[0]).reshape(X.shape[0], -1)
    resolution = check_positive_int(resolution, "resolution", minimum=2)

    xx, yy, labels = grid_predictions(model, X, resolution)
    # Colour the samples by their class index, matching the grid's 0..k-1 indices.
    if y.shape[1] > 1:
        index = np.argmax(y, axis=1)
    else:
        index = np.unique(y[:, 0], return_inverse=True)[1].reshape(-1)
    k = max(int(labels.max()), int(index.max())) + 1
    fig = new_figure(6, 5)
    ax = fig.add_subplot(1, 1, 1)
    ax.contourf(xx, yy, labels, levels=np.arange(k + 1) - 0.5, cmap="coolwarm", alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=index, cmap="coolwarm", vmin=0, vmax=max(k - 1, 1),
               edgecolors="k", linewidths=0.3, s=18)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title or f"Decision boundary of {model!r}")
    return save_figure(fig, path)
