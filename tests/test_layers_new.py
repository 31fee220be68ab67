"""Activation, Dropout, BatchNormalization, Dense(use_bias, bias_regularizer), L1/L1L2:
finite-difference gradients, masks, moving statistics, allocation, save/load/resume, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from allocation import bytes_allocated_by_steps

import npmlp
from npmlp.diagnostics import gradcheck
from npmlp.nn.workspace import Workspace


def _data(n=24, d=3, seed=0, classes=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, classes, size=n)
    return X, y


def _check(model, X, y):
    Xf, Y = model._prepare(X, y, fitting=True)
    if not model.built:
        model.build(Xf.shape[1])
    records = gradcheck.check_gradients(model, Xf, Y)
    assert records, "no parameters checked"
    for r in records:
        # elementwise: |a - n| <= 1e-6 max(|a|, |n|) + atol (rounding of L over h); a bias
        # feeding a BatchNormalization has a zero gradient (the mean removes it), where only
        # the absolute term can hold
        assert r["passed"], r
    return records


PLACEMENTS = {
    "dense-bn-act": lambda act: [npmlp.Dense(5, activation="linear", use_bias=False),
                                 npmlp.BatchNormalization(momentum=0.9),
                                 npmlp.Activation(act)],
    "dense(act)-bn": lambda act: [npmlp.Dense(5, activation=act),
                                  npmlp.BatchNormalization(epsilon=1e-2)],
}


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "leaky_relu"])
@pytest.mark.parametrize("placement", sorted(PLACEMENTS))
def test_batchnorm_training_gradients_match_finite_differences(placement, act):
    X, y = _data()
    layers = PLACEMENTS[placement](act) + [npmlp.Dense(1, activation="sigmoid")]
    model = npmlp.MLP(layers, seed=1, dtype="float64")
    records = _check(model, X, y)
    assert {r["name"] for r in records} >= {"gamma2", "beta2"}


def test_batchnorm_without_center_and_scale_and_as_the_first_and_last_layer():
    X, y = _data(classes=3)
    model = npmlp.MLP([npmlp.BatchNormalization(center=False, scale=False),
                       npmlp.Dense(4, activation="tanh"),
                       npmlp.Dense(3, activation="linear"), npmlp.BatchNormalization(),
                       npmlp.Activation("softmax")], seed=0, dtype="float64")
    _check(model, X, y)
    assert model.logits_path


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
def test_dropout_gradients_with_a_fixed_mask(act):
    X, y = _data()
    model = npmlp.MLP([npmlp.Dense(6, activation=act), npmlp.Dropout(0.4),
                       npmlp.Dense(4, activation="linear"), npmlp.Activation(act),
                       npmlp.Dropout(0.3), npmlp.Dense(1, activation="sigmoid")],
                      seed=2, dtype="float64")
    model.build(3)
    # nonzero biases: a row dropped whole gives Z = b, which must not sit on relu's kink at 0
    for layer, b in ((model.layers[0], 0.05), (model.layers[2], 0.07)):
        layer.b[...] = b
    _check(model, X, y)
    # the mask really zeroes units (a check of a mask of ones would prove nothing)
    model.forward(model._prepare(X, y, fitting=True)[0], training=True)
    keep = model.last_pass[1].keep
    assert 0 < keep.sum() < keep.size


def test_dense_without_bias_and_with_l1_l1l2_and_bias_regularizers():
    X, y = _data(classes=3)
    model = npmlp.MLP([
        npmlp.Dense(5, activation="tanh", kernel_regularizer=npmlp.L1(0.03),
                    bias_regularizer=npmlp.L1L2(0.02, 0.05)),
        npmlp.Dense(4, activation="sigmoid", use_bias=False,
                    kernel_regularizer=npmlp.L1L2(0.01, 0.02)),
        npmlp.Dense(3, activation="softmax", bias_regularizer=npmlp.L2(0.1))],
        seed=3, dtype="float64")
    Xf, Y = model._prepare(X, y, fitting=True)
    model.build(3)
    model.layers[0].b[...] = [0.3, -0.2, 0.1, 0.5, -0.4]   # a nonzero bias for its penalty
    model.layers[2].b[...] = [0.2, -0.1, 0.3]
    assert model.param_names() == ["W1", "b1", "W2", "W3", "b3"]
    for r in gradcheck.check_gradients(model, Xf, Y):
        assert r["passed"] and r["relative_error"] < 1e-6, r
    W1, b1 = model.layers[0].W, model.layers[0].b
    expected = (0.03 * np.abs(W1).sum() + 0.02 * np.abs(b1).sum() + 0.05 * (b1 ** 2).sum()
                + 0.01 * np.abs(model.layers[1].W).sum() + 0.02 * (model.layers[1].W ** 2).sum()
                + 0.1 * (model.layers[2].b ** 2).sum())
    assert model.penalty() == pytest.approx(expected, rel=1e-14)


def test_activation_layer_is_the_output_activation_on_the_logits_path():
    X, y = _data(classes=3)
    a = npmlp.MLP([npmlp.Dense(4, activation="tanh"), npmlp.Dense(3, activation="softmax")],
                  seed=0, dtype="float64")
    b = npmlp.MLP([npmlp.Dense(4, activation="tanh"), npmlp.Dense(3, activation="linear"),
                   npmlp.Activation("softmax")], seed=0, dtype="float64")
    assert b.logits_path and b.loss.name == a.loss.name and b.kind == "multiclass"
    ha = a.fit(X, y, epochs=3, batch_size=7, verbose=0)
    hb = b.fit(X, y, epochs=3, batch_size=7, verbose=0)
    assert ha.history == hb.history
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_dropout_masks_keep_rate_and_preserve_the_mean():
    rate, n = 0.3, 10 ** 6
    layer = npmlp.Dropout(rate)
    layer.build(1000)
    layer.bind_state([], np.random.default_rng(123))
    work = Workspace(1000, 1000, np.float64)
    A_prev = np.ones((1000, 1000))
    A = layer.forward(A_prev, work, training=True)
    kept = int(work.keep.sum())
    # 5-sigma binomial bound on the number of kept units
    sd = math.sqrt(n * rate * (1 - rate))
    assert abs(kept - n * (1 - rate)) < 5 * sd
    assert set(np.unique(A)) == {0.0, 1 / (1 - rate)}
    assert abs(A.mean() - 1.0) < 5 * sd / n / (1 - rate)
    # inference is the identity; rate 0 draws nothing
    assert layer.forward(A_prev, work, training=False) is A_prev
    zero = npmlp.Dropout(0.0)
    zero.build(3)
    rng = np.random.default_rng(0)
    zero.bind_state([], rng)
    before = rng.bit_generator.state
    zero.forward(np.ones((2, 3)), Workspace(2, 3, np.float64), training=True)
    assert rng.bit_generator.state == before


def test_batchnorm_moving_statistics_follow_keras_rule_and_inference_uses_them():
    X = np.random.default_rng(0).normal(2.0, 3.0, size=(16, 4))
    bn = npmlp.BatchNormalization(momentum=0.75, epsilon=1e-3)
    model = npmlp.MLP([bn, npmlp.Dense(1, activation="linear")], seed=0, dtype="float64")
    model.build(4)
    model.forward(X, training=True)
    mu, var = X.mean(axis=0), X.var(axis=0)
    np.testing.assert_allclose(bn.moving_mean, 0.25 * mu, rtol=1e-14)
    np.testing.assert_allclose(bn.moving_variance, 0.75 + 0.25 * var, rtol=1e-14)
    Z = model.last_pass[0].Z
    np.testing.assert_allclose(Z, (X - mu) / np.sqrt(var + 1e-3), rtol=1e-12, atol=1e-13)
    bn.gamma[...] = 2.0
    bn.beta[...] = 0.5
    out = model.layers[0].forward(X, Workspace(16, 4, np.float64), training=False)
    expected = 2.0 * (X - bn.moving_mean) / np.sqrt(bn.moving_variance + 1e-3) + 0.5
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    names = model.weight_names()
    assert names[:4] == ["gamma1", "beta1", "moving_mean1", "moving_variance1"]
    w = model.get_weights()
    np.testing.assert_array_equal(w[2], bn.moving_mean)


def _full_model(dtype="float64"):
    return npmlp.MLP([
        npmlp.Dense(8, activation="linear", use_bias=False), npmlp.BatchNormalization(),
        npmlp.Activation("relu"), npmlp.Dropout(0.25),
        npmlp.Dense(6, activation="tanh", kernel_regularizer=npmlp.L1(0.001),
                    bias_regularizer=npmlp.L1L2(0.001, 0.002)),
        npmlp.BatchNormalization(momentum=0.9), npmlp.Dense(1, activation="linear"),
        npmlp.Activation("sigmoid")], seed=5, dtype=dtype, optimizer=npmlp.Adam(0.01))


def test_every_new_layer_saves_loads_and_resumes_bit_identically(tmp_path):
    X, y = npmlp.datasets.moons(90, seed=1)
    a = _full_model()
    a.fit(X, y, epochs=2, batch_size=16, verbose=0, validation_split=0.2)
    path = tmp_path / "m.npz"
    a.save(path)
    b = npmlp.load(path)
    assert [type(x).__name__ for x in b.layers] == [type(x).__name__ for x in a.layers]
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert b.layers[1].moving_mean.any()   # the moving statistics came back, not defaults
    ha = a.fit(X, y, epochs=5, initial_epoch=2, batch_size=16, verbose=0, validation_split=0.2)
    hb = b.fit(X, y, epochs=5, initial_epoch=2, batch_size=16, verbose=0, validation_split=0.2)
    assert ha.history == hb.history
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_a_seed_reproduces_a_dropout_run_and_training_differs_from_inference():
    X, y = npmlp.datasets.moons(64, seed=2)
    h1 = _full_model().fit(X, y, epochs=2, batch_size=16, verbose=0).history
    h2 = _full_model().fit(X, y, epochs=2, batch_size=16, verbose=0).history
    assert h1 == h2


def test_new_layers_train_without_allocating():
    X, y = npmlp.datasets.moons(50, seed=0)
    grown = bytes_allocated_by_steps(_full_model(), X, y)
    assert grown < 4096, f"{grown} bytes allocated by 10 training steps"


def test_summary_counts_match_keras_arithmetic():
    model = _full_model()
    model.build(2)
    trainable, frozen = model.count_params()
    # dense 2*8; bn 2*8 (+2*8 frozen); dense 8*6+6; bn 2*6 (+2*6 frozen); dense 6+1
    assert (trainable, frozen) == (16 + 16 + 54 + 12 + 7, 16 + 12)
    text = model.summary()
    assert "Total params: 133" in text and "Non-trainable params: 28" in text


@pytest.mark.parametrize("make, match", [
    (lambda: npmlp.Dropout(1.0), "rate"),
    (lambda: npmlp.Dropout(-0.1), "rate"),
    (lambda: npmlp.Dropout("0.5"), "rate"),
    (lambda: npmlp.BatchNormalization(momentum=1.5), "momentum"),
    (lambda: npmlp.BatchNormalization(epsilon=0.0), "epsilon"),
    (lambda: npmlp.BatchNormalization(center=1), "center"),
    (lambda: npmlp.Dense(3, use_bias="no"), "use_bias"),
    (lambda: npmlp.Dense(3, use_bias=False, bias_regularizer=npmlp.L2()), "bias_regularizer"),
    (lambda: npmlp.Dense(3, kernel_regularizer=0.01), "kernel_regularizer"),
    (lambda: npmlp.L1(-1), "l1"),
    (lambda: npmlp.L1L2(0.1, -1), "l2"),
    (lambda: npmlp.Activation("nope"), "nope"),
    (lambda: npmlp.MLP([npmlp.Dropout(0.1), npmlp.Activation("relu")]), "Dense"),
])
def test_bad_arguments_are_refused_by_name(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_batchnorm_refuses_a_training_batch_of_one_row():
    X, y = npmlp.datasets.moons(33, seed=0)
    model = npmlp.MLP([npmlp.Dense(4), npmlp.BatchNormalization(),
                       npmlp.Dense(1, activation="sigmoid")], seed=0)
    with pytest.raises(ValueError, match="one row"):
        model.fit(X, y, batch_size=32, epochs=1, verbose=0)
    assert model.predict(X[:1]).shape == (1,)   # inference on one row is fine


def test_explain_shows_the_mask_and_batch_statistics_and_checks_every_gradient(tmp_path):
    from npmlp.diagnostics.explain import explain, format_trace, plot_trace

    X, y = npmlp.datasets.moons(64, seed=0)
    model = npmlp.MLP([npmlp.Dense(6, "linear", use_bias=False), npmlp.BatchNormalization(),
                       npmlp.Activation("relu"), npmlp.Dropout(0.3),
                       npmlp.Dense(1, "sigmoid")], seed=0, dtype="float64")
    trace = explain(X, y, model=model)
    assert trace.gradcheck_passed
    assert [r["name"] for r in trace.gradcheck] == ["W1", "gamma2", "beta2", "W5", "b5"]
    bn, drop = trace.layers[1], trace.layers[3]
    Xb = trace.layers[1].arrays["A_prev"]
    np.testing.assert_allclose(bn.arrays["mean"], Xb.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.arrays["var"], Xb.var(axis=0), rtol=1e-12)
    assert 0.5 < drop.forward["mask"].mean < 0.9
    text = "\n".join(format_trace(trace))
    assert "layer 2/5 (BatchNormalization)" in text and "dgamma" in text
    assert plot_trace(trace, tmp_path / "t.png").exists()


def test_sklearn_estimators_take_dropout_and_batch_norm():
    from sklearn.base import clone

    from npmlp.sklearn import MLPClassifier, MLPRegressor

    X, y = npmlp.datasets.moons(120, seed=0)
    clf = MLPClassifier(hidden_layer_sizes=(8, 8), epochs=5, batch_size=16, random_state=0,
                        dropout=0.2, batch_norm=True)
    assert clone(clf).get_params()["dropout"] == 0.2
    clf.fit(X, y)
    kinds = [type(layer).__name__ for layer in clf.model_.layers]
    assert kinds == ["Dense", "BatchNormalization", "Activation", "Dropout"] * 2 + ["Dense"]
    assert clf.predict(X).shape == (120,)
    reg = MLPRegressor(hidden_layer_sizes=(4,), epochs=2, batch_size=16, random_state=0,
                       dropout=0.5).fit(X, X[:, 0])
    assert [type(layer).__name__ for layer in reg.model_.layers] == ["Dense", "Dropout", "Dense"]
    with pytest.raises(ValueError, match="dropout"):
        MLPClassifier(dropout=1.0).fit(X, y)
    with pytest.raises(TypeError, match="batch_norm"):
        MLPClassifier(batch_norm="yes").fit(X, y)


def test_mlp_builds_the_blocks_and_refuses_bad_options():
    X, y = npmlp.datasets.moons(64, seed=0)
    h = npmlp.mlp(X, y, 16, 2, 2, 0.25, units=4, dropout=0.1, batch_norm=True, seed=0,
                  verbose=0)
    kinds = [type(layer).__name__ for layer in h.model.layers]
    assert kinds == ["Dense", "BatchNormalization", "Activation", "Dropout"] * 2 + ["Dense"]
    assert h.model.layers[0].use_bias is False
    with pytest.raises(ValueError, match="dropout"):
        npmlp.mlp(X, y, dropout=-0.1, verbose=0)


def test_exports_carry_every_new_layer(tmp_path):
    import onnxruntime as ort

    X, y = npmlp.datasets.moons(64, seed=0)
    model = _full_model()
    model.fit(X, y, epochs=2, batch_size=16, verbose=0)
    st = tmp_path / "m.safetensors"
    model.export(st, "safetensors")
    back = npmlp.load(st)
    for a, b in zip(model.get_weights(), back.get_weights()):
        np.testing.assert_array_equal(a, b)
    onnx_path = tmp_path / "m.onnx"
    model.export(onnx_path, "onnx")
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {session.get_inputs()[0].name: X.astype(np.float64)})
    np.testing.assert_allclose(out, model.predict_proba(X), rtol=1e-12, atol=1e-14)


def test_epoch_snapshot_rolls_back_the_moving_statistics_and_float32_trains(tmp_path):
    from npmlp.training.snapshot import Snapshot

    X, y = npmlp.datasets.moons(64, seed=0)
    model = _full_model()
    Xf, Y = model._prepare(X, y, fitting=True)
    model.build(2)
    snap = Snapshot()
    snap.take(model)
    before = model.get_weights()
    rng_before = model.rng.bit_generator.state
    model.train_step(Xf[:16], Y[:16])
    assert not np.array_equal(model.layers[1].moving_mean, before[2])
    snap.restore(model)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert model.rng.bit_generator.state == rng_before      # the same masks come next
    small = _full_model("float32")
    h = small.fit(X, y, epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(h.loss).all()
    assert all(w.dtype == np.float32 for w in small.get_weights())
    png = npmlp.plot_decision_boundary(small, X, y, tmp_path / "b.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
