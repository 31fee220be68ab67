"""Weight penalties added to the loss, each with its gradient beside it (Keras semantics)."""

from __future__ import annotations

import numpy as np

from npmlp._validation import check_real


class L2:
    """Penalty ``l2 * sum(W**2)`` added to the loss; gradient ``2 * l2 * W``.

    The gradient joins the data gradient before clipping. The seed's ``dW += lambda * W`` is
    ``L2(lambda / 2)``.
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = check_real(l2, "l2", minimum=0.0)

    def penalty(self, W: np.ndarray) -> float:
        """l2 * sum(W^2)."""
        return self.l2 * float(np.sum(np.square(W)))

    def gradient(self, W: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """d penalty / dW = 2 l2 W."""
        return np.multiply(W, 2 * self.l2, out=out)

    def add_gradient(self, W: np.ndarray, dW: np.ndarray, scratch: np.ndarray) -> None:
        """dW += 2 l2 W (``scratch`` is W-shaped)."""
        np.add(dW, self.gradient(W, out=scratch), out=dW)

    def get_config(self) -> dict:
        return {"l2": self.l2}

    def __repr__(self) -> str:
        return f"L2({self.l2})"
