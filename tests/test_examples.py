"""Every worked example in examples/ runs to completion in quick mode (a smoke test)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
EXPECTED = {"seed_experiment.py", "moons_boundary.py", "digits.py", "own_csv.py",
            "compare_with_keras.py"}


def test_the_promised_examples_exist():
    assert EXPECTED <= {p.name for p in EXAMPLES}


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_in_quick_mode(script, tmp_path):
    env = dict(os.environ, NPMLP_EXAMPLE_QUICK="1", NPMLP_EXAMPLE_OUT=str(tmp_path),
               TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.strip()
    written = {p.name for p in tmp_path.iterdir()}
    if script.name == "seed_experiment.py":
        assert "seed_history.png" in written
    if script.name == "moons_boundary.py":
        assert "moons_boundary.png" in written
    if script.name == "compare_with_keras.py":
        assert "identical within tolerance" in done.stdout  # CI has TensorFlow: no skipping
