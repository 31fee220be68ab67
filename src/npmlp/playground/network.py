"""The MLP a configuration describes, and its views: hidden outputs over the plane.

Only npmlp's public API: ``npmlp.MLP``, ``npmlp.Dense``, ``npmlp.L2``, the optimizer and
activation registries, ``get_weights`` and ``predict_proba``.
"""

from __future__ import annotations

import numpy as np

import npmlp
from npmlp.playground.config import Config
from npmlp.playground.data import DataSet

DTYPE = "float64"   # float64 so that "check against Keras" can demand 1e-10 agreement


def output_spec(kind: str, n_outputs: int, loss: str) -> tuple[str, str]:
    """(output activation, loss name) chosen from the labels; ``loss`` "mse" overrides."""
    if kind == "regression":
        return "linear", "mse"
    activation = "sigmoid" if kind == "binary" else "softmax"
    if loss == "mse":
        return activation, "mse"
    return activation, "binary_crossentropy" if kind == "binary" else "categorical_crossentropy"


def build_model(config: Config, data: DataSet) -> npmlp.MLP:
    """An MLP with the config's hidden layers, built for its input features."""
    regularizer = npmlp.L2(config.l2) if config.l2 else None
    hidden = [npmlp.Dense(spec.units, activation=spec.activation,
                          kernel_regularizer=regularizer) for spec in config.layers]
    activation, loss = output_spec(data.kind, data.n_outputs, config.loss)
    output = npmlp.Dense(data.n_outputs, activation=activation, kernel_regularizer=regularizer)
    optimizer = npmlp.optimizers.get(config.optimizer, learning_rate=config.learning_rate)
    return npmlp.MLP(hidden + [output], input_dim=len(config.features), loss=loss,
                     optimizer=optimizer, seed=config.seed, dtype=DTYPE)


def hidden_outputs(weights: list[np.ndarray], activations: list[str],
                   X: np.ndarray) -> list[np.ndarray]:
    """Each hidden layer's A (m, units) for inputs X: ``A_l = g_l(A_{l-1} @ W_l + b_l)``.

    ``weights`` is ``get_weights()`` ([W1, b1, ...], output layer last); ``activations``
    names the hidden layers' g."""
    A, out = X, []
    for l, name in enumerate(activations):
        W, b = weights[2 * l], weights[2 * l + 1]
        A = npmlp.activations.get(name).forward(A @ W + b)
        out.append(A)
    return out
