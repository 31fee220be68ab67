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
from npmlp.export._common import check_model, export_dtype, layer_name
from npmlp.layers import Dense

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
    from npmlp.io import atomic_write

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
    from npmlp.io import ModelFileError

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
    from npmlp.io import ModelFileError
    from npmlp.model import MLP
    from npmlp.optimizers import from_config as optimizer_from_config
    from npmlp.targets import TargetEncoder

    mc = info["model"]
    layers = [Dense.from_config(c) for c in mc["layers"]]
    model = MLP(layers, loss=mc["loss"]["name"], seed=mc["seed"], dtype=mc["dtype"],
                optimizer=optimizer_from_config(mc["optimizer"]))
    model.split_seed = mc.get("split_seed", model.split_seed)
    names = tensor_names(model)
    if list(info["tensors"]) != names or set(arrays) != set(names):
        raise ModelFileError(f"{path}: tensors {sorted(arrays)} do not match the architecture's "
                             f"{names}")
    model.set_weights([arrays[name] for name in names])  # checks shapes and finiteness
    if mc["input_dim"] != model.input_dim:
        raise ModelFileError(f"{path}: input_dim {mc['input_dim']} but the kernel takes "
                             f"{model.input_dim} features")
    feature_names = mc.get("feature_names")
    if feature_names is not None:
        if not all(isinstance(c, str) for c in feature_names) or \
                len(feature_names) != model.input_dim:
            raise ModelFileError(f"{path}: feature_names must be {model.input_dim} strings")
        model.feature_names = list(feature_names)
    enc = info["encoder"]
    if enc is not None:
        units = model.layers[-1].units
        if enc["kind"] != model.kind or enc["units"] != units or enc["y_ndim"] not in (1, 2):
            raise ModelFileError(f"{path}: the target encoder {enc} does not fit a "
                                 f"{model.kind} output of {units} units")
        classes = info["classes"]
        if classes is not None:
            classes = np.array(classes, dtype=np.dtype(info["classes_dtype"]))
            if classes.ndim != 1 or not np.array_equal(np.unique(classes), classes):
                raise ModelFileError(f"{path}: classes must be sorted and distinct")
        model.encoder = TargetEncoder(enc["kind"], units, classes, enc["y_ndim"])
    return model
