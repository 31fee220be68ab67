"""Per-batch-size arrays of one layer, allocated once and reused by every step.

A training step writes the layer's ``Z`` and ``A`` on the way forward and ``dA`` on the way
back (``dZ`` overwrites ``dA`` in place), and keeps a reference to its input ``A_prev``. The
scratch arrays (``T``, ``S``, ``mask``, ``row``, the per-unit ``col``...) hold intermediate
results so that no operation allocates. Each array is made the first time it is used, so a
layer pays only for what its activation and loss need. A shorter batch (the last, partial
one) uses ``view(m)``: the first m rows of the same arrays (the per-unit ``col`` arrays, whose
shape does not depend on m, are shared whole).

An ensemble (``npmlp.ensemble``) stacks K members: with ``stack=K`` every array gets a leading
axis of K, (K, m, k), and the same formulas run on the stack (they reduce over the last axes).
"""

from __future__ import annotations

import math

import numpy as np

# name -> (shape as a function of (m, k), dtype or None for the layer's dtype, zero-filled)
_FIELDS = {
    "Z": (lambda m, k: (m, k), None, False),
    "A": (lambda m, k: (m, k), None, False),
    "dA": (lambda m, k: (m, k), None, False),      # dA, then dZ in place
    "T": (lambda m, k: (m, k), None, False),       # scratch: exp, g'(Z), loss terms
    "S": (lambda m, k: (m, k), None, False),
    "L": (lambda m, k: (m, k), None, False),       # per-element loss
    "zeros": (lambda m, k: (m, k), None, True),    # ReLU's max(Z, 0) against an array (faster)
    "mask": (lambda m, k: (m, k), bool, False),
    "mask2": (lambda m, k: (m, k), bool, False),
    "row": (lambda m, k: (m, 1), None, False),     # row max / row sums (softmax)
    "row2": (lambda m, k: (m, 1), None, False),
    "vec": (lambda m, k: (m,), None, False),       # per-sample values
    "Xhat": (lambda m, k: (m, k), None, False),    # BatchNormalization's normalised input
    "keep": (lambda m, k: (m, k), bool, False),    # Dropout's mask
    # per-unit (k,) vectors (batch statistics): the same arrays for every batch size
    "col": (lambda m, k: (k,), None, False),
    "col2": (lambda m, k: (k,), None, False),
    "col3": (lambda m, k: (k,), None, False),
    "col4": (lambda m, k: (k,), None, False),
}


class Workspace:
    """Arrays of shape (m, k) (``row``/``row2`` (m, 1), ``vec`` (m,)) in ``dtype``; with
    ``stack=K`` each has a leading axis of K: (K, m, k)."""

    def __init__(self, m: int, k: int, dtype, stack: int | None = None):
        self.m, self.k, self.dtype, self.stack = m, k, np.dtype(dtype), stack
        self.A_prev: np.ndarray | None = None    # the layer's input, kept for backward
        self._base: Workspace | None = None

    def __getattr__(self, name: str) -> np.ndarray:
        # Called only for an array not made yet: make it (or take the rows of the base's).
        spec = _FIELDS.get(name)
        if spec is None or name.startswith("_"):
            raise AttributeError(name)
        shape, dtype, zero = spec
        shape = shape(self.m, self.k) if self.stack is None else \
            (self.stack, *shape(self.m, self.k))
        if self._base is not None:
            # The base's arrays are C-contiguous scratch: their first elements, reshaped, are a
            # contiguous array of the smaller shape (for (m, k): exactly the first m rows).
            array = getattr(self._base, name).reshape(-1)[:math.prod(shape)].reshape(shape)
        else:
            make = np.zeros if zero else np.empty
            array = make(shape, dtype or self.dtype)
        setattr(self, name, array)
        return array

    @classmethod
    def like(cls, Z: np.ndarray) -> Workspace:
        """A fresh workspace shaped like a 2-D ``Z`` (for calls outside the training loop)."""
        Z = np.asarray(Z)
        if Z.ndim != 2:
            raise ValueError(f"expected a 2-D array (samples, units), got shape {Z.shape}")
        dtype = Z.dtype if np.issubdtype(Z.dtype, np.floating) else np.float64
        return cls(Z.shape[0], Z.shape[1], dtype)

    def view(self, m: int) -> Workspace:
        """The first ``m`` rows of every array (a shorter batch), in the base's memory."""
        v = Workspace(m, self.k, self.dtype, self.stack)
        v._base = self
        return v
