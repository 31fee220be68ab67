"""What kind of model a target makes: multi-label, one-hot, classes, regression (task=)."""

import warnings

import numpy as np
import pytest

import npmlp
from npmlp.api import output_layer_for
from npmlp.nn.losses import BinaryCrossEntropy


@pytest.fixture
def multilabel():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    return X, (X[:, :3] > 0).astype(int)


def test_multilabel_target_builds_sigmoid_outputs_with_bce(multilabel):
    X, Y = multilabel
    history = npmlp.mlp(X, Y, 32, 30, 1, 0.2, verbose=0, seed=0, learning_rate=0.5)
    model = history.model
    assert model.kind == "multilabel"
    assert [model.layers[-1].units, model.layers[-1].activation.name] == [3, "sigmoid"]
    assert model.loss.name == "binary_crossentropy"
    predicted = model.predict(X)
    assert predicted.shape == Y.shape and set(np.unique(predicted)) <= {0, 1}
    # per-label accuracy: the mean over samples and labels of (a > 0.5) == y (Keras's rule)
    A = model.predict_proba(X[:96])
    logs = model.evaluate(X[:96], Y[:96], batch_size=96)
    assert logs["accuracy"] == pytest.approx(np.mean((A > 0.5) == Y[:96]))
    # binary cross-entropy averaged over the outputs (and samples), as Keras does
    P = np.clip(A, 1e-7, 1 - 1e-7)
    by_hand = -np.mean(Y[:96] * np.log(P) + (1 - Y[:96]) * np.log(1 - P))
    assert logs["loss"] == pytest.approx(by_hand, rel=1e-4)
    assert BinaryCrossEntropy()(Y[:96].astype(float), A) == pytest.approx(by_hand, rel=1e-4)
    # and it learns: per-label accuracy well above the 0.5 of guessing
    assert history.history["accuracy"][-1] > 0.8


def test_softmax_output_refuses_rows_that_are_not_one_hot(multilabel):
    X, Y = multilabel
    model = npmlp.MLP([npmlp.Dense(3, "softmax")], seed=0)
    with pytest.raises(ValueError, match=r"not one-hot.*Dense\(3, 'sigmoid'\)"):
        model.fit(X, Y, verbose=0)
    assert model.encoder is None  # refused: nothing remembered


def test_one_hot_rows_still_make_a_softmax_classifier():
    Y = np.eye(3, dtype=int)[np.arange(30) % 3]
    layer = output_layer_for(Y)
    assert (layer.units, layer.activation.name) == (3, "softmax")


@pytest.mark.parametrize("y, units, activation", [
    (np.arange(50) * 1000.0, 1, "linear"),          # floats: regression
    (np.array([0.0, 1.0] * 25), 1, "sigmoid"),      # float 0/1 labels stay binary
    (np.arange(50) % 3, 3, "softmax"),             # integer labels: classes
    (np.array(["a", "b"] * 25), 1, "sigmoid"),
])
def test_inferred_output(y, units, activation):
    layer = output_layer_for(y)
    assert (layer.units, layer.activation.name) == (units, activation)


def test_task_overrides_the_inference():
    counts = np.arange(60) % 24  # counts 0..23: classes unless told otherwise
    with pytest.warns(UserWarning, match=r"24 classes for 60 samples.*task='regression'"):
        assert output_layer_for(counts).units == 24
    assert output_layer_for(counts, "regression").activation.name == "linear"
    labels = np.array([0.0, 1.0, 2.0] * 10)
    assert output_layer_for(labels).activation.name == "linear"
    layer = output_layer_for(labels, "classification")
    assert (layer.units, layer.activation.name) == (3, "softmax")
    with pytest.raises(ValueError, match="task: expected None, 'classification'"):
        output_layer_for(labels, "classify")
    with pytest.raises(TypeError, match="numeric targets"):
        output_layer_for(np.array(["a", "b"]), "regression")


def test_few_classes_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        output_layer_for(np.arange(150) % 3)


def test_mlp_task_regression_on_whole_numbers():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    y = np.round(3 * X[:, 0] + 10).astype(int)
    model = npmlp.mlp(X, y, 16, 2, 1, 0.2, verbose=0, seed=0, task="regression").model
    assert model.kind == "regression" and model.predict(X).dtype.kind == "f"
