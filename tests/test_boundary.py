"""plot_decision_boundary: the grid labels are the model's own predictions; bad input is
refused with a message naming the argument; the CLI option writes the figure."""

import numpy as np
import pytest

import npmlp
from npmlp.cli import main
from npmlp.plotting.boundary import grid_predictions

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def moons_model():
    X, y = npmlp.datasets.moons(n_samples=120, noise=0.1, seed=0)
    model = npmlp.MLP([npmlp.Dense(8, "tanh"), npmlp.Dense(1, "sigmoid")],
                      optimizer=npmlp.Adam(learning_rate=0.05), seed=0)
    model.fit(X, y, epochs=20, verbose=0)
    return model, X, y


def test_grid_labels_are_the_models_predictions(moons_model):
    model, X, _ = moons_model
    xx, yy, labels = grid_predictions(model, X, resolution=30)
    assert xx.shape == yy.shape == labels.shape == (30, 30)
    assert xx.min() == pytest.approx(X[:, 0].min() - 0.5)
    assert yy.max() == pytest.approx(X[:, 1].max() + 0.5)
    predicted = model.predict(np.column_stack([xx.ravel(), yy.ravel()])).reshape(-1)
    np.testing.assert_array_equal(labels.ravel(), predicted)   # moons labels are 0/1
    assert set(np.unique(labels)) == {0, 1}                    # the boundary crosses the grid


def test_writes_a_png_binary_and_multiclass(moons_model, tmp_path):
    model, X, y = moons_model
    path = npmlp.plot_decision_boundary(model, X, y, tmp_path / "moons.png", resolution=40)
    assert path.read_bytes()[:8] == PNG
    Xs, ys = npmlp.datasets.spirals(n_samples=90, seed=0)
    multi = npmlp.MLP([npmlp.Dense(8, "relu"), npmlp.Dense(3, "softmax")], seed=0)
    multi.fit(Xs, ys, epochs=2, verbose=0)
    _, _, labels = grid_predictions(multi, Xs, resolution=20)
    assert labels.min() >= 0 and labels.max() <= 2
    out = npmlp.plot_decision_boundary(multi, Xs, ys, tmp_path / "spirals.svg", resolution=20)
    assert out.read_text().lstrip().startswith("<?xml")


def test_bad_input_is_refused(moons_model, tmp_path):
    model, X, y = moons_model
    with pytest.raises(ValueError, match="2 features"):
        npmlp.plot_decision_boundary(model, np.hstack([X, X[:, :1]]), y, tmp_path / "a.png")
    with pytest.raises(TypeError, match="model"):
        npmlp.plot_decision_boundary("model", X, y, tmp_path / "a.png")
    unbuilt = npmlp.MLP([npmlp.Dense(1, "sigmoid")])
    with pytest.raises(ValueError, match="fit"):
        npmlp.plot_decision_boundary(unbuilt, X, y, tmp_path / "a.png")
    regression = npmlp.MLP([npmlp.Dense(1, "linear")], input_dim=2)
    with pytest.raises(ValueError, match="classifier"):
        npmlp.plot_decision_boundary(regression, X, y, tmp_path / "a.png")
    with pytest.raises(ValueError, match="resolution"):
        npmlp.plot_decision_boundary(model, X, y, tmp_path / "a.png", resolution=1)
    assert not (tmp_path / "a.png").exists()


def test_cli_plot_boundary(tmp_path, capsys):
    path = tmp_path / "runs" / "b.png"
    rc = main(["train", "--dataset", "moons", "--epochs", "2", "--layers", "1", "--units", "4",
               "--quiet", "--seed", "0", "--plot-boundary", str(path)])
    assert rc == 0 and path.read_bytes()[:8] == PNG
    assert "decision boundary" in capsys.readouterr().out
    rc = main(["train", "--epochs", "1", "--layers", "1", "--units", "2", "--quiet",
               "--plot-boundary", str(tmp_path / "dummy.png")])
    assert rc == 2 and "2 features" in capsys.readouterr().err
