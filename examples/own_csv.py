"""Train on your own CSV file: header row, numeric feature columns, one target column.

To stay self-contained this writes a CSV first (the wine data set, to a temporary folder);
replace CSV_PATH and TARGET with your own file and column name.

    python examples/own_csv.py                    # NPMLP_EXAMPLE_QUICK=1 or --quick: 3 epochs
"""

import csv
import os
import sys
import tempfile
from pathlib import Path

import npmlp

QUICK = os.environ.get("NPMLP_EXAMPLE_QUICK") == "1" or "--quick" in sys.argv
TARGET = "cultivar"

with tempfile.TemporaryDirectory() as tmp:
    CSV_PATH = Path(tmp) / "wine.csv"
    X, y, names = npmlp.datasets.load("wine", return_feature_names=True)
    with open(CSV_PATH, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(list(names) + [TARGET])
        writer.writerows([*row, label] for row, label in zip(X.tolist(), y.tolist()))

    # --- from here on, this is all you need for your own file -------------------------------
    X, y, features = npmlp.datasets.from_csv(CSV_PATH, target=TARGET)
    print(f"read {X.shape[0]} rows, {len(features)} features, classes {sorted(set(y.tolist()))}")
    X = (X - X.mean(axis=0)) / X.std(axis=0)     # features on very different scales
    history = npmlp.mlp(X, y, 16, 3 if QUICK else 60, 2, 0.2, units=16, optimizer="adam",
                        seed=0, verbose=0)
    print(f"val_accuracy: {history.val_accuracy[-1]:.3f}")
    model_path = Path(tmp) / "wine.npz"
    history.model.save(model_path)
    again = npmlp.load(model_path)
    assert (again.predict(X) == history.model.predict(X)).all()
    print("saved, reloaded, same predictions:", again)
