"""The fast training step: ``MLP.train_step``'s arithmetic, operation for operation, in
preallocated buffers.

``model.py`` and ``layers.py`` are the readable reference; this module does the same
floating-point operations in the same order (so weights and History agree bit for bit; the
tests in ``tests/test_fastpath.py`` check it), but without temporaries: each batch size gets
its Z, A, dZ (= dA, reused in place) buffers once, every ufunc writes with ``out=``, the first
layer's dA is never computed, a one-unit layer's ``dZ @ W.T`` is a broadcast product (OpenBLAS
runs an (m, 1) @ (1, n) matmul very slowly), the exponential of the sigmoid / softmax output
is shared with the logits-path loss, plain SGD updates all parameters at once (each layer's W
and b become views of one flat array at the first fast step; values are kept, the array
objects are new), and shuffled rows are gathered once per chunk of batches into a contiguous
buffer instead of fancy-indexing every batch. Each line carries the textbook
expression it computes as a comment.

Anything without a fast kernel (leaky ReLU, a hidden softmax, a non-logits loss, a multilabel
or regression metric, an optimizer other than plain SGD, gradient clipping) calls the
reference function and copies its result into the buffer: same bits, a little slower.
"""

from __future__ import annotations

import math

import numpy as np

from npmlp import optimizers
from npmlp.activations import exp_neg_cap

CHUNK_BYTES = 4 << 20  # shuffled rows gathered per np.take: bounds the extra memory


def batches(X: np.ndarray, Y: np.ndarray, order: np.ndarray | None, batch_size: int):
    """Yield ``(X[part], Y[part], None)`` for consecutive parts of ``order`` (or of the rows).

    Shuffled rows are gathered with one ``np.take`` per chunk of whole batches (at most
    ~CHUNK_BYTES, so memory stays at the dataset plus one chunk) into a contiguous buffer;
    a yielded batch is overwritten when the next chunk is gathered (the loop uses it at once).
    """
    n = X.shape[0]
    if order is None:
        for start in range(0, n, batch_size):
            yield X[start:start + batch_size], Y[start:start + batch_size], None
        return
    row_bytes = (X.shape[1] + Y.shape[1]) * X.itemsize
    chunk = min(n, max(1, CHUNK_BYTES // (row_bytes * batch_size)) * batch_size)
    Xc = np.empty((chunk, X.shape[1]), X.dtype)
    Yc = np.empty((chunk, Y.shape[1]), Y.dtype)
    for c0 in range(0, n, chunk):
        index = order[c0:c0 + chunk]
        k = len(index)
        np.take(X, index, axis=0, out=Xc[:k])          # X[order] for a whole chunk at once
        np.take(Y, index, axis=0, out=Yc[:k])
        for lo in range(0, k, batch_size):
            yield Xc[lo:min(lo + batch_size, k)], Yc[lo:min(lo + batch_size, k)], None


def _flatten(layers, names, dtype, copy: bool) -> np.ndarray:
    """One flat array; each layer's ``names`` attributes become reshaped views of it.

    ``copy``: keep the current values (parameters) or not (gradients, about to be written).
    Parameters already laid out this way by an earlier fit are kept as they are.
    """
    shapes = [(layer, name, (layer.W if name in ("W", "dW") else layer.b).shape)
              for layer in layers for name in names]
    total = sum(int(np.prod(shape)) for _, _, shape in shapes)
    first = getattr(layers[0], names[0])
    base = None if first is None else first.base
    if copy and base is not None and base.ndim == 1 and base.size == total and all(
            getattr(layer, name).base is base for layer, name, _ in shapes):
        return base
    flat = np.empty(total, dtype)
    offset = 0
    for layer, name, shape in shapes:
        size = int(np.prod(shape))
        view = flat[offset:offset + size].reshape(shape)
        if copy:
            view[...] = getattr(layer, name)
        setattr(layer, name, view)
        offset += size
    return flat


class _Buffers:
    """Per-batch-size arrays; ``views(m)`` gives the first m rows of each (a partial batch)."""

    def __init__(self, model, m: int):
        dtype = model.dtype
        self.Z, self.A, self.D, self.T, self.mask = [], [], [], [], []
        for layer in model.layers:
            k = layer.units
            Z = np.empty((m, k), dtype)
            self.Z.append(Z)
            self.A.append(Z if layer.activation.name == "linear" else np.empty((m, k), dtype))
            self.D.append(np.empty((m, k), dtype))     # dA, then dZ in place
            self.T.append(np.empty((m, k), dtype))     # scratch: exp, g'(Z), loss terms
            self.mask.append(np.empty((m, k), bool))
        k = model.layers[-1].units
        self.L = np.empty((m, k), dtype)               # per-element loss
        self.row = np.empty((m, 1), dtype)             # row max / row sum (softmax)
        self.row2 = np.empty((m, 1), dtype)
        self.rowsum = np.empty(m, dtype)

    def view(self, m: int) -> _Buffers:
        v = object.__new__(_Buffers)
        for name, value in vars(self).items():
            setattr(v, name, [a[:m] for a in value] if isinstance(value, list) else value[:m])
        return v


class FastTrainer:
    """``train_step(Xb, Yb, wb)`` returns ``(loss, metric_sum)`` exactly as ``MLP.train_step``.

    Buffers are made on the first step (the model may be built only then) for that batch
    size; a smaller (last) batch uses views of them, a larger one regrows them. Sample
    weights go through the reference step.
    """

    def __init__(self, model):
        self.model = model
        self.full = 0
        self.bufs: dict[int, _Buffers] = {}

    def _setup(self, m: int) -> None:
        model = self.model
        self.full = m
        self.bufs = {self.full: _Buffers(model, self.full)}
        self.cap = exp_neg_cap(model.dtype)
        self.logits = model._uses_logits_path()
        # W, b of every layer become views of one flat array (values kept), and so do the
        # gradients, so plain SGD updates all parameters in two ufunc calls, not 2 per array.
        self.flat_params = _flatten(model.layers, ("W", "b"), model.dtype, copy=True)
        model.flat_params = self.flat_params  # lets the loop snapshot/check one array
        self.flat_grads = _flatten(model.layers, ("dW", "db"), model.dtype, copy=False)
        self.flat_step = np.empty_like(self.flat_params)
        self.dW = [layer.dW for layer in model.layers]  # model.grads reads these too
        self.db = [layer.db for layer in model.layers]
        self.params = model.params
        self.grads = [g for pair in zip(self.dW, self.db) for g in pair]
        self.regularized = any(layer.kernel_regularizer for layer in model.layers)

    def _buffers(self, m: int) -> _Buffers:
        bufs = self.bufs.get(m)
        if bufs is None:
            if m > self.full:
                self._setup(m)
                return self.bufs[m]
            bufs = self.bufs[m] = self.bufs[self.full].view(m)
        return bufs

    # --- one step --------------------------------------------------------------------------

    def train_step(self, X: np.ndarray, Y: np.ndarray,
                   sample_weight: np.ndarray | None = None) -> tuple[float, float]:
        """Forward, loss (pre-update, with penalty), backward, optimizer step."""
        model, layers = self.model, self.model.layers
        if sample_weight is not None:
            return model.train_step(X, Y, sample_weight)
        B = self._buffers(X.shape[0])
        A_prev = X
        last = len(layers) - 1
        for i, layer in enumerate(layers):
            Z = B.Z[i]
            np.matmul(A_prev, layer.W, out=Z)          # Z = A_prev @ W
            np.add(Z, layer.b, out=Z)                  #     + b
            if i < last or not self.logits:
                self._activate(layer.activation, Z, B.A[i], B.T[i], B.D[i], B.mask[i])
            A_prev = B.A[i]
        out = layers[-1]
        Z, A, dZ = B.Z[last], B.A[last], B.D[last]
        if self.logits:
            loss = self._logits_forward(out.activation.name, Z, A, Y, dZ, B)
        else:
            loss = model.loss(Y, A)
            np.copyto(dZ, out.activation.backward(model.loss.derivative(Y, A), Z, A))
        loss = loss + model.penalty() if self.regularized else loss + 0.0
        if not math.isfinite(loss):
            return loss, float("nan")
        metric_sum = self._metric(Y, A, B.mask[last])
        self._backward(X, B)
        self._update()
        return loss, metric_sum

    def _activate(self, act, Z, A, T, S, mask) -> None:
        """A = g(Z) into A's buffer (T and S are free scratch of Z's shape)."""
        name = act.name
        if name == "relu":
            np.maximum(Z, 0, out=A)                    # A = max(Z, 0)
        elif name == "sigmoid":
            self._sigmoid(Z, A, T, S, mask)
        elif name == "tanh":
            np.tanh(Z, out=A)                          # A = tanh(Z)
        elif name != "linear":                         # linear: A is Z's buffer
            np.copyto(A, act.forward(Z))

    def _sigmoid(self, Z, A, T, S, mask) -> None:
        """A = sigmoid(Z) as ``activations.sigmoid``; leaves E = exp(-|Z|) in T."""
        np.abs(Z, out=T)
        np.minimum(T, self.cap, out=T)
        np.negative(T, out=T)
        np.exp(T, out=T)                               # E = exp_neg(|Z|)
        np.add(T, 1, out=A)                            # 1 + E
        np.divide(T, A, out=S)                         # E / (1 + E)     (taken where z < 0)
        np.divide(1, A, out=A)                         # 1 / (1 + E)     (taken where z >= 0)
        np.less(Z, 0, out=mask)
        np.copyto(A, S, where=mask)

    def _logits_forward(self, name, Z, A, Y, dZ, B) -> float:
        """Output A, the logits-path loss and dZ = (A - Y) / ..., sharing one exp."""
        m, k = Z.shape
        T, L = B.T[-1], B.L
        if name == "sigmoid":
            self._sigmoid(Z, A, T, dZ, B.mask[-1])     # T = exp_neg(|Z|)
            np.maximum(Z, 0, out=L)                    # L = max(Z, 0)
            np.multiply(Z, Y, out=dZ)
            np.subtract(L, dZ, out=L)                  #     - Z * Y
            np.log1p(T, out=T)
            np.add(L, T, out=L)                        #     + log1p(exp(-|Z|))
            per_row = L.reshape(m) if k == 1 else np.mean(L, axis=1)
            loss = float(np.add.reduce(per_row) / m)          # mean_i mean_j L
            np.subtract(A, Y, out=dZ)
            np.divide(dZ, A.size, out=dZ)              # dZ = (A - Y) / (m k)
            return loss
        M, s = B.row, B.row2
        np.maximum.reduce(Z, axis=1, keepdims=True, out=M)  # np.max
        np.subtract(M, Z, out=T)
        np.minimum(T, self.cap, out=T)
        np.negative(T, out=T)
        np.exp(T, out=T)                               # E = exp_neg(max_j Z - Z)
        np.add.reduce(T, axis=1, keepdims=True, out=s)  # np.sum
        np.divide(T, s, out=A)                         # A = E / sum_j E
        np.subtract(Z, M, out=L)                       # S = Z - max_j Z
        np.log(s, out=s)                               # lse = log sum_j exp(S)
        np.subtract(s, L, out=L)
        np.multiply(Y, L, out=L)                       # Y * (lse - S)
        np.add.reduce(L, axis=1, out=B.rowsum)
        loss = float(np.add.reduce(B.rowsum) / m)             # mean_i sum_j Y (lse - S)
        np.subtract(A, Y, out=dZ)
        np.divide(dZ, m, out=dZ)                       # dZ = (A - Y) / m
        return loss

    def _backward(self, X, B) -> None:
        """dW = A_prev.T @ dZ (+ 2 l2 W), db = sum_rows dZ, dZ_prev = (dZ @ W.T) * g'(Z_prev)."""
        layers = self.model.layers
        for i in range(len(layers) - 1, -1, -1):
            layer, dZ = layers[i], B.D[i]
            A_prev = X if i == 0 else B.A[i - 1]
            np.matmul(A_prev.T, dZ, out=self.dW[i])    # dW = A_prev.T @ dZ
            if layer.kernel_regularizer is not None:
                self.dW[i] += layer.kernel_regularizer.gradient(layer.W)
            np.add.reduce(dZ, axis=0, out=self.db[i])  # db = sum(dZ, axis=0)
            if i == 0:
                break                                  # the first layer's dA is never used
            dA = B.D[i - 1]
            if layer.units == 1:
                np.multiply(dZ, layer.W.T, out=dA)     # dA_prev = dZ @ W.T (an outer product)
            else:
                np.matmul(dZ, layer.W.T, out=dA)       # dA_prev = dZ @ W.T
            self._activation_backward(layers[i - 1].activation, dA, B.Z[i - 1], B.A[i - 1],
                                      B.T[i - 1], B.mask[i - 1])

    @staticmethod
    def _activation_backward(act, D, Z, A, T, mask) -> None:
        """dZ = dA * g'(Z), in place in D."""
        name = act.name
        if name == "relu":
            np.greater(Z, 0, out=mask)
            np.multiply(D, mask, out=D)                # dZ = dA * (Z > 0)
        elif name == "sigmoid":
            np.subtract(1, A, out=T)
            np.multiply(A, T, out=T)                   # g' = A (1 - A)
            np.multiply(D, T, out=D)
        elif name == "tanh":
            np.multiply(A, A, out=T)
            np.subtract(1, T, out=T)                   # g' = 1 - A^2
            np.multiply(D, T, out=D)
        elif name != "linear":
            np.copyto(D, act.backward(D, Z, A))

    def _update(self) -> None:
        """Plain SGD in place (W -= g * lr); any other optimizer through ``apply``."""
        opt = self.model.optimizer
        if (type(opt) is not optimizers.SGD or opt.momentum != 0 or opt.clipnorm is not None
                or opt.global_clipnorm is not None):
            opt.apply(self.params, self.grads)
            return
        if opt.state is None:
            opt.build(self.params)
        lr = opt.current_learning_rate()
        np.multiply(self.flat_grads, lr, out=self.flat_step)   # W -= g * lr, for every W and b
        np.subtract(self.flat_params, self.flat_step, out=self.flat_params)
        opt.iterations += 1

    def _metric(self, Y, A, mask) -> float:
        """The metric's batch sum, as ``metrics.for_kind(kind)``."""
        kind = self.model.kind
        if kind == "binary" and A.shape[1] == 1:
            np.greater(A, 0.5, out=mask)               # sum((A > 0.5) == (Y > 0.5))
            return float(np.count_nonzero(mask == (Y > 0.5)))
        if kind == "multiclass":                       # sum(argmax A == argmax Y)
            return float(np.count_nonzero(np.argmax(A, axis=1) == np.argmax(Y, axis=1)))
        return self.model._metric_sum(Y, A)
