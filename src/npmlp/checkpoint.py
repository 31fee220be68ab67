"""Checkpoints and Ctrl-C: save the model at epoch ends; stop cleanly on an interrupt.

``ModelCheckpoint`` writes the whole model (weights, optimizer state, generator state,
history) atomically at the end of an epoch, so ``npmlp.load(path)`` followed by
``fit(..., epochs=E, initial_epoch=len(model.history))`` continues exactly as if training
had never stopped.

``interrupt_guard`` is used by the training loop: while it is active (main thread, default
SIGINT handler only), the first Ctrl-C only sets a flag that the loop reads between batches,
so an interrupt can never land in the middle of an optimizer update; a second Ctrl-C raises
``KeyboardInterrupt`` at once (no guarantee about the batch in flight).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path

from npmlp.callbacks import History, MonitorCallback


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


@contextlib.contextmanager
def interrupt_guard():
    """Yield a one-item list that becomes ``[True]`` on the first Ctrl-C (deferred) and
    ``["forced"]`` on a second one, which also raises KeyboardInterrupt at once."""
    pending = [False]
    install = (threading.current_thread() is threading.main_thread()
               and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if not install:
        yield pending
        return

    def handler(signum, frame):
        if pending[0]:
            pending[0] = "forced"  # second Ctrl-C: the user insists
            raise KeyboardInterrupt
        pending[0] = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield pending
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def resume(model, X, y, epochs: int, **fit_options) -> History:
    """Continue training ``model`` (an MLP or the path of a saved one) for ``epochs`` more
    epochs on (X, y); bit-identical to never having stopped when the model was saved at an
    epoch end and (X, y) and the fit options are the same. Returns the History (all epochs)."""
    from npmlp._validation import check_positive_int
    from npmlp.io import load
    from npmlp.model import MLP

    if isinstance(model, (str, os.PathLike)):
        model = load(model)
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an npmlp.MLP or a path, got {type(model).__name__}")
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    done = 0 if model.history is None else len(model.history.epoch)
    return model.fit(X, y, epochs=done + epochs, initial_epoch=done, **fit_options)
