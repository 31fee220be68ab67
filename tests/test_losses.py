"""Losses: hand-computed values, derivatives against central differences, the logits path."""

import numpy as np
import pytest

from npmlp import activations, losses
from npmlp.diagnostics.gradcheck import relative_error


def central_difference(f, P, h=1e-6):
    G = np.zeros_like(P)
    for idx in np.ndindex(P.shape):
        up, down = P.copy(), P.copy()
        up[idx] += h
        down[idx] -= h
        G[idx] = (f(up) - f(down)) / (2 * h)
    return G


def test_bce_hand_computed():
    # two samples: p=0.8 for y=1 and p=0.4 for y=0 -> (-ln 0.8 - ln 0.6) / 2
    expected = (-np.log(0.8) - np.log(0.6)) / 2
    assert losses.binary_cross_entropy([1, 0], [0.8, 0.4]) == pytest.approx(expected, rel=1e-14)
    # derivative of the mean: (-y/p + (1-y)/(1-p)) / m
    np.testing.assert_allclose(losses.binary_cross_entropy_derivative([1, 0], [0.8, 0.4]),
                               [[-1 / 0.8 / 2], [1 / 0.6 / 2]], rtol=1e-14)


def test_cce_and_mse_hand_computed():
    Y = np.array([[0, 1, 0], [1, 0, 0]], dtype=float)
    P = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]])
    assert losses.categorical_cross_entropy(Y, P) == pytest.approx(
        (-np.log(0.7) - np.log(0.5)) / 2, rel=1e-14)
    # MSE: mean over outputs then samples: ((1-0)^2 + (2-4)^2)/2 / 1 sample
    assert losses.mean_squared_error([[1.0, 2.0]], [[0.0, 4.0]]) == pytest.approx(2.5)
    np.testing.assert_allclose(losses.mean_squared_error_derivative([[1.0, 2.0]], [[0.0, 4.0]]),
                               [[2 * -1 / 2, 2 * 2 / 2]])


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy", "mse"])
def test_derivative_matches_central_difference(name):
    rng = np.random.default_rng(0)
    loss = losses.get(name)
    P = rng.uniform(0.05, 0.95, size=(5, 3))
    if name == "categorical_crossentropy":
        Y = np.eye(3)[rng.integers(0, 3, 5)]
    else:
        Y = rng.integers(0, 2, size=(5, 3)).astype(float)
    w = rng.uniform(0, 2, size=5)
    for sample_weight in (None, w):
        numeric = central_difference(lambda Q, w=sample_weight: loss(Y, Q, w), P)
        assert relative_error(loss.derivative(Y, P, sample_weight), numeric) < 1e-7


def test_clipping_is_consistent():
    # p = 0 and p = 1 are clipped to 1e-7 / 1 - 1e-7; the derivative is 0 where clipped
    value = losses.binary_cross_entropy([1.0, 0.0], [0.0, 1.0])
    assert value == pytest.approx(-np.log(1e-7), rel=1e-6)
    np.testing.assert_array_equal(losses.binary_cross_entropy_derivative([1, 0], [0.0, 1.0]),
                                  [[0.0], [0.0]])


@pytest.mark.parametrize("name,act,k", [("binary_crossentropy", "sigmoid", 1),
                                        ("binary_crossentropy", "sigmoid", 3),
                                        ("categorical_crossentropy", "softmax", 4)])
def test_logits_shortcut_equals_general_chain_rule(name, act, k):
    """dZ = (A - Y)/m (/k for BCE) equals g'(Z) * dL/dA through the probability-space loss,
    and the loss from logits equals the loss on probabilities, wherever clipping is inactive."""
    rng = np.random.default_rng(3)
    loss, g = losses.get(name), activations.get(act)
    Z = rng.normal(0, 2, size=(6, k))
    A = g.forward(Z)
    Y = (np.eye(k)[rng.integers(0, k, 6)] if act == "softmax"
         else rng.integers(0, 2, size=(6, k)).astype(float))
    general = g.backward(loss.derivative(Y, A), Z, A)
    np.testing.assert_allclose(loss.logits_gradient(Y, A), general, rtol=1e-10, atol=1e-14)
    assert loss.from_logits(Y, Z) == pytest.approx(loss(Y, A), rel=1e-12)
    # and the shortcut is the true derivative of the logits loss
    numeric = central_difference(lambda Q: loss.from_logits(Y, Q), Z)
    assert relative_error(loss.logits_gradient(Y, A), numeric) < 1e-7


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logits_path_is_exact_for_huge_logits(dtype):
    Z = np.array([[1e4], [-1e4], [40.0], [0.0]], dtype=dtype)
    Y = np.array([[0.0], [1.0], [0.0], [1.0]], dtype=dtype)
    with np.errstate(all="raise"):
        value = losses.binary_cross_entropy_from_logits(Y, Z)
        cce = losses.categorical_cross_entropy_from_logits(
            np.array([[1.0, 0.0]], dtype=dtype), np.array([[-1e4, 1e4]], dtype=dtype))
    # unclipped: each wrong sample costs |z|; the last one ln 2
    assert value == pytest.approx((1e4 + 1e4 + 40.0 + np.log(2)) / 4, rel=1e-6)
    assert cce == pytest.approx(2e4, rel=1e-6)


def test_shape_mismatch_is_reported():
    with pytest.raises(ValueError, match="shape"):
        losses.mean_squared_error(np.zeros((3, 2)), np.zeros((3, 1)))


def test_names_and_defaults():
    assert losses.get("binary_cross_entropy").name == "binary_crossentropy"
    assert losses.get("categorical_cross_entropy").name == "categorical_crossentropy"
    assert losses.get("mse").name == "mean_squared_error"
    assert losses.default_for("softmax").name == "categorical_crossentropy"
    assert losses.default_for("linear").name == "mean_squared_error"
    with pytest.raises(ValueError, match="valid names"):
        losses.get("hinge")
