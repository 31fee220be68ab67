"""``Ensemble.fit``: ``MLP.fit``'s Keras semantics for every member at once.

As for one model: validation is the last ``validation_split`` of the samples (or
``validation_data``); each epoch member k draws a permutation of its training rows from its own
generator (or of its bootstrap sample's positions); the loss and metric of an epoch are the
batch-size-weighted means of the values before each update; ``val_*`` use the weights at the
end of the epoch. Each step gathers every member's batch with one ``np.take`` of an index
array (K, m) (the data is never copied per member) and runs one step of the stack.

A member leaves the stack when a callback stops it (EarlyStopping) or its loss stops being
finite (``diverged``; its weights go back to the start of that epoch): its final state is
written to its MLP and the survivors go on in a smaller stack, so it costs nothing after.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from npmlp._validation import check_positive_int
from npmlp.callbacks.history import History
from npmlp.ensemble.stacked import StackedMLP
from npmlp.training.fitting import check_fit_args
from npmlp.training.splits import validation_split_index
from npmlp.training.threads import blas_threads


def prepare(ensemble, X, y, validation_split, validation_data):
    """(X, Y, X_val, Y_val) encoded once for all members (the first member's encoder)."""
    first = ensemble.members[0]
    X, Y = first._prepare(X, y, fitting=True)
    X_val = Y_val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a tuple (X_val, y_val)")
        X_val, Y_val = first._prepare(*validation_data, fitting=False)
    elif validation_split > 0:
        n = X.shape[0]
        split_at = validation_split_index(n, validation_split)
        if split_at in (0, n):
            raise ValueError(f"validation_split={validation_split} with {n} samples leaves "
                             f"{split_at} training and {n - split_at} validation samples; "
                             f"both must be >= 1")
        X, X_val, Y, Y_val = X[:split_at], X[split_at:], Y[:split_at], Y[split_at:]
    for m in ensemble.members:
        m.encoder, m.feature_names = first.encoder, first.feature_names
        if not m.built:
            m.build(X.shape[1])
        elif m.input_dim != X.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features; the ensemble was trained on "
                             f"{m.input_dim}")
    return X, Y, X_val, Y_val


def make_stack(ensemble, keep: list[int]) -> StackedMLP:
    """The members ``keep`` stacked (their weights, optimizer state and step count)."""
    members = [ensemble.members[k] for k in keep]
    first = members[0]
    flat = np.stack([m.parameters.flat for m in members])
    hyper = {name: np.asarray([ensemble.hyper[k][name] for k in keep])
             for name in ensemble.vary}
    layer_l2 = [None if layer.kernel_regularizer is None else
                np.asarray([m.layers[i].kernel_regularizer.l2 for m in members])
                for i, layer in enumerate(first.layers)]
    template = copy.copy(first)
    template.optimizer = copy.deepcopy(first.optimizer)
    stack = StackedMLP(template, flat, hyper, layer_l2, iterations=first.optimizer.iterations)
    for slot, value in stack.optimizer.flat_state.items():
        for row, m in enumerate(members):
            if m.optimizer.flat_state is not None and slot in m.optimizer.flat_state:
                value[row] = m.optimizer.flat_state[slot]
    return stack


def gather(source: np.ndarray, index: np.ndarray, buffer: np.ndarray) -> np.ndarray:
    """source[index] (K, m, width) for an index array (K, m), into the front of ``buffer``
    (1-D, allocated once: no per-step allocation, the data itself never copied per member)."""
    shape = (*index.shape, source.shape[1])
    out = buffer[:math.prod(shape)].reshape(shape)
    return np.take(source, index, axis=0, out=out)


def write_back(stack: StackedMLP, row: int, model) -> None:
    """Copy member ``row`` of the stack into its MLP (weights, optimizer state, steps)."""
    np.copyto(model.parameters.flat, stack.parameters.flat[row])
    opt = model.optimizer
    if opt.flat_state is None:
        opt.build(model.params)
    for slot, value in opt.flat_state.items():
        np.copyto(value, stack.optimizer.flat_state[slot][row])
    opt.iterations = stack.optimizer.iterations


class _Epoch:
    """Each member's state at an epoch's start (rolled back to when it diverges)."""

    def __init__(self, stack: StackedMLP, active: list[int], members):
        self.flat = stack.parameters.flat.copy()
        self.state = {k: v.copy() for k, v in stack.optimizer.flat_state.items()}
        self.iterations = stack.optimizer.iterations
        self.rng = {k: members[k].rng.bit_generator.state for k in active}  # a new dict
        self.rows = {k: i for i, k in enumerate(active)}

    def restore(self, k: int, model) -> None:
        i = self.rows[k]
        np.copyto(model.parameters.flat, self.flat[i])
        opt = model.optimizer
        if opt.flat_state is None:
            opt.build(model.params)
        for slot, value in opt.flat_state.items():
            np.copyto(value, self.state[slot][i])
        opt.iterations = self.iterations
        model.rng.bit_generator.state = self.rng[k]


def fit(ensemble, X, y, *, batch_size=32, epochs=1, validation_split=0.0,
        validation_data=None, shuffle=True, verbose=1, callbacks=None, threads=None):
    """Train every member; returns the EnsembleHistory."""
    batch_size, epochs, validation_split, verbose, callbacks = check_fit_args(
        batch_size, epochs, validation_split, verbose, callbacks)
    if threads is not None:
        threads = check_positive_int(threads, "threads")
    X, Y, X_val, Y_val = prepare(ensemble, X, y, validation_split, validation_data)
    members, K = ensemble.members, len(ensemble.members)
    n = X.shape[0]
    if ensemble.bootstrap:
        ensemble.samples = [np.sort(np.random.default_rng([seed, n, 2]).integers(0, n, n))
                            for seed in ensemble.seeds]
    per_member = []
    for m in members:
        m.history = History()
        m.stop_training = False
        everyone = [m.history, *(copy.deepcopy(cb) for cb in callbacks)]
        for cb in everyone:
            cb.set_model(m)
            cb.on_train_begin()
        per_member.append(everyone)
    ensemble.diverged, ensemble.interrupted = {}, False
    active = list(range(K))
    stack = make_stack(ensemble, active)
    steps = math.ceil(n / batch_size)
    metric_name = members[0].metric_name
    m_max = min(n, batch_size)
    X_buffer = np.empty(K * m_max * X.shape[1], X.dtype)
    Y_buffer = np.empty(K * m_max * Y.shape[1], Y.dtype)
    # Each member's products are the sizes of one model's: the same choice of BLAS threads.
    with blas_threads(members[0], batch_size, threads):
        for epoch in range(epochs):
            if not active:
                break
            start = _Epoch(stack, active, members)
            rows = np.empty((len(active), n), np.intp)
            for i, k in enumerate(active):
                order = members[k].rng.permutation(n) if shuffle else np.arange(n)
                rows[i] = order if ensemble.samples is None else ensemble.samples[k][order]
            total_loss = np.zeros(len(active))
            total_metric = np.zeros(len(active))
            try:
                for batch in range(steps):
                    index = rows[:, batch * batch_size:(batch + 1) * batch_size]
                    Xb, Yb = gather(X, index, X_buffer), gather(Y, index, Y_buffer)
                    loss = stack.forward_loss(Xb, Yb)
                    bad = ~np.isfinite(loss)
                    if bad.any():
                        # As MLP.fit stops at a non-finite loss: the member leaves now, back at
                        # the start of the epoch; the others redo this batch without it.
                        for i in np.flatnonzero(bad):
                            ensemble.diverged[active[i]] = (epoch + 1, batch + 1)
                            start.restore(active[i], members[active[i]])
                        keep = np.flatnonzero(~bad)
                        if not len(keep):
                            active = []
                            break
                        stack = stack.subset(keep)
                        active = [active[i] for i in keep]
                        rows, total_loss, total_metric = rows[keep], total_loss[keep], \
                            total_metric[keep]
                        index = rows[:, batch * batch_size:(batch + 1) * batch_size]
                        Xb, Yb = gather(X, index, X_buffer), gather(Y, index, Y_buffer)
                        loss = stack.forward_loss(Xb, Yb)
                    out = stack.last_pass[-1]
                    total_metric += stack._metric_sum(Yb, out.A, out)
                    stack.backward(Yb)
                    stack.apply_gradients()
                    total_loss += loss * index.shape[1]
            except KeyboardInterrupt:
                # Ctrl-C: every running member goes back to the end of its last complete epoch
                # (as MLP.fit rolls back the unfinished epoch) and training stops.
                for k in active:
                    start.restore(k, members[k])
                    members[k].history.interrupted = True
                ensemble.interrupted = True
                break
            if not active:
                break
            logs = {"loss": total_loss / n, metric_name: total_metric / n}
            if X_val is not None:
                val = stack.evaluate_arrays(X_val, Y_val, batch_size)
                logs.update({f"val_{name}": v for name, v in val.items()})
            finite = np.isfinite(stack.parameters.flat).all(axis=1)
            for name in logs:
                finite &= np.isfinite(logs[name])
            keep = []
            for i, k in enumerate(active):
                m = members[k]
                if not finite[i]:   # the epoch's last update or val_* is not finite
                    ensemble.diverged[k] = (epoch + 1, steps)
                    start.restore(k, m)
                    continue
                if len(per_member[k]) > 1 or epoch + 1 == epochs:
                    write_back(stack, i, m)  # callbacks see (and may save) the member
                for cb in per_member[k]:
                    cb.on_epoch_end(epoch, {name: float(v[i]) for name, v in logs.items()})
                if not m.stop_training:
                    keep.append(i)
                elif len(per_member[k]) == 1:
                    write_back(stack, i, m)
            if verbose:
                _print_epoch(epoch, epochs, logs, len(active))
            if len(keep) < len(active):
                stack = stack.subset(np.asarray(keep, np.intp)) if keep else None
                active = [active[i] for i in keep]
    for everyone in per_member:
        for cb in everyone:
            cb.on_train_end()
    return ensemble.history


def _print_epoch(epoch: int, epochs: int, logs: dict, active: int) -> None:
    parts = [f"{name}: {np.mean(v):.4f} +/- {np.std(v):.4f}" for name, v in logs.items()]
    print(f"Epoch {epoch + 1}/{epochs} ({active} members) - " + " - ".join(parts), flush=True)
