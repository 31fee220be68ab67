"""Keras parity (float64, 1e-10) for Activation, Dropout (replayed masks), BatchNormalization
in both placements, Dense(use_bias=False), L1/L1L2/bias_regularizer, class_weight and
ReduceLROnPlateau; to_keras/from_keras round trips."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import npmlp
from npmlp.compare import run_parity
from npmlp.compare.keras_bridge import from_keras, keras_floatx, to_keras

N, BATCH, EPOCHS = 40, 12, 4   # 32 training rows: batches of 12, 12, 8; 8 validation rows


def _data(kind="binary", seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 3))
    if kind == "binary":
        return X, (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.3).astype(int)


MODELS = {
    "dense-bn-activation": lambda: [
        npmlp.Dense(6, activation="linear", use_bias=False),
        npmlp.BatchNormalization(momentum=0.9), npmlp.Activation("relu"),
        npmlp.Dense(1, activation="sigmoid")],
    "dense(activation)-bn": lambda: [
        npmlp.Dense(6, activation="tanh"), npmlp.BatchNormalization(epsilon=1e-2),
        npmlp.Dense(1, activation="linear"), npmlp.Activation("sigmoid")],
    "bn-no-center-scale-softmax": lambda: [
        npmlp.BatchNormalization(center=False, scale=False), npmlp.Dense(5, activation="relu"),
        npmlp.Dense(3, activation="linear"), npmlp.Activation("softmax")],
    "dropout": lambda: [
        npmlp.Dense(8, activation="relu"), npmlp.Dropout(0.3),
        npmlp.Dense(6, activation="linear"), npmlp.Activation("tanh"), npmlp.Dropout(0.5),
        npmlp.Dense(1, activation="sigmoid")],
    "l1-l1l2-bias": lambda: [
        npmlp.Dense(6, activation="relu", kernel_regularizer=npmlp.L1(0.01),
                    bias_regularizer=npmlp.L1L2(0.01, 0.03)),
        npmlp.Dense(1, activation="sigmoid", kernel_regularizer=npmlp.L1L2(0.003, 0.01),
                    bias_regularizer=npmlp.L2(0.02))],
    "everything": lambda: [
        npmlp.Dense(8, activation="linear", use_bias=False), npmlp.BatchNormalization(),
        npmlp.Activation("relu"), npmlp.Dropout(0.25),
        npmlp.Dense(6, activation="tanh", kernel_regularizer=npmlp.L1(0.005)),
        npmlp.BatchNormalization(momentum=0.8), npmlp.Dense(3, activation="softmax")],
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_parity_with_keras(name):
    kind = "multiclass" if name in ("bn-no-center-scale-softmax", "everything") else "binary"
    X, y = _data(kind)
    model = npmlp.MLP(MODELS[name](), seed=1, dtype="float64", optimizer=npmlp.Adam(0.02))
    result = run_parity(model, X, y, batch_size=BATCH, epochs=EPOCHS, validation_split=0.2)
    assert result.passed, result.verdict()
    names = model.weight_names()
    assert set(names) <= set(result.abs_delta)      # every weight compared, moving stats too
    if "BatchNormalization" in {type(layer).__name__ for layer in model.layers}:
        assert any(n.startswith("moving_variance") for n in names)
        moving = [w for n, w in zip(names, model.get_weights()) if n.startswith("moving_m")]
        assert all(np.any(m != 0) for m in moving)  # the statistics moved
    for key in ("loss", "val_loss"):
        assert max(result.rel_delta[key]) <= 1e-10


def test_dropout_parity_depends_on_the_replayed_masks():
    """The twin uses npmlp's masks: a Keras model with a plain Dropout draws others."""
    X, y = _data()
    model = npmlp.MLP(MODELS["dropout"](), seed=1, dtype="float64",
                      optimizer=npmlp.Adam(0.02))
    model.build(3)
    plain = to_keras(model)
    result = run_parity(model, X, y, batch_size=BATCH, epochs=2, validation_split=0.2,
                        shuffle=False)
    assert result.passed, result.verdict()
    with keras_floatx("float64"):
        keras.utils.set_random_seed(0)
        h = plain.fit(X[:32], y[:32], batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    assert abs(h.history["loss"][-1] - result.npmlp_history["loss"][-1]) > 1e-6


def _keras_run(model, X, y, n_train, **fit_kwargs):
    k_model = to_keras(model)
    with keras_floatx("float64"):
        h = k_model.fit(X[:n_train], y[:n_train], batch_size=BATCH, epochs=EPOCHS,
                        shuffle=False, verbose=0, validation_data=(X[n_train:], y[n_train:]),
                        **fit_kwargs)
    return h.history, k_model.get_weights()


def _assert_close(h_np, w_np, h_k, w_k):
    for key, values in h_k.items():
        np.testing.assert_allclose(h_np[key], values, rtol=1e-10, atol=0, err_msg=key)
    for a, b in zip(w_np, w_k):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


def test_class_weight_matches_keras():
    X, y = _data("multiclass")
    model = npmlp.MLP([npmlp.Dense(6, activation="tanh"), npmlp.Dense(3, activation="softmax")],
                      seed=0, dtype="float64", optimizer=npmlp.SGD(0.1))
    model.build(3)
    cw = {0: 0.5, 2: 3.0}
    Y = np.eye(3)[y]
    h_k, w_k = _keras_run(model, X, Y, 32, class_weight=cw)
    h = model.fit(X, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, validation_split=0.2,
                  verbose=0, class_weight=cw)
    _assert_close(h.history, model.get_weights(), h_k, w_k)
    # and it changes training (a class weight of 1 everywhere would not)
    plain = npmlp.MLP([npmlp.Dense(6, activation="tanh"), npmlp.Dense(3, activation="softmax")],
                      seed=0, dtype="float64", optimizer=npmlp.SGD(0.1))
    hp = plain.fit(X, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, validation_split=0.2,
                   verbose=0)
    assert hp.history["loss"] != h.history["loss"]


def test_class_weight_with_user_labels_and_sample_weight():
    X, y = _data()
    labels = np.where(y == 1, "yes", "no")
    a = npmlp.MLP([npmlp.Dense(4, "tanh"), npmlp.Dense(1, "sigmoid")], seed=0, dtype="float64")
    b = npmlp.MLP([npmlp.Dense(4, "tanh"), npmlp.Dense(1, "sigmoid")], seed=0, dtype="float64")
    sw = np.linspace(0.5, 1.5, N)
    a.fit(X, labels, epochs=2, verbose=0, shuffle=False, class_weight={"yes": 2.0},
          sample_weight=sw)
    b.fit(X, labels, epochs=2, verbose=0, shuffle=False, sample_weight=sw * np.where(y, 2, 1))
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize("cw, match", [
    ({"maybe": 1.0}, "not in y"), ({"yes": -1.0}, ">= 0"), ({"yes": float("nan")}, ">= 0"),
    ([1.0, 2.0], "dict"),
])
def test_class_weight_bad_input(cw, match):
    X, y = _data()
    labels = np.where(y == 1, "yes", "no")
    model = npmlp.MLP([npmlp.Dense(1, "sigmoid")], seed=0)
    with pytest.raises((ValueError, TypeError), match=match):
        model.fit(X, labels, epochs=1, verbose=0, class_weight=cw)
    reg = npmlp.MLP([npmlp.Dense(1, "linear")], seed=0)
    with pytest.raises(ValueError, match="classification"):
        reg.fit(X, X[:, 0], epochs=1, verbose=0, class_weight={0: 1.0})


def test_reduce_lr_on_plateau_matches_keras():
    X, y = _data()
    model = npmlp.MLP([npmlp.Dense(6, activation="tanh"), npmlp.Dense(1, activation="sigmoid")],
                      seed=0, dtype="float64", optimizer=npmlp.SGD(0.5, momentum=0.9))
    model.build(3)
    k_cb = keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=1, min_delta=0.0,
                                             min_lr=0.01)
    h_k, w_k = _keras_run(model, X, y, 32, callbacks=[k_cb])
    cb = npmlp.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=1, min_delta=0.0,
                                 min_lr=0.01)
    h = model.fit(X, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, validation_split=0.2,
                  verbose=0, callbacks=[cb])
    assert h.history["learning_rate"] == h_k["learning_rate"]
    _assert_close(h.history, model.get_weights(), h_k, w_k)


def test_reduce_lr_on_plateau_reduces_when_stalled_and_refuses_a_schedule():
    X, y = _data()
    model = npmlp.MLP([npmlp.Dense(1, activation="sigmoid")], seed=0, dtype="float64",
                      optimizer=npmlp.SGD(1e-12))   # the loss barely moves: a plateau
    cb = npmlp.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, min_delta=1e-3)
    h = model.fit(X, y, epochs=7, verbose=0, callbacks=[cb])
    lr = h.history["learning_rate"]
    assert lr[:3] == [1e-12] * 3 and lr[3] == 0.5e-12 and lr[5] == 0.25e-12
    assert [e for e, _ in cb.reductions] == [2, 4, 6]
    sched = npmlp.MLP([npmlp.Dense(1, "sigmoid")],
                      optimizer=npmlp.SGD(npmlp.ExponentialDecay(0.1, 10, 0.9)))
    with pytest.raises(TypeError, match="schedule"):
        sched.fit(X, y, epochs=1, verbose=0, callbacks=[npmlp.ReduceLROnPlateau("loss")])
    for bad in ({"factor": 1.0}, {"factor": 0.0}, {"patience": -1}, {"min_lr": -1.0}):
        with pytest.raises((ValueError, TypeError)):
            npmlp.ReduceLROnPlateau(**bad)


def test_to_keras_from_keras_round_trip_with_every_layer():
    model = npmlp.MLP(MODELS["everything"](), seed=3, dtype="float64")
    X, y = _data("multiclass")
    model.fit(X, y, epochs=2, batch_size=BATCH, verbose=0)
    k_model = to_keras(model)
    with keras_floatx("float64"):
        np.testing.assert_allclose(k_model.predict(X, verbose=0), model.predict_proba(X),
                                   rtol=1e-12, atol=1e-14)
    back = from_keras(k_model)
    assert [type(x).__name__ for x in back.layers] == [type(x).__name__ for x in model.layers]
    for a, b in zip(model.get_weights(), back.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert back.layers[0].use_bias is False
    np.testing.assert_array_equal(back.predict_proba(X), model.predict_proba(X))
    assert back.count_params() == model.count_params()
    counts = (sum(int(np.prod(w.shape)) for w in k_model.trainable_weights),
              sum(int(np.prod(w.shape)) for w in k_model.non_trainable_weights))
    assert model.count_params() == counts
