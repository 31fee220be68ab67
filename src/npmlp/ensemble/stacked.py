"""K members of one architecture as one model: every parameter stacked on a leading axis.

Member k's parameters are row k of one ``(K, n)`` array, laid out exactly as a single model's
flat array, so ``W`` of a layer is a ``(K, fan_in, fan_out)`` view and ``b`` ``(K, fan_out)``.
``StackedMLP`` is an ``MLP`` whose layers hold those views: the same ``forward``,
``backward`` and losses run on ``(K, m, width)`` arrays (one batched product per layer; every
reduction is over the last axes), and the optimizer's own ``update_step`` runs once on the
``(K, n)`` array, with per-member hyper-parameters as ``(K, 1)`` arrays that broadcast.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from npmlp.model.mlp import MLP, PREDICT_BATCH
from npmlp.nn.layers import Dense
from npmlp.nn.regularizers import L2


def stacked_views(flat: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Views (K, *shape) of the consecutive column blocks of ``flat`` (K, n)."""
    views, offset = [], 0
    for shape in shapes:
        size = math.prod(shape)
        views.append(flat[:, offset:offset + size].reshape(flat.shape[0], *shape))
        offset += size
    return views


class StackedParameters:
    """``flat`` and ``grad`` (K, n), with ``arrays``/``grads``: their (K, *shape) views."""

    def __init__(self, flat: np.ndarray, shapes: list[tuple[int, ...]]):
        self.shapes = [tuple(s) for s in shapes]
        self.flat = flat
        self.grad = np.zeros_like(flat)
        self.arrays = stacked_views(self.flat, self.shapes)
        self.grads = stacked_views(self.grad, self.shapes)


class StackedL2(L2):
    """L2 with one coefficient per member: ``l2`` (K, 1, 1) in the weights' dtype, for the
    inherited gradient ``2 l2 W`` (a Python float meets a float32 W as float32 too);
    ``penalty`` is (K,), in float64 as one model's."""

    def __init__(self, l2: np.ndarray, dtype=np.float64):
        super().__init__(0.0)
        self.coefficients = np.asarray(l2, np.float64)
        self.l2 = self.coefficients.astype(dtype).reshape(-1, 1, 1)

    def penalty(self, W: np.ndarray) -> np.ndarray:
        """l2_k * sum(W_k^2) for each member."""
        return self.coefficients * np.sum(np.square(W), axis=(-2, -1)).astype(np.float64)


class StackedMLP(MLP):
    """Members of one architecture trained together (see the module docstring).

    ``hyper`` maps ``learning_rate`` and ``momentum`` to per-member arrays (K,); ``layer_l2``
    gives each layer's L2 coefficients per member (K,), or None for a layer without one."""

    def __init__(self, template: MLP, flat: np.ndarray, hyper: dict[str, np.ndarray],
                 layer_l2: list[np.ndarray | None], state: dict[str, np.ndarray] | None = None,
                 iterations: int = 0):
        for i, layer in enumerate(template.layers):
            # the stacked arithmetic is Dense's (batched products over the last axes)
            if type(layer) is not Dense or not layer.use_bias or \
                    layer.bias_regularizer is not None:
                raise ValueError(f"an ensemble stacks Dense layers with a bias and at most an "
                                 f"L2 kernel regularizer; layer {i} is {layer!r}")
        super().__init__(copy.deepcopy(template.layers), loss=template.loss,
                         optimizer=copy.deepcopy(template.optimizer), dtype=template.dtype)
        self.stack = flat.shape[0]
        self.hyper, self.layer_l2 = hyper, layer_l2
        self.encoder, self.kind = template.encoder, template.kind
        opt = self.optimizer
        opt.state, opt.iterations = None, iterations
        self.learning_rate = None
        # In the weights' dtype: a float scalar meets float32 arrays as float32, and so do these
        # (SGD and RMSprop then match one model bit for bit in float32 as well).
        dtype = flat.dtype
        if "learning_rate" in hyper:
            self.learning_rate = hyper["learning_rate"].astype(dtype).reshape(-1, 1)
        if "momentum" in hyper:
            opt.momentum = hyper["momentum"].astype(dtype).reshape(-1, 1)
            # One slot for all members: with momentum 0, v = 0 v - lr g and W += v is
            # W -= lr g exactly, the rule without momentum.
            opt.slots = ("velocity",) if opt.name == "sgd" else \
                tuple(dict.fromkeys(("v", "momentum", *opt.slots)))
        for layer, l2 in zip(self.layers, layer_l2):
            layer.kernel_regularizer = None if l2 is None else StackedL2(l2, dtype)
        self.build(template.input_dim, flat)
        opt.flat_state = {slot: np.zeros_like(flat) if state is None else state[slot]
                          for slot in opt.slots}
        self._tmp = (np.empty_like(flat), np.empty_like(flat))

    def build(self, input_dim: int, flat: np.ndarray | None = None) -> StackedMLP:
        """Bind the layers to views of ``flat`` (K, n): the members' weights, not drawn."""
        self.input_dim = input_dim
        specs, fan_in = [], input_dim
        for layer in self.layers:
            specs.append([shape for _, shape in layer.build(fan_in)])
            fan_in = layer.units
        self.parameters = StackedParameters(flat, [s for shapes in specs for s in shapes])
        self._counts = [len(shapes) for shapes in specs]
        self._bind()
        self._workspaces, self._work = {}, None
        return self

    def apply_gradients(self) -> None:
        """The optimizer's ``update_step`` once on the (K, n) parameters (no clipping)."""
        opt, P = self.optimizer, self.parameters
        lr = opt.current_learning_rate() if self.learning_rate is None else self.learning_rate
        opt.update_step(P.flat, P.grad, lr, opt.flat_state, self._tmp)
        opt.iterations += 1

    def subset(self, keep: np.ndarray) -> StackedMLP:
        """A new stack of the members ``keep`` (indices into this one), copied."""
        opt = self.optimizer
        template = copy.copy(self)
        template.optimizer = copy.copy(opt)
        template.optimizer.flat_state = None
        return StackedMLP(template, self.parameters.flat[keep],
                          {k: v[keep] for k, v in self.hyper.items()},
                          [None if l2 is None else l2[keep] for l2 in self.layer_l2],
                          {k: v[keep] for k, v in opt.flat_state.items()}, opt.iterations)

    def predict_stack(self, X: np.ndarray) -> np.ndarray:
        """Every member's output activations for X (n, d): (K, n, units)."""
        A = np.empty((self.stack, X.shape[0], self.layers[-1].units), self.dtype)
        cache: dict = {}
        for s in range(0, X.shape[0], PREDICT_BATCH):
            Xb = X[s:s + PREDICT_BATCH]
            work = self.workspace(Xb.shape[0], cache)
            Z = self._forward(Xb, work, training=False)
            self.layers[-1].activation.forward(Z, out=A[:, s:s + Xb.shape[0]], work=work[-1])
        return A
