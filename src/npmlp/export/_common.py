"""What every exporter shares: layer names, the checks made before anything is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from npmlp._files import check_target
from npmlp._validation import check_dtype
from npmlp.model import MLP
from npmlp.nn.layers import layer_name  # noqa: F401  (re-exported for the exporters)


def check_model(model, what: str) -> None:
    """A built npmlp MLP, or a TypeError / ValueError saying what is wrong."""
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an npmlp.MLP, got {type(model).__name__}")
    if not model.built:
        raise ValueError(f"the model has no weights yet: call fit() or build() before {what}")


def check_path(path) -> Path:
    """A path whose directory exists and is writable and which is not a directory itself;
    checked before anything is computed or written."""
    return check_target(path)[0]


def export_dtype(model, dtype) -> np.dtype:
    """The dtype of the exported arrays: the model's own when ``dtype`` is None."""
    return model.dtype if dtype is None else check_dtype(dtype)
