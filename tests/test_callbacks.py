"""Callbacks: the progress printer, History, the event order."""

import io

import npmlp
from npmlp.callbacks import ProgressPrinter


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal():
    X, y = npmlp.datasets.dummy(40, 3, seed=0)
    for stream, bar in ((FakeTerminal(), True), (io.StringIO(), False)):
        printer = ProgressPrinter(epochs=2, steps=3, stream=stream)
        npmlp.MLP([npmlp.Dense(1, "sigmoid")], seed=0).fit(
            X, y, batch_size=16, epochs=2, verbose=0, callbacks=[printer])
        out = stream.getvalue()
        assert ("[==========" in out and "\r" in out) is bar
        lines = [s.strip("\r ") for s in out.replace("\r", "\n").splitlines() if "loss" in s]
        assert lines[-1].startswith("Epoch 2/2 - loss: ") and "accuracy: " in lines[-1]


def test_events_in_order_and_history_dict():
    events = []

    class Spy(npmlp.Callback):
        def on_train_begin(self, logs=None):
            events.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            events.append(f"epoch_begin {epoch}")

        def on_batch_end(self, batch, logs=None):
            events.append(f"batch {batch}")

        def on_epoch_end(self, epoch, logs=None):
            events.append(f"epoch_end {epoch} {sorted(logs)}")

        def on_train_end(self, logs=None):
            events.append("train_end")

    X, y = npmlp.datasets.dummy(20, 3, seed=0)
    model = npmlp.MLP([npmlp.Dense(1, "sigmoid")], seed=0)
    h = model.fit(X, y, batch_size=8, epochs=2, validation_split=0.2, verbose=0,
                  callbacks=[Spy()])
    keys = "['accuracy', 'loss', 'val_accuracy', 'val_loss']"
    assert events == ["train_begin", "epoch_begin 0", "batch 0", "batch 1", f"epoch_end 0 {keys}",
                      "epoch_begin 1", "batch 0", "batch 1", f"epoch_end 1 {keys}", "train_end"]
    d = h.to_dict()
    assert d["epoch"] == [0, 1] and d["history"]["loss"] == h.loss and h.model is model
    assert npmlp.History.from_dict(d).history == h.history
