"""The error training raises when the loss or the weights stop being finite."""

from __future__ import annotations

import numpy as np

from npmlp.callbacks.history import History


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite loss. ``history`` holds the completed epochs."""

    def __init__(self, message: str, epoch: int, batch: int, history: History,
                 suggestions: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.epoch, self.batch, self.history = epoch, batch, history
        self.head = message
        # (Python wording, command-line wording) of each remedy; see cli_message
        self.suggestions = list(suggestions or [])
        if self.suggestions:
            self.args = (self._message(0),)

    def _message(self, style: int) -> str:
        tips = [tip[style] for tip in self.suggestions]
        listed = ", ".join(tips[:-1]) + f" or {tips[-1]}" if len(tips) > 1 else tips[0]
        return f"{self.head} Exploding gradients: try {listed}."

    def cli_message(self) -> str:
        """The message with the command line's options (--clipnorm 1.0, not clipnorm=1.0)."""
        return self._message(1) if self.suggestions else str(self)

    def consider_data(self, X: np.ndarray, Y: np.ndarray, regression: bool) -> None:
        """Suggest scaling only what is not already scaled: inputs far from mean 0 / std 1,
        and regression targets far from it."""
        def unscaled(A):
            A = np.asarray(A, dtype=np.float64)
            return A.size > 0 and bool(np.max(np.abs(A.mean(axis=0))) > 3
                                       or np.max(A.std(axis=0)) > 3)
        self.suggestions = [tip for tip in self.suggestions if tip[0] != "standardised inputs"]
        if unscaled(X):
            self.suggestions.append(("standardised inputs (npmlp.datasets.Standardizer)",
                                     "--standardize"))
        if regression and unscaled(Y):
            self.suggestions.append(("standardised targets (y - mean) / std",
                                     "--standardize (it scales a regression target too)"))
        self.args = (self._message(0),)

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
        lr = f"{model.optimizer.current_learning_rate():g}"
        return cls(
            f"training diverged: {what} became {loss} at epoch {epoch}, batch {batch}. "
            f"The weights {state}; the History holds the {len(history.epoch)} completed "
            f"epoch(s).", epoch, batch, history,
            [(f"a lower learning rate (now {lr})", f"a lower --learning-rate (now {lr})"),
             ("gradient clipping (clipnorm=1.0)", "gradient clipping (--clipnorm 1.0)"),
             ("standardised inputs", "--standardize")])
