"""What a saved model holds, and how a model is rebuilt from it (the file format itself is
``npmlp.saving``).

Arrays: ``param_<i>`` for the trainable [W1, b1, W2, ...], ``state_<i>`` for the
non-trainable ones (BatchNormalization's moving statistics; absent from older files, which
have none), ``opt_<i>_<slot>`` for the optimizer state of
parameter i, ``classes`` for the label values. Config: the model's ``get_config()``, the
optimizer's step count, the generator's state, the target encoder and the History.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from npmlp import saving
from npmlp._validation import check_positive_int
from npmlp.callbacks.history import History
from npmlp.model.targets import TargetEncoder
from npmlp.saving import ModelFileError


def save(model, path: str | Path) -> None:
    """Write ``model`` (built) to ``path`` atomically."""
    config, arrays = contents(model)
    saving.write(path, config, arrays)


def contents(model) -> tuple[dict, dict[str, np.ndarray]]:
    """(config, arrays) that a saved ``model`` holds (an ensemble saves one per member)."""
    arrays = {f"param_{i}": p for i, p in enumerate(model.params)}
    arrays.update({f"state_{i}": a for i, a in enumerate(model.non_trainable.arrays)})
    opt = model.optimizer
    state_spec = []
    for i, slots in enumerate(opt.state or []):
        for slot, value in slots.items():
            arrays[f"opt_{i}_{slot}"] = value
            state_spec.append([i, slot])
    encoder = model.encoder
    if encoder is not None and encoder.classes is not None:
        arrays["classes"] = np.asarray(encoder.classes)
    config = {
        "model": model.get_config(),
        "optimizer_iterations": opt.iterations,
        "optimizer_state": state_spec if opt.state is not None else None,
        "rng_state": model.rng.bit_generator.state,
        "encoder": None if encoder is None else encoder.get_config(),
        "history": None if model.history is None else model.history.to_dict(),
    }
    # How raw table columns become the inputs (one-hot categories, imputation): a JSON dict
    # written by npmlp.datasets.TablePreprocessor and applied by npmlp predict.
    if getattr(model, "preprocessing", None) is not None:
        config["preprocessing"] = model.preprocessing
    return config, arrays


def expected_arrays(model, input_dim: int, config: dict) -> saving.npz.Expected:
    """name -> (shape, dtype) for every array the config's architecture implies (computed
    without allocating anything, so a forged size is refused before it costs memory)."""
    dt = model.dtype.str
    shapes = model.param_shapes(input_dim)
    expected = {f"param_{i}": (shape, dt) for i, shape in enumerate(shapes)}
    expected.update({f"state_{i}": (shape, dt)
                     for i, shape in enumerate(model.state_shapes(input_dim))})
    state = config["optimizer_state"]
    if state is not None:
        pairs = {(i, slot) for i, slot in state}
        wanted = {(i, slot) for i in range(len(shapes)) for slot in model.optimizer.slots}
        if pairs != wanted or len(state) != len(wanted):
            raise ModelFileError(f"optimizer_state lists {sorted(pairs)}, but a "
                                 f"{model.optimizer.name} of this model has {sorted(wanted)}")
        for i, slot in state:
            expected[f"opt_{i}_{slot}"] = (shapes[i], dt)
    if "classes" in config["arrays"]:
        spec = config["arrays"]["classes"]
        n = 2 if model.kind == "binary" else model.output_units
        expected["classes"] = ((n,), str(spec["dtype"]))
    return expected


def restore_encoder(model, enc: dict | None, classes: np.ndarray | None, path) -> None:
    """The saved target encoder, checked against the model's output layer."""
    if enc is None:
        return
    units = model.output_units
    if enc["kind"] != model.kind or enc["units"] != units or enc["y_ndim"] not in (1, 2):
        raise ModelFileError(f"{path}: the target encoder {enc} does not fit a "
                             f"{model.kind} output of {units} units")
    if classes is not None and classes.dtype.kind != "V" and (
            classes.ndim != 1 or not np.array_equal(np.unique(classes), classes)):
        raise ModelFileError(f"{path}: classes must be sorted and distinct")
    model.encoder = TargetEncoder(enc["kind"], units, classes, enc["y_ndim"])


def all_finite_arrays(arrays: list[np.ndarray]) -> bool:
    return all(np.isfinite(a).all() for a in arrays)


def restore(model, config: dict, arrays: dict, path) -> None:
    """Put the saved weights, optimizer state, generator, encoder and History into ``model``."""
    for i, target in enumerate(model.params):
        target[...] = arrays[f"param_{i}"]
    for i, target in enumerate(model.non_trainable.arrays):
        target[...] = arrays[f"state_{i}"]
    if not all_finite_arrays(model.params + model.non_trainable.arrays):
        raise ModelFileError(f"{path}: the weights contain NaN or infinity")
    opt = model.optimizer
    opt.iterations = check_positive_int(config["optimizer_iterations"], "optimizer_iterations",
                                        minimum=0)
    if config["optimizer_state"] is not None:
        opt.build(model.params)
        for i, slot in config["optimizer_state"]:
            value = arrays[f"opt_{i}_{slot}"]
            if not np.isfinite(value).all():
                raise ModelFileError(f"{path}: optimizer state opt_{i}_{slot} is not finite")
            opt.state[i][slot][...] = value
    rng_state = config["rng_state"]
    kind = model.rng.bit_generator.state["bit_generator"]
    if not isinstance(rng_state, dict) or rng_state.get("bit_generator") != kind:
        raise ModelFileError(f"{path}: rng_state is not a {kind} state")
    model.rng.bit_generator.state = rng_state
    restore_encoder(model, config["encoder"], arrays.get("classes"), path)
    if config["history"] is not None:
        history = History.from_dict(config["history"])
        if any(len(v) != len(history.epoch) for v in history.history.values()):
            raise ModelFileError(f"{path}: the history's lists differ in length")
        model.history = history
