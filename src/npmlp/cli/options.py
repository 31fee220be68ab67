"""Options shared by the commands that train: defaults = the seed's experiment."""

from __future__ import annotations

import argparse
import math
import warnings

import numpy as np

import npmlp
from npmlp.model.targets import infer_output
from npmlp.training import validation_split_index

SYNTHETIC = tuple(npmlp.datasets.GENERATORS)
ACTIVATIONS = ["relu", "sigmoid", "tanh", "leaky_relu", "linear"]


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def nonnegative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value:g}")
    return value


def nonnegative_float(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value:g}")
    return value


def fraction(text: str) -> float:
    """A number in [0, 1): --validation-split, --momentum."""
    value = _number(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {value:g}")
    return value


def one_char(text: str) -> str:
    text = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(text) != 1:
        raise argparse.ArgumentTypeError(f"expected one character (or 'tab'), got {text!r}")
    return text


def add_data_options(p: argparse.ArgumentParser, csv: bool = True) -> None:
    """--dataset (and the --csv options, --standardize, --task), --samples."""
    p.add_argument("--dataset", default=None,
                   choices=list(SYNTHETIC) + list(npmlp.datasets.NAMES),
                   help="data to train on (default: dummy, the seed's 100 x 10 random data)")
    if csv:
        g = p.add_argument_group("CSV files")
        g.add_argument("--csv", metavar="PATH", default=None,
                       help="train on a CSV file with a header row instead of --dataset")
        g.add_argument("--target", metavar="COLUMN", default=None,
                       help="the CSV column holding the labels or values (with --csv)")
        g.add_argument("--delimiter", type=one_char, default=None,
                       help="field separator (default: sniffed among , ; tab |)")
        g.add_argument("--decimal", default=".", choices=[".", ","],
                       help="decimal mark of the numbers (default: .)")
        g.add_argument("--encoding", default=None,
                       help="text encoding of the file, e.g. latin-1 (default: UTF-8)")
        g.add_argument("--categorical", metavar="auto|COL,COL", default=None,
                       help="one-hot encode text columns: auto (every column holding text) or "
                       "the columns named (default: none; the categories are saved with the "
                       "model)")
        g.add_argument("--impute", default=None, choices=["mean", "median", "drop"],
                       help="missing cells: fill with the column's mean or median (a category "
                       "with its most frequent value) or drop the row (default: an error)")
        g.add_argument("--task", default=None, choices=["classification", "regression"],
                       help="what to learn from --target (default: inferred: numbers written "
                       "with a decimal point -> regression, whole numbers and text -> "
                       "classification)")
        p.add_argument("--standardize", action="store_true",
                       help="scale features to mean 0, std 1 with statistics of the training "
                       "part only, and for a regression the target too (a saved model takes "
                       "raw features and predicts raw values: the scaling is folded into it)")
    p.add_argument("--samples", type=positive_int, default=None,
                   help="number of samples for the synthetic datasets (default: their own)")


def add_architecture_options(p: argparse.ArgumentParser) -> None:
    """--layers, --units, --activation."""
    p.add_argument("--layers", type=nonnegative_int, default=3,
                   help="number of hidden layers (default: 3)")
    p.add_argument("--units", type=positive_int, default=None,
                   help="units per hidden layer (default: 64)")
    p.add_argument("--activation", default="relu", choices=ACTIVATIONS,
                   help="hidden activation (default: relu)")


def add_model_options(p: argparse.ArgumentParser) -> None:
    """Every option of npmlp.mlp(): data, architecture, training and optimizer."""
    add_data_options(p)
    add_architecture_options(p)
    p.add_argument("--epochs", type=positive_int, default=100, help="epochs (default: 100)")
    p.add_argument("--batch-size", type=positive_int, default=32,
                   help="mini-batch size (default: 32)")
    p.add_argument("--validation-split", type=fraction, default=0.2,
                   help="fraction of samples held out for validation (default: 0.2)")
    p.add_argument("--split", default="tail", choices=list(npmlp.training.SPLITS),
                   help="which samples are held out: tail (the last fraction, as Keras; "
                   "default), random, or stratified (class proportions kept)")
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "adam", "rmsprop"],
                   help="optimizer (default: sgd)")
    p.add_argument("--learning-rate", type=positive_float, default=0.01,
                   help="learning rate (default: 0.01)")
    p.add_argument("--momentum", type=fraction, default=0.0,
                   help="momentum of SGD and RMSprop (default: 0)")
    p.add_argument("--nesterov", action="store_true", help="Nesterov momentum (SGD)")
    p.add_argument("--l2", type=nonnegative_float, default=0.0,
                   help="L2 factor on every kernel: adds l2 * sum(W**2) to the loss (default: 0)")
    p.add_argument("--clipnorm", type=positive_float, default=None,
                   help="clip each gradient tensor to this L2 norm (default: off)")
    p.add_argument("--seed", type=nonnegative_int, default=None,
                   help="seed for the data and the model (default: random)")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"],
                   help="floating-point type of every array (default: float32)")
    p.set_defaults(check=check_options)


def check_options(args) -> None:
    """Cross-option rules, checked before any data is read (the same for every command):
    options that the run would ignore are errors."""
    csv_path = getattr(args, "csv", None)
    if csv_path is None:
        for option in ("target", "delimiter", "encoding", "categorical", "impute", "task"):
            if getattr(args, option, None) is not None:
                raise ValueError(f"--{option} applies to a CSV file; give it with --csv PATH")
        if getattr(args, "decimal", ".") != ".":
            raise ValueError("--decimal applies to a CSV file; give it with --csv PATH")
    else:
        if args.dataset is not None:
            raise ValueError("--dataset and --csv both name the data; give one of them")
        if args.target is None:
            raise ValueError("--csv needs --target COLUMN (the column to predict)")
        if args.delimiter is not None and args.delimiter == args.decimal:
            raise ValueError(f"--delimiter and --decimal are both {args.decimal!r}; a decimal "
                             "comma needs another delimiter, such as --delimiter ';'")
        if args.encoding is not None:
            import codecs
            try:
                codecs.lookup(args.encoding)
            except LookupError:
                raise ValueError(f"--encoding {args.encoding}: unknown text encoding") from None
    if args.samples is not None and (csv_path is not None
                                     or args.dataset in npmlp.datasets.NAMES):
        raise ValueError(f"--samples applies to the synthetic datasets "
                         f"({', '.join(SYNTHETIC)}), not to "
                         f"{'a CSV file' if csv_path else args.dataset}")
    if args.layers == 0 and args.units is not None:
        raise ValueError("--units has no effect with --layers 0 (no hidden layer); drop one")
    optimizer = getattr(args, "optimizer", "sgd")
    if getattr(args, "nesterov", False) and optimizer != "sgd":
        raise ValueError(f"--nesterov applies to --optimizer sgd, not {optimizer}")
    if getattr(args, "nesterov", False) and not args.momentum:
        raise ValueError("--nesterov needs --momentum > 0")
    if getattr(args, "momentum", 0.0) and optimizer == "adam":
        raise ValueError("--momentum applies to --optimizer sgd and rmsprop, not adam")
    if getattr(args, "standardize", False) and getattr(args, "split", "tail") != "tail":
        raise ValueError("--standardize needs --split tail (the scaler is fitted on the "
                         "training part, which the other splits choose inside training)")


def load_data(args):
    """(X, y) for --csv/--target or --dataset (synthetic ones honour --samples and --seed).

    Sets ``args.feature_names`` and ``args.preprocessor`` (CSV), ``args.scaler`` (with
    --standardize: a Standardizer of X fitted on the training part) and
    ``args.target_scaler`` (--standardize on a regression: the same for y)."""
    csv_path = getattr(args, "csv", None)
    args.feature_names = args.preprocessor = args.scaler = args.target_scaler = None
    if csv_path is not None:
        table = npmlp.datasets.read_table(
            csv_path, args.target, delimiter=args.delimiter, decimal=args.decimal,
            encoding=args.encoding, task=args.task, impute=args.impute,
            categorical=_categorical(args.categorical))
        X, y = table.X, table.y
        args.feature_names, args.preprocessor = table.feature_names, table.preprocessor
    elif (args.dataset or "dummy") in npmlp.datasets.NAMES:
        X, y = npmlp.datasets.load(args.dataset)
    else:
        options = {"seed": args.seed}
        if args.samples is not None:
            options["n_samples"] = args.samples
        X, y = npmlp.datasets.GENERATORS[args.dataset or "dummy"](**options)
    if getattr(args, "standardize", False):
        split = getattr(args, "validation_split", 0.0) or 0.0
        n_train = max(validation_split_index(len(X), split) if 0 < split < 1 else len(X), 1)
        args.scaler = npmlp.datasets.Standardizer().fit(X[:n_train])
        X = args.scaler.transform(X)
        with warnings.catch_warnings():  # the model's own inference warns once, later
            warnings.simplefilter("ignore")
            regression = infer_output(y, getattr(args, "task", None))[1] == "linear"
        if regression:  # as scikit-learn's TransformedTargetRegressor: fit on (y - mean) / std
            Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
            args.target_scaler = npmlp.datasets.Standardizer().fit(Y[:n_train])
            y = args.target_scaler.transform(Y).reshape(np.shape(y))
    return X, y


def _categorical(value: str | None):
    """--categorical: None, "auto" or a list of column names."""
    if value is None or value == "auto":
        return value
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise ValueError(f"--categorical: expected auto or column names, got {value!r}")
    return names


def mlp_options(args) -> dict:
    """Keyword arguments of npmlp.mlp() from the shared options."""
    return dict(batch_size=args.batch_size, epochs=args.epochs, layers=args.layers,
                validation_split=args.validation_split, split=getattr(args, "split", "tail"),
                units=args.units, activation=args.activation,
                optimizer=args.optimizer, learning_rate=args.learning_rate,
                momentum=args.momentum, nesterov=args.nesterov, l2=args.l2,
                clipnorm=args.clipnorm, seed=args.seed, dtype=args.dtype,
                task=getattr(args, "task", None))
