"""npmlp playground on the command line: arguments, the real server, a missing extra."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import npmlp
import npmlp.playground
from npmlp.cli import main


def test_the_command_parses_its_options_and_calls_serve(monkeypatch):
    calls = []
    monkeypatch.setattr(npmlp.playground, "serve",
                        lambda host, port, open_browser: calls.append((host, port, open_browser)))
    assert main(["playground"]) == 0
    assert main(["playground", "--host", "0.0.0.0", "--port", "9000", "--open"]) == 0
    assert calls == [("127.0.0.1", 8765, False), ("0.0.0.0", 9000, True)]


def test_bad_ports_and_a_missing_extra_are_clear_errors(monkeypatch, capsys):
    assert main(["playground", "--port", "70000"]) == 2
    assert "port must be at most 65535" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "starlette", None)
    assert main(["playground"]) == 3  # a missing extra: the same status as compare without TF
    assert "pip install 'npmlp[playground]'" in capsys.readouterr().err
    with pytest.raises(ImportError, match=r"npmlp\[playground\]"):
        npmlp.playground.create_app()


def test_the_server_starts_and_prints_its_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = str(Path(npmlp.__file__).parents[1])
    proc = subprocess.Popen([sys.executable, "-m", "npmlp", "playground", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": src})
    try:
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        end = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/options") as r:
                    options = json.load(r)
                break
            except OSError:
                assert time.monotonic() < end and proc.poll() is None, proc.stderr.read()
                time.sleep(0.1)
        assert "spirals" in options["datasets"]
    finally:
        proc.terminate()
        proc.wait(10)
