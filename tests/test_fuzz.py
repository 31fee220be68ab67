"""Property-based fuzzing: random architectures, batch sizes, dtypes, data shapes and damaged
files, each with the outcome derived from the drawn case. Damaged data must be refused by
npmlp's own validation (a ValueError/TypeError raised in npmlp's code, with the message that
names the damage); undamaged data must train, or be refused for the one reason the case
implies (one class, an empty side of the split), or stop with npmlp.DivergenceError. A damaged
model file either fails to load with ModelFileError or loads bit-identical to the saved model.
`make fuzz` runs many more examples (HYPOTHESIS_PROFILE=fuzz, see conftest.py)."""

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import npmlp

PACKAGE = Path(npmlp.__file__).resolve().parent
HIDDEN = ["relu", "tanh", "sigmoid", "leaky_relu", "linear"]
OUTPUT = {"binary": (1, "sigmoid"), "multiclass": (3, "softmax"), "regression": (2, "linear"),
          "multilabel": (2, "sigmoid")}

# What npmlp says for each damage (and kind, where the encoder's message differs).
DAMAGE_MESSAGES = {
    "nan": r"^X contains NaN or infinity$",
    "short_y": r"^X and y have different lengths: \d+ and \d+$",
    "flat_X": r"^X must be 2-D \(n_samples, n_features\), got shape \(\d+,\)$",
    ("wide_y", "binary"): r"^y must be 1-D labels or \(n, 1\), got shape \(\d+, 3\)$",
    ("wide_y", "multiclass"): r"^y has \d+ row\(s\) \(first: row \d+, .*\) that are not one-hot",
    ("wide_y", "regression"): r"^y has 6 columns but the output layer has 2 units$",
    ("wide_y", "multilabel"): r"^y has 6 columns but the output layer has 2 units$",
}
ONE_CLASS = r"^y has one class only; classification needs at least two$"
EMPTY_SPLIT = r"^validation_split=[\d.]+ with \d+ samples leaves \d+ training and \d+ validation"

# Every message npmlp's validation gives for odd X and y (fit on a 1-output regression model).
VALIDATION_MESSAGES = [
    r"^X must be 2-D \(n_samples, n_features\), got shape",
    r"^X is empty: it has 0 samples",
    r"^X has 0 features",
    r"^X must be numeric, got (a bool array|objects or strings|dtype)",
    r"^X must be real, got a complex array$",
    r"^X must be a rectangular array",
    r"^y must be a rectangular array",
    r"^y must be 1-D or 2-D, got shape",
    r"^y is empty: it has 0 samples",
    r"^y must be real, got a complex array$",
    r"^y must hold labels or numbers",
    r"^y must be numeric for a regression output, got dtype",
    r"^y has \d+ columns but the output layer has 1 units$",
    r"^X and y have different lengths",
    r"^y has missing values",
    r"^y mixes value types",
    # y=None means X is a stream of (X_batch, y_batch) pairs
    r"^with y=None, X must be an iterable of \(X_batch, y_batch\) pairs, got",
    r"^streamed batch \d+ must be a tuple \(X_batch, y_batch\[, sample_weight\]\), got",
    r"^epoch 1 received no batches \(empty data source\)$",
]


def raised_in_npmlp(exc: BaseException) -> str:
    """The file of the frame that raised ``exc``; it must be npmlp's own code."""
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    path = Path(tb.tb_frame.f_code.co_filename).resolve()
    assert PACKAGE in path.parents, f"{type(exc).__name__} raised in {path}: {exc}"
    return path.name


def assert_refused(exc: BaseException, *patterns: str) -> None:
    """An npmlp validation error (ValueError/TypeError raised in npmlp) whose message is one
    of ``patterns``."""
    assert isinstance(exc, (ValueError, TypeError)), repr(exc)
    raised_in_npmlp(exc)
    assert any(re.search(p, str(exc)) for p in patterns), str(exc)


@st.composite
def setups(draw):
    kind = draw(st.sampled_from(sorted(OUTPUT)))
    n = draw(st.integers(1, 40))
    d = draw(st.integers(1, 5))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3, 1e6]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * scale
    units, out = OUTPUT[kind]
    if kind == "binary":
        y = rng.integers(0, 2, n)
    elif kind == "multiclass":
        y = rng.integers(0, units, n)
    elif kind == "multilabel":
        y = rng.integers(0, 2, (n, units))
    else:
        y = rng.normal(size=(n, units)) * scale
    # Classes present in the full y: a classifier's first fit needs two.
    classes = len(np.unique(y)) if kind in ("binary", "multiclass") else None
    damage = draw(st.sampled_from([None] * 6 + ["nan", "short_y", "flat_X", "wide_y"]))
    if damage == "nan":
        X[rng.integers(n), rng.integers(d)] = np.nan
    elif damage == "short_y":
        if n == 1:
            damage = None            # nothing to shorten: y[:-1] would be empty
        else:
            y = y[:-1]
    elif damage == "flat_X":
        X = X.ravel()
    elif damage == "wide_y":
        y = np.c_[y, y, y]
    hidden = draw(st.lists(st.tuples(st.integers(1, 8), st.sampled_from(HIDDEN)), max_size=3))
    return dict(
        X=X, y=y, kind=kind, units=units, out=out, hidden=hidden, seed=seed, damage=damage,
        classes=classes, n=n,
        dtype=draw(st.sampled_from(["float32", "float64"])),
        batch_size=draw(st.integers(1, 64)),
        epochs=draw(st.integers(0, 3)),
        validation_split=draw(st.sampled_from([0.0, 0.0, 0.2, 0.5, 0.9])),
        optimizer=draw(st.sampled_from(["sgd", "adam", "rmsprop"])),
        learning_rate=draw(st.sampled_from([1e-4, 1e-2, 1.0, 1e3])),
        shuffle=draw(st.booleans()),
    )


def expected_refusal(s) -> str | None:
    """The message npmlp must refuse the case with, or None when it must train."""
    if s["damage"] is not None:
        return DAMAGE_MESSAGES.get(s["damage"]) or DAMAGE_MESSAGES[(s["damage"], s["kind"])]
    if s["classes"] is not None and s["classes"] < 2:
        return ONE_CLASS
    if s["validation_split"] > 0:
        n_train = math.floor(s["n"] * (1.0 - s["validation_split"]))
        if n_train in (0, s["n"]):
            return EMPTY_SPLIT
    return None


@given(setups())
def test_training_succeeds_or_raises_the_error_the_case_implies(s):
    layers = [npmlp.Dense(u, a) for u, a in s["hidden"]] + [npmlp.Dense(s["units"], s["out"])]
    opt = npmlp.optimizers.get(s["optimizer"], learning_rate=s["learning_rate"])
    model = npmlp.MLP(layers, optimizer=opt, seed=s["seed"], dtype=s["dtype"])
    expected = expected_refusal(s)
    try:
        with np.errstate(all="ignore"):  # divergence may overflow on its way to the error
            history = model.fit(s["X"], s["y"], batch_size=s["batch_size"], epochs=s["epochs"],
                                validation_split=s["validation_split"], shuffle=s["shuffle"],
                                verbose=0)
    except npmlp.DivergenceError as exc:
        assert expected is None, f"expected a refusal matching {expected!r}, got {exc!r}"
        raised_in_npmlp(exc)
        event("diverged")
        return
    except Exception as exc:  # noqa: BLE001  (anything else must be the refusal expected)
        assert expected is not None, f"a feasible case was refused: {exc!r}"
        assert_refused(exc, expected)
        event(f"refused: {s['damage'] or 'infeasible'}")
        return
    assert expected is None, f"expected a refusal matching {expected!r}, but fit() trained"
    event("trained")
    n = s["X"].shape[0]
    assert history.epoch == list(range(s["epochs"]))
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert all(np.isfinite(w).all() for w in model.get_weights())
    with np.errstate(all="ignore"):
        P = model.predict_proba(s["X"])
    assert P.shape == (n, s["units"]) and P.dtype == np.dtype(s["dtype"])
    if forward_cannot_overflow(model, s["X"]):
        assert np.isfinite(P).all()
    else:
        # Weights that exploded while every training loss stayed finite (e.g. 1e16 in float32
        # on inputs of 1e6) can overflow at predict time; npmlp raises DivergenceError only
        # for a non-finite loss or non-finite weights. Counted, so the fuzz run shows it.
        event("trained, but the weights are large enough to overflow the forward pass")
    assert model.predict(s["X"]).shape[0] == n


def forward_cannot_overflow(model, X) -> bool:
    """True when no value in the forward pass of X can exceed a quarter of the dtype's largest
    number: bounds |Z| <= max|A_prev| * max_j sum_i |W_ij| + max|b| layer by layer (float64),
    with |A| <= 1 after sigmoid, tanh and softmax."""
    limit = float(np.finfo(model.dtype).max) / 4
    bound = float(np.max(np.abs(X)))
    for layer in model.layers:
        W, b = layer.W.astype(np.float64), layer.b.astype(np.float64)
        bound = bound * float(np.max(np.sum(np.abs(W), axis=0))) + float(np.max(np.abs(b)))
        if not bound < limit:
            return False
        if layer.activation.name in ("sigmoid", "tanh", "softmax"):
            bound = 1.0
    return True


ODD_ARRAYS = st.one_of(
    st.just([[1.0, 2.0], [3.0]]),
    st.just("not an array"),
    st.just(None),
    st.just(3.5),
    st.builds(lambda n, d, t: np.ones((n, d), dtype=t), st.integers(0, 4), st.integers(0, 4),
              st.sampled_from([bool, np.int8, np.uint16, np.float16, np.complex64, object, str,
                               "datetime64[s]"])),
    st.builds(lambda shape: np.zeros(shape), st.lists(st.integers(0, 3), max_size=4)),
)


def valid_X(X) -> bool:
    """What npmlp accepts as X: a 2-D non-empty array of real numbers (ints, floats, or
    objects that are numbers), not bools."""
    if not isinstance(X, np.ndarray) or X.ndim != 2 or 0 in X.shape:
        return False
    return X.dtype.kind in "iuf" or X.dtype == object


def valid_y_for_regression(y, n: int) -> bool:
    """What a 1-output regression model accepts as y: n numbers, as (n,) or (n, 1)."""
    if not isinstance(y, np.ndarray) or y.ndim not in (1, 2) or y.shape[0] != n:
        return False
    if y.ndim == 2 and y.shape[1] != 1:
        return False
    return y.dtype.kind in "biuf" or y.dtype == object


@given(ODD_ARRAYS, ODD_ARRAYS)
def test_odd_inputs_are_refused_by_npmlps_validation(X, y):
    model = npmlp.MLP([npmlp.Dense(2, "relu"), npmlp.Dense(1, "linear")], seed=0)
    feasible = valid_X(X) and valid_y_for_regression(y, X.shape[0])  # y=None: never
    try:
        model.fit(X, y, epochs=1, verbose=0)
    except Exception as exc:  # noqa: BLE001
        assert not feasible, f"valid X {X!r} and y {y!r} were refused: {exc!r}"
        assert_refused(exc, *VALIDATION_MESSAGES)
        event(f"refused: {type(exc).__name__}")
        return
    assert feasible, f"X {X!r} / y {y!r} should have been refused"
    event("trained")
    assert np.isfinite(model.predict_proba(X)).all()


def test_the_oracle_has_teeth():
    """The checks above fail for NumPy's own errors and for foreign messages."""
    with pytest.raises(AssertionError, match="raised in"):
        try:
            np.ones((2, 3)) @ np.ones((2, 3))
        except ValueError as exc:
            assert_refused(exc, r"matmul")
    with pytest.raises(AssertionError):
        try:
            npmlp.MLP([npmlp.Dense(1, "linear")]).fit(np.ones((3, 2)), np.ones(2), verbose=0)
        except ValueError as exc:
            assert_refused(exc, DAMAGE_MESSAGES["nan"])


def _small_model(seed, dtype, optimizer):
    X, y = npmlp.datasets.spirals(n_samples=30, n_classes=3, seed=0)
    model = npmlp.MLP([npmlp.Dense(4, "tanh"), npmlp.Dense(3, "softmax")],
                      optimizer=optimizer, seed=seed, dtype=dtype)
    model.fit(X, y, epochs=2, batch_size=8, validation_split=0.2, verbose=0)
    return model, X


def assert_identical(a, b):
    """Same weights (values and dtype), optimizer state and step count, History, config."""
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        assert wa.dtype == wb.dtype
        np.testing.assert_array_equal(wa, wb)
    assert a.optimizer.iterations == b.optimizer.iterations
    assert a.optimizer.get_config() == b.optimizer.get_config()
    assert (a.optimizer.state is None) == (b.optimizer.state is None)
    for sa, sb in zip(a.optimizer.state or [], b.optimizer.state or [], strict=True):
        assert sorted(sa) == sorted(sb)
        for slot in sa:
            assert sa[slot].dtype == sb[slot].dtype
            np.testing.assert_array_equal(sa[slot], sb[slot])
    assert a.history.epoch == b.history.epoch
    assert a.history.history == b.history.history
    assert a.get_config() == b.get_config()


@given(st.integers(0, 1000), st.sampled_from(["float32", "float64"]),
       st.sampled_from(["sgd", "adam", "rmsprop"]))
def test_save_load_round_trip_is_bit_identical(tmp_path_factory, seed, dtype, optimizer):
    model, X = _small_model(seed, dtype, optimizer)
    path = tmp_path_factory.mktemp("rt") / "m.npz"
    model.save(path)
    back = npmlp.load(path)
    assert_identical(back, model)
    np.testing.assert_array_equal(model.predict_proba(X), back.predict_proba(X))


GOOD: dict = {}


def _good_file(tmp_path_factory):
    if "m" not in GOOD:
        model, _ = _small_model(0, "float32", "adam")
        path = tmp_path_factory.mktemp("good") / "m.npz"
        model.save(path)
        GOOD["m"] = (path.read_bytes(), model)
    return GOOD["m"]


@given(st.data())
def test_damaged_files_load_bit_identical_or_raise_model_file_error(tmp_path_factory, data):
    good, original = _good_file(tmp_path_factory)
    blob = bytearray(good)
    action = data.draw(st.sampled_from(["flip", "truncate", "splice"]))
    if action == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] = data.draw(st.integers(0, 255))
    elif action == "truncate":
        blob = blob[:data.draw(st.integers(0, len(blob) - 1))]
    else:
        i = data.draw(st.integers(0, len(blob)))
        blob[i:i] = data.draw(st.binary(min_size=1, max_size=64))
    path = tmp_path_factory.mktemp("bad") / "m.npz"
    path.write_bytes(bytes(blob))
    try:
        model = npmlp.load(path)
    except npmlp.ModelFileError:
        event(f"{action}: refused")
        return
    # A change the format does not depend on (a zip timestamp, a comment): the model is intact.
    event(f"{action}: loaded{' unchanged' if bytes(blob) == good else ''}")
    assert_identical(model, original)
