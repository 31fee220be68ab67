"""The MLP: a stack of Dense layers, a loss and an optimizer.

Forward: ``A_0 = X``; ``Z_l = A_{l-1} @ W_l + b_l``; ``A_l = g_l(Z_l)``.
Backward: at the output ``dZ = (A - Y) / m`` for sigmoid+BCE and softmax+CE (the logits path,
``losses.Loss.logits_gradient``), otherwise ``dZ = g'(Z) * dL/dA``; then for each layer
``dW = A_prev.T @ dZ``, ``db = sum(dZ)``, ``dA_prev = dZ @ W.T``,
``dZ_prev = dA_prev * g'(Z_prev)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from npmlp import losses, metrics, optimizers
from npmlp._validation import _to_numpy, check_dtype, check_positive_int, check_X, check_y
from npmlp.layers import Dense
from npmlp.targets import TargetEncoder, kind_for

if TYPE_CHECKING:
    from npmlp.callbacks import History

PREDICT_BATCH = 8192  # rows per forward pass at predict time (bounds memory, not results)


def _n_classes(Y: np.ndarray) -> int:
    """Distinct classes present in an encoded Y (binary column or one-hot rows)."""
    if Y.shape[1] == 1:
        return len(np.unique(Y))
    return int(np.count_nonzero(Y.any(axis=0)))


class MLP:
    """A multi-layer perceptron trained by mini-batch gradient descent.

    ``layers`` is a list of ``Dense``; the last one is the output layer. ``loss`` defaults from
    the output activation (sigmoid -> binary cross-entropy, softmax -> categorical
    cross-entropy, otherwise mean squared error); ``optimizer`` defaults to ``SGD(0.01)``.
    One ``np.random.Generator(seed)`` drives initialisation and shuffling; every array is
    kept in ``dtype``.
    """

    def __init__(self, layers: list[Dense], *, input_dim: int | None = None, loss=None,
                 optimizer=None, seed: int | None = None, dtype: str = "float32",
                 fast: bool = True):
        if isinstance(layers, Dense):
            layers = [layers]
        if not isinstance(layers, (list, tuple)) or not layers:
            raise TypeError(f"layers must be a non-empty list of npmlp.Dense, got {layers!r}")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Dense):
                raise TypeError(f"layers[{i}] must be npmlp.Dense, got {type(layer).__name__}")
        if seed is not None:
            seed = check_positive_int(seed, "seed", minimum=0)
        self.layers = list(layers)
        self.dtype = check_dtype(dtype)
        out = self.layers[-1]
        self.loss = losses.default_for(out.activation.name) if loss is None else losses.get(loss)
        self.optimizer = optimizers.SGD() if optimizer is None else optimizers.get(optimizer)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        # Seeds the random/stratified validation split: fixed for the model's life (and saved),
        # so every fit() and a resumed run hold out the same samples.
        self.split_seed = seed if seed is not None else int(np.random.SeedSequence().entropy)
        self.kind = kind_for(out.activation.name, out.units)
        self.metric_name, self._metric_sum = metrics.for_kind(self.kind)
        self.encoder: TargetEncoder | None = None
        self.input_dim: int | None = None
        # Column names of the training data (a DataFrame or a CSV), saved with the model and
        # checked at predict time; None when it was trained on plain arrays.
        self.feature_names: list[str] | None = None
        self.history = None
        self.stop_training = False
        # fit() trains with npmlp.fast (same bits, preallocated buffers); False: train_step.
        self.fast = bool(fast)
        if input_dim is not None:
            self.build(input_dim)

    # --- structure ------------------------------------------------------------------------

    @property
    def built(self) -> bool:
        return self.input_dim is not None

    def build(self, input_dim: int) -> MLP:
        """Draw every layer's weights for inputs of ``input_dim`` features."""
        self.input_dim = check_positive_int(input_dim, "input_dim")
        fan_in = self.input_dim
        for layer in self.layers:
            layer.build(fan_in, self.rng, self.dtype)
            fan_in = layer.units
        return self

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise RuntimeError(f"the model has no weights yet: call fit() or build() before {what}")

    @property
    def params(self) -> list[np.ndarray]:
        """[W1, b1, W2, b2, ...] (the arrays themselves, updated in place)."""
        return [p for layer in self.layers for p in layer.params]

    @property
    def param_blocks(self) -> list[np.ndarray]:
        """Arrays that together hold every parameter: the one flat array the fast path packs
        W and b into (while they are still views of it), else ``params``. Copying or checking
        one block is cheaper than eight."""
        flat = getattr(self, "flat_params", None)
        if flat is not None and all(p.base is flat for p in self.params):
            return [flat]
        return self.params

    @property
    def grads(self) -> list[np.ndarray]:
        """[dW1, db1, dW2, db2, ...] from the last backward pass."""
        return [g for layer in self.layers for g in layer.grads]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of [W1, b1, W2, b2, ...] in Keras's order and layout."""
        self._require_built("get_weights()")
        return [np.array(p, copy=True) for p in self.params]

    def set_weights(self, weights) -> None:
        """Load [W1, b1, ...]; builds the model from W1's shape if needed."""
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"weights must be a list of arrays [W1, b1, ...], got "
                            f"{type(weights).__name__}")
        weights = list(weights)
        if len(weights) != 2 * len(self.layers):
            raise ValueError(f"set_weights expects {2 * len(self.layers)} arrays "
                             f"(W and b for {len(self.layers)} layers), got {len(weights)}")
        arrays = []
        for i, w in enumerate(weights):
            w = _to_numpy(w, f"weights[{i}]")
            if w.dtype.kind not in "iuf":
                raise TypeError(f"weights[{i}] must be numeric, got dtype {w.dtype}")
            arrays.append(w)
        if not self.built:
            if arrays[0].ndim != 2:
                raise ValueError(f"weights[0] must be 2-D (fan_in, units), got {arrays[0].shape}")
            self.build(arrays[0].shape[0])
        for i, (p, w) in enumerate(zip(self.params, arrays)):
            if w.shape != p.shape:
                raise ValueError(f"weights[{i}] has shape {w.shape}, expected {p.shape}")
            if not np.isfinite(w).all():
                raise ValueError(f"weights[{i}] contains NaN or infinity")
        for p, w in zip(self.params, arrays):
            p[...] = w

    # --- forward and backward ---------------------------------------------------------------

    def forward(self, X: np.ndarray, training: bool = True) -> np.ndarray:
        """A_L for a batch X (m, input_dim); caches what backward needs when training."""
        A = X
        for layer in self.layers:
            A = layer.forward(A, training)
        return A

    def penalty(self) -> float:
        """Sum of the layers' regularization terms."""
        return sum(layer.penalty() for layer in self.layers)

    def _uses_logits_path(self) -> bool:
        return self.loss.logits_activation == self.layers[-1].activation.name

    def output_loss(self, Y: np.ndarray, Z: np.ndarray, A: np.ndarray,
                    sample_weight: np.ndarray | None = None) -> float:
        """Data loss of a batch from the output layer's Z and A (logits path where exact)."""
        if self._uses_logits_path():
            return self.loss.from_logits(Y, Z, sample_weight)
        return self.loss(Y, A, sample_weight)

    def output_gradient(self, Y: np.ndarray, Z: np.ndarray, A: np.ndarray,
                        sample_weight: np.ndarray | None = None) -> np.ndarray:
        """dZ of the output layer for the batch-mean loss."""
        if self._uses_logits_path():
            return self.loss.logits_gradient(Y, A, sample_weight)
        dA = self.loss.derivative(Y, A, sample_weight)
        return self.layers[-1].activation.backward(dA, Z, A)

    def backward(self, Y: np.ndarray, sample_weight: np.ndarray | None = None) -> None:
        """Fill every layer's dW, db from the cached forward pass."""
        _, Z, A = self.layers[-1].cache
        dZ = self.output_gradient(Y, Z, A, sample_weight)
        for i in range(len(self.layers) - 1, -1, -1):
            dA_prev = self.layers[i].backward(dZ, need_dA_prev=i > 0)
            if i > 0:
                _, Z_prev, A_prev = self.layers[i - 1].cache
                dZ = self.layers[i - 1].activation.backward(dA_prev, Z_prev, A_prev)

    def train_step(self, X: np.ndarray, Y: np.ndarray,
                   sample_weight: np.ndarray | None = None) -> tuple[float, float]:
        """Forward, loss (pre-update, with penalty), backward, optimizer step.

        Returns ``(loss, metric_sum)``. If the loss is not finite the weights are left as
        they were and ``(loss, nan)`` is returned so the caller can stop.
        """
        A = self.forward(X, training=True)
        _, Z, _ = self.layers[-1].cache
        loss = self.output_loss(Y, Z, A, sample_weight) + self.penalty()
        if not np.isfinite(loss):
            return loss, float("nan")
        metric_sum = self._metric_sum(Y, A)
        self.backward(Y, sample_weight)
        self.optimizer.apply(self.params, self.grads)
        return loss, metric_sum

    def evaluate_arrays(self, X: np.ndarray, Y: np.ndarray, batch_size: int,
                        sample_weight: np.ndarray | None = None) -> dict:
        """{"loss", metric} over (X, Y) in batches, weighted by batch size (Keras's rule)."""
        n = X.shape[0]
        penalty = self.penalty()
        total_loss = total_metric = 0.0
        for start in range(0, n, batch_size):
            Xb, Yb = X[start:start + batch_size], Y[start:start + batch_size]
            wb = None if sample_weight is None else sample_weight[start:start + batch_size]
            Z, A = self.forward_output(Xb)
            total_loss += (self.output_loss(Yb, Z, A, wb) + penalty) * Xb.shape[0]
            total_metric += self._metric_sum(Yb, A)
        return {"loss": total_loss / n, self.metric_name: total_metric / n}

    def forward_output(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Z, A) of the output layer for X, without caching (evaluation)."""
        A = X
        for layer in self.layers[:-1]:
            A = layer.forward(A, training=False)
        out = self.layers[-1]
        Z = out.linear(A)
        return Z, out.activation.forward(Z)

    # --- the public API on user data ----------------------------------------------------------

    def _prepare(self, X, y, fitting: bool,
                 require_classes: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Validate X and y and encode y as the output layer's Y."""
        names = self.check_feature_names(X)
        X = check_X(X, self.dtype, n_features=self.input_dim if self.built else None)
        y = check_y(y, X.shape[0])
        if fitting and self.encoder is None:
            encoder = TargetEncoder.for_targets(y, self.kind, self.layers[-1].units)
        else:
            encoder = self.encoder
        if encoder is None:
            raise RuntimeError("the model has not been fitted: call fit() first")
        Y = encoder.encode(y, self.dtype)
        if fitting and self.encoder is None:
            # Only the first fit must see two classes: later calls continue training and
            # may bring a single-class chunk (partial_fit, streaming).
            if require_classes and self.kind in ("binary", "multiclass") and _n_classes(Y) < 2:
                raise ValueError("y has one class only; classification needs at least two")
            self.encoder = encoder
        if fitting and self.feature_names is None and names is not None:
            self.feature_names = names
        return X, Y

    def check_feature_names(self, X) -> list[str] | None:
        """X's column names (DataFrames), refused if they differ from those of training."""
        columns = getattr(X, "columns", None)
        if columns is None or not hasattr(X, "to_numpy"):
            return None
        names = [str(c) for c in columns]
        self.check_column_names(names, "X's")
        return names

    def check_column_names(self, names: list[str], whose: str, hint: str = "") -> None:
        """Refuse column names that differ from the training ones (missing, extra, reordered)."""
        expected = self.feature_names
        if expected is None or names == expected:
            return
        missing = [c for c in expected if c not in names]
        extra = [c for c in names if c not in expected]
        detail = (f"missing {missing}, unexpected {extra}" if missing or extra
                  else "the same columns in another order")
        raise ValueError(f"{whose} columns differ from those the model was trained on "
                         f"({detail}); expected {expected}{hint if extra else ''}")

    def fit(self, X, y=None, batch_size: int = 32, epochs: int = 1,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
            verbose: int = 1, callbacks=None, sample_weight=None, split: str = "tail",
            steps_per_epoch: int | None = None, initial_epoch: int = 0) -> History:
        """Train; returns a History (Keras's semantics: see ``npmlp.training.fit``).

        ``split``: "tail" (Keras: the last fraction is the validation set), "random" or
        "stratified" (drawn from the model's seed: the same samples on every call).
        ``sample_weight`` (n,) multiplies
        each sample's loss (the batch loss is still divided by the batch size, as in Keras).
        With ``y=None``, ``X`` is an iterable of ``(X_batch, y_batch)`` (streaming).
        """
        from npmlp import training

        return training.fit(self, X, y, batch_size=batch_size, epochs=epochs,
                            validation_split=validation_split, validation_data=validation_data,
                            shuffle=shuffle, verbose=verbose, callbacks=callbacks,
                            sample_weight=sample_weight, split=split,
                            steps_per_epoch=steps_per_epoch, initial_epoch=initial_epoch)

    def predict_proba(self, X) -> np.ndarray:
        """Output activations A (n, units): probabilities for sigmoid/softmax outputs."""
        self._require_built("predict")
        self.check_feature_names(X)
        X = check_X(X, self.dtype, n_features=self.input_dim)
        parts = [self.forward(X[s:s + PREDICT_BATCH], training=False)
                 for s in range(0, X.shape[0], PREDICT_BATCH)]
        return np.concatenate(parts, axis=0)

    def predict(self, X) -> np.ndarray:
        """Class labels in the user's own values (classification) or values (regression)."""
        A = self.predict_proba(X)
        if self.encoder is None:
            # Never fitted (weights set by hand): labels are output indices / raw values.
            return TargetEncoder(self.kind, self.layers[-1].units,
                                 np.array([0, 1]) if self.kind == "binary" else None).decode(A)
        return self.encoder.decode(A)

    def evaluate(self, X, y, batch_size: int = 32) -> dict:
        """{"loss": ..., "accuracy" (or "mae"): ...} on (X, y), the L2 penalty included."""
        self._require_built("evaluate")
        batch_size = check_positive_int(batch_size, "batch_size")
        X = check_X(X, self.dtype, n_features=self.input_dim)
        y = check_y(y, X.shape[0])
        # A model given weights by hand was never fitted: read y's classes for this call only.
        encoder = self.encoder or TargetEncoder.for_targets(y, self.kind, self.layers[-1].units)
        return self.evaluate_arrays(X, encoder.encode(y, self.dtype), batch_size)

    def save(self, path: str | Path) -> None:
        """Write weights, config, optimizer state and history to one .npz (atomically)."""
        from npmlp import io

        io.save(self, path)

    def export(self, path: str | Path, format: str = "onnx", *, dtype=None,
               opset: int | None = None, outputs: str = "probabilities") -> Path:
        """Write the model as "onnx", "safetensors" or "keras" (``npmlp.export``)."""
        from npmlp.export import export

        return export(self, path, format, dtype=dtype, opset=opset, outputs=outputs)

    def get_config(self) -> dict:
        return {"layers": [layer.get_config() for layer in self.layers],
                "input_dim": self.input_dim, "loss": self.loss.get_config(),
                "optimizer": self.optimizer.get_config(), "seed": self.seed,
                "split_seed": self.split_seed, "feature_names": self.feature_names,
                "dtype": self.dtype.name}

    def summary(self) -> str:
        """A table of layers, output shapes and parameter counts."""
        lines = [f"{'layer':<28}{'output':<14}{'params':>10}"]
        fan_in, total = self.input_dim, 0
        for i, layer in enumerate(self.layers):
            count = (fan_in + 1) * layer.units if fan_in else 0
            total += count
            lines.append(f"{f'dense_{i} ({layer.activation.name})':<28}"
                         f"{f'(None, {layer.units})':<14}{count:>10}")
            fan_in = layer.units
        lines.append(f"total params: {total}; loss: {self.loss.name}; "
                     f"optimizer: {self.optimizer!r}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        sizes = [self.input_dim] + [layer.units for layer in self.layers]
        return f"MLP({'-'.join(str(s) for s in sizes)}, loss={self.loss.name!r})"
