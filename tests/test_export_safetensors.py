"""safetensors export: read back by safetensors itself bit for bit, and by npmlp.load."""

import json
import sys

import numpy as np
import pytest
from export_helpers import make_data, trained
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

import npmlp


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
def test_safetensors_round_trip(tmp_path, kind, dtype):
    model = trained(kind, "leaky_relu", dtype, names=kind == "binary")
    path = model.export(tmp_path / "m.safetensors", "safetensors")
    tensors = load_file(path)
    names = ["dense_0/kernel", "dense_0/bias", "dense_1/kernel", "dense_1/bias",
             "dense_2/kernel", "dense_2/bias"]
    assert sorted(tensors) == sorted(names)
    for name, weight in zip(names, model.get_weights()):
        assert tensors[name].dtype == weight.dtype and tensors[name].shape == weight.shape
        assert tensors[name].tobytes() == weight.tobytes()  # bit for bit
    with safe_open(str(path), framework="numpy") as f:
        config = json.loads(f.metadata()["npmlp_config"])
    assert config["model"]["layers"][0]["activation"] == {"name": "leaky_relu", "alpha": 0.2}
    loaded = npmlp.load(path)
    X, _ = make_data(kind, n=50, seed=5)
    assert loaded.dtype == model.dtype and loaded.feature_names == model.feature_names
    assert loaded.kind == model.kind and loaded.loss.name == model.loss.name
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.predict(X).dtype == model.predict(X).dtype
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        assert a.tobytes() == b.tobytes()


def test_safetensors_dtype_option(tmp_path):
    model = trained("multiclass", dtype="float32")
    path = model.export(tmp_path / "m.st", "safetensors", dtype="float64")  # any suffix
    assert all(t.dtype == np.float64 for t in load_file(path).values())
    loaded = npmlp.load(path)
    assert loaded.dtype == np.float64
    assert np.array_equal(loaded.get_weights()[0], model.get_weights()[0].astype(np.float64))


def test_foreign_or_tampered_safetensors_are_refused(tmp_path):
    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": np.zeros((2, 2), np.float32)}, str(foreign))
    with pytest.raises(npmlp.ModelFileError, match="without npmlp's config"):
        npmlp.load(foreign)
    model = trained("binary")
    path = model.export(tmp_path / "m.safetensors", "safetensors")
    with safe_open(str(path), framework="numpy") as f:
        metadata = f.metadata()
    tensors = load_file(path)
    tensors["dense_0/kernel"] = tensors["dense_0/kernel"][:, :3]  # a kernel of the wrong shape
    save_file(tensors, str(path), metadata=metadata)
    with pytest.raises(npmlp.ModelFileError, match="weights"):
        npmlp.load(path)
    truncated = tmp_path / "cut.safetensors"
    truncated.write_bytes(model.export(tmp_path / "ok.safetensors", "safetensors")
                          .read_bytes()[:-8])
    with pytest.raises(npmlp.ModelFileError, match="not a readable safetensors"):
        npmlp.load(truncated)


def test_safetensors_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="no weights yet"):
        npmlp.MLP([npmlp.Dense(1, "sigmoid")]).export(tmp_path / "m.safetensors",
                                                       "safetensors")
    (tmp_path / "no").write_text("a file where the folder should be")
    with pytest.raises(NotADirectoryError):
        trained("binary").export(tmp_path / "no" / "m.safetensors", "safetensors")
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"pip install 'npmlp\[safetensors\]'"):
        trained("binary").export(tmp_path / "m.safetensors", "safetensors")
    assert [p.name for p in tmp_path.iterdir()] == ["no"]  # only the file in the way


def test_cli_export_safetensors(tmp_path, capsys):
    from npmlp.cli import main

    model = trained("regression")
    model.save(tmp_path / "m.npz")
    out = tmp_path / "m.safetensors"
    assert main(["export", str(tmp_path / "m.npz"), "--format", "safetensors", "--out",
                 str(out)]) == 0
    X, _ = make_data("regression", n=10)
    assert np.array_equal(npmlp.load(out).predict(X), model.predict(X))
