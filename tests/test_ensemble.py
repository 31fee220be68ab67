"""Ensemble: member k equals the MLP trained alone with its seed, data and hyper-parameters."""

import numpy as np
import pytest

import npmlp
from npmlp.ensemble import Ensemble, StackedMLP
from npmlp.sklearn import MLPClassifier, MLPRegressor  # at import: see test_threads' BLAS count

RNG = np.random.default_rng(0)
X = RNG.normal(size=(203, 5))
Y_BIN = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int)
Y_CLS = np.digitize(X[:, 0] + 0.5 * X[:, 2], [-0.5, 0.5])          # 3 classes
Y_REG = np.stack([X[:, 0] * X[:, 1], np.sin(X[:, 2])], axis=1)     # 2 outputs


def net(task, optimizer, dtype="float64", seed=None, l2=None):
    reg = None if l2 is None else npmlp.L2(l2)
    units, activation = {"binary": (1, "sigmoid"), "multiclass": (3, "softmax"),
                         "regression": (2, "linear")}[task]
    out = npmlp.Dense(units, activation, kernel_regularizer=reg)
    return npmlp.MLP([npmlp.Dense(8, "relu", kernel_regularizer=reg),
                      npmlp.Dense(6, "tanh", kernel_regularizer=reg), out],
                     optimizer=optimizer, dtype=dtype, seed=seed)


def opt_of(name, lr=None, momentum=None):
    kw = {} if lr is None else {"learning_rate": lr}
    if name == "sgd":
        return npmlp.SGD(**kw, momentum=0.5 if momentum is None else momentum)
    if name == "nesterov":
        return npmlp.SGD(**kw, momentum=0.9 if momentum is None else momentum, nesterov=True)
    if name == "adam":
        return npmlp.Adam(**kw)
    return npmlp.RMSprop(**kw, momentum=0.0 if momentum is None else momentum, centered=True)


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-30))) if a.size else 0.0


def assert_member_equals(ens, k, single, hist, tol):
    member = ens.members[k]
    assert hist.history.keys() == ens.history[k].history.keys()
    assert hist.epoch == ens.history[k].epoch
    for key, values in hist.history.items():
        assert rel(values, ens.history[k].history[key]) <= tol, (k, key)
    for a, b in zip(single.get_weights(), member.get_weights()):
        assert rel(a, b) <= tol, k
    assert single.optimizer.iterations == member.optimizer.iterations
    for slot, value in (single.optimizer.flat_state or {}).items():
        assert rel(value, member.optimizer.flat_state[slot]) <= tol


TASKS = {"binary": Y_BIN, "multiclass": Y_CLS, "regression": Y_REG}


@pytest.mark.parametrize("task,opt", [("binary", "sgd"), ("multiclass", "adam"),
                                      ("regression", "rmsprop"), ("binary", "nesterov")])
def test_members_equal_single_models_float64(task, opt):
    y = TASKS[task]
    ens = Ensemble(net(task, opt_of(opt), seed=7), 3, seeds=[11, 12, 13])
    ens.fit(X, y, batch_size=32, epochs=4, validation_split=0.2, verbose=0)
    for k, seed in enumerate([11, 12, 13]):
        single = net(task, opt_of(opt), seed=seed)
        hist = single.fit(X, y, batch_size=32, epochs=4, validation_split=0.2, verbose=0)
        assert_member_equals(ens, k, single, hist, 1e-12)


def test_members_equal_single_models_float32():
    ens = Ensemble(net("multiclass", opt_of("adam"), dtype="float32"), 3, seeds=[1, 2, 3])
    ens.fit(X, Y_CLS, batch_size=16, epochs=3, validation_data=(X[:40], Y_CLS[:40]), verbose=0)
    for k in range(3):
        single = net("multiclass", opt_of("adam"), dtype="float32", seed=k + 1)
        hist = single.fit(X, Y_CLS, batch_size=16, epochs=3,
                          validation_data=(X[:40], Y_CLS[:40]), verbose=0)
        assert_member_equals(ens, k, single, hist, 1e-5)


def test_vary_in_float32():
    vary = {"learning_rate": [0.1, 0.01], "momentum": [0.0, 0.9], "l2": [0.0, 1e-3]}
    ens = Ensemble(net("multiclass", opt_of("sgd"), dtype="float32"), 2, seeds=[4, 5],
                   vary=vary)
    ens.fit(X, Y_CLS, batch_size=16, epochs=3, validation_split=0.2, verbose=0)
    for k in range(2):
        single = net("multiclass", opt_of("sgd", vary["learning_rate"][k], vary["momentum"][k]),
                     dtype="float32", seed=4 + k, l2=vary["l2"][k])
        hist = single.fit(X, Y_CLS, batch_size=16, epochs=3, validation_split=0.2, verbose=0)
        assert_member_equals(ens, k, single, hist, 1e-5)


@pytest.mark.parametrize("opt", ["sgd", "rmsprop"])
def test_vary_learning_rate_momentum_l2(opt):
    vary = {"learning_rate": [0.1, 0.01, 0.03], "momentum": [0.0, 0.5, 0.9],
            "l2": [0.0, 1e-3, 1e-2]}
    if opt == "rmsprop":
        vary["learning_rate"] = [0.01, 0.001, 0.003]
    ens = Ensemble(net("binary", opt_of(opt)), 3, seeds=[5, 6, 7], vary=vary)
    ens.fit(X, Y_BIN, batch_size=20, epochs=3, validation_split=0.25, verbose=0)
    for k in range(3):
        single = net("binary", opt_of(opt, vary["learning_rate"][k], vary["momentum"][k]),
                     seed=5 + k, l2=vary["l2"][k])
        hist = single.fit(X, Y_BIN, batch_size=20, epochs=3, validation_split=0.25, verbose=0)
        assert_member_equals(ens, k, single, hist, 1e-12)
    # the members really differ
    assert len({round(v, 12) for v in ens.history.loss[:, -1]}) == 3


def test_template_l2_and_schedule_are_kept():
    lr = npmlp.InverseTimeDecay(0.1, decay_steps=7, decay_rate=0.5)
    ens = Ensemble(net("regression", npmlp.SGD(lr, momentum=0.5), l2=1e-3), 2, seeds=[3, 4])
    ens.fit(X, Y_REG, batch_size=32, epochs=3, verbose=0)
    for k in range(2):
        single = net("regression", npmlp.SGD(npmlp.InverseTimeDecay(0.1, 7, 0.5),
                                             momentum=0.5), seed=3 + k, l2=1e-3)
        hist = single.fit(X, Y_REG, batch_size=32, epochs=3, verbose=0)
        assert_member_equals(ens, k, single, hist, 1e-12)


def test_bootstrap_member_equals_single_model_on_its_sample():
    ens = Ensemble(net("binary", opt_of("adam")), 3, seeds=[21, 22, 23], bootstrap=True)
    ens.fit(X, Y_BIN, batch_size=25, epochs=3, validation_split=0.2, verbose=0)
    n = 162  # floor(203 * 0.8)
    assert len(ens.samples) == 3
    for k, sample in enumerate(ens.samples):
        assert sample.shape == (n,) and sample.max() < n
        assert len(np.unique(sample)) < n                     # drawn with replacement
        single = net("binary", opt_of("adam"), seed=21 + k)
        hist = single.fit(X[sample], Y_BIN[sample], batch_size=25, epochs=3,
                          validation_data=(X[n:], Y_BIN[n:]), verbose=0)
        assert_member_equals(ens, k, single, hist, 1e-12)
    assert not np.array_equal(ens.samples[0], ens.samples[1])


def test_early_stopping_stops_members_independently():
    cb = npmlp.EarlyStopping("val_loss", patience=1, restore_best_weights=True)
    vary = {"learning_rate": [0.5, 0.001, 0.05]}
    ens = Ensemble(net("binary", npmlp.SGD()), 3, seeds=[1, 2, 3], vary=vary)
    ens.fit(X, Y_BIN, batch_size=16, epochs=25, validation_split=0.3, verbose=0, callbacks=[cb])
    lengths = []
    for k in range(3):
        single = net("binary", npmlp.SGD(vary["learning_rate"][k]), seed=k + 1)
        cb_k = npmlp.EarlyStopping("val_loss", patience=1, restore_best_weights=True)
        hist = single.fit(X, Y_BIN, batch_size=16, epochs=25, validation_split=0.3, verbose=0,
                          callbacks=[cb_k])
        assert_member_equals(ens, k, single, hist, 1e-12)
        lengths.append(len(hist.epoch))
    assert len(set(lengths)) > 1                 # they stopped at different epochs
    assert np.isnan(ens.history.val_loss).any()  # padded after a member stopped
    assert cb.model is None                      # the user's callback is copied, not used


def test_shuffle_false_and_last_partial_batch():
    ens = Ensemble(net("regression", opt_of("sgd")), 2, seeds=[8, 9])
    ens.fit(X, Y_REG, batch_size=50, epochs=2, shuffle=False, verbose=0)
    for k in range(2):
        single = net("regression", opt_of("sgd"), seed=8 + k)
        hist = single.fit(X, Y_REG, batch_size=50, epochs=2, shuffle=False, verbose=0)
        assert_member_equals(ens, k, single, hist, 1e-12)


def test_predict_proba_mean_std_and_best():
    ens = Ensemble(net("multiclass", opt_of("adam"), seed=4), 4)
    ens.fit(X, Y_CLS, epochs=2, validation_split=0.2, verbose=0)
    each = np.stack([m.predict_proba(X) for m in ens.members])
    mean, std = ens.predict_proba(X, return_std=True)
    np.testing.assert_allclose(mean, each.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(std, each.std(axis=0), rtol=1e-10, atol=1e-15)
    assert std.max() > 0
    np.testing.assert_array_equal(ens.predict(X), np.argmax(mean, axis=1))
    best = ens.best("val_loss")
    k = int(np.argmin(ens.history.val_loss[:, -1]))
    assert best is ens.members[k]
    assert ens.best("val_accuracy") is ens.members[int(np.argmax(ens.history.val_accuracy[:, -1]))]
    assert ens.history.loss.shape == (4, 2) and ens.history[2].loss == ens.members[2].history.loss
    # seeds drawn from the template's seed: reproducible, distinct
    assert Ensemble(net("multiclass", opt_of("adam"), seed=4), 4).seeds == ens.seeds
    assert len(set(ens.seeds)) == 4


def test_save_load_round_trip(tmp_path):
    ens = Ensemble(net("binary", opt_of("sgd")), 3, seeds=[1, 2, 3],
                   vary={"learning_rate": [0.1, 0.2, 0.3], "l2": [0, 1e-3, 1e-2]},
                   bootstrap=True)
    ens.fit(X, np.where(Y_BIN == 1, "yes", "no"), epochs=2, verbose=0)
    path = tmp_path / "ens.npz"
    ens.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["ens.npz"]   # atomic: no temp file left
    for loaded in (npmlp.load(path), Ensemble.load(path)):
        assert isinstance(loaded, Ensemble)
        assert loaded.seeds == ens.seeds and loaded.vary == ens.vary
        np.testing.assert_array_equal(loaded.predict_proba(X), ens.predict_proba(X))
        assert list(loaded.predict(X[:5])) == list(ens.predict(X[:5]))
        for a, b in zip(loaded.samples, ens.samples):
            np.testing.assert_array_equal(a, b)
        for k in range(3):
            assert loaded.history[k].to_dict() == ens.history[k].to_dict()
            assert loaded.members[k].layers[0].kernel_regularizer.l2 == ens.vary["l2"][k]
    # training continues identically after a reload
    loaded = npmlp.load(path)
    ens.fit(X, np.where(Y_BIN == 1, "yes", "no"), epochs=1, verbose=0)
    loaded.fit(X, np.where(Y_BIN == 1, "yes", "no"), epochs=1, verbose=0)
    np.testing.assert_array_equal(loaded.predict_proba(X), ens.predict_proba(X))
    # a member alone saves and loads as an ordinary model
    ens.members[1].save(tmp_path / "one.npz")
    assert isinstance(npmlp.load(tmp_path / "one.npz"), npmlp.MLP)
    with pytest.raises(ValueError, match="single model"):
        Ensemble.load(tmp_path / "one.npz")


def test_stack_matches_members_and_shapes():
    ens = Ensemble(net("binary", opt_of("sgd")), 5, seeds=range(5))
    ens.fit(X, Y_BIN, epochs=1, verbose=0)
    stack = ens.stack()
    assert isinstance(stack, StackedMLP)
    assert stack.layers[0].W.shape == (5, 5, 8) and stack.layers[0].b.shape == (5, 8)
    for k in range(5):
        np.testing.assert_array_equal(stack.layers[1].W[k], ens.members[k].layers[1].W)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_divergent_member_stops_alone():
    vary = {"learning_rate": [0.05, 1e12]}
    ens = Ensemble(net("regression", npmlp.SGD()), 2, seeds=[1, 2], vary=vary)
    ens.fit(X, Y_REG * 1e3, epochs=3, verbose=0)
    assert list(ens.diverged) == [1]
    assert len(ens.history[0].epoch) == 3
    assert np.isfinite(ens.members[1].get_weights()[0]).all()   # rolled back, finite
    assert ens.best("loss") is ens.members[0]


@pytest.mark.parametrize("kwargs,match", [
    ({"n_members": 0}, "n_members"),
    ({"n_members": 2, "vary": {"learning_rate": [0.1]}}, "one per member"),
    ({"n_members": 2, "vary": {"dropout": [0.1, 0.2]}}, "unknown hyper-parameter"),
    ({"n_members": 2, "seeds": [1]}, "seeds has 1"),
    ({"n_members": 2, "vary": {"learning_rate": [0.1, -1]}}, "learning_rate"),
    ({"n_members": 2, "seeds": [1, -2]}, "seeds"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Ensemble(net("binary", npmlp.SGD()), **kwargs)


def test_bad_templates():
    built = net("binary", npmlp.SGD())
    built.build(5)
    with pytest.raises(ValueError, match="unbuilt"):
        Ensemble(built, 2)
    with pytest.raises(TypeError, match="template"):
        Ensemble("mlp", 2)
    with pytest.raises(ValueError, match="momentum"):
        Ensemble(net("binary", npmlp.Adam()), 2, vary={"momentum": [0.1, 0.2]})
    with pytest.raises(ValueError, match="clip"):
        Ensemble(net("binary", npmlp.SGD(clipnorm=1.0)), 2)
    with pytest.raises(TypeError, match="vary"):
        Ensemble(net("binary", npmlp.SGD()), 2, vary=[0.1, 0.2])
    ens = Ensemble(net("binary", npmlp.SGD()), 2)
    with pytest.raises(RuntimeError, match="fit"):
        ens.predict_proba(X)
    with pytest.raises(ValueError, match="batch_size"):
        ens.fit(X, Y_BIN, batch_size=0)


def test_compare_independent_trains_the_seeds_as_one_ensemble():
    from npmlp.compare.independent import as_ensemble

    models = [net("binary", opt_of("sgd"), seed=s) for s in (3, 4, 5)]
    ens = as_ensemble(models)
    assert isinstance(ens, Ensemble) and ens.seeds == [3, 4, 5]
    ens.fit(X, Y_BIN, epochs=2, validation_split=0.2, verbose=0)
    alone = net("binary", opt_of("sgd"), seed=4)
    hist = alone.fit(X, Y_BIN, epochs=2, validation_split=0.2, verbose=0)
    assert_member_equals(ens, 1, alone, hist, 1e-12)
    # models that differ in more than their seed are trained one by one
    assert as_ensemble([net("binary", opt_of("sgd"), seed=1),
                        net("binary", opt_of("adam"), seed=2)]) is None
    assert as_ensemble([net("binary", opt_of("sgd"))]) is None            # unseeded


def test_sklearn_n_members_averages_members():
    clf = MLPClassifier((16,), epochs=5, random_state=0, n_members=3).fit(X, Y_CLS)
    assert len(clf.ensemble_.members) == 3 and clf.model_ is clf.ensemble_.members[0]
    each = np.stack([m.predict_proba(X) for m in clf.ensemble_.members])
    np.testing.assert_allclose(clf.predict_proba(X), each.mean(axis=0), rtol=1e-12)
    assert np.ptp(each[:, 0, 0]) > 0                                     # distinct members
    np.testing.assert_allclose(clf.loss_curve_, clf.ensemble_.history.loss.mean(axis=0))
    reg = MLPRegressor((16,), epochs=3, random_state=0, n_members=2).fit(X, Y_REG)
    each = np.stack([m.predict(X) for m in reg.ensemble_.members])
    np.testing.assert_allclose(reg.predict(X), each.mean(axis=0), rtol=1e-12)
    with pytest.raises(ValueError, match="n_members"):
        MLPClassifier(n_members=0).fit(X, Y_CLS)


def test_cli_train_members_and_vary(tmp_path, capsys):
    from npmlp.cli import main

    path = tmp_path / "ens.npz"
    code = main(["train", "--members", "3", "--vary", "learning_rate=0.001,0.01,0.1",
                 "--epochs", "2", "--seed", "1", "--quiet", "--save", str(path)])
    out = capsys.readouterr().out
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in rows] == ["0", "1", "2"]
    assert [float(row[2]) for row in rows] == [0.001, 0.01, 0.1]
    loaded = npmlp.load(path)
    assert isinstance(loaded, Ensemble) and loaded.vary == {"learning_rate": [0.001, 0.01, 0.1]}
    assert float(rows[2][4]) == pytest.approx(loaded.history[2].loss[-1], abs=1e-4)


def test_ctrl_c_rolls_members_back_to_the_last_complete_epoch(monkeypatch):
    calls = []
    step = StackedMLP.apply_gradients

    def interrupted(self):
        calls.append(1)
        if len(calls) == 9:          # the 2nd batch of epoch 3 (4 batches per epoch)
            raise KeyboardInterrupt
        step(self)

    monkeypatch.setattr(StackedMLP, "apply_gradients", interrupted)
    ens = Ensemble(net("binary", opt_of("adam")), 2, seeds=[1, 2])
    ens.fit(X[:128], Y_BIN[:128], batch_size=32, epochs=5, verbose=0)
    assert ens.interrupted and ens.history[0].interrupted
    for k in range(2):
        single = net("binary", opt_of("adam"), seed=k + 1)
        hist = single.fit(X[:128], Y_BIN[:128], batch_size=32, epochs=2, verbose=0)
        assert_member_equals(ens, k, single, hist, 1e-12)
        # the generator too: the next epoch's order is the single model's
        assert ens.members[k].rng.integers(1 << 30) == single.rng.integers(1 << 30)
