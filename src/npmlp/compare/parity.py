"""Parity mode: npmlp and Keras from the same weights, on the same batches, epoch by epoch.

npmlp trains first; a callback records, at the start of each epoch, the permutation the
training loop is about to draw (from a copy of the model's generator) and, at the end, every
weight. Keras then starts from the same initial weights and is fed those permutations with
one ``fit(epochs=1, shuffle=False)`` per epoch (its optimizer's iteration count carries across
calls, so schedules continue). Per epoch we record the largest absolute and relative
difference of each History entry and of every weight (``W1, b1, W2, ...``).

Tolerances: float64: relative |delta| of loss-like values <= 1e-10, accuracies identical,
weights max |delta| <= 1e-10. float32: relative <= 1e-4 (weights relative to their largest
magnitude); accuracies may differ by one sample whose output sits at 0.5 within float32
rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from npmlp.callbacks import Callback
from npmlp.compare.dropout_twin import MaskRecorder, padded, recorded_dropout
from npmlp.compare.keras_bridge import keras_floatx, to_keras
from npmlp.model import MLP
from npmlp.nn.layers import layer_name
from npmlp.training import validation_split_index

TINY = np.finfo(np.float64).tiny
TOL64 = 1e-10
TOL32 = 1e-4


class _Recorder(Callback):
    """Records each epoch's permutation (before the loop draws it) and end-of-epoch weights."""

    def __init__(self, n_train: int, shuffle: bool):
        self.n_train, self.shuffle = n_train, shuffle
        self.orders: list[np.ndarray | None] = []
        self.weights: list[list[np.ndarray]] = []

    def on_epoch_begin(self, epoch, logs=None):
        if not self.shuffle:
            self.orders.append(None)
            return
        rng = np.random.Generator(type(self.model.rng.bit_generator)())
        rng.bit_generator.state = self.model.rng.bit_generator.state
        self.orders.append(rng.permutation(self.n_train))

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def param_names(model: MLP) -> list[str]:
    """["W1", "b1", "W2", "b2", ...] in get_weights() order (BatchNormalization: gamma,
    beta, moving_mean, moving_variance)."""
    return model.weight_names()


@dataclass
class ParityResult:
    """Both histories and per-epoch differences; ``failure`` is None when within tolerance."""

    dtype: str
    epochs: int
    npmlp_history: dict
    keras_history: dict
    abs_delta: dict = field(default_factory=dict)   # name -> per-epoch max |a - b|
    rel_delta: dict = field(default_factory=dict)   # name -> per-epoch relative |a - b|
    tolerances: dict = field(default_factory=dict)
    failure: dict | None = None                     # {"epoch", "name", "delta", "tolerance"}

    @property
    def passed(self) -> bool:
        return self.failure is None

    def max_delta(self, name: str, relative: bool = False) -> float:
        values = (self.rel_delta if relative else self.abs_delta).get(name, [])
        return max(values) if values else 0.0

    def max_weight_delta(self) -> float:
        return max((self.max_delta(k) for k in self.abs_delta if is_weight(k)), default=0.0)

    def verdict(self) -> str:
        """One line: the largest loss and weight differences and whether they are within
        tolerance; on failure the first epoch and quantity that diverged."""
        head = (f"max |delta loss| over {self.epochs} epochs: {self.max_delta('loss'):.1e} "
                f"(relative {self.max_delta('loss', True):.1e}), max |delta weight|: "
                f"{self.max_weight_delta():.1e} ({self.dtype})")
        if self.passed:
            return f"{head} — identical within tolerance"
        f = self.failure
        return (f"{head} — DIVERGED at epoch {f['epoch']} in {f['name']}: {f['measure']} "
                f"{f['delta']:.3e} > {f['tolerance']:.1e}")

    def to_dict(self) -> dict:
        return {"dtype": self.dtype, "epochs": self.epochs, "passed": self.passed,
                "verdict": self.verdict(), "failure": self.failure,
                "tolerances": self.tolerances, "npmlp_history": self.npmlp_history,
                "keras_history": self.keras_history, "abs_delta": self.abs_delta,
                "rel_delta": self.rel_delta}


def _keras_fit(k_model, keras, X_tr, Y_tr, X_val, Y_val, orders, batch_size):
    """Train Keras on npmlp's order; returns (history, weights per epoch).

    Without shuffling one ``fit`` call records the weights with a callback; with shuffling
    each epoch is its own ``fit`` call on the permuted training data.
    """
    history: dict[str, list[float]] = {}
    weights = []
    validation = None if X_val is None else (X_val, Y_val)
    if all(order is None for order in orders):
        record = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: weights.append(
            [np.asarray(w) for w in k_model.get_weights()]))
        h = k_model.fit(X_tr, Y_tr, batch_size=batch_size, epochs=len(orders), shuffle=False,
                        verbose=0, validation_data=validation, callbacks=[record])
        return {k: [float(v) for v in values] for k, values in h.history.items()}, weights
    for order in orders:
        Xe, Ye = (X_tr, Y_tr) if order is None else (X_tr[order], Y_tr[order])
        h = k_model.fit(Xe, Ye, batch_size=batch_size, epochs=1, shuffle=False, verbose=0,
                        validation_data=validation)
        for key, values in h.history.items():
            history.setdefault(key, []).append(float(values[-1]))
        weights.append([np.asarray(w) for w in k_model.get_weights()])
    return history, weights


def is_weight(name: str) -> bool:
    return name.rstrip("0123456789") in ("W", "b", "gamma", "beta", "moving_mean",
                                         "moving_variance")


def _tolerance(name: str, dtype: str, n_train: int, n_val: int) -> tuple[str, float]:
    """(measure, tolerance) for one quantity: 'abs' or 'rel'."""
    accuracy = name in ("accuracy", "val_accuracy")
    if dtype == "float64":
        if accuracy:
            return "abs", 0.0
        return ("abs", TOL64) if is_weight(name) else ("rel", TOL64)
    if accuracy:
        n = n_val if name.startswith("val_") else n_train
        return "abs", 1.0 / max(n, 1) + 1e-12
    return "rel", TOL32


def compare_histories(result: ParityResult, names: list[str], np_weights, k_weights,
                      n_train: int, n_val: int) -> None:
    """Fill abs/rel deltas and the first failure (earliest epoch, weights before metrics)."""
    for i, name in enumerate(names):
        abs_d, rel_d = [], []
        for a, b in zip(np_weights, k_weights):
            d = float(np.max(np.abs(a[i] - b[i])))
            abs_d.append(d)
            rel_d.append(d / max(float(np.max(np.abs(b[i]))), TINY))
        result.abs_delta[name], result.rel_delta[name] = abs_d, rel_d
    for key, values in result.npmlp_history.items():
        other = result.keras_history.get(key)
        if other is None:
            continue
        a, b = np.asarray(values, dtype=np.float64), np.asarray(other, dtype=np.float64)
        d = np.abs(a - b)
        result.abs_delta[key] = d.tolist()
        result.rel_delta[key] = (d / np.maximum(np.abs(b), TINY)).tolist()
    order = names + [k for k in result.npmlp_history if k in result.abs_delta]
    for name in order:
        measure, tol = _tolerance(name, result.dtype, n_train, n_val)
        result.tolerances[name] = {"measure": measure, "tolerance": tol}
    for epoch in range(result.epochs):
        for name in order:
            spec = result.tolerances[name]
            values = result.abs_delta if spec["measure"] == "abs" else result.rel_delta
            delta = values[name][epoch]
            if not delta <= spec["tolerance"]:       # NaN fails too
                result.failure = {"epoch": epoch + 1, "name": name, "delta": delta,
                                  "measure": f"{spec['measure']} |delta|",
                                  "tolerance": spec["tolerance"]}
                return


def run_parity(model: MLP, X, y, *, batch_size: int = 32, epochs: int = 1,
               validation_split: float = 0.0, validation_data=None,
               shuffle: bool = True) -> ParityResult:
    """Train ``model`` (npmlp) and its Keras twin from the same weights on the same batches.

    ``model`` is trained in place (built from X if needed). Returns a ParityResult with both
    histories and the per-epoch differences; ``result.passed`` says whether they agree.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an npmlp.MLP, got {type(model).__name__}")
    if model.optimizer.iterations or model.optimizer.state is not None:
        raise ValueError("run_parity needs a model that has not been trained yet: its "
                         "optimizer already has state (Keras's twin would start from none); "
                         "build a fresh model and set_weights() instead")
    X_arr = np.asarray(X)
    if X_arr.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X_arr.shape}")
    if not model.built:
        model.build(X_arr.shape[1])
    n = X_arr.shape[0]
    n_train = n if validation_data is not None or not validation_split else \
        validation_split_index(n, validation_split)
    recorder, masks = _Recorder(n_train, bool(shuffle)), MaskRecorder()
    initial = model.get_weights()
    history = model.fit(X, y, batch_size=batch_size, epochs=epochs,
                        validation_split=validation_split, validation_data=validation_data,
                        shuffle=shuffle, verbose=0, callbacks=[recorder, masks])
    # Keras's twin starts from the initial weights; its Dropouts replay npmlp's masks.
    trained = model.get_weights()
    model.set_weights(initial)
    with keras_floatx(model.dtype) as keras:
        twins = {i: recorded_dropout(keras, padded(m), model.layers[i].rate,
                                     layer_name(i, model.layers[i]))
                 for i, m in masks.masks.items()}
    k_model = to_keras(model, dropout_twins=twins)
    for twin in twins.values():
        twin.source.variable = k_model.optimizer.iterations
    model.set_weights(trained)
    X_all, Y_all = model._prepare(X, y, fitting=False)
    X_tr, Y_tr, X_val, Y_val = X_all, Y_all, None, None
    if validation_data is not None:
        X_val, Y_val = model._prepare(*validation_data, fitting=False)
    elif validation_split:
        X_tr, Y_tr = X_all[:n_train], Y_all[:n_train]
        X_val, Y_val = X_all[n_train:], Y_all[n_train:]
    with keras_floatx(model.dtype) as keras:
        k_history, k_weights = _keras_fit(k_model, keras, X_tr, Y_tr, X_val, Y_val,
                                          recorder.orders, batch_size)
    result = ParityResult(model.dtype.name, len(history.epoch), dict(history.history),
                          k_history)
    compare_histories(result, param_names(model), recorder.weights, k_weights, n_train,
                      0 if X_val is None else X_val.shape[0])
    result.keras_model = k_model
    return result
