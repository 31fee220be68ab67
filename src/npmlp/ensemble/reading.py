"""Reading a saved ensemble: registered with ``npmlp.load`` as the ``"ensemble"`` kind.

Each member is checked and restored exactly as a single saved model (``npmlp.model.state``),
from the arrays named ``m<k>_<name>``; nothing is unpickled."""

from __future__ import annotations

import numpy as np

from npmlp.ensemble.ensemble import KIND, Ensemble
from npmlp.model import formats, state
from npmlp.model.loading import model_from_config
from npmlp.saving import ModelFileError


def plan(config: dict, path):
    """(ensemble, expected arrays) for a saved ensemble's config."""
    spec = config["ensemble"]
    template, input_dim = model_from_config(spec["template"], path)
    ensemble = Ensemble(template, spec["n_members"], seeds=spec["seeds"],
                        vary=spec["vary"] or None, bootstrap=spec["bootstrap"])
    member_configs = config["members"]
    if not isinstance(member_configs, list) or len(member_configs) != ensemble.n_members:
        raise ModelFileError(f"{path}: {ensemble.n_members} members expected")
    expected = {}
    for k, mc in enumerate(member_configs):
        model, dim = model_from_config(mc["model"], path)
        if dim != input_dim:
            raise ModelFileError(f"{path}: member {k} has {dim} inputs, not {input_dim}")
        ensemble.members[k] = model
        prefix = f"m{k}_"
        own = {name[len(prefix):]: spec for name, spec in config["arrays"].items()
               if name.startswith(prefix)}
        for name, value in state.expected_arrays(model, dim, {**mc, "arrays": own}).items():
            expected[f"m{k}_{name}"] = value
    if spec["bootstrap"]:
        for k in range(ensemble.n_members):
            shape = config["arrays"][f"sample_{k}"]["shape"]
            if len(shape) != 1 or not 0 < int(shape[0]) <= 2**40:
                raise ModelFileError(f"{path}: sample_{k} must be 1-D")
            expected[f"sample_{k}"] = ((int(shape[0]),), np.dtype(np.int64).str)
    return ensemble, expected


def finish(ensemble: Ensemble, config: dict, arrays: dict, path) -> Ensemble:
    """Restore every member's weights, optimizer, generator, encoder and History."""
    for k, (m, mc) in enumerate(zip(ensemble.members, config["members"])):
        prefix = f"m{k}_"
        own = {name[len(prefix):]: value for name, value in arrays.items()
               if name.startswith(prefix)}
        m.build(mc["model"]["input_dim"])
        state.restore(m, mc, own, path)
    if ensemble.bootstrap:
        ensemble.samples = [arrays[f"sample_{k}"] for k in range(ensemble.n_members)]
        n = ensemble.samples[0].shape[0]
        if any(s.shape != (n,) or s.min() < 0 or s.max() >= n for s in ensemble.samples):
            raise ModelFileError(f"{path}: bootstrap samples must index the n={n} rows")
    ensemble.diverged = {int(k): (int(e), int(b)) for k, e, b in config["ensemble"]["diverged"]}
    return ensemble


formats.register_kind(KIND, plan, finish)
