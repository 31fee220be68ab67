"""ONNX export: the model's forward pass as one graph built with the ``onnx`` helper API.

Each layer of ``model.layers`` becomes nodes through the converter registered for its class
(``LAYER_CONVERTERS``; a Dense layer is ``MatMul`` + ``Add`` + its activation), and each
activation through the converter registered for its class (``ACTIVATION_CONVERTERS``:
``Relu``, ``Sigmoid``, ``Tanh``, ``LeakyRelu``, ``Softmax``; linear adds no node). A layer or
activation without a converter is refused with an error naming it.

The input is one tensor ``(batch, n_features)`` with a dynamic batch dimension, named ``"X"``,
or, when the model has feature names, those names joined by ``","`` (so a runtime's
``get_inputs()[0].name`` tells the column order; the list is also in the metadata as JSON).
Outputs: ``"probabilities"`` (``predict_proba``'s A), ``"labels"`` (``predict``: the user's
own label values, or the values of a regression) or both (labels first, as skl2onnx).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

from npmlp._extras import require
from npmlp._files import atomic_write
from npmlp.export._common import check_model, export_dtype, layer_name
from npmlp.model.targets import TargetEncoder
from npmlp.nn import activations
from npmlp.nn.layers import Dense

DEFAULT_OPSET = 17  # run by onnxruntime >= 1.13
MIN_OPSET = 13  # Softmax over one axis, Squeeze/Reshape semantics used here
OUTPUTS = ("probabilities", "labels", "both")


class GraphBuilder:
    """Collects nodes and initializers of one graph; every tensor gets a fresh name."""

    def __init__(self, onnx, dtype: np.dtype, reserved=("labels", "probabilities")):
        self.onnx = onnx
        self.dtype = np.dtype(dtype)
        self.nodes: list = []
        self.initializers: list = []
        self._names: set[str] = set(reserved)  # the graph outputs' names: never handed out

    def fresh(self, hint: str) -> str:
        name, i = hint, 1
        while name in self._names:
            name, i = f"{hint}_{i}", i + 1
        self._names.add(name)
        return name

    def constant(self, hint: str, value: np.ndarray) -> str:
        """An initializer holding ``value`` (kept in its own dtype)."""
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], hint: str, output: str | None = None,
             **attrs) -> str:
        """Append ``op(inputs)``; returns the name of its one output."""
        out = self.fresh(hint) if output is None else output
        self._names.add(out)
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [out], name=f"{out}_{op}",
                                                     **attrs))
        return out


# --- converters: registered per class, so a new layer or activation adds one function -------

LayerConverter = Callable[[GraphBuilder, object, str, str], str]
ActivationConverter = Callable[[GraphBuilder, object, str, str], str]
LAYER_CONVERTERS: dict[type, LayerConverter] = {}
ACTIVATION_CONVERTERS: dict[type, ActivationConverter] = {}


def register_layer(cls: type):
    """Decorator: ``convert(g, layer, X, name) -> A`` turns a ``cls`` layer into nodes."""
    def decorate(convert: LayerConverter) -> LayerConverter:
        LAYER_CONVERTERS[cls] = convert
        return convert
    return decorate


def register_activation(cls: type):
    """Decorator: ``convert(g, activation, Z, name) -> A`` for activations of class ``cls``."""
    def decorate(convert: ActivationConverter) -> ActivationConverter:
        ACTIVATION_CONVERTERS[cls] = convert
        return convert
    return decorate


def _simple(cls: type, op: str, **attrs) -> None:
    register_activation(cls)(lambda g, act, Z, name: g.node(op, [Z], f"{name}/{act.name}",
                                                            **attrs))


_simple(activations.ReLU, "Relu")
_simple(activations.Sigmoid, "Sigmoid")
_simple(activations.Tanh, "Tanh")
_simple(activations.Softmax, "Softmax", axis=-1)


@register_activation(activations.Linear)
def _linear(g, act, Z, name):
    return Z  # the identity adds no node


@register_activation(activations.LeakyReLU)
def _leaky_relu(g, act, Z, name):
    # ONNX stores the LeakyRelu alpha attribute as float32. npmlp applies float32(alpha) too
    # (act.slope, as Keras does), so the attribute is exact; the Where form stays for a slope
    # that float32 would round (none today).
    if g.dtype == np.float32 or float(np.float32(act.slope)) == act.slope:
        return g.node("LeakyRelu", [Z], f"{name}/leaky_relu", alpha=float(act.slope))
    zero = g.constant(f"{name}/zero", np.zeros((), g.dtype))
    alpha = g.constant(f"{name}/alpha", np.asarray(act.slope, g.dtype))
    positive = g.node("Greater", [Z, zero], f"{name}/positive")
    scaled = g.node("Mul", [Z, alpha], f"{name}/alpha_Z")
    return g.node("Where", [positive, Z, scaled], f"{name}/leaky_relu")


@register_layer(Dense)
def _dense(g, layer, X, name):
    """Z = X @ W + b (MatMul, Add), then the activation."""
    W = g.constant(f"{name}/kernel", layer.W.astype(g.dtype))
    b = g.constant(f"{name}/bias", layer.b.astype(g.dtype))
    Z = g.node("Add", [g.node("MatMul", [X, W], f"{name}/XW"), b], f"{name}/Z")
    convert = ACTIVATION_CONVERTERS.get(type(layer.activation))
    if convert is None:
        raise ValueError(f"layer {name} ({layer!r}): activation {layer.activation.name!r} "
                         f"cannot be expressed in ONNX by npmlp")
    return convert(g, layer.activation, Z, name)


# --- labels -------------------------------------------------------------------------------


def _encoder(model) -> TargetEncoder:
    """The model's label encoder; an unfitted one decodes as ``predict`` does (0/1, indices)."""
    if model.encoder is not None:
        return model.encoder
    units = model.layers[-1].units
    return TargetEncoder(model.kind, units, np.array([0, 1]) if model.kind == "binary" else None)


def _classes_constant(g: GraphBuilder, classes: np.ndarray) -> str:
    if classes.dtype.kind in "US":
        classes = np.array([str(c) for c in classes], dtype=object)
    elif classes.dtype.kind not in "biuf":
        raise ValueError(f"labels of dtype {classes.dtype} cannot be stored in ONNX; export "
                         f"with outputs='probabilities'")
    return g.constant("classes", classes)


def _labels(g: GraphBuilder, model, A: str) -> tuple[str, np.dtype | None]:
    """Nodes from the output activations A to ``predict``'s labels; (name, numpy dtype)."""
    encoder = _encoder(model)
    onnx = g.onnx
    if encoder.kind in ("binary", "multilabel"):  # A > 0.5, as TargetEncoder.decode
        positive = g.node("Greater", [A, g.constant("threshold", np.asarray(0.5, g.dtype))],
                          "positive")
        index = g.node("Cast", [positive], "index", to=onnx.TensorProto.INT64)
        if encoder.kind == "multilabel":
            return g.node("Identity", [index], "labels", output="labels"), np.dtype(np.int64)
        index = g.node("Reshape", [index, g.constant("flat", np.array([-1], np.int64))],
                       "index_flat")
    elif encoder.kind == "multiclass":
        index = g.node("ArgMax", [A], "index", axis=1, keepdims=0)  # first of ties, as NumPy
        if encoder.classes is None:
            return g.node("Identity", [index], "labels", output="labels"), np.dtype(np.int64)
    else:  # regression: the values, shaped as predict returns them
        if encoder.y_ndim == 1 and encoder.units == 1:
            shape = g.constant("flat", np.array([-1], np.int64))
            return g.node("Reshape", [A, shape], "labels", output="labels"), g.dtype
        return g.node("Identity", [A], "labels", output="labels"), g.dtype
    classes = _classes_constant(g, np.asarray(encoder.classes))
    labels = g.node("Gather", [classes, index], "labels", output="labels", axis=0)
    dtype = np.asarray(encoder.classes).dtype
    return labels, (np.dtype(object) if dtype.kind in "US" else dtype)


# --- the model ---------------------------------------------------------------------------


def _check_options(onnx, opset, outputs) -> int:
    if outputs not in OUTPUTS:
        raise ValueError(f"outputs must be one of {OUTPUTS}, got {outputs!r}")
    newest = onnx.defs.onnx_opset_version()
    if opset is None:
        return min(DEFAULT_OPSET, newest)
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)) or \
            not MIN_OPSET <= opset <= newest:
        raise ValueError(f"opset must be an int from {MIN_OPSET} to {newest} (the newest this "
                         f"onnx package knows), got {opset!r}")
    return int(opset)


def _value_info(onnx, name: str, dtype: np.dtype, shape: list, doc: str = ""):
    elem = (onnx.TensorProto.STRING if np.dtype(dtype).kind == "O"
            else onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))
    return onnx.helper.make_tensor_value_info(name, elem, shape, doc_string=doc)


def input_name(model) -> str:
    """``"X"``, or the feature names joined by ``","`` when the model has them."""
    return "X" if not model.feature_names else ",".join(model.feature_names)


def to_onnx(model, *, dtype=None, opset: int | None = None,
            outputs: str = "probabilities"):
    """The ``onnx.ModelProto`` of ``model``'s forward pass, checked by onnx.checker."""
    check_model(model, "export()")
    onnx = require("onnx", "onnx", "ONNX export")
    opset = _check_options(onnx, opset, outputs)
    dtype = export_dtype(model, dtype)
    g = GraphBuilder(onnx, dtype)
    X = g.fresh(input_name(model))
    A = X
    for i, layer in enumerate(model.layers):
        convert = LAYER_CONVERTERS.get(type(layer))
        name = layer_name(i, layer)
        if convert is None:
            raise ValueError(f"layer {i} ({name}, {type(layer).__name__}) cannot be expressed "
                             f"in ONNX by npmlp")
        A = convert(g, layer, A, name)
    units = model.layers[-1].units
    graph_outputs = []
    if outputs in ("labels", "both"):
        labels, label_dtype = _labels(g, model, A)
        graph_outputs.append(_value_info(onnx, labels, label_dtype, list(_label_shape(model)),
                                         "predict(): the labels (or regression values)"))
    if outputs in ("probabilities", "both"):
        probabilities = g.node("Identity", [A], "probabilities", output="probabilities")
        graph_outputs.append(_value_info(onnx, probabilities, dtype, ["batch", units],
                                         "predict_proba(): the output activations A"))
    features = json.dumps(model.feature_names)
    graph = onnx.helper.make_graph(
        g.nodes, "npmlp_mlp",
        [_value_info(onnx, X, dtype, ["batch", model.input_dim],
                     f"(batch, {model.input_dim}) features; columns: {features}")],
        graph_outputs, initializer=g.initializers)
    opset_id = onnx.helper.make_opsetid("", opset)
    proto = onnx.helper.make_model(graph, opset_imports=[opset_id], producer_name="npmlp",
                                   doc_string=repr(model))
    proto.ir_version = onnx.helper.find_min_ir_version_for([opset_id])
    onnx.helper.set_model_props(proto, {"feature_names": features, "kind": model.kind})
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _label_shape(model) -> tuple:
    """(batch,) or (batch, units): the shape of predict()'s result."""
    encoder = _encoder(model)
    if encoder.kind == "multilabel":
        return ("batch", encoder.units)
    if encoder.kind == "regression" and not (encoder.y_ndim == 1 and encoder.units == 1):
        return ("batch", encoder.units)
    return ("batch",)


def write(model, path, *, dtype=None, opset: int | None = None,
          outputs: str = "probabilities") -> None:
    """Write ``to_onnx(model, ...)`` to ``path`` atomically."""
    data = to_onnx(model, dtype=dtype, opset=opset, outputs=outputs).SerializeToString()
    atomic_write(path, lambda f: f.write(data))
