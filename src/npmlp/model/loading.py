"""``npmlp.load``: rebuild a model from its file, checking everything before trusting it."""

from __future__ import annotations

import os
from pathlib import Path

from npmlp import saving
from npmlp._validation import check_positive_int
from npmlp.model import formats, state
from npmlp.model.mlp import MLP
from npmlp.nn.registry import layer_from_config
from npmlp.optimizers import from_config as optimizer_from_config
from npmlp.saving import ModelFileError


def model_from_config(mc: dict, path) -> tuple[MLP, int]:
    """The unbuilt model a saved ``get_config()`` describes, and its input width (checked)."""
    layers = [layer_from_config(c) for c in mc["layers"]]
    model = MLP(layers, loss=mc["loss"]["name"], seed=mc["seed"], dtype=mc["dtype"],
                optimizer=optimizer_from_config(mc["optimizer"]))
    if "split_seed" in mc:
        model.split_seed = check_positive_int(mc["split_seed"], "split_seed", 0)
    names = mc.get("feature_names")
    if names is not None:
        if not isinstance(names, list) or not all(isinstance(c, str) for c in names):
            raise ModelFileError(f"{path}: feature_names must be a list of str")
        model.feature_names = names
    if mc["input_dim"] is None:
        raise ModelFileError(f"{path}: the saved model has no weights")
    input_dim = check_positive_int(mc["input_dim"], "input_dim")
    if model.feature_names is not None and len(model.feature_names) != input_dim:
        raise ModelFileError(f"{path}: {len(model.feature_names)} feature_names "
                             f"for {input_dim} inputs")
    return model, input_dim


def _plan(config: dict, path: Path):
    """The model the config describes and the arrays it implies (for another registered
    kind of file, what its planner says, with its finishing step)."""
    kind = config.get("kind", "mlp")
    if kind != "mlp":
        if kind not in formats.KINDS:
            raise ModelFileError(f"{path}: unknown kind of npmlp file {kind!r}")
        plan, finish = formats.KINDS[kind]
        planned, expected = plan(config, path)
        return (finish, planned), expected
    model, input_dim = model_from_config(config["model"], path)
    prep = config.get("preprocessing")  # checked in full where it is applied (datasets)
    if prep is not None:
        if not isinstance(prep, dict) or model.feature_names is None:
            raise ModelFileError(f"{path}: preprocessing must be a dict, with feature_names")
        model.preprocessing = prep
    return (None, model), state.expected_arrays(model, input_dim, config)


def load(path: str | Path):
    """Read a model written by ``save`` (or by a registered format: a .safetensors file of
    ``export``); nothing is ever unpickled, every array is checked."""
    if isinstance(path, (str, os.PathLike)) and Path(path).is_file():
        with open(path, "rb") as f:
            head = f.read(16)
        for sniff, read in formats.READERS:
            if sniff(head):
                return read(Path(path))
    config, arrays, (finish, model) = saving.read(path, _plan)
    if finish is not None:
        return finish(model, config, arrays, path)
    try:
        model.build(config["model"]["input_dim"])
        state.restore(model, config, arrays, path)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ModelFileError(f"{path}: invalid model config: {exc}") from None
    return model
