"""The whole comparison as one call: build the model, run parity and/or independent mode,
write the report. ``npmlp compare`` is a thin wrapper around ``compare``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from npmlp.api import build_mlp
from npmlp.compare.independent import IndependentResult, run_independent
from npmlp.compare.parity import ParityResult, run_parity
from npmlp.compare.report import write_report
from npmlp.model import MLP
from npmlp.optimizers import schedules

MODES = ("parity", "independent", "both")


def build_model(y, *, schedule: str | None = None, decay_steps: int = 1,
                decay_rate: float = 0.96, learning_rate: float = 0.01, **options) -> MLP:
    """``npmlp.api.build_mlp`` with the learning rate optionally a schedule given by name."""
    lr = learning_rate
    if schedule is not None:
        if schedule not in schedules.SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(schedules.SCHEDULES)}, "
                             f"got {schedule!r}")
        lr = schedules.SCHEDULES[schedule](learning_rate, decay_steps, decay_rate)
    return build_mlp(y, learning_rate=lr, **options)


@dataclass
class Comparison:
    """What ``compare`` produced: the results, where they were written, and the exit status."""

    parity: ParityResult | None
    independent: IndependentResult | None
    results: dict
    out: Path

    @property
    def passed(self) -> bool:
        return self.parity is None or self.parity.passed


def default_out() -> Path:
    """runs/compare-<timestamp>/"""
    return Path("runs") / f"compare-{datetime.datetime.now():%Y%m%d-%H%M%S}"


def compare(X, y, *, mode: str = "both", seeds: int = 5, seed: int = 0, batch_size: int = 32,
            epochs: int = 100, validation_split: float = 0.2, parity_dtype: str = "float64",
            independent_dtype: str = "float32", shuffle: bool = True, out=None,
            **model_options) -> Comparison:
    """Run the comparison on (X, y) and write the report to ``out``.

    Parity: ``build_model(y, seed=seed, dtype=parity_dtype, **model_options)`` trained by
    both frameworks from the same weights on the same batches. Independent: seeds
    ``seed, seed + 1, ...`` (``seeds`` of them), each framework on its own.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    out = default_out() if out is None else Path(out)
    parity = independent = None
    if mode in ("parity", "both"):
        model = build_model(y, seed=seed, dtype=parity_dtype, **model_options)
        parity = run_parity(model, X, y, batch_size=batch_size, epochs=epochs,
                            validation_split=validation_split, shuffle=shuffle)
    if mode in ("independent", "both"):
        independent = run_independent(
            lambda s: build_model(y, seed=s, dtype=independent_dtype, **model_options), X, y,
            seeds=list(range(seed, seed + seeds)), batch_size=batch_size, epochs=epochs,
            validation_split=validation_split, shuffle=shuffle)
    config = {"mode": mode, "n_samples": len(X), "n_features": int(np.asarray(X).shape[1]),
              "batch_size": batch_size, "epochs": epochs, "validation_split": validation_split,
              "shuffle": shuffle, "seed": seed, "seeds": seeds,
              "parity_dtype": parity_dtype if parity else None,
              "independent_dtype": independent_dtype if independent else None,
              **model_options}
    if parity is not None:
        config["model"] = model.get_config()
    results = write_report(out, config, parity, independent)
    return Comparison(parity, independent, results, out)
