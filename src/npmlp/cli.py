"""The ``npmlp`` command: parses arguments and calls the public API, nothing more.

Each subcommand has an ``_add_<name>(subparsers)`` that declares its options and sets
``func`` to the function that runs it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import npmlp

SYNTHETIC = ("dummy", "moons", "circles", "spirals", "xor")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _nonnegative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def add_model_options(p: argparse.ArgumentParser) -> None:
    """Options shared by every command that trains (train, compare, ...): defaults = the seed."""
    p.add_argument("--dataset", default="dummy",
                   choices=list(SYNTHETIC) + list(npmlp.datasets.NAMES),
                   help="data to train on (default: dummy, the seed's 100 x 10 random data)")
    p.add_argument("--samples", type=_positive_int, default=None,
                   help="number of samples for the synthetic datasets (default: their own)")
    p.add_argument("--layers", type=_nonnegative_int, default=3,
                   help="number of hidden layers (default: 3)")
    p.add_argument("--units", type=_positive_int, default=64,
                   help="units per hidden layer (default: 64)")
    p.add_argument("--activation", default="relu", choices=["relu", "sigmoid", "tanh",
                   "leaky_relu", "linear"], help="hidden activation (default: relu)")
    p.add_argument("--epochs", type=_nonnegative_int, default=100, help="epochs (default: 100)")
    p.add_argument("--batch-size", type=_positive_int, default=32,
                   help="mini-batch size (default: 32)")
    p.add_argument("--validation-split", type=float, default=0.2,
                   help="fraction of samples, taken from the end, held out (default: 0.2)")
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
    p.add_argument("--seed", type=_nonnegative_int, default=None,
                   help="seed for the data and the model (default: random)")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"],
                   help="floating-point type of every array (default: float32)")


def load_data(args):
    """(X, y) for --dataset (synthetic ones honour --samples and --seed)."""
    if args.dataset in npmlp.datasets.NAMES:
        return npmlp.datasets.load(args.dataset)
    options = {"seed": args.seed}
    if args.samples is not None:
        options["n_samples"] = args.samples
    return npmlp.datasets.GENERATORS[args.dataset](**options)


def mlp_options(args) -> dict:
    """Keyword arguments of npmlp.mlp() from the shared options."""
    return dict(batch_size=args.batch_size, epochs=args.epochs, layers=args.layers,
                validation_split=args.validation_split,
                units=args.units if args.layers > 0 else None, activation=args.activation,
                optimizer=args.optimizer, learning_rate=args.learning_rate,
                momentum=args.momentum, nesterov=args.nesterov, l2=args.l2,
                clipnorm=args.clipnorm, seed=args.seed, dtype=args.dtype)


# --- train ----------------------------------------------------------------------------------


def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train an MLP (defaults: the seed's experiment)",
                       description="Train an MLP and print one line per epoch. With no options "
                       "it runs the seed's experiment: 100 x 10 random data, 3 hidden ReLU "
                       "layers of 64, sigmoid output, batch 32, 100 epochs, validation split "
                       "0.2, SGD with learning rate 0.01.")
    add_model_options(p)
    p.add_argument("--save", metavar="PATH", help="save the trained model to PATH (.npz)")
    p.add_argument("--plot", metavar="PATH", help="write Loss/Accuracy vs Epoch plots to PATH")
    p.add_argument("--quiet", action="store_true", help="print only the final summary")
    p.set_defaults(func=run_train)


def run_train(args) -> int:
    X, y = load_data(args)
    history = npmlp.mlp(X, y, verbose=0 if args.quiet else 1, **mlp_options(args))
    final = {k: v[-1] for k, v in history.history.items() if v}
    summary = " - ".join(f"{k}: {v:.4f}" for k, v in final.items())
    print(f"Trained {history.model!r} on {args.dataset} {X.shape} for {len(history.epoch)} "
          f"epochs. Final: {summary or 'no epochs run'}")
    if args.save:
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)
        history.model.save(args.save)
        print(f"Saved model to {args.save}")
    if args.plot:
        if history.epoch:
            Path(args.plot).parent.mkdir(parents=True, exist_ok=True)
            npmlp.plot_history(history, args.plot)
            print(f"Wrote plots to {args.plot}")
        else:
            print("No plot written: no epoch was run", file=sys.stderr)
    return 0


# --- entry point ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="npmlp", description="A multi-layer perceptron in NumPy, proven against Keras.")
    parser.add_argument("--version", action="version", version=f"npmlp {npmlp.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _add_train(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, FileNotFoundError, FloatingPointError) as exc:
        print(f"npmlp {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
