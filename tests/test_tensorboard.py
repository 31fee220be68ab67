"""npmlp.TensorBoard: the event files, read back with TensorBoard's own EventAccumulator, hold
every epoch's scalars (equal to the History) and the weight and gradient histograms."""

import sys

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import npmlp


def read_events(log_dir):
    events = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "histograms": 0})
    events.Reload()
    return events


def test_scalars_equal_the_history_and_histograms_are_written(tmp_path):
    X, y = npmlp.datasets.moons(n_samples=120, noise=0.2, seed=0)
    schedule = npmlp.ExponentialDecay(0.05, decay_steps=3, decay_rate=0.5)
    model = npmlp.MLP([npmlp.Dense(8, "relu"), npmlp.Dense(1, "sigmoid")],
                      optimizer=npmlp.SGD(schedule), seed=0, dtype="float64")
    callback = npmlp.TensorBoard(tmp_path / "logs", histogram_freq=2)
    history = model.fit(X, y, batch_size=32, epochs=5, validation_split=0.25, verbose=0,
                        callbacks=[callback])
    events = read_events(tmp_path / "logs")
    tags = events.Tags()
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert set(tags["scalars"]) == set(history.history) | {"learning_rate"}
    for key, values in history.history.items():
        scalars = events.Scalars(key)
        assert [s.step for s in scalars] == [0, 1, 2, 3, 4]
        # event files store scalars as float32
        assert [s.value for s in scalars] == [float(np.float32(v)) for v in values], key
    steps_per_epoch = 3  # 90 training rows in batches of 32
    rates = [schedule(steps_per_epoch * (epoch + 1)) for epoch in range(5)]
    assert len(set(rates)) == 5  # the schedule really moves the rate
    assert [s.value for s in events.Scalars("learning_rate")] == \
        [float(np.float32(r)) for r in rates]
    histograms = {f"dense_{i}/{name}" for i in range(2)
                  for name in ("kernel", "bias", "kernel_gradient", "bias_gradient")}
    assert set(tags["histograms"]) == histograms
    for tag in histograms:
        assert [h.step for h in events.Histograms(tag)] == [0, 2, 4]  # every 2nd epoch
    # The last histograms (epoch 4, the last) are of the final weights and last gradients.
    for i, layer in enumerate(model.layers):
        for name, values in (("kernel", layer.W), ("bias", layer.b),
                             ("kernel_gradient", layer.dW), ("bias_gradient", layer.db)):
            h = events.Histograms(f"dense_{i}/{name}")[-1].histogram_value
            assert h.num == values.size
            assert (h.min, h.max) == (values.min(), values.max())
            assert h.sum == pytest.approx(values.sum(), rel=1e-12, abs=1e-15)


def test_histogram_freq_zero_writes_scalars_only(tmp_path):
    X, y = npmlp.datasets.moons(n_samples=40, seed=0)
    model = npmlp.MLP([npmlp.Dense(4), npmlp.Dense(1, "sigmoid")], seed=0)
    history = model.fit(X, y, epochs=2, verbose=0,
                        callbacks=[npmlp.TensorBoard(str(tmp_path), histogram_freq=0)])
    events = read_events(tmp_path)
    assert events.Tags()["histograms"] == []
    assert len(events.Scalars("loss")) == len(history.epoch) == 2


@pytest.mark.parametrize("kwargs, error", [({"histogram_freq": -1}, ValueError),
                                           ({"histogram_freq": 1.5}, ValueError),
                                           ({"log_dir": 3}, TypeError)])
def test_bad_arguments(tmp_path, kwargs, error):
    with pytest.raises(error, match="histogram_freq|log_dir"):
        npmlp.TensorBoard(**{"log_dir": tmp_path, **kwargs})


def test_missing_tensorboardx_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install 'npmlp\[tensorboard\]'"):
        npmlp.TensorBoard(tmp_path)


def test_cli_train_tensorboard(tmp_path, capsys):
    from npmlp.cli import main

    assert main(["train", "--dataset", "moons", "--epochs", "3", "--layers", "1",
                 "--units", "4", "--seed", "0", "--quiet", "--tensorboard",
                 str(tmp_path / "tb")]) == 0
    events = read_events(tmp_path / "tb")
    assert len(events.Scalars("val_loss")) == 3
    assert "dense_1/kernel_gradient" in events.Tags()["histograms"]
