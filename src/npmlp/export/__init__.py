"""Taking a trained model elsewhere: ONNX, safetensors and Keras files.

``export(model, path, format)`` checks the model and the path, then hands over to one module
per format (``onnx``, ``safetensors``, ``keras``), each importing its optional package only
when it runs (``pip install 'npmlp[onnx]'``, ``'npmlp[safetensors]'``,
``'npmlp[tensorflow]'``). Files are written atomically; nothing is written when the model,
the options or the path are refused. ``npmlp.load`` reads the safetensors files back.
"""

from __future__ import annotations

from pathlib import Path

from npmlp.export import keras, onnx, safetensors
from npmlp.export._common import check_model, check_path, layer_name
from npmlp.model import formats

FORMATS = ("onnx", "safetensors", "keras")

__all__ = ["export", "FORMATS", "layer_name", "onnx", "safetensors", "keras"]



def export(model, path: str | Path, format: str = "onnx", *, dtype=None,
           opset: int | None = None, outputs: str = "probabilities") -> Path:
    """Write ``model`` to ``path`` as ``format``; returns the path.

    ``dtype`` ("float32"/"float64", default the model's) applies to onnx and safetensors;
    ``opset`` and ``outputs`` ("probabilities", "labels" or "both") to onnx only.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    if format != "onnx" and (opset is not None or outputs != "probabilities"):
        raise ValueError(f"opset and outputs apply to format='onnx' only, not {format!r}")
    if format == "keras" and dtype is not None:
        raise ValueError("dtype does not apply to format='keras' (the file keeps the model's)")
    check_model(model, "export()")
    path = check_path(path)
    if format == "onnx":
        onnx.write(model, path, dtype=dtype, opset=opset, outputs=outputs)
    elif format == "safetensors":
        safetensors.write(model, path, dtype=dtype)
    else:
        keras.write(model, path)
    return path


# model.export(...) comes here; npmlp.load(path) rebuilds a model from a .safetensors file.
formats.register_exporter(export)
formats.register_reader(safetensors.sniff, safetensors.read)
