"""Callbacks: the training loop emits events, these react (record, print, stop, save)."""

from npmlp.callbacks.base import Callback
from npmlp.callbacks.early_stopping import EarlyStopping
from npmlp.callbacks.history import History
from npmlp.callbacks.model_checkpoint import ModelCheckpoint
from npmlp.callbacks.monitor import MonitorCallback
from npmlp.callbacks.progress import ProgressPrinter, format_logs
from npmlp.callbacks.tensorboard import TensorBoard

__all__ = ["Callback", "EarlyStopping", "History", "ModelCheckpoint", "MonitorCallback",
           "ProgressPrinter", "TensorBoard", "format_logs"]
