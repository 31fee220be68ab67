"""Mini-batches of an epoch: consecutive slices of the rows, or of a shuffled order.

Shuffled rows are gathered with one ``np.take`` per chunk of whole batches (at most
``CHUNK_BYTES``, so memory stays at the dataset plus one chunk) into a contiguous buffer,
instead of fancy-indexing every batch: the values are the same, the calls fewer.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

CHUNK_BYTES = 4 << 20  # shuffled rows gathered per np.take: bounds the extra memory

Batch = tuple[np.ndarray, np.ndarray, np.ndarray | None]


def batches(X: np.ndarray, Y: np.ndarray, w: np.ndarray | None, order: np.ndarray | None,
            batch_size: int) -> Iterator[Batch]:
    """Yield ``(X[part], Y[part], w[part] or None)`` for consecutive parts of ``order`` (or
    of the rows). A yielded shuffled batch is overwritten when the next chunk is gathered
    (the loop uses it at once)."""
    n = X.shape[0]
    if order is None:
        for start in range(0, n, batch_size):
            part = slice(start, start + batch_size)
            yield X[part], Y[part], None if w is None else w[part]
        return
    row_bytes = (X.shape[1] + Y.shape[1] + (w is not None)) * X.itemsize
    chunk = min(n, max(1, CHUNK_BYTES // (row_bytes * batch_size)) * batch_size)
    Xc = np.empty((chunk, X.shape[1]), X.dtype)
    Yc = np.empty((chunk, Y.shape[1]), Y.dtype)
    wc = None if w is None else np.empty(chunk, w.dtype)
    for c0 in range(0, n, chunk):
        index = order[c0:c0 + chunk]
        k = len(index)
        np.take(X, index, axis=0, out=Xc[:k])          # X[order] for a whole chunk at once
        np.take(Y, index, axis=0, out=Yc[:k])
        if w is not None:
            np.take(w, index, out=wc[:k])
        for lo in range(0, k, batch_size):
            hi = min(lo + batch_size, k)
            yield Xc[lo:hi], Yc[lo:hi], None if wc is None else wc[lo:hi]
