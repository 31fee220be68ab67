"""MonitorCallback: the shared "is this better?" logic of callbacks that watch one metric."""

from __future__ import annotations

import math

from npmlp._validation import check_real
from npmlp.callbacks.base import Callback


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
