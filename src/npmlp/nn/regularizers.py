"""Weight penalties added to the loss, each with its gradient beside it (Keras semantics).

A regularizer is called on one array (a kernel ``W`` or a bias ``b``): ``penalty(W)`` joins the
loss, and ``add_gradient`` adds ``d penalty / dW`` to the data gradient before clipping.
"""

from __future__ import annotations

import numpy as np

from npmlp._validation import check_real


class Regularizer:
    """Base class: ``penalty(W) -> float``, ``gradient(W) -> d penalty / dW``."""

    name = "regularizer"

    def penalty(self, W: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(self, W: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def add_gradient(self, W: np.ndarray, dW: np.ndarray, scratch: np.ndarray) -> None:
        """dW += d penalty / dW (``scratch`` is W-shaped: nothing is allocated)."""
        np.add(dW, self.gradient(W, out=scratch), out=dW)

    def get_config(self) -> dict:
        raise NotImplementedError


class L2(Regularizer):
    """Penalty ``l2 * sum(W**2)`` added to the loss; gradient ``2 * l2 * W``.

    The gradient joins the data gradient before clipping. The seed's ``dW += lambda * W`` is
    ``L2(lambda / 2)``.
    """

    name = "l2"

    def __init__(self, l2: float = 0.01):
        self.l2 = check_real(l2, "l2", minimum=0.0)

    def penalty(self, W: np.ndarray) -> float:
        """l2 * sum(W^2)."""
        return self.l2 * float(np.sum(np.square(W)))

    def gradient(self, W: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """d penalty / dW = 2 l2 W."""
        return np.multiply(W, 2 * self.l2, out=out)

    def get_config(self) -> dict:
        return {"l2": self.l2}   # no "name": the format of files written before L1 existed

    def __repr__(self) -> str:
        return f"L2({self.l2})"


class L1(Regularizer):
    """Penalty ``l1 * sum(|W|)``; gradient ``l1 * sign(W)`` (0 at W = 0, as TensorFlow's
    ``abs`` gradient)."""

    name = "l1"

    def __init__(self, l1: float = 0.01):
        self.l1 = check_real(l1, "l1", minimum=0.0)

    def penalty(self, W: np.ndarray) -> float:
        """l1 * sum(|W|)."""
        return self.l1 * float(np.sum(np.abs(W)))

    def gradient(self, W: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """d penalty / dW = l1 sign(W)."""
        G = np.sign(W, out=out)
        return np.multiply(G, self.l1, out=G)

    def get_config(self) -> dict:
        return {"name": self.name, "l1": self.l1}

    def __repr__(self) -> str:
        return f"L1({self.l1})"


class L1L2(Regularizer):
    """Penalty ``l1 * sum(|W|) + l2 * sum(W**2)``; gradient ``l1 sign(W) + 2 l2 W``."""

    name = "l1_l2"

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = check_real(l1, "l1", minimum=0.0)
        self.l2 = check_real(l2, "l2", minimum=0.0)

    def penalty(self, W: np.ndarray) -> float:
        """l1 * sum(|W|) + l2 * sum(W^2) (Keras adds them in this order)."""
        return self.l1 * float(np.sum(np.abs(W))) + self.l2 * float(np.sum(np.square(W)))

    def gradient(self, W: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """l1 sign(W) + 2 l2 W (the training loop uses ``add_gradient``, which allocates
        nothing)."""
        G = np.sign(W, out=out)
        np.multiply(G, self.l1, out=G)
        return np.add(G, np.multiply(W, 2 * self.l2), out=G)

    def add_gradient(self, W: np.ndarray, dW: np.ndarray, scratch: np.ndarray) -> None:
        """dW += l1 sign(W); dW += 2 l2 W (two passes through ``scratch``: no allocation)."""
        np.sign(W, out=scratch)
        np.multiply(scratch, self.l1, out=scratch)
        np.add(dW, scratch, out=dW)
        np.multiply(W, 2 * self.l2, out=scratch)
        np.add(dW, scratch, out=dW)

    def get_config(self) -> dict:
        return {"name": self.name, "l1": self.l1, "l2": self.l2}

    def __repr__(self) -> str:
        return f"L1L2(l1={self.l1}, l2={self.l2})"


_CLASSES = {"l2": L2, "l1": L1, "l1_l2": L1L2}


def from_config(config: dict | None) -> Regularizer | None:
    """The regularizer a ``get_config()`` describes (a config without "name" is L2)."""
    if config is None:
        return None
    config = dict(config)
    name = config.pop("name", "l2")
    if name not in _CLASSES:
        raise ValueError(f"unknown regularizer {name!r}; expected one of {sorted(_CLASSES)}")
    return _CLASSES[name](**config)


def check(reg, argument: str) -> Regularizer | None:
    """``reg`` if it is a Regularizer or None, else TypeError naming ``argument``."""
    if reg is not None and not isinstance(reg, Regularizer):
        raise TypeError(f"{argument} must be npmlp.L1, npmlp.L2, npmlp.L1L2 or None, "
                        f"got {reg!r}")
    return reg
