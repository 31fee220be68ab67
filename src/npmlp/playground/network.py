"""The MLP a configuration describes, and its views: hidden outputs over the plane.

Each hidden layer of the page is a block of npmlp layers (``block``): ``Dense`` with the
activation, or, with batch normalization, ``Dense`` (linear, no bias: ``beta`` is the bias)
then ``BatchNormalization`` then ``Activation``; then ``Dropout`` when its rate is above 0.
The block is described once (``recipe``), and both the model and the exported script are
written from that description. Only npmlp's public API is used.
"""

from __future__ import annotations

import numpy as np

import npmlp
from npmlp.playground.config import Config, LayerSpec
from npmlp.playground.data import DataSet

DTYPE = "float64"   # float64 so that "check against Keras" can demand 1e-10 agreement

Recipe = list[tuple[str, dict]]   # [(npmlp class name, keyword arguments)]


def output_spec(kind: str, n_outputs: int, loss: str) -> tuple[str, str]:
    """(output activation, loss name) chosen from the labels; ``loss`` "mse" overrides."""
    if kind == "regression":
        return "linear", "mse"
    activation = "sigmoid" if kind == "binary" else "softmax"
    if loss == "mse":
        return activation, "mse"
    return activation, "binary_crossentropy" if kind == "binary" else "categorical_crossentropy"


def block(spec: LayerSpec, l2: float) -> Recipe:
    """The npmlp layers of one hidden layer of the page; ``l2`` (0: none) on its kernel.

    The last layer before any Dropout gives the unit outputs the page draws (Dropout is the
    identity at inference)."""
    dense = {"units": spec.units, "activation": spec.activation}
    if l2:
        dense["kernel_regularizer"] = ("L2", l2)
    if spec.batch_norm:
        layers = [("Dense", {**dense, "activation": "linear", "use_bias": False}),
                  ("BatchNormalization", {}), ("Activation", {"activation": spec.activation})]
    else:
        layers = [("Dense", dense)]
    if spec.dropout:
        layers.append(("Dropout", {"rate": spec.dropout}))
    return layers


def recipe(config: Config, kind: str, n_outputs: int) -> Recipe:
    """Every layer of the model: the hidden blocks, then the output Dense."""
    layers = [layer for spec in config.layers for layer in block(spec, config.l2)]
    output = {"units": n_outputs, "activation": output_spec(kind, n_outputs, config.loss)[0]}
    if config.l2:
        output["kernel_regularizer"] = ("L2", config.l2)
    return layers + [("Dense", output)]


def _argument(value):
    """A recipe argument as an npmlp object (("L2", 0.01) -> npmlp.L2(0.01))."""
    if isinstance(value, tuple):
        name, *args = value
        return getattr(npmlp, name)(*args)
    return value


def build_model(config: Config, data: DataSet) -> npmlp.MLP:
    """An MLP with the config's hidden layers, built for its input features."""
    layers = [getattr(npmlp, name)(**{k: _argument(v) for k, v in kwargs.items()})
              for name, kwargs in recipe(config, data.kind, data.n_outputs)]
    loss = output_spec(data.kind, data.n_outputs, config.loss)[1]
    optimizer = npmlp.optimizers.get(config.optimizer, learning_rate=config.learning_rate)
    return npmlp.MLP(layers, input_dim=len(config.features), loss=loss,
                     optimizer=optimizer, seed=config.seed, dtype=DTYPE)


def unit_layers(config: Config) -> list[int]:
    """Per hidden layer of the page, the index in ``model.layers`` whose A it draws."""
    ends, start = [], 0
    for spec in config.layers:
        layers = block(spec, config.l2)
        drawn = len(layers) - (2 if spec.dropout else 1)
        ends.append(start + drawn)
        start += len(layers)
    return ends


def hidden_outputs(model: npmlp.MLP, config: Config, X: np.ndarray) -> list[np.ndarray]:
    """Each hidden layer's A (m, units) for inputs X, as ``predict`` computes them
    (inference: batch normalization by its moving statistics, no dropout)."""
    wanted = unit_layers(config)
    A, out = X.astype(model.dtype, copy=False), []
    for i, layer in enumerate(model.layers[:wanted[-1] + 1] if wanted else []):
        A = layer.forward(A, layer.workspace(X.shape[0], model.dtype), training=False)
        if i in wanted:
            out.append(A)   # each layer wrote into its own new workspace
    return out


def kernels(model: npmlp.MLP) -> list[np.ndarray]:
    """The Dense layers' W (fan_in, units), input to output: the connections the page draws."""
    return [layer.W for layer in model.layers if isinstance(layer, npmlp.Dense)]
