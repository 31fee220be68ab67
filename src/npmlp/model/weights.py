"""The model's arrays as Keras shows them: ``get_weights``/``set_weights``, the parameters and
gradients, and their names (``W1, b1, gamma2, ...``).

``ModelWeights`` is a base class of ``MLP``: it reads the layout that ``MLP.build`` made
(``parameters``, ``non_trainable``, and per layer ``_counts`` and ``_names``).
"""

from __future__ import annotations

import numpy as np

from npmlp._validation import _to_numpy


class ModelWeights:
    """Views and copies of a built model's arrays, in Keras's order."""

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise RuntimeError(f"the model has no weights yet: call fit() or build() before {what}")

    @property
    def params(self) -> list[np.ndarray]:
        """[W1, b1, W2, b2, ...]: views of ``parameters.flat``, updated in place."""
        return [] if self.parameters is None else self.parameters.arrays

    @property
    def grads(self) -> list[np.ndarray]:
        """[dW1, db1, dW2, db2, ...] from the last backward pass."""
        return [] if self.parameters is None else self.parameters.grads

    def get_weights(self) -> list[np.ndarray]:
        """Copies of [W1, b1, W2, b2, ...] in Keras's order and layout: per layer its
        trainable arrays, then its non-trainable ones (BatchNormalization: gamma, beta,
        moving_mean, moving_variance)."""
        self._require_built("get_weights()")
        return [np.array(p, copy=True) for p in self._weight_arrays()]

    def set_weights(self, weights) -> None:
        """Load [W1, b1, ...] (copied into the model's arrays); builds the model if needed."""
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"weights must be a list of arrays [W1, b1, ...], got "
                            f"{type(weights).__name__}")
        arrays = []
        for i, w in enumerate(weights):
            w = _to_numpy(w, f"weights[{i}]")
            if w.dtype.kind not in "iuf":
                raise TypeError(f"weights[{i}] must be numeric, got dtype {w.dtype}")
            arrays.append(w)
        if not self.built:
            if not arrays or arrays[0].ndim != 2:
                raise ValueError("weights[0] must be 2-D (fan_in, units), got "
                                 f"{arrays[0].shape if arrays else 'no arrays'}")
            self.build(arrays[0].shape[0])
        targets = self._weight_arrays()
        if len(arrays) != len(targets):
            raise ValueError(f"set_weights expects {len(targets)} arrays "
                             f"({', '.join(self.weight_names())}), got {len(arrays)}")
        for i, (p, w) in enumerate(zip(targets, arrays)):
            if w.shape != p.shape:
                raise ValueError(f"weights[{i}] has shape {w.shape}, expected {p.shape}")
            if not np.isfinite(w).all():
                raise ValueError(f"weights[{i}] contains NaN or infinity")
        for p, w in zip(targets, arrays):
            p[...] = w

    def weight_names(self) -> list[str]:
        """Names of ``get_weights()``'s arrays: ``W1, b1, gamma2, beta2, moving_mean2, ...``
        (the 1-based layer index appended)."""
        self._require_built("weight_names()")
        return [f"{n}{i}" for i, (tr, nt) in enumerate(self._names, 1) for n in tr + nt]

    def layer_param_names(self) -> list[list[str]]:
        """Per layer, the names of its trainable parameters (``["W", "b"]``, ``["gamma",
        "beta"]``, ``[]``...)."""
        self._require_built("layer_param_names()")
        return [list(tr) for tr, _ in self._names]

    def param_names(self) -> list[str]:
        """Names of the trainable ``params`` (``W1, b1, gamma2, beta2, ...``)."""
        self._require_built("param_names()")
        return [f"{n}{i}" for i, (tr, _) in enumerate(self._names, 1) for n in tr]

    def layer_weights(self) -> list[list[np.ndarray]]:
        """Per layer, the views of its trainable then its non-trainable arrays (the order of
        Keras's ``layer.get_weights()``)."""
        self._require_built("layer_weights()")
        per_layer, start, start_nt = [], 0, 0
        for count, count_nt in self._counts:
            per_layer.append(self.parameters.arrays[start:start + count]
                             + self.non_trainable.arrays[start_nt:start_nt + count_nt])
            start, start_nt = start + count, start_nt + count_nt
        return per_layer

    def _weight_arrays(self) -> list[np.ndarray]:
        return [a for arrays in self.layer_weights() for a in arrays]
