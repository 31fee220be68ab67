"""One runner per framework for ``npmlp.bench``: same data, initial weights, batches (no
shuffling) and optimizer (plain SGD) for all.

A runner has ``reset()`` (untimed: load the initial weights), ``run()`` (timed: train) and
``weights()`` (the trained [W1, b1, ...] as NumPy, Keras's layout). Heavy frameworks are
imported here, lazily, only when their runner is made.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np

HANDWRITTEN = Path(__file__).resolve().parent / "handwritten.py"


class Unavailable(Exception):
    """The framework is not installed here (reported, not fatal)."""


class NpmlpRunner:
    """npmlp's own ``fit``."""

    def __init__(self, w, threads: int):
        self.w = w

    def reset(self):
        from npmlp import MLP, SGD, Dense

        w = self.w
        layers = [Dense(h, "relu") for h in w.hidden] + [Dense(w.units, w.out_activation)]
        self.model = MLP(layers, optimizer=SGD(w.lr), dtype="float32")
        self.model.set_weights(w.init)

    def run(self):
        w = self.w
        self.model.fit(w.X, w.y, batch_size=w.batch_size, epochs=w.epochs, shuffle=False,
                       verbose=0)

    def weights(self):
        return self.model.get_weights()


class HandwrittenRunner:
    """``benchmarks/handwritten.py``: the minimal NumPy loop."""

    def __init__(self, w, threads: int):
        if not HANDWRITTEN.exists():
            raise Unavailable(f"{HANDWRITTEN} not found (run from a source checkout)")
        spec = importlib.util.spec_from_file_location("npmlp_bench_handwritten", HANDWRITTEN)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.train, self.w = module.train, w

    def reset(self):
        self.out = None

    def run(self):
        w = self.w
        self.out, _ = self.train(w.X, w.Y, w.init, w.batch_size, w.epochs, w.lr)

    def weights(self):
        return self.out


class GemmFloorRunner:
    """Only the matrix products of training (forward A_prev @ W, backward A_prev.T @ dZ and
    dZ @ W.T, none for the first layer's dA), into preallocated buffers: a lower bound."""

    def __init__(self, w, threads: int):
        self.w = w

    def reset(self):
        w = self.w
        self.Ws = [np.array(p) for p in w.init[0::2]]
        m = min(w.batch_size, w.X.shape[0])
        self.A = [np.zeros((m, W.shape[1]), np.float32) for W in self.Ws]
        self.D = [np.zeros((m, W.shape[0]), np.float32) for W in self.Ws]
        self.dW = [np.empty_like(W) for W in self.Ws]

    def run(self):
        w, Ws, A, D, dW = self.w, self.Ws, self.A, self.D, self.dW
        n, bs = w.X.shape[0], w.batch_size
        for _ in range(w.epochs):
            for s in range(0, n, bs):
                X = w.X[s:s + bs]
                m = X.shape[0]
                prev = X
                for i, W in enumerate(Ws):
                    np.matmul(prev, W, out=A[i][:m])
                    prev = A[i][:m]
                for i in range(len(Ws) - 1, -1, -1):
                    dZ = A[i][:m]  # stands in for dZ: same shape, no elementwise work
                    np.matmul(X.T if i == 0 else A[i - 1][:m].T, dZ, out=dW[i])
                    if i:
                        if Ws[i].shape[1] == 1:  # the outer product by broadcasting, as npmlp
                            np.multiply(dZ, Ws[i].T, out=D[i][:m])
                        else:
                            np.matmul(dZ, Ws[i].T, out=D[i][:m])

    def weights(self):
        return None  # trains nothing: no loss to check


class TorchRunner:
    """A PyTorch eager loop: zero_grad, forward, loss, backward, step, loss.item()."""

    def __init__(self, w, threads: int):
        try:
            import torch
        except ImportError as exc:
            raise Unavailable("torch is not installed") from exc
        torch.set_num_threads(threads)
        self.torch, self.w = torch, w
        sizes = [w.X.shape[1], *w.hidden, w.units]
        mods = []
        for i in range(len(sizes) - 1):
            mods.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2:
                mods.append(torch.nn.ReLU())
        self.net = torch.nn.Sequential(*mods)
        self.linears = [m for m in mods if isinstance(m, torch.nn.Linear)]
        self.X = torch.from_numpy(w.X)
        if w.units == 1:
            self.y, self.loss_fn = torch.from_numpy(w.Y), torch.nn.BCEWithLogitsLoss()
        else:
            self.y = torch.from_numpy(w.labels.astype(np.int64))
            self.loss_fn = torch.nn.CrossEntropyLoss()

    def reset(self):
        with self.torch.no_grad():
            for lin, W, b in zip(self.linears, self.w.init[0::2], self.w.init[1::2]):
                lin.weight.copy_(self.torch.from_numpy(np.ascontiguousarray(W.T)))
                lin.bias.copy_(self.torch.from_numpy(b))
        self.opt = self.torch.optim.SGD(self.net.parameters(), lr=self.w.lr)

    def run(self):
        w, net, opt, loss_fn = self.w, self.net, self.opt, self.loss_fn
        n, bs = w.X.shape[0], w.batch_size
        for _ in range(w.epochs):
            total = 0.0
            for s in range(0, n, bs):
                opt.zero_grad()
                loss = loss_fn(net(self.X[s:s + bs]), self.y[s:s + bs])
                loss.backward()
                opt.step()
                total += loss.item()

    def weights(self):
        out = []
        for lin in self.linears:
            out += [lin.weight.detach().numpy().T.copy(), lin.bias.detach().numpy().copy()]
        return out


class SklearnRunner:
    """scikit-learn's MLPClassifier, solver="sgd" without momentum, warm-started from the
    same weights (``coefs_``/``intercepts_``), shuffle=False so its batches are ours."""

    def __init__(self, w, threads: int):
        try:
            from sklearn.neural_network import MLPClassifier
        except ImportError as exc:
            raise Unavailable("scikit-learn is not installed") from exc
        self.w = w
        self.clf = MLPClassifier(
            hidden_layer_sizes=w.hidden, activation="relu", solver="sgd", alpha=0.0,
            batch_size=w.batch_size, learning_rate="constant", learning_rate_init=w.lr,
            max_iter=w.epochs, shuffle=False, momentum=0.0, nesterovs_momentum=False,
            n_iter_no_change=w.epochs + 1, tol=0.0, warm_start=True, early_stopping=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # One partial_fit only to create sklearn's structures; reset() overwrites them.
            self.clf.partial_fit(w.X[:w.batch_size], w.labels[:w.batch_size],
                                 classes=np.unique(w.labels))

    def reset(self):
        clf, w = self.clf, self.w
        clf.coefs_ = [np.array(p) for p in w.init[0::2]]
        clf.intercepts_ = [np.array(p) for p in w.init[1::2]]
        clf.n_iter_, clf.t_, clf.loss_curve_ = 0, 0, []
        clf.best_loss_, clf._no_improvement_count = np.inf, 0

    def run(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter is the epoch count
            self.clf.fit(self.w.X, self.w.labels)

    def weights(self):
        return [p for pair in zip(self.clf.coefs_, self.clf.intercepts_) for p in pair]


class KerasRunner:
    """Keras 3 ``fit`` (TensorFlow backend) on the model from ``npmlp.compare.to_keras``."""

    def __init__(self, w, threads: int):
        try:
            import tensorflow as tf
        except ImportError as exc:
            raise Unavailable("tensorflow is not installed") from exc
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:
            pass  # TensorFlow already started (threads were set by an earlier runner)
        self.w, self.note = w, ""
        from npmlp import MLP, SGD, Dense

        layers = [Dense(h, "relu") for h in w.hidden] + [Dense(w.units, w.out_activation)]
        model = MLP(layers, optimizer=SGD(w.lr), dtype="float32")
        model.set_weights(w.init)
        try:
            from npmlp.compare import to_keras
        except ImportError:
            self.keras_model = self._plain_sequential(w)
            self.note = "npmlp.compare.to_keras missing: plain keras.Sequential"
        else:
            self.keras_model = to_keras(model)

    @staticmethod
    def _plain_sequential(w):
        import keras

        layers = [keras.Input((w.X.shape[1],))]
        layers += [keras.layers.Dense(h, activation="relu") for h in w.hidden]
        layers.append(keras.layers.Dense(w.units, activation=w.out_activation))
        k = keras.Sequential(layers)
        loss = "binary_crossentropy" if w.units == 1 else "categorical_crossentropy"
        k.compile(optimizer=keras.optimizers.SGD(w.lr), loss=loss, metrics=["accuracy"])
        return k

    def reset(self):
        self.keras_model.set_weights(self.w.init)

    def run(self):
        w = self.w
        self.keras_model.fit(w.X, w.Y, batch_size=w.batch_size, epochs=w.epochs, shuffle=False,
                             verbose=0)

    def weights(self):
        return [np.array(p) for p in self.keras_model.get_weights()]


RUNNERS = {
    "npmlp": NpmlpRunner,
    "handwritten": HandwrittenRunner,
    "gemm-floor": GemmFloorRunner,
    "sklearn": SklearnRunner,
    "torch": TorchRunner,
    "keras": KerasRunner,
}
