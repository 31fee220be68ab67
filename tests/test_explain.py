"""npmlp explain: the recorded trace matches a backward pass written out here in NumPy, the
update is -lr dW, every gradient check passes (vanishing gradients included), and a wrong
derivative makes it fail."""

import numpy as np
import pytest

import npmlp
from npmlp import activations
from npmlp.cli import main
from npmlp.diagnostics.explain import build_model, explain, format_trace, plot_trace


@pytest.fixture(scope="module")
def seed_trace():
    X, y = npmlp.datasets.dummy(seed=0)
    return X, y, explain(X, y)


def test_default_is_the_seed_architecture_and_every_gradient_passes(seed_trace):
    _, _, trace = seed_trace
    assert repr(trace.model) == "MLP(10-64-64-64-1, loss='binary_crossentropy')"
    assert trace.batch_size == 32 and trace.logits_path
    assert len(trace.gradcheck) == 8
    assert all(r["relative_error"] < 1e-6 and r["passed"] for r in trace.gradcheck)
    assert trace.gradcheck_passed


def test_shapes_chain_from_layer_to_layer(seed_trace):
    _, _, trace = seed_trace
    sizes = [10, 64, 64, 64, 1]
    for t, (fan_in, fan_out) in zip(trace.layers, zip(sizes, sizes[1:])):
        assert t.forward["A_prev"].shape == (32, fan_in)
        assert t.forward["Z"].shape == t.forward["A"].shape == (32, fan_out)
        assert t.backward["dW"].shape == t.update["W"].shape == (fan_in, fan_out)
        assert t.backward["db"].shape == (fan_out,)
        assert t.backward["dZ"].shape == t.backward["dA"].shape == (32, fan_out)
    for below, above in zip(trace.layers, trace.layers[1:]):
        assert np.array_equal(below.arrays["A"], above.arrays["A_prev"])


def hand_backprop(weights, X, Y):
    """dW, db of a ReLU network with a sigmoid output and mean binary cross-entropy, written
    out from the formulas (no npmlp code): forward Z = A_prev W + b, A = relu(Z) and
    sigmoid(Z) at the top; backward dZ = (A - Y) / m at the output, dW = A_prev^T dZ,
    db = sum_rows dZ, dA_prev = dZ W^T, dZ_prev = dA_prev * [Z_prev > 0]."""
    m = X.shape[0]
    A, cache = X, []
    n_layers = len(weights) // 2
    for i in range(n_layers):
        W, b = weights[2 * i], weights[2 * i + 1]
        Z = A @ W + b
        cache.append((A, Z))
        A = 1.0 / (1.0 + np.exp(-Z)) if i == n_layers - 1 else np.maximum(Z, 0.0)
    grads = [None] * len(weights)
    dZ = (A - Y) / m
    for i in range(n_layers - 1, -1, -1):
        A_prev, _ = cache[i]
        grads[2 * i] = A_prev.T @ dZ
        grads[2 * i + 1] = dZ.sum(axis=0)
        if i > 0:
            dZ = (dZ @ weights[2 * i].T) * (cache[i - 1][1] > 0)
    return grads


def test_gradients_equal_an_independent_backward_pass_and_update_is_sgd(seed_trace):
    X, y, trace = seed_trace
    before = build_model(10, y, seed=0).get_weights()   # same seed -> same initial weights
    Y = y[:32].astype(np.float64).reshape(-1, 1)
    expected = hand_backprop(before, X[:32], Y)
    for i, t in enumerate(trace.layers):
        # same formulas, possibly another summation order: agreement to rounding
        np.testing.assert_allclose(t.arrays["dW"], expected[2 * i], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(t.arrays["db"], expected[2 * i + 1], rtol=1e-12, atol=1e-15)
    after = trace.model.get_weights()
    for i, t in enumerate(trace.layers):
        # SGD without momentum: W -= dW * lr, bit for bit with the trace's own dW.
        np.testing.assert_array_equal(after[2 * i], before[2 * i] - t.arrays["dW"] * 0.01)
        np.testing.assert_array_equal(after[2 * i + 1],
                                      before[2 * i + 1] - t.arrays["db"] * 0.01)
        assert t.update["W"].max == (after[2 * i] - before[2 * i]).max()


def test_vanishing_gradients_pass_the_check():
    """Six sigmoid layers: gradients of 1e-6 in the first layer, rounding-sized differences;
    the elementwise bound's absolute floor passes them (the norm ratio alone would not)."""
    X, y = npmlp.datasets.dummy(seed=0)
    trace = explain(X, y, layers=6, units=8, activation="sigmoid")
    first = trace.gradcheck[0]
    assert first["relative_error"] > 1e-6                   # what used to be reported as FAIL
    assert first["max_abs_diff"] < first["atol"] / 4
    assert trace.gradcheck_passed
    assert "all 14 gradients pass" in "\n".join(format_trace(trace))


def test_output_dZ_is_A_minus_Y_over_m(seed_trace):
    _, y, trace = seed_trace
    out = trace.layers[-1]
    Y = y[:32].astype(np.float64).reshape(-1, 1)
    np.testing.assert_allclose(out.arrays["dZ"], (out.arrays["A"] - Y) / 32, rtol=1e-15)


def test_a_wrong_derivative_fails_the_check(monkeypatch):
    X, y = npmlp.datasets.dummy(n_samples=20, n_features=3, seed=1)
    # Twice the true tanh derivative: backprop is now wrong, finite differences are not.
    monkeypatch.setattr(activations.Tanh, "backward",
                        lambda self, dA, Z, A, out=None, work=None: dA * 2 * (1 - A * A))
    trace = explain(X, y, layers=1, units=4, activation="tanh", batch_size=20)
    assert not trace.gradcheck_passed
    assert "FAIL" in "\n".join(format_trace(trace))


def test_softmax_output_on_iris_and_plot(tmp_path):
    X, y = npmlp.datasets.load("iris")
    trace = explain(X[::5], y[::5], layers=2, units=5, activation="sigmoid", batch_size=30)
    assert trace.layers[-1].activation == "softmax" and trace.gradcheck_passed
    path = plot_trace(trace, tmp_path / "h.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_arguments_are_validated():
    X, y = npmlp.datasets.dummy(n_samples=10, seed=0)
    with pytest.raises(ValueError, match="batch_size"):
        explain(X, y, batch_size=0)
    model = npmlp.MLP([npmlp.Dense(1, "sigmoid")], dtype="float32", input_dim=10)
    with pytest.raises(ValueError, match="float64"):
        explain(X, y, model=model)
    with pytest.raises(TypeError, match="model"):
        explain(X, y, model="not a model")
    with pytest.raises(TypeError, match="trace"):
        plot_trace({}, "x.png")


def test_cli_prints_every_section_and_writes_the_plot(tmp_path, capsys):
    plot = tmp_path / "sub" / "explain.png"
    rc = main(["explain", "--dataset", "moons", "--layers", "1", "--units", "4",
               "--batch-size", "8", "--plot", str(plot)])
    out = capsys.readouterr().out
    assert rc == 0
    for word in ("FORWARD", "BACKWARD", "UPDATE", "GRADIENT CHECK", "A_prev", "dA", "dZ",
                 "dW", "db", "all 4 gradients pass"):
        assert word in out
    assert plot.exists()
