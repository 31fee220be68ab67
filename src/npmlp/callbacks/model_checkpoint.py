"""ModelCheckpoint: save the whole model at epoch ends, atomically.

The file holds weights, optimizer state, generator state and history, so ``npmlp.load(path)``
followed by ``fit(..., epochs=E, initial_epoch=len(model.history))`` (or ``npmlp.resume``)
continues exactly as if training had never stopped.
"""

from __future__ import annotations

import os
from pathlib import Path

from npmlp.callbacks.monitor import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Save the model to ``path`` at each epoch end, or only when ``monitor`` improves.

    ``path`` may hold ``{epoch}`` (1-based) and any logged metric, e.g.
    ``"runs/ckpt-{epoch:03d}-{val_loss:.3f}.npz"``. ``mode="auto"`` maximises metrics whose
    name contains "acc" and minimises the rest. Writes are atomic (temp file + fsync + rename).
    """

    def __init__(self, path: str | os.PathLike, monitor: str = "val_loss",
                 save_best_only: bool = False, mode: str = "auto"):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}: "
                            f"{path!r}")
        if not str(path):
            raise ValueError("path must not be empty")
        if not isinstance(save_best_only, bool):
            raise TypeError(f"save_best_only must be a bool, got {save_best_only!r}")
        super().__init__(monitor, mode)
        self.path = os.fspath(path)
        self.save_best_only = save_best_only
        self.saved: list[str] = []

    def on_train_begin(self, logs=None):
        # Made now (as every save does) so that an unusable path fails before any training.
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.save_best_only:
            value = self.monitored(logs)
            if not self.improved(value):  # NaN never improves
                return
            self.best, self.best_epoch = value, epoch
        try:
            target = self.path.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"ModelCheckpoint path {self.path!r} cannot be formatted with "
                             f"epoch and {sorted(logs)}: {exc!r}") from None
        self.model.save(target)
        self.saved.append(target)
