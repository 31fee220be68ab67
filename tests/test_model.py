"""The MLP and its training loop: bookkeeping by hand, labels, determinism, learning."""

import math

import numpy as np
import pytest

import npmlp
from npmlp.training import validation_split_index


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_training_loop_by_hand_logistic_regression():
    """No hidden layer, sigmoid + BCE, SGD: every number of the History recomputed by hand
    (validation = last 20%, partial last batch averaged over its own size, epoch loss the
    batch-size-weighted mean of pre-update losses, val measured after the epoch)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(13, 3))
    y = rng.integers(0, 2, size=13).astype(float)
    W0 = rng.normal(size=(3, 1))
    model = npmlp.MLP([npmlp.Dense(1, "sigmoid")], optimizer=npmlp.SGD(0.5), dtype="float64")
    model.set_weights([W0, np.zeros(1)])
    history = model.fit(X, y, batch_size=4, epochs=2, validation_split=0.2, shuffle=False,
                        verbose=0)

    split = math.floor(13 * 0.8)  # 10 training samples: batches of 4, 4, 2
    assert split == 10
    W, b = W0.copy(), 0.0
    losses, accs, val_losses, val_accs = [], [], [], []
    for _ in range(2):
        total = correct = 0.0
        for s in range(0, split, 4):
            Xb, yb = X[s:min(s + 4, split)], y[s:min(s + 4, split)]
            p = sigmoid(Xb @ W[:, 0] + b)
            total += np.mean(-(yb * np.log(p) + (1 - yb) * np.log(1 - p))) * len(yb)
            correct += np.sum((p > 0.5) == yb)
            dz = (p - yb) / len(yb)
            W[:, 0] -= 0.5 * (Xb.T @ dz)
            b -= 0.5 * dz.sum()
        losses.append(total / split)
        accs.append(correct / split)
        pv = sigmoid(X[split:] @ W[:, 0] + b)
        yv = y[split:]
        val_losses.append(np.mean(-(yv * np.log(pv) + (1 - yv) * np.log(1 - pv))))
        val_accs.append(np.mean((pv > 0.5) == yv))
    np.testing.assert_allclose(history.loss, losses, rtol=1e-12)
    np.testing.assert_allclose(history.accuracy, accs)
    np.testing.assert_allclose(history.val_loss, val_losses, rtol=1e-12)
    np.testing.assert_allclose(history.val_accuracy, val_accs)
    np.testing.assert_allclose(model.get_weights()[0], W, rtol=1e-12)


@pytest.mark.parametrize("n,vs,expected", [(90, 0.3, 62), (100, 0.2, 80), (10, 0.15, 8),
                                           (53, 0.2, 42)])
def test_validation_split_index_is_keras_rule(n, vs, expected):
    assert validation_split_index(n, vs) == expected


class BatchSizes(npmlp.Callback):
    def __init__(self):
        self.sizes = []

    def on_batch_end(self, batch, logs=None):
        self.sizes.append(logs["size"])


def test_partial_batch_kept_and_split_applied():
    X, y = npmlp.datasets.dummy(90, 4, seed=0)
    sizes = BatchSizes()
    npmlp.MLP([npmlp.Dense(1, "sigmoid")], seed=0).fit(
        X, y, batch_size=16, epochs=1, validation_split=0.3, verbose=0, callbacks=[sizes])
    assert sizes.sizes == [16, 16, 16, 14]  # 62 training samples


def test_seed_function_positional_call():
    X, y = npmlp.datasets.dummy(seed=0)
    history = npmlp.mlp(X, y, 32, 100, 3, 0.2, verbose=0, seed=0)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(history.history[key]) == 100
    assert len(history.epoch) == 100 and history.model.layers[-1].activation.name == "sigmoid"
    assert [layer.units for layer in history.model.layers] == [64, 64, 64, 1]


def test_seed_function_prints_each_epoch(capsys):
    X, y = npmlp.datasets.dummy(seed=1)
    npmlp.mlp(X, y, epochs=3, seed=0)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch")]
    assert len(lines) == 3
    assert lines[2].startswith("Epoch 3/3 - loss: ") and "val_accuracy: " in lines[2]


def test_mlp_multiclass_and_regression_outputs():
    X, y = npmlp.datasets.spirals(90, seed=0)
    h = npmlp.mlp(X, y, epochs=2, layers=1, verbose=0, seed=0)
    assert h.model.layers[-1].activation.name == "softmax" and h.model.layers[-1].units == 3
    Xr = np.random.default_rng(0).normal(size=(40, 2))
    h = npmlp.mlp(Xr, Xr.sum(axis=1) + 0.5, epochs=2, layers=1, verbose=0, seed=0)
    assert h.model.layers[-1].activation.name == "linear" and "mae" in h.history
    assert h.model.predict(Xr).shape == (40,)


@pytest.mark.parametrize("labels", [np.array(["no", "yes"]), np.array([-1, 1]),
                                    np.array([False, True]), np.array([3.0, 7.0])])
def test_binary_labels_in_users_own_values(labels):
    X, y01 = npmlp.datasets.moons(120, seed=0)
    y = labels[y01]
    model = npmlp.MLP([npmlp.Dense(16, "tanh"), npmlp.Dense(1, "sigmoid")],
                      optimizer=npmlp.Adam(0.05), seed=0)
    model.fit(X, y, epochs=30, verbose=0)
    pred = model.predict(X)
    assert set(np.unique(pred)) <= set(labels.tolist())
    assert np.mean(pred == y) > 0.8


def test_multiclass_string_labels_and_one_hot():
    X, yi = npmlp.datasets.spirals(150, noise=0.05, seed=0)
    names = np.array(["a", "b", "c"])
    model = npmlp.MLP([npmlp.Dense(32, "relu"), npmlp.Dense(3, "softmax")],
                      optimizer=npmlp.Adam(0.03), seed=0)
    model.fit(X, names[yi], epochs=60, verbose=0)
    assert np.mean(model.predict(X) == names[yi]) > 0.7
    proba = model.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    model2 = npmlp.MLP([npmlp.Dense(3, "softmax")], seed=0)
    model2.fit(X, np.eye(3)[yi], epochs=1, verbose=0)  # one-hot rows accepted too
    with pytest.raises(ValueError, match="not seen"):
        model.fit(X, np.array(["a", "z"] * 75), epochs=1, verbose=0)


def test_weights_round_trip_and_keras_order():
    model = npmlp.MLP([npmlp.Dense(4, "relu"), npmlp.Dense(2, "softmax")], input_dim=3, seed=0)
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 4), (4,), (4, 2), (2,)]
    new = [w + 1 for w in weights]
    model.set_weights(new)
    for a, b in zip(model.get_weights(), new):
        np.testing.assert_array_equal(a, b)
    weights[0][0, 0] = 99.0  # get_weights returns copies
    assert model.get_weights()[0][0, 0] != 99.0
    with pytest.raises(ValueError, match="shape"):
        model.set_weights([np.zeros((2, 4)), np.zeros(4), np.zeros((4, 2)), np.zeros(2)])
    with pytest.raises(ValueError, match="expects 4 arrays"):
        model.set_weights(weights[:2])


def make_model(seed=3, dtype="float32", optimizer=None):
    return npmlp.MLP([npmlp.Dense(8, "relu"), npmlp.Dense(8, "tanh"), npmlp.Dense(1, "sigmoid")],
                     optimizer=optimizer or npmlp.SGD(0.05, momentum=0.9), seed=seed,
                     dtype=dtype)


def test_same_seed_bit_identical_other_seed_differs():
    X, y = npmlp.datasets.moons(100, seed=0)
    runs = []
    for seed in (3, 3, 4):
        model = make_model(seed)
        h = model.fit(X, y, epochs=5, validation_split=0.2, verbose=0)
        runs.append((model.get_weights(), h.history))
    assert all(np.array_equal(a, b) for a, b in zip(runs[0][0], runs[1][0]))
    assert runs[0][1] == runs[1][1]
    assert not np.array_equal(runs[0][0][0], runs[2][0][0])


def test_fit_again_continues_like_one_long_fit():
    X, y = npmlp.datasets.moons(100, seed=0)
    once = make_model(optimizer=npmlp.Adam(0.01))
    h_once = once.fit(X, y, epochs=6, verbose=0)
    twice = make_model(optimizer=npmlp.Adam(0.01))
    h1 = twice.fit(X, y, epochs=3, verbose=0)
    h2 = twice.fit(X, y, epochs=3, verbose=0)
    for a, b in zip(once.get_weights(), twice.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert h_once.loss == h1.loss + h2.loss
    assert twice.optimizer.iterations == 6 * math.ceil(100 / 32)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_kept_everywhere(dtype):
    X, y = npmlp.datasets.moons(64, seed=0)
    model = make_model(dtype=dtype, optimizer=npmlp.Adam(0.01))
    model.fit(X, y, epochs=2, verbose=0)
    assert all(p.dtype == np.dtype(dtype) for p in model.params)
    assert all(s.dtype == np.dtype(dtype) for st in model.optimizer.state for s in st.values())
    assert all(g.dtype == np.dtype(dtype) for g in model.grads)
    assert model.predict_proba(X).dtype == np.dtype(dtype)


def test_moons_is_learned():
    X, y = npmlp.datasets.moons(500, noise=0.1, seed=0)
    model = npmlp.MLP([npmlp.Dense(32, "relu"), npmlp.Dense(32, "relu"),
                       npmlp.Dense(1, "sigmoid")], optimizer=npmlp.Adam(0.01), seed=0)
    h = model.fit(X, y, epochs=60, validation_split=0.2, verbose=0)
    assert h.val_accuracy[-1] >= 0.95


def test_xor_needs_a_hidden_layer():
    X, y = npmlp.datasets.xor(400, noise=0.1, seed=0)
    deep = npmlp.MLP([npmlp.Dense(16, "tanh"), npmlp.Dense(1, "sigmoid")],
                     optimizer=npmlp.Adam(0.02), seed=0)
    deep.fit(X, y, epochs=60, verbose=0)
    shallow = npmlp.MLP([npmlp.Dense(1, "sigmoid")], optimizer=npmlp.Adam(0.02), seed=0)
    shallow.fit(X, y, epochs=60, verbose=0)
    assert deep.evaluate(X, y)["accuracy"] >= 0.95
    assert shallow.evaluate(X, y)["accuracy"] < 0.75


def test_early_stopping_restores_best_weights():
    X, y = npmlp.datasets.moons(200, noise=0.3, seed=0)
    model = npmlp.MLP([npmlp.Dense(64, "relu"), npmlp.Dense(1, "sigmoid")],
                      optimizer=npmlp.Adam(0.05), seed=0)
    stop = npmlp.EarlyStopping("val_loss", patience=2, restore_best_weights=True)
    h = model.fit(X, y, epochs=200, validation_split=0.3, verbose=0, callbacks=[stop])
    assert stop.stopped_epoch is not None and len(h.epoch) == stop.stopped_epoch + 1 < 200
    best = int(np.argmin(h.val_loss))
    assert best == stop.best_epoch and len(h.epoch) - 1 - best == 2
    X_val, y_val = X[140:], y[140:]
    assert model.evaluate(X_val, y_val)["loss"] == pytest.approx(h.val_loss[best], rel=1e-5)


def test_divergence_stops_with_epoch_and_batch_and_keeps_finite_weights():
    X, y = npmlp.datasets.moons(64, seed=0)
    X = X * 1e3
    model = npmlp.MLP([npmlp.Dense(32, "relu"), npmlp.Dense(32, "relu"),
                       npmlp.Dense(1, "linear")], optimizer=npmlp.SGD(10.0), seed=0,
                      dtype="float32")
    with pytest.raises(npmlp.DivergenceError, match=r"epoch \d+, batch \d+.*learning rate") as e:
        model.fit(X, y.astype(float) * 1e3, epochs=50, verbose=0)
    assert all(np.isfinite(p).all() for p in model.params)
    assert len(e.value.history.epoch) == e.value.epoch - 1
    assert model.history is e.value.history


def test_evaluate_and_predict_feature_check():
    X, y = npmlp.datasets.moons(64, seed=0)
    model = make_model()
    model.fit(X, y, epochs=1, verbose=0)
    result = model.evaluate(X, y)
    assert set(result) == {"loss", "accuracy"} and 0 <= result["accuracy"] <= 1
    with pytest.raises(ValueError, match="3 features, but the model expects 2"):
        model.predict(np.zeros((2, 3)))
    assert "MLP(2-8-8-1" in repr(model) and "Total params: 105" in model.summary()


def test_sample_weight_zero_equals_dropping_rows():
    X, y = npmlp.datasets.moons(60, seed=0)
    w = np.ones(60)
    w[20:40] = 0.0
    a = make_model(dtype="float64")
    a.fit(X, y, batch_size=60, epochs=3, shuffle=False, verbose=0, sample_weight=w * 60 / 40)
    b = make_model(dtype="float64")
    keep = w > 0
    b.fit(X[keep], y[keep], batch_size=40, epochs=3, shuffle=False, verbose=0)
    for p, q in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(p, q, rtol=1e-13, atol=1e-14)


def test_stratified_split_keeps_class_proportions():
    X, y = npmlp.datasets.moons(100, seed=0)
    order = np.argsort(y, kind="stable")  # sorted labels: the tail split is one class only
    X, y = X[order], y[order]
    model = make_model()
    model.fit(X, y, epochs=1, validation_split=0.2, split="stratified", verbose=0)
    assert (y[80:] == 1).all()  # what the tail split would validate on: one class only
    from npmlp.training import split_indices

    Y = model.encoder.encode(y, model.dtype)
    train, val = split_indices(model, Y, 0.2, "stratified")
    assert len(val) == 20 and np.sum(y[val] == 1) == 10
    assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == 100


@pytest.mark.parametrize("split", ["random", "stratified"])
def test_drawn_splits_are_the_same_on_every_fit(split):
    """With a seed, fit() again (or a resumed run) validates on the same samples, and the
    split does not consume the shuffling stream: 3 + 3 epochs equal 6."""
    X, y = npmlp.datasets.moons(100, seed=0)
    once, twice = make_model(), make_model()
    h = once.fit(X, y, epochs=6, validation_split=0.25, split=split, verbose=0)
    h1 = twice.fit(X, y, epochs=3, validation_split=0.25, split=split, verbose=0)
    h2 = twice.fit(X, y, epochs=3, validation_split=0.25, split=split, verbose=0)
    assert h.val_loss == h1.val_loss + h2.val_loss
    for a, b in zip(once.get_weights(), twice.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_unseeded_model_keeps_its_random_split_across_fits_and_saves(tmp_path):
    X, y = npmlp.datasets.moons(100, seed=0)
    model = npmlp.MLP([npmlp.Dense(4, "tanh"), npmlp.Dense(1, "sigmoid")])  # seed=None
    from npmlp.training import split_indices

    Y = np.asarray(y, float)[:, None]
    first = split_indices(model, Y, 0.25, "random")[1]
    model.fit(X, y, epochs=1, validation_split=0.25, split="random", verbose=0)
    np.testing.assert_array_equal(split_indices(model, Y, 0.25, "random")[1], first)
    model.save(tmp_path / "m.npz")
    loaded = npmlp.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(split_indices(loaded, Y, 0.25, "random")[1], first)
    other = npmlp.MLP([npmlp.Dense(1, "sigmoid")])
    assert not np.array_equal(split_indices(other, Y, 0.25, "random")[1], first)


def test_early_stopping_restores_best_weights_even_without_stopping():
    X, y = npmlp.datasets.moons(200, noise=0.3, seed=0)
    model = npmlp.MLP([npmlp.Dense(64, "relu"), npmlp.Dense(1, "sigmoid")],
                      optimizer=npmlp.Adam(0.05), seed=0)
    stop = npmlp.EarlyStopping("val_loss", patience=1000, restore_best_weights=True)
    h = model.fit(X, y, epochs=25, validation_split=0.3, verbose=0, callbacks=[stop])
    assert stop.stopped_epoch is None and len(h.epoch) == 25
    best = int(np.argmin(h.val_loss))
    assert best < 24  # the last epoch is not the best one, so a restore is visible
    assert model.evaluate(X[140:], y[140:])["loss"] == pytest.approx(h.val_loss[best], rel=1e-5)


def test_mlp_passes_momentum_to_rmsprop_and_refuses_nesterov_there():
    X, y = npmlp.datasets.moons(40, seed=0)
    h = npmlp.mlp(X, y, epochs=1, layers=1, optimizer="rmsprop", momentum=0.5, verbose=0)
    assert h.model.optimizer.momentum == 0.5
    with pytest.raises(ValueError, match="nesterov does not apply to optimizer='rmsprop'"):
        npmlp.mlp(X, y, epochs=1, optimizer="rmsprop", nesterov=True, momentum=0.5, verbose=0)


def test_a_refused_fit_leaves_no_classes_behind():
    X, _ = npmlp.datasets.moons(40, seed=0)
    model = npmlp.MLP([npmlp.Dense(3, "softmax")], seed=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(X, np.array(list("abc") * 13 + ["a"]), validation_split=0.99, verbose=0)
    assert model.encoder is None
    model.fit(X, np.array(list("xyz") * 13 + ["x"]), epochs=1, verbose=0)  # new classes ok
    assert model.encoder.classes.tolist() == ["x", "y", "z"]
    fresh = npmlp.MLP([npmlp.Dense(1, "sigmoid")], input_dim=2, seed=0)
    fresh.evaluate(X, np.arange(40) % 2)
    assert fresh.encoder is None  # evaluate() of an unfitted model does not fix the classes


def test_dataframe_column_names_are_kept_saved_and_checked(tmp_path):
    import pandas as pd

    X, y = npmlp.datasets.moons(60, seed=0)
    frame = pd.DataFrame(X, columns=["width", "height"])
    model = make_model()
    model.fit(frame, y, epochs=1, verbose=0)
    assert model.feature_names == ["width", "height"]
    model.save(tmp_path / "m.npz")
    loaded = npmlp.load(tmp_path / "m.npz")
    assert loaded.feature_names == ["width", "height"]
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(X))  # arrays still ok
    with pytest.raises(ValueError, match="another order"):
        loaded.predict(frame[["height", "width"]])
    with pytest.raises(ValueError, match=r"missing \['height'\], unexpected \['h'\]"):
        loaded.predict(frame.rename(columns={"height": "h"}))
