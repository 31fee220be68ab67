"""npmlp's initializers draw from the same distributions as keras.initializers."""

import keras
import numpy as np
import pytest
from scipy import stats

from npmlp import initializers

FAN_IN, FAN_OUT = 250, 400          # 100 000 samples
KERAS = {"glorot_uniform": keras.initializers.GlorotUniform,
         "glorot_normal": keras.initializers.GlorotNormal,
         "he_uniform": keras.initializers.HeUniform,
         "he_normal": keras.initializers.HeNormal}
BOUND = {"glorot_uniform": np.sqrt(6 / (FAN_IN + FAN_OUT)),
         "glorot_normal": 2 * np.sqrt(2 / (FAN_IN + FAN_OUT)) / 0.87962566103423978,
         "he_uniform": np.sqrt(6 / FAN_IN),
         "he_normal": 2 * np.sqrt(2 / FAN_IN) / 0.87962566103423978}


@pytest.mark.parametrize("name", list(KERAS))
def test_same_distribution_as_keras(name):
    ours = initializers.get(name)(FAN_IN, FAN_OUT, np.random.default_rng(0), "float64").ravel()
    theirs = np.asarray(KERAS[name](seed=0)(shape=(FAN_IN, FAN_OUT), dtype="float64")).ravel()
    assert ours.size == theirs.size == 100_000
    assert stats.ks_2samp(ours, theirs).pvalue > 0.001
    bound = BOUND[name]
    for sample in (ours, theirs):
        assert np.abs(sample).max() <= bound
        assert np.abs(sample).max() > 0.99 * bound       # the bound is reached, not narrower
    assert np.std(ours) == pytest.approx(np.std(theirs), rel=0.02)


def test_ks_detects_a_different_distribution():
    """The test has power: he_uniform vs glorot_uniform at these fans is rejected."""
    ours = initializers.he_uniform(FAN_IN, FAN_OUT, np.random.default_rng(0), "float64")
    theirs = np.asarray(keras.initializers.GlorotUniform(seed=0)(shape=(FAN_IN, FAN_OUT)))
    assert stats.ks_2samp(ours.ravel(), theirs.ravel()).pvalue < 1e-6
