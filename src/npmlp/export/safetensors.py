"""safetensors export: every parameter under a Keras-style name, the config in the metadata.

Tensors: ``dense_0/kernel`` (W, ``(fan_in, units)``), ``dense_0/bias`` (b), ``dense_1/...``,
in the model's dtype (or the ``dtype`` asked for). Metadata (strings, as the format wants):
``format = "npmlp"`` and ``npmlp_config``, the JSON of the model's config, its label encoder
and classes, from which ``npmlp.load`` rebuilds the model (``read``). Optimizer state,
random state and history are not parameters and are not stored: use ``model.save`` (.npz) to
resume training.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from npmlp._extras import require
from npmlp._files import atomic_write
from npmlp.export._common import check_model, export_dtype, layer_name
from npmlp.model.loading import model_from_config
from npmlp.model.state import restore_encoder
from npmlp.nn.layers import Dense
from npmlp.saving import ModelFileError

FORMAT = "npmlp"
FORMAT_VERSION = 1
MAX_HEADER_BYTES = 100 * 2**20  # safetensors' own limit on the JSON header

# The names of each layer class's parameters, in ``layer.params`` order (Keras's names).
PARAM_NAMES: dict[type, tuple[str, ...]] = {Dense: ("kernel", "bias")}


def tensor_names(model) -> list[str]:
    """``["dense_0/kernel", "dense_0/bias", ...]`` in ``get_weights()`` order."""
    names = []
    for i, layer in enumerate(model.layers):
        params = PARAM_NAMES.get(type(layer))
        if params is None:
            raise ValueError(f"layer {i} ({layer_name(i, layer)}, {type(layer).__name__}) has "
                             f"no safetensors parameter names in npmlp")
        names += [f"{layer_name(i, layer)}/{p}" for p in params]
    return names


def _metadata(model, dtype: np.dtype, names: list[str]) -> dict[str, str]:
    config = dict(model.get_config(), dtype=dtype.name)
    encoder = model.encoder
    classes = None if encoder is None or encoder.classes is None else np.asarray(encoder.classes)
    if classes is not None and classes.dtype.kind not in "biufUS":
        raise ValueError(f"labels of dtype {classes.dtype} cannot be stored as JSON")
    info = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "model": config,
        "tensors": names,
        "encoder": None if encoder is None else encoder.get_config(),
        "classes": None if classes is None else classes.tolist(),
        "classes_dtype": None if classes is None else classes.dtype.str,
    }
    return {"format": FORMAT, "npmlp_config": json.dumps(info)}


def to_bytes(model, *, dtype=None) -> bytes:
    """The .safetensors file of ``model`` as bytes."""
    check_model(model, "export()")
    st = require("safetensors.numpy", "safetensors", "safetensors export")
    dtype = export_dtype(model, dtype)
    names = tensor_names(model)
    tensors = {name: np.ascontiguousarray(p, dtype=dtype)
               for name, p in zip(names, model.params)}
    return st.save(tensors, metadata=_metadata(model, dtype, names))


def write(model, path, *, dtype=None) -> None:
    """Write ``to_bytes(model)`` to ``path`` atomically."""
    data = to_bytes(model, dtype=dtype)
    atomic_write(path, lambda f: f.write(data))


# --- reading back (npmlp.load dispatches here) ----------------------------------------------


def sniff(head: bytes) -> bool:
    """True if ``head`` (a file's first bytes) starts a safetensors file: a little-endian
    uint64 header length, then the JSON header's ``{``."""
    if len(head) < 9 or head[8:9] != b"{":
        return False
    return 2 <= struct.unpack("<Q", head[:8])[0] <= MAX_HEADER_BYTES


def read(path: str | Path):
    """The MLP stored in a .safetensors file written by ``write`` (weights, encoder, config)."""
    st = require("safetensors", "safetensors", "reading a .safetensors model")
    try:
        with st.safe_open(str(path), framework="numpy") as f:
            metadata = f.metadata() or {}
            arrays = {name: f.get_tensor(name) for name in f.keys()}
    except (OSError, ValueError, st.SafetensorError) as exc:
        raise ModelFileError(f"{path} is not a readable safetensors file ({exc})") from None
    if metadata.get("format") != FORMAT or "npmlp_config" not in metadata:
        raise ModelFileError(f"{path} is a safetensors file without npmlp's config (only files "
                             f"written by npmlp's export can be loaded as models)")
    try:
        info = json.loads(metadata["npmlp_config"])
        if info.get("format_version") != FORMAT_VERSION:
            raise ModelFileError(f"{path} has format version {info.get('format_version')!r}; "
                                 f"this npmlp reads version {FORMAT_VERSION}")
        return _rebuild(info, arrays, path)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError,
            json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: invalid npmlp config: {exc}") from None


def _rebuild(info: dict, arrays: dict, path):
    model, input_dim = model_from_config(info["model"], path)
    model.build(input_dim)
    names = tensor_names(model)
    if list(info["tensors"]) != names or set(arrays) != set(names):
        raise ModelFileError(f"{path}: tensors {sorted(arrays)} do not match the architecture's "
                             f"{names}")
    model.set_weights([arrays[name] for name in names])  # checks shapes and finiteness
    classes = info["classes"]
    if classes is not None:
        classes = np.array(classes, dtype=np.dtype(info["classes_dtype"]))
    restore_encoder(model, info["encoder"], classes, path)
    return model
