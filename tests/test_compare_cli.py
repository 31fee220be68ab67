"""`npmlp compare` end to end: every file written, every image embedded, and a parity
failure turned into exit status 1 naming the first epoch and parameter that diverged."""

import base64
import json
import os
import re
import subprocess
import sys

import keras  # noqa: F401  (in the dev extra: a missing Keras fails here instead of skipping)

from npmlp.cli import main
from npmlp.compare import keras_bridge

FILES = ["loss.png", "accuracy.png", "parity.png", "independent.png", "results.json",
         "results.md", "report.html"]


def test_compare_writes_the_report(tmp_path):
    out = tmp_path / "cmp"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, "-m", "npmlp", "compare", "--layers", "1", "--units", "8",
         "--epochs", "4", "--seeds", "3", "--batch-size", "8", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # TensorFlow's start-up lines are not shown (they are printed before its log level acts)
    assert "oneDNN" not in proc.stderr and "absl::InitializeLog" not in proc.stderr
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
    independent = results["independent"]
    assert len(independent["histories"]["keras"]) == len(independent["histories"]["npmlp"]) == 3
    # Independent mode on the seed's data (100 x 10, default dataset): every run of both
    # frameworks learns (its training loss falls), and the bootstrap CI of the difference of
    # the final validation accuracy, npmlp minus Keras, contains 0.
    for framework, runs in independent["histories"].items():
        for h in runs:
            assert len(h["loss"]) == 4 and h["loss"][-1] < h["loss"][0], (framework, h["loss"])
    assert independent["difference"]["key"] == "val_accuracy"
    low, high = independent["difference"]["ci95"]
    assert low <= 0.0 <= high, (low, high)
    assert f"95% bootstrap CI [{low:+.4f}, {high:+.4f}]" in proc.stdout
    # the report's configuration and versions are tables, not raw JSON
    assert "<h2>Configuration</h2><table class='kv'>" in page
    assert "<h2>Versions</h2><table class='kv'><tr><th>python</th>" in page
    assert '{"' not in page
    # results.md's tables render: every row has as many cells as the header
    for table in (out / "results.md").read_text().split("\n\n"):
        rows = [r for r in table.splitlines() if r.startswith("|")]
        cells = {len(re.split(r"(?<!\\)\|", r)) for r in rows}
        assert len(cells) <= 1, table
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no work folder left
    assert results["versions"]["keras"] and results["versions"]["tensorflow"]
    assert "| npmlp |" in (out / "results.md").read_text()


def test_compare_exits_1_naming_where_parity_failed(tmp_path, monkeypatch, capsys):
    """A Keras twin with twice the learning rate: the command fails at epoch 1 in W1."""
    build_optimizer = keras_bridge.keras_optimizer

    def doubled_learning_rate(keras_module, opt, dtype="float64"):
        k_opt = build_optimizer(keras_module, opt, dtype)
        k_opt.learning_rate = 2 * float(opt.learning_rate)
        return k_opt

    monkeypatch.setattr(keras_bridge, "keras_optimizer", doubled_learning_rate)
    out = tmp_path / "cmp"
    code = main(["compare", "--mode", "parity", "--epochs", "3", "--samples", "40",
                 "--layers", "1", "--units", "4", "--learning-rate", "0.05",
                 "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 1, printed.err[-3000:]
    match = re.search(r"DIVERGED at epoch (\d+) in (\w+)", printed.out + printed.err)
    assert match, printed.out[-3000:]
    # the very first update differs, and weights are checked before the History entries
    assert match.groups() == ("1", "W1")
    failure = json.loads((out / "results.json").read_text())["parity"]["failure"]
    assert (failure["epoch"], failure["name"]) == (1, "W1")
    assert failure["delta"] > failure["tolerance"]


def test_a_failed_compare_leaves_no_folder(tmp_path, monkeypatch):
    """A run that breaks while writing its report leaves neither the folder nor its parts."""
    from npmlp.compare import report

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(report, "plot_parity", broken)
    out = tmp_path / "cmp"
    assert main(["compare", "--mode", "parity", "--epochs", "1", "--samples", "20",
                 "--layers", "1", "--units", "2", "--out", str(out)]) == 2
    assert os.listdir(tmp_path) == []
