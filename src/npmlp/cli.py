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
    p.add_argument("--csv", metavar="PATH", default=None,
                   help="train on a CSV file with a header row instead of --dataset")
    p.add_argument("--target", metavar="COLUMN", default=None,
                   help="the CSV column holding the labels or values (with --csv)")
    p.add_argument("--standardize", action="store_true",
                   help="scale features to mean 0, std 1 with statistics of the training part "
                   "only (a saved model takes raw features: the scaling is folded into it)")
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
    """(X, y) for --csv/--target or --dataset (synthetic ones honour --samples and --seed);
    with --standardize, X is scaled by a Standardizer fitted on the training part (kept as
    ``args.scaler``)."""
    csv_path, target = getattr(args, "csv", None), getattr(args, "target", None)
    if csv_path is None and target is not None:
        raise ValueError("--target names a CSV column; give the file with --csv PATH")
    if csv_path is not None:
        if target is None:
            raise ValueError("--csv needs --target COLUMN (the column to predict)")
        X, y, _ = npmlp.datasets.from_csv(csv_path, target)
    elif args.dataset in npmlp.datasets.NAMES:
        X, y = npmlp.datasets.load(args.dataset)
    else:
        options = {"seed": args.seed}
        if args.samples is not None:
            options["n_samples"] = args.samples
        X, y = npmlp.datasets.GENERATORS[args.dataset](**options)
    args.scaler = None
    if getattr(args, "standardize", False):
        from npmlp.training import validation_split_index

        split = getattr(args, "validation_split", 0.0) or 0.0
        n_train = validation_split_index(len(X), split) if 0 < split < 1 else len(X)
        args.scaler = npmlp.datasets.Standardizer().fit(X[:max(n_train, 1)])
        X = args.scaler.transform(X)
    return X, y


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
    p.add_argument("--plot-boundary", metavar="PATH",
                   help="draw the decision boundary to PATH (2-D datasets: moons, circles, ...)")
    p.add_argument("--quiet", action="store_true", help="print only the final summary")
    p.add_argument("--resume", metavar="PATH",
                   help="load the model saved at PATH and train --epochs more epochs on the "
                   "same data (give the same --dataset/--samples/--seed/--batch-size/"
                   "--validation-split); saves back to PATH unless --save is given")
    p.set_defaults(func=run_train)


def _for_saving(args, model):
    """The model to save: with --standardize, a copy that takes raw features."""
    if getattr(args, "scaler", None) is None:
        return model
    import copy

    folded = copy.deepcopy(model)
    args.scaler.fold_into(folded)
    return folded


def run_train(args) -> int:
    if args.resume and args.standardize:
        raise ValueError("--standardize cannot be combined with --resume: saved models take "
                         "raw features (the scaling was folded into them); drop --standardize")
    X, y = load_data(args)
    if args.resume:
        history = npmlp.checkpoint.resume(
            args.resume, X, y, args.epochs, batch_size=args.batch_size,
            validation_split=args.validation_split, verbose=0 if args.quiet else 1)
        args.save = args.save or args.resume
    else:
        history = npmlp.mlp(X, y, verbose=0 if args.quiet else 1, **mlp_options(args))
    if history.interrupted:  # Ctrl-C: keep what was learned and say how to go on
        return _save_interrupted(args, history)
    final = {k: v[-1] for k, v in history.history.items() if v}
    summary = " - ".join(f"{k}: {v:.4f}" for k, v in final.items())
    print(f"Trained {history.model!r} on {args.csv or args.dataset} {X.shape} for "
          f"{len(history.epoch)} epochs. Final: {summary or 'no epochs run'}")
    if args.save:
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)
        _for_saving(args, history.model).save(args.save)
        print(f"Saved model to {args.save}")
    if args.plot:
        if history.epoch:
            Path(args.plot).parent.mkdir(parents=True, exist_ok=True)
            npmlp.plot_history(history, args.plot)
            print(f"Wrote plots to {args.plot}")
        else:
            print("No plot written: no epoch was run", file=sys.stderr)
    if args.plot_boundary:
        Path(args.plot_boundary).parent.mkdir(parents=True, exist_ok=True)
        npmlp.plot_decision_boundary(history.model, X, y, args.plot_boundary)
        print(f"Wrote the decision boundary to {args.plot_boundary}")
    return 0


def _save_interrupted(args, history) -> int:
    import time

    path = args.save or f"runs/interrupted-{time.strftime('%Y%m%d-%H%M%S')}.npz"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    _for_saving(args, history.model).save(path)
    done = len(history.epoch)
    left = "N" if args.resume else str(max(args.epochs - done, 0))
    data = f" --dataset {args.dataset} --batch-size {args.batch_size} " \
           f"--validation-split {args.validation_split}"
    data += f" --samples {args.samples}" if args.samples is not None else ""
    data += f" --seed {args.seed}" if args.seed is not None else ""
    print(f"\nInterrupted: {done} epoch(s) completed; saved a checkpoint to {path}\n"
          f"Resume with: npmlp train --resume {path} --epochs {left}{data}", file=sys.stderr)
    if args.seed is None and args.dataset in SYNTHETIC:
        print("(no --seed was given: the synthetic data will differ on resume)", file=sys.stderr)
    return 130


# --- explain --------------------------------------------------------------------------------


def _add_explain(sub) -> None:
    p = sub.add_parser("explain", help="trace one mini-batch forward and back, with gradcheck",
                       description="Run one mini-batch of SGD through a small float64 network "
                       "and print, layer by layer, the shapes and statistics of A_prev, Z, A, "
                       "dA, dZ, dW, db, the update of every parameter and a finite-difference "
                       "check of every gradient. Defaults: the seed's data and architecture.")
    p.add_argument("--dataset", default="dummy",
                   choices=list(SYNTHETIC) + list(npmlp.datasets.NAMES),
                   help="data to take the batch from (default: dummy)")
    p.add_argument("--samples", type=_positive_int, default=None,
                   help="number of samples for the synthetic datasets (default: their own)")
    p.add_argument("--layers", type=_nonnegative_int, default=3,
                   help="number of hidden layers (default: 3)")
    p.add_argument("--units", type=_positive_int, default=64,
                   help="units per hidden layer (default: 64)")
    p.add_argument("--activation", default="relu", choices=["relu", "sigmoid", "tanh",
                   "leaky_relu", "linear"], help="hidden activation (default: relu)")
    p.add_argument("--batch-size", type=_positive_int, default=32,
                   help="rows in the batch: the first BATCH_SIZE of the data (default: 32)")
    p.add_argument("--learning-rate", type=float, default=0.01,
                   help="SGD learning rate of the update shown (default: 0.01)")
    p.add_argument("--seed", type=_nonnegative_int, default=0,
                   help="seed for the data and the weights (default: 0)")
    p.add_argument("--plot", metavar="PATH",
                   help="draw per-layer histograms of activations and gradients to PATH")
    p.set_defaults(func=run_explain)


def run_explain(args) -> int:
    from npmlp import explain

    X, y = load_data(args)
    trace = explain.explain(X, y, layers=args.layers, units=args.units,
                            activation=args.activation, batch_size=args.batch_size,
                            learning_rate=args.learning_rate, seed=args.seed)
    print(f"npmlp explain: one batch of {args.dataset}")
    print("\n".join(explain.format_trace(trace)))
    if args.plot:
        Path(args.plot).parent.mkdir(parents=True, exist_ok=True)
        explain.plot_trace(trace, args.plot)
        print(f"Wrote histograms to {args.plot}")
    return 0 if trace.gradcheck_passed else 1


# --- compare --------------------------------------------------------------------------------


def _add_compare(sub) -> None:
    p = sub.add_parser("compare", help="train npmlp and Keras side by side and write a report",
                       description="Train npmlp and the equivalent Keras Sequential model on the "
                       "same data. parity: both start from the same weights and see the same "
                       "batches (float64 unless --dtype is given) and every History entry and "
                       "weight is compared per epoch; independent: each framework initialises "
                       "and shuffles on its own over --seeds seeds. With no options it runs the "
                       "seed's experiment in both modes. Exits 1 when parity fails.")
    add_model_options(p)
    p.set_defaults(seed=0, dtype=None)
    p.add_argument("--mode", default="both", choices=["parity", "independent", "both"],
                   help="which comparison to run (default: both)")
    p.add_argument("--seeds", type=_positive_int, default=5,
                   help="number of seeds in independent mode (default: 5)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output directory (default: runs/compare-<timestamp>/)")
    p.add_argument("--global-clipnorm", type=float, default=None,
                   help="clip all gradients together to this L2 norm (default: off)")
    p.add_argument("--schedule", default=None, choices=["exponential_decay",
                   "inverse_time_decay"], help="learning-rate schedule, stepped per batch")
    p.add_argument("--decay-steps", type=_positive_int, default=1,
                   help="schedule decay_steps (default: 1)")
    p.add_argument("--decay-rate", type=float, default=0.96,
                   help="schedule decay_rate (default: 0.96)")
    p.add_argument("--no-shuffle", action="store_true", help="keep the sample order every epoch")
    p.set_defaults(func=run_compare)


def run_compare(args) -> int:
    from npmlp.compare import keras_bridge

    try:
        keras_bridge.require_keras()
    except ImportError as exc:
        print(f"npmlp compare: error: {exc}", file=sys.stderr)
        return 3
    from npmlp.compare import compare
    from npmlp.compare.report import tables

    X, y = load_data(args)
    result = compare(
        X, y, mode=args.mode, seeds=args.seeds, seed=args.seed, batch_size=args.batch_size,
        epochs=args.epochs, validation_split=args.validation_split,
        parity_dtype=args.dtype or "float64", independent_dtype=args.dtype or "float32",
        shuffle=not args.no_shuffle, out=args.out, layers=args.layers, units=args.units,
        activation=args.activation, optimizer=args.optimizer, learning_rate=args.learning_rate,
        momentum=args.momentum, nesterov=args.nesterov, l2=args.l2, clipnorm=args.clipnorm,
        global_clipnorm=args.global_clipnorm, schedule=args.schedule,
        decay_steps=args.decay_steps, decay_rate=args.decay_rate)
    for title, header, rows in tables(result.results)[1:]:
        print(f"\n{title}\n  " + " | ".join(header))
        for row in rows:
            print("  " + " | ".join(c for c in row if c))
    if result.parity is not None:
        print(f"\nParity: {result.parity.verdict()}")
    print(f"Wrote {', '.join(Path(f).name for f in result.results['files'])} to {result.out}")
    return 0 if result.passed else 1


# --- predict --------------------------------------------------------------------------------


def _add_predict(sub) -> None:
    p = sub.add_parser("predict", help="predict the rows of a CSV with a saved model",
                       description="Load a model saved by `npmlp train --save` and write one "
                       "prediction per CSV row. The CSV's feature columns must be those of "
                       "training, in the same order; if it also holds the target column, name "
                       "it with --target so that it is left out.")
    p.add_argument("--model", metavar="PATH", required=True, help="the saved model (.npz)")
    p.add_argument("--csv", metavar="PATH", required=True, help="rows to predict (header row)")
    p.add_argument("--target", metavar="COLUMN", default=None,
                   help="a column to leave out (the target, when the CSV has it)")
    p.add_argument("--out", metavar="PATH", required=True,
                   help="where to write the predictions (CSV, written atomically)")
    p.add_argument("--proba", action="store_true",
                   help="also write the output probabilities (classifiers)")
    p.set_defaults(func=run_predict)


def run_predict(args) -> int:
    import csv
    from io import StringIO

    import numpy as np

    model = npmlp.load(args.model)
    if args.target is None:
        try:
            X, _, _ = npmlp.datasets.from_csv(args.csv, None)
        except ValueError as exc:
            raise ValueError(f"{exc}. If the CSV holds the target column, leave it out with "
                             "--target COLUMN") from None
    else:
        X, _, _ = npmlp.datasets.from_csv(args.csv, args.target)
    if X.shape[1] != model.input_dim:
        raise ValueError(f"{args.csv} has {X.shape[1]} feature columns but the model was trained "
                         f"on {model.input_dim}" + ("" if args.target else
                                                    "; if the CSV holds the target, pass --target"))
    labels = model.predict(X)
    columns = [labels.reshape(len(X), -1)]
    header = ["prediction"] if columns[0].shape[1] == 1 else [
        f"prediction_{j}" for j in range(columns[0].shape[1])]
    if args.proba:
        if model.kind not in ("binary", "multiclass"):
            raise ValueError(f"--proba needs a classifier; this model does {model.kind}")
        A = model.predict_proba(X)
        classes = model.encoder.classes
        if A.shape[1] == 1:  # sigmoid: p of the second class
            A = np.hstack([1.0 - A, A])
        columns.append(A)
        header += [f"proba_{c}" for c in classes]
    text = StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for row in zip(*(c.tolist() for c in columns)):
        writer.writerow([v for part in row for v in part])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    npmlp.io.atomic_write(args.out, lambda f: f.write(text.getvalue().encode("utf-8")))
    print(f"Wrote {len(X)} predictions to {args.out}")
    return 0


# --- bench ----------------------------------------------------------------------------------


def _add_bench(sub) -> None:
    from npmlp.bench import FRAMEWORKS, WORKLOADS

    p = sub.add_parser("bench", help="time npmlp against Keras, PyTorch, scikit-learn, ...",
                       description="Train the same network from the same weights on the same "
                       "batches with every framework (plain SGD, float32), check they end at "
                       "the same loss, and report interleaved wall times.")
    p.add_argument("--workload", default="all", choices=[*WORKLOADS, "all"],
                   help="which workload (default: all; 'large' takes minutes)")
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    p.add_argument("--repeats", type=_positive_int, default=5,
                   help="timed rounds per framework, interleaved (default: 5)")
    p.add_argument("--out", default="bench", help="folder for bench.json and bench.png")
    p.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS),
                   help="frameworks to time (npmlp is always included)")
    p.add_argument("--threads", type=_positive_int, default=None,
                   help="threads for every framework (default: all cores)")
    p.set_defaults(func=run_bench)


def run_bench(args) -> int:
    from npmlp import bench

    workloads = bench.WORKLOADS if args.workload == "all" else (args.workload,)
    bench.run(workloads, quick=args.quick, repeats=args.repeats, out=args.out,
              frameworks=args.frameworks, threads=args.threads)
    return 0


# --- entry point ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="npmlp", description="A multi-layer perceptron in NumPy, proven against Keras.")
    parser.add_argument("--version", action="version", version=f"npmlp {npmlp.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _add_train(sub)
    _add_predict(sub)
    _add_compare(sub)
    _add_explain(sub)
    _add_bench(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError, FloatingPointError) as exc:
        print(f"npmlp {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"npmlp {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
