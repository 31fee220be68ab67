"""Finite-difference gradient check of the whole network (float64, central differences)."""

import itertools

import numpy as np
import pytest

import npmlp
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
    for record in check_gradients(model, X, Y):
        assert record["relative_error"] < 1e-6, record


@pytest.mark.parametrize("output", OUTPUTS)
def test_general_path_when_loss_does_not_pair_with_output(output):
    """MSE on a sigmoid/softmax output goes through g'(Z) * dL/dA (no logits shortcut)."""
    act, units, _ = output
    model, X, Y = build("tanh", (act, units, "mse"), 1, False)
    assert not model.logits_path
    for record in check_gradients(model, X, Y):
        assert record["relative_error"] < 1e-6, record


def test_sample_weight_gradient():
    model, X, Y = build("tanh", OUTPUTS[0], 1, True)
    w = np.random.default_rng(5).uniform(0, 2, size=X.shape[0])
    model.forward(X)
    model.backward(Y, w)
    analytic = [g.copy() for g in model.grads]
    h = 1e-6
    W = model.params[0]
    numeric = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        saved = W[idx]
        W[idx] = saved + h
        Z, A = model.forward_output(X)
        up = model.output_loss(Y, Z, A, w) + model.penalty()
        W[idx] = saved - h
        Z, A = model.forward_output(X)
        down = model.output_loss(Y, Z, A, w) + model.penalty()
        W[idx] = saved
        numeric[idx] = (up - down) / (2 * h)
    from npmlp.diagnostics.gradcheck import relative_error

    assert relative_error(analytic[0], numeric) < 1e-6
