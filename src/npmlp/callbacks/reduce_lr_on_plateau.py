"""ReduceLROnPlateau: multiply the learning rate by ``factor`` when a metric stops improving
(Keras's rule, ``keras.callbacks.ReduceLROnPlateau``)."""

from __future__ import annotations

import numpy as np

from npmlp._validation import check_real
from npmlp.callbacks.monitor import MonitorCallback


class ReduceLROnPlateau(MonitorCallback):
    """At each epoch's end: log the learning rate as ``learning_rate`` (the value used during
    the epoch, as Keras logs it), then, if ``monitor`` has not improved by more than
    ``min_delta`` for ``patience`` epochs (and no ``cooldown`` is running),
    ``lr <- max(lr * factor, min_lr)`` (only while ``lr > min_lr``), and wait ``cooldown``
    epochs before counting again.

    The optimizer's ``learning_rate`` must be a number: with a schedule it is a function of
    the step, which this callback cannot change; that raises TypeError at the start of
    training, as Keras does.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0,
                 mode: str = "auto"):
        super().__init__(monitor, mode, min_delta)
        self.factor = check_real(factor, "factor", minimum=0.0, maximum=1.0,
                                 exclusive_min=True, exclusive_max=True)
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an int >= 0, got {value!r}")
        self.patience, self.cooldown = patience, cooldown
        self.min_lr = check_real(min_lr, "min_lr", minimum=0.0)
        self.reductions: list[tuple[int, float]] = []   # (epoch, new learning rate)

    def on_train_begin(self, logs=None):
        if not isinstance(self.model.optimizer.learning_rate, float):
            raise TypeError("ReduceLROnPlateau needs an optimizer whose learning_rate is a "
                            "number; this one follows a schedule (the rate is a function of "
                            "the step), which cannot be changed by a callback (Keras refuses "
                            "too). Use a constant learning_rate, or the schedule alone")
        self.wait = self.cooldown_counter = 0
        self.reset_best()

    def update_logs(self, epoch, logs):
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)

    def _is_improvement(self, value: float) -> bool:
        # Keras's exact comparison: (value + min_delta) < best, or (value - min_delta) > best
        if self.mode == "min":
            return value + self.min_delta < self.best
        return value - self.min_delta > self.best

    def on_epoch_end(self, epoch, logs=None):
        value = self.monitored(logs)
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        opt = self.model.optimizer
        old = float(opt.learning_rate)
        if old > np.float32(self.min_lr):   # Keras compares with min_lr in float32
            opt.learning_rate = max(old * self.factor, self.min_lr)
            self.reductions.append((epoch, opt.learning_rate))
            self.cooldown_counter, self.wait = self.cooldown, 0
