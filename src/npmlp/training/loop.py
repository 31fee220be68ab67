"""The epoch loop: batches in, ``model.train_step`` on each, logs out to the callbacks.

Keras ``fit``'s semantics, so that the comparison can be exact:

* each epoch's batches come from ``batches(epoch)``; the last partial batch is kept and
  averaged over its own size;
* ``loss`` and the metric of an epoch are the batch-size-weighted means of the values
  measured before each batch's update (the loss includes the L2 penalty); ``val_*`` are
  measured with the weights at the end of the epoch.
"""

from __future__ import annotations

import math

import numpy as np

from npmlp.callbacks.base import Callback
from npmlp.callbacks.history import History
from npmlp.callbacks.progress import ProgressPrinter
from npmlp.training.errors import DivergenceError
from npmlp.training.interrupts import interrupt_guard
from npmlp.training.snapshot import Snapshot, all_finite


def _check_epoch_end(model, logs, epoch_start, epoch, batch, history) -> None:
    """Divergence in the epoch's last update shows only in the weights or val_* logs; then
    the model goes back to the start of the epoch (the last state known to be finite)."""
    bad = [k for k, v in logs.items() if not math.isfinite(v)]
    if not bad and all_finite(model):
        return
    epoch_start.restore(model)
    what = bad[0] if bad else "weights"
    raise DivergenceError.at(model, logs.get(what, float("nan")), epoch, batch, history, what,
                             restored=True)


def run(model, batches, steps, validation=(None, None, None), *, epochs, batch_size=32,
        verbose=0, callbacks=(), initial_epoch=0) -> History:
    """The loop itself: ``batches(epoch)`` yields validated ``(X_b, Y_b, w_b)`` in the model's
    dtype; ``validation`` is ``(X_val, Y_val, w_val)`` or Nones."""
    X_val, Y_val, w_val = validation
    history = History.continued(model.history, initial_epoch)  # resume: keep earlier epochs
    model.history = history
    everyone: list[Callback] = [history, *callbacks]
    if verbose:
        everyone.append(ProgressPrinter(epochs, steps if verbose == 1 else None))
    for cb in everyone:
        cb.set_model(model)
    model.stop_training = False
    for cb in everyone:
        cb.on_train_begin()
    # Ctrl-C stops after the current batch (deferred by interrupt_guard, so never in the
    # middle of an update), then the unfinished epoch is rolled back: the model, its optimizer,
    # its generator and the History all stand at the end of the last completed epoch, so a
    # checkpoint saved now resumes bit-identically.
    epoch_start = Snapshot()
    train_step = model.train_step
    epoch = initial_epoch
    # Divergence is detected and reported (DivergenceError); NumPy's overflow warnings on the
    # way there would only be noise.
    with interrupt_guard() as pending, np.errstate(over="ignore", invalid="ignore"):
        try:
            for epoch in range(initial_epoch, epochs):
                epoch_start.take(model)
                for cb in everyone:
                    cb.on_epoch_begin(epoch)
                total_loss = total_metric = 0.0
                seen = 0
                for batch, (Xb, Yb, wb) in enumerate(batches(epoch)):
                    loss, metric_sum = train_step(Xb, Yb, wb)
                    if not math.isfinite(loss):
                        raise DivergenceError.at(model, loss, epoch + 1, batch + 1, history)
                    m = Xb.shape[0]
                    seen += m
                    total_loss += loss * m
                    total_metric += metric_sum
                    for cb in everyone:
                        cb.on_batch_end(batch, {"loss": loss, "size": m})
                    if pending[0]:  # Ctrl-C arrived during this batch: it is now complete
                        raise KeyboardInterrupt
                if seen == 0:
                    raise ValueError(f"epoch {epoch + 1} received no batches (empty data source)")
                logs = {"loss": total_loss / seen, model.metric_name: total_metric / seen}
                if X_val is not None:
                    val = model.evaluate_arrays(X_val, Y_val, batch_size, w_val)
                    logs.update({f"val_{k}": v for k, v in val.items()})
                _check_epoch_end(model, logs, epoch_start, epoch + 1, batch + 1, history)
                for cb in everyone:
                    cb.on_epoch_end(epoch, logs)
                if model.stop_training or pending[0]:
                    break
        except KeyboardInterrupt:
            if pending[0] == "forced":  # a second Ctrl-C: abort without a clean stop
                raise
            pending[0] = True
            if not history.epoch or history.epoch[-1] != epoch:
                epoch_start.restore(model)
    if pending[0]:
        history.interrupted = model.stop_training = True
    for cb in everyone:
        cb.on_train_end()
    return history
