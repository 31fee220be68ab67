"""npmlp compare: npmlp and Keras side by side (the project's main job)."""

from __future__ import annotations

import sys
from pathlib import Path

from npmlp.cli.options import (
    add_model_options,
    check_options,
    load_data,
    positive_float,
    positive_int,
)
from npmlp.compare import compare, keras_bridge
from npmlp.compare.report import tables


def add_command(sub) -> None:
    p = sub.add_parser("compare", help="train npmlp and Keras side by side and write a report",
                       description="Train npmlp and the equivalent Keras Sequential model on the "
                       "same data. parity: both start from the same weights and see the same "
                       "batches (float64 unless --dtype is given) and every History entry and "
                       "weight is compared per epoch; independent: each framework initialises "
                       "and shuffles on its own over --seeds seeds. With no options it runs the "
                       "seed's experiment in both modes. Exits 1 when parity fails.")
    add_model_options(p)
    p.set_defaults(seed=0, dtype=None, check=check_compare)
    # The help says what compare really does with these (train's defaults differ).
    set_help(p, "seed", "seed of the parity run; the independent runs use SEED, SEED+1, ... "
             "(default: 0)")
    set_help(p, "dtype", "floating-point type of both runs (default: float64 for parity, "
             "float32 for the independent runs)")
    p.add_argument("--mode", default="both", choices=["parity", "independent", "both"],
                   help="which comparison to run (default: both)")
    p.add_argument("--seeds", type=positive_int, default=None,
                   help="number of seeds in independent mode (default: 5)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output directory (default: runs/compare-<timestamp>/)")
    p.add_argument("--global-clipnorm", type=positive_float, default=None,
                   help="clip all gradients together to this L2 norm (default: off)")
    p.add_argument("--schedule", default=None, choices=["exponential_decay",
                   "inverse_time_decay"], help="learning-rate schedule, stepped per batch")
    p.add_argument("--decay-steps", type=positive_int, default=None,
                   help="steps per decay of --schedule (default: 1)")
    p.add_argument("--decay-rate", type=positive_float, default=None,
                   help="decay rate of --schedule (default: 0.96)")
    p.add_argument("--no-shuffle", action="store_true", help="keep the sample order every epoch")
    p.set_defaults(func=run_compare)


def set_help(p, dest: str, text: str) -> None:
    for action in p._actions:
        if action.dest == dest:
            action.help = text


def check_compare(args) -> None:
    """The shared rules plus compare's own."""
    check_options(args)
    if args.split != "tail":
        raise ValueError("compare holds out the last --validation-split fraction, as Keras "
                         f"does; --split {args.split} is not supported here")
    if args.schedule is None:
        for option in ("decay_steps", "decay_rate"):
            if getattr(args, option) is not None:
                raise ValueError(f"--{option.replace('_', '-')} applies to a --schedule; "
                                 "give one")
    if args.mode == "parity" and args.seeds is not None:
        raise ValueError("--seeds counts the independent runs; --mode parity runs none")
    if args.clipnorm is not None and args.global_clipnorm is not None:
        raise ValueError("--clipnorm and --global-clipnorm exclude each other; give one")


def run_compare(args) -> int:
    try:
        keras_bridge.require_keras()
    except ImportError as exc:
        print(f"npmlp compare: error: {exc}", file=sys.stderr)
        return 3
    X, y = load_data(args)
    result = compare(
        X, y, mode=args.mode, seeds=args.seeds or 5, seed=args.seed, batch_size=args.batch_size,
        epochs=args.epochs, validation_split=args.validation_split,
        parity_dtype=args.dtype or "float64", independent_dtype=args.dtype or "float32",
        shuffle=not args.no_shuffle, out=args.out, layers=args.layers,
        units=args.units or (64 if args.layers else None),  # recorded as used
        activation=args.activation, optimizer=args.optimizer, learning_rate=args.learning_rate,
        momentum=args.momentum, nesterov=args.nesterov, l2=args.l2, clipnorm=args.clipnorm,
        global_clipnorm=args.global_clipnorm, schedule=args.schedule,
        decay_steps=args.decay_steps or 1, decay_rate=args.decay_rate or 0.96, task=args.task)
    for title, header, rows in tables(result.results)[1:]:
        print(f"\n{title}\n  " + " | ".join(header))
        for row in rows:
            print("  " + " | ".join(c for c in row if c))
    if result.parity is not None:
        print(f"\nParity: {result.parity.verdict()}")
    print(f"Wrote {', '.join(Path(f).name for f in result.results['files'])} to {result.out}")
    return 0 if result.passed else 1
