"""npmlp vs Keras from the same weights on the same batches: per-epoch History and weights."""

import itertools

import keras
import numpy as np
import pytest

import npmlp
from npmlp.compare import run_parity
from npmlp.compare.parity import ParityResult, compare_histories

# Tiny on purpose: Keras's per-epoch overhead, not the arithmetic, sets each case's time.
N, D = 40, 5          # 32 training samples (batch 24 -> a partial batch of 8), 8 validation
BATCH = 24
EPOCHS = 30

OPTIMIZERS = {
    "sgd": lambda lr: npmlp.SGD(lr),
    "momentum": lambda lr: npmlp.SGD(lr, momentum=0.9),
    "nesterov": lambda lr: npmlp.SGD(lr, momentum=0.8, nesterov=True),
    "adam": lambda lr: npmlp.Adam(lr / 10, beta_1=0.85, beta_2=0.99),
    "rmsprop": lambda lr: npmlp.RMSprop(lr / 10, rho=0.8, momentum=0.3),
}
OUTPUTS = {"binary": npmlp.Dense(1, "sigmoid"), "multiclass": npmlp.Dense(3, "softmax"),
           "regression": npmlp.Dense(2, "linear")}
ACTIVATIONS = ["relu", "sigmoid", "tanh", "leaky_relu"]

# The full product: 5 optimizers x 3 outputs/losses x 4 hidden activations = 60 cases.
CASES = list(itertools.product(OPTIMIZERS, OUTPUTS, ACTIVATIONS))
# L2 on every third case: each optimizer x output pair, and each activation, gets it somewhere.
L2_CASES = set(CASES[::3])


def data(kind, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D))
    if kind == "binary":
        return X, (X[:, 0] + X[:, 1] > 0).astype(int)
    if kind == "multiclass":
        return X, np.argmax(X[:, :3] + 0.3 * rng.normal(size=(N, 3)), axis=1)
    return X, np.column_stack([X[:, 0] - 0.5 * X[:, 1], np.sin(X[:, 2])])


def make(out, activation, optimizer, *, l2=None, dtype="float64", seed=1):
    reg = None if l2 is None else npmlp.L2(l2)
    head = OUTPUTS[out]
    layers = [npmlp.Dense(12, activation, kernel_regularizer=reg),
              npmlp.Dense(8, activation, kernel_initializer="glorot_normal"),
              npmlp.Dense(head.units, head.activation.name, kernel_regularizer=reg)]
    return npmlp.MLP(layers, optimizer=optimizer, seed=seed, dtype=dtype)


def check64(result: ParityResult, epochs=EPOCHS):
    assert result.passed, result.verdict()
    assert len(result.npmlp_history["loss"]) == epochs == len(result.keras_history["loss"])
    for key in ("loss", "val_loss"):
        assert max(result.rel_delta[key]) <= 1e-10, key
    metric = "mae" if "mae" in result.npmlp_history else "accuracy"
    if metric == "accuracy":
        assert result.npmlp_history["accuracy"] == result.keras_history["accuracy"]
        assert result.npmlp_history["val_accuracy"] == result.keras_history["val_accuracy"]
    else:
        assert max(result.rel_delta["mae"] + result.rel_delta["val_mae"]) <= 1e-10
    assert result.max_weight_delta() <= 1e-10
    # training really moved the weights, so agreement is not trivial
    assert result.npmlp_history["loss"][-1] != result.npmlp_history["loss"][0]


@pytest.mark.parametrize("opt,out,activation", CASES)
def test_parity_float64(opt, out, activation):
    X, y = data(out)
    l2 = 0.013 if (opt, out, activation) in L2_CASES else None
    model = make(out, activation, OPTIMIZERS[opt](0.05), l2=l2)
    check64(run_parity(model, X, y, batch_size=BATCH, epochs=EPOCHS, validation_split=0.2,
                       shuffle=False))


def test_cases_cover_the_full_product():
    assert len(CASES) == len(set(CASES)) == 60
    assert len(L2_CASES) == 20
    assert {(o, t) for o, t, _ in L2_CASES} == set(itertools.product(OPTIMIZERS, OUTPUTS))
    assert {a for _, _, a in L2_CASES} == set(ACTIVATIONS)


@pytest.mark.parametrize("variant", ["clipnorm", "global_clipnorm", "exponential", "inverse",
                                     "centered_rmsprop"])
def test_parity_clipping_and_schedules(variant):
    X, y = data("binary", seed=3)
    if variant == "clipnorm":
        opt = npmlp.Adam(0.02, clipnorm=0.05)
    elif variant == "global_clipnorm":
        opt = npmlp.SGD(0.3, momentum=0.5, global_clipnorm=0.1)
    elif variant == "exponential":
        opt = npmlp.SGD(npmlp.ExponentialDecay(0.2, 3, 0.9), momentum=0.7)
    elif variant == "inverse":
        opt = npmlp.RMSprop(npmlp.InverseTimeDecay(0.01, 3, 0.7, staircase=True))
    else:
        opt = npmlp.RMSprop(0.005, centered=True, momentum=0.5)
    model = make("binary", "tanh", opt, l2=0.007)
    result = run_parity(model, X, y, batch_size=BATCH, epochs=EPOCHS, validation_split=0.2,
                        shuffle=False)
    check64(result)
    if variant == "centered_rmsprop":       # the Keras twin really is centered, with momentum
        k_opt = result.keras_model.optimizer
        assert isinstance(k_opt, keras.optimizers.RMSprop)
        assert k_opt.centered is True and float(k_opt.momentum) == 0.5


def test_parity_with_shuffling():
    """npmlp draws each epoch's permutation; Keras is fed that order."""
    X, y = data("multiclass", seed=4)
    model = make("multiclass", "relu", npmlp.Adam(0.01), l2=0.01)
    result = run_parity(model, X, y, batch_size=BATCH, epochs=EPOCHS, validation_split=0.2,
                        shuffle=True)
    check64(result)


def test_parity_float32():
    X, y = data("binary", seed=5)
    model = make("binary", "relu", npmlp.SGD(0.1, momentum=0.9), l2=0.01, dtype="float32")
    result = run_parity(model, X, y, batch_size=BATCH, epochs=20, validation_split=0.2,
                        shuffle=True)
    assert result.passed, result.verdict()
    assert result.dtype == "float32"
    for key in ("loss", "val_loss"):
        assert max(result.rel_delta[key]) <= 1e-4, key
    # float32 really differs from float64 somewhere (so the float64 checks are not vacuous)
    assert max(result.abs_delta["loss"]) > 0


def test_divergence_names_first_epoch_and_parameter():
    """A weight off by 1e-6 from epoch 3 on is reported as 'epoch 3, W2'."""
    hist = {"loss": [1.0, 0.9, 0.8, 0.7], "accuracy": [0.5] * 4}
    result = ParityResult("float64", 4, hist, {k: list(v) for k, v in hist.items()})
    ones = [np.ones((2, 2)), np.zeros(2), np.ones((2, 1)), np.zeros(1)]
    npw = [[w.copy() for w in ones] for _ in range(4)]
    kw = [[w.copy() for w in ones] for _ in range(4)]
    for epoch in (2, 3):
        kw[epoch][2] = kw[epoch][2] + 1e-6
    result.keras_history["loss"][3] += 1.0
    compare_histories(result, ["W1", "b1", "W2", "b2"], npw, kw, 40, 10)
    assert not result.passed
    assert result.failure["epoch"] == 3 and result.failure["name"] == "W2"
    assert "epoch 3 in W2" in result.verdict()
