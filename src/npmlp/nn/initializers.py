"""Weight initializers with Keras 3's exact definitions.

Each ``f(fan_in, fan_out, rng, dtype)`` returns a ``(fan_in, fan_out)`` kernel.
Uniform ones draw ``U[-L, L)`` with ``L = sqrt(3 scale / n)``; normal ones draw a normal
truncated at two raw standard deviations by re-sampling (not clipping) with
``raw std = sqrt(scale / n) / 0.87962566103423978``, so the result has std ``sqrt(scale / n)``.
Glorot: ``scale = 1``, ``n = (fan_in + fan_out) / 2``; He: ``scale = 2``, ``n = fan_in``.
"""

from __future__ import annotations

import numpy as np

# Standard deviation of N(0, 1) truncated to [-2, 2].
TRUNCATED_STD = 0.87962566103423978


def _uniform(limit: float, fan_in: int, fan_out: int, rng: np.random.Generator, dtype):
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


def truncated_normal(std: float, shape, rng: np.random.Generator, dtype) -> np.ndarray:
    """N(0, raw) truncated to [-2 raw, 2 raw] by re-sampling, raw = std / 0.8796...;
    the result has standard deviation ``std``."""
    raw = std / TRUNCATED_STD
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return (values * raw).astype(dtype)


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, dtype="float32"):
    """U[-L, L), L = sqrt(6 / (fan_in + fan_out)) (Keras's default kernel initializer)."""
    return _uniform(np.sqrt(6.0 / (fan_in + fan_out)), fan_in, fan_out, rng, dtype)


def glorot_normal(fan_in: int, fan_out: int, rng: np.random.Generator, dtype="float32"):
    """Truncated normal with std sqrt(2 / (fan_in + fan_out))."""
    return truncated_normal(np.sqrt(2.0 / (fan_in + fan_out)), (fan_in, fan_out), rng, dtype)


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, dtype="float32"):
    """U[-L, L), L = sqrt(6 / fan_in)."""
    return _uniform(np.sqrt(6.0 / fan_in), fan_in, fan_out, rng, dtype)


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator, dtype="float32"):
    """Truncated normal with std sqrt(2 / fan_in)."""
    return truncated_normal(np.sqrt(2.0 / fan_in), (fan_in, fan_out), rng, dtype)


def zeros(fan_in: int, fan_out: int, rng: np.random.Generator | None = None, dtype="float32"):
    """All zeros (the bias initializer)."""
    return np.zeros((fan_in, fan_out), dtype=dtype)


_ALL = (glorot_uniform, glorot_normal, he_uniform, he_normal, zeros)
REGISTRY = {f.__name__: f for f in _ALL}
NAMES = tuple(REGISTRY)


def get(identifier):
    """An initializer function from its name or itself (one of the registered functions: a
    model must be savable and comparable with Keras, so its initializer needs a name)."""
    if callable(identifier):
        name_of(identifier)  # refuses unregistered functions, naming the valid ones
        return identifier
    if not isinstance(identifier, str):
        raise TypeError(
            f"kernel_initializer must be a name (str) or one of npmlp.initializers' "
            f"functions, got {identifier!r}"
        )
    key = identifier.strip().lower()
    if key not in REGISTRY:
        raise ValueError(
            f"unknown initializer {identifier!r}; valid names: {', '.join(NAMES)}"
        )
    return REGISTRY[key]


def name_of(initializer) -> str:
    """The registered name of an initializer function (for configs)."""
    for name, f in REGISTRY.items():
        if f is initializer:
            return name
    raise ValueError(f"kernel_initializer {initializer!r} is not one of npmlp's initializers "
                     f"({', '.join(NAMES)}); to start from weights of your own, build the "
                     f"model and call set_weights()")


def default_for(activation_name: str) -> str:
    """He for the ReLU family, Glorot for sigmoid/tanh/softmax/linear."""
    return "he_uniform" if activation_name in ("relu", "leaky_relu") else "glorot_uniform"
