"""BLAS threads during fit: chosen from the layer sizes, overridable, and put back after."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_info

import npmlp
from npmlp.training import threads


def _blas_threads() -> list[int]:
    return [d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"]


class SeeThreads(npmlp.Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.seen = _blas_threads()


def _model(units):
    return npmlp.MLP([npmlp.Dense(units), npmlp.Dense(1, "sigmoid")], seed=0, input_dim=2)


def test_small_layers_get_one_thread_large_ones_keep_the_default():
    assert threads.choose(_model(8), batch_size=32) == 1
    big = npmlp.MLP([npmlp.Dense(512), npmlp.Dense(1, "sigmoid")], seed=0, input_dim=256)
    assert threads.choose(big, batch_size=256) is None
    assert threads.choose(npmlp.MLP([npmlp.Dense(1, "sigmoid")]), batch_size=32) is None


@pytest.mark.parametrize("requested, expected", [(None, 1), (1, 1)])
def test_fit_limits_blas_and_restores_it(requested, expected):
    before = _blas_threads()
    X, y = npmlp.datasets.moons(40, seed=0)
    seen = SeeThreads()
    _model(8).fit(X, y, epochs=1, batch_size=8, verbose=0, callbacks=[seen], threads=requested)
    assert seen.seen and set(seen.seen) == {expected}
    assert _blas_threads() == before


def test_threads_must_be_a_positive_int():
    X, y = npmlp.datasets.moons(20, seed=0)
    with pytest.raises(ValueError, match="threads"):
        _model(4).fit(X, y, epochs=1, verbose=0, threads=0)


def test_the_cli_passes_threads_to_fit(monkeypatch, tmp_path):
    from npmlp.cli import main

    seen = {}
    original = npmlp.MLP.fit

    def fit(self, *args, **kwargs):
        seen["threads"] = kwargs.get("threads")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(npmlp.MLP, "fit", fit)
    assert main(["train", "--dataset", "moons", "--epochs", "1", "--threads", "1",
                 "--quiet", "--seed", "0"]) == 0
    assert seen["threads"] == 1
