"""The state of a model at an epoch's start, so that an interrupted or diverged epoch can be
rolled back: the flat parameter array, the optimizer's flat state and step count, and the
generator's state. Taken every epoch into buffers allocated once (a few copies)."""

from __future__ import annotations

import math

import numpy as np


class Snapshot:
    """``take(model)`` copies the state in; ``restore(model)`` copies it back."""

    def __init__(self):
        self.params: np.ndarray | None = None
        self.state: dict[str, np.ndarray] | None = None
        self.taken = False

    def take(self, model) -> None:
        """Copy the model's state (nothing before the model is built: a streamed fit builds
        it at its first batch)."""
        self.taken = model.built
        if not self.taken:
            return
        flat = model.parameters.flat
        if self.params is None or self.params.shape != flat.shape:
            self.params = np.empty_like(flat)
        np.copyto(self.params, flat)
        opt = model.optimizer
        if opt.flat_state is None:
            self.state = None
        else:
            if self.state is None or self.state.keys() != opt.flat_state.keys():
                self.state = {k: np.empty_like(v) for k, v in opt.flat_state.items()}
            for k, v in opt.flat_state.items():
                np.copyto(self.state[k], v)
        self.iterations = opt.iterations
        self.rng_state = model.rng.bit_generator.state

    def restore(self, model) -> None:
        """Put the model back as it was when the snapshot was taken (in place)."""
        if not self.taken:
            return
        np.copyto(model.parameters.flat, self.params)
        opt = model.optimizer
        if self.state is None:
            opt.state = opt.flat_state = None
        else:
            for k, v in self.state.items():
                np.copyto(opt.flat_state[k], v)
        opt.iterations = self.iterations
        model.rng.bit_generator.state = self.rng_state


def all_finite(model) -> bool:
    """Every parameter is finite: one sum over the flat array (finite iff every element is,
    or it overflows, which is divergence all the same)."""
    return math.isfinite(float(np.add.reduce(model.parameters.flat)))
