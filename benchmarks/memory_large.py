"""Peak memory of npmlp training the ``large`` workload (float32), by tracemalloc.

Usage: python benchmarks/memory_large.py [--epochs N]. Reports the peak of (the data already
in memory + everything fit() allocates) against 1.3 x (dataset + parameters + one batch's
activations, Z and A of every layer), the issue's budget.
"""

from __future__ import annotations

import argparse
import tracemalloc

import bench
import numpy as np

from npmlp import MLP, SGD, Dense


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    w = bench.make_workload("large")
    resident = w.X.nbytes + w.labels.nbytes
    layers = [Dense(h, "relu") for h in w.hidden] + [Dense(1, "sigmoid")]
    model = MLP(layers, optimizer=SGD(w.lr), dtype="float32")
    model.set_weights(w.init)
    params = sum(p.nbytes for p in model.params)
    activations = 2 * w.batch_size * (sum(w.hidden) + 1) * 4
    dataset = w.X.nbytes + w.X.shape[0] * 4  # X and the encoded Y (n, 1) float32
    budget = 1.3 * (dataset + params + activations)
    tracemalloc.start()
    model.fit(w.X, w.labels, batch_size=w.batch_size, epochs=args.epochs, shuffle=True,
              verbose=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total = resident + peak
    mb = 1 / 2**20
    print(f"dataset {dataset * mb:.1f} MiB, params {params * mb:.2f} MiB, one batch's "
          f"activations {activations * mb:.2f} MiB -> budget 1.3x = {budget * mb:.1f} MiB")
    print(f"peak: data in memory {resident * mb:.1f} MiB + fit() {peak * mb:.1f} MiB = "
          f"{total * mb:.1f} MiB = {total / (budget / 1.3):.3f}x (dataset + params + "
          f"activations): {'within' if total <= budget else 'OVER'} the 1.3x budget")
    assert np.isfinite(model.history.history['loss']).all()


if __name__ == "__main__":
    main()
