"""Callbacks: the training loop emits events, these react (record, print, stop).

Protocol: ``on_train_begin(logs)``, ``on_epoch_begin(epoch, logs)``,
``on_batch_end(batch, logs)``, ``on_epoch_end(epoch, logs)``, ``on_train_end(logs)``;
``set_model(model)`` is called first. Epochs and batches count from 0.
"""

from __future__ import annotations

import math
import sys

from npmlp._validation import check_real


class Callback:
    """Base class with no-op hooks."""

    model = None

    def set_model(self, model) -> None:
        self.model = model

    def on_train_begin(self, logs: dict | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_train_end(self, logs: dict | None = None) -> None: ...


class History(Callback):
    """Per-epoch metrics: ``history`` (Keras-style dict of lists), ``epoch``, ``model``."""

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.interrupted = False  # set when Ctrl-C stopped fit()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))

    def _get(self, key: str) -> list[float]:
        return self.history.get(key, [])

    loss = property(lambda self: self._get("loss"), doc="Training loss per epoch.")
    accuracy = property(lambda self: self._get("accuracy"), doc="Training accuracy per epoch.")
    val_loss = property(lambda self: self._get("val_loss"), doc="Validation loss per epoch.")
    val_accuracy = property(lambda self: self._get("val_accuracy"),
                            doc="Validation accuracy per epoch.")

    def to_dict(self) -> dict:
        """{"epoch": [...], "history": {...}} (plain lists and floats; JSON-ready)."""
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> History:
        h = cls()
        h.epoch = [int(e) for e in data.get("epoch", [])]
        h.history = {k: [float(x) for x in v] for k, v in data.get("history", {}).items()}
        return h

    @classmethod
    def continued(cls, previous: History | None, initial_epoch: int) -> History:
        """A new History that keeps ``previous``'s epochs 0 .. initial_epoch - 1 (resuming)."""
        h = cls()
        if initial_epoch and previous is not None and \
                previous.epoch[:initial_epoch] == list(range(initial_epoch)):
            h.epoch = list(range(initial_epoch))
            h.history = {k: list(v[:initial_epoch]) for k, v in previous.history.items()}
        return h

    def __len__(self) -> int:
        return len(self.epoch)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


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


class MonitorCallback(Callback):
    """Base for callbacks that watch one logged metric: ``mode="auto"`` maximises names with
    "acc" in them and minimises the rest; an improvement beats the best by ``min_delta``."""

    MODES = ("auto", "min", "max")

    def __init__(self, monitor: str, mode: str = "auto", min_delta: float = 0.0):
        if not isinstance(monitor, str) or not monitor:
            raise TypeError(f"monitor must be a metric name (str), got {monitor!r}")
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        self.monitor = monitor
        self.mode = ("max" if "acc" in monitor else "min") if mode == "auto" else mode
        self.min_delta = abs(check_real(min_delta, "min_delta"))
        self.reset_best()

    def reset_best(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None

    def improved(self, value: float) -> bool:
        """True if value beats the best so far (NaN never does)."""
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def monitored(self, logs: dict | None) -> float:
        """The monitored metric from an epoch's logs, or a ValueError naming the ones logged."""
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(
                f"{type(self).__name__} monitors {self.monitor!r}, which is not among the "
                f"logged metrics {sorted(logs)}; use validation data for val_* metrics")
        return float(logs[self.monitor])


class EarlyStopping(MonitorCallback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs;
    optionally restore the weights of the best epoch (at the end of training, as Keras)."""

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0,
                 restore_best_weights: bool = False, mode: str = "auto", verbose: int = 0,
                 stream=None):
        super().__init__(monitor, mode, min_delta)
        if verbose not in (0, 1, 2, True, False):
            raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")
        self.verbose = int(verbose)
        self.stream = stream  # None: sys.stdout at the time of printing
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be an int >= 0, got {patience!r}")
        self.patience = patience
        self.restore_best_weights = bool(restore_best_weights)
        self.stopped_epoch: int | None = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.reset_best()
        self.best_weights = None
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        value = self.monitored(logs)
        if self.improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:  # Keras's rule: patience=2 stops at the 2nd bad epoch
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        # As Keras: the best weights come back whether or not training stopped early.
        restored = self.restore_best_weights and self.best_weights is not None
        if restored:
            self.model.set_weights(self.best_weights)
        if self.verbose:
            import sys

            best = "" if self.best_epoch is None else \
                f"; best {self.monitor} {self.best:.6g} at epoch {self.best_epoch + 1}"
            stopped = ("did not stop early" if self.stopped_epoch is None else
                       f"stopped at epoch {self.stopped_epoch + 1}: {self.monitor} did not "
                       f"improve for {self.patience} epoch(s)")
            weights = (f"; restored the weights of epoch {self.best_epoch + 1}" if restored
                       else "; kept the last epoch's weights")
            print(f"EarlyStopping: {stopped}{best}{weights}",
                  file=self.stream if self.stream is not None else sys.stdout)
