"""The playground in a real browser: Debian's chromium driven by Playwright.

The chromium comes from apt (installed here when missing; CI runs as root), never from
Playwright's own download, which needs the internet. The server is the real uvicorn one.
"""

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

RUNS = Path(__file__).resolve().parents[1] / "runs" / "playground"
TEST_LOSS_TARGET = 0.1


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed with apt-get when it is missing."""
    path = find_chromium()
    if path is None:
        if os.geteuid() != 0:
            pytest.fail("the browser test needs Debian's chromium: run "
                        "`apt-get update && apt-get install -y chromium` as root")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=True, env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                       check=True, env=env, capture_output=True)
        path = find_chromium()
    assert path, "apt-get installed chromium but it is not on PATH"
    return path


@pytest.fixture(scope="module")
def server_url():
    """The playground served by uvicorn on a free port, in a thread."""
    import uvicorn

    from npmlp.playground import create_app

    app = create_app()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < end and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/"
    # every tab is closed by now: their sockets closed, so their sessions (and workers) ended
    end = time.monotonic() + 5
    while app.state.store.sessions and time.monotonic() < end:
        time.sleep(0.05)
    open_sessions = len(app.state.store.sessions)
    server.should_exit = True
    thread.join(10)
    assert open_sessions == 0, "a closed tab's session is still open"


@pytest.fixture
def page(chromium, server_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 820})
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        yield page
        browser.close()


def config_of(page) -> dict:
    return page.evaluate("() => window.npmlpPlayground.config")


def boundary(page) -> str:
    return page.evaluate("() => document.getElementById('boundary').toDataURL()")


def test_spirals_train_in_the_browser_and_the_link_reproduces_them(page, server_url):
    page.goto(server_url)
    page.wait_for_function("() => window.npmlpPlayground.frame !== null")
    assert config_of(page)["data"] == "circles"
    page.click("#data-spirals")
    page.wait_for_function("() => window.npmlpPlayground.dataset.config.data === 'spirals'")
    page.click("#add-layer")
    page.wait_for_function("() => window.npmlpPlayground.dataset.config.layers.length === 3")
    page.wait_for_timeout(200)
    before = boundary(page)
    assert page.locator("#columns .column").count() == 5     # inputs, 3 hidden, output

    page.click("#play")
    page.wait_for_function(
        f"() => Number(document.getElementById('test-loss').textContent) < {TEST_LOSS_TARGET}",
        timeout=40_000)
    page.click("#play")                                      # pause
    page.wait_for_function("() => window.npmlpPlayground.status === 'paused'")
    epoch = int(page.text_content("#epoch"))
    assert epoch > 0 and boundary(page) != before
    RUNS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RUNS / "spirals.png"), full_page=True)

    config = config_of(page)
    assert config["data"] == "spirals" and len(config["layers"]) == 3
    url = page.url
    assert "data=spirals" in url and "layers=8%3Atanh%2C8%3Atanh%2C4%3Atanh" in url
    page.goto(url)                                           # the shared link, in a fresh tab
    page.wait_for_function("() => window.npmlpPlayground.frame !== null")
    assert config_of(page) == config
    assert page.locator("#data-spirals.selected").count() == 1
    assert page.locator("#columns .column").count() == 5
    assert page.text_content("#epoch").strip("0") == ""      # a new session starts at 0
    assert page.console_errors == []


def test_a_refused_link_and_an_uploaded_csv(page, server_url, tmp_path):
    page.goto(server_url + "?data=moons&layers=99:tanh")
    page.wait_for_function("() => window.npmlpPlayground.frame !== null")
    assert "units must be between 1 and 32" in page.text_content("#message")
    assert config_of(page)["data"] == "circles"              # the defaults instead

    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,label\n" + "1,x,0\n" * 30)
    page.set_input_files("#upload", str(bad))
    page.wait_for_function("() => document.getElementById('message').textContent"
                           ".includes('expected a finite number')")
    good = tmp_path / "good.csv"
    rows = [f"{i % 7},{(i * 3) % 11},{'red' if i % 2 else 'blue'}" for i in range(60)]
    good.write_text("u,v,colour\n" + "\n".join(rows))
    page.set_input_files("#upload", str(good))
    page.wait_for_function("() => window.npmlpPlayground.dataset.config.data === 'upload'")
    assert "60 rows" in page.text_content("#upload-info")
    assert "blue, red" in page.text_content("#upload-info")
    assert page.locator("#data-upload.selected").count() == 1
    page.click("#step")
    page.wait_for_function("() => window.npmlpPlayground.frame.epoch === 1")
    assert [e for e in page.console_errors if "400" not in e] == []


def test_dropout_batch_norm_and_every_export_format(page, server_url):
    page.goto(server_url + "?data=moons&layers=8:relu,6:tanh")
    page.wait_for_function("() => window.npmlpPlayground.frame !== null")
    first = page.locator("#columns .column").nth(1)
    first.locator("select.dropout").select_option("0.2")
    settled = ("() => {{ const s = window.npmlpPlayground; "
               "return s.config.layers[0].{0} && s.dataset.config.layers[0].{0}; }}")
    page.wait_for_function(settled.format("dropout === 0.2"))
    page.locator("#columns .column").nth(1).locator(".batch-norm input").check()
    page.wait_for_function(settled.format("batch_norm"))
    assert "layers=8%3Arelu%3Abn%3Ad0.2%2C6%3Atanh" in page.url
    page.click("#step")
    page.wait_for_function("() => window.npmlpPlayground.frame.epoch === 1")
    frame = page.evaluate("() => window.npmlpPlayground.frame")
    assert [len(layer) for layer in frame["units"]] == [8, 6]
    assert frame["last"]["val_loss"] > 0

    sid = page.evaluate("() => window.npmlpPlayground.sid")
    for name in ("npz", "onnx", "safetensors", "keras"):
        link = page.locator(f"#export-{name}")
        assert link.get_attribute("href") == f"/api/sessions/{sid}/model.{name}"
        assert link.get_attribute("download") == f"playground_model.{name}"
        with page.expect_download() as download:
            link.click()
        path = download.value.path()
        assert download.value.suggested_filename == f"playground_model.{name}"
        assert Path(path).stat().st_size > 0
    RUNS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RUNS / "dropout_batch_norm.png"), full_page=True)

    config = config_of(page)
    page.goto(page.url)                                       # the link keeps both options
    page.wait_for_function("() => window.npmlpPlayground.frame !== null")
    assert config_of(page) == config
    head = page.locator("#columns .column").nth(1)
    assert head.locator("select.dropout").input_value() == "0.2"
    assert head.locator(".batch-norm input").is_checked()
    assert page.console_errors == []
