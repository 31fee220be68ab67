"""to_keras / from_keras round trips, rejections, and the missing-TensorFlow message."""

import sys

import keras
import numpy as np
import pytest

import npmlp
from npmlp.compare import from_keras, keras_floatx, to_keras


def model(dtype="float64"):
    m = npmlp.MLP([npmlp.Dense(8, "leaky_relu", kernel_regularizer=npmlp.L2(0.01)),
                   npmlp.Dense(6, "tanh", kernel_initializer="he_normal"),
                   npmlp.Dense(3, "softmax")],
                  optimizer=npmlp.Adam(npmlp.ExponentialDecay(0.01, 5, 0.9), clipnorm=1.0),
                  seed=3, dtype=dtype, input_dim=4)
    return m


X = np.random.default_rng(0).normal(size=(30, 4))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_to_keras_and_back_predict_the_same(dtype):
    m = model(dtype)
    k = to_keras(m)
    assert keras.backend.floatx() == "float32"          # restored after building
    assert k.layers[0].kernel.dtype == dtype
    ours = m.predict_proba(X)
    with keras_floatx(dtype):         # Keras's data adapter casts inputs to floatx
        theirs = np.asarray(k.predict(X.astype(dtype), verbose=0))
    tol = 1e-14 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(theirs, ours, rtol=0, atol=tol)
    back = from_keras(k)
    assert [layer.units for layer in back.layers] == [8, 6, 3]
    assert [layer.activation.name for layer in back.layers] == ["leaky_relu", "tanh", "softmax"]
    assert back.layers[0].kernel_regularizer.l2 == pytest.approx(0.01)
    assert npmlp.initializers.name_of(back.layers[1].kernel_initializer) == "he_normal"
    for a, b in zip(back.get_weights(), m.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(back.predict_proba(X), ours)


def test_to_keras_copies_optimizer_and_schedule():
    k = to_keras(model())
    opt = k.optimizer
    assert isinstance(opt, keras.optimizers.Adam)
    assert opt.clipnorm == 1.0
    sched = opt.learning_rate if not hasattr(opt, "_learning_rate") else opt._learning_rate
    assert isinstance(sched, keras.optimizers.schedules.ExponentialDecay)
    assert (sched.initial_learning_rate, sched.decay_steps, sched.decay_rate) == (0.01, 5, 0.9)


def test_from_keras_of_a_keras_built_model():
    with keras_floatx("float64"):
        k = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    m = from_keras(k)
    assert m.dtype == np.float64
    with keras_floatx("float64"):
        theirs = np.asarray(k.predict(X, verbose=0))
    np.testing.assert_allclose(m.predict_proba(X), theirs, rtol=0, atol=1e-14)


@pytest.mark.parametrize("bad,fragment", [
    (lambda: keras.layers.LayerNormalization(name="layer_norm"), "layer_norm"),
    (lambda: keras.layers.BatchNormalization(renorm=True, name="renorm"), "renorm"),
    (lambda: keras.layers.Dropout(0.5, noise_shape=(1, 3), name="noise"), "noise"),
    (lambda: keras.layers.Dense(3, activation="elu", name="elu_layer"), "elu_layer"),
])
def test_from_keras_rejects_what_npmlp_cannot_hold(bad, fragment):
    k = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), bad(),
                          keras.layers.Dense(1, activation="sigmoid")])
    with pytest.raises(ValueError, match=fragment):
        from_keras(k)


def test_to_keras_needs_an_mlp_and_weights():
    with pytest.raises(TypeError, match="npmlp.MLP"):
        to_keras("model")
    with pytest.raises(ValueError, match="not built"):
        to_keras(npmlp.MLP([npmlp.Dense(1, "sigmoid")]))


def test_cli_says_how_to_install_tensorflow(monkeypatch, capsys):
    from npmlp.cli import main

    monkeypatch.setitem(sys.modules, "keras", None)     # `import keras` now fails
    assert main(["compare", "--epochs", "1"]) != 0
    assert "pip install 'npmlp[tensorflow]'" in capsys.readouterr().err
