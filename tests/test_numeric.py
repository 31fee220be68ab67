"""Numeric extremes: no overflow, invalid operation or NaN for inputs up to 1e6 and logits up
to +/-1e4 in float32 and float64; divergence stops with a clear error and nothing lost;
the same seed gives bit-identical results."""

import numpy as np
import pytest

import npmlp
from npmlp import activations, losses

DTYPES = ["float32", "float64"]
HIDDEN = ["relu", "tanh", "sigmoid", "leaky_relu", "linear"]
# Underflow (a product of tiny numbers rounding to 0 or a subnormal) is the correct limit of
# such a product and harmless (NumPy ignores it by default); everything else must not happen.
STRICT = dict(over="raise", invalid="raise", divide="raise", under="raise")
TRAINING = dict(over="raise", invalid="raise", divide="raise", under="ignore")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh", "leaky_relu", "linear", "softmax"])
def test_activations_at_extreme_logits(dtype, name):
    Z = np.array([[-1e4, -100.0, -1.0, 0.0, 1.0, 100.0, 1e4]], dtype=dtype)
    act = activations.get(name)
    with np.errstate(**STRICT):
        A = act.forward(Z)
        dZ = act.backward(np.ones_like(Z), Z, A)
    assert A.dtype == Z.dtype and np.isfinite(A).all() and np.isfinite(dZ).all()
    if name == "sigmoid":
        assert A[0, 0] < 1e-18  # exp_neg caps the argument (see activations.exp_neg)
        assert A[0, -1] == 1
    if name == "softmax":
        np.testing.assert_allclose(A.sum(), 1, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_losses_at_extreme_logits(dtype):
    Z = np.array([[-1e4], [-50.0], [0.0], [50.0], [1e4]], dtype=dtype)
    Y = np.array([[1], [1], [0], [0], [0]], dtype=dtype)
    Zs = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]], dtype=dtype)
    Ys = np.array([[0, 1, 0], [0, 0, 1]], dtype=dtype)
    with np.errstate(**STRICT):
        bce = losses.binary_cross_entropy_from_logits(Y, Z)
        cce = losses.categorical_cross_entropy_from_logits(Ys, Zs)
        p = activations.sigmoid(Z)
        bce_p = losses.binary_cross_entropy(Y, p)
        d_bce = losses.binary_cross_entropy_derivative(Y, p)
        q = activations.softmax(Zs)
        cce_p = losses.categorical_cross_entropy(Ys, q)
        d_cce = losses.categorical_cross_entropy_derivative(Ys, q)
        mse = losses.mean_squared_error(Y * 1e6, Z * 100)
    # Exact: z = -1e4 with y = 1 costs 1e4; z = 1e4 with y = 0 costs 1e4; 50 costs ~50.
    np.testing.assert_allclose(bce, (1e4 + 50 + np.log(2) + 50 + 1e4) / 5, rtol=1e-6)
    np.testing.assert_allclose(cce, (2e4 + 0) / 2, rtol=1e-6)
    for value in (bce_p, cce_p, mse):
        assert np.isfinite(value)
    assert np.isfinite(d_bce).all() and np.isfinite(d_cce).all()


def data(kind, dtype, scale, n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n, 4)) * scale).astype(dtype)
    if kind == "regression":
        return X, X @ rng.normal(size=4)
    return X, np.arange(n) % (3 if kind == "multiclass" else 2)


OUTPUT = {"binary": (1, "sigmoid"), "multiclass": (3, "softmax"), "regression": (1, "linear")}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", list(OUTPUT))
@pytest.mark.parametrize("hidden", HIDDEN)
def test_forward_predict_and_evaluate_at_1e6(dtype, kind, hidden):
    X, y = data(kind, dtype, 1e6)
    units, out = OUTPUT[kind]
    m = npmlp.MLP([npmlp.Dense(8, hidden), npmlp.Dense(units, out)], seed=0, dtype=dtype,
                  input_dim=4)
    m.fit(X[:2], y[:2] if kind == "regression" else np.arange(2) % 2 if kind == "binary"
          else np.array([0, 1]), epochs=0, verbose=0)
    with np.errstate(**STRICT):
        P = m.predict_proba(X)
        labels = m.predict(X)
        Z, A = m.forward_output(X)
    assert P.shape == (40, units) and np.isfinite(P).all() and np.isfinite(Z).all()
    assert labels.shape[0] == 40
    with np.errstate(**TRAINING):
        result = m.evaluate(X, y)
    assert all(np.isfinite(v) for v in result.values())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", list(OUTPUT))
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_training_steps_at_1e6_stay_finite_or_stop_cleanly(dtype, kind, optimizer):
    X, y = data(kind, dtype, 1e6)
    units, out = OUTPUT[kind]
    opt = npmlp.optimizers.get(optimizer, learning_rate=1e-3, clipnorm=1.0)
    m = npmlp.MLP([npmlp.Dense(8, "relu"), npmlp.Dense(8, "sigmoid"), npmlp.Dense(units, out)],
                  optimizer=opt, seed=0, dtype=dtype)
    with np.errstate(**TRAINING):
        h = m.fit(X, y, batch_size=8, epochs=3, verbose=0)
        P = m.predict_proba(X)
    assert np.isfinite(P).all() and all(np.isfinite(h.loss))
    assert all(np.isfinite(w).all() for w in m.get_weights())


@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_pass_at_extreme_inputs(dtype):
    X, y = data("multiclass", dtype, 1e6)
    m = npmlp.MLP([npmlp.Dense(8, "tanh"), npmlp.Dense(3, "softmax")], seed=0, dtype=dtype)
    m.fit(X, y, epochs=0, verbose=0)
    Xp, Y = m._prepare(X, y, fitting=False)
    with np.errstate(**TRAINING):
        m.forward(Xp)
        m.backward(Y)
    assert all(np.isfinite(g).all() for g in m.grads)


class Snapshots(npmlp.Callback):
    def on_train_begin(self, logs=None):
        self.weights = [self.model.get_weights()]

    def on_batch_end(self, batch, logs=None):
        self.weights.append(self.model.get_weights())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind,lr", [("regression", 0.5), ("binary", 1e5),
                                     ("multiclass", 1e6)])
def test_divergence_keeps_last_finite_weights_and_completed_epochs(dtype, kind, lr):
    X, y = data(kind, dtype, 3.0, n=64)
    units, out = OUTPUT[kind]
    m = npmlp.MLP([npmlp.Dense(16, "relu"), npmlp.Dense(units, out)],
                  optimizer=npmlp.SGD(lr), seed=0, dtype=dtype)
    snaps = Snapshots()
    with np.errstate(all="ignore"), pytest.raises(npmlp.DivergenceError) as info:
        m.fit(X, y, batch_size=8, epochs=200, verbose=0, callbacks=[snaps])
    exc = info.value
    message = str(exc)
    assert f"epoch {exc.epoch}, batch {exc.batch}" in message
    assert "learning rate" in message and "clipnorm" in message and "last finite" in message
    # The weights are those after the last finite batch, and finite.
    for a, b in zip(snaps.weights[-1], m.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert all(np.isfinite(w).all() for w in m.get_weights())
    # The History holds exactly the completed epochs, on the model and on the exception.
    assert exc.history is m.history
    assert m.history.epoch == list(range(exc.epoch - 1))
    assert all(len(v) == exc.epoch - 1 for v in m.history.history.values())
    assert len(snaps.weights) - 1 == (exc.epoch - 1) * 8 + exc.batch - 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_same_seed_is_bit_identical(dtype):
    X, y = data("multiclass", dtype, 1.0, n=60)

    def run(seed):
        m = npmlp.MLP([npmlp.Dense(8, "relu"), npmlp.Dense(3, "softmax")],
                      optimizer=npmlp.Adam(0.01), seed=seed, dtype=dtype)
        return m, m.fit(X, y, batch_size=7, epochs=4, validation_split=0.2, verbose=0)

    (m1, h1), (m2, h2) = run(11), run(11)
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert h1.history == h2.history
    # Control: the same run with only the seed changed differs in every weight array and in
    # the History (so the equality above is not a property of the setup alone).
    m3, h3 = run(12)
    for a, b in zip(m3.get_weights(), m1.get_weights()):
        assert not np.array_equal(a, b)
    assert h3.history["loss"] != h1.history["loss"]


def test_divergence_in_the_last_update_of_an_epoch_is_caught_at_its_end():
    # One batch per epoch and one epoch: no later training loss would ever see the update.
    X, y = data("regression", "float32", 1e3, n=16)
    m = npmlp.MLP([npmlp.Dense(8, "relu"), npmlp.Dense(1, "linear")],
                  optimizer=npmlp.Adam(1e30), seed=0, dtype="float32", input_dim=4)
    before = m.get_weights()
    with np.errstate(all="ignore"), pytest.raises(npmlp.DivergenceError) as info:
        m.fit(X, y, batch_size=16, epochs=1, validation_split=0.25, verbose=0)
    assert "val_loss became" in str(info.value) and "restored to the start" in str(info.value)
    assert (info.value.epoch, info.value.batch) == (1, 1)
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert m.optimizer.iterations == 0 and m.history.epoch == []
