"""Every parameter of a model, and its gradient, as views of one flat array each.

Laid out once when the model is built and kept for its life: a layer's ``W`` is
``flat[offset:offset + fan_in * fan_out].reshape(fan_in, fan_out)``. An elementwise optimizer
then updates all parameters in a few ufunc calls on ``flat``, and a snapshot or a finiteness
check is one operation, while each layer still reads and writes its own named arrays.
"""

from __future__ import annotations

import math

import numpy as np


def split(flat: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Consecutive views of the 1-D ``flat`` with the given shapes."""
    views, offset = [], 0
    for shape in shapes:
        size = math.prod(shape)
        views.append(flat[offset:offset + size].reshape(shape))
        offset += size
    return views


class Parameters:
    """``flat`` (n,) and ``grad`` (n,), with ``arrays``/``grads``: their views, in order."""

    def __init__(self, shapes: list[tuple[int, ...]], dtype):
        self.shapes = [tuple(s) for s in shapes]
        total = sum(math.prod(s) for s in self.shapes)
        self.flat = np.zeros(total, dtype)
        self.grad = np.zeros(total, dtype)
        self.arrays = split(self.flat, self.shapes)
        self.grads = split(self.grad, self.shapes)

    def __getstate__(self) -> dict:
        return {"shapes": self.shapes, "flat": self.flat, "grad": self.grad}

    def __setstate__(self, state: dict) -> None:
        # A copy (deepcopy, pickle) must keep every array a view of the flat one.
        self.__dict__.update(state)
        self.arrays = split(self.flat, self.shapes)
        self.grads = split(self.grad, self.shapes)

    def like(self) -> list[np.ndarray]:
        """Views, laid out like the parameters, of a new zero flat array."""
        return split(np.zeros_like(self.flat), self.shapes)

    def __len__(self) -> int:
        return len(self.shapes)
