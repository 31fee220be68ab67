"""How many BLAS threads training uses: chosen from the layer sizes, for the length of ``fit``.

Small products are faster on one thread: splitting a (32, 64) @ (64, 64) product over two
threads costs more in synchronisation than it saves (measured in ``benchmarks/NOTES.md``).
Above ``MIN_FLOPS_PER_THREAD`` multiply-adds per product the library's default thread count
is kept. The limit is set with threadpoolctl (as scikit-learn does around its own loops) and
put back when ``fit`` returns; ``fit(threads=N)`` overrides the choice.
"""

from __future__ import annotations

import contextlib

# The batch's largest product (m * fan_in * fan_out multiply-adds) below which one thread is
# faster: see benchmarks/NOTES.md, "BLAS threads".
MIN_FLOPS_PER_THREAD = 4_000_000

_controller = None


def _blas():
    """threadpoolctl's controller of the loaded BLAS libraries (made once: it scans them)."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController().select(user_api="blas")
    return _controller


def choose(model, batch_size: int) -> int | None:
    """1 for small products; None (keep the default) when the model is not built or large."""
    if not model.built:
        return None
    largest = max(batch_size * shape[0] * shape[1]
                  for shape in model.param_shapes(model.input_dim) if len(shape) == 2)
    return 1 if largest < MIN_FLOPS_PER_THREAD else None


@contextlib.contextmanager
def blas_threads(model, batch_size: int, threads: int | None = None):
    """Limit BLAS to ``threads`` (or the choice for this model) inside the block."""
    n = choose(model, batch_size) if threads is None else threads
    if n is None:
        yield
        return
    with _blas().limit(limits=n):
        yield
