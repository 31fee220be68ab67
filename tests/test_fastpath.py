"""The fast path (npmlp.fast) and the reference path (MLP.train_step) give the same weights and
History, bit for bit, for every activation, loss, regularizer, clipping, optimizer and dtype."""

from __future__ import annotations

import numpy as np
import pytest

import npmlp
from npmlp import fast
from npmlp.callbacks import Callback


def _data(kind: str, n: int = 53, d: int = 7, seed: int = 0, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * scale
    # All-zero rows: with zero biases the first step meets Z == 0 exactly (relu'(0) = 0, and
    # sigmoid(0) = 0.5 exactly, which binary accuracy must count as class 0: '>' not '>=').
    X[::5] = 0.0
    if kind == "binary":
        y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    elif kind == "multiclass":
        y = rng.integers(0, 4, size=n)
    elif kind == "multilabel":
        y = (rng.random((n, 4)) > 0.5).astype(int)
    else:
        y = X[:, :2] @ np.array([[1.0, -2.0], [0.5, 1.0]]) + 0.1 * rng.normal(size=(n, 2))
    return X, y


def _output(kind: str, activation: str | None = None) -> npmlp.Dense:
    if kind == "binary":
        return npmlp.Dense(1, activation or "sigmoid")
    if kind == "multiclass":
        return npmlp.Dense(4, activation or "softmax")
    if kind == "multilabel":
        return npmlp.Dense(4, activation or "sigmoid")
    return npmlp.Dense(2, activation or "linear")


class BatchCounter(Callback):
    def __init__(self):
        self.losses = []

    def on_batch_end(self, batch, logs=None):
        self.losses.append(logs["loss"])


def _train(fast_path: bool, *, kind="binary", hidden=("relu", "relu"), out_activation=None,
           loss=None, optimizer=None, l2=0.0, dtype="float64", batch_size=16, epochs=4,
           shuffle=True, validation_split=0.2, scale=1.0):
    X, y = _data(kind, scale=scale)
    reg = npmlp.L2(l2) if l2 else None
    layers = [npmlp.Dense(6, a, kernel_regularizer=reg) for a in hidden]
    layers.append(_output(kind, out_activation))
    layers[-1].kernel_regularizer = reg
    model = npmlp.MLP(layers, loss=loss, optimizer=optimizer() if optimizer else None, seed=3,
                      dtype=dtype, fast=fast_path)
    counter = BatchCounter()
    history = model.fit(X, y, batch_size=batch_size, epochs=epochs, shuffle=shuffle,
                        validation_split=validation_split, verbose=0, callbacks=[counter])
    return model, history, counter


def _assert_same(case: dict) -> None:
    ref, h_ref, c_ref = _train(False, **case)
    got, h_got, c_got = _train(True, **case)
    assert got.optimizer.iterations == ref.optimizer.iterations > 0
    for i, (a, b) in enumerate(zip(got.get_weights(), ref.get_weights())):
        assert a.dtype == b.dtype == np.dtype(case.get("dtype", "float64"))
        if not np.array_equal(a, b):
            rel = np.max(np.abs(a - b)) / np.max(np.abs(b))
            pytest.fail(f"weights[{i}] differ (max relative {rel:.3g}) for {case}")
    assert h_got.history == h_ref.history
    assert c_got.losses == c_ref.losses and len(c_got.losses) > 0
    # The generator drew the same permutations: the next draw is the same too.
    assert got.rng.integers(1 << 30) == ref.rng.integers(1 << 30)


CASES = [
    # every hidden activation (softmax as a hidden layer too), both dtypes
    *[{"hidden": (a, a), "dtype": dt} for a in ("relu", "sigmoid", "tanh", "leaky_relu",
                                               "linear", "softmax")
      for dt in ("float32", "float64")],
    # every loss: the logits paths and the general chain rule
    {"kind": "multiclass"},
    {"kind": "multiclass", "dtype": "float32"},
    {"kind": "binary", "loss": "mse"},
    {"kind": "binary", "out_activation": "tanh", "loss": "mse"},
    {"kind": "multiclass", "loss": "mse"},
    {"kind": "multilabel"},
    {"kind": "multilabel", "loss": "mse", "dtype": "float32"},
    {"kind": "binary", "out_activation": "linear", "loss": "mse"},
    {"kind": "regression"},
    {"kind": "regression", "out_activation": "relu", "dtype": "float32"},
    # regularization and clipping
    {"l2": 0.01},
    {"l2": 0.01, "kind": "multiclass", "dtype": "float32"},
    {"optimizer": lambda: npmlp.SGD(0.05, clipnorm=0.1)},
    {"optimizer": lambda: npmlp.SGD(0.05, global_clipnorm=0.1)},
    # every optimizer
    {"optimizer": lambda: npmlp.SGD(0.05, momentum=0.9)},
    {"optimizer": lambda: npmlp.SGD(0.05, momentum=0.9, nesterov=True)},
    {"optimizer": lambda: npmlp.Adam(0.01), "kind": "multiclass"},
    {"optimizer": lambda: npmlp.RMSprop(0.01, momentum=0.5, centered=True)},
    {"optimizer": lambda: npmlp.SGD(npmlp.ExponentialDecay(0.1, 3, 0.5))},
    # batching: partial last batch, one batch larger than the data, no shuffling, no hidden
    {"batch_size": 7},
    {"batch_size": 500, "epochs": 3},
    {"shuffle": False, "batch_size": 10},
    {"hidden": (), "kind": "multiclass"},
    {"hidden": ("relu",) * 4, "dtype": "float32", "epochs": 6, "validation_split": 0.0},
    # inputs of 1e3: logits beyond exp_neg's float32 cap (43) in the sigmoid/softmax paths
    {"hidden": ("sigmoid", "tanh"), "dtype": "float32", "scale": 1e3},
    {"hidden": ("tanh",), "kind": "multiclass", "dtype": "float32", "scale": 1e3},
    {"hidden": ("sigmoid",), "kind": "multilabel", "dtype": "float64", "scale": 1e3},
]


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_fast_path_matches_reference_bit_for_bit(case):
    _assert_same(case)


def test_fast_is_default_and_reference_reachable():
    assert npmlp.MLP([npmlp.Dense(1, "sigmoid")]).fast is True
    assert npmlp.MLP([npmlp.Dense(1, "sigmoid")], fast=False).fast is False


def test_fit_dispatches_to_the_fast_step_only_when_fast(monkeypatch):
    calls = []
    original = fast.FastTrainer.train_step

    def counting(self, X, Y, w=None):
        calls.append(X.shape[0])
        return original(self, X, Y, w)

    monkeypatch.setattr(fast.FastTrainer, "train_step", counting)
    X, y = _data("binary", n=20)
    for f in (False, True):
        npmlp.MLP([npmlp.Dense(1, "sigmoid")], seed=0, fast=f).fit(X, y, batch_size=8,
                                                                      epochs=1, verbose=0)
    assert calls == [8, 8, 4]


def test_grads_after_fast_step_equal_reference_grads():
    X, y = _data("multiclass", n=16)
    models = []
    for f in (False, True):
        model = npmlp.MLP([npmlp.Dense(5, "tanh"), npmlp.Dense(4, "softmax")], seed=1,
                          dtype="float64", fast=f)
        model.fit(X, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
        models.append(model)
    for a, b in zip(models[0].grads, models[1].grads):
        np.testing.assert_array_equal(a, b)


def test_shuffled_batches_gather_in_chunks_without_fancy_indexing_each_batch(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(103, 3)).astype(np.float32)
    Y = rng.normal(size=(103, 1)).astype(np.float32)
    order = rng.permutation(103)
    monkeypatch.setattr(fast, "CHUNK_BYTES", 4 * 4 * 10 * 2)  # two batches of 10 per chunk
    sizes = []
    for i, (Xb, Yb, wb) in enumerate(fast.batches(X, Y, order, 10)):
        sizes.append(Xb.shape[0])
        assert wb is None and Xb.flags.c_contiguous
        np.testing.assert_array_equal(Xb, X[order[10 * i:10 * i + 10]])
        np.testing.assert_array_equal(Yb, Y[order[10 * i:10 * i + 10]])
    assert sizes == [10] * 10 + [3]
    unshuffled = list(fast.batches(X, Y, None, 50))
    assert [np.shares_memory(p[0], X) for p in unshuffled] == [True, True, True]


def test_sample_weight_falls_back_to_reference():
    X, y = _data("binary")
    w = np.linspace(0.5, 2.0, len(y))
    results = []
    for f in (False, True):
        model = npmlp.MLP([npmlp.Dense(4, "relu"), npmlp.Dense(1, "sigmoid")], seed=2,
                          dtype="float64", fast=f)
        h = model.fit(X, y, batch_size=8, epochs=2, sample_weight=w, verbose=0)
        results.append((model.get_weights(), h.history))
    for a, b in zip(results[0][0], results[1][0]):
        np.testing.assert_array_equal(a, b)
    assert results[0][1] == results[1][1]


def test_parameters_become_views_of_one_flat_array_once():
    X, y = _data("binary", n=24)
    model = npmlp.MLP([npmlp.Dense(5, "relu"), npmlp.Dense(1, "sigmoid")], seed=0)
    model.fit(X, y, batch_size=8, epochs=1, verbose=0)
    flat = model.layers[0].W.base
    assert flat is not None and flat.ndim == 1 and flat.size == sum(p.size for p in model.params)
    assert all(p.base is flat for p in model.params)
    before = model.get_weights()
    model.fit(X, y, batch_size=8, epochs=1, verbose=0)  # a second fit keeps the same layout
    assert all(p.base is flat for p in model.params)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
