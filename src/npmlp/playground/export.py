"""Export: the trained model in every format npmlp writes (its own ``.npz``, and ONNX,
safetensors and ``.keras`` through ``MLP.export``), and a Python script that rebuilds the
experiment with npmlp and retrains it to the same weights."""

from __future__ import annotations

import importlib.util
import pprint
import tempfile
from pathlib import Path

from npmlp.playground.config import Config
from npmlp.playground.network import DTYPE, Recipe, output_spec, recipe

OPTIMIZER_CLASSES = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}

# format (also the file's suffix) -> (what the file is, the package its writer needs, the
# pip extra that installs it)
FORMATS = {
    "npz": ("npmlp's model file: weights, optimizer state, history; npmlp.load reads it",
            None, None),
    "onnx": ("ONNX graph for onnxruntime and other ONNX runtimes", "onnx", "onnx"),
    "safetensors": ("the weights and npmlp's config; npmlp.load reads it", "safetensors",
                    "safetensors"),
    "keras": ("a Keras 3 model file (keras.saving.load_model)", "tensorflow", "tensorflow"),
}


def filename(format: str) -> str:
    return f"playground_model.{format}"


def available(format: str) -> bool:
    """True when the package that writes ``format`` is installed here."""
    package = FORMATS[format][1]
    return package is None or importlib.util.find_spec(package) is not None


def install_hint(format: str) -> str | None:
    """The pip line that installs ``format``'s writer (None: npmlp itself writes it)."""
    extra = FORMATS[format][2]
    return None if extra is None else f"pip install 'npmlp[{extra}]'"


def formats() -> list[dict]:
    """The export formats as the page lists them: name, file, what it is, installed or how."""
    return [{"format": name, "file": filename(name), "about": about,
             "available": available(name), "hint": install_hint(name)}
            for name, (about, _, _) in FORMATS.items()]


def model_bytes(model, format: str = "npz") -> bytes:
    """The model's file in ``format`` (a key of ``FORMATS``) as bytes."""
    with tempfile.TemporaryDirectory(prefix="npmlp-playground-") as tmp:
        path = Path(tmp) / filename(format)
        if format == "npz":
            model.save(path)
        else:
            model.export(path, format)
        return path.read_bytes()


def _data(config: Config) -> tuple[list[str], list[str]]:
    """(extra import lines, lines that make P (n, 2) and y) for the config's data set."""
    n, noise, seed = config.points, config.noise, config.seed
    if config.data == "upload":
        return (["from npmlp.playground.data import parse_csv"],
                ["# Your CSV: two numeric feature columns and a label column (standardized",
                 "# the same way as in the playground). Run: python this_script.py your.csv",
                 "upload = parse_csv(Path(sys.argv[1]).read_bytes())",
                 "P, y = upload.P, upload.y"])
    if config.data == "blobs":
        return (["from npmlp.playground.data import blobs"],
                [f"P, y = blobs({n}, noise={noise!r}, n_classes={config.classes}, seed={seed})"])
    if config.data == "spirals":
        call = (f"npmlp.datasets.spirals({n}, noise={noise!r}, n_classes={config.classes}, "
                f"seed={seed})")
    else:
        call = f"npmlp.datasets.{config.data}({n}, noise={noise!r}, seed={seed})"
    return [], [f"P, y = {call}"]


def _layer_lines(layers: Recipe) -> list[str]:
    """``npmlp.Dense(8, activation='tanh', ...)``, one line per layer of the recipe."""
    def argument(value):
        if isinstance(value, tuple):
            name, *args = value
            return f"npmlp.{name}({', '.join(repr(a) for a in args)})"
        return repr(value)

    lines = []
    for name, kwargs in layers:
        args = [f"{k}={argument(v)}" for k, v in kwargs.items()]
        lines.append(f"    npmlp.{name}({', '.join(args)}),")
    return lines


def script(config: Config, kind: str, n_outputs: int, epochs: int) -> str:
    """A standalone script: the data, the features, the split, the model, ``epochs`` of fit."""
    loss = output_spec(kind, n_outputs, config.loss)[1]
    optimizer = f"npmlp.{OPTIMIZER_CLASSES[config.optimizer]}(learning_rate=" \
                f"{config.learning_rate!r})"
    table = {"x1": "x1", "x2": "x2", "x1^2": "x1 * x1", "x2^2": "x2 * x2",
             "x1*x2": "x1 * x2", "sin x1": "np.sin(x1)", "sin x2": "np.sin(x2)"}
    columns = ", ".join(table[f] for f in config.features)
    stratify = kind != "regression"
    test_size = (100 - config.train_pct) / 100
    imports, data_lines = _data(config)
    lines = [
        '"""The npmlp playground experiment, rebuilt with npmlp and retrained.',
        "",
        "Configuration:",
        pprint.pformat(config.to_dict(), width=90, sort_dicts=False),
        '"""',
        "",
        *(["import sys", "from pathlib import Path", ""] if config.data == "upload" else []),
        "import numpy as np",
        "",
        "import npmlp",
        *imports,
        "",
        *data_lines,
        "",
        "",
        "def features(P):",
        f'    """The network\'s inputs from the points (x1, x2): {", ".join(config.features)}."""',
        "    x1, x2 = P[:, 0], P[:, 1]",
        f"    return np.column_stack([{columns}])",
        "",
        "",
        "P_train, P_test, y_train, y_test = npmlp.datasets.train_test_split(",
        f"    P, y, test_size={test_size!r}, seed={config.seed}, stratify={stratify})",
        "X_train, X_test = features(P_train), features(P_test)",
        "",
        "model = npmlp.MLP([",
        *_layer_lines(recipe(config, kind, n_outputs)),
        f"], input_dim={len(config.features)}, loss={loss!r}, optimizer={optimizer},",
        f"   seed={config.seed}, dtype={DTYPE!r})",
        "",
        f"history = model.fit(X_train, y_train, batch_size={config.batch_size}, "
        f"epochs={epochs},",
        "                    validation_data=(X_test, y_test), verbose=0)",
        "if history.loss:",
        '    print(f"{len(history.loss)} epochs: train loss {history.loss[-1]:.4f}, "',
        '          f"test loss {history.val_loss[-1]:.4f}")',
        'model.save("playground_model.npz")',
        'print("saved playground_model.npz")',
        "",
    ]
    return "\n".join(lines)
