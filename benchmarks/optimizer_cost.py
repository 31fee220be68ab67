"""Adam and RMSprop against plain SGD on the ``medium`` workload (digits / 16, 64-128-64-10,
batch 64, 50 epochs, float32): median fit time over interleaved repeats and the ratio to SGD.

    .venv/bin/python benchmarks/optimizer_cost.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import npmlp

OPTIMIZERS = {"sgd": lambda: npmlp.SGD(0.01), "adam": lambda: npmlp.Adam(),
              "rmsprop": lambda: npmlp.RMSprop()}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    X, y = npmlp.datasets.load("digits")
    X = (X / 16.0).astype(np.float32)
    times = {name: [] for name in OPTIMIZERS}
    for _ in range(args.repeats):
        for name, make in OPTIMIZERS.items():
            model = npmlp.MLP([npmlp.Dense(128), npmlp.Dense(64), npmlp.Dense(10, "softmax")],
                              optimizer=make(), seed=0)
            start = time.perf_counter()
            model.fit(X, y, batch_size=64, epochs=50, shuffle=False, verbose=0)
            times[name].append(time.perf_counter() - start)
    sgd = statistics.median(times["sgd"])
    for name, ts in times.items():
        median = statistics.median(ts)
        print(f"{name:<8} median {median:.3f} s  x SGD {median / sgd:.2f}")


if __name__ == "__main__":
    main()
