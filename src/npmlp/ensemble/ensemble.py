"""``Ensemble``: K copies of a template network, trained in one pass over the data.

Member k is the template with its own seed (initial weights and shuffling, exactly as
``MLP(seed=seeds[k])``) and its own hyper-parameters (``vary``), optionally trained on its own
bootstrap sample; ``members[k]`` is an ordinary ``npmlp.MLP``. ``fit`` trains them together
(``npmlp.ensemble.fitting``); predictions average the members.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from npmlp import saving
from npmlp._validation import check_positive_int, check_X
from npmlp.ensemble import fitting
from npmlp.ensemble.history import EnsembleHistory
from npmlp.ensemble.members import check_seeds, check_template, check_vary, member
from npmlp.ensemble.stacked import StackedMLP
from npmlp.model import state
from npmlp.model.loading import load as load_model
from npmlp.model.mlp import MLP
from npmlp.model.targets import TargetEncoder

KIND = "ensemble"  # the saved config's "kind" (npmlp.model.formats.register_kind)


class Ensemble:
    """``n_members`` networks like ``template`` (an unbuilt MLP), trained at once.

    ``seeds``: one per member (default: drawn from the template's seed). ``vary``: per-member
    hyper-parameters, ``{"learning_rate": [...], "momentum": [...], "l2": [...]}`` (one value
    per member; ``l2`` applies to every layer). ``bootstrap``: each member trains on its own
    sample of n rows drawn with replacement (recorded in ``samples``).
    """

    def __init__(self, template: MLP, n_members: int = 5, *, seeds=None, vary=None,
                 bootstrap: bool = False):
        check_template(template)
        self.n_members = check_positive_int(n_members, "n_members")
        if not isinstance(bootstrap, (bool, np.bool_)):
            raise TypeError(f"bootstrap must be True or False, got {bootstrap!r}")
        self.template = template
        self.seeds = check_seeds(seeds, self.n_members, template)
        self.vary = check_vary(vary, self.n_members, template)
        self.hyper = [{name: values[k] for name, values in self.vary.items()}
                      for k in range(self.n_members)]
        self.bootstrap = bool(bootstrap)
        self.members = [member(template, seed, hyper)
                        for seed, hyper in zip(self.seeds, self.hyper)]
        self.samples: list[np.ndarray] | None = None
        self.diverged: dict[int, tuple[int, int]] = {}
        self.interrupted = False   # set when Ctrl-C stopped fit()
        self.history = EnsembleHistory(self.members)

    @property
    def built(self) -> bool:
        return self.members[0].built

    def fit(self, X, y, batch_size: int = 32, epochs: int = 1,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
            verbose: int = 1, callbacks=None, threads: int | None = None) -> EnsembleHistory:
        """Train every member at once, each as ``MLP.fit`` would (Keras's semantics);
        callbacks are copied for each member (EarlyStopping stops members one by one).
        ``threads``: BLAS threads (default: chosen from one member's layer sizes)."""
        return fitting.fit(self, X, y, batch_size=batch_size, epochs=epochs,
                           validation_split=validation_split, validation_data=validation_data,
                           shuffle=shuffle, verbose=verbose, callbacks=callbacks,
                           threads=threads)

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise RuntimeError(f"the ensemble has no weights yet: call fit() before {what}")

    def member_proba(self, X) -> np.ndarray:
        """Every member's output activations (K, n, units), in one stacked pass."""
        self._require_built("predict")
        first = self.members[0]
        first.check_feature_names(X)
        X = check_X(X, first.dtype, n_features=first.input_dim)
        stack = fitting.make_stack(self, list(range(self.n_members)))
        return stack.predict_stack(X)

    def predict_proba(self, X, return_std: bool = False):
        """The members' mean output (n, units); with ``return_std`` also their standard
        deviation (n, units)."""
        A = self.member_proba(X)
        mean = A.mean(axis=0)
        return (mean, A.std(axis=0)) if return_std else mean

    def predict(self, X) -> np.ndarray:
        """Labels (or values) of the averaged output, in the user's own values."""
        A = self.predict_proba(X)
        first = self.members[0]
        encoder = first.encoder or TargetEncoder(
            first.kind, first.layers[-1].units,
            np.array([0, 1]) if first.kind == "binary" else None)
        return encoder.decode(A)

    def evaluate(self, X, y, batch_size: int = 32) -> dict[str, np.ndarray]:
        """{"loss": (K,), metric: (K,)}: each member's ``evaluate``."""
        self._require_built("evaluate")
        results = [m.evaluate(X, y, batch_size) for m in self.members]
        return {name: np.array([r[name] for r in results]) for name in results[0]}

    def best(self, metric: str = "val_loss", mode: str = "auto") -> MLP:
        """The member whose last ``metric`` is best (highest for names with "acc" in them
        with ``mode="auto"``, else lowest; a diverged member never wins)."""
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self._require_built("best()")
        if metric not in self.history.keys:
            raise ValueError(f"metric {metric!r} was not logged; logged: {self.history.keys}")
        last = np.array([self.history[k].history[metric][-1]
                         if self.history[k].history.get(metric) else np.nan
                         for k in range(self.n_members)])
        for k in self.diverged:
            last[k] = np.nan
        if np.isnan(last).all():
            raise ValueError(f"no member has a finite {metric!r}")
        maximise = ("acc" in metric) if mode == "auto" else mode == "max"
        k = int(np.nanargmax(last) if maximise else np.nanargmin(last))
        return self.members[k]

    def stack(self) -> StackedMLP:
        """All members as one StackedMLP (copies of their weights), for stacked passes."""
        self._require_built("stack()")
        return fitting.make_stack(self, list(range(self.n_members)))

    def save(self, path: str | Path) -> None:
        """Write every member, the seeds, ``vary`` and the bootstrap samples to one .npz
        (atomically, never pickled; read back with ``Ensemble.load`` or ``npmlp.load``)."""
        self._require_built("save()")
        arrays, members = {}, []
        for k, m in enumerate(self.members):
            config, member_arrays = state.contents(m)
            arrays.update({f"m{k}_{name}": value for name, value in member_arrays.items()})
            members.append(config)
        for k, sample in enumerate(self.samples or []):
            arrays[f"sample_{k}"] = sample.astype(np.int64)
        template = {**self.template.get_config(), "input_dim": self.members[0].input_dim}
        config = {"kind": KIND, "members": members, "ensemble": {
            "template": template, "n_members": self.n_members, "seeds": self.seeds,
            "vary": self.vary, "bootstrap": self.bootstrap,
            "diverged": [[k, e, b] for k, (e, b) in self.diverged.items()]}}
        saving.write(path, config, arrays)

    @staticmethod
    def load(path: str | Path) -> Ensemble:
        """Read an ensemble written by ``save`` (``npmlp.load`` reads it too)."""
        loaded = load_model(path)
        if not isinstance(loaded, Ensemble):
            raise ValueError(f"{path} holds a single model, not an ensemble: use npmlp.load")
        return loaded

    def __len__(self) -> int:
        return self.n_members

    def __repr__(self) -> str:
        vary = f", vary={list(self.vary)}" if self.vary else ""
        return (f"Ensemble({self.members[0]!r}, n_members={self.n_members}{vary}"
                f"{', bootstrap=True' if self.bootstrap else ''})")
