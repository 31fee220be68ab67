"""History: the per-epoch record of every logged value (Keras's ``History``)."""

from __future__ import annotations

from npmlp.callbacks.base import Callback


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
