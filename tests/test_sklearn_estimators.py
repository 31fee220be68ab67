"""npmlp.sklearn: behaviour beyond scikit-learn's generic checks (weights, partial_fit, parity
with npmlp.MLP, Pipeline / GridSearchCV / cross_val_score / clone)."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

import npmlp
from npmlp.sklearn import MLPClassifier, MLPRegressor


def _weights(est):
    return est.model_.get_weights()


def _assert_same_weights(a, b, **tol):
    for Wa, Wb in zip(a, b, strict=True):
        np.testing.assert_allclose(Wa, Wb, **tol)


def _differs(a, b, atol=1e-6):
    return any(not np.allclose(Wa, Wb, rtol=0, atol=atol) for Wa, Wb in zip(a, b))


@pytest.fixture(scope="module")
def moons():
    return npmlp.datasets.moons(120, noise=0.2, seed=1)


# --- a faithful wrapper ----------------------------------------------------------------------


def test_classifier_equals_plain_mlp_with_same_seed(moons):
    X, y = moons
    est = MLPClassifier((8, 4), activation="tanh", optimizer="sgd", learning_rate=0.05,
                        momentum=0.5, batch_size=16, epochs=4, l2=1e-3, random_state=3).fit(X, y)
    reg = npmlp.L2(1e-3)
    model = npmlp.MLP([npmlp.Dense(8, "tanh", kernel_regularizer=reg),
                       npmlp.Dense(4, "tanh", kernel_regularizer=reg),
                       npmlp.Dense(1, "sigmoid", kernel_regularizer=reg)],
                      optimizer=npmlp.SGD(0.05, momentum=0.5), seed=3, dtype="float64")
    history = model.fit(X, y, batch_size=16, epochs=4, verbose=0)
    _assert_same_weights(_weights(est), model.get_weights(), rtol=0, atol=0)
    assert est.loss_curve_ == history.loss and est.n_iter_ == 4
    assert est.history_.history == history.history


def test_predict_proba_columns_follow_classes(moons):
    X, y = moons
    labels = np.array(["north", "south"])[y]
    est = MLPClassifier((8,), epochs=5, random_state=0).fit(X, labels)
    assert est.classes_.tolist() == ["north", "south"]
    P = est.predict_proba(X)
    p = est.model_.predict_proba(X)[:, 0]  # sigmoid: P(classes_[1])
    np.testing.assert_allclose(P, np.column_stack([1 - p, p]), rtol=0, atol=0)
    assert est.predict(X).tolist() == est.classes_[(p > 0.5).astype(int)].tolist()
    Xi, yi = npmlp.datasets.load("iris")
    names = np.array(["c", "a", "b"])[yi]  # classes_ sorted: a, b, c
    est = MLPClassifier((8,), epochs=5, random_state=0).fit(Xi, names)
    P = est.predict_proba(Xi)
    assert P.shape == (150, 3) and np.allclose(P.sum(axis=1), 1)
    assert (est.predict(Xi) == est.classes_[P.argmax(axis=1)]).all()


def test_dataframe_feature_names_and_regressor_outputs():
    import pandas as pd

    X, y = npmlp.datasets.moons(60, seed=0)
    frame = pd.DataFrame(X, columns=["a", "b"])
    est = MLPRegressor((4,), epochs=3, random_state=0).fit(frame, np.column_stack([y, -y]))
    assert est.feature_names_in_.tolist() == ["a", "b"] and est.n_features_in_ == 2
    assert est.n_outputs_ == 2 and est.predict(frame).shape == (60, 2)
    est = MLPRegressor((4,), epochs=3, random_state=0).fit(X, y.astype(float))
    assert est.predict(X).shape == (60,) and not hasattr(est, "feature_names_in_")


@pytest.mark.parametrize("param, value, exc, words", [
    ("hidden_layer_sizes", (4, 0), ValueError, "hidden_layer_sizes"),
    ("hidden_layer_sizes", "4", TypeError, "hidden_layer_sizes"),
    ("activation", "softmax", ValueError, "activation"),
    ("optimizer", "lbfgs", ValueError, "optimizer"),
    ("learning_rate", 0.0, ValueError, "learning_rate"),
    ("batch_size", 0, ValueError, "batch_size"),
    ("epochs", 2.5, TypeError, "epochs"),
    ("validation_fraction", 1.0, ValueError, "validation_fraction"),
    ("random_state", -1, ValueError, "random_state"),
    ("dtype", "float16", ValueError, "dtype"),
    ("class_weight", "auto", TypeError, "class_weight"),
    ("class_weight", {7: 2.0}, ValueError, "class_weight"),
])
def test_bad_parameters_are_named_at_fit(moons, param, value, exc, words):
    est = MLPClassifier(epochs=1).set_params(**{param: value})  # stored, not checked
    with pytest.raises(exc, match=words):
        est.fit(*moons)


# --- sample_weight and class_weight ------------------------------------------------------------


def test_zero_weight_equals_dropping_rows_in_full_batch(moons):
    """Weights are rescaled to mean 1, so in a full batch (batch_size >= n, no shuffling) a
    zero weight removes a row exactly. Without the rescaling (raw Keras semantics, as in
    npmlp.MLP.fit) the same weights give a different model: the check can fail."""
    X, y = moons
    w = np.ones(len(y))
    w[::3] = 0.0
    kept = w > 0
    params = dict(hidden_layer_sizes=(6,), learning_rate=0.05, batch_size=512, epochs=20,
                  shuffle=False, random_state=0)  # one batch, even for the repeated rows
    weighted = MLPClassifier(**params).fit(X, y, sample_weight=w)
    dropped = MLPClassifier(**params).fit(X[kept], y[kept])
    _assert_same_weights(_weights(weighted), _weights(dropped), rtol=1e-13, atol=1e-14)
    raw = MLPClassifier(**params).fit(X, y)
    raw.model_ = raw._new_model(2, 1, "sigmoid")
    raw.model_.fit(X, y, batch_size=512, epochs=20, shuffle=False, verbose=0,
                   sample_weight=w)
    assert _differs(_weights(raw), _weights(dropped))
    # A weight k is k copies of the row, also exactly (full batch).
    reps = np.where(np.arange(len(y)) % 4 == 0, 3, 1)
    repeated = MLPRegressor(**params).fit(np.repeat(X, reps, axis=0),
                                          np.repeat(y, reps).astype(float))
    weighted = MLPRegressor(**params).fit(X, y.astype(float), sample_weight=reps)
    _assert_same_weights(_weights(weighted), _weights(repeated), rtol=1e-13, atol=1e-14)


def test_weights_scaled_by_a_constant_change_nothing(moons):
    X, y = moons
    w = np.random.default_rng(0).uniform(0.1, 2.0, len(y))
    a = MLPClassifier((6,), epochs=3, random_state=0).fit(X, y, sample_weight=w)
    b = MLPClassifier((6,), epochs=3, random_state=0).fit(X, y, sample_weight=50 * w)
    c = MLPClassifier((6,), epochs=3, random_state=0).fit(X, y)
    _assert_same_weights(_weights(a), _weights(b), rtol=1e-10, atol=1e-13)
    assert _differs(_weights(a), _weights(c))


def test_class_weight_is_a_sample_weight(moons):
    X, y = moons
    y = np.where(y == 1, 5, 2)
    a = MLPClassifier((6,), epochs=3, random_state=0, class_weight={5: 3.0}).fit(X, y)
    b = MLPClassifier((6,), epochs=3, random_state=0).fit(X, y, sample_weight=np.where(
        y == 5, 3.0, 1.0))
    _assert_same_weights(_weights(a), _weights(b), rtol=0, atol=0)
    Xs, ys = X[:80], y[:80]
    ys = np.where(np.arange(80) < 60, 2, 5)  # imbalanced: 60 against 20
    a = MLPClassifier((6,), epochs=3, random_state=0, class_weight="balanced").fit(Xs, ys)
    b = MLPClassifier((6,), epochs=3, random_state=0).fit(
        Xs, ys, sample_weight=compute_sample_weight("balanced", ys))
    _assert_same_weights(_weights(a), _weights(b), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(Xs, ys, classes=[2, 5])


def test_bad_sample_weights(moons):
    X, y = moons
    est = MLPClassifier(epochs=1)
    with pytest.raises(ValueError, match=r"shape \(120,\)"):
        est.fit(X, y, sample_weight=np.ones(5))
    with pytest.raises(ValueError, match=">= 0"):
        est.fit(X, y, sample_weight=-np.ones(120))
    with pytest.raises(ValueError, match="one class"):
        est.fit(X, y, sample_weight=(y == 1).astype(float))


# --- partial_fit -------------------------------------------------------------------------------


def test_partial_fit_continues_like_more_epochs(moons):
    X, y = moons
    params = dict(hidden_layer_sizes=(6,), batch_size=16, shuffle=False, random_state=0)
    full = MLPClassifier(epochs=3, **params).fit(X, y)
    inc = MLPClassifier(**params)
    for _ in range(3):
        inc.partial_fit(X, y, classes=[0, 1])
    _assert_same_weights(_weights(full), _weights(inc), rtol=0, atol=0)
    assert inc.loss_curve_ == full.loss_curve_ and inc.n_iter_ == 3
    # Adam's moments are kept between calls: a fresh optimizer would give other weights.
    fresh = MLPClassifier(epochs=1, **params).fit(X, y)
    fresh.model_.optimizer = npmlp.Adam(0.001)
    fresh.model_.fit(X, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert _differs(_weights(fresh), _weights(full), atol=1e-9)


def test_partial_fit_classes_rules(moons):
    X, y = moons
    with pytest.raises(ValueError, match="classes must be given"):
        MLPClassifier().partial_fit(X, y)
    est = MLPClassifier((4,), random_state=0).partial_fit(X[:10], y[:10], classes=[0, 1, 2])
    assert est.classes_.tolist() == [0, 1, 2] and est.predict_proba(X).shape == (120, 3)
    est.partial_fit(X[y == 0], y[y == 0])  # one class in a later chunk is fine
    with pytest.raises(ValueError, match="not in classes"):
        est.partial_fit(X[:5], np.full(5, 7))
    with pytest.raises(ValueError, match="differ"):
        est.partial_fit(X[:5], y[:5], classes=[0, 1])
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(X[:5, :1], y[:5])


def test_early_stopping_stops_after_patience():
    X, y = npmlp.datasets.moons(200, noise=0.3, seed=0)
    est = MLPClassifier((32,), learning_rate=0.05, epochs=300, early_stopping=True,
                        n_iter_no_change=5, validation_fraction=0.2, random_state=0).fit(X, y)
    val = est.history_.val_loss
    assert est.n_iter_ < 300 and len(est.loss_curve_) == est.n_iter_
    best = int(np.argmin(val))
    assert est.n_iter_ == best + 1 + 5  # patience 5 after the best epoch
    assert est.score(X, y) > 0.8


# --- scikit-learn's tools ----------------------------------------------------------------------


def test_pipeline_gridsearch_cross_val_clone():
    X, y = npmlp.datasets.load("iris")
    pipe = make_pipeline(StandardScaler(), MLPClassifier((16,), learning_rate=0.01, epochs=40,
                                                         random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8
    search = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(4,), (16,)],
                                 "mlpclassifier__learning_rate": [0.01, 0.03]},
                          cv=3, n_jobs=2).fit(X, y)
    assert set(search.best_params_) == {"mlpclassifier__hidden_layer_sizes",
                                        "mlpclassifier__learning_rate"}
    assert search.best_score_ > 0.85 and search.score(X, y) > 0.85
    twin = clone(search.best_estimator_)
    assert twin.get_params()["mlpclassifier__learning_rate"] == \
        search.best_params_["mlpclassifier__learning_rate"]
    assert not hasattr(twin[-1], "model_")
    twin.fit(X, y)  # same parameters and seed: the same network as the refit
    _assert_same_weights(_weights(twin[-1]), _weights(search.best_estimator_[-1]),
                         rtol=0, atol=0)


def test_import_without_sklearn_says_how_to_install():
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "import npmlp\n"
            "try:\n    import npmlp.sklearn\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "pip install 'npmlp[sklearn]'" in out.stdout


def test_classifier_multilabel_indicator_y():
    """A 0/1 label-indicator y: one sigmoid per label, predict returns 0/1 rows (as sklearn)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    Y = (X[:, :3] > 0).astype(int)
    clf = MLPClassifier((16,), epochs=60, learning_rate=0.01, random_state=0).fit(X, Y)
    assert clf.model_.kind == "multilabel" and clf.model_.loss.name == "binary_crossentropy"
    assert clf.classes_.tolist() == [0, 1, 2]
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3) and not np.allclose(proba.sum(axis=1), 1)
    predicted = clf.predict(X)
    assert predicted.shape == Y.shape
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(int))
    assert np.mean(predicted == Y) > 0.85  # per-label accuracy
    with pytest.raises(ValueError, match="multi-label now but was not"):
        clf.partial_fit(X, Y[:, 0])
    chunked = MLPClassifier((16,), random_state=0).partial_fit(X[:75], Y[:75])  # no classes=
    chunked.partial_fit(X[75:], Y[75:])
    assert chunked.classes_.tolist() == [0, 1, 2] and chunked.predict(X).shape == Y.shape
