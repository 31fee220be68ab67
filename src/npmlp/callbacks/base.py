"""The callback protocol: the training loop emits events, callbacks react (record, print, stop).

Hooks: ``on_train_begin(logs)``, ``on_epoch_begin(epoch, logs)``, ``on_batch_end(batch, logs)``,
``on_epoch_end(epoch, logs)``, ``on_train_end(logs)``; ``set_model(model)`` is called first.
Epochs and batches count from 0.
"""

from __future__ import annotations


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
