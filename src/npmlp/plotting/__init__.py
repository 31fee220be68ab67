"""Plots: a History per epoch, and a classifier's decision boundary (matplotlib, lazily)."""

from npmlp.plotting.boundary import grid_predictions, plot_decision_boundary
from npmlp.plotting.history import (
    draw_metric,
    new_figure,
    plot_ensemble_history,
    plot_history,
    save_figure,
)

__all__ = ["draw_metric", "grid_predictions", "new_figure", "plot_decision_boundary",
           "plot_ensemble_history", "plot_history", "save_figure"]
