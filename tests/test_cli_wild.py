"""The first hour with npmlp: CSVs from the wild, CLI traps, wrong-kind models (issue 11)."""

import csv
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import npmlp
from npmlp.cli import main

QUICK = ["--layers", "1", "--units", "8", "--epochs", "3", "--seed", "0", "--quiet"]


def _error(capsys, argv):
    assert main(argv) == 2
    return capsys.readouterr().err


@pytest.fixture
def wild(tmp_path):
    """A semicolon-separated, decimal-comma, Latin-1 file with a text column, a missing
    cell and an id column."""
    rng = np.random.default_rng(0)
    lines = ["id;größe;farbe;wert;label"]
    for i in range(60):
        x = rng.normal()
        colour = ["rot", "grün", "blau"][i % 3]
        size = "" if i == 7 else f"{x:.3f}".replace(".", ",")
        lines.append(f"{i};{size};{colour};{rng.normal():.2f}".replace(".", ",")
                     + f";{int(x > 0)}")
    path = tmp_path / "wild.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return path


def test_wild_csv_errors_point_at_the_cause(wild, capsys):
    base = ["train", "--csv", str(wild), "--target", "label", *QUICK]
    err = _error(capsys, base)
    assert "wild.csv: line" in err and "not valid UTF-8" in err and "--encoding latin-1" in err
    base += ["--encoding", "latin-1"]
    err = _error(capsys, base)
    assert "missing value" in err and "--impute" in err and "line 9" in err
    base += ["--impute", "mean"]
    err = _error(capsys, base)
    assert "wild.csv" in err and "--decimal ," in err  # 1,5 in a ;-file: the decimal hint
    err = _error(capsys, [*base, "--decimal", ","])
    assert "'farbe'" in err and "--categorical auto" in err and "--decimal" not in err


def test_wild_csv_trains_saves_and_predicts(wild, tmp_path, capsys):
    model_path = tmp_path / "m.npz"
    argv = ["train", "--csv", str(wild), "--target", "label", "--encoding", "latin-1",
            "--decimal", ",", "--impute", "median", "--categorical", "auto", "--standardize",
            "--save", str(model_path), *QUICK]
    assert main(argv) == 0
    model = npmlp.load(model_path)
    assert model.feature_names == ["id", "größe", "farbe=blau", "farbe=grün", "farbe=rot",
                                   "wert"]
    assert model.preprocessing["categories"] == {"farbe": ["blau", "grün", "rot"]}
    assert model.preprocessing["impute"] == "median"
    capsys.readouterr()
    # predict: the same file, columns found by name, to stdout, with the score
    assert main(["predict", "--model", str(model_path), "--csv", str(wild), "--target",
                 "label", "--encoding", "latin-1", "--decimal", ","]) == 0
    out, err = capsys.readouterr()
    rows = list(csv.reader(out.splitlines()))
    assert rows[0] == ["label", "prediction"] and len(rows) == 61
    assert "Score against 'label': accuracy" in err
    accuracy = float(err.split("accuracy")[1])
    assert accuracy == pytest.approx(np.mean([r[0] == r[1] for r in rows[1:]]), abs=1e-4)
    # an unseen category is a clear error naming it
    text = wild.read_bytes().decode("latin-1").replace(";blau;", ";lila;", 1)
    other = tmp_path / "other.csv"
    other.write_bytes(text.encode("latin-1"))
    err = _error(capsys, ["predict", "--model", str(model_path), "--csv", str(other),
                          "--encoding", "latin-1", "--decimal", ","])
    assert "'farbe' has category 'lila'" in err and "other.csv" in err


def test_delimiter_is_sniffed_and_can_be_given(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("f1;f2;label\n1;2;a\n3;4;b\n")
    X, y, names = npmlp.datasets.from_csv(path, "label")
    assert names == ["f1", "f2"] and y.tolist() == ["a", "b"]
    tabbed = tmp_path / "tab.tsv"
    tabbed.write_text("f1\tf2\tlabel\n1,5\t2\ta\n")
    X, _, _ = npmlp.datasets.from_csv(tabbed, "label", decimal=",")
    assert X.tolist() == [[1.5, 2.0]]
    with pytest.raises(ValueError, match=r"semi.csv: target column 'label' not found.*"
                       r"one column: give the delimiter"):
        npmlp.datasets.from_csv(path, "label", delimiter=",")
    with pytest.raises(ValueError, match="delimiter and decimal are both ','"):
        npmlp.datasets.from_csv(path, "label", delimiter=",", decimal=",")


def test_impute_drop_and_categorical_columns_by_name(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,c,t\n1,x,5,0\n2,y,,1\n3,x,7,\n4,y,8,1\n")
    table = npmlp.datasets.read_table(path, "t", categorical=["b"], impute="drop")
    assert table.X.tolist() == [[1, 1, 0, 5], [4, 0, 1, 8]]
    assert table.y.tolist() == [0, 1] and table.feature_names == ["a", "b=x", "b=y", "c"]
    with pytest.raises(ValueError, match=r"categorical: column\(s\) \['z'\] are not feature"):
        npmlp.datasets.read_table(path, "t", categorical=["z"], impute="drop")
    with pytest.raises(ValueError, match="target 't' is missing at 1 row"):
        npmlp.datasets.read_table(path, "t", categorical="auto", impute="mean")


def test_preprocessing_round_trips_through_save_and_is_checked(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,t\n1,x,0\n,y,1\n3,x,0\n4,y,1\n")
    table = npmlp.datasets.read_table(path, "t", categorical="auto", impute="mean")
    assert table.X[1, 0] == pytest.approx(8 / 3)  # the mean of 1, 3, 4
    model = npmlp.mlp(table.X, table.y, 4, 1, 1, 0.0, verbose=0, seed=0).model
    model.feature_names = table.feature_names
    model.preprocessing = table.preprocessor.get_config()
    model.save(tmp_path / "m.npz")
    loaded = npmlp.load(tmp_path / "m.npz")
    assert loaded.preprocessing == table.preprocessor.get_config()
    header, rows, _ = npmlp.datasets.predict_table(loaded, path)
    assert header == ["t", "prediction"] and len(rows) == 4
    bad = table.preprocessor.get_config() | {"fill": {"a": "nan?"}}
    with pytest.raises(ValueError, match="fill of 'a'"):
        npmlp.datasets.TablePreprocessor.from_config(bad)


def test_regression_standardize_scales_the_target_and_predicts_raw_values(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    price = 200000.0 + 30000.0 * X[:, 0] - 20000.0 * X[:, 1]
    path = tmp_path / "houses.csv"
    np.savetxt(path, np.column_stack([X, price]), delimiter=",", fmt="%.1f",
               header="a,b,c,price", comments="")
    model_path = tmp_path / "m.npz"
    argv = ["train", "--csv", str(path), "--target", "price", "--standardize", "--layers",
            "1", "--units", "16", "--epochs", "60", "--optimizer", "adam", "--learning-rate",
            "0.01", "--seed", "0", "--quiet", "--save", str(model_path)]
    assert main(argv) == 0
    model = npmlp.load(model_path)
    assert model.kind == "regression"
    predicted = model.predict(np.loadtxt(path, delimiter=",", skiprows=1)[:, :3])
    # raw units: within a few percent of the price, although it was trained on (y - m) / s
    assert np.median(np.abs(predicted - price) / price) < 0.03
    # without scaling the target the same run diverges; the hint must not suggest scaling
    # the inputs (already standardised) and speaks the CLI's language
    capsys.readouterr()
    err = _error(capsys, ["train", "--csv", str(path), "--target", "price", "--layers", "1",
                          "--units", "16", "--epochs", "30", "--learning-rate", "0.1",
                          "--seed", "0", "--quiet", "--dtype", "float64"])
    assert "diverged" in err and "--clipnorm 1.0" in err and "clipnorm=" not in err
    assert "--learning-rate" in err and "RuntimeWarning" not in err
    # the inputs are on unit scale already: only the target is named
    assert "standardised inputs" not in err and "it scales a regression target too" in err


def test_api_errors_are_put_in_cli_words(capsys):
    err = _error(capsys, ["train", "--dataset", "moons", "--samples", "2",
                          "--validation-split", "0.6", "--quiet"])
    assert "--validation-split 0.6 with 2 samples" in err and "validation_split=" not in err


def test_whole_number_target_is_classes_with_a_warning_and_task_regression(tmp_path, capsys):
    rng = np.random.default_rng(1)
    path = tmp_path / "counts.csv"
    rows = ["x,count"] + [f"{v:.3f},{int(abs(v) * 8)}" for v in rng.normal(size=60)]
    path.write_text("\n".join(rows) + "\n")
    assert main(["train", "--csv", str(path), "--target", "count", *QUICK]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "--task regression" in err
    assert main(["train", "--csv", str(path), "--target", "count", "--task", "regression",
                 *QUICK]) == 0
    out, err = capsys.readouterr()
    assert "loss='mean_squared_error'" in out and "warning" not in err


@pytest.mark.parametrize("argv, message", [
    (["compare", "--epochs", "0"], "--epochs: must be >= 1"),
    (["train", "--epochs", "0"], "--epochs: must be >= 1"),
    (["compare", "--layers", "0", "--units", "4"], "--units has no effect with --layers 0"),
    (["train", "--dataset", "iris", "--samples", "50"], "--samples applies to the synthetic"),
    (["compare", "--dataset", "iris", "--samples", "50"], "--samples applies to the synthetic"),
    (["train", "--csv", "x.csv", "--target", "t", "--dataset", "iris"], "--dataset and --csv"),
    (["train", "--target", "t"], "--target applies to a CSV file"),
    (["train", "--impute", "mean"], "--impute applies to a CSV file"),
    (["train", "--learning-rate", "-1"], "--learning-rate: must be > 0"),
    (["compare", "--momentum", "1.5"], "--momentum: must be in [0, 1)"),
    (["train", "--optimizer", "adam", "--momentum", "0.9"], "--momentum applies to"),
    (["compare", "--decay-rate", "0.5"], "--decay-rate applies to a --schedule"),
    (["compare", "--mode", "parity", "--seeds", "3"], "--seeds counts the independent"),
    (["train", "--early-stopping", "2", "--validation-split", "0"], "--early-stopping watches"),
    (["explain", "--dataset", "iris", "--samples", "9"], "--samples applies to the synthetic"),
    (["train", "--csv", "x.csv", "--target", "t", "--encoding", "klingon"],
     "unknown text encoding"),
])
def test_options_are_checked_before_anything_runs(argv, message, capsys, tmp_path,
                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and message in err, err
    assert "Traceback" not in err and os.listdir(tmp_path) == []  # nothing written


def test_compare_help_states_the_real_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 0)" in text and "random" not in text.split("--seed SEED")[1][:200]
    assert "float64 for parity" in text


def test_plot_boundary_is_checked_before_training(tmp_path, capsys):
    save = tmp_path / "m.npz"
    err = _error(capsys, ["train", "--dataset", "iris", "--plot-boundary",
                          str(tmp_path / "b.png"), "--save", str(save), *QUICK])
    assert "--plot-boundary needs data with 2 features, got 4" in err
    assert not save.exists() and "Trained" not in capsys.readouterr().out


def test_early_stopping_says_when_it_stopped(capsys):
    assert main(["train", "--dataset", "moons", "--samples", "60", "--epochs", "200",
                 "--early-stopping", "2", "--learning-rate", "1.0", "--layers", "1",
                 "--units", "4", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "EarlyStopping: stopped at epoch" in out and "restored the weights of epoch" in out
    epochs = int(out.split("(60, 2) for ")[1].split(" epochs")[0])
    assert epochs < 200 and f"stopped at epoch {epochs}:" in out


def test_tail_split_on_sorted_labels_warns():
    X, y = npmlp.datasets.load("iris")
    order = np.argsort(y, kind="stable")
    model = npmlp.MLP([npmlp.Dense(3, "softmax")], seed=0)
    with pytest.warns(UserWarning, match=r"all of class 2.*split='stratified'"):
        model.fit(X[order], y[order], epochs=1, validation_split=0.2, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        npmlp.MLP([npmlp.Dense(3, "softmax")], seed=0).fit(
            X[order], y[order], epochs=1, validation_split=0.2, split="stratified", verbose=0)
        # a tail of one or two samples of one class is chance, not sorting
        Xd, yd = npmlp.datasets.dummy(n_samples=10, seed=0)
        npmlp.MLP([npmlp.Dense(1, "sigmoid")], seed=0).fit(Xd, yd, epochs=1,
                                                           validation_split=0.1, verbose=0)


def test_resume_of_an_unseeded_model_warns(tmp_path, capsys):
    path = str(tmp_path / "m.npz")
    base = ["train", "--dataset", "moons", "--epochs", "1", "--quiet", "--layers", "1"]
    assert main([*base, "--save", path]) == 0
    assert main([*base, "--resume", path]) == 0
    err = capsys.readouterr().err
    assert "trained without --seed" in err and "drawn anew" in err


def test_missing_folders_are_made_from_python_and_the_cli(tmp_path):
    model = npmlp.mlp(*npmlp.datasets.dummy(20, 3, seed=0), 8, 1, 1, 0.0, verbose=0).model
    model.save(tmp_path / "py" / "deep" / "m.npz")
    npmlp.plot_history(model.history, tmp_path / "py" / "plots" / "h.png")
    assert main(["train", "--epochs", "1", "--quiet", "--save",
                 str(tmp_path / "cli" / "deep" / "m.npz"), "--plot",
                 str(tmp_path / "cli" / "plots" / "h.png")]) == 0
    for side in ("py", "cli"):
        assert (tmp_path / side / "deep" / "m.npz").is_file()
        assert (tmp_path / side / "plots" / "h.png").is_file()


def test_closed_stdout_keeps_training_and_saving(tmp_path):
    """`npmlp train ... | head -1`: the reader leaves after one line; the run goes on."""
    save = tmp_path / "m.npz"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    command = (f"{sys.executable} -m npmlp train --epochs 30 --seed 0 --save {save} "
               f"| head -1; echo \"rc=${{PIPESTATUS[0]}}\"")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env,
                          timeout=120)
    assert "rc=0" in done.stdout, done.stdout + done.stderr
    assert "Broken pipe" not in done.stderr and "Traceback" not in done.stderr
    assert len(npmlp.load(save).history.epoch) == 30
