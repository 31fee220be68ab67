"""The Dense layer and its L2 regularizer.

Notation: rows are samples. ``A_prev`` is ``(m, fan_in)``, ``W`` is ``(fan_in, fan_out)``
(Keras's kernel layout), ``b`` is ``(fan_out,)``, ``Z`` and ``A`` are ``(m, fan_out)``.
Ng's and Nielsen's texts write the transpose (``Z = W A_prev + b`` with samples as columns).
"""

from __future__ import annotations

import numpy as np

from npmlp import activations, initializers
from npmlp._validation import check_positive_int, check_real


class L2:
    """Penalty ``l2 * sum(W**2)`` added to the loss; gradient ``2 * l2 * W`` (Keras semantics).

    The gradient joins the data gradient before clipping. The seed's ``dW += lambda * W`` is
    ``L2(lambda / 2)``.
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = check_real(l2, "l2", minimum=0.0)

    def penalty(self, W: np.ndarray) -> float:
        """l2 * sum(W^2)."""
        return self.l2 * float(np.sum(np.square(W)))

    def gradient(self, W: np.ndarray) -> np.ndarray:
        """d penalty / dW = 2 l2 W."""
        return (2 * self.l2) * W

    def get_config(self) -> dict:
        return {"l2": self.l2}

    def __repr__(self) -> str:
        return f"L2({self.l2})"


class Dense:
    """A fully connected layer: ``Z = A_prev @ W + b``, ``A = g(Z)``.

    ``forward`` caches ``A_prev``, ``Z`` and ``A``; ``backward(dZ)`` stores
    ``dW = A_prev.T @ dZ`` and ``db = sum(dZ, axis=0)`` and returns ``dA_prev = dZ @ W.T``.
    ``dZ`` is the gradient of the batch-mean loss, so the 1/m is already inside it.
    """

    def __init__(
        self,
        units: int,
        activation: str | activations.Activation = "relu",
        kernel_initializer=None,
        kernel_regularizer: L2 | None = None,
    ):
        self.units = check_positive_int(units, "units")
        self.activation = activations.get(activation)
        name = kernel_initializer or initializers.default_for(self.activation.name)
        self.kernel_initializer = initializers.get(name)
        if kernel_regularizer is not None and not isinstance(kernel_regularizer, L2):
            raise TypeError(
                f"kernel_regularizer must be npmlp.L2 or None, got {kernel_regularizer!r}"
            )
        self.kernel_regularizer = kernel_regularizer
        self.W: np.ndarray | None = None
        self.b: np.ndarray | None = None
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None
        self.cache: tuple | None = None

    @property
    def built(self) -> bool:
        return self.W is not None

    def build(self, fan_in: int, rng: np.random.Generator, dtype) -> None:
        """Draw W with the kernel initializer; b starts at zero."""
        self.W = self.kernel_initializer(fan_in, self.units, rng, dtype)
        self.b = np.zeros(self.units, dtype=dtype)

    @property
    def params(self) -> list[np.ndarray]:
        return [self.W, self.b]

    @property
    def grads(self) -> list[np.ndarray]:
        return [self.dW, self.db]

    def linear(self, A_prev: np.ndarray) -> np.ndarray:
        """Z = A_prev @ W + b."""
        return A_prev @ self.W + self.b

    def forward(self, A_prev: np.ndarray, training: bool = True) -> np.ndarray:
        """Z = A_prev @ W + b; A = g(Z). Caches (A_prev, Z, A) when training."""
        Z = self.linear(A_prev)
        A = self.activation.forward(Z)
        if training:
            self.cache = (A_prev, Z, A)
        return A

    def backward(self, dZ: np.ndarray, need_dA_prev: bool = True) -> np.ndarray | None:
        """From dZ (m, fan_out): dW = A_prev.T @ dZ (+ 2 l2 W), db = sum_rows(dZ),
        dA_prev = dZ @ W.T (skipped for the first layer, which has no use for it)."""
        A_prev, _, _ = self.cache
        self.dW = A_prev.T @ dZ
        if self.kernel_regularizer is not None:
            self.dW += self.kernel_regularizer.gradient(self.W)
        self.db = np.sum(dZ, axis=0)
        return dZ @ self.W.T if need_dA_prev else None

    def penalty(self) -> float:
        """The regularization term this layer adds to the loss (0 without a regularizer)."""
        return 0.0 if self.kernel_regularizer is None else self.kernel_regularizer.penalty(self.W)

    def get_config(self) -> dict:
        return {
            "units": self.units,
            "activation": self.activation.get_config(),
            "kernel_initializer": initializers.name_of(self.kernel_initializer),
            "kernel_regularizer": (
                None if self.kernel_regularizer is None else self.kernel_regularizer.get_config()
            ),
        }

    @classmethod
    def from_config(cls, config: dict) -> Dense:
        act = dict(config["activation"])
        activation = activations.get(act.pop("name"), **act)
        reg = config.get("kernel_regularizer")
        return cls(
            config["units"],
            activation=activation,
            kernel_initializer=config.get("kernel_initializer"),
            kernel_regularizer=None if reg is None else L2(**reg),
        )

    def __repr__(self) -> str:
        return f"Dense({self.units}, activation={self.activation.name!r})"
