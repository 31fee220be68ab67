"""``fit``: validate the arguments, split off the validation data, and run the loop.

* validation: the LAST ``validation_split`` fraction of the samples, taken before any
  shuffling (``split_at = floor(n * (1 - validation_split))``; Keras's rule), a random or
  stratified draw (``split=``), or ``validation_data``;
* each epoch draws a permutation of the training part from the model's generator
  (``shuffle=True``); batches are consecutive slices of it;
* with ``y=None``, ``X`` is an iterable of batches (streaming).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from npmlp._validation import check_positive_int, check_real, check_sample_weight, check_X
from npmlp.callbacks.base import Callback
from npmlp.callbacks.history import History
from npmlp.training.batches import batches
from npmlp.training.errors import DivergenceError
from npmlp.training.loop import run
from npmlp.training.splits import SPLITS, split_indices
from npmlp.training.threads import blas_threads


def check_fit_args(batch_size, epochs, validation_split, verbose, callbacks):
    """The checks fit() and Ensemble.fit() share; returns the arguments as they are used."""
    batch_size = check_positive_int(batch_size, "batch_size")
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    validation_split = check_real(validation_split, "validation_split", minimum=0.0,
                                  maximum=1.0, exclusive_max=True)
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")
    callbacks = [] if callbacks is None else list(callbacks)
    for i, cb in enumerate(callbacks):
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks[{i}] must be an npmlp.Callback, got {type(cb).__name__}")
    return batch_size, epochs, validation_split, int(verbose), callbacks


def fit(model, X, y=None, *, batch_size=32, epochs=1, validation_split=0.0,
        validation_data=None, shuffle=True, verbose=1, callbacks=None, sample_weight=None,
        split="tail", steps_per_epoch=None, initial_epoch=0, threads=None,
        class_weight=None) -> History:
    """Train ``model`` on (X, y); returns the History (also kept as ``model.history``).

    With ``y=None``, ``X`` is an iterable of ``(X_batch, y_batch[, w_batch])`` (streaming):
    a generator or iterator yields ``steps_per_epoch`` batches per epoch; a re-iterable
    (a list, a dataset object) is iterated afresh each epoch. ``threads``: BLAS threads while
    training (None: chosen from the layer sizes by ``blas_threads``). ``class_weight``
    ({label: weight}, labels in y's own values) multiplies each training sample's weight by
    its class's (Keras's rule; classes not named weigh 1; validation data are not weighted).
    """
    batch_size, epochs, validation_split, verbose, callbacks = check_fit_args(
        batch_size, epochs, validation_split, verbose, callbacks)
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if steps_per_epoch is not None:
        steps_per_epoch = check_positive_int(steps_per_epoch, "steps_per_epoch")
    initial_epoch = check_positive_int(initial_epoch, "initial_epoch", minimum=0)
    if threads is not None:
        threads = check_positive_int(threads, "threads")
    if class_weight is not None and not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict {{label: weight}}, got "
                        f"{type(class_weight).__name__}")
    if y is None:
        if class_weight is not None:
            raise ValueError("class_weight needs arrays (X, y); with streamed batches give "
                             "each batch its sample weights instead")
        if validation_split:
            raise ValueError("validation_split needs arrays; with streamed batches pass "
                             "validation_data=(X_val, y_val)")
        with blas_threads(model, batch_size, threads):
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
        if class_weight is not None:     # training samples only: Keras weighs no validation
            w = _with_class_weight(model, Y, w, class_weight)
    except (ValueError, TypeError):
        model.encoder = encoder  # a refused fit() leaves no trace (no classes remembered)
        raise
    if not model.built:
        model.build(X.shape[1])

    def epoch_batches(epoch):
        order = model.rng.permutation(X.shape[0]) if shuffle else None
        return batches(X, Y, w, order, batch_size)

    with blas_threads(model, batch_size, threads):
        try:
            return run(model, epoch_batches, math.ceil(X.shape[0] / batch_size),
                       (X_val, Y_val, w_val), epochs=epochs, batch_size=batch_size,
                       verbose=int(verbose), callbacks=callbacks, initial_epoch=initial_epoch)
        except DivergenceError as exc:  # name only the remedies that this data needs
            exc.consider_data(X, Y, model.kind == "regression")
            raise


def _with_class_weight(model, Y: np.ndarray, w, class_weight: dict) -> np.ndarray:
    """Each sample's weight times its class's weight (1 for classes not named)."""
    if model.kind not in ("binary", "multiclass"):
        raise ValueError("class_weight applies to classification; this model is a regression")
    index = Y[:, 0].astype(np.intp) if Y.shape[1] == 1 else np.argmax(Y, axis=1)
    n_classes = 2 if Y.shape[1] == 1 else Y.shape[1]
    classes = model.encoder.classes
    if classes is None:                  # one-hot y: the labels are the column indices
        classes = np.arange(n_classes)
    per_class = np.ones(n_classes, dtype=model.dtype)
    present = set(classes[np.unique(index)].tolist())
    for label, weight in class_weight.items():
        if label not in present:
            raise ValueError(f"class_weight names the label {label!r}, which is not in y "
                             f"(y's labels: {sorted(present, key=str)})")
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or \
                not math.isfinite(weight) or weight < 0:
            raise ValueError(f"class_weight[{label!r}] must be a finite number >= 0, got "
                             f"{weight!r}")
        per_class[int(np.flatnonzero(classes == label)[0])] = weight
    cw = per_class[index]
    return cw if w is None else np.multiply(w, cw)


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
    try:  # not hasattr(__iter__): a 0-d array has it, and iter() refuses it
        is_iterator = iter(source) is source
    except TypeError:
        raise TypeError("with y=None, X must be an iterable of (X_batch, y_batch) pairs, got "
                        f"{type(source).__name__}") from None
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
