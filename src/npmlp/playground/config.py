"""The playground's experiment configuration: limits, defaults, validation.

A configuration is a JSON object (what the page sends and what its URL encodes). ``parse``
checks every field against ``LIMITS`` and raises ``ConfigError`` (a ValueError) naming the
field and what was expected; the server answers it with 400 and that message.
Each hidden layer is an object ``{"units", "activation", "dropout", "batch_norm"}``: the
units the page draws as one column, with batch normalization before the activation and
dropout after it as options of that column (``network.block`` makes the npmlp layers).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, field

import npmlp

DATASETS = ("moons", "circles", "spirals", "xor", "blobs", "upload")
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2")
HIDDEN_ACTIVATIONS = tuple(a for a in npmlp.activations.NAMES if a != "softmax")
OPTIMIZERS = tuple(npmlp.optimizers.NAMES)
LOSSES = ("auto", "mse")          # auto: cross-entropy for labels, squared error for values
LAYER_TYPES = ("dense",)          # the one kind of column; "type" may be left out
MAX_DROPOUT = 0.9


@dataclass(frozen=True)
class Limits:
    """What one session may ask for (each refused with a 4xx naming the limit)."""

    max_hidden_layers: int = 8
    max_units: int = 32
    min_points: int = 20
    max_points: int = 2000
    max_classes: int = 8
    max_upload_bytes: int = 1_000_000
    max_upload_rows: int = 5000
    max_uploads: int = 32
    max_sessions: int = 32
    max_epochs: int = 100_000
    max_check_epochs: int = 500
    max_json_bytes: int = 64_000


LIMITS = Limits()


class ConfigError(ValueError):
    """A configuration field is missing, of the wrong type or out of its range."""


@dataclass
class LayerSpec:
    """One hidden layer: ``{"units": 8, "activation": "tanh", "dropout": 0.2,
    "batch_norm": true}`` (dropout: the rate after the activation, 0 for none)."""

    type: str = "dense"
    units: int = 4
    activation: str = "tanh"
    dropout: float = 0.0
    batch_norm: bool = False


@dataclass
class Config:
    """Everything that defines an experiment; the same config gives the same numbers."""

    data: str = "circles"
    upload: str | None = None
    points: int = 500
    noise: float = 0.1
    classes: int = 2
    train_pct: int = 70
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])
    layers: list[LayerSpec] = field(
        default_factory=lambda: [LayerSpec(units=8), LayerSpec(units=8)])
    optimizer: str = "adam"
    learning_rate: float = 0.03
    l2: float = 0.0
    batch_size: int = 10
    seed: int = 1
    loss: str = "auto"

    def to_dict(self) -> dict:
        return asdict(self)


def _field(name: str, where: str) -> str:
    return f"{where}.{name}" if where else name


def _int(raw: dict, name: str, low: int, high: int, default: int, where: str = "") -> int:
    value, name = raw.get(name, default), _field(name, where)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return int(value)


def _real(raw: dict, name: str, low: float, high: float, default: float,
          where: str = "") -> float:
    value, name = raw.get(name, default), _field(name, where)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if not (math.isfinite(value) and low <= value <= high):
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    return float(value)


def _choice(raw: dict, name: str, choices: tuple, default: str, where: str = "") -> str:
    value = raw.get(name, default)
    if value not in choices:
        raise ConfigError(f"{_field(name, where)} must be one of {', '.join(choices)}; "
                          f"got {value!r}")
    return value


def _layer(raw, i: int, limits: Limits) -> LayerSpec:
    where = f"layers[{i}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be an object like "
                          f'{{"units": 4, "activation": "tanh", "dropout": 0, '
                          f'"batch_norm": false}}')
    unknown = set(raw) - set(LayerSpec.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"{where} has unknown fields {sorted(unknown)}")
    kind = raw.get("type", "dense")
    if kind not in LAYER_TYPES:
        raise ConfigError(f"{where}.type must be one of {', '.join(LAYER_TYPES)}; got {kind!r}")
    units = _int(raw, "units", 1, limits.max_units, 4, where)
    activation = _choice(raw, "activation", HIDDEN_ACTIVATIONS, "tanh", where)
    dropout = _real(raw, "dropout", 0.0, MAX_DROPOUT, 0.0, where)
    batch_norm = raw.get("batch_norm", False)
    if not isinstance(batch_norm, bool):
        raise ConfigError(f"{where}.batch_norm must be true or false, got {batch_norm!r}")
    return LayerSpec(kind, units, activation, dropout, batch_norm)


def parse(raw, limits: Limits = LIMITS) -> Config:
    """A validated Config from a JSON object (missing fields take their defaults)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"the configuration must be a JSON object, got {type(raw).__name__}")
    unknown = set(raw) - set(Config.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"unknown configuration fields {sorted(unknown)}; expected "
                          f"{', '.join(Config.__dataclass_fields__)}")
    d = Config()
    data = _choice(raw, "data", DATASETS, d.data)
    upload = raw.get("upload")
    if data == "upload" and not isinstance(upload, str):
        raise ConfigError("data 'upload' needs the field upload: the id the upload returned")
    features = raw.get("features", d.features)
    if (not isinstance(features, list) or not features
            or any(f not in FEATURES for f in features) or len(set(features)) != len(features)):
        raise ConfigError(f"features must be a non-empty list of distinct names from "
                          f"{', '.join(FEATURES)}; got {features!r}")
    layers = raw.get("layers", [asdict(s) for s in d.layers])
    if not isinstance(layers, list):
        raise ConfigError(f"layers must be a list of layer objects, got {layers!r}")
    if len(layers) > limits.max_hidden_layers:
        raise ConfigError(f"at most {limits.max_hidden_layers} hidden layers, got {len(layers)}")
    return Config(
        data=data,
        upload=upload if data == "upload" else None,
        points=_int(raw, "points", limits.min_points, limits.max_points, d.points),
        noise=_real(raw, "noise", 0.0, 1.0, d.noise),
        classes=_int(raw, "classes", 2, limits.max_classes, d.classes),
        train_pct=_int(raw, "train_pct", 10, 90, d.train_pct),
        features=[f for f in FEATURES if f in features],   # the input layer's fixed order
        layers=[_layer(layer, i, limits) for i, layer in enumerate(layers)],
        optimizer=_choice(raw, "optimizer", OPTIMIZERS, d.optimizer),
        learning_rate=_real(raw, "learning_rate", 1e-6, 10.0, d.learning_rate),
        l2=_real(raw, "l2", 0.0, 1.0, d.l2),
        batch_size=_int(raw, "batch_size", 1, limits.max_points, d.batch_size),
        seed=_int(raw, "seed", 0, 2**31 - 1, d.seed),
        loss=_choice(raw, "loss", LOSSES, d.loss),
    )
