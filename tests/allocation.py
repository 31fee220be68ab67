"""How many bytes the training step allocates once its buffers exist (tracemalloc)."""

from __future__ import annotations

import tracemalloc


def bytes_allocated_by_steps(model, X, y, rounds: int = 5) -> int:
    """Bytes still held after ``rounds`` pairs of a full (32-row) and a short (18-row) step,
    measured after one warm-up pair has made every buffer."""
    Xf, Y = model._prepare(X, y, fitting=True)
    if not model.built:
        model.build(Xf.shape[1])
    parts = (slice(0, 32), slice(32, 50))
    for part in parts:
        model.train_step(Xf[part], Y[part])
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(rounds):
            for part in parts:
                model.train_step(Xf[part], Y[part])
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    return sum(s.size_diff for s in after.compare_to(before, "filename") if s.size_diff > 0)
