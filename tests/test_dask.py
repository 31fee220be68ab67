"""Out-of-core and distributed training on a real dask cluster (two worker processes on
127.0.0.1): dask_ml's Incremental over a chunked dask array, and GridSearchCV under joblib's
dask backend."""

import re

import dask.array as da
import joblib
import numpy as np
import pytest
from dask_ml.wrappers import Incremental
from distributed import Client, LocalCluster, get_task_stream
from sklearn.model_selection import GridSearchCV

import npmlp
from npmlp.sklearn import MLPClassifier


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_incremental_equals_sequential_partial_fit(client):
    X, y = npmlp.datasets.moons(300, noise=0.2, seed=0)
    Xd = da.from_array(X, chunks=(60, 2))  # 5 blocks, trained one after the other
    yd = da.from_array(y, chunks=60)
    params = dict(hidden_layer_sizes=(16,), learning_rate=0.01, batch_size=16, random_state=0)
    inc = Incremental(MLPClassifier(**params), shuffle_blocks=False)
    with get_task_stream(client) as stream:
        inc.fit(Xd, yd, classes=[0, 1])
    # dask_ml names the task of block i ("fit-<token>", i): one partial_fit per block.
    blocks = {t["key"][1] for t in stream.data
              if isinstance(t["key"], tuple) and t["key"][0].startswith("fit-")}
    assert set(range(5)) <= blocks, f"partial_fit did not run on the workers: {stream.data}"

    sequential = MLPClassifier(**params)
    for start in range(0, 300, 60):
        sequential.partial_fit(X[start:start + 60], y[start:start + 60], classes=[0, 1])
    fitted = inc.estimator_
    assert fitted.n_iter_ == 5 == sequential.n_iter_
    for W_dask, W_seq in zip(fitted.model_.get_weights(), sequential.model_.get_weights(),
                             strict=True):
        # The same operations in the same order; only BLAS threading in the worker process
        # could move the last bit.
        np.testing.assert_allclose(W_dask, W_seq, rtol=1e-12, atol=1e-14)
    assert fitted.loss_curve_ == pytest.approx(sequential.loss_curve_, rel=1e-12)
    # The wrapper predicts block-wise on the cluster, with the same labels.
    np.testing.assert_array_equal(inc.predict(Xd).compute(), sequential.predict(X))


def test_gridsearch_under_joblib_dask_backend(client):
    X, y = npmlp.datasets.moons(150, noise=0.2, seed=1)
    grid = {"hidden_layer_sizes": [(4,), (16,)], "learning_rate": [0.003, 0.03]}
    est = MLPClassifier(epochs=15, random_state=0)
    local = GridSearchCV(est, grid, cv=3, n_jobs=1).fit(X, y)
    with get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        remote = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X, y)
    # joblib sends "batch_of__fit_and_score_<k>_calls-<token>" tasks: count the calls.
    calls = sum(int(m.group(1)) for t in stream.data
                if (m := re.search(r"_(\d+)_calls", str(t["key"]))))
    assert calls == 12, f"expected the 12 fits (4 candidates x 3 folds) on the cluster: {calls}"
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"],
                               local.cv_results_["mean_test_score"], rtol=0, atol=1e-12)
    assert remote.best_params_ == local.best_params_
