"""npmlp.load trusts nothing: foreign, truncated, tampered and hostile files are refused with
ModelFileError before any large allocation; saves are atomic."""

import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest

import npmlp
from npmlp.saving import MAX_CONFIG_BYTES, ModelFileError


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    X, y = npmlp.datasets.moons(n_samples=60, seed=0)
    m = npmlp.MLP([npmlp.Dense(5, "tanh"), npmlp.Dense(1, "sigmoid")],
                  optimizer=npmlp.Adam(0.01), seed=1)
    m.fit(X, y, epochs=2, batch_size=16, verbose=0)
    path = tmp_path_factory.mktemp("io") / "good.npz"
    m.save(path)
    return path, m


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_zip(path, entries: dict[str, bytes], compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def npy_bytes(array) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=True)
    return buf.getvalue()


def config_of(path) -> dict:
    raw = np.load(path)["__config__"]
    return json.loads(raw.tobytes().decode())


def with_config(path, out, edit):
    entries = members(path)
    config = config_of(path)
    edit(config)
    blob = np.frombuffer(json.dumps(config).encode(), dtype=np.uint8)
    entries["__config__.npy"] = npy_bytes(blob)
    return write_zip(out, entries)


def test_round_trip_is_exact(saved, tmp_path):
    path, m = saved
    back = npmlp.load(path)
    for a, b in zip(m.get_weights(), back.get_weights()):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    for s1, s2 in zip(m.optimizer.state, back.optimizer.state):
        for k in s1:
            np.testing.assert_array_equal(s1[k], s2[k])
    assert back.optimizer.iterations == m.optimizer.iterations
    assert back.rng.bit_generator.state == m.rng.bit_generator.state
    assert back.history.history == m.history.history


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file"):
        npmlp.load(tmp_path / "absent.npz")
    with pytest.raises(ModelFileError, match="directory"):
        npmlp.load(tmp_path)


@pytest.mark.parametrize("content", [b"", b"hello", os.urandom(2048), b"PK\x03\x04junk"])
def test_random_bytes(tmp_path, content):
    p = tmp_path / "junk.npz"
    p.write_bytes(content)
    with pytest.raises(ModelFileError):
        npmlp.load(p)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated_file(saved, tmp_path, keep):
    data = saved[0].read_bytes()
    p = tmp_path / "cut.npz"
    p.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(ModelFileError):
        npmlp.load(p)


def npy_values_span(blob: bytes, member: str) -> tuple[int, int]:
    """(offset, length) of the array values of ``member`` inside the zip ``blob``, read from
    the zip local file header and the .npy header rather than assumed."""
    info = zipfile.ZipFile(io.BytesIO(blob)).getinfo(member)
    at = info.header_offset
    # local file header: signature, version, flags, method, time, date, crc, sizes, name
    # length, extra length (30 bytes), then the name and the extra field, where NumPy's
    # savez puts a zip64 record (force_zip64=True): the old offset ignored it
    (signature, _, _, method, _, _, _, size, _, name_len,
     extra_len) = struct.unpack_from("<IHHHHHIIIHH", blob, at)
    assert signature == 0x04034B50 and method == zipfile.ZIP_STORED
    assert blob[at + 30:at + 30 + name_len] == member.encode()
    start = at + 30 + name_len + extra_len
    # .npy: magic, version (major, minor), header length (2 bytes in 1.0, 4 in 2.0 and 3.0)
    assert blob[start:start + 6] == b"\x93NUMPY"
    if blob[start + 6] == 1:
        (header_len,), prefix = struct.unpack_from("<H", blob, start + 8), 10
    else:
        (header_len,), prefix = struct.unpack_from("<I", blob, start + 8), 12
    values = start + prefix + header_len
    return values, info.file_size - prefix - header_len


def test_flipped_data_byte_fails_the_crc(saved, tmp_path):
    path, model = saved
    data = bytearray(path.read_bytes())
    W1 = model.get_weights()[0]
    offset, length = npy_values_span(bytes(data), "param_0.npy")
    # the span holds exactly W1's values
    assert length == W1.nbytes
    np.testing.assert_array_equal(
        np.frombuffer(bytes(data[offset:offset + length]), dtype=W1.dtype).reshape(W1.shape), W1)
    data[offset + length // 2] ^= 0xFF  # one byte in the middle of W1's values
    p = tmp_path / "flipped.npz"
    p.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="CRC"):
        npmlp.load(p)


def test_unsupported_zip_version_in_the_central_directory_is_a_model_file_error(saved,
                                                                              tmp_path):
    """zipfile raises NotImplementedError for "version needed to extract" 6.4 in a central
    directory entry (found by the fuzz test): npmlp turns it into ModelFileError."""
    path, _ = saved
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")          # the first central directory entry
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + name_len] == b"param_0.npy":
            break
        at = data.find(b"PK\x01\x02", at + 4)
    assert at >= 0
    struct.pack_into("<H", data, at + 6, 64)   # version needed to extract: 6.4
    p = tmp_path / "version.npz"
    p.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="not a readable .npz"):
        npmlp.load(p)


def test_plain_npy_is_refused(tmp_path):
    p = tmp_path / "single.npz"
    np.save(p.with_suffix(".npy"), np.zeros(3))
    os.replace(p.with_suffix(".npy"), p)
    with pytest.raises(ModelFileError, match=r"single \.npy"):
        npmlp.load(p)


def test_foreign_npz_is_refused(tmp_path):
    p = tmp_path / "foreign.npz"
    np.savez(p, a=np.zeros(3))
    with pytest.raises(ModelFileError, match="__config__"):
        npmlp.load(p)


def test_object_array_is_never_unpickled(saved, tmp_path, monkeypatch):
    import pickle

    called = []
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: called.append(1))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: called.append(1))
    entries = members(saved[0])
    entries["classes.npy"] = npy_bytes(np.array([0, {"evil": 1}], dtype=object))
    p = write_zip(tmp_path / "object.npz", entries)
    with pytest.raises(ModelFileError, match="object|dtype"):
        npmlp.load(p)
    assert not called


def test_object_config_is_refused(saved, tmp_path):
    entries = members(saved[0])
    entries["__config__.npy"] = npy_bytes(np.array([{"format": "npmlp"}], dtype=object))
    with pytest.raises(ModelFileError, match="uint8"):
        npmlp.load(write_zip(tmp_path / "objcfg.npz", entries))


def test_unknown_activation_in_config(saved, tmp_path):
    def edit(c):
        c["model"]["layers"][0]["activation"]["name"] = "os.system"

    with pytest.raises(ModelFileError, match="unknown activation 'os.system'; valid names"):
        npmlp.load(with_config(saved[0], tmp_path / "act.npz", edit))


def test_format_and_version_are_checked(saved, tmp_path):
    with pytest.raises(ModelFileError, match="version 99"):
        npmlp.load(with_config(saved[0], tmp_path / "v.npz",
                               lambda c: c.update(format_version=99)))
    with pytest.raises(ModelFileError, match="not an npmlp model"):
        npmlp.load(with_config(saved[0], tmp_path / "f.npz", lambda c: c.update(format="keras")))


def test_array_shape_not_matching_config(saved, tmp_path):
    entries = members(saved[0])
    entries["param_0.npy"] = npy_bytes(np.zeros((3, 5), dtype=np.float32))
    with pytest.raises(ModelFileError, match=r"'param_0' has shape \(3, 5\).*\(2, 5\)"):
        npmlp.load(write_zip(tmp_path / "shape.npz", entries))


def test_config_and_arrays_agree_but_not_the_architecture(saved, tmp_path):
    # A consistent forgery: W1 declared and stored as (2, 6) while the layer has 5 units.
    entries = members(saved[0])
    entries["param_0.npy"] = npy_bytes(np.zeros((2, 6), dtype=np.float32))
    entries["opt_0_m.npy"] = entries["opt_0_v.npy"] = entries["param_0.npy"]

    def edit(c):
        for name in ("param_0", "opt_0_m", "opt_0_v"):
            c["arrays"][name]["shape"] = [2, 6]

    config = config_of(saved[0])
    edit(config)
    entries["__config__.npy"] = npy_bytes(
        np.frombuffer(json.dumps(config).encode(), dtype=np.uint8))
    with pytest.raises(ModelFileError, match=r"architecture implies \(2, 5\)"):
        npmlp.load(write_zip(tmp_path / "arch.npz", entries))


def test_dtype_not_matching_model(saved, tmp_path):
    entries = members(saved[0])
    entries["param_1.npy"] = npy_bytes(np.zeros(5, dtype=np.float64))
    with pytest.raises(ModelFileError, match="param_1"):
        npmlp.load(write_zip(tmp_path / "dtype.npz", entries))


def test_missing_and_extra_arrays(saved, tmp_path):
    entries = members(saved[0])
    del entries["param_3.npy"]
    with pytest.raises(ModelFileError, match="param_3"):
        npmlp.load(write_zip(tmp_path / "missing.npz", entries))
    entries = members(saved[0])
    entries["payload.npy"] = npy_bytes(np.zeros(3))
    with pytest.raises(ModelFileError, match="payload"):
        npmlp.load(write_zip(tmp_path / "extra.npz", entries))
    entries = members(saved[0])
    entries["readme.txt"] = b"hi"
    with pytest.raises(ModelFileError, match="readme.txt"):
        npmlp.load(write_zip(tmp_path / "txt.npz", entries))


def forged_header(shape, dtype="<f4") -> bytes:
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue()


def test_huge_declared_shape_is_refused_before_allocating(saved, tmp_path, monkeypatch):
    data_read = []
    real = np.lib.format.read_array
    monkeypatch.setattr(np.lib.format, "read_array",
                        lambda f, *a, **k: data_read.append(f.name) or real(f, *a, **k))
    shape = (10**6, 10**6)  # 4 TB of float32 declared in a few bytes

    def edit(c):
        c["model"]["input_dim"] = 10**6
        c["model"]["layers"][0]["units"] = 10**6
        c["arrays"]["param_0"]["shape"] = list(shape)

    p = with_config(saved[0], tmp_path / "bomb.npz", edit)
    entries = members(p)
    entries["param_0.npy"] = forged_header(shape) + b"\0" * 64
    p = write_zip(p, entries)
    with pytest.raises(ModelFileError):
        npmlp.load(p)
    # Even with the config agreeing, the member's size gives the forgery away.
    entries = members(saved[0])
    entries["param_0.npy"] = forged_header((2, 10**9)) + b"\0" * 64
    with pytest.raises(ModelFileError, match="param_0"):
        npmlp.load(write_zip(tmp_path / "bomb2.npz", entries))
    assert set(data_read) == {"__config__.npy"}  # no forged member was ever read as data


def test_compressed_member_is_refused(saved, tmp_path):
    p = write_zip(tmp_path / "deflated.npz", members(saved[0]), zipfile.ZIP_DEFLATED)
    with pytest.raises(ModelFileError, match="compressed"):
        npmlp.load(p)


def test_config_size_is_capped(saved, tmp_path):
    entries = members(saved[0])
    entries["__config__.npy"] = forged_header((MAX_CONFIG_BYTES + 1,), "|u1") + b"{}"
    with pytest.raises(ModelFileError, match="config is .* bytes"):
        npmlp.load(write_zip(tmp_path / "bigcfg.npz", entries))


def test_invalid_json_and_odd_config_values(saved, tmp_path):
    entries = members(saved[0])
    entries["__config__.npy"] = npy_bytes(np.frombuffer(b"{not json", dtype=np.uint8))
    with pytest.raises(ModelFileError, match="JSON"):
        npmlp.load(write_zip(tmp_path / "json.npz", entries))
    edits = [
        lambda c: c["model"].update(input_dim=-3),
        lambda c: c["model"].update(dtype="float16"),
        lambda c: c["model"]["optimizer"].update(learning_rate=-1),
        lambda c: c.update(optimizer_iterations="many"),
        lambda c: c.update(rng_state={"bit_generator": "MT19937"}),
        lambda c: c["encoder"].update(kind="regression"),
        lambda c: c.update(optimizer_state=[[0, "m"]]),
        lambda c: c["history"]["history"]["loss"].append(1.0),
        lambda c: c.update(model=[1, 2]),
    ]
    for i, edit in enumerate(edits):
        with pytest.raises(ModelFileError):
            npmlp.load(with_config(saved[0], tmp_path / f"odd{i}.npz", edit))


def test_nan_weights_are_refused(saved, tmp_path):
    entries = members(saved[0])
    entries["param_1.npy"] = npy_bytes(np.full(5, np.nan, dtype=np.float32))
    with pytest.raises(ModelFileError, match="NaN"):
        npmlp.load(write_zip(tmp_path / "nan.npz", entries))


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()],
                         ids=["disk-full", "ctrl-c"])
def test_save_is_atomic_when_writing_fails(saved, tmp_path, monkeypatch, failure):
    """An error or a Ctrl-C half way through a save leaves the previous file intact."""
    path = tmp_path / "model.npz"
    saved[1].save(path)
    good = path.read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half a model")
        raise failure

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(type(failure)):
        saved[1].save(path)
    assert path.read_bytes() == good
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    npmlp.load(path)

def test_save_errors_are_clear(saved, tmp_path):
    saved[1].save(tmp_path / "new" / "sub" / "dir.npz")  # missing folders are made (as the CLI)
    npmlp.load(tmp_path / "new" / "sub" / "dir.npz")
    with pytest.raises(IsADirectoryError):
        saved[1].save(tmp_path)
    with pytest.raises(RuntimeError, match="no weights"):
        npmlp.MLP([npmlp.Dense(1)]).save(tmp_path / "unbuilt.npz")
