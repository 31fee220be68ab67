"""`npmlp compare` end to end, in a subprocess: every file written, every image embedded."""

import base64
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("keras")

FILES = ["loss.png", "accuracy.png", "parity.png", "independent.png", "results.json",
         "results.md", "report.html"]


def test_compare_writes_the_report(tmp_path):
    out = tmp_path / "cmp"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, "-m", "npmlp", "compare", "--samples", "40", "--layers", "1",
         "--units", "8", "--epochs", "4", "--seeds", "2", "--batch-size", "8",
         "--out", str(out)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "identical within tolerance" in proc.stdout
    assert "bootstrap CI" in proc.stdout
    for name in FILES:
        assert (out / name).stat().st_size > 0, name
    page = (out / "report.html").read_text()
    assert "src='http" not in page and 'src="http' not in page          # works offline
    for name in FILES[:4]:
        data = base64.b64encode((out / name).read_bytes()).decode("ascii")
        assert f"data:image/png;base64,{data}" in page, name
    results = json.loads((out / "results.json").read_text())
    assert results["parity"]["passed"] and results["parity"]["dtype"] == "float64"
    assert len(results["parity"]["npmlp_history"]["loss"]) == 4
    assert len(results["independent"]["histories"]["keras"]) == 2
    assert results["versions"]["keras"] and results["versions"]["tensorflow"]
    assert "| npmlp |" in (out / "results.md").read_text()
