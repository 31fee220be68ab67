"""``MLP.summary``: Keras's table of layers, output shapes and parameter counts."""

from __future__ import annotations

import math

from npmlp.nn.layers import Dense, layer_name


def summary_table(model) -> str:
    """The table of a built ``model``: per layer its name, output shape and parameter count
    (trainable and non-trainable together, as Keras counts them), then the totals."""
    rows = [("Layer (type)", "Output Shape", "Param #")]
    for i, (layer, (tr, nt)) in enumerate(zip(model.layers, model._specs(model.input_dim))):
        count = sum(math.prod(shape) for _, shape in tr + nt)
        act = f", {layer.activation.name}" if isinstance(layer, Dense) else ""
        rows.append((f"{layer_name(i, layer)} ({type(layer).__name__}{act})",
                     f"(None, {layer.units})", f"{count:,}"))
    trainable, frozen = model.count_params()
    line = "-" * 72
    lines = [line, "{:<46}{:<16}{:>10}".format(*rows[0]), line]
    lines += ["{:<46}{:<16}{:>10}".format(*row) for row in rows[1:]]
    lines += [line, f"Total params: {trainable + frozen:,}",
              f"Trainable params: {trainable:,}", f"Non-trainable params: {frozen:,}",
              f"loss: {model.loss.name}; optimizer: {model.optimizer!r}"]
    return "\n".join(lines)
