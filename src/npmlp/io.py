"""Saving and loading models: one ``.npz`` of plain arrays plus a JSON config, never pickle.

Layout: ``__config__`` (UTF-8 JSON as uint8), ``param_<i>`` for [W1, b1, W2, ...],
``opt_<i>_<slot>`` for the optimizer state, ``classes`` for the label values. Writes go to a
temporary file in the same directory, are fsync'ed, then renamed over the target, so a crash
never leaves a half-written model where a good one was.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

FORMAT = "npmlp"
FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """The file is not a valid npmlp model (foreign, truncated, tampered or too new)."""


def atomic_write(path: str | Path, write) -> None:
    """Call ``write(binary_file)`` on a temp file beside ``path``, fsync, then rename over it."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"directory {str(directory)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _arrays_and_config(model) -> tuple[dict[str, np.ndarray], dict]:
    arrays = {f"param_{i}": p for i, p in enumerate(model.params)}
    opt = model.optimizer
    state_spec = []
    for i, slots in enumerate(opt.state or []):
        for slot, value in slots.items():
            arrays[f"opt_{i}_{slot}"] = value
            state_spec.append([i, slot])
    encoder = model.encoder
    if encoder is not None and encoder.classes is not None:
        arrays["classes"] = np.asarray(encoder.classes)
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model.get_config(),
        "arrays": {k: {"shape": list(v.shape), "dtype": v.dtype.str} for k, v in arrays.items()},
        "optimizer_iterations": opt.iterations,
        "optimizer_state": state_spec if opt.state is not None else None,
        "rng_state": model.rng.bit_generator.state,
        "encoder": None if encoder is None else encoder.get_config(),
        "history": None if model.history is None else model.history.to_dict(),
    }
    return arrays, config


def save(model, path: str | Path) -> None:
    """Write ``model`` to ``path`` (a .npz file) atomically."""
    model._require_built("save()")
    arrays, config = _arrays_and_config(model)
    blob = np.frombuffer(json.dumps(config).encode("utf-8"), dtype=np.uint8)
    atomic_write(path, lambda f: np.savez(f, __config__=blob, **arrays))


def _read_config(npz, path) -> dict:
    if "__config__" not in npz.files:
        raise ModelFileError(f"{path} is not an npmlp model: it has no __config__ entry")
    raw = npz["__config__"]
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(f"{path}: __config__ must be a 1-D uint8 array")
    try:
        config = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: the config is not valid JSON ({exc})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not an npmlp model file")
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has format version {version!r}; this npmlp reads version {FORMAT_VERSION}"
        )
    return config


def _read_array(npz, name: str, spec: dict, path) -> np.ndarray:
    if name not in npz.files:
        raise ModelFileError(f"{path}: array {name!r} is missing")
    value = npz[name]
    if list(value.shape) != list(spec["shape"]) or value.dtype.str != spec["dtype"]:
        raise ModelFileError(
            f"{path}: array {name!r} has shape {value.shape} and dtype {value.dtype.str}, "
            f"but the config says {tuple(spec['shape'])} and {spec['dtype']}"
        )
    return value


def load(path: str | Path):
    """Read a model written by ``save``; nothing is ever unpickled."""
    from npmlp.callbacks import History
    from npmlp.layers import Dense
    from npmlp.model import MLP
    from npmlp.optimizers import from_config as optimizer_from_config
    from npmlp.targets import TargetEncoder

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {str(path)!r}")
    try:
        npz = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ModelFileError(f"{path} is not a readable .npz file ({exc})") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ModelFileError(f"{path} is a single .npy array, not an npmlp model")
    try:
        with npz:
            config = _read_config(npz, path)
            specs = config["arrays"]
            arrays = {name: _read_array(npz, name, spec, path) for name, spec in specs.items()}
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, TypeError) as exc:
        raise ModelFileError(f"{path} is damaged or not an npmlp model ({exc!r})") from None
    except ValueError as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(f"{path} could not be read safely: {exc}") from None

    try:
        mc = config["model"]
        layers = [Dense.from_config(c) for c in mc["layers"]]
        model = MLP(layers, loss=mc["loss"]["name"], seed=mc["seed"], dtype=mc["dtype"],
                    optimizer=optimizer_from_config(mc["optimizer"]))
        if mc["input_dim"] is None:
            raise ModelFileError(f"{path}: the saved model has no weights")
        model.build(mc["input_dim"])
        model.set_weights([arrays[f"param_{i}"] for i in range(2 * len(layers))])
        opt = model.optimizer
        opt.iterations = int(config["optimizer_iterations"])
        if config["optimizer_state"] is not None:
            opt.build(model.params)
            for i, slot in config["optimizer_state"]:
                opt.state[i][slot][...] = arrays[f"opt_{i}_{slot}"]
        model.rng.bit_generator.state = config["rng_state"]
        enc = config["encoder"]
        if enc is not None:
            model.encoder = TargetEncoder(enc["kind"], enc["units"], arrays.get("classes"),
                                          enc["y_ndim"])
        if config["history"] is not None:
            model.history = History.from_dict(config["history"])
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelFileError(f"{path}: invalid model config ({exc!r})") from None
    return model
