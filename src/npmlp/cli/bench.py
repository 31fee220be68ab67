"""npmlp bench: time npmlp against its peers on the same work."""

from __future__ import annotations

from npmlp.cli.options import positive_int


def add_command(sub) -> None:
    from npmlp.bench import FRAMEWORKS, WORKLOADS

    p = sub.add_parser("bench", help="time npmlp against Keras, PyTorch, scikit-learn, ...",
                       description="Train the same network from the same weights on the same "
                       "batches with every framework (plain SGD, float32), check they end at "
                       "the same loss, and report interleaved wall times.")
    p.add_argument("--workload", default="all", choices=[*WORKLOADS, "all"],
                   help="which workload (default: all; 'large' takes minutes)")
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    p.add_argument("--repeats", type=positive_int, default=5,
                   help="timed rounds per framework, interleaved (default: 5)")
    p.add_argument("--out", default="bench", help="folder for bench.json and bench.png")
    p.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS),
                   help="frameworks to time (npmlp is always included)")
    p.add_argument("--threads", type=positive_int, default=None,
                   help="threads for every framework (default: all cores)")
    p.set_defaults(func=run_bench)


def run_bench(args) -> int:
    from npmlp import bench

    workloads = bench.WORKLOADS if args.workload == "all" else (args.workload,)
    bench.run(workloads, quick=args.quick, repeats=args.repeats, out=args.out,
              frameworks=args.frameworks, threads=args.threads)
    return 0
