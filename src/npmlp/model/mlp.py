"""The MLP: a sequence of layers, a loss and an optimizer, and the one training step.

Forward: ``A_0 = X``; for each layer ``A_l = layer.forward(A_{l-1})`` (for ``Dense``:
``Z_l = A_{l-1} @ W_l + b_l``, ``A_l = g_l(Z_l)``). Backward: at the output ``dZ = (A - Y) / m``
for sigmoid+BCE and softmax+CE (the logits path, ``Loss.logits_gradient``), otherwise
``dZ = g'(Z) * dL/dA``; then each layer, from the last, turns its ``dA`` into its gradients and
the ``dA`` of the layer below (``dW = A_prev.T @ dZ``, ``db = sum(dZ)``, ``dA_prev = dZ @ W.T``).

``train_step`` is what ``fit`` runs, batch after batch: the same code a reader follows, in
buffers allocated once per batch size (``Workspace``) and with every parameter a view of one
flat array (``Parameters``), so the optimizer updates them all at once.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np

from npmlp._validation import check_dtype, check_positive_int, check_X, check_y
from npmlp.callbacks.history import History
from npmlp.model import formats, inputs
from npmlp.model.state import save as save_model
from npmlp.model.summary import summary_table
from npmlp.model.targets import TargetEncoder, kind_for
from npmlp.model.weights import ModelWeights
from npmlp.nn import losses, metrics
from npmlp.nn.layers import Dense, Layer
from npmlp.nn.parameters import Parameters
from npmlp.nn.workspace import Workspace
from npmlp.optimizers import SGD, Optimizer
from npmlp.optimizers import get as get_optimizer
from npmlp.training import fit as train

PREDICT_BATCH = 8192  # rows per forward pass at predict time (bounds memory, not results)


class MLP(ModelWeights):
    """A multi-layer perceptron trained by mini-batch gradient descent.

    ``layers`` is a list of layers (``Dense``); the last one is the output layer. ``loss``
    defaults from the output activation (sigmoid -> binary cross-entropy, softmax ->
    categorical cross-entropy, otherwise mean squared error); ``optimizer`` defaults to
    ``SGD(0.01)``. One ``np.random.Generator(seed)`` drives initialisation and shuffling; every
    array is kept in ``dtype``.
    """

    stack: int | None = None  # K for a stack of ensemble members (npmlp.ensemble), else None

    def __init__(self, layers: list[Layer], *, input_dim: int | None = None, loss=None,
                 optimizer: Optimizer | str | None = None, seed: int | None = None,
                 dtype: str = "float32"):
        if isinstance(layers, Layer):
            layers = [layers]
        if not isinstance(layers, (list, tuple)) or not layers:
            raise TypeError(f"layers must be a non-empty list of npmlp layers (Dense, "
                            f"Activation, Dropout, BatchNormalization), got {layers!r}")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be an npmlp layer (Dense, Activation, "
                                f"Dropout, BatchNormalization), got {type(layer).__name__}")
        if not any(isinstance(layer, Dense) for layer in layers):
            raise ValueError("layers must contain at least one npmlp.Dense (the other layers "
                             "keep their input's width)")
        if seed is not None:
            seed = check_positive_int(seed, "seed", minimum=0)
        self.layers = list(layers)
        self.dtype = check_dtype(dtype)
        out = self.layers[-1]
        self.loss = losses.default_for(out.activation.name) if loss is None else losses.get(loss)
        self.optimizer = SGD() if optimizer is None else get_optimizer(optimizer)
        # sigmoid+BCE and softmax+CE: the loss computes A from Z and dZ = (A - Y) / ... itself
        self.logits_path = self.loss.pairs_with(out.activation)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        # Seeds the random/stratified validation split: fixed for the model's life (and saved),
        # so every fit() and a resumed run hold out the same samples.
        self.split_seed = seed if seed is not None else int(np.random.SeedSequence().entropy)
        self.kind = kind_for(out.activation.name, self.output_units)
        self.metric_name, self._metric_sum = metrics.for_kind(self.kind)
        self.encoder: TargetEncoder | None = None
        self.input_dim: int | None = None
        # Column names of the training data (a DataFrame or a CSV), saved with the model and
        # checked at predict time; None when it was trained on plain arrays.
        self.feature_names: list[str] | None = None
        self.history: History | None = None
        self.stop_training = False
        self.parameters: Parameters | None = None
        self.non_trainable: Parameters | None = None   # moving statistics (never optimized)
        self._workspaces: dict[int, list[Workspace]] = {}
        self._work: list[Workspace] | None = None  # where the last training forward ran
        if input_dim is not None:
            self.build(input_dim)

    # --- structure ------------------------------------------------------------------------

    @property
    def built(self) -> bool:
        return self.input_dim is not None

    @property
    def output_units(self) -> int:
        """Width of the output: the last Dense's units (the layers after it keep widths)."""
        return next(layer.units for layer in reversed(self.layers) if isinstance(layer, Dense))

    def _specs(self, input_dim: int) -> list[tuple[list, list]]:
        """Per layer: ([(name, shape)] trainable, [(name, shape)] non-trainable)."""
        specs, fan_in = [], input_dim
        for layer in self.layers:
            trainable = layer.build(fan_in)
            specs.append((trainable, layer.state_shapes()))
            fan_in = layer.units
        return specs

    def build(self, input_dim: int) -> MLP:
        """Lay out every parameter in one flat array (the non-trainable ones in another) and
        draw the starting weights."""
        self.input_dim = check_positive_int(input_dim, "input_dim")
        specs = self._specs(self.input_dim)
        self.parameters = Parameters([s for tr, _ in specs for _, s in tr], self.dtype)
        self.non_trainable = Parameters([s for _, nt in specs for _, s in nt], self.dtype)
        self._counts = [(len(tr), len(nt)) for tr, nt in specs]
        self._names = [([n for n, _ in tr], [n for n, _ in nt]) for tr, nt in specs]
        self._bind()
        for layer in self.layers:
            layer.initialize(self.rng)
        self._workspaces, self._work = {}, None
        return self

    def param_shapes(self, input_dim: int) -> list[tuple[int, ...]]:
        """[W1.shape, b1.shape, ...] (trainable) for inputs of ``input_dim`` features."""
        return [s for tr, _ in self._specs(input_dim) for _, s in tr]

    def state_shapes(self, input_dim: int) -> list[tuple[int, ...]]:
        """Shapes of the non-trainable arrays (moving statistics), in layer order."""
        return [s for _, nt in self._specs(input_dim) for _, s in nt]

    def _bind(self) -> None:
        """Give each layer its views of the flat parameter, gradient and non-trainable arrays,
        and the model's generator."""
        if getattr(self, "non_trainable", None) is None:   # a model pickled before it existed
            self.non_trainable = Parameters([], self.dtype)
            self._counts = [(c, 0) if isinstance(c, int) else c for c in self._counts]
        start = start_nt = 0
        for layer, (count, count_nt) in zip(self.layers, self._counts):
            end, end_nt = start + count, start_nt + count_nt
            layer.bind(self.parameters.arrays[start:end], self.parameters.grads[start:end])
            layer.bind_state(self.non_trainable.arrays[start_nt:end_nt], self.rng)
            start, start_nt = end, end_nt

    def __getstate__(self) -> dict:
        # The buffers are scratch; the layers get their views again in __setstate__.
        return {**self.__dict__, "_workspaces": {}, "_work": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.parameters is not None:
            self._bind()

    # --- one step -------------------------------------------------------------------------

    def workspace(self, m: int, cache: dict | None = None) -> list[Workspace]:
        """Each layer's Workspace for a batch of m rows (views of a larger one if there is)."""
        cache = self._workspaces if cache is None else cache
        work = cache.get(m)
        if work is None:
            full = max(cache, default=0)
            work = ([w.view(m) for w in cache[full]] if full > m else
                    [layer.workspace(m, self.dtype, self.stack) for layer in self.layers])
            cache[m] = work
        return work

    def _forward(self, X: np.ndarray, work: list[Workspace], training: bool) -> np.ndarray:
        """Every layer's forward but the output activation's; returns the output Z."""
        A = X
        for layer, w in zip(self.layers[:-1], work):
            A = layer.forward(A, w, training)
        return self.layers[-1].pre_activation(A, work[-1], training)

    def _output(self, Y: np.ndarray, Z: np.ndarray, work: list[Workspace],
                sample_weight: np.ndarray | None) -> float:
        """A = g(Z) into the output workspace, and the data loss (logits path where exact)."""
        w = work[-1]
        if self.logits_path:
            return self.loss.logits_forward(Y, Z, w.A, w, sample_weight)
        A = self.layers[-1].activation.forward(Z, out=w.A, work=w)
        return self.loss(Y, A, sample_weight, w)

    def penalty(self) -> float:
        """Sum of the layers' regularization terms."""
        return sum(layer.penalty() for layer in self.layers if layer.regularized)

    def backward(self, Y: np.ndarray, sample_weight: np.ndarray | None = None,
                 trace=None) -> None:
        """Fill every layer's gradients from the last training forward pass.

        ``trace(i, name, array)``, if given, sees each layer's dA and dZ (``npmlp explain``).
        """
        work = self.last_pass
        last = len(self.layers) - 1
        out, w = self.layers[-1], work[-1]
        below = work[last - 1].dA if last else None
        traces = [None] * len(work) if trace is None else \
            [functools.partial(trace, i) for i in range(len(work))]
        if self.logits_path:
            dZ = self.loss.logits_gradient(Y, w.A, sample_weight, out=w.dA)
            dA = out.backward_linear(dZ, w, below, traces[last])
        else:
            dA = self.loss.derivative(Y, w.A, sample_weight, out=w.dA)
            dA = out.backward(dA, w, below, traces[last])
        for i in range(last - 1, -1, -1):
            dA = self.layers[i].backward(dA, work[i], work[i - 1].dA if i else None, traces[i])

    def train_step(self, X: np.ndarray, Y: np.ndarray,
                   sample_weight: np.ndarray | None = None) -> tuple[float, float]:
        """Forward, loss (before the update, with the penalty), backward, optimizer step.

        Returns ``(loss, metric_sum)``. If the loss is not finite the weights are left as
        they were and ``(loss, nan)`` is returned so the caller can stop.
        """
        loss = self.forward_loss(X, Y, sample_weight)
        if not math.isfinite(loss):
            return loss, math.nan
        out = self.last_pass[-1]
        metric_sum = self._metric_sum(Y, out.A, out)
        self.backward(Y, sample_weight)
        self.apply_gradients()
        return loss, metric_sum

    def forward_loss(self, X: np.ndarray, Y: np.ndarray,
                     sample_weight: np.ndarray | None = None) -> float:
        """The training forward pass on a batch and its loss (data loss + penalty); the pass
        is kept in ``last_pass`` for ``backward``."""
        work = self._work = self.workspace(X.shape[-2])
        Z = self._forward(X, work, training=True)
        return self._output(Y, Z, work, sample_weight) + self.penalty()

    @property
    def last_pass(self) -> list[Workspace]:
        """Each layer's Workspace of the last training forward pass (A_prev, Z, A, dA...)."""
        if self._work is None:
            raise RuntimeError("no training forward pass yet")
        return self._work

    def apply_gradients(self) -> None:
        """The optimizer's step on every parameter, from the gradients of ``backward``."""
        P = self.parameters
        self.optimizer.apply(P.arrays, P.grads, flat=(P.flat, P.grad))

    def evaluate_arrays(self, X: np.ndarray, Y: np.ndarray, batch_size: int,
                        sample_weight: np.ndarray | None = None, cache: dict | None = None
                        ) -> dict:
        """{"loss", metric} over (X, Y) in batches, weighted by batch size (Keras's rule)."""
        n = X.shape[0]
        penalty = self.penalty()
        total_loss = total_metric = 0.0
        for start in range(0, n, batch_size):
            Xb, Yb = X[start:start + batch_size], Y[start:start + batch_size]
            wb = None if sample_weight is None else sample_weight[start:start + batch_size]
            work = self.workspace(Xb.shape[0], cache)
            Z = self._forward(Xb, work, training=False)
            total_loss += (self._output(Yb, Z, work, wb) + penalty) * Xb.shape[0]
            total_metric += self._metric_sum(Yb, work[-1].A, work[-1])
        return {"loss": total_loss / n, self.metric_name: total_metric / n}

    # --- the same passes, for readers, tests and diagnostics -----------------------------------

    def forward(self, X: np.ndarray, training: bool = True) -> np.ndarray:
        """A_L (a new array) for a batch X (m, input_dim); with ``training`` the pass is kept
        for ``backward``."""
        if training:
            work = self._work = self.workspace(X.shape[0])
        else:   # its own buffers: ``backward`` still sees the last training pass
            work = [layer.workspace(X.shape[0], self.dtype) for layer in self.layers]
        Z = self._forward(X, work, training)
        return np.array(self.layers[-1].activation.forward(Z, out=work[-1].A, work=work[-1]))

    def forward_output(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Z, A) of the output layer for X, in new arrays (evaluation)."""
        work = [layer.workspace(X.shape[0], self.dtype) for layer in self.layers]
        Z = self._forward(X, work, training=False)
        return Z, self.layers[-1].activation.forward(Z, out=work[-1].A, work=work[-1])

    def output_loss(self, Y: np.ndarray, Z: np.ndarray, A: np.ndarray,
                    sample_weight: np.ndarray | None = None) -> float:
        """Data loss of a batch from the output layer's Z and A (logits path where exact)."""
        if self.logits_path:
            return self.loss.from_logits(Y, Z, sample_weight)
        return self.loss(Y, A, sample_weight)

    # --- the public API on user data ----------------------------------------------------------

    def _prepare(self, X, y, fitting: bool,
                 require_classes: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Validate X and y and encode y as the output layer's Y (``inputs.prepare``)."""
        return inputs.prepare(self, X, y, fitting, require_classes)

    def check_feature_names(self, X) -> list[str] | None:
        """X's column names (DataFrames), refused if they differ from those of training."""
        return inputs.feature_names_of(self, X)

    def check_column_names(self, names: list[str], whose: str, hint: str = "") -> None:
        """Refuse column names that differ from the training ones (missing, extra, reordered)."""
        inputs.check_column_names(self.feature_names, names, whose, hint)

    def fit(self, X, y=None, batch_size: int = 32, epochs: int = 1,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
            verbose: int = 1, callbacks=None, sample_weight=None, split: str = "tail",
            steps_per_epoch: int | None = None, initial_epoch: int = 0,
            threads: int | None = None, class_weight: dict | None = None) -> History:
        """Train; returns a History (Keras's semantics: see ``npmlp.training.fit``).

        ``split``: "tail" (Keras: the last fraction is the validation set), "random" or
        "stratified" (drawn from the model's seed: the same samples on every call).
        ``sample_weight`` (n,) multiplies each sample's loss (the batch loss is still divided
        by the batch size, as in Keras). With ``y=None``, ``X`` is an iterable of
        ``(X_batch, y_batch)`` (streaming). ``threads``: BLAS threads while training (default:
        chosen from the layer sizes, see ``npmlp.training.threads``). ``class_weight``
        ({label: weight}, labels in y's own values): each training sample's weight times its
        class's, Keras's rule (Keras refuses it together with ``sample_weight``; npmlp
        multiplies the two).
        """
        return train(self, X, y, batch_size=batch_size, epochs=epochs,
                     validation_split=validation_split, validation_data=validation_data,
                     shuffle=shuffle, verbose=verbose, callbacks=callbacks,
                     sample_weight=sample_weight, split=split, steps_per_epoch=steps_per_epoch,
                     initial_epoch=initial_epoch, threads=threads, class_weight=class_weight)

    def predict_proba(self, X) -> np.ndarray:
        """Output activations A (n, units): probabilities for sigmoid/softmax outputs."""
        self._require_built("predict")
        self.check_feature_names(X)
        X = check_X(X, self.dtype, n_features=self.input_dim)
        A = np.empty((X.shape[0], self.output_units), self.dtype)
        cache: dict = {}  # buffers for this call only: predicting on a big X keeps no memory
        for s in range(0, X.shape[0], PREDICT_BATCH):
            Xb = X[s:s + PREDICT_BATCH]
            work = self.workspace(Xb.shape[0], cache)
            Z = self._forward(Xb, work, training=False)
            self.layers[-1].activation.forward(Z, out=A[s:s + Xb.shape[0]], work=work[-1])
        return A

    def predict(self, X) -> np.ndarray:
        """Class labels in the user's own values (classification) or values (regression)."""
        A = self.predict_proba(X)
        if self.encoder is None:
            # Never fitted (weights set by hand): labels are output indices / raw values.
            return TargetEncoder(self.kind, self.output_units,
                                 np.array([0, 1]) if self.kind == "binary" else None).decode(A)
        return self.encoder.decode(A)

    def evaluate(self, X, y, batch_size: int = 32) -> dict:
        """{"loss": ..., "accuracy" (or "mae"): ...} on (X, y), the L2 penalty included."""
        self._require_built("evaluate")
        batch_size = check_positive_int(batch_size, "batch_size")
        X = check_X(X, self.dtype, n_features=self.input_dim)
        y = check_y(y, X.shape[0])
        # A model given weights by hand was never fitted: read y's classes for this call only.
        encoder = self.encoder or TargetEncoder.for_targets(y, self.kind, self.output_units)
        return self.evaluate_arrays(X, encoder.encode(y, self.dtype), batch_size, cache={})

    def save(self, path: str | Path) -> None:
        """Write weights, config, optimizer state and history to one .npz (atomically)."""
        self._require_built("save()")
        save_model(self, path)

    def export(self, path: str | Path, format: str = "onnx", *, dtype=None,
               opset: int | None = None, outputs: str = "probabilities") -> Path:
        """Write the model as "onnx", "safetensors" or "keras" (see ``npmlp.export``)."""
        return formats.export(self, path, format, dtype=dtype, opset=opset, outputs=outputs)

    def get_config(self) -> dict:
        return {"layers": [layer.get_config() for layer in self.layers],
                "input_dim": self.input_dim, "loss": self.loss.get_config(),
                "optimizer": self.optimizer.get_config(), "seed": self.seed,
                "split_seed": self.split_seed, "feature_names": self.feature_names,
                "dtype": self.dtype.name}

    def count_params(self) -> tuple[int, int]:
        """(trainable, non-trainable) parameter counts: Keras's ``count_params`` split."""
        self._require_built("count_params()")
        return self.parameters.flat.size, self.non_trainable.flat.size

    def summary(self) -> str:
        """Keras's table: each layer with its output shape and parameter count, then the
        total, trainable and non-trainable counts (the same numbers as Keras's ``summary``)."""
        self._require_built("summary()")
        return summary_table(self)

    def __repr__(self) -> str:
        sizes = [self.input_dim] + [layer.units for layer in self.layers
                                    if isinstance(layer, Dense)]
        return f"MLP({'-'.join(str(s) for s in sizes)}, loss={self.loss.name!r})"
