"""Ensembles and sweeps: K networks trained in one pass over the data (stacked weights, one
batched product per layer). ``Ensemble`` is the public face; ``StackedMLP`` the engine."""

from npmlp.ensemble import reading  # noqa: F401  (registers the "ensemble" kind with load)
from npmlp.ensemble.ensemble import Ensemble
from npmlp.ensemble.history import EnsembleHistory
from npmlp.ensemble.stacked import StackedMLP

__all__ = ["Ensemble", "EnsembleHistory", "StackedMLP"]
