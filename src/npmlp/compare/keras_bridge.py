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
from npmlp.nn import activations, initializers, regularizers
from npmlp.nn.dropout import Dropout
from npmlp.nn.layers import Activation, Dense, layer_name
from npmlp.nn.normalization import BatchNormalization
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


def _exact_regularizer_class(keras):
    """A Keras regularizer ``l1 * sum(|W|) + l2 * sum(W**2)`` whose factors stay float64
    Python scalars (Keras's own L1, L2 and L1L2 always round them to float32)."""

    class ExactL1L2(keras.regularizers.Regularizer):
        def __init__(self, l1=0.0, l2=0.0):
            self.l1, self.l2 = float(l1), float(l2)

        def __call__(self, x):
            total = keras.ops.convert_to_tensor(0.0, dtype=x.dtype)
            if self.l1:
                total = total + keras.ops.multiply(keras.ops.sum(keras.ops.abs(x)), self.l1)
            if self.l2:
                total = total + keras.ops.multiply(keras.ops.sum(keras.ops.square(x)), self.l2)
            return total

        def get_config(self):
            return {"l1": self.l1, "l2": self.l2}

    return ExactL1L2


def _keras_regularizer(keras, reg, exact: bool):
    """Keras's regularizer for npmlp's ``reg`` (None stays None)."""
    if reg is None:
        return None
    l1, l2 = getattr(reg, "l1", 0.0), getattr(reg, "l2", 0.0)
    if exact:
        return _exact_regularizer_class(keras)(l1, l2)
    if isinstance(reg, regularizers.L2):
        return keras.regularizers.L2(l2)
    if isinstance(reg, regularizers.L1):
        return keras.regularizers.L1(l1)
    return keras.regularizers.L1L2(l1, l2)


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


def _keras_layers(keras, i: int, layer, exact: bool, portable: bool, twins: dict) -> list:
    """The Keras layer(s) for npmlp's layer ``i``, named as ``layer_name`` names it."""
    name = layer_name(i, layer)
    if isinstance(layer, Dense):
        init = initializers.name_of(layer.kernel_initializer)
        prelu = portable and layer.activation.name == "leaky_relu"
        out = [keras.layers.Dense(
            layer.units,
            activation="linear" if prelu else _keras_activation(keras, layer.activation),
            use_bias=layer.use_bias,
            kernel_initializer=init if init in KERAS_INITIALIZERS else "zeros",
            kernel_regularizer=_keras_regularizer(keras, layer.kernel_regularizer, exact),
            bias_regularizer=_keras_regularizer(keras, layer.bias_regularizer, exact),
            name=name)]
        if prelu:
            alpha = keras.initializers.Constant(layer.activation.slope)
            out.append(keras.layers.PReLU(alpha_initializer=alpha, name=f"leaky_relu_{i}"))
        return out
    if isinstance(layer, Activation):
        return [keras.layers.Activation(_keras_activation(keras, layer.activation), name=name)]
    if isinstance(layer, Dropout):
        return [twins[i] if i in twins else keras.layers.Dropout(layer.rate, name=name)]
    if isinstance(layer, BatchNormalization):
        # momentum and epsilon enter Keras's arithmetic as Python floats: exact in float64
        return [keras.layers.BatchNormalization(momentum=layer.momentum, epsilon=layer.epsilon,
                                                center=layer.center, scale=layer.scale,
                                                name=name)]
    raise ValueError(f"layer {i} ({type(layer).__name__}) has no Keras equivalent here")


def to_keras(model: MLP, *, copy_weights: bool = True, input_dim: int | None = None,
             portable: bool = False, dropout_twins: dict | None = None):
    """The compiled ``keras.Sequential`` equivalent to ``model`` (same layers, initializers,
    regularizers, loss, optimizer, schedule and dtype), with ``model``'s weights copied when
    ``copy_weights``. Keras's floatx is set to the model's dtype while building and restored
    afterwards: train and predict with the result inside ``keras_floatx(model.dtype)``
    (Keras casts input data to floatx).

    ``portable=True`` uses only Keras's own serializable pieces, so that ``.save(path)``
    writes a file plain ``keras.saving.load_model`` opens: a leaky ReLU becomes a linear
    Dense followed by ``PReLU`` with its alpha fixed to npmlp's slope (``-alpha * relu(-z) +
    relu(z)`` with float32(alpha), the slope npmlp and Keras's LeakyReLU apply), and
    L1/L2/L1L2 are Keras's own (their factors rounded to float32: it only matters for
    training). ``dropout_twins`` maps a Dropout's layer index to the Keras layer to use in its
    place (the parity run's recorded-mask twin, ``npmlp.compare.dropout_twin``).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an npmlp.MLP, got {type(model).__name__}")
    input_dim = model.input_dim if input_dim is None else input_dim
    if input_dim is None:
        raise ValueError("the model is not built: call model.build(n_features) or give input_dim")
    if copy_weights and not model.built:
        raise ValueError("copy_weights=True needs a built model (call model.build first)")
    exact = model.dtype == np.float64 and not portable
    twins = dropout_twins or {}
    with keras_floatx(model.dtype) as keras:
        layers = [keras.Input((input_dim,))]
        for i, layer in enumerate(model.layers):
            layers += _keras_layers(keras, i, layer, exact, portable, twins)
        k_model = keras.Sequential(layers)
        if model.kind == "regression":
            metric = "mae"
        elif model.kind == "multiclass":
            metric = "accuracy"
        else:  # "accuracy" would pick CategoricalAccuracy for a multi-unit sigmoid output
            metric = keras.metrics.BinaryAccuracy(name="accuracy")
        k_model.compile(optimizer=keras_optimizer(keras, model.optimizer, model.dtype),
                        loss=model.loss.name, metrics=[metric], jit_compile=False)
        for i, (layer, arrays) in enumerate(zip(model.layers, model.layer_weights())):
            if copy_weights and arrays:
                k_model.get_layer(layer_name(i, layer)).set_weights(arrays)
            if portable and layer.activation.name == "leaky_relu" and isinstance(layer, Dense):
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
    """An npmlp MLP with the same layers and weights as a Keras Sequential.

    Dense (with or without bias), Activation, Dropout and BatchNormalization layers with a
    supported activation are accepted; anything else raises ValueError naming the layer.
    Kernel initializers are kept when they are one of npmlp's; L1, L2 and L1L2 regularizers
    are kept (their factors as Keras holds them).
    """
    keras = require_keras()
    if not isinstance(keras_model, keras.Sequential):
        raise TypeError(f"keras_model must be a keras.Sequential, got {type(keras_model).__name__}")
    if not keras_model.built:
        raise ValueError("the Keras model is not built: give it a keras.Input first")
    layers = [_from_keras_layer(keras, layer) for layer in keras_model.layers]
    if not layers:
        raise ValueError("the Keras model has no layers")
    weights = [np.asarray(w) for k_layer in keras_model.layers for w in k_layer.get_weights()]
    dtype = np.asarray(weights[0]).dtype.name
    model = MLP(layers, optimizer=optimizer, seed=seed, dtype=dtype)
    model.build(int(keras_model.inputs[0].shape[-1]))
    model.set_weights(weights)
    return model


def _npmlp_regularizer(k_layer, attribute: str):
    """npmlp's L1, L2 or L1L2 for a Keras layer's regularizer (its factors as Keras holds
    them), or ValueError naming the layer."""
    reg = getattr(k_layer, attribute)
    if reg is None:
        return None
    l1, l2 = float(getattr(reg, "l1", 0.0)), float(getattr(reg, "l2", 0.0))
    if not hasattr(reg, "l1") and not hasattr(reg, "l2"):
        raise ValueError(f"layer {k_layer.name!r}: {attribute} {type(reg).__name__} is not "
                         f"supported (only L1, L2, L1L2)")
    if hasattr(reg, "l1") and hasattr(reg, "l2"):
        return regularizers.L1L2(l1, l2)
    return regularizers.L1(l1) if hasattr(reg, "l1") else regularizers.L2(l2)


def _from_keras_layer(keras, k_layer):
    """npmlp's layer for one Keras layer, or ValueError naming it."""
    kind = type(k_layer)
    if kind is keras.layers.Dense:
        init_name = type(k_layer.kernel_initializer).__name__
        init = {"GlorotUniform": "glorot_uniform", "GlorotNormal": "glorot_normal",
                "HeUniform": "he_uniform", "HeNormal": "he_normal"}.get(init_name)
        return Dense(k_layer.units, activation=_activation(k_layer), kernel_initializer=init,
                     kernel_regularizer=_npmlp_regularizer(k_layer, "kernel_regularizer"),
                     use_bias=bool(k_layer.use_bias),
                     bias_regularizer=_npmlp_regularizer(k_layer, "bias_regularizer"))
    if kind is keras.layers.Activation:
        return Activation(_activation(k_layer))
    if kind is keras.layers.Dropout:
        if k_layer.noise_shape is not None:
            raise ValueError(f"layer {k_layer.name!r}: Dropout with a noise_shape is not "
                             f"supported")
        return Dropout(float(k_layer.rate))
    if kind is keras.layers.BatchNormalization:
        if k_layer.axis not in (-1, 1) or k_layer.renorm or k_layer.synchronized or \
                k_layer.gamma_regularizer is not None or k_layer.beta_regularizer is not None:
            raise ValueError(f"layer {k_layer.name!r}: only BatchNormalization over the last "
                             f"axis without renorm, synchronization or regularizers is "
                             f"supported")
        return BatchNormalization(momentum=float(k_layer.momentum),
                                  epsilon=float(k_layer.epsilon), center=bool(k_layer.center),
                                  scale=bool(k_layer.scale))
    raise ValueError(f"layer {k_layer.name!r} ({kind.__name__}) is not supported: only Dense, "
                     f"Activation, Dropout and BatchNormalization layers can be converted")
