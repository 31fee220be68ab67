"""The playground's HTTP and WebSocket API, through Starlette's TestClient."""

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from starlette.testclient import TestClient

import npmlp
from npmlp.playground import create_app, export
from npmlp.playground.config import Limits, parse
from npmlp.playground.session import Experiment
from npmlp.playground.store import Store

SMALL = {"data": "xor", "points": 100, "layers": [{"units": 3, "activation": "tanh"}],
         "batch_size": 16, "seed": 3}


@pytest.fixture
def client():
    app = create_app()
    with TestClient(app) as c:
        yield c
    assert not app.state.store.sessions   # shutdown closed every session


def new_session(client, config=SMALL) -> str:
    r = client.post("/api/sessions", json=config)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def wait_for(client, sid, test, timeout=10.0) -> dict:
    """Poll the state until test(frame) holds; returns that frame."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        frame = client.get(f"/api/sessions/{sid}/state").json()["frame"]
        if test(frame):
            return frame
        time.sleep(0.02)
    raise AssertionError(f"timed out; last frame epoch {frame['epoch']}, {frame['status']}")


def error(response, status: int) -> str:
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    return response.json()["error"]


# --- the page and the options ----------------------------------------------------------------

def test_page_and_static_files_ship_in_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "npmlp playground" in page.text
    for name in ("main.js", "draw.js", "url.js", "playground.css"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and len(r.text) > 100, name
    # offline: nothing comes from another host
    for name in ("main.js", "draw.js", "url.js", "playground.css"):
        assert "http" not in client.get(f"/static/{name}").text.replace("https:", ""), name
    assert "http" not in page.text
    error(client.get("/static/nope.js"), 404)
    error(client.get("/api/nope"), 404)


def test_options_list_the_choices_and_limits(client):
    o = client.get("/api/options").json()
    assert {"moons", "circles", "spirals", "xor", "blobs", "upload"} == set(o["datasets"])
    assert "softmax" not in o["activations"] and "tanh" in o["activations"]
    assert o["limits"]["max_units"] == 32 and o["defaults"] == parse({}).to_dict()
    assert isinstance(o["keras"], bool) and o["max_dropout"] == 0.9
    assert [f["format"] for f in o["exports"]] == ["npz", "onnx", "safetensors", "keras"]
    assert all(f["available"] for f in o["exports"])   # the dev extras install every writer


# --- creating sessions: bad requests -----------------------------------------------------------

@pytest.mark.parametrize("body, status, words", [
    (b"{not json", 400, "not valid JSON"),
    (b"\xff\xfe", 400, "not valid JSON"),
    (b"[1, 2]", 400, "must be a JSON object"),
    (b'{"data": "mnist"}', 400, "data must be one of"),
    (b'{"colour": "red"}', 400, "unknown configuration fields ['colour']"),
    (b'{"layers": [{"units": 1000000000}]}', 400, "units must be between 1 and 32"),
    (b'{"layers": [{"units": 0}]}', 400, "units must be between 1 and 32"),
    (b'{"layers": [{"units": 2.5}]}', 400, "units must be an integer"),
    (b'{"layers": [{"units": 4, "activation": "softmax"}]}', 400, "activation must be one of"),
    (b'{"layers": [{"type": "conv2d"}]}', 400, "type must be one of dense"),
    (b'{"layers": [{"units": 4, "dropout": 0.95}]}', 400, "layers[0].dropout must be between 0"),
    (b'{"layers": [{"units": 4, "dropout": "half"}]}', 400, "layers[0].dropout must be a number"),
    (b'{"layers": [{"units": 4, "batch_norm": "yes"}]}', 400, "batch_norm must be true or false"),
    (b'{"layers": [{"units": 4, "bn": true}]}', 400, "layers[0] has unknown fields ['bn']"),
    (b'{"layers": ' + json.dumps([{"units": 2}] * 9).encode() + b"}", 400, "at most 8 hidden"),
    (b'{"points": 10000000}', 400, "points must be between 20 and 2000"),
    (b'{"points": true}', 400, "points must be an integer"),
    (b'{"learning_rate": NaN}', 400, "learning_rate must be between"),
    (b'{"features": []}', 400, "features must be a non-empty list"),
    (b'{"features": ["x3"]}', 400, "features must be a non-empty list"),
    (b'{"data": "upload", "upload": "nope"}', 400, "unknown upload 'nope'"),
    (b'{"data": "upload"}', 400, "needs the field upload"),
    (b'{"pad": "' + b"x" * 70_000 + b'"}', 413, "limit"),
])
def test_bad_configurations_get_a_4xx_with_the_reason(client, body, status, words):
    r = client.post("/api/sessions", content=body, headers={"content-type": "application/json"})
    assert words in error(r, status)
    assert not client.app.state.store.sessions


def test_sessions_are_limited():
    app = create_app(Store(Limits(max_sessions=2)))
    with TestClient(app) as c:
        new_session(c), new_session(c)
        assert "too many sessions" in error(c.post("/api/sessions", json=SMALL), 429)


# --- uploads ---------------------------------------------------------------------------------

def csv_bytes(rows, header="a,b,label"):
    lines = ([header] if header else []) + [",".join(str(v) for v in row) for row in rows]
    return "\n".join(lines).encode()


def test_an_uploaded_csv_trains(client):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)) * [10, 0.1] + [100, 5]
    rows = [(a, b, "yes" if a > 100 else "no") for a, b in X]
    r = client.post("/api/uploads", content=csv_bytes(rows))
    assert r.status_code == 201, r.text
    up = r.json()
    assert up["rows"] == 60 and up["classes"] == ["no", "yes"] and up["kind"] == "classes"
    sid = new_session(client, {"data": "upload", "upload": up["id"], "layers": []})
    client.post(f"/api/sessions/{sid}/control", json={"action": "step"})
    state = client.get(f"/api/sessions/{sid}/state").json()
    assert state["dataset"]["kind"] == "binary" and len(state["dataset"]["train"]) == 42
    # standardized: the points sit around the origin whatever the CSV's scale
    P = np.array(state["dataset"]["train"] + state["dataset"]["test"])[:, :2]
    assert np.allclose(P.mean(axis=0), 0, atol=1e-3) and np.allclose(P.std(axis=0), 1, atol=1e-3)


@pytest.mark.parametrize("content, words", [
    (b"", "the file is empty"),
    (b"\xff\xfe\x00bad", "not UTF-8"),
    (csv_bytes([(1, 2, 3, 4)] * 30, header="a,b,c,d"), "expected 3 columns"),
    (csv_bytes([(1, 2)] * 30, header=None), "expected 3 columns"),
    (csv_bytes([(1, "x", 0)] * 30), "line 2, column 2: expected a finite number, got 'x'"),
    (csv_bytes([(1, "inf", 0)] * 30), "expected a finite number"),
    (csv_bytes([(i, i * 2, 1) for i in range(30)]), "one class only"),
    (csv_bytes([(i, 1, i % 2) for i in range(30)]), "constant"),
    (csv_bytes([(i, -i, i % 2) for i in range(5)]), "at least 20 data rows"),
    (csv_bytes([(i, -i, i % 12) for i in range(40)]), "at most 8 classes"),
])
def test_bad_uploads_are_refused_with_a_reason(client, content, words):
    assert words in error(client.post("/api/uploads", content=content), 400)


def test_oversized_uploads_are_refused(client):
    big = b"1,2,0\n" * 200_000                   # 1.2 MB
    assert "limit" in error(client.post("/api/uploads", content=big), 413)

    def chunks():                                # no content-length: counted as it arrives
        for _ in range(20):
            yield b"1,2,0\n" * 10_000
    assert "limit" in error(client.post("/api/uploads", content=chunks()), 413)


# --- control, state, config ----------------------------------------------------------------

def test_step_play_pause_reset(client):
    sid = new_session(client)
    base = f"/api/sessions/{sid}"
    assert client.get(f"{base}/state").json()["frame"]["epoch"] == 0
    for _ in range(3):
        assert client.post(f"{base}/control", json={"action": "step"}).status_code == 200
    frame = wait_for(client, sid, lambda f: f["epoch"] == 3)
    assert frame["status"] == "paused" and len(frame["curves"]["train"]) == 3
    assert frame["last"]["val_loss"] > 0 and len(frame["weights"]) == 2
    client.post(f"{base}/control", json={"action": "play"})
    wait_for(client, sid, lambda f: f["epoch"] > 20 and f["status"] == "playing")
    client.post(f"{base}/control", json={"action": "pause"})
    paused = wait_for(client, sid, lambda f: f["status"] == "paused")
    time.sleep(0.2)
    assert client.get(f"{base}/state").json()["frame"]["epoch"] == paused["epoch"]
    client.post(f"{base}/control", json={"action": "reset"})
    assert wait_for(client, sid, lambda f: f["epoch"] == 0)["curves"]["train"] == []
    assert "got {'action': 'fly'}" in error(client.post(f"{base}/control",
                                                        json={"action": "fly"}), 400)
    assert "expected" in error(client.post(f"{base}/control", content=b"[]"), 400)
    assert "not valid JSON" in error(client.post(f"{base}/control", content=b"{"), 400)


def test_a_new_configuration_restarts_the_experiment(client):
    sid = new_session(client)
    client.post(f"/api/sessions/{sid}/control", json={"action": "step"})
    wait_for(client, sid, lambda f: f["epoch"] == 1)
    r = client.put(f"/api/sessions/{sid}/config",
                   json={**SMALL, "data": "spirals", "classes": 3, "features": ["x1", "sin x2"]})
    assert r.status_code == 200 and r.json()["config"]["classes"] == 3
    state = client.get(f"/api/sessions/{sid}/state").json()
    assert state["frame"]["epoch"] == 0 and state["dataset"]["kind"] == "multiclass"
    assert state["dataset"]["features"] == ["x1", "sin x2"] and len(state["dataset"]["inputs"]) == 2
    assert state["frame"]["output"]["kind"] == "multiclass"
    assert "units must be" in error(client.put(f"/api/sessions/{sid}/config",
                                               json={"layers": [{"units": 99}]}), 400)
    assert client.get(f"/api/sessions/{sid}/state").json()["dataset"]["kind"] == "multiclass"


def test_unknown_and_deleted_sessions_are_404(client):
    for method, path in [("GET", "state"), ("GET", "model.npz"), ("GET", "script.py"),
                         ("POST", "check"), ("POST", "control")]:
        r = client.request(method, f"/api/sessions/nope/{path}", json={"action": "play"})
        assert "no session 'nope'" in error(r, 404)
    error(client.put("/api/sessions/nope/config", json={}), 404)
    sid = new_session(client)
    assert client.delete(f"/api/sessions/{sid}").json()["closed"] is True
    error(client.delete(f"/api/sessions/{sid}"), 404)
    error(client.get(f"/api/sessions/{sid}/state"), 404)


def test_divergence_is_a_message_not_a_frozen_page(client):
    sid = new_session(client, {"data": "xor", "optimizer": "sgd", "learning_rate": 10.0,
                               "layers": [{"units": 32, "activation": "relu"}] * 3})
    client.post(f"/api/sessions/{sid}/control", json={"action": "play"})
    frame = wait_for(client, sid, lambda f: f["status"] == "diverged")
    assert "diverged at epoch 1" in frame["message"] and "smaller learning rate" in frame["message"]
    assert frame["output"]["kind"] == "binary"      # the views are still drawn
    assert "this run diverged" in error(client.post(f"/api/sessions/{sid}/check"), 409)


def test_an_unexpected_error_is_a_500_without_a_traceback(monkeypatch):
    def boom(model, format):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(export, "model_bytes", boom)
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        sid = new_session(c)
        r = c.get(f"/api/sessions/{sid}/model.npz")
        assert r.status_code == 500 and "secret" not in r.text and "Traceback" not in r.text
        assert r.json()["error"].startswith("internal error (RuntimeError)")


# --- the stream ----------------------------------------------------------------------------------

def test_stream_sends_the_data_then_frames_and_closing_it_stops_training(client):
    sid = new_session(client, {"data": "moons", "points": 500,
                               "layers": [{"units": 8, "activation": "tanh"}] * 2})
    store = client.app.state.store
    session = store.get(sid)
    with client.websocket_connect(f"/api/sessions/{sid}/stream") as ws:
        data = json.loads(ws.receive_text())
        assert data["type"] == "dataset" and len(data["train"]) == 350
        assert json.loads(ws.receive_text())["type"] == "frame"
        client.post(f"/api/sessions/{sid}/control", json={"action": "play"})
        start, frames = time.monotonic(), []
        while time.monotonic() - start < 2.0:
            frames.append(json.loads(ws.receive_text()))
        rate = len(frames) / (time.monotonic() - start)
        assert rate >= 10, f"{rate:.1f} updates per second for 2x8 on 500 points"
        epochs = [f["epoch"] for f in frames]
        assert epochs == sorted(epochs) and epochs[-1] > epochs[0]
    # the tab went away: the session is gone and its worker stopped
    session._thread.join(5)
    assert not session.alive and store.get(sid) is None


def test_tabs_train_independently(client):
    a, b = new_session(client), new_session(client)
    client.post(f"/api/sessions/{a}/control", json={"action": "play"})
    client.post(f"/api/sessions/{b}/control", json={"action": "step"})
    wait_for(client, a, lambda f: f["epoch"] > 10)
    wait_for(client, b, lambda f: f["epoch"] == 1)
    time.sleep(0.1)
    assert client.get(f"/api/sessions/{b}/state").json()["frame"]["epoch"] == 1


def test_stream_of_an_unknown_session_closes(client):
    with client.websocket_connect("/api/sessions/nope/stream") as ws:
        message = ws.receive()
        assert message["type"] == "websocket.close" and message["code"] == 4404


# --- export and the Keras check --------------------------------------------------------------

NORMALIZED = {**SMALL, "data": "moons", "layers": [
    {"units": 5, "activation": "relu", "batch_norm": True, "dropout": 0.2},
    {"units": 3, "activation": "tanh", "dropout": 0.1}], "l2": 0.001}


@pytest.mark.parametrize("config", [
    {**SMALL, "data": "blobs", "classes": 3, "features": ["x1", "x2", "x1*x2"],
     "optimizer": "rmsprop", "l2": 0.001, "loss": "mse"},
    NORMALIZED,
], ids=["blobs-rmsprop-mse", "dropout-batch-norm"])
def test_exported_model_and_script_rebuild_the_same_weights(client, tmp_path, config):
    sid = new_session(client, config)
    for _ in range(4):
        client.post(f"/api/sessions/{sid}/control", json={"action": "step"})
    wait_for(client, sid, lambda f: f["epoch"] == 4)
    r = client.get(f"/api/sessions/{sid}/model.npz")
    assert r.status_code == 200 and "playground_model.npz" in r.headers["content-disposition"]
    (tmp_path / "page.npz").write_bytes(r.content)
    page = npmlp.load(tmp_path / "page.npz")
    # the page trained in chunks; one fit of 4 epochs from the same config gives the same bits
    fresh = Experiment(parse(config))
    fresh.model.fit(fresh.X_train, fresh.data.y_train, batch_size=16, epochs=4, verbose=0,
                    validation_data=(fresh.X_test, fresh.data.y_test))
    for a, b in zip(page.get_weights(), fresh.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    script = client.get(f"/api/sessions/{sid}/script.py").text
    (tmp_path / "experiment.py").write_text(script)
    src = str(Path(npmlp.__file__).parents[1])
    run = subprocess.run([sys.executable, "experiment.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120, env={"PYTHONPATH": src, "PATH": "/usr/bin"})
    assert run.returncode == 0, run.stderr
    assert "4 epochs" in run.stdout
    rebuilt = npmlp.load(tmp_path / "playground_model.npz")
    for a, b in zip(page.get_weights(), rebuilt.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("config", [SMALL, NORMALIZED], ids=["dense", "dropout-batch-norm"])
def test_check_against_keras_for_the_epochs_trained(client, config):
    sid = new_session(client, config)
    assert "train at least one epoch" in error(client.post(f"/api/sessions/{sid}/check"), 409)
    for _ in range(2):
        client.post(f"/api/sessions/{sid}/control", json={"action": "step"})
    wait_for(client, sid, lambda f: f["epoch"] == 2)
    r = client.post(f"/api/sessions/{sid}/check")
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["passed"] is True and result["epochs"] == 2 and result["dtype"] == "float64"
    assert result["max_loss_delta"] <= 1e-10 and result["max_weight_delta"] <= 1e-10
    assert result["page_weight_delta"] == 0.0 and result["failure"] is None
    assert len(result["weight_delta_by_epoch"]) == 2
    assert max(result["weight_delta_by_epoch"]) == result["max_weight_delta"]


def test_every_export_format_holds_the_page_model(client, tmp_path):
    import keras
    import onnxruntime

    sid = new_session(client, NORMALIZED)
    client.post(f"/api/sessions/{sid}/control", json={"action": "step"})
    wait_for(client, sid, lambda f: f["epoch"] == 1)
    files = {}
    for name in export.FORMATS:
        r = client.get(f"/api/sessions/{sid}/model.{name}")
        assert r.status_code == 200, r.text
        assert f'filename="playground_model.{name}"' in r.headers["content-disposition"]
        files[name] = tmp_path / f"page.{name}"
        files[name].write_bytes(r.content)
    page = npmlp.load(files["npz"])
    X = np.random.default_rng(0).normal(size=(7, 2))
    expected = page.predict_proba(X)
    for a, b in zip(page.get_weights(), npmlp.load(files["safetensors"]).get_weights()):
        np.testing.assert_array_equal(a, b)
    run = onnxruntime.InferenceSession(str(files["onnx"]))
    got = run.run(None, {run.get_inputs()[0].name: X})[0]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    twin = keras.saving.load_model(files["keras"])
    np.testing.assert_allclose(np.asarray(twin(X, training=False)), expected, rtol=1e-12,
                               atol=1e-12)
    assert "formats are npz, onnx" in error(client.get(f"/api/sessions/{sid}/model.pdf"), 404)


def test_a_format_whose_writer_is_missing_is_refused_with_the_install_line(client, monkeypatch):
    monkeypatch.setitem(export.FORMATS, "onnx", (export.FORMATS["onnx"][0],
                                                 "no_such_onnx_package", "onnx"))
    assert not next(f for f in client.get("/api/options").json()["exports"]
                    if f["format"] == "onnx")["available"]
    sid = new_session(client)
    message = error(client.get(f"/api/sessions/{sid}/model.onnx"), 409)
    assert "pip install 'npmlp[onnx]'" in message


def test_the_script_of_an_upload_reads_the_csv_given(tmp_path):
    rows = [(i, (i * 7) % 11, "a" if i % 3 else "b") for i in range(40)]
    (tmp_path / "mine.csv").write_bytes(csv_bytes(rows))
    text = export.script(parse({"data": "upload", "upload": "x"}), "binary", 1, 2)
    (tmp_path / "experiment.py").write_text(text)
    src = str(Path(npmlp.__file__).parents[1])
    run = subprocess.run([sys.executable, "experiment.py", "mine.csv"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": src, "PATH": "/usr/bin"})
    assert run.returncode == 0, run.stderr
    assert "2 epochs" in run.stdout and (tmp_path / "playground_model.npz").exists()
