"""The error training raises when the loss or the weights stop being finite."""

from __future__ import annotations

import numpy as np

from npmlp.callbacks.history import History


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite loss. ``history`` holds the completed epochs."""

    def __init__(self, message: str, epoch: int, batch: int, history: History):
        super().__init__(message)
        self.epoch, self.batch, self.history = epoch, batch, history

    @classmethod
    def at(cls, model, loss: float, epoch: int, batch: int, history: History,
           what: str = "the loss", restored: bool = False):
        """The error for a non-finite loss at 1-based ``epoch`` and ``batch``."""
        # The loss is checked before each update, so the weights are those before the batch;
        # they are only non-finite if an earlier finite loss had an overflowing gradient.
        finite = all(np.isfinite(p).all() for p in model.params)
        state = ("were restored to the start of that epoch" if restored else
                 "are the last finite ones (from before that batch)" if finite else
                 "are NOT finite: an earlier update overflowed although its loss was finite")
        return cls(
            f"training diverged: {what} became {loss} at epoch {epoch}, batch {batch}. "
            f"The weights {state}; the History holds the {len(history.epoch)} completed "
            f"epoch(s). Exploding gradients: "
            f"try a lower learning rate (now {model.optimizer.current_learning_rate():g}), "
            f"gradient clipping (clipnorm=1.0) or standardised inputs.",
            epoch, batch, history)
