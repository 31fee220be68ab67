"""EarlyStopping: stop when a monitored metric stops improving (Keras's rule)."""

from __future__ import annotations

from npmlp.callbacks.monitor import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs;
    optionally restore the weights of the best epoch (at the end of training, as Keras)."""

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0,
                 restore_best_weights: bool = False, mode: str = "auto"):
        super().__init__(monitor, mode, min_delta)
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
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
