"""The mini-batch training loop, with Keras ``fit``'s semantics so the comparison can be exact.

* validation: the LAST ``validation_split`` fraction of the samples, taken before any
  shuffling (``split_at = floor(n * (1 - validation_split))``), or ``validation_data``;
* each epoch draws a permutation of the training part from the model's generator
  (``shuffle=True``); batches are consecutive slices of it, the last partial batch is kept
  and averaged over its own size;
* ``loss`` and the metric of an epoch are the batch-size-weighted means of the values
  measured before each batch's update (the loss includes the L2 penalty); ``val_*`` are
  measured with the weights at the end of the epoch.
"""

from __future__ import annotations

import math

from npmlp._validation import check_positive_int, check_real
from npmlp.callbacks import Callback, History, ProgressPrinter


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite loss. ``history`` holds the completed epochs."""

    def __init__(self, message: str, epoch: int, batch: int, history: History):
        super().__init__(message)
        self.epoch, self.batch, self.history = epoch, batch, history


def validation_split_index(n: int, validation_split: float) -> int:
    """Keras's rule, literally: int(floor(n * (1.0 - validation_split)))."""
    return int(math.floor(n * (1.0 - validation_split)))


def _check_callbacks(callbacks) -> list[Callback]:
    if callbacks is None:
        return []
    callbacks = list(callbacks)
    for i, cb in enumerate(callbacks):
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks[{i}] must be an npmlp.Callback, got {type(cb).__name__}")
    return callbacks


def fit(model, X, y, *, batch_size=32, epochs=1, validation_split=0.0, validation_data=None,
        shuffle=True, verbose=1, callbacks=None) -> History:
    """Train ``model`` on (X, y); returns the History (also kept as ``model.history``)."""
    batch_size = check_positive_int(batch_size, "batch_size")
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    validation_split = check_real(validation_split, "validation_split", minimum=0.0,
                                  maximum=1.0, exclusive_max=True)
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")
    callbacks = _check_callbacks(callbacks)

    X, Y = model._prepare(X, y, fitting=True)
    n = X.shape[0]
    X_val = Y_val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a tuple (X_val, y_val)")
        if not model.built:
            model.build(X.shape[1])
        X_val, Y_val = model._prepare(*validation_data, fitting=False)
    elif validation_split > 0:
        split_at = validation_split_index(n, validation_split)
        if split_at == 0 or split_at == n:
            raise ValueError(
                f"validation_split={validation_split} with {n} samples leaves "
                f"{split_at} training and {n - split_at} validation samples; both must be >= 1"
            )
        X, X_val, Y, Y_val = X[:split_at], X[split_at:], Y[:split_at], Y[split_at:]
    if not model.built:
        model.build(X.shape[1])
    return run(model, X, Y, X_val, Y_val, batch_size=batch_size, epochs=epochs,
               shuffle=bool(shuffle), verbose=int(verbose), callbacks=callbacks)


def run(model, X, Y, X_val=None, Y_val=None, *, batch_size, epochs, shuffle=True, verbose=0,
        callbacks=()) -> History:
    """The loop itself, on validated arrays: X (n, d) and Y (n, k) in the model's dtype."""
    n = X.shape[0]
    steps = math.ceil(n / batch_size)
    history = History()
    model.history = history
    everyone: list[Callback] = [history, *callbacks]
    if verbose:
        everyone.append(ProgressPrinter(epochs, steps if verbose == 1 else None))
    for cb in everyone:
        cb.set_model(model)
    model.stop_training = False
    for cb in everyone:
        cb.on_train_begin()
    for epoch in range(epochs):
        for cb in everyone:
            cb.on_epoch_begin(epoch)
        order = model.rng.permutation(n) if shuffle else None
        total_loss = total_metric = 0.0
        for batch, start in enumerate(range(0, n, batch_size)):
            if order is None:
                Xb, Yb = X[start:start + batch_size], Y[start:start + batch_size]
            else:
                index = order[start:start + batch_size]
                Xb, Yb = X[index], Y[index]
            loss, metric_sum = model.train_step(Xb, Yb)
            if not math.isfinite(loss):
                raise DivergenceError(
                    f"training diverged: the loss became {loss} at epoch {epoch + 1}, batch "
                    f"{batch + 1}. The weights are kept as they were before that batch. Try a "
                    f"lower learning rate (now {model.optimizer.current_learning_rate():g}), "
                    f"gradient clipping (clipnorm=1.0) or standardised inputs.",
                    epoch + 1, batch + 1, history)
            m = Xb.shape[0]
            total_loss += loss * m
            total_metric += metric_sum
            for cb in everyone:
                cb.on_batch_end(batch, {"loss": loss, "size": m})
        logs = {"loss": total_loss / n, model.metric_name: total_metric / n}
        if X_val is not None:
            val = model.evaluate_arrays(X_val, Y_val, batch_size)
            logs.update({f"val_{k}": v for k, v in val.items()})
        for cb in everyone:
            cb.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    for cb in everyone:
        cb.on_train_end()
    return history

