"""Plots of a History: Loss vs Epoch and Accuracy (or MAE) vs Epoch. Reads only the History.

matplotlib is imported here, lazily, and drawn with the Agg canvas (no display, no pyplot
global state).
"""

from __future__ import annotations

from pathlib import Path

from npmlp._files import atomic_write


def new_figure(width: float = 6.0, height: float = 4.0):
    """A matplotlib Figure bound to an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path: str | Path) -> Path:
    """Save atomically (temp file + rename); the format follows the suffix (.png, .svg, .pdf)."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    atomic_write(path, lambda f: fig.savefig(f, format=fmt, bbox_inches="tight"))
    return path


def _history_dict(history) -> dict:
    data = getattr(history, "history", history)
    if not isinstance(data, dict):
        raise TypeError(f"history must be an npmlp.History or a dict, got {type(history).__name__}")
    return data


def draw_metric(ax, history, metric: str, label: str = "", style: str = "-",
                colors=(None, None), **line) -> None:
    """Draw ``metric`` and ``val_<metric>`` of a History onto ``ax`` (``line``: keyword
    arguments of ``ax.plot``, ``colors``: of the train and validation curves)."""
    data = _history_dict(history)
    prefix = f"{label} " if label else ""
    for (key, name), color in zip(((metric, "train"), (f"val_{metric}", "validation")),
                                  colors):
        values = data.get(key)
        if values:
            ax.plot(range(1, len(values) + 1), values, style, label=f"{prefix}{name}",
                    color=color, **line)
    ax.set_xlabel("Epoch")
    ax.set_ylabel(metric.replace("_", " ").capitalize())
    ax.set_title(f"{metric.replace('_', ' ').capitalize()} vs Epoch")
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend()


def plot_history(history, path: str | Path) -> Path:
    """Write Loss vs Epoch and Accuracy (or MAE) vs Epoch, side by side, to ``path``."""
    data = _history_dict(history)
    if not data.get("loss"):
        raise ValueError("history has no 'loss' values to plot (train for at least one epoch)")
    metric = "accuracy" if "accuracy" in data else ("mae" if "mae" in data else None)
    fig = new_figure(12 if metric else 6, 4)
    axes = fig.subplots(1, 2 if metric else 1, squeeze=False)[0]
    draw_metric(axes[0], data, "loss")
    if metric:
        draw_metric(axes[1], data, metric)
    return save_figure(fig, path)


def plot_ensemble_history(history, path: str | Path) -> Path:
    """Loss and accuracy (or MAE) vs Epoch of an ensemble: the members' mean with a band of
    +/- one standard deviation. ``history``: an EnsembleHistory or {name: (K, epochs)}."""
    import numpy as np

    data = {k: np.asarray(v, dtype=np.float64) for k, v in _history_dict(history).items()}
    if "loss" not in data or data["loss"].ndim != 2 or not data["loss"].shape[1]:
        raise ValueError("history needs (members, epochs) 'loss' values to plot")
    metric = "accuracy" if "accuracy" in data else ("mae" if "mae" in data else None)
    fig = new_figure(12 if metric else 6, 4)
    axes = fig.subplots(1, 2 if metric else 1, squeeze=False)[0]
    for ax, name in zip(axes, ["loss", metric]):
        for key, label in ((name, "train"), (f"val_{name}", "validation")):
            if key not in data:
                continue
            values = data[key]
            epochs = np.arange(1, values.shape[1] + 1)
            # stopped members are NaN after their last epoch: statistics of those still running
            mean, std = np.nanmean(values, axis=0), np.nanstd(values, axis=0)
            ax.plot(epochs, mean, label=f"{label} (mean of {values.shape[0]})")
            ax.fill_between(epochs, mean - std, mean + std, alpha=0.25)
        ax.set_xlabel("Epoch")
        ax.set_ylabel(name.replace("_", " ").capitalize())
        ax.set_title(f"{name.replace('_', ' ').capitalize()} vs Epoch (mean +/- std)")
        ax.grid(True, alpha=0.3)
        ax.legend()
    return save_figure(fig, path)
