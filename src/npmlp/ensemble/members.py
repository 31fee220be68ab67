"""The members of an ensemble as ordinary models: the template with member k's seed and
hyper-parameters, checked once here (``n_members``, ``seeds``, ``vary``)."""

from __future__ import annotations

import numpy as np

from npmlp._validation import check_positive_int, check_real
from npmlp.model.mlp import MLP
from npmlp.nn.layers import Dense
from npmlp.nn.regularizers import L2
from npmlp.optimizers import from_config as optimizer_from_config

VARY = ("learning_rate", "momentum", "l2")


def check_template(template) -> None:
    """An unbuilt MLP of Dense layers whose optimizer the stack can run."""
    if not isinstance(template, MLP):
        raise TypeError(f"template must be an unbuilt npmlp.MLP, got {type(template).__name__}")
    if template.built:
        raise ValueError("template must be unbuilt (no input_dim, never fitted): the "
                         "ensemble builds each member from its own seed")
    if not all(type(layer) is Dense for layer in template.layers):
        raise TypeError("template's layers must all be npmlp.Dense")
    opt = template.optimizer
    if opt.clipnorm is not None or opt.global_clipnorm is not None:
        raise ValueError("an ensemble does not clip gradients yet: give the template's "
                         "optimizer no clipnorm/global_clipnorm")
    if not opt.elementwise:
        raise ValueError(f"an ensemble needs an elementwise optimizer, not {opt.name}")


def check_seeds(seeds, n_members: int, template: MLP) -> list[int]:
    """``seeds`` (n_members ints >= 0), or n_members drawn from the template's seed."""
    if seeds is None:
        drawn = np.random.SeedSequence(template.seed).generate_state(n_members, np.uint32)
        return [int(s) for s in drawn]
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__len__"):
        raise TypeError(f"seeds must be a list of {n_members} ints, got {type(seeds).__name__}")
    seeds = list(seeds)
    if len(seeds) != n_members:
        raise ValueError(f"seeds has {len(seeds)} entries; n_members={n_members} needs "
                         f"{n_members}")
    return [check_positive_int(s, f"seeds[{i}]", minimum=0) for i, s in enumerate(seeds)]


def check_vary(vary, n_members: int, template: MLP) -> dict[str, list[float]]:
    """{name: n_members values} for names in VARY that the template's optimizer has."""
    if vary is None:
        return {}
    if not isinstance(vary, dict):
        raise TypeError(f"vary must be a dict {{name: [one value per member]}}, got "
                        f"{type(vary).__name__}")
    out = {}
    for name, values in vary.items():
        if name not in VARY:
            raise ValueError(f"vary names an unknown hyper-parameter {name!r}; valid names: "
                             f"{', '.join(VARY)}")
        if name == "momentum" and template.optimizer.name not in ("sgd", "rmsprop"):
            raise ValueError(f"vary['momentum'] needs an SGD or RMSprop optimizer, not "
                             f"{template.optimizer.name}")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
            raise TypeError(f"vary[{name!r}] must be a list of {n_members} numbers")
        values = list(values)
        if len(values) != n_members:
            raise ValueError(f"vary[{name!r}] has {len(values)} values; n_members="
                             f"{n_members} needs one per member")
        positive = name == "learning_rate"
        out[name] = [check_real(v, f"vary[{name!r}][{i}]", minimum=0.0, exclusive_min=positive,
                                maximum=1.0 if name == "momentum" else None,
                                exclusive_max=name == "momentum")
                     for i, v in enumerate(values)]
    return out


def member(template: MLP, seed: int, hyper: dict[str, float]) -> MLP:
    """The template with ``seed`` and the hyper-parameters ``hyper`` (an unbuilt MLP)."""
    layers = []
    for layer in template.layers:
        layer = Dense.from_config(layer.get_config())
        if "l2" in hyper:
            layer.kernel_regularizer = L2(hyper["l2"])
        layers.append(layer)
    opt = template.optimizer.get_config()
    for name in ("learning_rate", "momentum"):
        if name in hyper:
            opt[name] = hyper[name]
    return MLP(layers, loss=template.loss.get_config()["name"], seed=seed,
               optimizer=optimizer_from_config(opt), dtype=template.dtype.name)
