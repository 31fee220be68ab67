"""The model: a sequence of layers, a loss and an optimizer (``MLP``), and its saved state."""

from npmlp.model.loading import load
from npmlp.model.mlp import MLP
from npmlp.model.targets import TargetEncoder

__all__ = ["MLP", "TargetEncoder", "load"]
