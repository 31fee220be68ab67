"""Data: toy generators, small shipped real datasets, CSV reading, scaling and splitting."""

from npmlp.datasets.csvfile import MISSING, from_csv, predict_csv
from npmlp.datasets.synthetic import (
    GENERATORS,
    NAMES,
    Standardizer,
    circles,
    dummy,
    load,
    moons,
    spirals,
    train_test_split,
    xor,
)
from npmlp.training.splits import stratified_counts

__all__ = [
    "GENERATORS", "MISSING", "NAMES", "Standardizer", "circles", "dummy", "from_csv", "load",
    "moons", "predict_csv", "spirals", "stratified_counts", "train_test_split", "xor",
]
