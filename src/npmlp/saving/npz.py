"""The model file format: one ``.npz`` of plain arrays plus a JSON config, never pickle.

Layout: ``__config__`` (UTF-8 JSON as uint8) and named arrays, stored uncompressed; the config
lists every array's shape and dtype. ``write`` goes to a temporary file in the same directory,
fsyncs, then renames over the target, so a crash never leaves a half-written model where a good
one was.

``read`` trusts nothing in the file: it reads each member's ``.npy`` header first and checks
its name, shape and dtype against the config and against what the caller expects (the
architecture the config implies) before any data is read, so a forged header cannot make it
allocate more memory than the file holds. Object arrays are refused (``allow_pickle=False``).
This module knows the file, not the model: ``npmlp.model.state`` says what goes in it.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from npmlp._files import atomic_write

FORMAT = "npmlp"
FORMAT_VERSION = 1
MAX_CONFIG_BYTES = 16 * 2**20  # the JSON config (history included) is far smaller than this
NPY_MAGIC = b"\x93NUMPY"

Expected = dict[str, tuple[tuple, str]]  # array name -> (shape, dtype string)


class ModelFileError(ValueError):
    """The file is not a valid npmlp model (foreign, truncated, tampered or too new)."""


def write(path: str | Path, config: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write ``config`` (JSON-ready) and ``arrays`` to ``path`` atomically."""
    config = {"format": FORMAT, "format_version": FORMAT_VERSION, **config,
              "arrays": {k: {"shape": list(v.shape), "dtype": v.dtype.str}
                         for k, v in arrays.items()}}
    blob = np.frombuffer(json.dumps(config).encode("utf-8"), dtype=np.uint8)
    atomic_write(path, lambda f: np.savez(f, __config__=blob, **arrays))


class _Reader:
    """Reads members of an npz (a zip of .npy files) after checking their headers."""

    def __init__(self, path: Path):
        self.path = path
        self.size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(len(NPY_MAGIC))
        if head == NPY_MAGIC:
            raise ModelFileError(f"{path} is a single .npy array, not an npmlp model (.npz)")
        try:
            self.zip = zipfile.ZipFile(path)
        # NotImplementedError: a central-directory entry claims a zip version zipfile does not
        # support (one flipped byte does it)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise ModelFileError(f"{path} is not a readable .npz file ({exc})") from None
        self.names = {}
        for info in self.zip.infolist():
            if not info.filename.endswith(".npy"):
                raise ModelFileError(f"{path}: unexpected member {info.filename!r}")
            self.names[info.filename[:-4]] = info

    def header(self, name: str):
        """(shape, dtype, header_length) of member ``name``, read without its data."""
        info = self.names.get(name)
        if info is None:
            raise ModelFileError(f"{self.path}: array {name!r} is missing")
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise ModelFileError(f"{self.path}: array {name!r} is compressed; npmlp writes "
                                 f"plain members only")
        if info.header_offset + info.compress_size > self.size:
            raise ModelFileError(f"{self.path}: array {name!r} runs past the end of the file "
                                 f"(truncated?)")
        with self.zip.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ModelFileError(f"{self.path}: array {name!r} has .npy version {version}")
            return shape, dtype, f.tell()

    def read(self, name: str, shape: tuple, dtype: str) -> np.ndarray:
        """Member ``name`` after checking that its header says ``shape`` and ``dtype``."""
        got_shape, got_dtype, header_length = self.header(name)
        if got_dtype.hasobject:
            raise ModelFileError(f"{self.path}: array {name!r} holds Python objects; npmlp "
                                 f"never unpickles")
        if tuple(got_shape) != tuple(shape) or got_dtype.str != dtype:
            raise ModelFileError(
                f"{self.path}: array {name!r} has shape {tuple(got_shape)} and dtype "
                f"{got_dtype.str}, but {tuple(shape)} and {dtype} are expected")
        nbytes = int(np.prod(shape, dtype=object)) * got_dtype.itemsize
        if self.names[name].file_size != header_length + nbytes:
            raise ModelFileError(f"{self.path}: array {name!r} has {self.names[name].file_size}"
                                 f" bytes; its header implies {header_length + nbytes}")
        with self.zip.open(self.names[name]) as f:
            value = np.lib.format.read_array(f, allow_pickle=False)
            f.read()  # reach the end so the zip CRC is checked
        return value


def _read_config(reader: _Reader) -> dict:
    shape, dtype, _ = reader.header("__config__")
    if dtype != np.uint8 or len(shape) != 1:
        raise ModelFileError(f"{reader.path}: __config__ must be a 1-D uint8 array")
    if shape[0] > MAX_CONFIG_BYTES:
        raise ModelFileError(f"{reader.path}: the config is {shape[0]} bytes; at most "
                             f"{MAX_CONFIG_BYTES} are accepted")
    raw = reader.read("__config__", shape, np.dtype(np.uint8).str)
    try:
        config = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{reader.path}: the config is not valid JSON ({exc})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{reader.path} is not an npmlp model file")
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(f"{reader.path} has format version {version!r}; this npmlp reads "
                             f"version {FORMAT_VERSION}")
    return config


def _check_specs(path, specs: dict, expected: dict) -> None:
    if not isinstance(specs, dict) or set(specs) != set(expected):
        names = sorted(specs) if isinstance(specs, dict) else specs
        raise ModelFileError(f"{path}: the config lists arrays {names}, but the architecture "
                             f"needs {sorted(expected)}")
    for name, (shape, dtype) in expected.items():
        spec = specs[name]
        if tuple(spec["shape"]) != tuple(shape) or spec["dtype"] != dtype:
            raise ModelFileError(f"{path}: the config gives {name!r} shape {spec['shape']} and "
                                 f"dtype {spec['dtype']}, but the architecture implies "
                                 f"{tuple(shape)} and {dtype}")



def read(path: str | Path, plan: Callable[[dict, Path], tuple[Any, Expected]]):
    """(config, arrays, planned) from ``path``.

    ``plan(config, path)`` returns ``(planned, expected)``: whatever the caller builds from the
    config (a model) and the arrays that config implies. Any inconsistency is a
    ``ModelFileError`` naming the file.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path} is a directory, not an npmlp model file")
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {str(path)!r}")
    reader = _Reader(path)
    try:
        with reader.zip:
            config = _read_config(reader)
            try:
                planned, expected = plan(config, path)
                _check_specs(path, config["arrays"], expected)
            except ModelFileError:
                raise
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
                raise ModelFileError(f"{path}: invalid model config: {exc}") from None
            extra = set(reader.names) - set(expected) - {"__config__"}
            if extra:
                raise ModelFileError(f"{path}: unexpected arrays {sorted(extra)}")
            arrays = {name: reader.read(name, shape, dtype)
                      for name, (shape, dtype) in expected.items()}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelFileError(f"{path} is damaged or truncated ({exc})") from None
    except ModelFileError:
        raise
    except ValueError as exc:  # numpy's own header parser
        raise ModelFileError(f"{path} could not be read safely: {exc}") from None
    return config, arrays, planned
