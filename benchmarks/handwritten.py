"""A minimal hand-written NumPy training loop: the time npmlp's abstractions must stay within
1.15x of (issue 4).

ReLU hidden layers, a sigmoid (one unit) or softmax output with cross-entropy from the
logits, plain SGD on consecutive batches, the epoch's mean loss accumulated as any training
loop reports it (no accuracy, no validation, no callbacks, no checks). ``npmlp bench`` loads
this file to time it beside npmlp on the same data, weights and batches.
"""

from __future__ import annotations

import numpy as np


def train(X, Y, weights, batch_size: int, epochs: int, lr: float = 0.01):
    """Train on X (n, d), one-hot or 0/1 Y (n, k) from [W1, b1, ...]; returns the new list
    and the last epoch's mean loss."""
    Ws = [np.array(w) for w in weights[0::2]]
    bs = [np.array(b) for b in weights[1::2]]
    n, L = X.shape[0], len(Ws)
    softmax = Ws[-1].shape[1] > 1
    loss = 0.0
    for _ in range(epochs):
        total = 0.0
        for s in range(0, n, batch_size):
            A = [X[s:s + batch_size]]
            y = Y[s:s + batch_size]
            for W, b in zip(Ws[:-1], bs[:-1]):
                A.append(np.maximum(A[-1] @ W + b, 0))
            Z = A[-1] @ Ws[-1] + bs[-1]
            if softmax:
                S = Z - Z.max(axis=1, keepdims=True)
                E = np.exp(S)
                total_E = E.sum(axis=1, keepdims=True)
                P = E / total_E
                total += float(np.sum(y * (np.log(total_E) - S)))
            else:
                E = np.exp(-np.abs(Z))
                P = np.where(Z >= 0, 1 / (1 + E), E / (1 + E))
                total += float(np.sum(np.maximum(Z, 0) - Z * y + np.log1p(E)))
            dZ = (P - y) / y.shape[0]
            for i in range(L - 1, -1, -1):
                dW = A[i].T @ dZ
                db = dZ.sum(axis=0)
                if i:
                    dZ = (dZ @ Ws[i].T) * (A[i] > 0)
                Ws[i] -= lr * dW
                bs[i] -= lr * db
        loss = total / n
    return [p for pair in zip(Ws, bs) for p in pair], loss
