"""Every layer class by the name its ``get_config()`` carries (a config without "class" is
a Dense: the files written before the other layers existed)."""

from __future__ import annotations

from npmlp.nn.dropout import Dropout
from npmlp.nn.layers import Activation, Dense, Layer
from npmlp.nn.normalization import BatchNormalization

LAYERS: dict[str, type[Layer]] = {
    "Dense": Dense, "Activation": Activation, "Dropout": Dropout,
    "BatchNormalization": BatchNormalization,
}


def layer_from_config(config: dict) -> Layer:
    """The layer a ``get_config()`` describes."""
    if not isinstance(config, dict):
        raise TypeError(f"a layer config must be a dict, got {type(config).__name__}")
    name = config.get("class", "Dense")
    if name not in LAYERS:
        raise ValueError(f"unknown layer class {name!r}; expected one of {sorted(LAYERS)}")
    return LAYERS[name].from_config(config)
