"""Initializers: shapes, bounds, truncation, and sample mean/std within statistical tolerance."""

import numpy as np
import pytest

from npmlp import initializers

FAN_IN, FAN_OUT = 300, 200
N = FAN_IN * FAN_OUT  # 60,000 samples per draw


def expected_std(name):
    n = (FAN_IN + FAN_OUT) / 2 if name.startswith("glorot") else FAN_IN
    scale = 1.0 if name.startswith("glorot") else 2.0
    return np.sqrt(scale / n)


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_shape_dtype_bounds_and_moments(name, dtype):
    W = initializers.get(name)(FAN_IN, FAN_OUT, np.random.default_rng(0), dtype)
    assert W.shape == (FAN_IN, FAN_OUT) and W.dtype == np.dtype(dtype)
    std = expected_std(name)
    if name.endswith("uniform"):
        limit = np.sqrt(3) * std  # = sqrt(6 / (fan_in + fan_out)) or sqrt(6 / fan_in)
        assert np.abs(W).max() <= limit
        assert np.abs(W).max() > 0.99 * limit  # the bounds are actually reached
    else:
        raw = std / initializers.TRUNCATED_STD
        assert np.abs(W).max() <= 2 * raw * (1 + 1e-6)
        # re-sampling, not clipping: nothing piles up at the bound
        assert np.mean(np.abs(W) > 1.999 * raw) < 1e-3
    # mean 0 and std as defined, within 5 standard errors (of the mean: std/sqrt(N); of the
    # sample std: about std/sqrt(2N))
    assert abs(W.mean()) < 5 * std / np.sqrt(N)
    assert abs(W.std() / std - 1) < 5 * np.sqrt(1 / (2 * N))


def test_truncated_normal_std_constant():
    """0.8796... is the std of N(0, 1) truncated to [-2, 2]."""
    from math import erf, exp, pi, sqrt

    phi2 = exp(-2) / sqrt(2 * pi)
    mass = erf(2 / sqrt(2))
    assert initializers.TRUNCATED_STD == pytest.approx(sqrt(1 - 4 * phi2 / mass), rel=1e-15)


def test_same_generator_state_same_weights():
    a = initializers.he_normal(5, 4, np.random.default_rng(7))
    b = initializers.he_normal(5, 4, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


def test_zeros_and_registry():
    assert not initializers.zeros(3, 2).any()
    with pytest.raises(ValueError, match="valid names: glorot_uniform"):
        initializers.get("xavier")
    assert initializers.default_for("relu") == "he_uniform"
    assert initializers.default_for("tanh") == "glorot_uniform"
    assert initializers.name_of(initializers.glorot_normal) == "glorot_normal"


def test_unregistered_initializer_is_refused_at_construction():
    import npmlp

    with pytest.raises(ValueError, match="not one of npmlp's initializers.*set_weights"):
        npmlp.Dense(3, kernel_initializer=lambda fan_in, fan_out, rng, dtype: None)
    assert npmlp.Dense(3, kernel_initializer=initializers.he_normal).kernel_initializer is \
        initializers.he_normal
