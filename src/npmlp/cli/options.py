"""Options shared by the commands that train: defaults = the seed's experiment."""

from __future__ import annotations

import argparse

import npmlp
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


def add_data_options(p: argparse.ArgumentParser, csv: bool = True) -> None:
    """--dataset (and --csv/--target/--standardize), --samples."""
    p.add_argument("--dataset", default="dummy",
                   choices=list(SYNTHETIC) + list(npmlp.datasets.NAMES),
                   help="data to train on (default: dummy, the seed's 100 x 10 random data)")
    if csv:
        p.add_argument("--csv", metavar="PATH", default=None,
                       help="train on a CSV file with a header row instead of --dataset")
        p.add_argument("--target", metavar="COLUMN", default=None,
                       help="the CSV column holding the labels or values (with --csv)")
        p.add_argument("--standardize", action="store_true",
                       help="scale features to mean 0, std 1 with statistics of the training "
                       "part only (a saved model takes raw features: the scaling is folded "
                       "into it)")
    p.add_argument("--samples", type=positive_int, default=None,
                   help="number of samples for the synthetic datasets (default: their own)")


def add_architecture_options(p: argparse.ArgumentParser) -> None:
    """--layers, --units, --activation."""
    p.add_argument("--layers", type=nonnegative_int, default=3,
                   help="number of hidden layers (default: 3)")
    p.add_argument("--units", type=positive_int, default=64,
                   help="units per hidden layer (default: 64)")
    p.add_argument("--activation", default="relu", choices=ACTIVATIONS,
                   help="hidden activation (default: relu)")


def add_model_options(p: argparse.ArgumentParser) -> None:
    """Every option of npmlp.mlp(): data, architecture, training and optimizer."""
    add_data_options(p)
    add_architecture_options(p)
    p.add_argument("--epochs", type=nonnegative_int, default=100, help="epochs (default: 100)")
    p.add_argument("--batch-size", type=positive_int, default=32,
                   help="mini-batch size (default: 32)")
    p.add_argument("--validation-split", type=float, default=0.2,
                   help="fraction of samples held out for validation (default: 0.2)")
    p.add_argument("--split", default="tail", choices=list(npmlp.training.SPLITS),
                   help="which samples are held out: tail (the last fraction, as Keras; "
                   "default), random, or stratified (class proportions kept)")
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "adam", "rmsprop"],
                   help="optimizer (default: sgd)")
    p.add_argument("--learning-rate", type=float, default=0.01,
                   help="learning rate (default: 0.01)")
    p.add_argument("--momentum", type=float, default=0.0, help="SGD momentum (default: 0)")
    p.add_argument("--nesterov", action="store_true", help="Nesterov momentum (SGD)")
    p.add_argument("--l2", type=float, default=0.0,
                   help="L2 factor on every kernel: adds l2 * sum(W**2) to the loss (default: 0)")
    p.add_argument("--clipnorm", type=float, default=None,
                   help="clip each gradient tensor to this L2 norm (default: off)")
    p.add_argument("--seed", type=nonnegative_int, default=None,
                   help="seed for the data and the model (default: random)")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"],
                   help="floating-point type of every array (default: float32)")


def load_data(args):
    """(X, y) for --csv/--target or --dataset (synthetic ones honour --samples and --seed);
    with --standardize, X is scaled by a Standardizer fitted on the training part (kept as
    ``args.scaler``)."""
    csv_path, target = getattr(args, "csv", None), getattr(args, "target", None)
    if csv_path is None and target is not None:
        raise ValueError("--target names a CSV column; give the file with --csv PATH")
    if csv_path is not None:
        if target is None:
            raise ValueError("--csv needs --target COLUMN (the column to predict)")
        X, y, args.feature_names = npmlp.datasets.from_csv(csv_path, target)
    elif args.dataset in npmlp.datasets.NAMES:
        X, y = npmlp.datasets.load(args.dataset)
    else:
        options = {"seed": args.seed}
        if args.samples is not None:
            options["n_samples"] = args.samples
        X, y = npmlp.datasets.GENERATORS[args.dataset](**options)
    args.feature_names = getattr(args, "feature_names", None) if csv_path else None
    args.scaler = None
    if getattr(args, "standardize", False):
        if getattr(args, "split", "tail") != "tail":
            raise ValueError("--standardize needs --split tail (the scaler is fitted on the "
                             "training part, which the other splits choose inside fit)")
        split = getattr(args, "validation_split", 0.0) or 0.0
        n_train = validation_split_index(len(X), split) if 0 < split < 1 else len(X)
        args.scaler = npmlp.datasets.Standardizer().fit(X[:max(n_train, 1)])
        X = args.scaler.transform(X)
    return X, y


def mlp_options(args) -> dict:
    """Keyword arguments of npmlp.mlp() from the shared options."""
    return dict(batch_size=args.batch_size, epochs=args.epochs, layers=args.layers,
                validation_split=args.validation_split, split=getattr(args, "split", "tail"),
                units=args.units if args.layers > 0 else None, activation=args.activation,
                optimizer=args.optimizer, learning_rate=args.learning_rate,
                momentum=args.momentum, nesterov=args.nesterov, l2=args.l2,
                clipnorm=args.clipnorm, seed=args.seed, dtype=args.dtype)
