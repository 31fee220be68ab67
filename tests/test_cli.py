"""The real `npmlp` command in a subprocess."""

import os
import subprocess
import sys

import numpy as np

import npmlp


def run(*args, check=True):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    result = subprocess.run([sys.executable, "-m", "npmlp", *args], capture_output=True,
                            text=True, env=env, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_train_writes_plot_and_model(tmp_path):
    plot, model = tmp_path / "out" / "h.png", tmp_path / "out" / "m.npz"
    result = run("train", "--epochs", "4", "--seed", "0", "--plot", str(plot),
                 "--save", str(model))
    epochs = [line for line in result.stdout.splitlines() if line.startswith("Epoch ")]
    assert len(epochs) == 4 and epochs[-1].startswith("Epoch 4/4 - loss: ")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    loaded = npmlp.load(model)
    assert [layer.units for layer in loaded.layers] == [64, 64, 64, 1]
    assert len(loaded.history.loss) == 4


def test_train_defaults_are_the_seed_experiment():
    result = run("train", "--quiet", "--seed", "1")
    assert "Epoch" not in result.stdout
    assert "MLP(10-64-64-64-1" in result.stdout and "for 100 epochs" in result.stdout


def test_train_options_reach_the_model(tmp_path):
    path = tmp_path / "m.npz"
    run("train", "--dataset", "moons", "--layers", "1", "--units", "8", "--activation", "tanh",
        "--optimizer", "sgd", "--momentum", "0.9", "--nesterov", "--l2", "0.001",
        "--clipnorm", "1.0", "--dtype", "float64", "--epochs", "2", "--batch-size", "50",
        "--validation-split", "0.25", "--learning-rate", "0.05", "--quiet", "--save", str(path))
    model = npmlp.load(path)
    assert model.dtype == np.float64 and model.layers[0].activation.name == "tanh"
    assert model.optimizer.momentum == 0.9 and model.optimizer.nesterov
    assert model.optimizer.clipnorm == 1.0 and model.optimizer.learning_rate == 0.05
    assert model.layers[0].kernel_regularizer.l2 == 0.001
    assert model.optimizer.iterations == 2 * 3  # 150 training samples in batches of 50


def test_help_documents_every_option():
    out = run("train", "--help").stdout
    for option in ("--dataset", "--layers", "--units", "--activation", "--epochs",
                   "--batch-size", "--validation-split", "--optimizer", "--learning-rate",
                   "--momentum", "--nesterov", "--l2", "--clipnorm", "--seed", "--dtype",
                   "--save", "--plot", "--quiet"):
        assert option in out


def test_bad_arguments_give_one_line_errors():
    result = run("train", "--validation-split", "1.5", "--epochs", "1", check=False)
    assert result.returncode == 2
    assert "--validation-split" in result.stderr and "Traceback" not in result.stderr
    result = run("train", "--batch-size", "0", check=False)
    assert result.returncode == 2 and "must be >= 1" in result.stderr
