"""Small trained models for the export tests (tests/test_export_*.py)."""

import numpy as np
import pandas as pd

import npmlp

# Hidden activations to export; "leaky_relu" has alpha 0.2 (not a float32 number), the other
# alpha 0.25 is exact in float32 (ONNX's LeakyRelu attribute is float32).
HIDDEN = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "linear": "linear",
          "leaky_relu": "leaky_relu",  # alpha 0.2: float64 graphs compute it with Where
          "leaky_relu_0.25": npmlp.activations.LeakyReLU(0.25)}  # exact in float32: LeakyRelu


def make_data(kind, n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    if kind == "binary":  # the user's own labels: strings
        return X, np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    if kind == "multiclass":  # integer labels that are not 0..k-1
        return X, np.array([10, 20, 30])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    return X, 2.0 * X[:, 0] - X[:, 2] + 0.5


def trained(kind, hidden="relu", dtype="float64", names=False, epochs=3):
    X, y = make_data(kind)
    out = {"binary": npmlp.Dense(1, "sigmoid"), "multiclass": npmlp.Dense(3, "softmax"),
           "regression": npmlp.Dense(1, "linear")}[kind]
    model = npmlp.MLP([npmlp.Dense(6, HIDDEN.get(hidden, hidden)), npmlp.Dense(5, "tanh"), out],
                      optimizer=npmlp.Adam(0.01), seed=1, dtype=dtype)
    if names:
        X = pd.DataFrame(X, columns=["sepal length", "width", "x_3", "petal"])
    model.fit(X, y, epochs=epochs, verbose=0)
    return model
