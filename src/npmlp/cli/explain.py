"""npmlp explain: one mini-batch forward and back, with a gradient check."""

from __future__ import annotations

from npmlp.cli.options import (
    add_architecture_options,
    add_data_options,
    check_options,
    load_data,
    nonnegative_int,
    positive_float,
    positive_int,
)
from npmlp.diagnostics import explain


def add_command(sub) -> None:
    p = sub.add_parser("explain", help="trace one mini-batch forward and back, with gradcheck",
                       description="Run one mini-batch of SGD through a small float64 network "
                       "and print, layer by layer, the shapes and statistics of A_prev, Z, A, "
                       "dA, dZ, dW, db, the update of every parameter and a finite-difference "
                       "check of every gradient. Defaults: the seed's data and architecture.")
    add_data_options(p, csv=False)
    add_architecture_options(p)
    p.add_argument("--batch-size", type=positive_int, default=32,
                   help="rows in the batch: the first BATCH_SIZE of the data (default: 32)")
    p.add_argument("--learning-rate", type=positive_float, default=0.01,
                   help="SGD learning rate of the update shown (default: 0.01)")
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="seed for the data and the weights (default: 0)")
    p.add_argument("--plot", metavar="PATH",
                   help="draw per-layer histograms of activations and gradients to PATH")
    p.set_defaults(func=run_explain, check=check_options)


def run_explain(args) -> int:
    X, y = load_data(args)
    trace = explain.explain(X, y, layers=args.layers, units=args.units or 64,
                            activation=args.activation, batch_size=args.batch_size,
                            learning_rate=args.learning_rate, seed=args.seed)
    print(f"npmlp explain: one batch of {args.dataset or 'dummy'}")
    print("\n".join(explain.format_trace(trace)))
    if args.plot:
        explain.plot_trace(trace, args.plot)
        print(f"Wrote histograms to {args.plot}")
    return 0 if trace.gradcheck_passed else 1
