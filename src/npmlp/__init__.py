"""npmlp: a multi-layer perceptron written from scratch in NumPy, proven against Keras."""

from npmlp import (
    activations,
    datasets,
    export,
    initializers,
    losses,
    metrics,
    optimizers,
    schedules,
)
from npmlp.api import mlp
from npmlp.boundary import plot_decision_boundary
from npmlp.callbacks import Callback, EarlyStopping, History, ProgressPrinter
from npmlp.checkpoint import ModelCheckpoint
from npmlp.io import ModelFileError, load
from npmlp.layers import L2, Dense
from npmlp.model import MLP
from npmlp.optimizers import SGD, Adam, Optimizer, RMSprop
from npmlp.plotting import plot_history
from npmlp.schedules import ExponentialDecay, InverseTimeDecay, LearningRateSchedule
from npmlp.tensorboard import TensorBoard
from npmlp.training import DivergenceError

__version__ = "0.1.0"

__all__ = [
    "MLP", "Dense", "L2", "SGD", "Adam", "RMSprop", "Optimizer",
    "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
    "History", "Callback", "EarlyStopping", "ProgressPrinter", "DivergenceError",
    "ModelFileError", "ModelCheckpoint", "TensorBoard", "mlp", "load", "plot_history",
    "plot_decision_boundary", "activations", "losses", "initializers", "optimizers", "schedules",
    "metrics", "datasets", "export",
    "__version__",
]
