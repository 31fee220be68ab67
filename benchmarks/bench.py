"""``make bench`` (``python benchmarks/bench.py``): time npmlp against a hand-written NumPy
loop, a GEMM-only floor, Keras, PyTorch and scikit-learn on the same data, weights, batches
and optimizer.

Every framework trains from the same float32 initial weights with plain SGD (lr 0.01) on the
same consecutive batches (no shuffling, so scikit-learn's batches are ours too). Before any
time is reported, each one's final training loss (computed here, in float64, from its trained
weights) must equal npmlp's to 3 significant digits; a mismatch is reported instead of a
time. Runs are interleaved (warm-up, then ``repeats`` rounds of every framework in turn) and
the median, min and max wall times are reported, with each peer's time over npmlp's.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from peers import RUNNERS, Unavailable

from npmlp import MLP, Dense
from npmlp._files import atomic_write
from npmlp.plotting import new_figure, save_figure

WORKLOADS = ("seed", "medium", "large")
FRAMEWORKS = ("npmlp", "handwritten", "gemm-floor", "sklearn", "torch",
              "keras")


@dataclass
class Workload:
    """Training data and settings shared by every runner (X, Y float32; labels int)."""

    name: str
    X: np.ndarray
    labels: np.ndarray
    hidden: tuple
    batch_size: int
    epochs: int
    lr: float = 0.01
    init: list = field(default_factory=list)

    @property
    def units(self) -> int:
        return 1 if len(np.unique(self.labels)) <= 2 else int(self.labels.max()) + 1

    @property
    def out_activation(self) -> str:
        return "sigmoid" if self.units == 1 else "softmax"

    @property
    def y(self) -> np.ndarray:
        return self.labels

    @property
    def Y(self) -> np.ndarray:
        if self.units == 1:
            return self.labels.astype(np.float32).reshape(-1, 1)
        return np.eye(self.units, dtype=np.float32)[self.labels]


def make_workload(name: str, quick: bool = False, seed: int = 0) -> Workload:
    """seed: 100 x 10 uniform, random 0/1 y, the first 80% trained on (validation_split 0.2),
    (64, 64, 64), batch 32, 100 epochs; medium: digits / 16, (128, 64), batch 64, 50 epochs;
    large: 200000 x 100 normal, y from a random teacher network, (512, 256), batch 256, 2
    epochs. ``quick`` shrinks each to a smoke-test size."""
    rng = np.random.default_rng(seed)
    if name == "seed":
        X = rng.uniform(size=(100, 10))
        y = rng.integers(0, 2, size=100)
        w = Workload(name, X[:80], y[:80], (64, 64, 64), 32, 3 if quick else 100)
    elif name == "medium":
        from npmlp import datasets

        X, y = datasets.load("digits")
        X = X / 16.0
        if quick:
            X, y = X[:200], y[:200]
        w = Workload(name, X, y, (128, 64), 64, 2 if quick else 50)
    elif name == "large":
        n = 2000 if quick else 200_000
        X = rng.normal(size=(n, 100)).astype(np.float32)
        W1 = rng.normal(size=(100, 32)).astype(np.float32) / 10
        W2 = rng.normal(size=(32,)).astype(np.float32)
        score = np.tanh(X @ W1) @ W2
        y = (score > np.median(score)).astype(np.int64)
        w = Workload(name, X, y, (64, 32) if quick else (512, 256), 256, 1 if quick else 2)
    else:
        raise ValueError(f"workload must be one of {WORKLOADS}, got {name!r}")
    w.X = np.ascontiguousarray(w.X, dtype=np.float32)
    w.labels = np.asarray(w.labels, dtype=np.int64)
    w.init = initial_weights(w, seed)
    return w


def initial_weights(w: Workload, seed: int) -> list[np.ndarray]:
    """npmlp's default initialisation (Glorot uniform, zero biases) in float32."""
    layers = [Dense(h, "relu") for h in w.hidden] + [Dense(w.units, w.out_activation)]
    return MLP(layers, input_dim=w.X.shape[1], seed=seed, dtype="float32").get_weights()


def training_loss(w: Workload, weights: list[np.ndarray]) -> float:
    """Mean cross-entropy of the trained weights on the training set, in float64."""
    A = w.X.astype(np.float64)
    Ws, bs = weights[0::2], weights[1::2]
    for W, b in zip(Ws[:-1], bs[:-1]):
        A = np.maximum(A @ W + b, 0)
    Z = A @ Ws[-1].astype(np.float64) + bs[-1]
    if w.units == 1:
        z, y = Z[:, 0], w.labels
        return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))
    S = Z - Z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(S).sum(axis=1))
    return float(np.mean(lse - S[np.arange(len(S)), w.labels]))


def same_to_3_digits(a: float, b: float) -> bool:
    return f"{a:.3g}" == f"{b:.3g}" or abs(a - b) <= 5e-4 * abs(b)


def thread_info() -> list[dict]:
    """threadpoolctl's view of the BLAS/OpenMP pools (empty if it is not installed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [{k: d.get(k) for k in ("internal_api", "num_threads", "architecture", "version")}
            for d in threadpool_info()]


def bench_workload(w: Workload, frameworks, repeats: int, threads: int, log=print) -> dict:
    """Warm up each framework once (checking its loss), then ``repeats`` interleaved rounds."""
    runners, results = {}, {}
    for name in frameworks:
        try:
            runners[name] = RUNNERS[name](w, threads)
        except Unavailable as exc:
            results[name] = {"status": "unavailable", "reason": str(exc)}
    losses = {}
    for name, r in list(runners.items()):
        r.reset()
        r.run()  # warm-up
        weights = r.weights()
        losses[name] = None if weights is None else training_loss(w, weights)
    ref = losses.get("npmlp")
    for name in list(runners):
        loss = losses[name]
        if loss is not None and ref is not None and not same_to_3_digits(loss, ref):
            results[name] = {"status": "LOSS MISMATCH", "loss": loss, "npmlp_loss": ref}
            log(f"!!! {w.name}: {name} ends at training loss {loss:.6g} but npmlp at "
                f"{ref:.6g}: settings differ, no time reported")
            del runners[name]
    times = {name: [] for name in runners}
    for _ in range(repeats):
        for name, r in runners.items():
            r.reset()
            t0 = time.perf_counter()
            r.run()
            times[name].append(time.perf_counter() - t0)
    samples = w.X.shape[0] * w.epochs
    base = statistics.median(times["npmlp"]) if "npmlp" in times else None
    for name, ts in times.items():
        med = statistics.median(ts)
        results[name] = {"status": "ok", "median_s": med, "min_s": min(ts), "max_s": max(ts),
                         "times_s": ts, "samples_per_s": samples / med, "loss": losses[name],
                         "over_npmlp": None if base is None else med / base}
    note = getattr(runners.get("keras"), "note", "")
    return {"workload": w.name, "n_train": int(w.X.shape[0]), "features": int(w.X.shape[1]),
            "hidden": list(w.hidden), "units": w.units, "batch_size": w.batch_size,
            "epochs": w.epochs, "repeats": repeats, "results": results, "keras_note": note}


def format_table(report: dict) -> str:
    """The results of one workload as a text table."""
    r = report
    lines = [f"== {r['workload']}: {r['n_train']} x {r['features']} -> {r['hidden']} -> "
             f"{r['units']}, batch {r['batch_size']}, {r['epochs']} epochs, "
             f"{r['repeats']} repeats",
             f"{'framework':<17}{'median s':>10}{'min-max s':>20}{'samples/s':>12}"
             f"{'x npmlp':>9}{'loss':>10}"]
    for name, res in r["results"].items():
        if res["status"] != "ok":
            lines.append(f"{name:<17}{res['status']}: {res.get('reason', res.get('loss'))}")
            continue
        loss = "-" if res["loss"] is None else f"{res['loss']:.4g}"
        ratio = "-" if res["over_npmlp"] is None else f"{res['over_npmlp']:.2f}"
        spread = f"{res['min_s']:.4f}-{res['max_s']:.4f}"
        lines.append(f"{name:<17}{res['median_s']:>10.4f}{spread:>20}"
                     f"{res['samples_per_s']:>12.0f}{ratio:>9}{loss:>10}")
    floor = r["results"].get("gemm-floor", {})
    if floor.get("status") == "ok" and floor.get("over_npmlp"):
        lines.append(f"npmlp / GEMM floor: {1 / floor['over_npmlp']:.2f}")
    if r.get("keras_note"):
        lines.append(f"note: {r['keras_note']}")
    return "\n".join(lines)


def plot(reports: list[dict], path: Path) -> Path:
    """A bar chart of median times (log scale), one group per workload."""
    fig = new_figure(4 + 3 * len(reports), 4)
    ax = fig.subplots()
    names = [n for n in FRAMEWORKS if any(n in r["results"] for r in reports)]
    width = 0.8 / max(1, len(names))
    for j, name in enumerate(names):
        xs, hs = [], []
        for i, r in enumerate(reports):
            res = r["results"].get(name, {})
            if res.get("status") == "ok":
                xs.append(i + j * width)
                hs.append(res["median_s"])
        ax.bar(xs, hs, width, label=name)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(reports))],
                  [r["workload"] for r in reports])
    ax.set_yscale("log")
    ax.set_ylabel("median training time (s)")
    ax.set_title("Same weights, batches and SGD: time to train (lower is better)")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def run(workloads=("seed", "medium"), *, quick: bool = False, repeats: int = 5,
        out: str | Path | None = "bench", frameworks=FRAMEWORKS, threads: int | None = None,
        log=print) -> dict:
    """Benchmark each workload; print tables; write bench.json and bench.png under ``out``."""
    for name in workloads:
        if name not in WORKLOADS:
            raise ValueError(f"workload must be one of {WORKLOADS}, got {name!r}")
    for name in frameworks:
        if name not in FRAMEWORKS:
            raise ValueError(f"frameworks: unknown {name!r}; choose from {FRAMEWORKS}")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an int >= 1, got {repeats!r}")
    frameworks = ["npmlp", *[f for f in frameworks if f != "npmlp"]]  # npmlp is the baseline
    threads = threads or os.cpu_count() or 1
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        from contextlib import nullcontext as threadpool_limits
    reports = []
    with threadpool_limits(threads):
        info = thread_info()
        log(f"threads: {threads} for every framework; BLAS pools: {info}")
        for name in workloads:
            report = bench_workload(make_workload(name, quick), frameworks, repeats, threads,
                                    log)
            log(format_table(report))
            reports.append(report)
    result = {"threads": threads, "threadpools": info, "quick": quick,
              "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"), "workloads": reports}
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        text = json.dumps(result, indent=2)
        atomic_write(out / "bench.json", lambda f: f.write(text.encode()))
        plot(reports, out / "bench.png")
        log(f"wrote {out / 'bench.json'} and {out / 'bench.png'}")
    return result


def main(argv=None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="Train the same network from the same weights on "
                                "the same batches with every framework (plain SGD, float32), "
                                "check they end at the same loss, report interleaved times.")
    p.add_argument("--workload", default="all", choices=[*WORKLOADS, "all"],
                   help="which workload (default: all; 'large' takes minutes)")
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    p.add_argument("--repeats", type=int, default=5,
                   help="timed rounds per framework, interleaved (default: 5)")
    p.add_argument("--out", default="bench", help="folder for bench.json and bench.png")
    p.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS),
                   help="frameworks to time (npmlp is always included)")
    p.add_argument("--threads", type=int, default=None,
                   help="threads for every framework (default: all cores)")
    args = p.parse_args(argv)
    workloads = WORKLOADS if args.workload == "all" else (args.workload,)
    run(workloads, quick=args.quick, repeats=args.repeats, out=args.out,
        frameworks=args.frameworks, threads=args.threads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
