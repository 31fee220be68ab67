"""When do two BLAS threads beat one? Times npmlp's training step at 1 and 2 threads for a grid
of batch sizes and layer widths (median over interleaved repeats) and prints the ratio with the
size of the batch's largest product (m * fan_in * fan_out), the quantity
``npmlp.training.threads`` decides on.

    .venv/bin/python benchmarks/blas_threads.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

import npmlp


def step_time(model, Xb, Yb, steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        model.train_step(Xb, Yb)
    return (time.perf_counter() - start) / steps


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=7)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'batch':>6} {'width':>6} {'largest product':>16} {'1 thread us':>12} "
          f"{'2 threads us':>13} {'2t / 1t':>8}")
    for m in (32, 64, 256):
        for width in (64, 128, 256, 512):
            model = npmlp.MLP([npmlp.Dense(width), npmlp.Dense(width), npmlp.Dense(1, "sigmoid")],
                              input_dim=width, seed=0, optimizer=npmlp.SGD(1e-4))
            Xb = rng.normal(size=(m, width)).astype(np.float32)
            Yb = (rng.random((m, 1)) > 0.5).astype(np.float32)
            steps = max(5, int(2e8 / (m * width * width * 6)))
            times = {1: [], 2: []}
            for _ in range(args.repeats):
                for n in (1, 2):
                    with threadpool_limits(n, user_api="blas"):
                        model.train_step(Xb, Yb)
                        times[n].append(step_time(model, Xb, Yb, steps))
            one, two = statistics.median(times[1]), statistics.median(times[2])
            print(f"{m:>6} {width:>6} {m * width * width:>16,} {one * 1e6:>12.1f} "
                  f"{two * 1e6:>13.1f} {two / one:>8.2f}")


if __name__ == "__main__":
    main()
