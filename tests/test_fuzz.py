"""Property-based fuzzing: random architectures, batch sizes, dtypes, data shapes and damaged
files. Training either succeeds with finite outputs of the right shape or raises one of the
documented errors (ValueError, TypeError, npmlp.DivergenceError); loading either returns a
model or raises ModelFileError — never anything else. `make fuzz` runs many more examples
(HYPOTHESIS_PROFILE=fuzz, see conftest.py)."""

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st

import npmlp

DOCUMENTED = (ValueError, TypeError, npmlp.DivergenceError)
HIDDEN = ["relu", "tanh", "sigmoid", "leaky_relu", "linear"]
OUTPUT = {"binary": (1, "sigmoid"), "multiclass": (3, "softmax"), "regression": (2, "linear"),
          "multilabel": (2, "sigmoid")}


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
    damage = draw(st.sampled_from([None] * 6 + ["nan", "short_y", "flat_X", "wide_y"]))
    if damage == "nan":
        X[rng.integers(n), rng.integers(d)] = np.nan
    elif damage == "short_y":
        y = y[:-1]
    elif damage == "flat_X":
        X = X.ravel()
    elif damage == "wide_y":
        y = np.c_[y, y, y]
    hidden = draw(st.lists(st.tuples(st.integers(1, 8), st.sampled_from(HIDDEN)), max_size=3))
    return dict(
        X=X, y=y, kind=kind, units=units, out=out, hidden=hidden, seed=seed,
        dtype=draw(st.sampled_from(["float32", "float64"])),
        batch_size=draw(st.integers(1, 64)),
        epochs=draw(st.integers(0, 3)),
        validation_split=draw(st.sampled_from([0.0, 0.0, 0.2, 0.5, 0.9])),
        optimizer=draw(st.sampled_from(["sgd", "adam", "rmsprop"])),
        learning_rate=draw(st.sampled_from([1e-4, 1e-2, 1.0, 1e3])),
        shuffle=draw(st.booleans()),
    )


def assert_own_message(exc: Exception) -> None:
    """A documented error explains itself in npmlp's words, not in NumPy's."""
    text = str(exc)
    assert text
    for numpy_words in ("broadcast", "operands could not", "could not convert",
                        "setting an array element", "index", "out of bounds"):
        assert numpy_words not in text, text


@given(setups())
def test_training_succeeds_or_raises_a_documented_error(s):
    layers = [npmlp.Dense(u, a) for u, a in s["hidden"]] + [npmlp.Dense(s["units"], s["out"])]
    opt = npmlp.optimizers.get(s["optimizer"], learning_rate=s["learning_rate"])
    model = npmlp.MLP(layers, optimizer=opt, seed=s["seed"], dtype=s["dtype"])
    try:
        with np.errstate(all="ignore"):  # divergence may overflow on its way to the error
            history = model.fit(s["X"], s["y"], batch_size=s["batch_size"], epochs=s["epochs"],
                                validation_split=s["validation_split"], shuffle=s["shuffle"],
                                verbose=0)
    except DOCUMENTED as exc:
        assert_own_message(exc)
        event(f"raised {type(exc).__name__}")
        return
    event("trained")
    n = s["X"].shape[0]
    assert history.epoch == list(range(s["epochs"]))
    assert all(np.isfinite(v).all() for v in history.history.values())
    P = model.predict_proba(s["X"])
    assert P.shape == (n, s["units"]) and P.dtype == np.dtype(s["dtype"])
    assert np.isfinite(P).all()
    assert model.predict(s["X"]).shape[0] == n


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


@given(ODD_ARRAYS, ODD_ARRAYS)
def test_odd_inputs_give_documented_errors(X, y):
    model = npmlp.MLP([npmlp.Dense(2, "relu"), npmlp.Dense(1, "linear")], seed=0)
    try:
        model.fit(X, y, epochs=1, verbose=0)
    except (ValueError, TypeError) as exc:
        assert_own_message(exc)
        return
    assert np.isfinite(model.predict_proba(X)).all()


def _small_model(seed, dtype, optimizer):
    X, y = npmlp.datasets.spirals(n_samples=30, n_classes=3, seed=0)
    model = npmlp.MLP([npmlp.Dense(4, "tanh"), npmlp.Dense(3, "softmax")],
                      optimizer=optimizer, seed=seed, dtype=dtype)
    model.fit(X, y, epochs=1, batch_size=8, verbose=0)
    return model, X


@given(st.integers(0, 1000), st.sampled_from(["float32", "float64"]),
       st.sampled_from(["sgd", "adam", "rmsprop"]))
def test_save_load_round_trip_predicts_identically(tmp_path_factory, seed, dtype, optimizer):
    model, X = _small_model(seed, dtype, optimizer)
    path = tmp_path_factory.mktemp("rt") / "m.npz"
    model.save(path)
    back = npmlp.load(path)
    np.testing.assert_array_equal(model.predict_proba(X), back.predict_proba(X))


GOOD: dict[str, bytes] = {}


def _good_file(tmp_path_factory) -> bytes:
    if "m" not in GOOD:
        model, _ = _small_model(0, "float32", "adam")
        path = tmp_path_factory.mktemp("good") / "m.npz"
        model.save(path)
        GOOD["m"] = path.read_bytes()
    return GOOD["m"]


@given(st.data())
def test_damaged_files_load_or_raise_model_file_error(tmp_path_factory, data):
    blob = bytearray(_good_file(tmp_path_factory))
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
        return
    # A change the format does not depend on (e.g. a zip timestamp): the model is intact.
    assert all(np.isfinite(w).all() for w in model.get_weights())
