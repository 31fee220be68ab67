"""Layers: each owns its forward and backward pass, its parameters and its configuration.

Notation: rows are samples. ``A_prev`` is ``(m, fan_in)``, ``W`` is ``(fan_in, fan_out)``
(Keras's kernel layout), ``b`` is ``(fan_out,)``, ``Z`` and ``A`` are ``(m, fan_out)``.
Ng's and Nielsen's texts write the transpose (``Z = W A_prev + b`` with samples as columns).

A layer's life: ``build(fan_in)`` names the shapes of its parameters; the model lays every
parameter out in one flat array and hands each layer its views (``bind``); ``initialize``
draws the starting values. A layer with non-trainable arrays (BatchNormalization's moving
statistics) names them in ``state_shapes()``; the model lays them out in a second flat array
(never touched by the optimizer) and hands the views, and its generator, to ``bind_state``.
Each step then calls ``forward(A_prev, work)`` and
``backward(dA, work)`` with the layer's ``Workspace`` for that batch size, so nothing is
allocated; ``dW`` and ``db`` hold the gradient of the batch-mean loss (the ``1/m`` is already
inside ``dZ``).

Every formula also runs on a stack of K members (``npmlp.ensemble``): ``W`` (K, fan_in,
fan_out), ``b`` (K, fan_out), ``A_prev`` (K, m, fan_in); ``@`` is then one batched product and
the sums and transposes act on the last two axes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from npmlp._validation import check_positive_int
from npmlp.nn import activations, initializers, regularizers
from npmlp.nn.workspace import Workspace

Trace = Callable[[str, np.ndarray], None]  # trace(name, array): records a step (npmlp explain)


def layer_name(index: int, layer) -> str:
    """Keras-style ``<snake_case class>_<index>``: ``dense_0``, ``dense_1``, ... (the names
    ``npmlp.compare.to_keras`` gives its layers, so a .safetensors and a .keras file agree)."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", type(layer).__name__).lower()
    return f"{snake}_{index}"


class Layer:
    """Base class. ``activation`` is the layer's last elementwise function (the loss may fuse
    it: the logits path); ``units`` is the output width once built."""

    activation: activations.Activation = activations.Linear()
    units: int

    def build(self, fan_in: int) -> list[tuple[str, tuple[int, ...]]]:
        """Fix the input width; return [(name, shape)] of the trainable parameters."""
        raise NotImplementedError

    def bind(self, arrays: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Take the views that hold the parameters and their gradients."""

    def state_shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        """[(name, shape)] of the non-trainable arrays (after ``build``); saved and restored,
        listed after the trainable ones in ``get_weights`` (Keras's order)."""
        return []

    def bind_state(self, arrays: list[np.ndarray], rng: np.random.Generator) -> None:
        """Take the views of the non-trainable arrays, and the model's generator (the one
        source of randomness: a seed reproduces a run, a saved state continues it)."""

    def initialize(self, rng: np.random.Generator) -> None:
        """Draw the starting values into the bound parameters."""

    @property
    def params(self) -> list[np.ndarray]:
        return []

    @property
    def grads(self) -> list[np.ndarray]:
        return []

    def workspace(self, m: int, dtype, stack: int | None = None) -> Workspace:
        return Workspace(m, self.units, dtype, stack)

    def forward(self, A_prev: np.ndarray, work: Workspace, training: bool = True) -> np.ndarray:
        """A = g(pre_activation(A_prev)), written into ``work.A``."""
        Z = self.pre_activation(A_prev, work, training)
        return self.activation.forward(Z, out=work.A, work=work)

    def pre_activation(self, A_prev: np.ndarray, work: Workspace,
                       training: bool = True) -> np.ndarray:
        """Z, written into ``work.Z``; remembers A_prev for backward."""
        raise NotImplementedError

    def backward(self, dA: np.ndarray, work: Workspace, dA_prev: np.ndarray | None = None,
                 trace: Trace | None = None) -> np.ndarray | None:
        """dZ = dA * g'(Z) (in place in dA), then ``backward_linear``."""
        if trace is not None:
            trace("dA", dA)
        dZ = self.activation.backward(dA, work.Z, work.A, out=dA, work=work)
        return self.backward_linear(dZ, work, dA_prev, trace)

    def backward_linear(self, dZ: np.ndarray, work: Workspace,
                        dA_prev: np.ndarray | None = None,
                        trace: Trace | None = None) -> np.ndarray | None:
        """Gradients from dZ; returns dA_prev (into ``dA_prev``), or None when not wanted."""
        raise NotImplementedError

    def penalty(self) -> float:
        """The regularization term this layer adds to the loss."""
        return 0.0

    @property
    def regularized(self) -> bool:
        """True when ``penalty`` can be nonzero."""
        return False

    def get_config(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        config = {k: v for k, v in config.items() if k != "class"}
        return cls(**config)


class Dense(Layer):
    """A fully connected layer: ``Z = A_prev @ W + b``, ``A = g(Z)``.

    ``backward`` stores ``dW = A_prev.T @ dZ`` (plus the regularizer's gradient, e.g.
    ``2 l2 W``) and ``db = sum(dZ, axis=0)`` and returns ``dA_prev = dZ @ W.T``. With
    ``use_bias=False`` there is no ``b`` (``Z = A_prev @ W``: the layer before a
    BatchNormalization, whose ``beta`` does the bias's job).
    """

    def __init__(
        self,
        units: int,
        activation: str | activations.Activation = "relu",
        kernel_initializer=None,
        kernel_regularizer: regularizers.Regularizer | None = None,
        use_bias: bool = True,
        bias_regularizer: regularizers.Regularizer | None = None,
    ):
        self.units = check_positive_int(units, "units")
        self.activation = activations.get(activation)
        name = kernel_initializer or initializers.default_for(self.activation.name)
        self.kernel_initializer = initializers.get(name)
        self.kernel_regularizer = regularizers.check(kernel_regularizer, "kernel_regularizer")
        if not isinstance(use_bias, bool):
            raise TypeError(f"use_bias must be True or False, got {use_bias!r}")
        self.use_bias = use_bias
        self.bias_regularizer = regularizers.check(bias_regularizer, "bias_regularizer")
        if bias_regularizer is not None and not use_bias:
            raise ValueError("bias_regularizer needs use_bias=True (there is no bias)")
        self.fan_in: int | None = None
        self.W: np.ndarray | None = None
        self.b: np.ndarray | None = None
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None

    @property
    def built(self) -> bool:
        return self.W is not None

    def build(self, fan_in):
        self.fan_in = fan_in
        return [("W", (fan_in, self.units))] + ([("b", (self.units,))] if self.use_bias else [])

    def bind(self, arrays, grads):
        self.W, self.b = (arrays + [None])[:2]
        self.dW, self.db = (grads + [None])[:2]
        # b as a row (1, fan_out): broadcasts over m; None without a bias
        self._b_row = None if self.b is None else self.b[..., None, :]
        self._W_T = np.swapaxes(self.W, -1, -2)      # W.T (of each member, for a stack)
        # room for the penalties' gradients, so that backward allocates nothing
        self._penalty_grad = None if self.kernel_regularizer is None else np.empty_like(self.W)
        self._bias_penalty_grad = None if self.bias_regularizer is None else np.empty_like(self.b)

    def initialize(self, rng):
        """W from the kernel initializer; b starts at zero."""
        self.W[...] = self.kernel_initializer(self.fan_in, self.units, rng, self.W.dtype)
        if self.b is not None:
            self.b[...] = 0

    @property
    def params(self) -> list[np.ndarray]:
        return [self.W] if self.b is None else [self.W, self.b]

    @property
    def grads(self) -> list[np.ndarray]:
        return [self.dW] if self.db is None else [self.dW, self.db]

    def linear(self, A_prev: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Z = A_prev @ W + b."""
        Z = np.matmul(A_prev, self.W, out=out)       # Z = A_prev @ W
        if self.b is None:
            return Z
        return np.add(Z, self._b_row, out=Z)         #     + b

    def pre_activation(self, A_prev, work, training=True):
        work.A_prev = A_prev
        return self.linear(A_prev, out=work.Z)

    def backward_linear(self, dZ, work, dA_prev=None, trace=None):
        """dW = A_prev.T @ dZ (+ the penalty's gradient), db = sum_rows(dZ), dA_prev =
        dZ @ W.T (skipped for the first layer, which has no use for it)."""
        if trace is not None:
            trace("dZ", dZ)
        A_prev_T = np.swapaxes(work.A_prev, -1, -2)
        np.matmul(A_prev_T, dZ, out=self.dW)         # dW = A_prev.T @ dZ
        if self.kernel_regularizer is not None:
            self.kernel_regularizer.add_gradient(self.W, self.dW, self._penalty_grad)
        if self.db is not None:
            np.add.reduce(dZ, axis=-2, out=self.db)  # db = sum(dZ, axis=0)
            if self.bias_regularizer is not None:
                self.bias_regularizer.add_gradient(self.b, self.db, self._bias_penalty_grad)
        if dA_prev is None:
            return None
        if self.units == 1:                          # an outer product: OpenBLAS is slow at K=1
            return np.multiply(dZ, self._W_T, out=dA_prev)
        return np.matmul(dZ, self._W_T, out=dA_prev)  # dA_prev = dZ @ W.T

    def penalty(self):
        total = 0.0
        if self.kernel_regularizer is not None:
            total += self.kernel_regularizer.penalty(self.W)
        if self.bias_regularizer is not None:
            total += self.bias_regularizer.penalty(self.b)
        return total

    @property
    def regularized(self) -> bool:
        return self.kernel_regularizer is not None or self.bias_regularizer is not None

    def get_config(self) -> dict:
        config = {
            "units": self.units,
            "activation": self.activation.get_config(),
            "kernel_initializer": initializers.name_of(self.kernel_initializer),
            "kernel_regularizer": (
                None if self.kernel_regularizer is None else self.kernel_regularizer.get_config()
            ),
        }
        # written only when not the default, so that files stay readable by older versions
        if not self.use_bias:
            config["use_bias"] = False
        if self.bias_regularizer is not None:
            config["bias_regularizer"] = self.bias_regularizer.get_config()
        return config

    @classmethod
    def from_config(cls, config: dict) -> Dense:
        act = dict(config["activation"])
        activation = activations.get(act.pop("name"), **act)
        return cls(
            config["units"],
            activation=activation,
            kernel_initializer=config.get("kernel_initializer"),
            kernel_regularizer=regularizers.from_config(config.get("kernel_regularizer")),
            use_bias=config.get("use_bias", True),
            bias_regularizer=regularizers.from_config(config.get("bias_regularizer")),
        )

    def __repr__(self) -> str:
        bias = "" if self.use_bias else ", use_bias=False"
        return f"Dense({self.units}, activation={self.activation.name!r}{bias})"


class Activation(Layer):
    """An activation as its own layer: ``A = g(A_prev)`` (``Z`` is the input itself).

    ``backward``: ``dA_prev = dA * g'(Z)``. As the last layer it is the output activation,
    so the loss pairs with it (the logits path) exactly as with ``Dense(activation=...)``.
    """

    def __init__(self, activation: str | activations.Activation):
        if activation is None:
            raise TypeError("Activation needs an activation name, e.g. Activation('relu')")
        self.activation = activations.get(activation)

    def build(self, fan_in):
        self.units = fan_in
        return []

    def pre_activation(self, A_prev, work, training=True):
        work.A_prev = work.Z = A_prev               # Z = A_prev: nothing to compute
        return A_prev

    def backward_linear(self, dZ, work, dA_prev=None, trace=None):
        """dA_prev = dZ (the activation's derivative was applied by ``backward``)."""
        if trace is not None:
            trace("dZ", dZ)
        if dA_prev is None:
            return None
        np.copyto(dA_prev, dZ)
        return dA_prev

    def get_config(self) -> dict:
        return {"class": "Activation", "activation": self.activation.get_config()}

    @classmethod
    def from_config(cls, config: dict) -> Activation:
        act = dict(config["activation"])
        return cls(activations.get(act.pop("name"), **act))

    def __repr__(self) -> str:
        return f"Activation({self.activation.name!r})"
