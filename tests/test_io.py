"""save/load: identical predictions, and stop-reload-continue equals never stopping."""

import numpy as np
import pytest

import npmlp


def build(optimizer):
    return npmlp.MLP([npmlp.Dense(16, "relu", kernel_regularizer=npmlp.L2(1e-3)),
                      npmlp.Dense(3, "softmax")], optimizer=optimizer, seed=11)


@pytest.mark.parametrize("make_optimizer", [
    lambda: npmlp.Adam(npmlp.ExponentialDecay(0.01, 5, 0.9), clipnorm=1.0),
    lambda: npmlp.SGD(0.05, momentum=0.9, nesterov=True, global_clipnorm=2.0),
    lambda: npmlp.RMSprop(0.01, momentum=0.5, centered=True),
])
def test_stop_reload_continue_is_bit_identical(tmp_path, make_optimizer):
    X, y = npmlp.datasets.spirals(120, seed=0)
    labels = np.array(["red", "green", "blue"])[y]
    straight = build(make_optimizer())
    h_straight = straight.fit(X, labels, batch_size=16, epochs=6, validation_split=0.2,
                              verbose=0)

    first = build(make_optimizer())
    h1 = first.fit(X, labels, batch_size=16, epochs=3, validation_split=0.2, verbose=0)
    first.save(tmp_path / "m.npz")
    resumed = npmlp.load(tmp_path / "m.npz")
    assert resumed.history.history == h1.history
    h2 = resumed.fit(X, labels, batch_size=16, epochs=3, validation_split=0.2, verbose=0)

    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert h_straight.loss == h1.loss + h2.loss
    assert h_straight.val_accuracy == h1.val_accuracy + h2.val_accuracy


def test_loaded_model_predicts_identically(tmp_path):
    X, y = npmlp.datasets.moons(80, seed=1)
    model = npmlp.MLP([npmlp.Dense(8, "tanh"), npmlp.Dense(1, "sigmoid")], seed=0,
                      dtype="float64")
    model.fit(X, np.array(["no", "yes"])[y], epochs=3, verbose=0)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = npmlp.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.dtype == np.float64 and loaded.get_config() == model.get_config()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]  # no temp file left


def test_save_is_pickle_free_and_overwrites_atomically(tmp_path):
    X, y = npmlp.datasets.moons(40, seed=1)
    model = npmlp.MLP([npmlp.Dense(1, "sigmoid")], seed=0)
    model.fit(X, y, epochs=1, verbose=0)
    path = tmp_path / "m.npz"
    model.save(path)
    model.save(path)  # replaces the file
    with np.load(path, allow_pickle=False) as npz:  # would raise on any object array
        assert "__config__" in npz.files
        assert all(npz[name].dtype != object for name in npz.files)


def test_load_rejects_foreign_files(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"definitely not a zip file")
    with pytest.raises(npmlp.ModelFileError):
        npmlp.load(bad)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.arange(3))
    with pytest.raises(npmlp.ModelFileError, match="not an npmlp model|__config__"):
        npmlp.load(other)
    with pytest.raises(FileNotFoundError):
        npmlp.load(tmp_path / "missing.npz")


def test_unbuilt_model_cannot_be_saved(tmp_path):
    with pytest.raises(RuntimeError, match="no weights"):
        npmlp.MLP([npmlp.Dense(1, "sigmoid")]).save(tmp_path / "m.npz")


def test_saved_files_get_ordinary_permissions(tmp_path):
    """Atomic saves go through a 0600 temp file; the result has the umask's mode, and a
    replaced file keeps its own mode."""
    import os
    import stat

    model = npmlp.MLP([npmlp.Dense(1, "sigmoid")], input_dim=2, seed=0)
    old = os.umask(0o022)
    try:
        path = tmp_path / "m.npz"
        model.save(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        path.chmod(0o640)
        model.save(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_save_fsyncs_the_file_before_the_rename_and_the_directory_after(tmp_path, monkeypatch):
    import os

    calls = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        calls.append(("fsync", os.path.isdir(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(src, dst):
        calls.append(("replace", str(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    npmlp.MLP([npmlp.Dense(1, "sigmoid")], input_dim=2, seed=0).save(tmp_path / "m.npz")
    assert calls == [("fsync", False), ("replace", str(tmp_path / "m.npz")), ("fsync", True)]


def test_load_never_allows_pickle(tmp_path, monkeypatch):
    """Every array is read with allow_pickle=False (a second guard behind the header check
    that refuses object arrays)."""
    seen = []
    real = np.lib.format.read_array

    def read_array(*args, **kwargs):
        seen.append(kwargs.get("allow_pickle"))
        return real(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "read_array", read_array)
    model = npmlp.MLP([npmlp.Dense(2, "relu"), npmlp.Dense(1, "sigmoid")], input_dim=2, seed=0)
    model.save(tmp_path / "m.npz")
    npmlp.load(tmp_path / "m.npz")
    assert seen and all(flag is False for flag in seen)
