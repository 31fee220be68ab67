"""Independent mode: each framework initialises and shuffles on its own, over several seeds.

For seed ``s`` npmlp builds its model with ``seed=s`` (all seeds trained at once as an
``npmlp.Ensemble`` whose member k is exactly that model's fit); Keras gets the same architecture,
optimizer and dtype after ``keras.utils.set_random_seed(s)`` and trains with its own
``shuffle=True``. Per epoch we report mean and standard deviation over seeds, and for the
final epoch a bootstrap confidence interval of the difference of the mean accuracy
(npmlp - Keras), resampling the seeds of each framework with replacement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from npmlp.compare.keras_bridge import keras_floatx, to_keras
from npmlp.ensemble import Ensemble
from npmlp.model import MLP

FRAMEWORKS = ("npmlp", "keras")


def bootstrap_diff_ci(a, b, *, n_boot: int = 10_000, level: float = 0.95,
                      seed: int = 0) -> tuple[float, float, float]:
    """(mean(a) - mean(b), low, high): percentile bootstrap, each group resampled apart."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        raise ValueError("bootstrap needs at least one value in each group")
    rng = np.random.default_rng(seed)
    means_a = a[rng.integers(0, a.size, (n_boot, a.size))].mean(axis=1)
    means_b = b[rng.integers(0, b.size, (n_boot, b.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means_a - means_b, [tail, 100 - tail])
    return float(a.mean() - b.mean()), float(low), float(high)


@dataclass
class IndependentResult:
    """Histories per seed for both frameworks, with per-epoch and final statistics."""

    seeds: list[int]
    metric: str                       # "accuracy" or "mae"
    histories: dict                   # framework -> list of History dicts (one per seed)

    def stats(self, framework: str) -> dict:
        """key -> {"mean": [...], "std": [...]} per epoch (population std over seeds)."""
        runs = self.histories[framework]
        out = {}
        for key in runs[0]:
            length = min(len(h[key]) for h in runs)
            values = np.array([h[key][:length] for h in runs], dtype=np.float64)
            out[key] = {"mean": values.mean(axis=0).tolist(), "std": values.std(axis=0).tolist()}
        return out

    def finals(self, framework: str, key: str) -> list[float]:
        return [h[key][-1] for h in self.histories[framework] if h.get(key)]

    @property
    def ci_key(self) -> str:
        """The metric the confidence interval is about: validation if there is one."""
        return f"val_{self.metric}" if f"val_{self.metric}" in self.histories["npmlp"][0] \
            else self.metric

    def difference_ci(self) -> tuple[float, float, float]:
        """Bootstrap 95% CI of mean final ``ci_key`` npmlp minus Keras."""
        return bootstrap_diff_ci(self.finals("npmlp", self.ci_key),
                                 self.finals("keras", self.ci_key))

    def table(self) -> list[dict]:
        """One row per framework: final value mean and std of each History key."""
        rows = []
        for fw in FRAMEWORKS:
            row = {"model": fw}
            for key in self.histories[fw][0]:
                values = np.array(self.finals(fw, key))
                row[key] = (float(values.mean()), float(values.std()))
            rows.append(row)
        return rows

    def to_dict(self) -> dict:
        diff, low, high = self.difference_ci()
        return {"seeds": self.seeds, "metric": self.metric, "histories": self.histories,
                "stats": {fw: self.stats(fw) for fw in FRAMEWORKS},
                "final": self.table(),
                "difference": {"key": self.ci_key, "npmlp_minus_keras": diff,
                               "ci95": [low, high]}}


def as_ensemble(models: list[MLP]) -> Ensemble | None:
    """The models as one Ensemble when they differ only in their seeds (unbuilt, seeded, same
    architecture, loss, optimizer and dtype), else None (they are then trained one by one)."""
    first = models[0]

    def config(m):
        return {k: v for k, v in m.get_config().items() if k not in ("seed", "split_seed")}

    if any(m.built or m.seed is None or config(m) != config(first) for m in models):
        return None
    try:
        return Ensemble(first, len(models), seeds=[m.seed for m in models])
    except (TypeError, ValueError):   # a template the stack cannot run (clipnorm, ...)
        return None


def run_independent(make_model: Callable[[int], MLP], X, y, *, seeds=5, batch_size: int = 32,
                    epochs: int = 1, validation_split: float = 0.0,
                    shuffle: bool = True) -> IndependentResult:
    """Train ``make_model(seed)`` and its Keras twin (own initialisation) for each seed.

    ``seeds`` is a count (seeds 0..N-1) or a list of seeds.
    """
    if not callable(make_model):
        raise TypeError(f"make_model must be a function seed -> npmlp.MLP, got {make_model!r}")
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {seeds}")
        seeds = list(range(int(seeds)))
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    histories = {fw: [] for fw in FRAMEWORKS}
    models = []
    for s in seeds:
        model = make_model(s)
        if not isinstance(model, MLP):
            raise TypeError(f"make_model({s}) returned {type(model).__name__}, not npmlp.MLP")
        models.append(model)
    ensemble = as_ensemble(models)
    if ensemble is not None:   # the same seeds trained at once: each member is that MLP's fit
        ensemble.fit(X, y, batch_size=batch_size, epochs=epochs,
                     validation_split=validation_split, shuffle=shuffle, verbose=0)
        models = ensemble.members
    else:
        for model in models:
            model.fit(X, y, batch_size=batch_size, epochs=epochs,
                      validation_split=validation_split, shuffle=shuffle, verbose=0)
    metric = models[0].metric_name
    for s, model in zip(seeds, models):
        histories["npmlp"].append(dict(model.history.history))
        X_all, Y_all = model._prepare(X, y, fitting=False)
        with keras_floatx(model.dtype) as keras:
            keras.utils.set_random_seed(s)
            k_model = to_keras(model, copy_weights=False)
            kh = k_model.fit(X_all, Y_all, batch_size=batch_size, epochs=epochs,
                             validation_split=validation_split, shuffle=shuffle, verbose=0)
        histories["keras"].append({k: [float(v) for v in vals] for k, vals in kh.history.items()})
    return IndependentResult(seeds, metric, histories)
