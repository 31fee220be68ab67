"""The CSV side of the command line: `npmlp train --csv PATH --target COLUMN [--standardize]`
and `npmlp predict --model PATH --csv PATH --out PATH`, and their error messages."""

import csv
import os

import numpy as np
import pytest

import npmlp
from npmlp import datasets
from npmlp.cli import main

SPECIES = np.array(["setosa", "versicolor", "virginica"])


@pytest.fixture(scope="module")
def iris_csv(tmp_path_factory):
    X, y, names = datasets.load("iris", return_feature_names=True)
    order = np.random.default_rng(0).permutation(len(y))  # not sorted: the tail split sees all
    path = tmp_path_factory.mktemp("csv") / "iris.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(names + ["species"])
        for row, label in zip(X[order], SPECIES[y[order]]):
            writer.writerow([repr(float(v)) for v in row] + [label])
    return path, X[order], SPECIES[y[order]]


TRAIN = ["--optimizer", "adam", "--learning-rate", "0.01", "--epochs", "40", "--layers", "1",
         "--units", "16", "--seed", "0", "--dtype", "float64", "--quiet"]


def test_train_and_predict_a_csv_with_string_labels(iris_csv, tmp_path, capsys):
    path, X, labels = iris_csv
    model_path, out = tmp_path / "m.npz", tmp_path / "preds" / "p.csv"
    assert main(["train", "--csv", str(path), "--target", "species", "--standardize",
                 "--save", str(model_path), *TRAIN]) == 0
    assert "iris.csv (150, 4)" in capsys.readouterr().out
    assert main(["predict", "--model", str(model_path), "--csv", str(path), "--target",
                 "species", "--out", str(out), "--proba"]) == 0
    with open(out, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["species", "prediction", "proba_setosa", "proba_versicolor",
                       "proba_virginica"]  # the target column is copied in front
    assert [r[0] for r in rows[1:]] == labels.tolist()
    predicted = np.array([r[1] for r in rows[1:]])
    proba = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
    assert np.mean(predicted == labels) > 0.9  # the saved model takes raw features
    assert (SPECIES[proba.argmax(axis=1)] == predicted).all()
    assert os.listdir(out.parent) == ["p.csv"]  # atomic write: no temporary file left


def test_standardizer_fold_gives_the_same_outputs_on_raw_features():
    X, y = datasets.load("wine")
    scaler = datasets.Standardizer().fit(X[:120])
    model = npmlp.MLP([npmlp.Dense(8, "relu"), npmlp.Dense(3, "softmax")], seed=0,
                      dtype="float64")
    model.fit(scaler.transform(X), y, epochs=3, verbose=0)
    before = model.predict_proba(scaler.transform(X))
    scaler.fold_into(model)
    np.testing.assert_allclose(model.predict_proba(X), before, rtol=1e-10, atol=1e-13)
    assert not np.allclose(model.predict_proba(scaler.transform(X)), before)


def _error(capsys, argv):
    assert main(argv) == 2
    return capsys.readouterr().err


def test_csv_errors_are_clear(iris_csv, tmp_path, capsys):
    path = iris_csv[0]
    err = _error(capsys, ["train", "--csv", str(path), "--target", "Species", *TRAIN])
    assert "column 'Species' not found" in err and "'species'" in err
    err = _error(capsys, ["train", "--csv", str(path), *TRAIN])
    assert "--csv needs --target" in err
    err = _error(capsys, ["train", "--target", "species", *TRAIN])
    assert "--csv PATH" in err
    holes = tmp_path / "holes.csv"
    holes.write_text("a,b,label\n1,2,x\n3,,y\n4,5,NA\n")
    err = _error(capsys, ["train", "--csv", str(holes), "--target", "label", *TRAIN])
    assert "2 missing value(s)" in err
    assert "row 2 (line 3), column 'b'" in err and "row 3 (line 4), column 'label'" in err


def test_predict_errors_are_clear(iris_csv, tmp_path, capsys):
    path = iris_csv[0]
    model_path = tmp_path / "m.npz"
    assert main(["train", "--csv", str(path), "--target", "species", "--save",
                 str(model_path), *TRAIN]) == 0
    out = tmp_path / "p.csv"
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("a,b\n1,2\n")
    err = _error(capsys, ["predict", "--model", str(model_path), "--csv", str(narrow),
                          "--out", str(out)])
    assert "missing column(s) [" in err and "narrow.csv" in err and not out.exists()
    # columns are found by name: another order, an extra id column, and no --target all work
    header, *rows = path.read_text().splitlines()
    names = header.split(",")
    order = [names.index(c) for c in [names[1], names[0], *names[2:]]]
    swapped = tmp_path / "swapped.csv"
    swapped.write_text("\n".join(f"{k}," + ",".join(line.split(",")[i] for i in order)
                                 for k, line in enumerate([header, *rows])) + "\n")
    swapped.write_text(swapped.read_text().replace("0,", "id,", 1))
    assert main(["predict", "--model", str(model_path), "--csv", str(path), "--out",
                 str(out)]) == 0
    straight = list(csv.reader(out.open()))
    assert main(["predict", "--model", str(model_path), "--csv", str(swapped), "--out",
                 str(out)]) == 0
    moved = list(csv.reader(out.open()))
    assert moved[0] == ["id", "species", "prediction"]
    assert [r[2] for r in moved[1:]] == [r[-1] for r in straight[1:]]
    assert [r[0] for r in moved[1:]] == [str(k) for k in range(1, len(rows) + 1)]
    err = _error(capsys, ["predict", "--model", str(tmp_path / "none.npz"), "--csv",
                          str(narrow), "--out", str(out)])
    assert "no model file" in err
