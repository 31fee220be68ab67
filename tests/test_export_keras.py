"""Keras export: the .keras file opens in plain keras.saving.load_model (no custom objects)
and predicts what npmlp predicts."""

import sys

import keras
import numpy as np
import pytest
from export_helpers import make_data

import npmlp

# Keras's own save converts its variables with np.array(x, copy=False) (not npmlp's code).
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.mark.parametrize("hidden, output", [
    ("relu", "sigmoid"), ("tanh", "softmax"), ("leaky_relu", "linear"),
    ("sigmoid", "sigmoid"), ("linear", "softmax")])
def test_keras_file_predicts_the_same(tmp_path, hidden, output):
    kind = {"sigmoid": "binary", "softmax": "multiclass", "linear": "regression"}[output]
    X, y = make_data(kind)
    units = 3 if output == "softmax" else 1
    model = npmlp.MLP([npmlp.Dense(6, hidden, kernel_regularizer=npmlp.L2(0.01)),
                       npmlp.Dense(units, output)],
                      optimizer=npmlp.Adam(0.01), seed=0, dtype="float64")
    model.fit(X, y, epochs=3, verbose=0)
    path = model.export(tmp_path / "m.keras", "keras")
    loaded = keras.saving.load_model(path)
    got = loaded(X).numpy()  # predict() would cast X to floatx (float32)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, model.predict_proba(X), rtol=1e-12, atol=1e-12)
    dense = [layer for layer in loaded.layers if layer.name.startswith("dense_")]
    assert [layer.name for layer in dense] == ["dense_0", "dense_1"]
    np.testing.assert_array_equal(dense[0].get_weights()[0], model.layers[0].W)


def test_keras_errors(tmp_path, monkeypatch):
    model = npmlp.MLP([npmlp.Dense(1, "sigmoid")], input_dim=2, seed=0)
    with pytest.raises(ValueError, match="must end in .keras"):
        model.export(tmp_path / "m.h5", "keras")
    with pytest.raises(ValueError, match="dtype does not apply"):
        model.export(tmp_path / "m.keras", "keras", dtype="float64")
    with pytest.raises(ValueError, match="no weights yet"):
        npmlp.MLP([npmlp.Dense(1, "sigmoid")]).export(tmp_path / "m.keras", "keras")
    monkeypatch.setitem(sys.modules, "keras", None)
    with pytest.raises(ImportError, match=r"pip install 'npmlp\[tensorflow\]'"):
        model.export(tmp_path / "m.keras", "keras")
    assert list(tmp_path.iterdir()) == []


def test_cli_export_keras(tmp_path):
    from npmlp.cli import main

    X, y = make_data("binary")
    model = npmlp.MLP([npmlp.Dense(4, "relu"), npmlp.Dense(1, "sigmoid")], seed=0,
                      dtype="float64")
    model.fit(X, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.npz")
    out = tmp_path / "m.keras"
    assert main(["export", str(tmp_path / "m.npz"), "--format", "keras", "--out", str(out)]) == 0
    np.testing.assert_allclose(keras.saving.load_model(out)(X).numpy(),
                               model.predict_proba(X), rtol=1e-12, atol=1e-12)
