"""The seed's one-call function (build an MLP for (X, y), train it, return the History), the
model builder shared by the CLI, compare and explain, and ``resume``."""

from __future__ import annotations

import os

import numpy as np

from npmlp import optimizers
from npmlp._validation import check_positive_int, check_X, check_y
from npmlp.callbacks import History
from npmlp.model import MLP, load
from npmlp.model.targets import infer_output
from npmlp.nn.layers import Dense
from npmlp.nn.regularizers import L2


def output_layer_for(y, task: str | None = None) -> Dense:
    """Two classes -> Dense(1, sigmoid); k > 2 classes or one-hot rows -> Dense(k, softmax);
    0/1 columns that are not one-hot -> Dense(k, sigmoid) (multi-label); floats (not all 0/1)
    or task="regression" -> Dense(k, linear). See ``npmlp.model.targets.infer_output``."""
    units, activation = infer_output(np.asarray(y), task)
    return Dense(units, activation=activation)


def make_optimizer(optimizer="sgd", *, learning_rate=0.01, momentum: float = 0.0,
                   nesterov: bool = False, clipnorm: float | None = None,
                   global_clipnorm: float | None = None):
    """An Optimizer from a name and the CLI-style options (an Optimizer passes through).

    ``momentum`` applies to SGD and RMSprop, ``nesterov`` to SGD; ``learning_rate`` may be a
    schedule."""
    if isinstance(optimizer, optimizers.Optimizer):
        return optimizer
    name = optimizers.get(optimizer or "sgd").name
    options = {"learning_rate": learning_rate, "clipnorm": clipnorm,
               "global_clipnorm": global_clipnorm}
    if name == "sgd":
        options.update(momentum=momentum, nesterov=nesterov)
    elif nesterov or (momentum and name != "rmsprop"):
        raise ValueError(f"{'nesterov' if nesterov else 'momentum'} does not apply to "
                         f"optimizer={name!r} (momentum: sgd and rmsprop; nesterov: sgd)")
    elif momentum:
        options.update(momentum=momentum)
    return optimizers.get(name, **options)


def build_mlp(y, *, layers: int = 3, units: int | None = None, activation: str = "relu",
              optimizer="sgd", learning_rate=0.01, momentum: float = 0.0,
              nesterov: bool = False, l2: float = 0.0, clipnorm: float | None = None,
              global_clipnorm: float | None = None, seed: int | None = None,
              dtype: str = "float32", task: str | None = None) -> MLP:
    """An unbuilt MLP for targets y: ``layers`` hidden Dense(units (default 64), activation),
    the output layer chosen from y and ``task`` (``output_layer_for``), ``L2(l2)`` on every
    kernel."""
    layers = check_positive_int(layers, "layers", minimum=0)
    if layers == 0 and units is not None:
        raise ValueError("units is given but layers=0 builds no hidden layer; "
                         "drop units or set layers >= 1")
    units = 64 if units is None else check_positive_int(units, "units")
    optimizer = make_optimizer(optimizer, learning_rate=learning_rate, momentum=momentum,
                               nesterov=nesterov, clipnorm=clipnorm,
                               global_clipnorm=global_clipnorm)
    regularizer = L2(l2) if l2 else None
    hidden = [Dense(units, activation=activation, kernel_regularizer=regularizer)
              for _ in range(layers)]
    output = output_layer_for(y, task)
    output.kernel_regularizer = regularizer
    return MLP(hidden + [output], optimizer=optimizer, seed=seed, dtype=dtype)


def mlp(X, y, batch_size: int = 32, epochs: int = 100, layers: int = 3,
        validation_split: float = 0.2, *, units: int | None = None, activation: str = "relu",
        optimizer=None, learning_rate: float = 0.01, momentum: float = 0.0,
        nesterov: bool = False, l2: float = 0.0, clipnorm: float | None = None,
        seed: int | None = None, verbose: int = 1, dtype: str = "float32",
        callbacks=None, split: str = "tail", threads: int | None = None,
        task: str | None = None) -> History:
    """Train ``layers`` hidden Dense layers of ``units`` (default 64) on (X, y); print each
    epoch's loss and accuracy; return the History (``history.model`` is the trained MLP).

    ``npmlp.mlp(X, y, 32, 100, 3, 0.2)`` runs the seed's experiment. ``optimizer`` is a name
    ("sgd", "adam", "rmsprop") built with ``learning_rate`` (``momentum`` for SGD and RMSprop,
    ``nesterov`` for SGD, ``clipnorm`` for all) or an Optimizer; ``l2`` adds ``L2(l2)`` to
    every kernel; ``split`` chooses the validation samples ("tail" as Keras, "random",
    "stratified"); ``threads`` sets the BLAS threads while training (default: chosen from the
    layer sizes); ``task`` is None (inferred from y: see ``output_layer_for``),
    "classification" or "regression".
    """
    X_checked = check_X(X, dtype)
    model = build_mlp(check_y(y, X_checked.shape[0]), layers=layers, units=units,
                      activation=activation, optimizer=optimizer, learning_rate=learning_rate,
                      momentum=momentum, nesterov=nesterov, l2=l2, clipnorm=clipnorm,
                      seed=seed, dtype=dtype, task=task)
    return model.fit(X, y, batch_size=batch_size, epochs=epochs,
                     validation_split=validation_split, verbose=verbose, callbacks=callbacks,
                     split=split, threads=threads)


def resume(model, X, y, epochs: int, **fit_options) -> History:
    """Continue training ``model`` (an MLP or the path of a saved one) for ``epochs`` more
    epochs on (X, y); bit-identical to never having stopped when the model was saved at an
    epoch end and (X, y) and the fit options are the same. Returns the History (all epochs)."""
    if isinstance(model, (str, os.PathLike)):
        model = load(model)
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an npmlp.MLP or a path, got {type(model).__name__}")
    epochs = check_positive_int(epochs, "epochs", minimum=0)
    done = 0 if model.history is None else len(model.history.epoch)
    return model.fit(X, y, epochs=done + epochs, initial_epoch=done, **fit_options)
