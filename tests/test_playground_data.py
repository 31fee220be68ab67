"""The playground's data sets, features, CSV parsing and configuration (no web server)."""

import base64

import numpy as np
import pytest

from npmlp.playground.config import ConfigError, parse
from npmlp.playground.data import blobs, build, features, parse_csv
from npmlp.playground.session import Experiment
from npmlp.playground.views import curves, grid, signed_map


def test_blobs_are_seeded_and_balanced():
    X, y = blobs(301, noise=0.1, n_classes=3, seed=4)
    X2, y2 = blobs(301, noise=0.1, n_classes=3, seed=4)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert X.shape == (301, 2) and np.bincount(y).tolist() == [101, 100, 100]
    # each class sits around its centre on the unit circle
    for k in range(3):
        angle = 2 * np.pi * k / 3 + np.pi / 4
        np.testing.assert_allclose(X[y == k].mean(axis=0), [np.cos(angle), np.sin(angle)],
                                   atol=0.1)


def test_features_are_the_named_functions_of_the_point():
    P = np.array([[0.5, -2.0], [1.0, 3.0]])
    F = features(P, ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2"])
    x1, x2 = P[:, 0], P[:, 1]
    np.testing.assert_array_equal(F, np.column_stack(
        [x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.sin(x2)]))


def test_config_round_trips_and_keeps_the_input_order():
    config = parse({"features": ["sin x2", "x1"], "layers": []})
    assert config.features == ["x1", "sin x2"] and config.layers == []
    assert parse(config.to_dict()) == config
    with pytest.raises(ConfigError, match="seed must be between 0"):
        parse({"seed": -1})


def test_numeric_labels_without_a_header():
    text = "\n".join(f"{i},{i % 5},{i % 3}" for i in range(30)).encode()
    up = parse_csv(text)
    assert up.columns == ["x1", "x2", "label"] and up.class_names == ["0", "1", "2"]
    assert up.kind == "classes" and up.y.tolist() == [i % 3 for i in range(30)]


def test_a_value_label_is_a_regression_with_its_own_view():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    text = "\n".join(f"{a},{b},{a * 2.5 + 0.1}" for a, b in X).encode()
    up = parse_csv(text)
    assert up.kind == "values"
    exp = Experiment(parse({"data": "upload", "upload": "u", "layers": []}), up)
    assert exp.data.kind == "regression" and exp.model.loss.name == "mean_squared_error"
    exp.train(2, 1.0)
    assert exp.epoch == 2 and '"kind": "regression"' in exp.frame_json()


def test_the_split_is_the_configured_share_and_stratified():
    data = build(parse({"data": "moons", "points": 200, "train_pct": 60}))
    assert len(data.y_train) == 120 and len(data.y_test) == 80
    assert np.bincount(data.y_test).tolist() == [40, 40]


def test_views_grid_maps_and_curves():
    cells = grid((0.0, 1.0, 0.0, 2.0), 2)       # row 0 at the top: the larger x2
    np.testing.assert_allclose(cells, [[0.25, 1.5], [0.75, 1.5], [0.25, 0.5], [0.75, 0.5]])
    encoded, scale = signed_map(np.array([-2.0, 0.0, 1.0]))
    assert scale == 2.0
    assert list(base64.b64decode(encoded)) == [0, 128, 191]   # rint(127.5 * (a/2 + 1))
    assert signed_map(np.array([np.nan, 1.0]))[1] is None
    c = curves({"loss": list(range(1000)), "val_loss": [float("nan")] * 1000})
    assert len(c["epoch"]) <= 401 and c["epoch"][-1] == 1000 and c["train"][-1] == 999
    assert set(c["test"]) == {None}
