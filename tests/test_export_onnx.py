"""ONNX export, proven by the two runtimes that read the file: onnxruntime and onnx's own
reference evaluator must give predict_proba and predict of the npmlp model."""

import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from export_helpers import HIDDEN, trained
from onnx.reference import ReferenceEvaluator

import npmlp
from npmlp.nn.activations import Activation

RTOL = {"float32": 1e-6, "float64": 1e-12}
ROWS = (1, 7, 10_000)
KINDS = ("binary", "multiclass", "regression")


def assert_close(got, want, rtol, scale=None):
    """|got - want| <= rtol * scale elementwise, scale = the model's output scale (max |want|
    unless given: the largest output over 10,000 rows). The error of a dot product is
    relative to the size of its terms, not of its result: a regression output near 0 (or
    onnxruntime's float32 logistic, accurate to ~1e-7 absolute) would fail a purely
    elementwise relative test without either side being wrong."""
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype,
                                                                 want.shape, want.dtype)
    scale = np.max(np.abs(want)) if scale is None else scale
    err = np.max(np.abs(got.astype(np.float64) - want))
    assert err <= rtol * scale, f"max error {err:.3g}, output scale {scale:.3g}"


def runtimes(path):
    """name -> run(X) -> list of outputs, for onnxruntime and the reference evaluator."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    reference = ReferenceEvaluator(str(path))
    name = session.get_inputs()[0].name
    return {"onnxruntime": lambda X: session.run(None, {name: X}),
            "reference": lambda X: reference.run(None, {name: X})}


@pytest.mark.parametrize("names", [False, True], ids=["arrays", "feature_names"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hidden", list(HIDDEN))
def test_onnx_predicts_as_npmlp(tmp_path, hidden, kind, dtype, names):
    model = trained(kind, hidden, dtype, names)
    path = tmp_path / "model.onnx"
    model.export(path, outputs="both")
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    graph_input = proto.graph.input[0]
    expected_name = ",".join(model.feature_names) if names else "X"
    assert graph_input.name == expected_name
    dims = graph_input.type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 4  # dynamic batch
    assert [o.name for o in proto.graph.output] == ["labels", "probabilities"]
    rng = np.random.default_rng(7)
    batches = [rng.normal(size=(n, 4)).astype(dtype) for n in ROWS]
    scale = np.abs(model.predict_proba(batches[-1])).max()
    for runtime, run in runtimes(path).items():
        for X in batches:
            labels, probabilities = run(X)
            assert_close(probabilities, model.predict_proba(X), RTOL[dtype], scale)
            want = model.predict(X)
            if kind == "regression":  # the values, as predict gives them
                assert_close(labels, want, RTOL[dtype], scale)
            else:
                assert labels.shape == want.shape and labels.tolist() == want.tolist(), runtime


@pytest.mark.parametrize("outputs, names", [("probabilities", ["probabilities"]),
                                            ("labels", ["labels"]),
                                            ("both", ["labels", "probabilities"])])
def test_outputs_option(tmp_path, outputs, names):
    model = trained("multiclass")
    path = model.export(tmp_path / "m.onnx", "onnx", outputs=outputs)
    assert [o.name for o in onnx.load(path).graph.output] == names
    X = np.random.default_rng(0).normal(size=(9, 4))
    got = dict(zip(names, runtimes(path)["onnxruntime"](X)))
    if "labels" in got:
        assert got["labels"].tolist() == model.predict(X).tolist()
    if "probabilities" in got:
        assert_close(got["probabilities"], model.predict_proba(X), 1e-12)


def test_multilabel_and_two_column_regression(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 4))
    cases = [(npmlp.Dense(3, "sigmoid"), (X[:, :3] > 0).astype(int)),   # multi-label 0/1
             (npmlp.Dense(2, "linear"), X[:, :2] * 3.0)]                # (n, 2) values
    for out, y in cases:
        model = npmlp.MLP([npmlp.Dense(5, "relu"), out], seed=0, dtype="float64")
        model.fit(X, y, epochs=2, verbose=0)
        path = model.export(tmp_path / "m.onnx", outputs="labels")
        for run in runtimes(path).values():
            (labels,) = run(X)
            want = model.predict(X)
            if want.dtype.kind == "f":
                assert_close(labels, want, 1e-12)
            else:
                assert labels.tolist() == want.tolist() and labels.shape == (50, 3)


def test_unfitted_model_labels_are_those_predict_gives(tmp_path):
    model = npmlp.MLP([npmlp.Dense(3, "softmax")], input_dim=4, seed=0, dtype="float64")
    path = model.export(tmp_path / "m.onnx", outputs="labels")
    X = np.random.default_rng(0).normal(size=(20, 4))
    assert runtimes(path)["onnxruntime"](X)[0].tolist() == model.predict(X).tolist()


def test_float32_model_exported_as_float64(tmp_path):
    model = trained("binary", dtype="float32")
    path = model.export(tmp_path / "m.onnx", dtype="float64")
    X = np.random.default_rng(0).normal(size=(100, 4))
    (proba,) = runtimes(path)["onnxruntime"](X)
    assert proba.dtype == np.float64
    assert_close(proba.astype(np.float32), model.predict_proba(X), 1e-6)


@pytest.mark.parametrize("opset", [13, None, onnx.defs.onnx_opset_version()])
def test_opsets(tmp_path, opset):
    model = trained("binary", "leaky_relu")
    path = model.export(tmp_path / "m.onnx", opset=opset)
    proto = onnx.load(path)
    assert proto.opset_import[0].version == (opset or 17)
    X = np.random.default_rng(0).normal(size=(5, 4))
    (proba,) = ReferenceEvaluator(proto).run(None, {"X": X})  # the newest opset too
    assert_close(proba, model.predict_proba(X), 1e-12)


def test_unbuilt_model_is_refused_before_writing(tmp_path):
    model = npmlp.MLP([npmlp.Dense(3, "relu"), npmlp.Dense(1, "sigmoid")])
    with pytest.raises(ValueError, match="no weights yet"):
        model.export(tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_paths_fail_before_anything_is_written(tmp_path):
    model = trained("binary")
    with pytest.raises(IsADirectoryError):
        model.export(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(NotADirectoryError, match="in the way"):
        model.export(blocker / "m.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
    # a missing folder is made, as for every file npmlp writes (issue 11: Python and the CLI
    # behave the same)
    model.export(tmp_path / "missing" / "m.onnx")
    assert (tmp_path / "missing" / "m.onnx").is_file()


def test_layer_or_activation_onnx_cannot_express_is_named(tmp_path):
    class Odd(npmlp.Dense):
        pass

    class Swish(Activation):
        name = "swish"

        def forward(self, Z):
            return Z / (1 + np.exp(-Z))

    path = tmp_path / "m.onnx"
    path.write_bytes(b"an older file")
    model = npmlp.MLP([npmlp.Dense(3), Odd(1, "sigmoid")], input_dim=2, seed=0)
    with pytest.raises(ValueError, match=r"layer 1 \(odd_1, Odd\) cannot be expressed in ONNX"):
        model.export(path)
    model = npmlp.MLP([npmlp.Dense(3, Swish()), npmlp.Dense(1, "sigmoid")], input_dim=2, seed=0)
    with pytest.raises(ValueError, match="layer dense_0 .*activation 'swish' cannot"):
        model.export(path)
    assert path.read_bytes() == b"an older file"  # a refused export leaves the file alone


@pytest.mark.parametrize("kwargs, match", [
    ({"outputs": "scores"}, "outputs must be one of"),
    ({"opset": 12}, "opset must be an int from 13"),
    ({"opset": 999}, "opset must be an int"),
    ({"dtype": "float16"}, "dtype must be one of"),
    ({"format": "pickle"}, "format must be one of"),
    ({"format": "safetensors", "outputs": "labels"}, "apply to format='onnx' only"),
])
def test_bad_options(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        trained("binary").export(tmp_path / "m.onnx", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_missing_onnx_names_the_extra(tmp_path, monkeypatch):
    model = trained("binary")
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'npmlp\[onnx\]'"):
        model.export(tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_cli_export_onnx(tmp_path, capsys):
    from npmlp.cli import main

    model = trained("binary")
    model.save(tmp_path / "m.npz")
    out = tmp_path / "m.onnx"
    assert main(["export", str(tmp_path / "m.npz"), "--format", "onnx", "--out", str(out),
                 "--outputs", "both", "--opset", "15"]) == 0
    assert "Wrote onnx file" in capsys.readouterr().out
    X = np.random.default_rng(0).normal(size=(30, 4))
    labels, proba = runtimes(out)["onnxruntime"](X)
    assert labels.tolist() == model.predict(X).tolist()
    assert_close(proba, model.predict_proba(X), 1e-12)
    assert main(["export", str(tmp_path / "m.npz"), "--format", "onnx", "--out", str(out),
                 "--opset", "5"]) == 2
    assert "opset must be" in capsys.readouterr().err


def test_a_feature_named_like_an_output_does_not_clash(tmp_path):
    model = npmlp.MLP([npmlp.Dense(1, "sigmoid")], input_dim=1, seed=0, dtype="float64")
    model.feature_names = ["probabilities"]
    path = model.export(tmp_path / "m.onnx")  # checked by onnx.checker: names are unique
    X = np.array([[0.5], [-2.0]])
    (proba,) = runtimes(path)["onnxruntime"](X)
    assert_close(proba, model.predict_proba(X), 1e-12)


def test_ties_go_to_the_first_class_as_in_predict(tmp_path):
    model = trained("multiclass")
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])  # equal probabilities
    path = model.export(tmp_path / "m.onnx", outputs="labels")
    X = np.random.default_rng(0).normal(size=(4, 4))
    assert model.predict(X).tolist() == [10] * 4
    for run in runtimes(path).values():
        assert run(X)[0].tolist() == [10] * 4


def test_cli_missing_extra_exits_3_naming_it(tmp_path, capsys, monkeypatch):
    from npmlp.cli import main

    trained("binary").save(tmp_path / "m.npz")
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert main(["export", str(tmp_path / "m.npz"), "--format", "onnx", "--out",
                 str(tmp_path / "m.onnx")]) == 3
    assert "pip install 'npmlp[onnx]'" in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()
