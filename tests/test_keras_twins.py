"""npmlp against Keras models written here by hand, with Keras's own layers and defaults.

The parity tests in test_compare_parity.py build the Keras side with npmlp's own bridge
(``to_keras``), which passes every hyper-parameter explicitly and its own leaky ReLU and L2;
a mistake shared by the bridge and the library would pass them. Here the Keras model is
spelled out with ``keras.layers.Dense(..., activation="leaky_relu")``,
``keras.layers.LeakyReLU()`` (its default slope), ``keras.regularizers.L2``, default
``keras.optimizers.SGD()`` / ``Adam()`` / ``RMSprop()`` against npmlp's defaults, and Keras's
own ``fit(validation_split=..., shuffle=False)``. Only the initial weights come from npmlp
(``set_weights``). float64; every History value and every final weight within relative 1e-10.
"""

import math

import keras
import numpy as np
import pytest

import npmlp
from npmlp.nn.activations import LeakyReLU
from npmlp.training import validation_split_index

RTOL = 1e-10
L2_FACTOR = 2.0 ** -6   # exact in float32: Keras's L2 rounds its factor to float32


@pytest.fixture
def float64_keras():
    """keras.backend.floatx (and the global dtype policy) float64 inside the test."""
    floatx, policy = keras.backend.floatx(), keras.config.dtype_policy()
    keras.backend.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        yield
    finally:
        keras.backend.set_floatx(floatx)
        keras.config.set_dtype_policy(policy)


def data(kind, n, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if kind == "binary":
        return X, (X[:, 0] - 0.5 * X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(np.int64)
    if kind == "multiclass":
        return X, np.argmax(X[:, :3] + 0.3 * rng.normal(size=(n, 3)), axis=1)
    return X, np.column_stack([X[:, 0] - X[:, 1], np.tanh(X[:, 2])])


def train_twins(model, keras_layers, keras_optimizer, loss, metric, X, y, *, batch_size,
                epochs, validation_split):
    """Copy ``model``'s initial weights into the hand-built Keras model, train both on the
    same data with Keras's fit rules, return ((npmlp History, weights), (Keras ...))."""
    initial = model.get_weights()
    k_model = keras.Sequential([keras.Input((X.shape[1],)), *keras_layers])
    k_model.set_weights(initial)
    k_model.compile(optimizer=keras_optimizer, loss=loss, metrics=[metric], jit_compile=False)
    k_hist = k_model.fit(X, y, batch_size=batch_size, epochs=epochs, shuffle=False,
                         validation_split=validation_split, verbose=0).history
    n_hist = model.fit(X, y, batch_size=batch_size, epochs=epochs, shuffle=False,
                       validation_split=validation_split, verbose=0).history
    weights = model.get_weights()
    # Not vacuous: both trained, and moved away from the shared start.
    assert max(float(np.max(np.abs(w - w0))) for w, w0 in zip(weights, initial)) > 1e-4
    return (n_hist, weights), (k_hist, k_model.get_weights())


def assert_same(npmlp_run, keras_run, epochs):
    (n_hist, n_weights), (k_hist, k_weights) = npmlp_run, keras_run
    assert sorted(n_hist) == sorted(k_hist)
    for key, values in k_hist.items():
        assert len(values) == len(n_hist[key]) == epochs, key
        np.testing.assert_allclose(n_hist[key], values, rtol=RTOL, atol=0, err_msg=key)
    assert len(n_weights) == len(k_weights)
    for i, (a, b) in enumerate(zip(n_weights, k_weights)):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=0, err_msg=f"weights[{i}]")


def max_relative_difference(a_weights, b_weights) -> float:
    return max(float(np.max(np.abs(a - b) / np.abs(b))) for a, b in zip(a_weights, b_weights))


def test_leaky_relu_by_name_and_default_sgd(float64_keras):
    """Dense(activation="leaky_relu") (slope 0.2, held by TF as float32) and SGD() (0.01)."""
    X, y = data("binary", 45)
    model = npmlp.MLP([npmlp.Dense(8, "leaky_relu"), npmlp.Dense(1, "sigmoid")],
                      optimizer=npmlp.SGD(), seed=3, dtype="float64", input_dim=4)
    runs = train_twins(model, [keras.layers.Dense(8, activation="leaky_relu"),
                               keras.layers.Dense(1, activation="sigmoid")],
                       keras.optimizers.SGD(), "binary_crossentropy", "accuracy", X, y,
                       batch_size=8, epochs=6, validation_split=0.2)
    assert_same(*runs, epochs=6)
    n_hist = runs[0][0]
    assert n_hist["loss"][-1] < n_hist["loss"][0]


def test_leaky_relu_layer_default_slope_l2_and_default_rmsprop(float64_keras):
    """keras.layers.LeakyReLU() (default negative_slope 0.3) after a linear Dense, L2(2^-6)
    on both kernels, RMSprop(), softmax with sparse categorical cross-entropy."""
    X, y = data("multiclass", 50)
    assert keras.layers.LeakyReLU().negative_slope == 0.3

    def model():
        return npmlp.MLP([npmlp.Dense(8, LeakyReLU(0.3), kernel_regularizer=npmlp.L2(L2_FACTOR)),
                          npmlp.Dense(3, "softmax", kernel_regularizer=npmlp.L2(L2_FACTOR))],
                         optimizer=npmlp.RMSprop(), seed=5, dtype="float64", input_dim=4)

    twin = model()
    runs = train_twins(twin, [
        keras.layers.Dense(8, kernel_regularizer=keras.regularizers.L2(L2_FACTOR)),
        keras.layers.LeakyReLU(),
        keras.layers.Dense(3, activation="softmax",
                           kernel_regularizer=keras.regularizers.L2(L2_FACTOR))],
        keras.optimizers.RMSprop(), "sparse_categorical_crossentropy", "accuracy", X, y,
        batch_size=16, epochs=5, validation_split=0.3)
    assert_same(*runs, epochs=5)

    # Control: the comparison sees the float32 rounding of the slope. With the slope exactly
    # 0.3 (what npmlp did before it rounded as Keras does) the weights move apart by > 1e-10.
    exact = model()
    exact.layers[0].activation.slope = 0.3
    exact.fit(X, y, batch_size=16, epochs=5, shuffle=False, validation_split=0.3, verbose=0)
    assert max_relative_difference(exact.get_weights(), runs[1][1]) > 1e-8


def test_default_adam_and_l2_on_a_regression(float64_keras):
    """Adam() against npmlp.Adam(): Keras rounds its Python-float betas to float32 in the bias
    correction; L2(2^-6) on the hidden kernel; MSE with the mae metric."""
    X, y = data("regression", 43)
    model = npmlp.MLP([npmlp.Dense(16, "tanh", kernel_regularizer=npmlp.L2(L2_FACTOR)),
                       npmlp.Dense(2, "linear")],
                      optimizer=npmlp.Adam(), seed=7, dtype="float64", input_dim=4)
    runs = train_twins(model, [
        keras.layers.Dense(16, activation="tanh",
                           kernel_regularizer=keras.regularizers.L2(L2_FACTOR)),
        keras.layers.Dense(2)],
        keras.optimizers.Adam(), "mean_squared_error", "mae", X, y,
        batch_size=10, epochs=8, validation_split=0.3)      # floor(43 * 0.7) = 30 training rows
    assert_same(*runs, epochs=8)

    # Control: Adam with the exact betas in beta**t (the textbook formula, what npmlp did
    # before) ends more than 1e-10 away from Keras's default Adam.
    class ExactBetaAdam(npmlp.Adam):
        def update_step(self, W, g, lr, state, tmp=None):
            t = self.iterations + 1
            alpha = lr * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
            m, v = state["m"], state["v"]
            m += (g - m) * (1 - self.beta_1)
            v += (g * g - v) * (1 - self.beta_2)
            W -= (m * alpha) / (np.sqrt(v) + self.epsilon)

    exact = npmlp.MLP([npmlp.Dense(16, "tanh", kernel_regularizer=npmlp.L2(L2_FACTOR)),
                       npmlp.Dense(2, "linear")],
                      optimizer=ExactBetaAdam(), seed=7, dtype="float64", input_dim=4)
    exact.fit(X, y, batch_size=10, epochs=8, shuffle=False, validation_split=0.3, verbose=0)
    assert max_relative_difference(exact.get_weights(), runs[1][1]) > 1e-8


@pytest.mark.parametrize("n,validation_split,n_train", [
    (50, 0.9, 4),     # 50 * (1 - 0.9) = 4.999999999999999: floor gives 4, not 5
    (31, 0.5, 15),    # an odd count: 15.5 -> 15
])
def test_validation_split_boundary(float64_keras, n, validation_split, n_train):
    """Keras's own validation_split: the training rows are the first floor(n (1 - split))."""
    X, y = data("binary", n, seed=2)
    assert validation_split_index(n, validation_split) == n_train
    model = npmlp.MLP([npmlp.Dense(6, "relu"), npmlp.Dense(1, "sigmoid")],
                      optimizer=npmlp.SGD(0.5), seed=1, dtype="float64", input_dim=4)
    runs = train_twins(model, [keras.layers.Dense(6, activation="relu"),
                               keras.layers.Dense(1, activation="sigmoid")],
                       keras.optimizers.SGD(0.5), "binary_crossentropy", "accuracy", X, y,
                       batch_size=3, epochs=3, validation_split=validation_split)
    assert_same(*runs, epochs=3)
