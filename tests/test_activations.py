"""Activations: known values, derivatives against central differences, extremes, properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from npmlp import activations

ELEMENTWISE = ["sigmoid", "relu", "tanh", "leaky_relu", "linear"]


def numeric_derivative(f, Z, h=1e-6):
    return (f(Z + h) - f(Z - h)) / (2 * h)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_difference(name):
    act = activations.get(name)
    rng = np.random.default_rng(0)
    Z = rng.normal(0, 3, size=(20, 7))
    Z[np.abs(Z) < 1e-3] = 0.5  # keep away from the ReLU kink
    expected = numeric_derivative(act.forward, Z)
    np.testing.assert_allclose(act.derivative(Z), expected, rtol=1e-6, atol=1e-9)
    # backward with the cached A gives the same as the derivative at Z
    dA = rng.normal(size=Z.shape)
    np.testing.assert_allclose(act.backward(dA, Z, act.forward(Z)), dA * expected,
                               rtol=1e-6, atol=1e-9)


def test_known_values():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(activations.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_array_equal(activations.relu(z), [[0.0, 0.0, 3.0]])
    # the slope acts as float32(0.1) = 0.10000000149011612, as in Keras
    np.testing.assert_array_equal(activations.leaky_relu(z, 0.1),
                                  [[-0.20000000298023224, 0.0, 3.0]])
    np.testing.assert_array_equal(activations.leaky_relu(z, 0.25), [[-0.5, 0.0, 3.0]])
    # tanh from its definition (e^2z - 1) / (e^2z + 1), not from np.tanh
    e2z = np.exp(2 * z)
    np.testing.assert_allclose(activations.tanh(z), (e2z - 1) / (e2z + 1), rtol=1e-15)
    np.testing.assert_allclose(activations.tanh(z), [[-0.9640275800758169, 0.0,
                                                      0.9950547536867305]], rtol=1e-15)
    np.testing.assert_allclose(activations.sigmoid_derivative(np.array([0.0])), [0.25])
    np.testing.assert_allclose(activations.tanh_derivative(np.array([0.0])), [1.0])
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(activations.softmax(np.array([[1.0, 2.0, 3.0]])), [e / e.sum()])


def test_relu_derivative_at_zero_is_zero():
    np.testing.assert_array_equal(activations.relu_derivative(np.array([-1.0, 0.0, 1.0])),
                                  [0.0, 0.0, 1.0])


def test_softmax_jacobian_matches_central_difference_and_backward():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(4, 5))
    J = activations.softmax_derivative(Z)
    assert J.shape == (4, 5, 5)
    for j in range(5):
        E = np.zeros_like(Z)
        E[:, j] = 1e-6
        column = (activations.softmax(Z + E) - activations.softmax(Z - E)) / 2e-6
        np.testing.assert_allclose(J[:, :, j], column, rtol=1e-6, atol=1e-10)
    dA = rng.normal(size=Z.shape)
    sm = activations.Softmax()
    np.testing.assert_allclose(sm.backward(dA, Z, sm.forward(Z)),
                               np.einsum("mk,mkj->mj", dA, J), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extremes_stay_finite_without_warnings(dtype):
    Z = np.array([[-1e4, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e4]], dtype=dtype)
    with np.errstate(all="raise"):
        s = activations.sigmoid(Z)
        sm = activations.softmax(Z)
        d = activations.sigmoid_derivative(Z)
    assert s.dtype == dtype and np.isfinite(s).all() and np.isfinite(d).all()
    # exp_neg caps |z| at half the exponent range: sigma(-1e4) is tiny but normal
    assert 0 < s[0, 0] < (1e-18 if dtype == np.float32 else 1e-150)
    assert s[0, 0] <= s[0, 1] <= s[0, 2] < s[0, 3] == 0.5 and s[0, -1] == 1.0
    np.testing.assert_allclose(sm.sum(axis=1), 1.0, rtol=1e-6)
    assert np.argmax(sm) == 6


def test_dtype_is_kept():
    for name in ELEMENTWISE + ["softmax"]:
        act = activations.get(name)
        Z = np.ones((2, 3), dtype=np.float32)
        assert act.forward(Z).dtype == np.float32
        assert act.backward(Z, Z, act.forward(Z)).dtype == np.float32


def test_registry_lists_valid_names():
    with pytest.raises(ValueError, match="valid names: .*relu.*sigmoid"):
        activations.get("sigmoidd")
    with pytest.raises(TypeError):
        activations.get(3)
    assert isinstance(activations.get("ReLU"), activations.ReLU)


finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=finite))
def test_properties(Z):
    with np.errstate(all="raise"):
        s = activations.sigmoid(Z)
        sm = activations.softmax(Z)
    assert ((s >= 0) & (s <= 1)).all()
    np.testing.assert_allclose(s + activations.sigmoid(-Z), 1.0, atol=1e-12)
    np.testing.assert_allclose(sm.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(activations.softmax(Z + 7.0), sm, rtol=1e-9, atol=1e-300)
    assert (activations.relu(Z) >= 0).all()


@pytest.mark.parametrize("alpha,error", [("x", TypeError), (float("nan"), ValueError),
                                         (-0.1, ValueError)])
def test_leaky_relu_alpha_is_validated(alpha, error):
    with pytest.raises(error, match="alpha"):
        activations.LeakyReLU(alpha)
