"""The optimizer base class: learning rate and schedule, clipping, state, iteration count.

One step (``apply``): ``lr = schedule(iterations)`` (or the constant rate); clip the gradients
(``clipnorm`` per parameter: ``g = g * c / max(||g||, c)``; or ``global_clipnorm``:
``g = g * c * min(1 / G, 1 / c)`` with ``G`` the norm of all gradients together); then
``update_step``; ``iterations += 1``. Subclasses hold only the update formula (Keras's
``update_step``); an optimizer never knows about layers.

State (``build``) is one flat array per slot, with per-parameter views in ``state`` (same order
as the parameters). When the parameters and gradients are themselves views of one flat array
each (a model's layout: ``apply(..., flat=(P, G))``), an elementwise rule runs once on the
whole of ``P``: a few ufunc calls per step instead of a few per parameter array.
"""

from __future__ import annotations

import math

import numpy as np

from npmlp._validation import check_real
from npmlp.nn.parameters import split
from npmlp.optimizers import schedules


class Optimizer:
    """Base class: per-parameter ``slots`` of state and one ``update_step`` formula."""

    name = "optimizer"
    slots: tuple[str, ...] = ()
    # The rule treats every entry alike (no norms, no shapes), so it may run on the flat array.
    elementwise = True

    def __init__(self, learning_rate=0.01, clipnorm: float | None = None,
                 global_clipnorm: float | None = None):
        if isinstance(learning_rate, schedules.LearningRateSchedule):
            self.learning_rate = learning_rate
        else:
            self.learning_rate = check_real(learning_rate, "learning_rate",
                                            minimum=0.0, exclusive_min=True)
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError("give clipnorm or global_clipnorm, not both")
        self.clipnorm = None if clipnorm is None else check_real(
            clipnorm, "clipnorm", minimum=0.0, exclusive_min=True)
        self.global_clipnorm = None if global_clipnorm is None else check_real(
            global_clipnorm, "global_clipnorm", minimum=0.0, exclusive_min=True)
        self.iterations = 0
        self.state: list[dict[str, np.ndarray]] | None = None
        self.flat_state: dict[str, np.ndarray] | None = None

    def current_learning_rate(self) -> float:
        """The rate for the next step: schedule(iterations) or the constant."""
        if isinstance(self.learning_rate, schedules.LearningRateSchedule):
            return float(self.learning_rate(self.iterations))
        return self.learning_rate

    def build(self, params: list[np.ndarray]) -> None:
        """Zero state for each slot, laid out like ``params``; scratch for the update."""
        total = sum(p.size for p in params)
        self._dtype = np.result_type(*params)
        self._shapes = [p.shape for p in params]
        self.flat_state = {slot: np.zeros(total, self._dtype) for slot in self.slots}
        self._lay_out()

    def _lay_out(self) -> None:
        """Per-parameter views of the flat state, and the scratch arrays."""
        shapes, dtype = self._shapes, self._dtype
        total = sum(math.prod(s) for s in shapes)
        per_slot = {slot: split(flat, shapes) for slot, flat in self.flat_state.items()}
        self.state = [{slot: per_slot[slot][i] for slot in self.slots}
                      for i in range(len(shapes))]
        self._flat_tmp = (np.empty(total, dtype), np.empty(total, dtype))
        self._tmp = list(zip(*(split(t, shapes) for t in self._flat_tmp)))
        self._flat_clipped = np.empty(total, dtype)
        self._clipped = split(self._flat_clipped, shapes)

    def __getstate__(self) -> dict:
        # Views are not kept by a copy: keep the flat state and lay the views out again.
        state = {k: v for k, v in self.__dict__.items()
                 if k not in ("state", "_flat_tmp", "_tmp", "_flat_clipped", "_clipped")}
        state["_built"] = self.state is not None
        return state

    def __setstate__(self, state: dict) -> None:
        built = state.pop("_built")
        self.__dict__.update(state)
        self.state = None
        if built:
            self._lay_out()

    def clip(self, grads: list[np.ndarray]) -> bool:
        """Write clipped gradients into ``self._clipped``; False when nothing is clipped."""
        if self.clipnorm is not None:
            c = self.clipnorm
            for g, out, (sq, _) in zip(grads, self._clipped, self._tmp):
                norm = float(np.sqrt(np.sum(np.multiply(g, g, out=sq))))  # ||g||
                np.multiply(g, c, out=out)
                np.divide(out, max(norm, c), out=out)   # g * c / max(||g||, c)
            return True
        if self.global_clipnorm is not None:
            c = self.global_clipnorm
            G = math.sqrt(sum(float(np.sum(np.multiply(g, g, out=sq)))
                              for g, (sq, _) in zip(grads, self._tmp)))
            if G == 0.0:
                return False
            for g, out in zip(grads, self._clipped):
                np.multiply(g, c * min(1.0 / G, 1.0 / c), out=out)
            return True
        return False

    def apply(self, params: list[np.ndarray], grads: list[np.ndarray],
              flat: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """One optimisation step, updating every parameter array in place.

        ``flat=(P, G)``: ``params`` and ``grads`` are consecutive views of P and G.
        """
        if self.state is None:
            self.build(params)
        lr = self.current_learning_rate()
        clipped = self.clip(grads)
        if flat is not None and self.elementwise:
            P, G = flat
            self.update_step(P, self._flat_clipped if clipped else G, lr, self.flat_state,
                             self._flat_tmp)
        else:
            for W, g, state, tmp in zip(params, self._clipped if clipped else grads,
                                        self.state, self._tmp):
                self.update_step(W, g, lr, state, tmp)
        self.iterations += 1

    def update_step(self, W: np.ndarray, g: np.ndarray, lr: float, state: dict,
                    tmp: tuple[np.ndarray, np.ndarray]) -> None:
        """Update W in place from its gradient g; ``state`` holds the slots, ``tmp`` is two
        W-shaped scratch arrays."""
        raise NotImplementedError

    def get_config(self) -> dict:
        lr = self.learning_rate
        config = {"name": self.name,
                  "learning_rate": lr.get_config() if not isinstance(lr, float) else lr,
                  "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm}
        config.update(self._hyper())
        return config

    def _hyper(self) -> dict:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"
