"""EnsembleHistory: every member's History, and each logged value as a (K, epochs) array."""

from __future__ import annotations

import numpy as np

from npmlp.callbacks.history import History


class EnsembleHistory:
    """``history[k]`` is member k's History; ``history.loss`` (and any logged name, or
    ``history.array(name)``) is a (K, epochs) array, NaN after a member stopped."""

    def __init__(self, members):
        self._members = members

    def __getitem__(self, k: int) -> History:
        history = self._members[k].history
        return History() if history is None else history

    def __len__(self) -> int:
        return len(self._members)

    @property
    def keys(self) -> list[str]:
        """The logged names (``loss``, ``accuracy``, ``val_loss``...)."""
        names: dict[str, None] = {}
        for k in range(len(self)):
            names.update(dict.fromkeys(self[k].history))
        return list(names)

    @property
    def epochs(self) -> int:
        """The most epochs any member ran."""
        return max((len(self[k].epoch) for k in range(len(self))), default=0)

    def array(self, name: str) -> np.ndarray:
        """(K, epochs) values of ``name``; NaN where a member had stopped."""
        if name not in self.keys:
            raise KeyError(f"{name!r} was not logged; logged: {self.keys}")
        out = np.full((len(self), self.epochs), np.nan)
        for k in range(len(self)):
            values = self[k].history.get(name, [])
            out[k, :len(values)] = values
        return out

    @property
    def history(self) -> dict[str, np.ndarray]:
        """{name: (K, epochs) array} for every logged name."""
        return {name: self.array(name) for name in self.keys}

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.array(name)
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return f"EnsembleHistory(members={len(self)}, epochs={self.epochs}, keys={self.keys})"
