"""ProgressPrinter: one line per epoch, and a batch bar on a terminal."""

from __future__ import annotations

import sys

from npmlp.callbacks.base import Callback


def format_logs(logs: dict) -> str:
    """'loss: 0.6931 - accuracy: 0.5125 - ...'"""
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items() if k != "size")


class ProgressPrinter(Callback):
    """Prints ``Epoch 3/100 - loss: ... - accuracy: ...`` per epoch; a batch progress bar
    when the stream is a terminal."""

    def __init__(self, epochs: int, steps: int | None = None, stream=None):
        self.epochs = epochs
        self.steps = steps
        self.stream = stream

    @property
    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def _tty(self) -> bool:
        isatty = getattr(self._out, "isatty", None)
        return bool(isatty and isatty())

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_end(self, batch, logs=None):
        if not self._tty() or not self.steps:
            return
        width = 30
        done = int(width * (batch + 1) / self.steps)
        bar = "=" * done + "." * (width - done)
        self._out.write(f"\rEpoch {self._epoch + 1}/{self.epochs} [{bar}] "
                        f"{batch + 1}/{self.steps}")
        self._out.flush()

    def on_epoch_end(self, epoch, logs=None):
        prefix = "\r" if self._tty() and self.steps else ""
        line = f"Epoch {epoch + 1}/{self.epochs} - {format_logs(logs or {})}"
        pad = " " * 20 if prefix else ""
        self._out.write(f"{prefix}{line}{pad}\n")
        self._out.flush()
