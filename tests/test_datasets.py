"""Tests for npmlp.datasets: generators, shipped data, CSV reading, scaling, splitting."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from npmlp import datasets as D

SHAPES = {"iris": (150, 4, 3), "wine": (178, 13, 3), "breast_cancer": (569, 30, 2),
          "digits": (1797, 64, 10)}


# ----------------------------------------------------------------------------- generators
@pytest.mark.parametrize("name", ["moons", "circles", "spirals", "xor"])
@pytest.mark.parametrize("n", [4, 7, 101])
def test_generator_shapes_and_dtypes(name, n):
    X, y = D.GENERATORS[name](n_samples=n, seed=0)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.all(np.isfinite(X))


def test_dummy_matches_original_script_shapes():
    X, y = D.dummy(seed=0)
    assert X.shape == (100, 10) and X.dtype == np.float64
    assert y.shape == (100, 1) and y.dtype == np.int64
    assert X.min() >= 0.0 and X.max() < 1.0
    assert set(np.unique(y)) == {0, 1}
    X, y = D.dummy(7, 3, seed=1)
    assert X.shape == (7, 3) and y.shape == (7, 1)


def test_generators_dict_and_names():
    assert set(D.GENERATORS) == {"dummy", "moons", "circles", "spirals", "xor"}
    assert all(D.GENERATORS[k].__name__ == k for k in D.GENERATORS)
    assert D.NAMES == ("iris", "wine", "breast_cancer", "digits")


@pytest.mark.parametrize("name", ["dummy", "moons", "circles", "spirals", "xor"])
def test_generators_deterministic(name):
    f = D.GENERATORS[name]
    X1, y1 = f(seed=42)
    X2, y2 = f(seed=42)
    X3, _ = f(seed=43)
    assert X1.tobytes() == X2.tobytes() and y1.tobytes() == y2.tobytes()
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", ["moons", "circles"])
@pytest.mark.parametrize("n", [10, 11])
def test_two_class_balance(name, n):
    _, y = D.GENERATORS[name](n_samples=n, seed=3)
    assert set(np.unique(y)) == {0, 1}
    assert np.bincount(y).tolist() == [n // 2, n - n // 2]
    assert len(np.unique(y[: n // 2])) == 2  # rows were shuffled, not left in blocks


def test_spirals_classes_balanced():
    _, y = D.spirals(n_samples=301, n_classes=4, seed=0)
    assert sorted(np.bincount(y).tolist()) == [75, 75, 75, 76]
    assert set(np.unique(y)) == {0, 1, 2, 3}


def test_moons_and_circles_geometry():
    X, y = D.moons(400, noise=0.0, seed=0)
    # class 0 is the upper unit half circle centred at (0, 0); class 1 the lower one at (1, 0.5)
    assert np.allclose(np.hypot(*X[y == 0].T), 1.0) and np.all(X[y == 0, 1] >= -1e-12)
    assert np.allclose(np.hypot(X[y == 1, 0] - 1.0, X[y == 1, 1] - 0.5), 1.0)
    X, y = D.circles(400, noise=0.0, factor=0.3, seed=0)
    radius = np.hypot(*X.T)
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.3)


def test_xor_labels_and_not_linearly_separable():
    X, y = D.xor(400, noise=0.1, seed=0)
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    assert abs(y.mean() - 0.5) < 0.05
    # Least-squares linear classifier with a bias column: about chance level.
    A = np.column_stack([X, np.ones(len(X))])
    w = np.linalg.lstsq(A, 2.0 * y - 1.0, rcond=None)[0]
    assert np.mean((A @ w > 0) == y) < 0.75
    # ...while the product feature x1 * x2 separates it perfectly.
    assert np.all((X[:, 0] * X[:, 1] < 0) == y)


@pytest.mark.parametrize(
    ("call", "exc", "words"),
    [
        (lambda: D.moons(n_samples=1), ValueError, ["n_samples", ">= 2", "1"]),
        (lambda: D.moons(n_samples=2.5), TypeError, ["n_samples", "float"]),
        (lambda: D.moons(noise=-0.1), ValueError, ["noise", "-0.1"]),
        (lambda: D.circles(factor=1.0), ValueError, ["factor", "(0.0, 1.0)"]),
        (lambda: D.spirals(n_classes=1), ValueError, ["n_classes", "1"]),
        (lambda: D.spirals(n_samples=2, n_classes=3), ValueError, ["n_samples", ">= 3"]),
        (lambda: D.xor(noise="big"), TypeError, ["noise", "'big'"]),
        (lambda: D.dummy(n_features=0), ValueError, ["n_features", "0"]),
        (lambda: D.dummy(seed=-1), ValueError, ["seed", "-1"]),
        (lambda: D.dummy(seed="abc"), TypeError, ["seed", "str"]),
        (lambda: D.moons(n_samples=True), TypeError, ["n_samples", "bool"]),
    ],
)
def test_generator_argument_errors(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value)


# ----------------------------------------------------------------------------- load
@pytest.mark.parametrize("name", list(SHAPES))
def test_load_shapes(name):
    n, d, k = SHAPES[name]
    X, y = D.load(name)
    assert X.shape == (n, d) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.array_equal(np.unique(y), np.arange(k))
    X2, y2, names = D.load(name, return_feature_names=True)
    assert len(names) == d and all(isinstance(s, str) and s for s in names)
    assert len(set(names)) == d
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_load_content_spot_checks():
    X, y, names = D.load("iris", return_feature_names=True)
    assert names[0] == "sepal length (cm)"
    assert X[0].tolist() == [5.1, 3.5, 1.4, 0.2] and y[0] == 0
    assert np.bincount(y).tolist() == [50, 50, 50]
    X, y = D.load("digits")
    assert X.min() == 0.0 and X.max() == 16.0  # raw pixels, not scaled
    assert np.all(X == np.round(X))
    _, y = D.load("breast_cancer")
    assert np.bincount(y).tolist() == [212, 357]


def test_load_matches_sklearn():
    import sklearn.datasets as skd
    for name in D.NAMES:
        X, y, names = D.load(name, return_feature_names=True)
        bunch = getattr(skd, f"load_{name}")()
        assert np.array_equal(X, bunch.data) and np.array_equal(y, bunch.target)
        assert names == [str(s) for s in bunch.feature_names]


def test_load_unknown_name_lists_names():
    with pytest.raises(ValueError) as info:
        D.load("mnist")
    for name in ("mnist", *D.NAMES):
        assert name in str(info.value)
    with pytest.raises(TypeError, match="name"):
        D.load(3)


# ----------------------------------------------------------------------------- from_csv
def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_from_csv_happy_path_numeric_int_target(tmp_path):
    path = write(tmp_path, "a,label,b\n1,0,2.5\n3,1,-4\n5,2,6e1\n\n")
    X, y, names = D.from_csv(path, "label")
    assert names == ["a", "b"]
    assert X.dtype == np.float64 and X.tolist() == [[1.0, 2.5], [3.0, -4.0], [5.0, 60.0]]
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 2]
    _, y, _ = D.from_csv(str(path), "b")  # str path; non-integral numbers stay float64
    assert y.dtype == np.float64 and y.tolist() == [2.5, -4.0, 60.0]


def test_from_csv_float_text_target_is_a_quantity_unless_told(tmp_path):
    """199000.0 is a price, not a class: floats written as floats are a regression target."""
    path = write(tmp_path, "x,t\n1,199000.0\n2,2.0\n")
    _, y, _ = D.from_csv(path, "t")
    assert y.dtype == np.float64 and y.tolist() == [199000.0, 2.0]
    _, y, _ = D.from_csv(path, "t", task="classification")
    assert y.dtype == np.int64 and y.tolist() == [199000, 2]
    _, y, _ = D.from_csv(write(tmp_path, "x,t\n1,3\n2,4\n"), "t", task="regression")
    assert y.dtype == np.float64
    with pytest.raises(ValueError, match=r"'t' holds 'b' \(row 2\); a regression needs"):
        D.from_csv(write(tmp_path, "x,t\n1,3\n2,b\n"), "t", task="regression")


def test_from_csv_string_target_kept(tmp_path):
    path = write(tmp_path, "x;y;species\n1;2;setosa\n3;4; virginica\n")
    X, y, names = D.from_csv(path, "species", delimiter=";")
    assert y.dtype.kind == "U" and y.tolist() == ["setosa", "virginica"]
    assert names == ["x", "y"] and X.shape == (2, 2)


def test_from_csv_missing_values_reported(tmp_path):
    path = write(tmp_path, "a,b,t\n1,2,0\n,3,1\n4,NA,?\n5,6,1\n")
    with pytest.raises(ValueError) as info:
        D.from_csv(path, "t")
    msg = str(info.value)
    assert "3 missing" in msg
    assert "row 2 (line 3), column 'a'" in msg
    assert "row 3 (line 4), column 'b'" in msg and "row 3 (line 4), column 't'" in msg
    assert "row 1" not in msg and "row 4" not in msg


def test_from_csv_missing_values_capped_at_ten(tmp_path):
    text = "a,t\n" + "".join("nan,1\n" for _ in range(12))
    with pytest.raises(ValueError) as info:
        D.from_csv(write(tmp_path, text), "t")
    msg = str(info.value)
    assert "12 missing" in msg and "row 10 " in msg and "row 11 " not in msg


def test_from_csv_bad_target_lists_columns(tmp_path):
    with pytest.raises(ValueError) as info:
        D.from_csv(write(tmp_path, "alpha,beta\n1,2\n"), "gamma")
    assert all(s in str(info.value) for s in ("gamma", "alpha", "beta"))


def test_from_csv_non_numeric_feature_named(tmp_path):
    path = write(tmp_path, "a,colour,t\n1,2,x\n2,red,y\n3,blue,z\n")
    with pytest.raises(ValueError) as info:
        D.from_csv(path, "t")
    msg = str(info.value)
    assert "'colour'" in msg and "row 2 (line 3)" in msg and "'red'" in msg
    assert "'a'" not in msg


def test_from_csv_ragged_row(tmp_path):
    with pytest.raises(ValueError, match=r"line 3 .* 2 fields, expected 3"):
        D.from_csv(write(tmp_path, "a,b,t\n1,2,0\n3,4\n"), "t")


def test_from_csv_empty_and_header_only(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        D.from_csv(write(tmp_path, ""), "t")
    with pytest.raises(ValueError, match="no data rows"):
        D.from_csv(write(tmp_path, "a,t\n"), "t")


def test_from_csv_argument_types(tmp_path):
    path = write(tmp_path, "a,t\n1,0\n")
    with pytest.raises(TypeError, match="target"):
        D.from_csv(path, 1)
    with pytest.raises(TypeError, match="path_or_frame"):
        D.from_csv(12, "t")
    with pytest.raises(ValueError, match="delimiter"):
        D.from_csv(path, "t", delimiter=",,")


def test_from_csv_dataframe():
    import pandas as pd
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4], "kind": ["cat", "dog"]})
    X, y, names = D.from_csv(df, "kind")
    assert names == ["a", "b"] and X.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert y.tolist() == ["cat", "dog"] and y.dtype.kind == "U"
    _, y, _ = D.from_csv(df[["a", "b"]], "b")
    assert y.dtype == np.int64 and y.tolist() == [3, 4]
    with pytest.raises(ValueError, match=r"row 2, column 'a'"):
        D.from_csv(pd.DataFrame({"a": [1.0, None], "t": [0, 1]}), "t")


# ----------------------------------------------------------------------------- Standardizer
def test_standardizer_round_trip_and_zero_std():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(5, 3, 50), np.full(50, 0.1), rng.uniform(-2, 9, 50)])
    s = D.Standardizer()
    Z = s.fit_transform(X)
    assert s.scale_[1] == 1.0 and np.all(Z[:, 1] == 0.0)
    assert np.allclose(Z[:, [0, 2]].mean(axis=0), 0.0)
    assert np.allclose(Z[:, [0, 2]].std(axis=0), 1.0)
    assert np.allclose(s.inverse_transform(Z), X)
    assert np.allclose(s.mean_, X.mean(axis=0))


def test_standardizer_dtype_and_errors():
    X32 = np.arange(12, dtype=np.float32).reshape(4, 3)
    s = D.Standardizer()
    with pytest.raises(ValueError, match="fit"):
        s.transform(X32)
    assert s.fit_transform(X32).dtype == np.float32
    assert s.inverse_transform(s.transform(X32)).dtype == np.float32
    assert D.Standardizer().fit_transform(np.arange(6).reshape(3, 2)).dtype == np.float64
    with pytest.raises(ValueError, match="expected 3 columns"):
        s.transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match="2-D"):
        s.fit(np.ones(3))


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=8),
                  elements=st.floats(-1e3, 1e3)))
def test_standardizer_property_mean0_std1(X):
    Z = D.Standardizer().fit_transform(X)
    assert Z.shape == X.shape
    varied = X.std(axis=0) > 1e-6
    assert np.allclose(Z[:, varied].mean(axis=0), 0.0, atol=1e-8)
    assert np.allclose(Z[:, varied].std(axis=0), 1.0, atol=1e-8)
    assert np.allclose(D.Standardizer().fit(X).inverse_transform(Z), X, atol=1e-9)


# ----------------------------------------------------------------------------- splitting
def test_train_test_split_sizes_and_partition():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.arange(20)
    X_tr, X_te, y_tr, y_te = D.train_test_split(X, y, test_size=0.25, seed=0)
    assert X_tr.shape == (15, 2) and X_te.shape == (5, 2) and y_te.shape == (5,)
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(20))
    assert np.array_equal(X_tr[:, 0], 2 * y_tr)  # rows stay paired with their labels
    assert not np.array_equal(y_tr, np.arange(15))  # shuffled
    again = D.train_test_split(X, y, test_size=0.25, seed=0)
    assert np.array_equal(again[3], y_te)
    assert len(D.train_test_split(X, y, test_size=3, seed=0)[1]) == 3


def test_train_test_split_stratified():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100, dtype=float)[:, None]
    for seed in range(5):
        _, _, y_tr, y_te = D.train_test_split(X, y, test_size=0.2, seed=seed, stratify=True)
        assert np.bincount(y_te).tolist() == [12, 6, 2]
        assert np.bincount(y_tr).tolist() == [48, 24, 8]


def test_train_test_split_errors():
    X, y = np.zeros((10, 2)), np.zeros(10)
    with pytest.raises(ValueError, match="test_size"):
        D.train_test_split(X, y, test_size=1.0)
    with pytest.raises(ValueError, match="test_size"):
        D.train_test_split(X, y, test_size=10)
    with pytest.raises(ValueError, match="9"):
        D.train_test_split(X, np.zeros(9))
    with pytest.raises(ValueError, match="class"):
        D.train_test_split(X, np.r_[np.zeros(9), 1], stratify=True)
