"""Smoke test of the benchmark harness (``benchmarks/bench.py``, run by ``make bench``): it runs,
checks losses, and writes its table, JSON and PNG. Nothing here is timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench  # noqa: E402
import peers  # noqa: E402


def test_bench_quick_runs_and_every_framework_reaches_npmlps_loss(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    cmd = [sys.executable, str(BENCHMARKS / "bench.py"), "--quick", "--repeats", "1",
           "--workload", "seed", "--out", str(tmp_path), "--frameworks", "npmlp",
           "handwritten", "gemm-floor", "keras"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "== seed" in proc.stdout and "npmlp / GEMM floor" in proc.stdout
    report = json.loads((tmp_path / "bench.json").read_text())
    assert (tmp_path / "bench.png").stat().st_size > 1000
    results = report["workloads"][0]["results"]
    assert set(results) == {"npmlp", "handwritten", "gemm-floor", "keras"}
    for name, res in results.items():
        assert res["status"] == "ok", (name, res)
        assert len(res["times_s"]) == 1 and res["median_s"] > 0
    ref = results["npmlp"]["loss"]
    for name in ("handwritten", "keras"):
        assert bench.same_to_3_digits(results[name]["loss"], ref)


def test_a_mismatched_framework_gets_no_time(monkeypatch):
    class Wrong(peers.HandwrittenRunner):
        def run(self):
            w = self.w
            self.out, _ = self.train(w.X, w.Y, w.init, w.batch_size, w.epochs, w.lr * 3)

    monkeypatch.setitem(peers.RUNNERS, "handwritten", Wrong)
    logged = []
    report = bench.bench_workload(bench.make_workload("seed", quick=True),
                                  ["npmlp", "handwritten"], 1, 1, logged.append)
    assert report["results"]["handwritten"]["status"] == "LOSS MISMATCH"
    assert "median_s" not in report["results"]["handwritten"]
    assert any("no time reported" in line for line in logged)


def test_training_loss_and_three_digit_rule():
    w = bench.make_workload("medium", quick=True)
    uniform = [np.zeros_like(p) for p in w.init]  # all-zero logits: loss = log(10)
    assert bench.training_loss(w, uniform) == pytest.approx(np.log(10))
    assert bench.same_to_3_digits(0.69349, 0.69351)
    assert not bench.same_to_3_digits(0.6935, 0.6950)
    with pytest.raises(ValueError, match="workload"):
        bench.run(["huge"], out=None)
