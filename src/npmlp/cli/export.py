"""npmlp export: a saved model as an ONNX, safetensors or Keras file."""

from __future__ import annotations

import npmlp
from npmlp.export import FORMATS
from npmlp.export.onnx import OUTPUTS


def add_command(sub) -> None:
    p = sub.add_parser("export", help="write a saved model as ONNX, safetensors or Keras",
                       description="Load a model saved by `npmlp train --save` and write it "
                       "as an ONNX graph (run it with onnxruntime), a safetensors file "
                       "(weights named dense_0/kernel, ...; `npmlp.load` reads it back) or a "
                       ".keras file. The file is written atomically. See docs/export.md.")
    p.add_argument("model", metavar="MODEL", help="the saved model (.npz)")
    p.add_argument("--format", required=True, choices=FORMATS, help="the file format")
    p.add_argument("--out", metavar="PATH", required=True, help="where to write the file")
    p.add_argument("--dtype", default=None, choices=["float32", "float64"],
                   help="dtype of the weights and the ONNX input (onnx, safetensors; default: "
                   "the model's)")
    p.add_argument("--opset", type=int, default=None,
                   help="ONNX opset version (default: 17)")
    p.add_argument("--outputs", default=None, choices=OUTPUTS,
                   help="ONNX outputs: probabilities (default), labels, or both")
    p.set_defaults(func=run_export)


def run_export(args) -> int:
    model = npmlp.load(args.model)
    options = {"dtype": args.dtype, "opset": args.opset}
    if args.outputs is not None:
        options["outputs"] = args.outputs
    path = model.export(args.out, args.format, **options)
    print(f"Wrote {args.format} file {path}")
    return 0
