"""``MLPClassifier``: labels, multi-label 0/1 matrices, class weights (see ``npmlp.sklearn``)."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from npmlp._validation import check_real
from npmlp.model.targets import TargetEncoder
from npmlp.sklearn.base import BaseMLP


class MLPClassifier(ClassifierMixin, BaseMLP):
    """A multi-layer perceptron classifier (npmlp's MLP; softmax output, or sigmoid for two
    classes, or one sigmoid per label for a 0/1 label-indicator y) for scikit-learn.
    ``class_weight``: None, "balanced" (``n / (k * count_c)``) or a dict ``{label: weight}``;
    it multiplies ``sample_weight`` (see ``npmlp.sklearn``).

    Fitted attributes: ``classes_`` (0..k-1 for multi-label y), ``n_outputs_``,
    ``n_features_in_``, ``feature_names_in_`` (DataFrame input), ``loss_curve_``, ``n_iter_``,
    ``history_`` (the npmlp History) and ``model_`` (the npmlp MLP, trained on class indices:
    positions in ``classes_``). With ``n_members=K > 1`` K networks seeded from
    ``random_state`` are trained (at once, as an ``npmlp.Ensemble``, unless sample weights or
    early stopping's split need one fit each); ``ensemble_`` holds them, predictions average
    them, ``model_`` is member 0 and ``history_`` the members' mean.
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, optimizer="adam",
                 learning_rate=0.001, momentum=0.9, batch_size=32, epochs=200, l2=0.0,
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 shuffle=True, random_state=None, dtype="float64", verbose=0,
                 n_members=1, class_weight=None, dropout=0.0, batch_norm=False):
        super().__init__(hidden_layer_sizes, activation, optimizer=optimizer,
                         learning_rate=learning_rate, momentum=momentum,
                         batch_size=batch_size, epochs=epochs, l2=l2,
                         early_stopping=early_stopping,
                         validation_fraction=validation_fraction,
                         n_iter_no_change=n_iter_no_change, shuffle=shuffle,
                         random_state=random_state, dtype=dtype, verbose=verbose,
                         n_members=n_members, dropout=dropout, batch_norm=batch_norm)
        self.class_weight = class_weight

    def _validate_Xy(self, X, y, reset: bool):
        X, y = validate_data(self, X, y, reset=reset, dtype=[np.float64, np.float32],
                             multi_output=True)
        check_classification_targets(y)
        multilabel = type_of_target(y) == "multilabel-indicator"
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)  # a column vector: warned as scikit-learn does
        elif y.ndim == 2 and not multilabel:
            raise ValueError(f"y has {y.shape[1]} columns that are not a 0/1 label-indicator "
                             "matrix; give one label per sample or 0/1 columns (multi-label)")
        if not reset and multilabel != self._multilabel():
            raise ValueError("y is multi-label now but was not at the first call (or the other "
                             "way round)")
        return X, y

    def _multilabel(self) -> bool:
        """True when fitted on a 0/1 label-indicator matrix (one sigmoid unit per label)."""
        return getattr(self, "n_outputs_", 1) > 1

    def _indices(self, y) -> np.ndarray:
        """Positions of the labels y in classes_ (ValueError for unknown labels); a
        multi-label y (n, k) is returned as it is."""
        if y.ndim == 2:
            return y
        index = np.clip(np.searchsorted(self.classes_, y), 0, len(self.classes_) - 1)
        unknown = self.classes_[index] != y
        if unknown.any():
            raise ValueError(f"y contains labels not in classes: "
                             f"{np.unique(y[unknown])[:10].tolist()}; classes are "
                             f"{self.classes_.tolist()}")
        return index

    def _start(self, n_features: int) -> None:
        k = len(self.classes_)
        if self._multilabel():  # k labels, each its own yes/no: sigmoid units, mean BCE
            self.model_ = self._new_model(n_features, k, "sigmoid")
            self._set_encoder(TargetEncoder("multilabel", k, None, y_ndim=2))
            return
        units, output, kind = (1, "sigmoid", "binary") if k == 2 else (k, "softmax",
                                                                        "multiclass")
        self.model_ = self._new_model(n_features, units, output)
        # Fix the label -> output-unit map now, so later chunks may hold one class only.
        self._set_encoder(TargetEncoder(kind, units, np.arange(k), y_ndim=1))

    def _class_weights(self, index: np.ndarray, partial: bool) -> np.ndarray | None:
        """Weight of each sample's class, or None."""
        cw, k = self.class_weight, len(self.classes_)
        if cw is None:
            return None
        if self._multilabel():
            raise ValueError("class_weight is not supported for multi-label y; use "
                             "sample_weight")
        if isinstance(cw, str) and cw == "balanced":
            if partial:
                raise ValueError("class_weight='balanced' needs the whole training set, so "
                                 "partial_fit does not support it; pass a dict, e.g. from "
                                 "sklearn.utils.class_weight.compute_class_weight")
            counts = np.bincount(index, minlength=k)
            return (len(index) / (k * counts))[index]
        if not isinstance(cw, dict):
            raise TypeError(f"class_weight must be None, 'balanced' or a dict, got {cw!r}")
        per_class = np.ones(k)
        for label, weight in cw.items():
            where = np.flatnonzero(self.classes_ == label)
            if len(where) == 0:
                raise ValueError(f"class_weight has label {label!r}, which is not among the "
                                 f"classes {self.classes_.tolist()}")
            per_class[where[0]] = check_real(weight, f"class_weight[{label!r}]", minimum=0.0)
        return per_class[index]

    def _weights(self, sample_weight, index, partial: bool) -> np.ndarray | None:
        w = self._check_weights(sample_weight, len(index))
        cw = self._class_weights(index, partial)
        if cw is not None:
            w = cw if w is None else w * cw
        if w is None:
            return None
        if not w.any():
            raise ValueError("sample_weight (times class_weight) is all zero: there is no "
                             "sample to learn from")
        if not partial:
            if index.ndim == 1 and len(np.unique(index[w > 0])) < 2:
                raise ValueError("only one class has a non-zero sample weight; classification "
                                 "needs at least two classes")
            w = w * (len(w) / w.sum())  # mean 1 (see ``npmlp.sklearn``)
        return w

    def fit(self, X, y, sample_weight=None) -> MLPClassifier:
        """Train a new network on X (n, d) and labels y (n,), or a 0/1 label-indicator
        matrix y (n, k) (multi-label: k sigmoid outputs), for ``epochs`` epochs."""
        self._check_params()
        self.n_outputs_ = 1
        X, y = self._validate_Xy(X, y, reset=True)
        self.n_outputs_ = y.shape[1] if y.ndim == 2 else 1
        # the sorted labels, or 0..k-1 for a multi-label y (n, k) (scikit-learn's rule)
        self.classes_ = np.arange(y.shape[1]) if y.ndim == 2 else np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"y has one class only ({self.classes_.tolist()}); "
                             "classification needs at least two classes")
        index = self._indices(y)
        w = self._weights(sample_weight, index, partial=False)
        self._start(X.shape[1])
        self._train(X, index, w, first=True, epochs=int(self.epochs), validate=True)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None) -> MLPClassifier:
        """One epoch over the chunk (X, y); the first call needs ``classes`` (all labels)."""
        first = not hasattr(self, "model_")
        if first:
            self._check_params()
            self.n_outputs_ = np.shape(y)[1] if np.ndim(y) == 2 and np.shape(y)[1] > 1 else 1
            if self._multilabel() and classes is None:
                classes = np.arange(self.n_outputs_)  # multi-label: the label columns
            if classes is None:
                raise ValueError("classes must be given at the first call to partial_fit "
                                 "(every label that will ever appear)")
            classes = np.unique(np.asarray(classes))
            if len(classes) < 2:
                raise ValueError(f"classes must hold at least two classes, got "
                                 f"{classes.tolist()}")
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes {np.unique(classes).tolist()} differ from those of the "
                             f"first call: {self.classes_.tolist()}")
        X, y = self._validate_Xy(X, y, reset=first)
        if first:
            self.classes_ = classes
        index = self._indices(y)
        w = self._weights(sample_weight, index, partial=True)
        if first:
            self._start(X.shape[1])
        self._train(X, index, w, first=first, epochs=1, validate=False)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self)
        A = self._proba(self._validate_X(X, reset=False))
        if self._multilabel():  # one independent probability per label
            return A
        if A.shape[1] == 1:  # sigmoid output: p of classes_[1]
            return np.hstack([1.0 - A, A])
        return A

    def predict(self, X) -> np.ndarray:
        """The most probable label of each row, shape (n,); multi-label: 0/1 rows (n, k)."""
        proba = self.predict_proba(X)  # first: it raises NotFittedError before classes_ does
        if self._multilabel():
            return (proba > 0.5).astype(np.int64)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
