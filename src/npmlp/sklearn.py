"""scikit-learn estimators around ``npmlp.MLP``: ``MLPClassifier`` and ``MLPRegressor``.

They follow scikit-learn's conventions (the constructor only stores parameters; ``fit``
validates them and the data; fitted attributes end in ``_``), so they work in ``Pipeline``,
``GridSearchCV``, ``cross_val_score``, ``clone`` and ``dask_ml.wrappers.Incremental``.

Sample weights (``fit``): each sample's loss is multiplied by its weight and a batch's loss is
divided by the batch size (Keras's rule). Before training, the weights (``sample_weight``
times the ``class_weight`` of each sample's class) are rescaled to mean 1 over the data given
to ``fit``, so ``learning_rate`` means the same with or without weights and multiplying every
weight by a constant changes nothing. With full-batch training (``batch_size >= n``) a weight
0 is then exactly the same as dropping that row, and an integer weight k the same as
repeating the row k times. ``partial_fit`` sees one chunk at a time and uses the weights as
given (no rescaling), so the relative weight of chunks is kept.
"""

from __future__ import annotations

import numbers

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
except ImportError as exc:  # validate_data is new in scikit-learn 1.6
    raise ImportError("npmlp.sklearn needs scikit-learn >= 1.6: "
                      "pip install 'npmlp[sklearn]'") from exc

from npmlp import optimizers
from npmlp._validation import check_dtype, check_positive_int, check_real, check_sample_weight
from npmlp.api import hidden_layers
from npmlp.callbacks import EarlyStopping, History
from npmlp.ensemble import Ensemble
from npmlp.model import MLP
from npmlp.model.targets import TargetEncoder
from npmlp.nn.layers import Dense
from npmlp.nn.regularizers import L2

__all__ = ["MLPClassifier", "MLPRegressor"]

# Hidden activations, with scikit-learn's names for the same functions.
ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "logistic": "sigmoid",
               "leaky_relu": "leaky_relu", "linear": "linear", "identity": "linear"}
OPTIMIZERS = ("sgd", "adam", "rmsprop")


def _bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


class _BaseMLP(BaseEstimator):
    """Shared parameters, validation and training; subclasses define the output and targets."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, optimizer="adam",
                 learning_rate=0.001, momentum=0.9, batch_size=32, epochs=200, l2=0.0,
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 shuffle=True, random_state=None, dtype="float64", verbose=0, n_members=1,
                 dropout=0.0, batch_norm=False):
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.l2 = l2
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose
        self.n_members = n_members

    # --- parameters -------------------------------------------------------------------------

    def _check_params(self) -> None:
        """Validate every constructor parameter (scikit-learn defers this to fit)."""
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, numbers.Integral) else sizes
        if isinstance(sizes, str) or not hasattr(sizes, "__iter__"):
            raise TypeError(f"hidden_layer_sizes must be an int or a sequence of ints, got "
                            f"{self.hidden_layer_sizes!r}")
        self._sizes = [check_positive_int(s, "hidden_layer_sizes[i]") for s in sizes]
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got "
                             f"{self.activation!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        check_real(self.learning_rate, "learning_rate", minimum=0.0, exclusive_min=True)
        check_real(self.momentum, "momentum", minimum=0.0, maximum=1.0, exclusive_max=True)
        if self.batch_size != "auto":
            check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.epochs, "epochs")
        check_real(self.l2, "l2", minimum=0.0)
        _bool(self.early_stopping, "early_stopping")
        check_real(self.validation_fraction, "validation_fraction", minimum=0.0, maximum=1.0,
                   exclusive_min=True, exclusive_max=True)
        check_positive_int(self.n_iter_no_change, "n_iter_no_change")
        _bool(self.shuffle, "shuffle")
        check_real(self.dropout, "dropout", minimum=0.0, maximum=1.0, exclusive_max=True)
        _bool(self.batch_norm, "batch_norm")
        check_dtype(self.dtype)
        check_positive_int(self.n_members, "n_members")
        if self.verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0, 1 or 2, got {self.verbose!r}")
        rs = self.random_state
        if rs is None or isinstance(rs, np.random.RandomState):
            return
        if isinstance(rs, bool) or not isinstance(rs, numbers.Integral) or not 0 <= rs < 2**32:
            raise ValueError(f"random_state must be None, an int in [0, 2**32) or a "
                             f"numpy RandomState, got {rs!r}")

    def _seed(self) -> int | None:
        """The npmlp seed: the int itself (so it matches MLP(seed=...)), or one drawn."""
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(np.iinfo(np.int32).max))
        return None if rs is None else int(rs)

    def _batch_size(self, n: int) -> int:
        return min(200, n) if self.batch_size == "auto" else int(self.batch_size)

    def _new_model(self, n_features: int, units: int, output: str) -> MLP:
        reg = L2(self.l2) if self.l2 else None
        layers = hidden_layers(self._sizes, ACTIVATIONS[self.activation], regularizer=reg,
                               dropout=self.dropout, batch_norm=bool(self.batch_norm))
        layers.append(Dense(units, output, kernel_regularizer=reg))
        options = {"learning_rate": float(self.learning_rate)}
        if self.optimizer == "sgd":
            options["momentum"] = float(self.momentum)
        model = MLP(layers, optimizer=optimizers.get(self.optimizer, **options),
                    seed=self._seed(), dtype=self.dtype)
        self.ensemble_ = None
        if self.n_members > 1:
            # Members seeded from the model's seed; model_ is member 0, predictions average.
            self.ensemble_ = Ensemble(model, int(self.n_members))
            for member in self.ensemble_.members:
                member.build(n_features)
            return self.ensemble_.members[0]
        return model.build(n_features)

    def _set_encoder(self, encoder: TargetEncoder) -> None:
        """Give model_ (and every ensemble member) the label -> output map."""
        for model in self.ensemble_.members if self.ensemble_ is not None else [self.model_]:
            model.encoder = encoder

    def _proba(self, X) -> np.ndarray:
        """The output activations: model_'s, or the members' mean."""
        if self.ensemble_ is not None:
            return self.ensemble_.predict_proba(X)
        return self.model_.predict_proba(X)

    @staticmethod
    def _check_weights(sample_weight, n: int) -> np.ndarray | None:
        return check_sample_weight(sample_weight, n, np.float64)

    # --- training ---------------------------------------------------------------------------

    def _train(self, X, t, w, *, first: bool, epochs: int, validate: bool):
        """Run model_.fit on validated X and encoded targets t; record the history."""
        callbacks, fraction, split = None, 0.0, "tail"
        if validate and self.early_stopping:
            fraction = self.validation_fraction
            split = "stratified" if isinstance(self, ClassifierMixin) else "random"
            callbacks = [EarlyStopping("val_loss", patience=self.n_iter_no_change,
                                       restore_best_weights=True)]
        options = dict(batch_size=self._batch_size(X.shape[0]), epochs=epochs,
                       validation_split=fraction, shuffle=self.shuffle, verbose=self.verbose,
                       callbacks=callbacks)
        if self.ensemble_ is None:
            history = self.model_.fit(X, t, split=split, sample_weight=w, **options)
        else:
            history = self._train_members(X, t, w, split, options)
        if first:
            self.history_ = History()
        for i in range(len(history.epoch)):  # partial_fit: one History across the calls
            logs = {k: v[i] for k, v in history.history.items()}
            self.history_.on_epoch_end(len(self.history_.epoch), logs)
        self.loss_curve_ = list(self.history_.loss)
        self.n_iter_ = len(self.history_.epoch)

    def _train_members(self, X, t, w, split, options) -> History:
        """All members at once (an Ensemble fit) when it has the same semantics (no sample
        weights, the tail split), else one by one; returns the members' mean History."""
        members = self.ensemble_.members
        if w is None and (split == "tail" or not options["validation_split"]):
            self.ensemble_.fit(X, t, **options)
        else:
            for member in members:
                member.fit(X, t, split=split, sample_weight=w, **options)
        epochs = min(len(m.history.epoch) for m in members)
        mean = History()
        for i in range(epochs):
            mean.on_epoch_end(i, {k: float(np.mean([m.history.history[k][i] for m in members]))
                                  for k in members[0].history.history})
        return mean

    def _validate_X(self, X, reset: bool):
        return validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multi-layer perceptron classifier (npmlp's MLP; softmax output, or sigmoid for two
    classes, or one sigmoid per label for a 0/1 label-indicator y) for scikit-learn.
    ``class_weight``: None, "balanced" (``n / (k * count_c)``) or a dict ``{label: weight}``;
    it multiplies ``sample_weight`` (see the module docstring).

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
            w = w * (len(w) / w.sum())  # mean 1 (see the module docstring)
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


class MLPRegressor(RegressorMixin, _BaseMLP):
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
        return w if partial else w * (n / w.sum())  # mean 1 (see the module docstring)

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
