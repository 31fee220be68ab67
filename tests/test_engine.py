"""The one engine: every formula runs in preallocated buffers through NumPy's ``out=`` idiom,
parameters are views of one flat array for the model's life, and the out= form of each
function gives exactly what the allocating form gives."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from allocation import bytes_allocated_by_steps

import npmlp
from npmlp.nn import activations, losses, metrics
from npmlp.nn.workspace import Workspace
from npmlp.training import batches as batching

ACTIVATIONS = ["sigmoid", "relu", "tanh", "leaky_relu", "linear", "softmax"]


def _Z(dtype, m=9, k=5, seed=0):
    Z = np.random.default_rng(seed).normal(scale=4.0, size=(m, k)).astype(dtype)
    Z[0] = 0.0          # g(0), g'(0): relu'(0) = 0 and sigmoid(0) = 0.5 exactly
    Z[1, 0] = 80.0      # saturation, no overflow
    Z[1, 1] = -80.0
    return Z


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_out_and_workspace_give_the_allocating_result(name, dtype):
    act = activations.get(name)
    Z = _Z(dtype)
    A = act.forward(Z)
    work = Workspace.like(Z)
    out = np.full_like(Z, np.nan)
    assert act.forward(Z, out=out, work=work) is out
    np.testing.assert_array_equal(out, A)
    assert A.dtype == Z.dtype
    dA = np.random.default_rng(1).normal(size=Z.shape).astype(dtype)
    dZ = act.backward(dA, Z, A)
    in_place = dA.copy()
    act.backward(in_place, Z, A, out=in_place, work=work)   # how the loop calls it
    np.testing.assert_array_equal(in_place, dZ)


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh", "leaky_relu", "linear"])
def test_elementwise_backward_is_dA_times_the_derivative(name):
    act = activations.get(name)
    Z = _Z("float64")
    A = act.forward(Z)
    dA = np.random.default_rng(2).normal(size=Z.shape)
    np.testing.assert_allclose(act.backward(dA, Z, A), dA * act.derivative(Z, A), rtol=1e-15)


def test_softmax_backward_is_the_jacobian_vector_product():
    act = activations.get("softmax")
    Z = _Z("float64")
    A = act.forward(Z)
    dA = np.random.default_rng(3).normal(size=Z.shape)
    expected = np.einsum("mj,mjk->mk", dA, act.derivative(Z, A))
    np.testing.assert_allclose(act.backward(dA, Z, A), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss_name, act_name", [("binary_crossentropy", "sigmoid"),
                                                 ("categorical_crossentropy", "softmax")])
def test_logits_forward_matches_loss_from_logits_and_activation(loss_name, act_name):
    loss, act = losses.get(loss_name), activations.get(act_name)
    Z = _Z("float64")
    rng = np.random.default_rng(4)
    Y = (rng.random(Z.shape) > 0.5).astype(float)
    if act_name == "softmax":
        Y = np.eye(Z.shape[1])[rng.integers(0, Z.shape[1], Z.shape[0])]
    w = rng.uniform(0.5, 2.0, Z.shape[0])
    work = Workspace.like(Z)
    value = loss.logits_forward(Y, Z, work.A, work, w)
    np.testing.assert_array_equal(work.A, act.forward(Z))
    assert value == loss.from_logits(Y, Z, w)
    # The exact logits loss equals the probability-space loss where no clipping happens.
    safe = np.abs(Z).max(axis=1) < 10
    assert np.isclose(loss.from_logits(Y[safe], Z[safe]), loss(Y[safe], act.forward(Z[safe])),
                      rtol=1e-12)


def test_metrics_with_a_workspace_equal_the_plain_formula():
    rng = np.random.default_rng(5)
    for k in (1, 3):
        Y = (rng.random((11, k)) > 0.5).astype(float)
        A = rng.random((11, k))
        A[0] = 0.5  # '>' not '>=': 0.5 is class 0
        assert metrics.binary_accuracy_sum(Y, A, Workspace.like(A)) == \
            metrics.binary_accuracy_sum(Y, A)


def _model(**kw):
    layers = [npmlp.Dense(8, "relu"), npmlp.Dense(8, "tanh"), npmlp.Dense(1, "sigmoid")]
    return npmlp.MLP(layers, seed=0, **kw)


def test_parameters_are_views_of_one_flat_array_for_the_models_life(tmp_path):
    X, y = npmlp.datasets.moons(64, seed=0)
    model = _model(input_dim=2)
    taken = model.params           # the arrays a user holds on to before training
    W1 = model.layers[0].W
    model.fit(X, y, epochs=2, batch_size=16, verbose=0)
    assert model.layers[0].W is W1 and all(a is b for a, b in zip(taken, model.params))
    flat = model.parameters.flat
    assert all(np.shares_memory(p, flat) for p in model.params)
    assert all(np.shares_memory(g, model.parameters.grad) for g in model.grads)
    # the flat array is what the weights are: a change to one shows in the other
    flat[0] += 1.0
    assert W1.flat[0] == flat[0]
    model.set_weights(model.get_weights())
    assert model.layers[0].W is W1
    for other in (copy.deepcopy(model), npmlp.load(_saved(model, tmp_path))):
        assert all(np.shares_memory(p, other.parameters.flat) for p in other.params)
        assert all(np.shares_memory(a, b) for a, b in
                   zip([layer.W for layer in other.layers], other.params[0::2]))
        other.fit(X, y, epochs=1, batch_size=16, verbose=0)  # trains through the views
        np.testing.assert_array_equal(other.layers[0].W, other.params[0])


def _saved(model, tmp_path):
    path = tmp_path / "m.npz"
    model.save(path)
    return path


def test_a_training_step_allocates_no_arrays_after_the_first():
    X, y = npmlp.datasets.moons(96, seed=1)
    grown = bytes_allocated_by_steps(_model(optimizer=npmlp.Adam(clipnorm=1.0)), X, y)
    assert grown < 4096, f"{grown} bytes allocated by 10 training steps"


def test_a_short_batch_uses_views_of_the_full_batch_buffers():
    model = _model(input_dim=2)
    full, short = model.workspace(16), model.workspace(5)
    assert all(np.shares_memory(a.Z, b.Z) and b.Z.shape[0] == 5 for a, b in zip(full, short))


def test_an_inference_forward_leaves_the_training_pass_to_backward():
    rng = np.random.default_rng(4)
    X, X_other = rng.normal(size=(8, 2)), rng.normal(size=(5, 2))
    Y = (rng.random((8, 1)) > 0.5).astype(float)

    def gradients(look_in_between: bool):
        model = _model(input_dim=2)
        model.forward(X)
        if look_in_between:
            model.forward(X_other, training=False)
        model.backward(Y)
        return [g.copy() for g in model.grads]

    for a, b in zip(gradients(False), gradients(True)):
        np.testing.assert_array_equal(a, b)


class Cube(activations.Activation):
    """g(z) = z^3: a user's own activation needs forward and derivative only."""

    name = "cube"

    def forward(self, Z, out=None, work=None):
        return np.power(Z, 3, out=out)

    def derivative(self, Z, A=None):
        return 3 * Z * Z


def test_a_new_activation_trains_through_the_same_step_and_passes_gradcheck():
    from npmlp.diagnostics.gradcheck import check_gradients

    X, y = npmlp.datasets.moons(40, seed=2)
    model = npmlp.MLP([npmlp.Dense(5, Cube()), npmlp.Dense(1, "sigmoid")], seed=0,
                      dtype="float64")
    history = model.fit(X, y, epochs=3, batch_size=8, verbose=0)
    assert np.isfinite(history.loss).all()
    Xf, Y = model._prepare(X[:8], y[:8], fitting=False)
    assert all(r["relative_error"] < 1e-6 for r in check_gradients(model, Xf, Y))


def test_shuffled_batches_are_the_permuted_rows_with_their_weights():
    rng = np.random.default_rng(0)
    X, Y, w = rng.normal(size=(23, 3)), rng.normal(size=(23, 1)), rng.random(23)
    order = rng.permutation(23)
    got = [(a.copy(), b.copy(), c.copy()) for a, b, c in batching.batches(X, Y, w, order, 5)]
    assert [len(a) for a, _, _ in got] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.concatenate([a for a, _, _ in got]), X[order])
    np.testing.assert_array_equal(np.concatenate([b for _, b, _ in got]), Y[order])
    np.testing.assert_array_equal(np.concatenate([c for _, _, c in got]), w[order])


def test_the_chunked_gather_never_holds_more_than_one_chunk(monkeypatch):
    monkeypatch.setattr(batching, "CHUNK_BYTES", 10 * 8 * 4)  # two batches of 4 rows a chunk
    X = np.arange(60.0).reshape(20, 3)
    Y = np.arange(20.0).reshape(20, 1)
    order = np.arange(20)[::-1]
    seen = [a[:, 0].copy() for a, _, _ in batching.batches(X, Y, None, order, 4)]
    np.testing.assert_array_equal(np.concatenate(seen), X[order, 0])


def test_zero_rows_and_huge_inputs_stay_finite_and_exact_at_the_logits():
    X = np.zeros((10, 3))
    X[5:] = 1e4
    y = np.array([0, 1] * 5)
    model = npmlp.MLP([npmlp.Dense(4, "relu"), npmlp.Dense(1, "sigmoid")], seed=0,
                      dtype="float64", optimizer=npmlp.SGD(1e-6))
    history = model.fit(X, y, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.loss).all()


@pytest.mark.parametrize("optimizer", [npmlp.SGD(), npmlp.SGD(momentum=0.9), npmlp.Adam(),
                                       npmlp.RMSprop(centered=True, momentum=0.5)])
def test_optimizer_state_and_scratch_keep_the_parameters_dtype(optimizer):
    """float32 parameters get float32 state and float32 scratch: no silent float64 upcast."""
    W = np.ones((2, 3), np.float32)
    optimizer.apply([W], [np.full((2, 3), 0.5, np.float32)])
    arrays = [*optimizer.flat_state.values(), *optimizer._flat_tmp, optimizer._flat_clipped]
    assert all(a.dtype == np.float32 for a in arrays) and W.dtype == np.float32
