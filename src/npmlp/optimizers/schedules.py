"""Learning-rate schedules, stepped once per batch (``step`` = completed batches, from 0).

The seed's per-epoch decay ``lr0 / (1 + decay * epoch)`` is
``InverseTimeDecay(lr0, decay_steps=batches_per_epoch, decay_rate=decay, staircase=True)``.
"""

from __future__ import annotations

import math

from npmlp._validation import check_positive_int, check_real


class LearningRateSchedule:
    """Base class: ``schedule(step) -> learning rate`` (a float). Both schedules here take
    ``(initial_learning_rate, decay_steps, decay_rate, staircase)``."""

    name = "schedule"

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False):
        self.initial_learning_rate = check_real(
            initial_learning_rate, "initial_learning_rate", minimum=0.0, exclusive_min=True)
        self.decay_steps = check_positive_int(decay_steps, "decay_steps")
        self.decay_rate = check_real(decay_rate, "decay_rate", minimum=0.0,
                                     exclusive_min=self.decay_rate_must_be_positive)
        self.staircase = bool(staircase)

    decay_rate_must_be_positive = False

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def _progress(self, step: int) -> float:
        p = step / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self) -> dict:
        return {"name": self.name, "initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase}


class ExponentialDecay(LearningRateSchedule):
    """lr = initial_learning_rate * decay_rate ** (step / decay_steps) (floored if staircase)."""

    name = "exponential_decay"
    decay_rate_must_be_positive = True  # 0 ** 0 would give lr0 at step 0, then 0 forever

    def __call__(self, step: int) -> float:
        return self.initial_learning_rate * self.decay_rate ** self._progress(step)


class InverseTimeDecay(LearningRateSchedule):
    """lr = initial_learning_rate / (1 + decay_rate * step / decay_steps) (floored if staircase)."""

    name = "inverse_time_decay"

    def __call__(self, step: int) -> float:
        return self.initial_learning_rate / (1 + self.decay_rate * self._progress(step))


SCHEDULES = {cls.name: cls for cls in (ExponentialDecay, InverseTimeDecay)}


def from_config(config: dict) -> LearningRateSchedule:
    """Rebuild a schedule from ``get_config()``."""
    config = dict(config)
    name = config.pop("name")
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; valid names: {', '.join(SCHEDULES)}")
    return SCHEDULES[name](**config)
