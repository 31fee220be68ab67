"""Golden training runs: each entry builds a model and fits it on seeded data.

``record.py`` stored each run's History and final weights (``<name>.npz``) with the engine
before the one-engine redesign; ``tests/test_golden.py`` checks that today's engine reproduces
them bit for bit. Every run uses one BLAS thread, so float32 sums are reproducible too.
"""

from __future__ import annotations

import numpy as np

import npmlp

GOLDEN_THREADS = 1


def _data(kind: str, n: int = 103, d: int = 5, k: int = 3, seed: int = 7):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if kind == "binary":
        y = (X[:, 0] + 0.5 * X[:, 1] ** 2 > 0.3).astype(int)
    elif kind == "multiclass":
        y = np.argmax(X[:, :k] + 0.3 * rng.normal(size=(n, k)), axis=1)
    elif kind == "multilabel":
        y = (X[:, :k] > 0).astype(int)
    else:
        y = X @ rng.normal(size=d) + 0.1 * rng.normal(size=n)
    return X, y


def _sgd(**kw):
    return npmlp.SGD(**kw)


CONFIGS = {
    "sgd_binary_f32": dict(
        data="binary", dtype="float32",
        layers=[(16, "relu"), (8, "relu"), (1, "sigmoid")],
        optimizer=lambda: _sgd(learning_rate=0.05),
        fit=dict(batch_size=16, epochs=6, validation_split=0.2)),
    "sgd_momentum_multiclass_f64": dict(
        data="multiclass", dtype="float64",
        layers=[(12, "relu"), (3, "softmax")],
        optimizer=lambda: _sgd(learning_rate=0.05, momentum=0.9),
        fit=dict(batch_size=10, epochs=5, validation_split=0.25)),
    "nesterov_l2_tanh_f64": dict(
        data="binary", dtype="float64", l2=0.01,
        layers=[(10, "tanh"), (6, "tanh"), (1, "sigmoid")],
        optimizer=lambda: _sgd(learning_rate=0.03, momentum=0.8, nesterov=True),
        fit=dict(batch_size=32, epochs=5, validation_split=0.1)),
    "adam_binary_f32": dict(
        data="binary", dtype="float32",
        layers=[(16, "relu"), (1, "sigmoid")],
        optimizer=lambda: npmlp.Adam(learning_rate=0.01),
        fit=dict(batch_size=20, epochs=6, validation_split=0.2)),
    "rmsprop_centered_multiclass_f64": dict(
        data="multiclass", dtype="float64",
        layers=[(10, "leaky_relu"), (3, "softmax")],
        optimizer=lambda: npmlp.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
        fit=dict(batch_size=16, epochs=5, validation_split=0.2)),
    "clipnorm_expdecay_regression_f64": dict(
        data="regression", dtype="float64",
        layers=[(10, "relu"), (1, "linear")],
        optimizer=lambda: _sgd(learning_rate=npmlp.ExponentialDecay(0.05, 4, 0.9),
                               clipnorm=1.0),
        fit=dict(batch_size=16, epochs=5, validation_split=0.2)),
    "adam_globalclip_regression_f32": dict(
        data="regression", dtype="float32",
        layers=[(12, "tanh"), (1, "linear")],
        optimizer=lambda: npmlp.Adam(learning_rate=0.02, global_clipnorm=0.5),
        fit=dict(batch_size=25, epochs=5)),
    "invtime_momentum_noshuffle_weighted_f64": dict(
        data="binary", dtype="float64",
        layers=[(8, "sigmoid"), (1, "sigmoid")],
        optimizer=lambda: _sgd(learning_rate=npmlp.InverseTimeDecay(0.1, 5, 0.5, True),
                               momentum=0.5),
        fit=dict(batch_size=16, epochs=4, shuffle=False, validation_split=0.2),
        sample_weight=True),
    "multilabel_sgd_f64": dict(
        data="multilabel", dtype="float64",
        layers=[(10, "relu"), (3, "sigmoid")],
        optimizer=lambda: _sgd(learning_rate=0.1),
        fit=dict(batch_size=16, epochs=4, validation_split=0.2)),
    "multiclass_shuffle_f32": dict(
        data="multiclass", dtype="float32",
        layers=[(32, "relu"), (16, "relu"), (3, "softmax")],
        optimizer=lambda: _sgd(learning_rate=0.05),
        fit=dict(batch_size=24, epochs=5, validation_split=0.15, split="stratified")),
    "mse_sigmoid_output_f64": dict(
        data="binary", dtype="float64", loss="mse",
        layers=[(8, "relu"), (1, "sigmoid")],
        optimizer=lambda: _sgd(learning_rate=0.2),
        fit=dict(batch_size=16, epochs=4, validation_split=0.2, split="random")),
}


def run(name: str):
    """Train config ``name``; returns the fitted model."""
    cfg = CONFIGS[name]
    X, y = _data(cfg["data"])
    reg = npmlp.L2(cfg["l2"]) if "l2" in cfg else None
    layers = [npmlp.Dense(u, a, kernel_regularizer=reg if i < len(cfg["layers"]) - 1 else None)
              for i, (u, a) in enumerate(cfg["layers"])]
    model = npmlp.MLP(layers, loss=cfg.get("loss"), optimizer=cfg["optimizer"](), seed=3,
                      dtype=cfg["dtype"])
    w = None
    if cfg.get("sample_weight"):
        w = np.random.default_rng(11).uniform(0.2, 2.0, size=X.shape[0])
    model.fit(X, y, verbose=0, sample_weight=w, **cfg["fit"])
    return model


def arrays_of(model) -> dict[str, np.ndarray]:
    """The History's lists and the final weights, as named arrays."""
    out = {f"history_{k}": np.asarray(v) for k, v in model.history.history.items()}
    out.update({f"weight_{i}": w for i, w in enumerate(model.get_weights())})
    return out
