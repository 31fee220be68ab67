"""npmlp train: the seed's experiment by default; --resume continues a saved model."""

from __future__ import annotations

import copy
import shlex
import sys
import time

import npmlp
from npmlp.api import build_mlp
from npmlp.cli.options import (
    SYNTHETIC,
    add_model_options,
    check_options,
    load_data,
    mlp_options,
    positive_int,
)
from npmlp.model.targets import infer_output


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
    p.add_argument("--early-stopping", metavar="PATIENCE", type=positive_int, default=None,
                   help="stop when val_loss has not improved for PATIENCE epochs and keep the "
                   "best epoch's weights (default: off; needs --validation-split > 0)")
    p.add_argument("--resume", metavar="PATH",
                   help="load the model saved at PATH and train --epochs more epochs on the "
                   "same data (give the same --dataset/--samples/--seed/--batch-size/"
                   "--validation-split); saves back to PATH unless --save is given")
    p.set_defaults(func=run_train, check=check_train)


def check_train(args) -> None:
    """The shared rules plus train's own."""
    check_options(args)
    if args.resume and args.standardize:
        raise ValueError("--standardize cannot be combined with --resume: saved models take "
                         "raw features (the scaling was folded into them); drop --standardize")
    if args.early_stopping is not None and not args.validation_split:
        raise ValueError("--early-stopping watches val_loss: give --validation-split > 0")
    if args.resume and args.task is not None:
        raise ValueError("--task has no effect with --resume (the saved model keeps its own "
                         "output); drop it")


def _for_saving(args, model):
    """The model to save: with --standardize, a copy that takes raw features and predicts raw
    values; with --categorical/--impute, the preprocessing goes with it."""
    scaled = getattr(args, "scaler", None) is not None
    target_scaled = getattr(args, "target_scaler", None) is not None
    prep = getattr(args, "preprocessor", None)
    if not (scaled or target_scaled or prep is not None):
        return model
    folded = copy.deepcopy(model)
    if scaled:
        args.scaler.fold_into(folded)
    if target_scaled:
        scaler = args.target_scaler
        npmlp.datasets.fold_target_scaling(folded, scaler.mean_, scaler.scale_)
    if prep is not None:  # a JSON dict saved with the model, applied by npmlp predict
        folded.preprocessing = prep.get_config()
    return folded


def _warn_unseeded_resume(args, model) -> None:
    if model.seed is not None:
        return
    synthetic = not args.csv and (args.dataset or "dummy") in SYNTHETIC
    detail = (f"--dataset {args.dataset or 'dummy'} without --seed is drawn anew, so the "
              f"resumed run trains on other data" if synthetic and args.seed is None else
              "give exactly the same data, in the same order, or the run is not a "
              "continuation")
    print(f"npmlp train: warning: the model at {args.resume} was trained without --seed: "
          f"{detail}", file=sys.stderr)


def run_train(args) -> int:
    if args.members is not None or args.vary:
        return run_ensemble(args)
    X, y = load_data(args)
    if args.plot_boundary and X.shape[1] != 2:  # checked now, not after the training
        raise ValueError(f"--plot-boundary needs data with 2 features, got {X.shape[1]} "
                         f"(the 2-D datasets: moons, circles, spirals, xor)")
    callbacks = [npmlp.TensorBoard(args.tensorboard)] if args.tensorboard else []
    if args.early_stopping is not None:
        callbacks.append(npmlp.EarlyStopping("val_loss", patience=args.early_stopping,
                                         restore_best_weights=True,
                                         verbose=0 if args.quiet else 1))
    if args.resume:
        model = npmlp.load(args.resume)
        _warn_unseeded_resume(args, model)
        if args.feature_names is not None and model.feature_names is not None \
                and args.feature_names != model.feature_names:
            raise ValueError(f"{args.csv} makes the features {args.feature_names[:10]}, but "
                             f"the model at {args.resume} takes {model.feature_names[:10]}")
        history = npmlp.resume(
            model, X, y, args.epochs, batch_size=args.batch_size,
            validation_split=args.validation_split, split=args.split,
            verbose=0 if args.quiet else 1, callbacks=callbacks, threads=args.threads)
        args.save = args.save or args.resume
    else:
        if args.plot_boundary:
            if infer_output(y, args.task)[1] == "linear":
                raise ValueError("--plot-boundary draws a classifier's regions; this is a "
                                 "regression")
        history = npmlp.mlp(X, y, verbose=0 if args.quiet else 1, callbacks=callbacks,
                            threads=args.threads, **mlp_options(args))
    if args.feature_names is not None:  # the CSV's columns, checked by npmlp predict
        history.model.feature_names = args.feature_names
    if history.interrupted:  # Ctrl-C: keep what was learned and say how to go on
        return _save_interrupted(args, history)
    final = {k: v[-1] for k, v in history.history.items() if v}
    summary = " - ".join(f"{k}: {v:.4f}" for k, v in final.items())
    print(f"Trained {history.model!r} on {args.csv or args.dataset or 'dummy'} {X.shape} for "
          f"{len(history.epoch)} epochs. Final: {summary or 'no epochs run'}")
    if args.save:
        _for_saving(args, history.model).save(args.save)
        print(f"Saved model to {args.save}")
    if args.plot:
        if history.epoch:
            npmlp.plot_history(history, args.plot)
            print(f"Wrote plots to {args.plot}")
        else:
            print("No plot written: no epoch was run", file=sys.stderr)
    if args.plot_boundary:
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
    callbacks = [] if args.early_stopping is None else [npmlp.EarlyStopping(
        "val_loss", patience=args.early_stopping, restore_best_weights=True)]
    ensemble = npmlp.Ensemble(build_mlp(y, **options), members, vary=vary or None)
    history = ensemble.fit(X, y, verbose=0 if args.quiet else 1, threads=args.threads,
                           callbacks=callbacks, **fit)
    keys = history.keys
    print(f"Trained {members} members of {ensemble.members[0]!r} on "
          f"{args.csv or args.dataset or 'dummy'} {X.shape}:")
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
        ensemble.save(args.save)
        print(f"Saved the ensemble to {args.save}")
    if args.plot and history.epochs:
        npmlp.plotting.plot_ensemble_history(history, args.plot)
        print(f"Wrote mean +/- std plots to {args.plot}")
    return 0


def _resume_command(args, path: str, epochs_left: str) -> str:
    """The command line that continues this run from the checkpoint at ``path``."""
    words = ["npmlp", "train", "--resume", path, "--epochs", epochs_left]
    if args.csv:
        words += ["--csv", args.csv, "--target", args.target]
        for option in ("delimiter", "encoding", "categorical", "impute"):
            if getattr(args, option) is not None:
                words += [f"--{option}", getattr(args, option)]
        if args.decimal != ".":
            words += ["--decimal", args.decimal]
    else:
        words += ["--dataset", args.dataset or "dummy"]
        if args.samples is not None:
            words += ["--samples", str(args.samples)]
    words += ["--batch-size", str(args.batch_size), "--validation-split",
              str(args.validation_split), "--split", args.split]
    if args.seed is not None:
        words += ["--seed", str(args.seed)]
    return shlex.join(words)


def _save_interrupted(args, history) -> int:
    path = args.save or f"runs/interrupted-{time.strftime('%Y%m%d-%H%M%S')}.npz"
    _for_saving(args, history.model).save(path)
    done = len(history.epoch)
    left = "N" if args.resume else str(max(args.epochs - done, 0))
    print(f"\nInterrupted: {done} epoch(s) completed; saved a checkpoint to {path}\n"
          f"Resume with: {_resume_command(args, path, left)}", file=sys.stderr)
    if args.seed is None and not args.csv and (args.dataset or "dummy") in SYNTHETIC:
        print("(no --seed was given: the synthetic data will differ on resume)", file=sys.stderr)
    if args.standardize:
        print("(the checkpoint takes raw features, with the scaling folded in: the resumed run "
              "continues from it but not bit-identically)", file=sys.stderr)
    return 130
