"""Training: the fit loop, batching, validation splits, BLAS threads, Ctrl-C and divergence."""

from npmlp.training.errors import DivergenceError
from npmlp.training.fitting import fit
from npmlp.training.loop import run
from npmlp.training.splits import SPLITS, split_indices, validation_split_index

__all__ = ["DivergenceError", "SPLITS", "fit", "run", "split_indices", "validation_split_index"]
