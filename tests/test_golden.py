"""The engine reproduces, bit for bit, the trajectories recorded before the one-engine redesign.

``tests/golden/record.py`` wrote each configuration's History and final weights with the
engine being replaced (one BLAS thread, so float32 sums are reproducible too); this test
trains the same configurations today and compares every value exactly.

Three were re-recorded on purpose when Adam's beta**t and the leaky ReLU slope started to be
rounded to float32 as Keras does (issue 16): adam_binary_f32, adam_globalclip_regression_f32
and rmsprop_centered_multiclass_f64 (leaky ReLU). With those two roundings undone, the
original recordings were reproduced bit for bit, so the rest of the engine is unchanged.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

GOLDEN = Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))

from configs import CONFIGS, GOLDEN_THREADS, arrays_of, run  # noqa: E402


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_trajectory_is_bit_identical(name):
    with threadpool_limits(GOLDEN_THREADS):
        got = arrays_of(run(name))
    with np.load(GOLDEN / f"{name}.npz", allow_pickle=False) as f:
        want = {k: f[k] for k in f.files}
    assert sorted(got) == sorted(want)
    for key in want:
        assert got[key].dtype == want[key].dtype, key
        np.testing.assert_array_equal(got[key], want[key], err_msg=f"{name}: {key}")


def test_the_goldens_are_not_trivial():
    """Every run learned something (weights moved, loss fell), so equality means something."""
    with np.load(GOLDEN / "sgd_binary_f32.npz", allow_pickle=False) as f:
        loss = f["history_loss"]
    assert loss[-1] < loss[0]
