"""The playground's model: each page layer's npmlp layers, and the unit maps it draws."""

import numpy as np
import pytest

import npmlp
from npmlp.playground.config import parse
from npmlp.playground.network import block, hidden_outputs, kernels, unit_layers
from npmlp.playground.session import Experiment

CONFIG = {"data": "moons", "points": 100, "batch_size": 16, "l2": 0.01, "layers": [
    {"units": 4, "activation": "relu", "batch_norm": True, "dropout": 0.3},
    {"units": 3, "activation": "tanh"},
    {"units": 2, "activation": "sigmoid", "dropout": 0.1}]}


def test_each_page_layer_becomes_its_npmlp_layers():
    model = Experiment(parse(CONFIG)).model
    names = [type(layer).__name__ for layer in model.layers]
    assert names == ["Dense", "BatchNormalization", "Activation", "Dropout",
                     "Dense", "Dense", "Dropout", "Dense"]
    first = model.layers[0]
    assert first.activation.name == "linear" and first.use_bias is False   # beta is the bias
    assert model.layers[2].activation.name == "relu" and model.layers[3].rate == 0.3
    assert all(isinstance(layer.kernel_regularizer, npmlp.L2)
               for layer in model.layers if isinstance(layer, npmlp.Dense))
    assert unit_layers(parse(CONFIG)) == [2, 4, 5]
    assert [W.shape for W in kernels(model)] == [(2, 4), (4, 3), (3, 2), (2, 1)]


@pytest.mark.parametrize("spec, expected", [
    ({"units": 3}, ["Dense"]),
    ({"units": 3, "dropout": 0.5}, ["Dense", "Dropout"]),
    ({"units": 3, "batch_norm": True}, ["Dense", "BatchNormalization", "Activation"]),
])
def test_block(spec, expected):
    layer = parse({"layers": [spec]}).layers[0]
    assert [name for name, _ in block(layer, 0.0)] == expected


def test_unit_maps_are_the_inference_outputs_worked_by_hand():
    exp = Experiment(parse(CONFIG))
    exp.model.fit(exp.X_train, exp.data.y_train, batch_size=16, epochs=3, verbose=0)
    W1, gamma, beta, mean, var, W2, b2, W3, b3, _, _ = exp.model.get_weights()
    assert np.all(var != 1.0) and np.all(mean != 0.0)   # the moving statistics have moved
    X = np.random.default_rng(5).normal(size=(6, 2))
    eps = exp.model.layers[1].epsilon
    A1 = np.maximum(gamma * (X @ W1 - mean) / np.sqrt(var + eps) + beta, 0.0)
    A2 = np.tanh(A1 @ W2 + b2)
    A3 = 1.0 / (1.0 + np.exp(-(A2 @ W3 + b3)))          # no dropout at inference
    got = hidden_outputs(exp.model, exp.config, X)
    for g, e in zip(got, [A1, A2, A3]):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)
    assert len(got) == 3


def test_no_hidden_layer_has_no_unit_maps():
    exp = Experiment(parse({"layers": []}))
    assert hidden_outputs(exp.model, exp.config, np.zeros((3, 2))) == []
