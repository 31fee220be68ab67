"""Saving and loading models: one ``.npz`` of plain arrays plus a JSON config, never pickle.

Layout: ``__config__`` (UTF-8 JSON as uint8), ``param_<i>`` for [W1, b1, W2, ...],
``opt_<i>_<slot>`` for the optimizer state, ``classes`` for the label values; members are
stored uncompressed. Writes go to a temporary file in the same directory, are fsync'ed, then
renamed over the target, so a crash never leaves a half-written model where a good one was.

``load`` trusts nothing in the file: it reads each member's ``.npy`` header first and checks
its name, shape and dtype against the JSON config and against the architecture the config
implies (``W_i`` is ``(fan_in, units)``, ``b_i`` is ``(units,)``, optimizer slots are shaped
like their parameter) before any data is read, so a forged header cannot make it allocate
more memory than the file holds. Object arrays are refused (``allow_pickle=False``).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from npmlp.model import MLP

from npmlp._validation import check_positive_int

FORMAT = "npmlp"
FORMAT_VERSION = 1
MAX_CONFIG_BYTES = 16 * 2**20  # the JSON config (history included) is far smaller than this
NPY_MAGIC = b"\x93NUMPY"


class ModelFileError(ValueError):
    """The file is not a valid npmlp model (foreign, truncated, tampered or too new)."""


def atomic_write(path: str | Path, write) -> None:
    """Call ``write(binary_file)`` on a temp file beside ``path``, fsync, then rename over it;
    missing parent folders are created."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    # Missing folders are made, from Python as from the command line (--save, --plot, --out).
    directory.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a directory, not a file path")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            # mkstemp makes the file 0600; give it the mode a plain open() would (or keep the
            # mode of the file it replaces), so a saved model is as readable as any other.
            os.fchmod(f.fileno(), path.stat().st_mode & 0o7777 if path.exists()
                      else 0o666 & ~_umask())
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
    prep = getattr(model, "preprocessing", None)  # one-hot categories, imputation (CSVs)
    if prep is not None:
        config["preprocessing"] = prep.get_config()
    return arrays, config


def save(model, path: str | Path) -> None:
    """Write ``model`` to ``path`` (a .npz file) atomically."""
    model._require_built("save()")
    arrays, config = _arrays_and_config(model)
    blob = np.frombuffer(json.dumps(config).encode("utf-8"), dtype=np.uint8)
    atomic_write(path, lambda f: np.savez(f, __config__=blob, **arrays))


# --- loading --------------------------------------------------------------------------------


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
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
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


def _expected_arrays(model, input_dim: int, config: dict) -> dict[str, tuple[tuple, str]]:
    """name -> (shape, dtype) for every array the config's architecture implies."""
    dt = model.dtype.str
    expected, shapes, fan_in = {}, [], input_dim
    for layer in model.layers:
        shapes += [(fan_in, layer.units), (layer.units,)]
        fan_in = layer.units
    for i, shape in enumerate(shapes):
        expected[f"param_{i}"] = (shape, dt)
    state = config["optimizer_state"]
    if state is not None:
        pairs = {(i, slot) for i, slot in state}
        wanted = {(i, slot) for i in range(len(shapes)) for slot in model.optimizer.slots}
        if pairs != wanted or len(state) != len(wanted):
            raise ModelFileError(f"optimizer_state lists {sorted(pairs)}, but a "
                                 f"{model.optimizer.name} of this model has {sorted(wanted)}")
        for i, slot in state:
            expected[f"opt_{i}_{slot}"] = (shapes[i], dt)
    if "classes" in config["arrays"]:
        spec = config["arrays"]["classes"]
        n = 2 if model.kind == "binary" else model.layers[-1].units
        expected["classes"] = ((n,), str(spec["dtype"]))
    return expected


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


def _restore(model, config: dict, arrays: dict, path) -> None:
    from npmlp.callbacks import History
    from npmlp.targets import TargetEncoder

    model.set_weights([arrays[f"param_{i}"] for i in range(2 * len(model.layers))])
    opt = model.optimizer
    opt.iterations = check_positive_int(config["optimizer_iterations"], "optimizer_iterations",
                                        minimum=0)
    if config["optimizer_state"] is not None:
        opt.build(model.params)
        for i, slot in config["optimizer_state"]:
            value = arrays[f"opt_{i}_{slot}"]
            if not np.isfinite(value).all():
                raise ModelFileError(f"{path}: optimizer state opt_{i}_{slot} is not finite")
            opt.state[i][slot][...] = value
    rng_state = config["rng_state"]
    kind = model.rng.bit_generator.state["bit_generator"]
    if not isinstance(rng_state, dict) or rng_state.get("bit_generator") != kind:
        raise ModelFileError(f"{path}: rng_state is not a {kind} state")
    model.rng.bit_generator.state = rng_state
    enc = config["encoder"]
    if enc is not None:
        units = model.layers[-1].units
        if enc["kind"] != model.kind or enc["units"] != units or enc["y_ndim"] not in (1, 2):
            raise ModelFileError(f"{path}: the target encoder {enc} does not fit a "
                                 f"{model.kind} output of {units} units")
        classes = arrays.get("classes")
        if classes is not None and classes.dtype.kind != "V" and \
                not np.array_equal(np.unique(classes), classes):
            raise ModelFileError(f"{path}: classes must be sorted and distinct")
        model.encoder = TargetEncoder(enc["kind"], units, classes, enc["y_ndim"])
    if config["history"] is not None:
        history = History.from_dict(config["history"])
        if any(len(v) != len(history.epoch) for v in history.history.values()):
            raise ModelFileError(f"{path}: the history's lists differ in length")
        model.history = history


def _load_preprocessing(model, config, path) -> None:
    """model.preprocessing from the saved config; it must make the saved feature_names."""
    from npmlp.preprocessing import TablePreprocessor

    try:
        prep = TablePreprocessor.from_config(config)
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    if prep.feature_names != model.feature_names:
        raise ModelFileError(f"{path}: the preprocessing does not make the saved feature_names")
    model.preprocessing = prep


def load(path: str | Path) -> MLP:
    """Read a model written by ``save``; nothing is ever unpickled, every array is checked."""
    from npmlp.layers import Dense
    from npmlp.model import MLP
    from npmlp.optimizers import from_config as optimizer_from_config

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
                mc = config["model"]
                layers = [Dense.from_config(c) for c in mc["layers"]]
                model = MLP(layers, loss=mc["loss"]["name"], seed=mc["seed"],
                            dtype=mc["dtype"], optimizer=optimizer_from_config(mc["optimizer"]))
                if "split_seed" in mc:
                    model.split_seed = check_positive_int(mc["split_seed"], "split_seed", 0)
                names = mc.get("feature_names")
                if names is not None:
                    if not isinstance(names, list) or not all(isinstance(c, str) for c in names):
                        raise ModelFileError(f"{path}: feature_names must be a list of str")
                    model.feature_names = names
                if mc["input_dim"] is None:
                    raise ModelFileError(f"{path}: the saved model has no weights")
                input_dim = check_positive_int(mc["input_dim"], "input_dim")
                if model.feature_names is not None and len(model.feature_names) != input_dim:
                    raise ModelFileError(f"{path}: {len(model.feature_names)} feature_names "
                                         f"for {input_dim} inputs")
                if config.get("preprocessing") is not None:
                    _load_preprocessing(model, config["preprocessing"], path)
                expected = _expected_arrays(model, input_dim, config)
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
    try:
        model.build(input_dim)
        _restore(model, config, arrays, path)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ModelFileError(f"{path}: invalid model config: {exc}") from None
    return model
