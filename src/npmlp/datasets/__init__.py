"""Data: toy generators, small shipped real datasets, CSV reading, scaling and splitting."""

from npmlp.datasets.csvfile import (
    MISSING,
    Table,
    from_csv,
    model_preprocessor,
    predict_csv,
    predict_table,
    read_table,
    write_predictions,
)
from npmlp.datasets.preprocessing import TablePreprocessor, fold_target_scaling
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
    "GENERATORS", "MISSING", "NAMES", "Standardizer", "Table", "TablePreprocessor", "circles",
    "dummy", "fold_target_scaling", "from_csv", "load", "model_preprocessor", "moons",
    "predict_csv", "predict_table", "read_table", "spirals", "stratified_counts",
    "train_test_split", "write_predictions", "xor",
]
