"""Finite-difference gradient check of the whole network (float64, central differences)."""

import itertools

import numpy as np
import pytest

import npmlp
from npmlp.diagnostics import gradcheck
from npmlp.diagnostics.gradcheck import check_gradients

HIDDEN = ["sigmoid", "relu", "tanh", "leaky_relu"]
OUTPUTS = [("sigmoid", 1, "binary_crossentropy"), ("softmax", 3, "categorical_crossentropy"),
           ("linear", 2, "mean_squared_error")]


def build(hidden, output, n_hidden, l2, seed=0):
    act, units, loss = output
    reg = npmlp.L2(0.05) if l2 else None
    layers = [npmlp.Dense(5, hidden, kernel_regularizer=reg) for _ in range(n_hidden)]
    layers.append(npmlp.Dense(units, act, kernel_regularizer=reg))
    model = npmlp.MLP(layers, loss=loss, input_dim=4, seed=seed, dtype="float64")
    rng = np.random.default_rng(seed + 1)
    X = rng.normal(size=(7, 4))
    if act == "sigmoid":
        Y = rng.integers(0, 2, size=(7, 1)).astype(float)
    elif act == "softmax":
        Y = np.eye(3)[rng.integers(0, 3, 7)]
    else:
        Y = rng.normal(size=(7, 2))
    # non-zero biases so every path is exercised
    for layer in model.layers:
        layer.b[:] = rng.normal(0, 0.1, size=layer.b.shape)
    return model, X, Y


@pytest.mark.parametrize("hidden,output,n_hidden,l2", list(itertools.product(
    HIDDEN, OUTPUTS, [0, 1, 3], [False, True])))
def test_backprop_matches_central_differences(hidden, output, n_hidden, l2):
    model, X, Y = build(hidden, output, n_hidden, l2)
    assert_every_entry_matches(check_gradients(model, X, Y), 2 * (n_hidden + 1))


@pytest.mark.parametrize("output", OUTPUTS)
def test_general_path_when_loss_does_not_pair_with_output(output):
    """MSE on a sigmoid/softmax output goes through g'(Z) * dL/dA (no logits shortcut)."""
    act, units, _ = output
    model, X, Y = build("tanh", (act, units, "mse"), 1, False)
    assert not model.logits_path
    assert_every_entry_matches(check_gradients(model, X, Y), 4)


@pytest.mark.parametrize("output", OUTPUTS)
def test_sample_weight_gradient(output):
    """Every parameter of every layer, with per-sample weights (some zero) and L2."""
    model, X, Y = build("tanh", output, 2, True)
    w = np.random.default_rng(5).uniform(0, 2, size=X.shape[0])
    w[1] = 0.0
    records = check_gradients(model, X, Y, sample_weight=w)
    assert_every_entry_matches(records, 6)
    # the weights matter: the unweighted gradient is a different one
    unweighted = gradcheck.backprop_gradients(model, X, Y)
    weighted = gradcheck.backprop_gradients(model, X, Y, w)
    assert not np.allclose(unweighted[0], weighted[0], rtol=1e-3)


def test_elementwise_bound_catches_one_wrong_small_entry_the_norm_ratio_hides():
    analytic = np.array([1e3, 1e-4, 0.5])
    numeric = np.array([1e3, 2e-4, 0.5])      # the small entry is off by 100 %
    assert gradcheck.relative_error(analytic, numeric) < 1e-6
    atol = gradcheck.absolute_tolerance(0.7, 1e-6)
    assert gradcheck.elementwise_ratio(analytic, numeric, 1e-6, atol) > 1
    # and rounding-sized differences on vanishing entries pass on the absolute floor
    tiny = np.array([3e-9, -1e-12])
    assert gradcheck.elementwise_ratio(tiny, tiny + 1e-10, 1e-6, atol) <= 1


def test_a_wrong_entry_in_one_layer_fails_the_elementwise_check(monkeypatch):
    model, X, Y = build("relu", OUTPUTS[1], 1, False)
    backward_linear = npmlp.Dense.backward_linear

    def nudged(self, *args, **kwargs):
        out = backward_linear(self, *args, **kwargs)
        if self is model.layers[0]:
            # the smallest entry of dW1 off by 2e-8: a wrong small path, not rounding
            flat = self.dW.reshape(-1)
            flat[np.argmin(np.abs(flat))] += 2e-8
        return out

    monkeypatch.setattr(npmlp.Dense, "backward_linear", nudged)
    records = check_gradients(model, X, Y)
    assert [r["name"] for r in records if not r["passed"]] == ["W1"]
    assert records[0]["relative_error"] < 1e-6  # the norm ratio alone would pass it


def assert_every_entry_matches(records, n_params):
    """Every parameter passes the elementwise bound and the norm ratio."""
    assert len(records) == n_params
    for record in records:
        assert record["passed"], record
        assert record["relative_error"] < 1e-6, record
