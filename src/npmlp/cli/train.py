"""npmlp train: the seed's experiment by default; --resume continues a saved model."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import npmlp
from npmlp.api import build_mlp
from npmlp.cli.options import (
    SYNTHETIC,
    add_model_options,
    load_data,
    mlp_options,
    positive_int,
)


def add_command(sub) -> None:
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
    p.add_argument("--threads", type=positive_int, default=None,
                   help="BLAS threads while training (default: chosen from the layer sizes: "
                   "1 for small layers, where splitting a product costs more than it saves)")
    p.add_argument("--tensorboard", metavar="DIR",
                   help="write TensorBoard logs (scalars every epoch, weight and gradient "
                   "histograms) to DIR; view with `tensorboard --logdir DIR`")
    p.add_argument("--members", type=positive_int, default=None, metavar="K",
                   help="train K networks at once (an npmlp.Ensemble: seeds drawn from --seed, "
                   "one batched product per layer); prints one row per member, and --plot "
                   "draws their mean +/- std")
    p.add_argument("--vary", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="per-member hyper-parameter (learning_rate, momentum or l2), one value "
                   "per member; repeatable; implies --members (the number of values)")
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
    if args.members is not None or args.vary:
        return run_ensemble(args)
    X, y = load_data(args)
    callbacks = [npmlp.TensorBoard(args.tensorboard)] if args.tensorboard else None
    if args.resume:
        history = npmlp.resume(
            args.resume, X, y, args.epochs, batch_size=args.batch_size,
            validation_split=args.validation_split, split=args.split,
            verbose=0 if args.quiet else 1, callbacks=callbacks, threads=args.threads)
        args.save = args.save or args.resume
    else:
        history = npmlp.mlp(X, y, verbose=0 if args.quiet else 1, callbacks=callbacks,
                            threads=args.threads, **mlp_options(args))
    if args.feature_names is not None:  # the CSV's columns, checked by npmlp predict
        history.model.feature_names = args.feature_names
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


def parse_vary(items: list[str]) -> dict[str, list[float]]:
    """["learning_rate=0.1,0.01", ...] -> {"learning_rate": [0.1, 0.01], ...}."""
    vary = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not values:
            raise ValueError(f"--vary expects NAME=V1,V2,... (e.g. learning_rate=0.001,0.01), "
                             f"got {item!r}")
        try:
            vary[name.strip()] = [float(v) for v in values.split(",")]
        except ValueError:
            raise ValueError(f"--vary {name}: values must be numbers, got {values!r}") from None
    return vary


def run_ensemble(args) -> int:
    """npmlp train --members K [--vary NAME=...]: one table row per member."""
    for flag, bad in (("--resume", args.resume), ("--tensorboard", args.tensorboard),
                      ("--plot-boundary", args.plot_boundary), ("--standardize", args.standardize),
                      ("--split " + args.split, args.split != "tail")):
        if bad:
            raise ValueError(f"{flag} cannot be combined with --members/--vary")
    vary = parse_vary(args.vary)
    sizes = {len(v) for v in vary.values()}
    members = args.members if args.members is not None else (sizes.pop() if sizes else 1)
    X, y = load_data(args)
    options = mlp_options(args)
    fit = {k: options.pop(k) for k in ("batch_size", "epochs", "validation_split", "split")}
    del fit["split"]
    ensemble = npmlp.Ensemble(build_mlp(y, **options), members, vary=vary or None)
    history = ensemble.fit(X, y, verbose=0 if args.quiet else 1, threads=args.threads, **fit)
    keys = history.keys
    print(f"Trained {members} members of {ensemble.members[0]!r} on "
          f"{args.csv or args.dataset} {X.shape}:")
    names = list(vary)
    print("  ".join([f"{'member':>6}", f"{'seed':>10}", *(f"{n:>13}" for n in names),
                     f"{'epochs':>6}", *(f"{k:>12}" for k in keys)]))
    for k, member in enumerate(ensemble.members):
        last = [member.history.history[key][-1] if member.history.history.get(key) else
                float("nan") for key in keys]
        print("  ".join([f"{k:>6}", f"{ensemble.seeds[k]:>10}",
                         *(f"{vary[n][k]:>13g}" for n in names),
                         f"{len(member.history.epoch):>6}", *(f"{v:>12.4f}" for v in last)]))
    if ensemble.diverged:
        print(f"diverged (member: epoch, batch): {ensemble.diverged}")
    if args.save:
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)
        ensemble.save(args.save)
        print(f"Saved the ensemble to {args.save}")
    if args.plot and history.epochs:
        Path(args.plot).parent.mkdir(parents=True, exist_ok=True)
        npmlp.plotting.plot_ensemble_history(history, args.plot)
        print(f"Wrote mean +/- std plots to {args.plot}")
    return 0


def _resume_command(args, path: str, epochs_left: str) -> str:
    """The command line that continues this run from the checkpoint at ``path``."""
    words = ["npmlp", "train", "--resume", path, "--epochs", epochs_left]
    if args.csv:
        words += ["--csv", args.csv, "--target", args.target]
    else:
        words += ["--dataset", args.dataset]
        if args.samples is not None:
            words += ["--samples", str(args.samples)]
    words += ["--batch-size", str(args.batch_size), "--validation-split",
              str(args.validation_split), "--split", args.split]
    if args.seed is not None:
        words += ["--seed", str(args.seed)]
    return shlex.join(words)


def _save_interrupted(args, history) -> int:
    path = args.save or f"runs/interrupted-{time.strftime('%Y%m%d-%H%M%S')}.npz"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    _for_saving(args, history.model).save(path)
    done = len(history.epoch)
    left = "N" if args.resume else str(max(args.epochs - done, 0))
    print(f"\nInterrupted: {done} epoch(s) completed; saved a checkpoint to {path}\n"
          f"Resume with: {_resume_command(args, path, left)}", file=sys.stderr)
    if args.seed is None and not args.csv and args.dataset in SYNTHETIC:
        print("(no --seed was given: the synthetic data will differ on resume)", file=sys.stderr)
    if args.standardize:
        print("(the checkpoint takes raw features, with the scaling folded in: the resumed run "
              "continues from it but not bit-identically)", file=sys.stderr)
    return 130
