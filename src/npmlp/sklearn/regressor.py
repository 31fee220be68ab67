"""``MLPRegressor``: one or several numeric targets (see ``npmlp.sklearn``)."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from npmlp.model.targets import TargetEncoder
from npmlp.sklearn.base import BaseMLP


class MLPRegressor(RegressorMixin, BaseMLP):
    """A multi-layer perceptron regressor (npmlp's MLP; linear output, mean squared error) for
    scikit-learn; y may be (n,) or (n, n_outputs).

    Fitted attributes: ``n_features_in_``, ``feature_names_in_`` (DataFrame input),
    ``n_outputs_``, ``loss_curve_``, ``n_iter_``, ``history_``, ``model_`` and ``ensemble_``
    (``n_members``: see MLPClassifier).
    """

    def _validate_Xy(self, X, y, reset: bool):
        return validate_data(self, X, y, reset=reset, dtype=[np.float64, np.float32],
                             multi_output=True, y_numeric=True)

    def _weights(self, sample_weight, n: int, partial: bool) -> np.ndarray | None:
        w = self._check_weights(sample_weight, n)
        if w is None:
            return None
        if not w.any():
            raise ValueError("sample_weight is all zero: there is no sample to learn from")
        return w if partial else w * (n / w.sum())  # mean 1 (see ``npmlp.sklearn``)

    def _start(self, n_features: int, y: np.ndarray) -> None:
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.model_ = self._new_model(n_features, self.n_outputs_, "linear")
        self._set_encoder(TargetEncoder("regression", self.n_outputs_, None, y.ndim))

    def fit(self, X, y, sample_weight=None) -> MLPRegressor:
        """Train a new network on X (n, d) and targets y (n,) or (n, k)."""
        self._check_params()
        X, y = self._validate_Xy(X, y, reset=True)
        w = self._weights(sample_weight, X.shape[0], partial=False)
        self._start(X.shape[1], y)
        self._train(X, y, w, first=True, epochs=int(self.epochs), validate=True)
        return self

    def partial_fit(self, X, y, sample_weight=None) -> MLPRegressor:
        """One epoch over the chunk (X, y), continuing from the previous calls."""
        first = not hasattr(self, "model_")
        if first:
            self._check_params()
        X, y = self._validate_Xy(X, y, reset=first)
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if not first and n_outputs != self.n_outputs_:
            raise ValueError(f"y has {n_outputs} outputs, but the first call had "
                             f"{self.n_outputs_}")
        w = self._weights(sample_weight, X.shape[0], partial=True)
        if first:
            self._start(X.shape[1], y)
        self._train(X, y, w, first=first, epochs=1, validate=False)
        return self

    def predict(self, X) -> np.ndarray:
        """Predicted values, (n,) or (n, n_outputs) like the y given to fit."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        if self.ensemble_ is not None:
            return self.ensemble_.predict(X)
        return self.model_.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
