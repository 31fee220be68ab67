"""Optimizers with Keras 3's update rules, and learning-rate schedules."""

from npmlp._registry import Registry
from npmlp.optimizers import schedules
from npmlp.optimizers.adam import Adam
from npmlp.optimizers.base import Optimizer
from npmlp.optimizers.rmsprop import RMSprop
from npmlp.optimizers.sgd import SGD

_REGISTRY = Registry("optimizer", [SGD, Adam, RMSprop])
NAMES = _REGISTRY.names

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "schedules", "get", "from_config", "NAMES"]


def get(identifier, **kwargs) -> Optimizer:
    """An Optimizer from its name ("sgd", "adam", "rmsprop") or itself."""
    return _REGISTRY.get(identifier, Optimizer, **kwargs)


def from_config(config: dict) -> Optimizer:
    """Rebuild an optimizer (without its state) from ``get_config()``."""
    config = dict(config)
    name = config.pop("name")
    if isinstance(config["learning_rate"], dict):
        config["learning_rate"] = schedules.from_config(config["learning_rate"])
    return get(name, **config)
