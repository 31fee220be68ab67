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
import warnings

import numpy as np

from npmlp import fast
from npmlp._validation import check_positive_int, check_real, check_X
from npmlp.callbacks import Callback, History, ProgressPrinter
from npmlp.checkpoint import interrupt_guard
from npmlp.datasets import stratified_counts


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


def _snapshot(model):
    """Copies of the weights, the optimizer's state and step count, and the generator's state
    (taken once per epoch, before its permutation is drawn); None before the model is built
    (a streamed fit builds it at its first batch)."""
    if not model.built:
        return None
    opt = model.optimizer
    state = None if opt.state is None else [{k: v.copy() for k, v in s.items()}
                                            for s in opt.state]
    return ([p.copy() for p in model.param_blocks], state, opt.iterations,
            model.rng.bit_generator.state)


def _restore(model, snapshot) -> None:
    """Put the model back as it was at the snapshot (in place: the fast path holds views)."""
    if snapshot is None:
        return
    weights, state, model.optimizer.iterations, model.rng.bit_generator.state = snapshot
    # one copy means it was taken of the fast path's flat array (params are views of it)
    for p, w in zip(model.param_blocks if len(weights) == 1 else model.params, weights):
        p[...] = w
    if state is None:
        model.optimizer.state = None
    else:
        for slots, saved in zip(model.optimizer.state, state):
            for k, v in saved.items():
                slots[k][...] = v


def _check_epoch_end(model, logs, epoch_start, epoch, batch, history) -> None:
    """Divergence in the epoch's last update shows only in the weights or val_* logs; then
    the model goes back to the start of the epoch (the last state known to be finite)."""
    bad = [k for k, v in logs.items() if not math.isfinite(v)]
    # A sum is finite iff every element is (or it overflows: diverged all the same).
    if not bad and math.isfinite(sum(float(np.add.reduce(p, axis=None))
                                     for p in model.param_blocks)):
        return
    _restore(model, epoch_start)
    what = bad[0] if bad else "weights"
    raise DivergenceError.at(model, logs.get(what, float("nan")), epoch, batch, history, what,
                             restored=True)


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


def check_sample_weight(sample_weight, n: int, dtype) -> np.ndarray | None:
    """None, or a finite non-negative (n,) array in dtype with a positive sum."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.dtype.kind not in "biuf" or w.dtype.kind == "b":
        raise TypeError(f"sample_weight must be numeric, got dtype {w.dtype}")
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"sample_weight must have shape ({n},), got {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight must be finite and >= 0")
    if not w.any():
        raise ValueError("sample_weight is all zeros: nothing to learn from")
    return np.ascontiguousarray(w, dtype=dtype)


def _warn_if_sorted(model, Y: np.ndarray, split_at: int, validation_split: float) -> None:
    """Labels sorted by class put one class in the tail: validation would measure only it."""
    labels = Y[:, 0] if Y.shape[1] == 1 else np.argmax(Y, axis=1)
    tail = np.unique(labels[split_at:])
    share = np.mean(labels == tail[0]) if len(tail) == 1 else 1.0
    # one class in the tail although a random order would make that unlikely (< 1%)
    if len(tail) == 1 and share < 1 and share ** (len(labels) - split_at) < 0.01:
        classes = getattr(model.encoder, "classes", None)
        name = (tail[0] if classes is None else classes[int(tail[0])]).item()
        warnings.warn(
            f"the validation samples (the last {validation_split:g} of the rows) are all of "
            f"class {name!r}: the labels look sorted by class, so validation measures one "
            f"class only; use split='stratified' (CLI: --split stratified) or shuffle the "
            f"rows", UserWarning, stacklevel=4)


def split_indices(model, Y: np.ndarray, validation_split: float, split: str):
    """(train, validation) index arrays or slices for the three split rules."""
    n = Y.shape[0]
    split_at = validation_split_index(n, validation_split)
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"validation_split={validation_split} with {n} samples leaves "
            f"{split_at} training and {n - split_at} validation samples; both must be >= 1"
        )
    if split == "tail":
        if model.kind in ("binary", "multiclass"):
            _warn_if_sorted(model, Y, split_at, validation_split)
        return slice(0, split_at), slice(split_at, n)
    # A generator of its own, from the model's split seed, so that every fit() call (and a
    # resumed run) holds out the same samples and the shuffling stream is left untouched.
    rng = np.random.default_rng([model.split_seed, n, 1])
    if split == "random":
        order = rng.permutation(n)
        return np.sort(order[n - split_at:]), np.sort(order[:n - split_at])
    if model.kind not in ("binary", "multiclass"):
        raise ValueError(f"split='stratified' needs a classification model, not {model.kind}")
    labels = Y[:, 0] if Y.shape[1] == 1 else np.argmax(Y, axis=1)
    classes, counts = np.unique(labels, return_counts=True)
    # n - split_at validation samples in all (as the tail rule), shared out by class size
    take = stratified_counts(counts, n - split_at)
    val = np.sort(np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:k]
                                  for c, k in zip(classes, take)]))
    if len(val) == 0 or len(val) == n:
        raise ValueError(f"split='stratified' with validation_split={validation_split} leaves "
                         f"{n - len(val)} training and {len(val)} validation samples")
    return np.setdiff1d(np.arange(n), val), val


def fit(model, X, y=None, *, batch_size=32, epochs=1, validation_split=0.0,
        validation_data=None, shuffle=True, verbose=1, callbacks=None, sample_weight=None,
        split="tail", steps_per_epoch=None, initial_epoch=0) -> History:
    """Train ``model`` on (X, y); returns the History (also kept as ``model.history``).

    With ``y=None``, ``X`` is an iterable of ``(X_batch, y_batch[, w_batch])`` (streaming):
    a generator or iterator yields ``steps_per_epoch`` batches per epoch; a re-iterable
    (a list, a dataset object) is iterated afresh each epoch.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    validation_split = check_real(validation_split, "validation_split", minimum=0.0,
                                  maximum=1.0, exclusive_max=True)
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if steps_per_epoch is not None:
        steps_per_epoch = check_positive_int(steps_per_epoch, "steps_per_epoch")
    callbacks = _check_callbacks(callbacks)
    initial_epoch = check_positive_int(initial_epoch, "initial_epoch", minimum=0)
    if y is None:
        if validation_split:
            raise ValueError("validation_split needs arrays; with streamed batches pass "
                             "validation_data=(X_val, y_val)")
        return _fit_stream(model, X, steps_per_epoch, epochs, validation_data, batch_size,
                           int(verbose), callbacks)

    encoder = model.encoder
    try:
        X, Y = model._prepare(X, y, fitting=True)
        w = check_sample_weight(sample_weight, X.shape[0], model.dtype)
        X_val = Y_val = w_val = None
        if validation_data is not None:
            X_val, Y_val, w_val = _prepare_validation(model, validation_data, X.shape[1])
        elif validation_split > 0:
            train, val = split_indices(model, Y, validation_split, split)
            X, X_val, Y, Y_val = X[train], X[val], Y[train], Y[val]
            if w is not None:
                w, w_val = w[train], w[val]
    except (ValueError, TypeError):
        model.encoder = encoder  # a refused fit() leaves no trace (no classes remembered)
        raise
    if not model.built:
        model.build(X.shape[1])

    def batches(epoch):
        n = X.shape[0]
        order = model.rng.permutation(n) if shuffle else None
        if model.fast and w is None:  # gathers shuffled rows by chunks
            yield from fast.batches(X, Y, order, batch_size)
            return
        for start in range(0, n, batch_size):
            if order is None:
                part = slice(start, start + batch_size)
            else:
                part = order[start:start + batch_size]
            yield X[part], Y[part], None if w is None else w[part]

    try:
        return run(model, batches, math.ceil(X.shape[0] / batch_size), (X_val, Y_val, w_val),
                   epochs=epochs, batch_size=batch_size, verbose=int(verbose),
                   callbacks=callbacks, initial_epoch=initial_epoch)
    except DivergenceError as exc:
        exc.consider_data(X, Y, model.kind == "regression")
        raise


SPLITS = ("tail", "random", "stratified")


def _prepare_validation(model, validation_data, n_features):
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise TypeError("validation_data must be a tuple (X_val, y_val) or "
                        "(X_val, y_val, sample_weight_val)")
    if not model.built:
        if n_features is None:
            n_features = check_X(validation_data[0], model.dtype, "validation_data[0]").shape[1]
        model.build(n_features)
    X_val, Y_val = model._prepare(*validation_data[:2], fitting=False)
    w_val = None
    if len(validation_data) == 3:
        w_val = check_sample_weight(validation_data[2], X_val.shape[0], model.dtype)
    return X_val, Y_val, w_val


def _fit_stream(model, source, steps_per_epoch, epochs, validation_data, batch_size, verbose,
                callbacks) -> History:
    """fit() on an iterable of (X_batch, y_batch[, w_batch])."""
    if not hasattr(source, "__iter__"):
        raise TypeError("with y=None, X must be an iterable of (X_batch, y_batch) pairs, got "
                        f"{type(source).__name__}")
    is_iterator = iter(source) is source
    if is_iterator and steps_per_epoch is None:
        raise ValueError("steps_per_epoch is required when X is a generator or iterator")

    def batches(epoch):
        it = source if is_iterator else iter(source)
        for step, item in enumerate(it):
            if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
                raise TypeError(f"streamed batch {step + 1} must be a tuple (X_batch, y_batch"
                                f"[, sample_weight]), got {type(item).__name__}")
            Xb, Yb = model._prepare(item[0], item[1], fitting=True, require_classes=False)
            if not model.built:
                model.build(Xb.shape[1])
            wb = None if len(item) == 2 else check_sample_weight(item[2], Xb.shape[0],
                                                                 model.dtype)
            yield Xb, Yb, wb
            if steps_per_epoch is not None and step + 1 >= steps_per_epoch:
                return

    validation = (None, None, None)
    if validation_data is not None:
        validation = _prepare_validation(model, validation_data, model.input_dim)
    return run(model, batches, steps_per_epoch, validation, epochs=epochs,
               batch_size=batch_size, verbose=verbose, callbacks=callbacks)


def run(model, batches, steps, validation=(None, None, None), *, epochs, batch_size=32,
        verbose=0, callbacks=(), initial_epoch=0) -> History:
    """The loop itself: ``batches(epoch)`` yields validated ``(X_b, Y_b, w_b)`` in the model's
    dtype; ``validation`` is ``(X_val, Y_val, w_val)`` or Nones."""
    X_val, Y_val, w_val = validation
    train_step = fast.FastTrainer(model).train_step if model.fast else model.train_step
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
    epoch_start = None
    # Divergence is detected and reported (DivergenceError); NumPy's overflow warnings on the
    # way there would only be noise.
    with interrupt_guard() as pending, np.errstate(over="ignore", invalid="ignore"):
        try:
            for epoch in range(initial_epoch, epochs):
                epoch_start = _snapshot(model)
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
            if epoch_start is not None and (not history.epoch or history.epoch[-1] != epoch):
                _restore(model, epoch_start)
    if pending[0]:
        history.interrupted = model.stop_training = True
    for cb in everyone:
        cb.on_train_end()
    return history
