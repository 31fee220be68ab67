"""Every public entry point rejects bad input with a ValueError/TypeError that names the
argument, what was given and what was expected — never a NumPy error from deep inside."""

import numpy as np
import pytest

import npmlp

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 3))
Y = np.arange(20) % 2


def model(**kw):
    return npmlp.MLP([npmlp.Dense(4, "relu"), npmlp.Dense(1, "sigmoid")], seed=0, **kw)


def fitted():
    m = model()
    m.fit(X, Y, epochs=1, verbose=0)
    return m


def fit(Xd=X, yd=Y, **kw):
    kw.setdefault("verbose", 0)
    return model().fit(Xd, yd, **kw)


# (call, exception type, words the message must contain)
CASES = {
    "X 1-D": (lambda: fit(X[:, 0]), ValueError, ["X", "2-D", "(20,)"]),
    "X 3-D": (lambda: fit(X[:, :, None]), ValueError, ["X", "2-D", "(20, 3, 1)"]),
    "X ragged": (lambda: fit([[1.0, 2.0], [3.0]], [0, 1]), ValueError, ["X", "rectangular"]),
    "X strings": (lambda: fit(np.array([["a", "b"], ["c", "d"]]), [0, 1]), TypeError,
                  ["X", "numeric", "<U1"]),
    "X objects": (lambda: fit(np.array([[1, "b"], [2, 3]], dtype=object), [0, 1]), TypeError,
                  ["X", "numeric"]),
    "X complex": (lambda: fit(X + 1j), TypeError, ["X", "real", "complex"]),
    "X NaN": (lambda: fit(np.where(X > 1, np.nan, X)), ValueError, ["X", "NaN"]),
    "X inf": (lambda: fit(np.where(X > 1, np.inf, X)), ValueError, ["X", "infinity"]),
    "X bool": (lambda: fit(X > 0), TypeError, ["X", "bool", "float"]),
    "X zero rows": (lambda: fit(X[:0], Y[:0]), ValueError, ["X", "0 samples"]),
    "X zero features": (lambda: fit(X[:, :0]), ValueError, ["X", "0 features"]),
    "X sparse": (lambda: fit(__import__("scipy.sparse").sparse.csr_matrix(X)), TypeError,
                 ["X", "sparse", "toarray"]),
    "y NaN": (lambda: fit(yd=np.where(Y > 0, np.nan, 0.0)), ValueError, ["y", "NaN"]),
    "y inf": (lambda: npmlp.MLP([npmlp.Dense(1, "linear")]).fit(
        X, np.where(Y > 0, np.inf, 0.0), verbose=0), ValueError, ["y", "infinity"]),
    "y None": (lambda: fit(yd=[None] + list(Y[1:])), ValueError, ["y", "missing", "None"]),
    "y mixed objects": (lambda: fit(yd=np.array([b"x"] + list(Y[1:]), dtype=object)),
                        TypeError, ["y", "mixes", "bytes"]),
    "y complex": (lambda: fit(yd=Y + 1j), TypeError, ["y", "real", "complex"]),
    "y mismatched n": (lambda: fit(yd=Y[:-1]), ValueError, ["X", "y", "20", "19"]),
    "y 3-D": (lambda: fit(yd=Y[:, None, None]), ValueError, ["y", "1-D or 2-D", "(20, 1, 1)"]),
    "y scalar": (lambda: fit(yd=1), ValueError, ["y", "1-D or 2-D"]),
    "y one class": (lambda: fit(yd=np.zeros(20)), ValueError, ["y", "one class", "two"]),
    "y one class str": (lambda: fit(yd=["a"] * 20), ValueError, ["y", "1 distinct", "two"]),
    "y too many classes": (lambda: fit(yd=np.arange(20) % 3), ValueError,
                           ["y", "3 distinct", "softmax"]),
    "y 2 cols, 1 output": (lambda: fit(yd=np.c_[Y, Y]), ValueError, ["y", "(20, 2)"]),
    "y 2 cols, linear 1": (lambda: npmlp.MLP([npmlp.Dense(1, "linear")]).fit(
        X, np.c_[Y, Y], verbose=0), ValueError, ["y", "2 columns", "1 units"]),
    "y softmax 3 units, 4 classes": (lambda: npmlp.MLP([npmlp.Dense(3, "softmax")]).fit(
        X, np.arange(20) % 4, verbose=0), ValueError, ["y", "4 classes", "3 units"]),
    "batch_size 0": (lambda: fit(batch_size=0), ValueError, ["batch_size", ">= 1", "0"]),
    "batch_size -3": (lambda: fit(batch_size=-3), ValueError, ["batch_size", "-3"]),
    "batch_size 2.0": (lambda: fit(batch_size=2.0), TypeError, ["batch_size", "int", "2.0"]),
    "batch_size True": (lambda: fit(batch_size=True), TypeError, ["batch_size", "int"]),
    "epochs -1": (lambda: fit(epochs=-1), ValueError, ["epochs", ">= 0", "-1"]),
    "epochs 1.5": (lambda: fit(epochs=1.5), TypeError, ["epochs", "int", "1.5"]),
    "initial_epoch -1": (lambda: fit(initial_epoch=-1), ValueError, ["initial_epoch", "-1"]),
    "validation_split 1.0": (lambda: fit(validation_split=1.0), ValueError,
                             ["validation_split", "[0.0, 1.0)", "1.0"]),
    "validation_split -0.1": (lambda: fit(validation_split=-0.1), ValueError,
                              ["validation_split", "[0.0, 1.0)"]),
    "validation_split no train": (lambda: fit(validation_split=0.99), ValueError,
                                  ["validation_split=0.99", "0 training"]),
    "validation_split no val": (lambda: fit(validation_split=1e-17), ValueError,
                                ["validation_split=1e-17", "0 validation"]),
    "validation_data shape": (lambda: fit(validation_data=X), TypeError,
                              ["validation_data", "tuple"]),
    "verbose 5": (lambda: fit(verbose=5), ValueError, ["verbose", "0, 1 or 2", "5"]),
    "callbacks": (lambda: fit(callbacks=[print]), TypeError, ["callbacks[0]", "Callback"]),
    "predict other n_features": (lambda: fitted().predict(X[:, :2]), ValueError,
                                 ["X", "2 features", "expects 3"]),
    "predict NaN": (lambda: fitted().predict(np.full((2, 3), np.nan)), ValueError,
                    ["X", "NaN"]),
    "evaluate scalar y": (lambda: fitted().evaluate(X, 3), ValueError, ["y", "1-D or 2-D"]),
    "evaluate batch_size 0": (lambda: fitted().evaluate(X, Y, batch_size=0), ValueError,
                              ["batch_size", ">= 1"]),
    "evaluate unseen label": (lambda: fitted().evaluate(X, Y + 5), ValueError,
                              ["y", "not seen", "known"]),
    "learning_rate 0": (lambda: npmlp.SGD(0), ValueError, ["learning_rate", "> 0.0", "0.0"]),
    "learning_rate -1": (lambda: npmlp.Adam(-1.0), ValueError, ["learning_rate", "-1.0"]),
    "learning_rate NaN": (lambda: npmlp.RMSprop(float("nan")), ValueError,
                          ["learning_rate", "finite", "nan"]),
    "learning_rate inf": (lambda: npmlp.SGD(float("inf")), ValueError,
                          ["learning_rate", "finite"]),
    "learning_rate str": (lambda: npmlp.SGD("0.1"), TypeError,
                          ["learning_rate", "real number", "'0.1'"]),
    "momentum 1": (lambda: npmlp.SGD(0.1, momentum=1.0), ValueError, ["momentum", "[0.0, 1.0)"]),
    "momentum -0.1": (lambda: npmlp.SGD(0.1, momentum=-0.1), ValueError,
                      ["momentum", "[0.0, 1.0)", "-0.1"]),
    "rmsprop momentum 1": (lambda: npmlp.RMSprop(momentum=1.0), ValueError, ["momentum"]),
    "beta_1 1": (lambda: npmlp.Adam(beta_1=1.0), ValueError, ["beta_1", "[0.0, 1.0)"]),
    "epsilon 0": (lambda: npmlp.Adam(epsilon=0.0), ValueError, ["epsilon", "> 0.0"]),
    "clipnorm 0": (lambda: npmlp.SGD(clipnorm=0.0), ValueError, ["clipnorm", "> 0.0"]),
    "clipnorm both": (lambda: npmlp.SGD(clipnorm=1.0, global_clipnorm=1.0), ValueError,
                      ["clipnorm", "global_clipnorm"]),
    "schedule decay_steps 0": (lambda: npmlp.ExponentialDecay(0.1, 0, 0.5), ValueError,
                               ["decay_steps", ">= 1"]),
    "schedule lr 0": (lambda: npmlp.InverseTimeDecay(0.0, 10, 0.5), ValueError,
                      ["initial_learning_rate", "> 0.0"]),
    "schedule decay_rate -1": (lambda: npmlp.InverseTimeDecay(0.1, 10, -1.0), ValueError,
                               ["decay_rate", ">= 0.0"]),
    "Dense units 0": (lambda: npmlp.Dense(0), ValueError, ["units", ">= 1", "0"]),
    "Dense units 2.5": (lambda: npmlp.Dense(2.5), TypeError, ["units", "int", "2.5"]),
    "Dense activation": (lambda: npmlp.Dense(3, "relux"), ValueError,
                         ["activation", "'relux'", "relu", "sigmoid", "tanh", "softmax"]),
    "Dense activation type": (lambda: npmlp.Dense(3, 5), TypeError, ["activation", "int"]),
    "Dense initializer": (lambda: npmlp.Dense(3, kernel_initializer="ones"), ValueError,
                          ["initializer", "'ones'", "glorot_uniform", "he_normal"]),
    "Dense regularizer": (lambda: npmlp.Dense(3, kernel_regularizer=0.1), TypeError,
                          ["kernel_regularizer", "L2"]),
    "L2 negative": (lambda: npmlp.L2(-1), ValueError, ["l2", ">= 0.0", "-1"]),
    "L2 NaN": (lambda: npmlp.L2(float("nan")), ValueError, ["l2", "finite"]),
    "MLP loss": (lambda: model(loss="hinge"), ValueError,
                 ["loss", "'hinge'", "binary_crossentropy", "mean_squared_error"]),
    "MLP optimizer": (lambda: model(optimizer="adamw"), ValueError,
                      ["optimizer", "'adamw'", "adam", "rmsprop", "sgd"]),
    "MLP optimizer type": (lambda: model(optimizer=0.1), TypeError, ["optimizer", "float"]),
    "MLP dtype float16": (lambda: model(dtype="float16"), ValueError,
                          ["dtype", "float32", "float64", "float16"]),
    "MLP dtype int": (lambda: model(dtype=int), ValueError, ["dtype", "float32"]),
    "MLP dtype nonsense": (lambda: model(dtype="foo"), TypeError, ["dtype", "'foo'"]),
    "MLP seed -1": (lambda: npmlp.MLP([npmlp.Dense(1)], seed=-1), ValueError, ["seed", "-1"]),
    "MLP seed float": (lambda: npmlp.MLP([npmlp.Dense(1)], seed=1.5), TypeError, ["seed"]),
    "MLP layers empty": (lambda: npmlp.MLP([]), TypeError, ["layers", "non-empty"]),
    "MLP layers junk": (lambda: npmlp.MLP([npmlp.Dense(2), "relu"]), TypeError,
                        ["layers[1]", "Dense", "str"]),
    "MLP input_dim 0": (lambda: npmlp.MLP([npmlp.Dense(1)], input_dim=0), ValueError,
                        ["input_dim", ">= 1"]),
    "set_weights not a list": (lambda: model(input_dim=3).set_weights(5), TypeError,
                               ["weights", "list", "int"]),
    "set_weights count": (lambda: model(input_dim=3).set_weights([np.zeros((3, 4))]),
                          ValueError, ["set_weights", "4 arrays", "got 1"]),
    "set_weights shape": (lambda: model(input_dim=3).set_weights(
        [np.zeros((3, 5)), np.zeros(4), np.zeros((4, 1)), np.zeros(1)]), ValueError,
        ["weights[0]", "(3, 5)", "(3, 4)"]),
    "set_weights NaN": (lambda: model(input_dim=3).set_weights(
        [np.full((3, 4), np.nan), np.zeros(4), np.zeros((4, 1)), np.zeros(1)]), ValueError,
        ["weights[0]", "NaN"]),
    "set_weights strings": (lambda: model(input_dim=3).set_weights(
        [np.full((3, 4), "a"), np.zeros(4), np.zeros((4, 1)), np.zeros(1)]), TypeError,
        ["weights[0]", "numeric"]),
    "set_weights ragged": (lambda: model(input_dim=3).set_weights(
        [[[1.0, 2.0], [3.0]], np.zeros(4), np.zeros((4, 1)), np.zeros(1)]), ValueError,
        ["weights[0]", "rectangular"]),
    "EarlyStopping patience": (lambda: npmlp.EarlyStopping(patience=-1), ValueError,
                               ["patience", ">= 0", "-1"]),
    "EarlyStopping mode": (lambda: npmlp.EarlyStopping(mode="up"), ValueError,
                           ["mode", "'auto'", "'up'"]),
    "EarlyStopping min_delta": (lambda: npmlp.EarlyStopping(min_delta="x"), TypeError,
                                ["min_delta", "real number", "'x'"]),
    "EarlyStopping monitor": (lambda: npmlp.EarlyStopping(monitor=3), TypeError,
                              ["monitor", "str", "3"]),
    "EarlyStopping unknown metric": (lambda: fit(callbacks=[npmlp.EarlyStopping("val_loss")]),
                                     ValueError, ["val_loss", "logged", "validation"]),
    "ModelCheckpoint path": (lambda: npmlp.ModelCheckpoint(3), TypeError, ["path", "int"]),
    "ModelCheckpoint mode": (lambda: npmlp.ModelCheckpoint("m.npz", mode="best"), ValueError,
                             ["mode", "'best'", "'min'"]),
    "ModelCheckpoint save_best_only": (lambda: npmlp.ModelCheckpoint("m.npz",
                                       save_best_only="yes"), TypeError, ["save_best_only"]),
    "ModelCheckpoint monitor": (lambda: npmlp.ModelCheckpoint("m.npz", monitor=None),
                                TypeError, ["monitor"]),
    "mlp layers=0 with units": (lambda: npmlp.mlp(X, Y, layers=0, units=3, verbose=0),
                                ValueError, ["units", "layers=0"]),
    "mlp layers -1": (lambda: npmlp.mlp(X, Y, layers=-1, verbose=0), ValueError,
                      ["layers", ">= 0"]),
    "mlp dtype": (lambda: npmlp.mlp(X, Y, dtype="foo", verbose=0), TypeError, ["dtype", "'foo'"]),
    "mlp optimizer": (lambda: npmlp.mlp(X, Y, optimizer="nadam", verbose=0), ValueError,
                      ["optimizer", "'nadam'", "adam"]),
    "mlp activation": (lambda: npmlp.mlp(X, Y, activation="gelu", verbose=0), ValueError,
                       ["activation", "'gelu'", "relu"]),
    "mlp learning_rate": (lambda: npmlp.mlp(X, Y, learning_rate=-1, verbose=0), ValueError,
                          ["learning_rate", "-1"]),
    "mlp momentum with adam": (lambda: npmlp.mlp(X, Y, optimizer="adam", momentum=0.9,
                                                 verbose=0), ValueError,
                               ["momentum", "adam", "sgd and rmsprop"]),
    "mlp validation_split": (lambda: npmlp.mlp(X, Y, validation_split=1.0, verbose=0),
                             ValueError, ["validation_split"]),
    "mlp X NaN": (lambda: npmlp.mlp(np.full((4, 2), np.nan), [0, 1, 0, 1], verbose=0),
                  ValueError, ["X", "NaN"]),
    "datasets n_samples": (lambda: npmlp.datasets.moons(n_samples=0), ValueError,
                           ["n_samples", "0"]),
    "datasets noise": (lambda: npmlp.datasets.moons(noise=-1), ValueError, ["noise", "-1"]),
    "datasets name": (lambda: npmlp.datasets.load("mnist"), ValueError,
                      ["'mnist'", "iris"]),
    "load path type": (lambda: npmlp.load(3), TypeError, ["path", "int"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gets_a_clear_error(name):
    call, exc_type, words = CASES[name]
    with pytest.raises(exc_type) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} missing from {message!r}"
    # The error comes from npmlp's checks, not from NumPy broadcasting deep inside.
    assert "broadcast" not in message and "operands could not" not in message


def test_batch_size_larger_than_n_is_one_batch():
    m = model()
    seen = []

    class Count(npmlp.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(logs["size"])

    m.fit(X, Y, batch_size=1000, epochs=2, verbose=0, callbacks=[Count()])
    assert seen == [20, 20]


def test_pandas_dataframe_and_series_are_accepted_in_column_order():
    import pandas as pd
    frame = pd.DataFrame({"c": X[:, 2], "a": X[:, 0], "b": X[:, 1]})
    m1, m2 = model(dtype="float64"), model(dtype="float64")
    m1.fit(frame, pd.Series(Y), epochs=2, verbose=0, shuffle=False)
    m2.fit(X[:, [2, 0, 1]], Y, epochs=2, verbose=0, shuffle=False)
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(m1.predict(frame), m2.predict(X[:, [2, 0, 1]]))


def test_pandas_non_numeric_columns_are_named():
    import pandas as pd
    frame = pd.DataFrame({"ok": X[:, 0], "city": ["x"] * 20, "when": pd.Timestamp(0)})
    with pytest.raises(TypeError, match="non-numeric columns: city, when"):
        model().fit(frame, Y, verbose=0)


def test_pandas_nullable_column_with_missing_value_is_reported():
    import pandas as pd
    frame = pd.DataFrame({"a": pd.array([1, None] * 10, dtype="Int64")})
    with pytest.raises(ValueError, match="X contains NaN"):
        model().fit(frame, Y, verbose=0)
    filled = pd.DataFrame({"a": pd.array(list(range(20)), dtype="Int64")})
    model().fit(filled, Y, epochs=1, verbose=0)


def test_string_labels_are_kept_and_predicted():
    rng = np.random.default_rng(3)
    Xs = rng.normal(size=(60, 2))
    labels = np.where(Xs[:, 0] + Xs[:, 1] > 0, "yes", "no").astype(object)
    m = npmlp.MLP([npmlp.Dense(8, "tanh"), npmlp.Dense(1, "sigmoid")],
                  optimizer=npmlp.Adam(0.05), seed=0)
    m.fit(Xs, labels, epochs=40, verbose=0)
    pred = m.predict(Xs)
    # the user's labels come back, sorted classes: "no" is output 0, "yes" output 1
    np.testing.assert_array_equal(pred, np.where(m.predict_proba(Xs)[:, 0] > 0.5, "yes", "no"))
    # a constant predictor fails both: it must have learnt the (linearly separable) rule
    assert set(pred) == {"yes", "no"}
    assert np.mean(pred == labels) > 0.9


def test_unfitted_model_says_what_to_do():
    with pytest.raises(RuntimeError, match="fit"):
        model().predict(X)


@pytest.mark.parametrize("option,value,words", [
    ("--learning-rate", "-1", ["--learning-rate", "> 0"]),
    ("--learning-rate", "nan", ["--learning-rate", "finite"]),
    ("--validation-split", "1.0", ["--validation-split", "[0, 1)"]),
    ("--momentum", "1.0", ["--momentum", "[0, 1)"]),
    ("--clipnorm", "0", ["--clipnorm", "> 0"]),
    ("--l2", "-0.5", ["--l2", ">= 0"]),
])
def test_cli_rejects_bad_values_at_parse_time_in_cli_words(capsys, option, value, words):
    """Checked by argparse before anything runs, named as on the command line."""
    from npmlp import cli

    with pytest.raises(SystemExit) as info:
        cli.main(["train", "--epochs", "1", "--samples", "20", "--quiet", "--seed", "0",
                  option, value])
    err = capsys.readouterr().err.strip()
    assert info.value.code == 2
    assert err.splitlines()[-1].startswith("npmlp train: error: argument ")
    for word in words:
        assert word in err.splitlines()[-1]
    assert "_" not in err.splitlines()[-1].split(":")[2]  # no Python parameter names


@pytest.mark.parametrize("argv", [["train", "--batch-size", "0"], ["train", "--epochs", "1.5"],
                                  ["train", "--dtype", "float16"]])
def test_cli_argument_errors_exit_with_2(argv, capsys):
    from npmlp import cli

    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert "error:" in capsys.readouterr().err
