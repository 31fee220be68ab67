"""EarlyStopping: stop when a monitored metric stops improving (Keras's rule)."""

from __future__ import annotations

import sys

from npmlp.callbacks.monitor import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs;
    optionally restore the weights of the best epoch (at the end of training, as Keras)."""

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0,
                 restore_best_weights: bool = False, mode: str = "auto", verbose: int = 0,
                 stream=None):
        super().__init__(monitor, mode, min_delta)
        if verbose not in (0, 1, 2, True, False):
            raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")
        self.verbose = int(verbose)  # >= 1: say when it stopped and which weights it kept
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
            best = "" if self.best_epoch is None else \
                f"; best {self.monitor} {self.best:.6g} at epoch {self.best_epoch + 1}"
            stopped = ("did not stop early" if self.stopped_epoch is None else
                       f"stopped at epoch {self.stopped_epoch + 1}: {self.monitor} did not "
                       f"improve for {self.patience} epoch(s)")
            weights = (f"; restored the weights of epoch {self.best_epoch + 1}" if restored
                       else "; kept the last epoch's weights")
            print(f"EarlyStopping: {stopped}{best}{weights}",
                  file=self.stream if self.stream is not None else sys.stdout)
