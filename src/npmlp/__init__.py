"""npmlp: a multi-layer perceptron written from scratch in NumPy, proven against Keras."""

from npmlp import datasets, export, optimizers
from npmlp._version import __version__
from npmlp.api import mlp, resume
from npmlp.callbacks import (
    Callback,
    EarlyStopping,
    History,
    ModelCheckpoint,
    ProgressPrinter,
    ReduceLROnPlateau,
    TensorBoard,
)
from npmlp.ensemble import Ensemble, EnsembleHistory
from npmlp.model import MLP, load
from npmlp.nn import activations, initializers, losses, metrics
from npmlp.nn.dropout import Dropout
from npmlp.nn.layers import Activation, Dense
from npmlp.nn.normalization import BatchNormalization
from npmlp.nn.regularizers import L1, L1L2, L2
from npmlp.optimizers import SGD, Adam, Optimizer, RMSprop, schedules
from npmlp.optimizers.schedules import ExponentialDecay, InverseTimeDecay, LearningRateSchedule
from npmlp.plotting import plot_decision_boundary, plot_history
from npmlp.saving import ModelFileError
from npmlp.training import DivergenceError

__all__ = [
    "MLP", "Ensemble", "EnsembleHistory", "Dense", "Activation", "Dropout",
    "BatchNormalization", "L1", "L2", "L1L2", "SGD", "Adam", "RMSprop", "Optimizer",
    "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
    "History", "Callback", "EarlyStopping", "ProgressPrinter", "ReduceLROnPlateau",
    "DivergenceError",
    "ModelFileError", "ModelCheckpoint", "TensorBoard", "mlp", "resume", "load", "plot_history",
    "plot_decision_boundary", "activations", "losses", "initializers", "optimizers",
    "schedules", "metrics", "datasets", "export", "__version__",
]
