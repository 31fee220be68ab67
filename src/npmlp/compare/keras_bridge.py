"""npmlp <-> Keras: build the equivalent ``keras.Sequential`` of an MLP and back.

Keras is imported inside the functions, so ``import npmlp`` works without TensorFlow. For
float64 parity every optimizer and schedule hyper-parameter is passed as ``np.float64`` (Keras
rounds plain Python floats to float32 in several places), the L2 factor goes through a small
exact regularizer (Keras's own ``L2`` always rounds it to float32) and ``jit_compile=False``
keeps the graph the same on GPU hosts. Two exceptions follow Keras's defaults instead, because
npmlp reproduces them: Adam's betas are passed as Python floats (Keras rounds them to float32
in ``beta**t``, and so does npmlp) and the leaky ReLU is Keras's own (slope held as float32).
The Keras semantics that parity relies on are listed in the documentation (docs/parity.md,
"The Keras semantics parity relies on").
"""

from __future__ import annotations

import contextlib

import numpy as np

from npmlp.compare._quiet_import import quiet_stderr
from npmlp.model import MLP
from npmlp.nn import activations, initializers
from npmlp.nn.layers import Dense
from npmlp.nn.regularizers import L2
from npmlp.optimizers import schedules

INSTALL_HINT = "pip install 'npmlp[tensorflow]'"
KERAS_INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "linear", "softmax")


def require_keras():
    """The ``keras`` module, or ImportError saying how to install it."""
    try:
        import os

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with quiet_stderr():  # TensorFlow's start-up lines, printed before its log level acts
            import keras
    except ImportError as exc:
        raise ImportError(
            f"comparing with Keras needs TensorFlow and Keras, which are not installed "
            f"({exc}). Install them with: {INSTALL_HINT}") from exc
    return keras


@contextlib.contextmanager
def keras_floatx(dtype):
    """Set ``keras.backend.floatx`` to ``dtype`` inside the block, then restore it.

    Keras creates its loss, metrics and optimizer variables in floatx (some lazily, at the
    first ``fit``), so build, compile and train inside the same block. Keras's global dtype
    policy is set to ``dtype`` too and restored as it was.
    """
    keras = require_keras()
    # Keras caches its global dtype policy from floatx at first use and never refreshes it,
    # so the policy is set and restored together with floatx.
    from keras.src.backend.common import global_state

    before = keras.backend.floatx()
    before_policy = global_state.get_global_attribute("dtype_policy", None)
    keras.backend.set_floatx(np.dtype(dtype).name)
    keras.config.set_dtype_policy(np.dtype(dtype).name)
    try:
        yield keras
    finally:
        keras.backend.set_floatx(before)
        global_state.set_global_attribute("dtype_policy", before_policy)


def _exact_l2_class(keras):
    """A Keras regularizer ``l2 * sum(W**2)`` whose factor stays a float64 Python scalar."""

    class ExactL2(keras.regularizers.Regularizer):
        def __init__(self, l2):
            self.l2 = float(l2)

        def __call__(self, x):
            return keras.ops.multiply(keras.ops.sum(keras.ops.square(x)), self.l2)

        def get_config(self):
            return {"l2": self.l2}

    return ExactL2


def _keras_activation(keras, activation):
    name = activation.name
    if name == "leaky_relu":
        alpha = activation.alpha

        # Keras's own op (it rounds the slope to float32, and so does npmlp's LeakyReLU)
        def leaky_relu(x):
            return keras.activations.leaky_relu(x, negative_slope=alpha)

        leaky_relu.alpha = alpha
        return leaky_relu
    if name not in ACTIVATIONS:
        raise ValueError(f"activation {name!r} has no Keras equivalent here")
    return name


def keras_schedule(keras, lr, F=float):
    """A Keras schedule (or a number) equal to npmlp's learning rate ``lr``."""
    if not isinstance(lr, schedules.LearningRateSchedule):
        return F(lr)
    cls = {"exponential_decay": keras.optimizers.schedules.ExponentialDecay,
           "inverse_time_decay": keras.optimizers.schedules.InverseTimeDecay}.get(lr.name)
    if cls is None:
        raise ValueError(f"learning-rate schedule {lr.name!r} has no Keras equivalent here")
    return cls(F(lr.initial_learning_rate), lr.decay_steps, F(lr.decay_rate),
               staircase=lr.staircase)


def keras_optimizer(keras, opt, dtype="float64"):
    """The Keras optimizer with ``opt``'s hyper-parameters (np.float64 in float64 mode)."""
    F = np.float64 if np.dtype(dtype) == np.float64 else float
    clip = {}
    if opt.clipnorm is not None:
        clip["clipnorm"] = F(opt.clipnorm)
    if opt.global_clipnorm is not None:
        clip["global_clipnorm"] = F(opt.global_clipnorm)
    lr = keras_schedule(keras, opt.learning_rate, F)
    if opt.name == "sgd":
        return keras.optimizers.SGD(lr, momentum=F(opt.momentum), nesterov=opt.nesterov, **clip)
    if opt.name == "adam":
        # Python-float betas: Keras rounds them to float32 in beta**t, as npmlp's Adam does
        return keras.optimizers.Adam(lr, beta_1=float(opt.beta_1), beta_2=float(opt.beta_2),
                                     epsilon=F(opt.epsilon), **clip)
    if opt.name == "rmsprop":
        return keras.optimizers.RMSprop(lr, rho=F(opt.rho), momentum=F(opt.momentum),
                                        epsilon=F(opt.epsilon), centered=opt.centered, **clip)
    raise ValueError(f"optimizer {opt.name!r} has no Keras equivalent here")


def to_keras(model: MLP, *, copy_weights: bool = True, input_dim: int | None = None,
             portable: bool = False):
    """The compiled ``keras.Sequential`` equivalent to ``model`` (same layers, initializers,
    regularizers, loss, optimizer, schedule and dtype), with ``model``'s weights copied when
    ``copy_weights``. Keras's floatx is set to the model's dtype while building and restored
    afterwards: train and predict with the result inside ``keras_floatx(model.dtype)``
    (Keras casts input data to floatx).

    ``portable=True`` uses only Keras's own serializable pieces, so that ``.save(path)``
    writes a file plain ``keras.saving.load_model`` opens: a leaky ReLU becomes a linear
    Dense followed by ``PReLU`` with its alpha fixed to npmlp's slope (``-alpha * relu(-z) +
    relu(z)`` with float32(alpha), the slope npmlp and Keras's LeakyReLU apply), and L2 is
    Keras's ``L2`` (its factor rounded to float32: it only matters for training).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an npmlp.MLP, got {type(model).__name__}")
    input_dim = model.input_dim if input_dim is None else input_dim
    if input_dim is None:
        raise ValueError("the model is not built: call model.build(n_features) or give input_dim")
    if copy_weights and not model.built:
        raise ValueError("copy_weights=True needs a built model (call model.build first)")
    exact = model.dtype == np.float64 and not portable
    with keras_floatx(model.dtype) as keras:
        regularizer_cls = _exact_l2_class(keras) if exact else keras.regularizers.L2
        layers = [keras.Input((input_dim,))]
        for i, layer in enumerate(model.layers):
            init = initializers.name_of(layer.kernel_initializer)
            reg = layer.kernel_regularizer
            prelu = portable and layer.activation.name == "leaky_relu"
            layers.append(keras.layers.Dense(
                layer.units,
                activation="linear" if prelu else _keras_activation(keras, layer.activation),
                kernel_initializer=init if init in KERAS_INITIALIZERS else "zeros",
                kernel_regularizer=None if reg is None else regularizer_cls(reg.l2),
                name=f"dense_{i}"))
            if prelu:
                alpha = keras.initializers.Constant(layer.activation.slope)
                layers.append(keras.layers.PReLU(alpha_initializer=alpha,
                                                 name=f"leaky_relu_{i}"))
        k_model = keras.Sequential(layers)
        if model.kind == "regression":
            metric = "mae"
        elif model.kind == "multiclass":
            metric = "accuracy"
        else:  # "accuracy" would pick CategoricalAccuracy for a multi-unit sigmoid output
            metric = keras.metrics.BinaryAccuracy(name="accuracy")
        k_model.compile(optimizer=keras_optimizer(keras, model.optimizer, model.dtype),
                        loss=model.loss.name, metrics=[metric], jit_compile=False)
        for i, layer in enumerate(model.layers):
            if copy_weights:
                k_model.get_layer(f"dense_{i}").set_weights([layer.W, layer.b])
            if portable and layer.activation.name == "leaky_relu":
                # Keras's Constant initializer passes alpha through float32: set it exactly.
                alpha = np.full(layer.units, layer.activation.slope, dtype=model.dtype)
                k_model.get_layer(f"leaky_relu_{i}").set_weights([alpha])
    return k_model


def _activation(layer):
    """npmlp activation (name or object) of a Keras Dense layer."""

    act = layer.activation
    name = getattr(act, "__name__", type(act).__name__)
    if name == "leaky_relu":
        return activations.get("leaky_relu", alpha=getattr(act, "alpha", 0.2))
    if name in ACTIVATIONS:
        return name
    raise ValueError(f"layer {layer.name!r}: activation {name!r} is not supported "
                     f"(supported: {', '.join(ACTIVATIONS)})")


def from_keras(keras_model, *, optimizer=None, seed: int | None = None) -> MLP:
    """An npmlp MLP with the same Dense layers and weights as a Keras Sequential.

    Only Dense layers with a bias and a supported activation are accepted; anything else
    raises ValueError naming the layer. Kernel initializers are kept when they are one of
    npmlp's; an L2 regularizer is kept (its factor as Keras holds it).
    """
    keras = require_keras()
    if not isinstance(keras_model, keras.Sequential):
        raise TypeError(f"keras_model must be a keras.Sequential, got {type(keras_model).__name__}")
    if not keras_model.built:
        raise ValueError("the Keras model is not built: give it a keras.Input first")
    layers = []
    for layer in keras_model.layers:
        if not isinstance(layer, keras.layers.Dense) or type(layer) is not keras.layers.Dense:
            raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) is not supported: "
                             f"only Dense layers can be converted")
        if not layer.use_bias:
            raise ValueError(f"layer {layer.name!r} has use_bias=False; npmlp's Dense always "
                             f"has a bias")
        activation = _activation(layer)
        init_name = type(layer.kernel_initializer).__name__
        init = {"GlorotUniform": "glorot_uniform", "GlorotNormal": "glorot_normal",
                "HeUniform": "he_uniform", "HeNormal": "he_normal"}.get(init_name)
        reg = layer.kernel_regularizer
        if reg is not None and not hasattr(reg, "l2"):
            raise ValueError(f"layer {layer.name!r}: regularizer {type(reg).__name__} is not "
                             f"supported (only L2)")
        if reg is not None and getattr(reg, "l1", 0.0):
            raise ValueError(f"layer {layer.name!r}: L1 regularization is not supported")
        layers.append(Dense(layer.units, activation=activation, kernel_initializer=init,
                            kernel_regularizer=None if reg is None else L2(float(reg.l2))))
    if not layers:
        raise ValueError("the Keras model has no layers")
    weights = keras_model.get_weights()
    dtype = np.asarray(weights[0]).dtype.name
    model = MLP(layers, optimizer=optimizer, seed=seed, dtype=dtype)
    model.set_weights(weights)
    return model
