"""What MLPClassifier and MLPRegressor share: the constructor's parameters, their checks,
building the npmlp model (or ensemble) and training it with a History across calls."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import validate_data

from npmlp import optimizers
from npmlp._validation import check_dtype, check_positive_int, check_real, check_sample_weight
from npmlp.api import hidden_layers
from npmlp.callbacks import EarlyStopping, History
from npmlp.ensemble import Ensemble
from npmlp.model import MLP
from npmlp.model.targets import TargetEncoder
from npmlp.nn.layers import Dense
from npmlp.nn.regularizers import L2

# Hidden activations, with scikit-learn's names for the same functions.
ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "logistic": "sigmoid",
               "leaky_relu": "leaky_relu", "linear": "linear", "identity": "linear"}
OPTIMIZERS = ("sgd", "adam", "rmsprop")


def check_bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


class BaseMLP(BaseEstimator):
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
        check_bool(self.early_stopping, "early_stopping")
        check_real(self.validation_fraction, "validation_fraction", minimum=0.0, maximum=1.0,
                   exclusive_min=True, exclusive_max=True)
        check_positive_int(self.n_iter_no_change, "n_iter_no_change")
        check_bool(self.shuffle, "shuffle")
        check_real(self.dropout, "dropout", minimum=0.0, maximum=1.0, exclusive_max=True)
        check_bool(self.batch_norm, "batch_norm")
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
