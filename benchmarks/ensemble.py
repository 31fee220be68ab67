"""``make bench-ensemble`` (``python benchmarks/ensemble.py``): K members trained as one
``npmlp.Ensemble`` against K sequential ``MLP.fit`` calls and against one fit.

Workloads are ``bench.py``'s ``seed`` and ``medium`` (float32, SGD lr 0.01, shuffled batches:
an ensemble's real use), members seeded 0..K-1. Before any time is reported, member k's
final loss must equal the sequential fit's with seed k to 1e-5 (relative); the script stops
otherwise. Runs are interleaved (ensemble, sequential, one fit) ``--repeats`` times; the
median is reported. ``--sweep`` measures where stacking stops paying: K in 2, 8, 32 against
the hidden width (two hidden layers), sequential time = K x one fit (median of 3).

The share of the GEMM peak: the training products of a step (forward, dW, dA but the
first layer's), counted as 2 m fan_in fan_out flops each, over the ensemble's wall time
(everything included) and over a loop of the same batched products alone, against one
thread's sgemm on (1024, 1024) @ (1024, 1024).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from bench import make_workload
from threadpoolctl import threadpool_limits

import npmlp


def template(w, seed=None, hidden=None):
    layers = [npmlp.Dense(h, "relu") for h in (hidden or w.hidden)]
    return npmlp.MLP(layers + [npmlp.Dense(w.units, w.out_activation)],
                     optimizer=npmlp.SGD(w.lr), seed=seed, dtype="float32")


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def fit_ensemble(w, K, epochs=None, hidden=None):
    ens = npmlp.Ensemble(template(w, 0, hidden), K, seeds=range(K))
    ens.fit(w.X, w.y, batch_size=w.batch_size, epochs=epochs or w.epochs, verbose=0)
    return ens


def fit_one(w, seed, epochs=None, hidden=None):
    model = template(w, seed, hidden)
    model.fit(w.X, w.y, batch_size=w.batch_size, epochs=epochs or w.epochs, verbose=0)
    return model


def step_flops(w, hidden=None) -> float:
    """Multiply-adds x 2 of one full batch's training products."""
    sizes = [w.X.shape[1], *(hidden or w.hidden), w.units]
    m = w.batch_size
    total = 0
    for i, (fi, fo) in enumerate(zip(sizes[:-1], sizes[1:])):
        total += 2 * m * fi * fo * (2 if i == 0 else 3)
    return float(total)


def gemm_peak() -> float:
    """GFLOP/s of one thread's sgemm (1024, 1024) @ (1024, 1024), best of 5."""
    a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
    out = np.empty_like(a)
    best = min(timed(lambda: np.matmul(a, a, out=out))[0] for _ in range(5))
    return 2 * 1024 ** 3 / best / 1e9


def batched_products_gflops(w, K, steps=200) -> float:
    """GFLOP/s of the stacked training products alone (forward, dW, dA), as in a step."""
    sizes = [w.X.shape[1], *w.hidden, w.units]
    m = w.batch_size
    rng = np.random.default_rng(0)
    A = [rng.random((K, m, s), dtype=np.float32) for s in sizes]
    W = [rng.random((K, fi, fo), dtype=np.float32) for fi, fo in zip(sizes[:-1], sizes[1:])]
    dW = [np.empty_like(x) for x in W]

    def step():
        for i in range(len(W)):
            np.matmul(A[i], W[i], out=A[i + 1])
        for i in reversed(range(len(W))):
            np.matmul(np.swapaxes(A[i], -1, -2), A[i + 1], out=dW[i])
            if i:
                np.matmul(A[i + 1], np.swapaxes(W[i], -1, -2), out=A[i])
    step()
    t, _ = timed(lambda: [step() for _ in range(steps)])
    return step_flops(w) * K * steps / t / 1e9


def check_equal(w, ens, K, epochs=None):
    """Member k's final loss equals a sequential fit's with seed k (checked on up to 4)."""
    for k in sorted({0, K // 2, K - 1}):
        single = fit_one(w, k, epochs)
        a, b = single.history.loss[-1], ens.history[k].loss[-1]
        if abs(a - b) > 1e-5 * abs(a):
            sys.exit(f"member {k} loss {b} differs from the single fit's {a}")


def run_workload(name, Ks, repeats, sequential_cap, log):
    w = make_workload(name)
    rows = []
    for K in Ks:
        ens = fit_ensemble(w, K)             # warm-up and the equality check
        check_equal(w, ens, K)
        n_seq = min(K, sequential_cap)
        times = {"ensemble": [], "sequential": [], "one fit": []}
        for _ in range(repeats):
            times["ensemble"].append(timed(lambda K=K: fit_ensemble(w, K))[0])
            t, _ = timed(lambda n_seq=n_seq: [fit_one(w, s) for s in range(n_seq)])
            times["sequential"].append(t * K / n_seq)
            times["one fit"].append(timed(lambda: fit_one(w, 0))[0])
        med = {k: statistics.median(v) for k, v in times.items()}
        steps = -(-w.X.shape[0] // w.batch_size) * w.epochs
        row = {"workload": name, "K": K, **{f"{k} s": v for k, v in med.items()},
               "sequential fits timed": n_seq,
               "speed-up vs sequential": med["sequential"] / med["ensemble"],
               "ensemble / one fit": med["ensemble"] / med["one fit"],
               "members per s": K / med["ensemble"],
               "GFLOP/s (whole fit)": step_flops(w) * K * steps / med["ensemble"] / 1e9,
               "GFLOP/s (batched products alone)": batched_products_gflops(w, K)}
        log(json.dumps(row))
        rows.append(row)
    return rows


def sweep(log, widths=(32, 128, 512, 1024), Ks=(2, 8, 32)):
    """Speed-up of stacking against K x one fit, per (K, width)."""
    rng = np.random.default_rng(0)
    w = make_workload("seed")
    w.X = rng.random((256, 64), dtype=np.float32)
    w.labels = rng.integers(0, 2, 256)
    rows = []
    for width in widths:
        hidden = (width, width)
        one = statistics.median(timed(lambda s=s, h=hidden: fit_one(w, s, 2, h))[0]
                                for s in range(3))
        for K in Ks:
            fit_ensemble(w, K, 1, hidden)
            t = statistics.median(timed(lambda K=K, h=hidden: fit_ensemble(w, K, 2, h))[0]
                                  for _ in range(2))
            row = {"width": width, "K": K, "one fit s": one, "ensemble s": t,
                   "speed-up vs K fits": K * one / t}
            log(json.dumps(row))
            rows.append(row)
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--sequential-cap", type=int, default=32,
                   help="time at most this many sequential fits and scale to K")
    p.add_argument("--sweep", action="store_true", help="also the (K, width) break-even sweep")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default="runs/bench-ensemble")
    args = p.parse_args(argv)
    with threadpool_limits(limits=args.threads):
        report = {"threads": args.threads, "gemm peak GFLOP/s (1 thread)": gemm_peak()}
        print(json.dumps(report))
        report["seed"] = run_workload("seed", (8, 32, 128), args.repeats, args.sequential_cap,
                                      print)
        report["medium"] = run_workload("medium", (8, 32), args.repeats, args.sequential_cap,
                                        print)
        if args.sweep:
            report["sweep"] = sweep(print)
    for lib in ("torch", "jax"):
        try:
            __import__(lib)
            report[lib] = "installed but not timed here"
        except ImportError:
            report[lib] = "not installed: not timed"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ensemble.json").write_text(json.dumps(report, indent=1))
    print(f"wrote {out / 'ensemble.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
