"""npmlp compare: npmlp and Keras side by side (the project's main job)."""

from __future__ import annotations

import sys
from pathlib import Path

from npmlp.cli.options import add_model_options, load_data, positive_int
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
    p.set_defaults(seed=0, dtype=None)
    p.add_argument("--mode", default="both", choices=["parity", "independent", "both"],
                   help="which comparison to run (default: both)")
    p.add_argument("--seeds", type=positive_int, default=5,
                   help="number of seeds in independent mode (default: 5)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="output directory (default: runs/compare-<timestamp>/)")
    p.add_argument("--global-clipnorm", type=float, default=None,
                   help="clip all gradients together to this L2 norm (default: off)")
    p.add_argument("--schedule", default=None, choices=["exponential_decay",
                   "inverse_time_decay"], help="learning-rate schedule, stepped per batch")
    p.add_argument("--decay-steps", type=positive_int, default=1,
                   help="schedule decay_steps (default: 1)")
    p.add_argument("--decay-rate", type=float, default=0.96,
                   help="schedule decay_rate (default: 0.96)")
    p.add_argument("--no-shuffle", action="store_true", help="keep the sample order every epoch")
    p.set_defaults(func=run_compare)


def run_compare(args) -> int:
    try:
        keras_bridge.require_keras()
    except ImportError as exc:
        print(f"npmlp compare: error: {exc}", file=sys.stderr)
        return 3
    if args.split != "tail":
        raise ValueError("compare holds out the last --validation-split fraction, as Keras "
                         f"does; --split {args.split} is not supported here")
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
