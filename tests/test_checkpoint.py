"""Checkpoints, Ctrl-C and resuming: nothing learned is lost, and continuing is
bit-identical to never having stopped."""

import os
import signal

import numpy as np
import pytest

import npmlp
from npmlp import cli
from npmlp.optimizers import Optimizer

X, Y = npmlp.datasets.moons(n_samples=90, noise=0.2, seed=0)
FIT = dict(batch_size=16, validation_split=0.2, verbose=0)


def make(dtype="float64", optimizer=None):
    schedule = npmlp.InverseTimeDecay(0.05, decay_steps=5, decay_rate=0.5)
    opt = optimizer or npmlp.SGD(schedule, momentum=0.9, nesterov=True)
    return npmlp.MLP([npmlp.Dense(6, "relu"), npmlp.Dense(1, "sigmoid")],
                     optimizer=opt, seed=7, dtype=dtype)


def assert_same_model(a, b):
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        assert wa.dtype == wb.dtype
        np.testing.assert_array_equal(wa, wb)
    assert a.optimizer.iterations == b.optimizer.iterations
    for sa, sb in zip(a.optimizer.state, b.optimizer.state):
        for k in sa:
            np.testing.assert_array_equal(sa[k], sb[k])
    assert a.history.epoch == b.history.epoch
    assert a.history.history == b.history.history  # exact floats, every epoch


@pytest.mark.parametrize("dtype,optimizer", [("float64", None), ("float32", "adam"),
                                             ("float32", "rmsprop")])
def test_save_load_resume_is_bit_identical(tmp_path, dtype, optimizer):
    straight = make(dtype, optimizer)
    straight.fit(X, Y, epochs=6, **FIT)
    first = make(dtype, optimizer)
    first.fit(X, Y, epochs=3, **FIT)
    first.save(tmp_path / "half.npz")
    history = npmlp.resume(tmp_path / "half.npz", X, Y, 3, **FIT)
    assert history.epoch == list(range(6))
    assert_same_model(straight, history.model)


def test_fit_with_initial_epoch_numbers_the_epochs():
    m = make()
    m.fit(X, Y, epochs=2, **FIT)
    h = m.fit(X, Y, epochs=4, initial_epoch=2, **FIT)
    assert h.epoch == [0, 1, 2, 3] and len(h.loss) == 4


def test_checkpoint_every_epoch_then_resume_from_it(tmp_path):
    straight = make()
    ckpt = npmlp.ModelCheckpoint(tmp_path / "ckpt-{epoch:02d}.npz")
    straight.fit(X, Y, epochs=5, callbacks=[ckpt], **FIT)
    assert sorted(os.listdir(tmp_path)) == [f"ckpt-{e:02d}.npz" for e in range(1, 6)]
    assert ckpt.saved[-1].endswith("ckpt-05.npz")
    third = npmlp.load(tmp_path / "ckpt-03.npz")
    assert third.history.epoch == [0, 1, 2]
    npmlp.resume(third, X, Y, 2, **FIT)
    assert_same_model(straight, third)
    assert_same_model(straight, npmlp.load(tmp_path / "ckpt-05.npz"))


def test_save_best_only_saves_on_improvement(tmp_path):
    path = tmp_path / "best.npz"
    saves = []

    class Spy(npmlp.ModelCheckpoint):
        def on_epoch_end(self, epoch, logs=None):
            before = len(self.saved)
            super().on_epoch_end(epoch, logs)
            saves.append(len(self.saved) > before)

    m = make(optimizer=npmlp.SGD(0.5))
    ckpt = Spy(path, monitor="val_loss", save_best_only=True)
    h = m.fit(X, Y, epochs=8, callbacks=[ckpt], **FIT)
    running = np.minimum.accumulate(h.val_loss)
    expected = [True] + [h.val_loss[i] < running[i - 1] for i in range(1, 8)]
    assert saves == expected
    best = int(np.argmin(h.val_loss))
    assert ckpt.best_epoch == best and ckpt.best == h.val_loss[best]
    assert npmlp.load(path).history.epoch == list(range(best + 1))


def test_save_best_only_mode_max_for_accuracy(tmp_path):
    ckpt = npmlp.ModelCheckpoint(tmp_path / "acc.npz", monitor="val_accuracy",
                                 save_best_only=True)
    assert ckpt.mode == "max"
    h = make().fit(X, Y, epochs=4, callbacks=[ckpt], **FIT)
    assert ckpt.best == max(h.val_accuracy)


def test_checkpoint_errors(tmp_path):
    make().fit(X, Y, epochs=1, callbacks=[npmlp.ModelCheckpoint(tmp_path / "a" / "b.npz")],
               **FIT)
    assert (tmp_path / "a" / "b.npz").is_file()  # missing folders are made, as by the CLI
    ckpt = npmlp.ModelCheckpoint(tmp_path / "c.npz", monitor="val_auc", save_best_only=True)
    with pytest.raises(ValueError, match="'val_auc'.*not among the logged metrics"):
        make().fit(X, Y, epochs=1, callbacks=[ckpt], **FIT)
    bad = npmlp.ModelCheckpoint(tmp_path / "{nope}.npz")
    with pytest.raises(ValueError, match="cannot be formatted"):
        make().fit(X, Y, epochs=1, callbacks=[bad], **FIT)


class InterruptAt(npmlp.Callback):
    """Raise KeyboardInterrupt (as Ctrl-C would) after the given optimizer step."""

    def __init__(self, step):
        self.step = step

    def on_batch_end(self, batch, logs=None):
        if self.model.optimizer.iterations == self.step:
            raise KeyboardInterrupt


def test_interrupt_keeps_completed_epochs_and_a_usable_model():
    m = make()
    # 72 training samples in batches of 16: 5 batches per epoch; stop in epoch 3.
    h = m.fit(X, Y, epochs=10, callbacks=[InterruptAt(12)], **FIT)
    assert h.interrupted and m.stop_training
    assert h.epoch == [0, 1] and len(h.loss) == len(h.val_loss) == 2
    assert m.history is h
    # the unfinished epoch 3 was rolled back: the model stands at the end of epoch 2
    assert m.optimizer.iterations == 10
    two = make()
    two.fit(X, Y, epochs=2, **FIT)
    for a, b in zip(two.get_weights(), m.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert m.rng.bit_generator.state == two.rng.bit_generator.state
    assert m.predict(X).shape == (90,)
    h2 = m.fit(X, Y, epochs=1, **FIT)  # still trainable
    assert not h2.interrupted and m.optimizer.iterations == 15


def test_interrupt_in_epoch_end_callback_keeps_that_epoch(tmp_path):
    class StopAtEpochEnd(npmlp.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    h = make().fit(X, Y, epochs=5, callbacks=[StopAtEpochEnd()], **FIT)
    assert h.interrupted and h.epoch == [0, 1]


def test_real_sigint_during_an_update_finishes_the_update(monkeypatch):
    """A Ctrl-C landing in the middle of the optimizer's per-parameter loop is deferred to
    the end of the batch: all parameters get that step, none gets a half step."""
    class WeightsAt(npmlp.Callback):  # the weights right after optimizer step 8
        def on_batch_end(self, batch, logs=None):
            if self.model.optimizer.iterations == 8:
                self.weights = self.model.get_weights()

    reference, at_8 = make(), WeightsAt()
    reference.fit(X, Y, epochs=3, callbacks=[at_8], **FIT)

    original = Optimizer.apply
    count = {"n": 0}

    def apply(self, params, grads, **kwargs):
        count["n"] += 1
        if count["n"] == 8:
            os.kill(os.getpid(), signal.SIGINT)  # delivered while this update runs
        return original(self, params, grads, **kwargs)

    monkeypatch.setattr(Optimizer, "apply", apply)
    m, seen = make(), WeightsAt()
    h = m.fit(X, Y, epochs=3, callbacks=[seen], **FIT)
    assert h.interrupted and h.epoch == [0]
    for a, b in zip(at_8.weights, seen.weights):  # step 8 was applied whole
        np.testing.assert_array_equal(a, b)
    assert m.optimizer.iterations == 5  # then the unfinished epoch 2 was rolled back
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_second_sigint_aborts_at_once():
    class DoubleCtrlC(npmlp.Callback):
        def on_batch_end(self, batch, logs=None):
            if batch == 1:
                os.kill(os.getpid(), signal.SIGINT)
                os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        make().fit(X, Y, epochs=2, callbacks=[DoubleCtrlC()], **FIT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


CLI_DATA = ["--dataset", "moons", "--samples", "80", "--seed", "3", "--layers", "1",
            "--units", "6", "--batch-size", "16", "--quiet", "--optimizer", "adam",
            "--learning-rate", "0.02"]


def test_cli_resume_is_bit_identical(tmp_path, capsys):
    full, half = str(tmp_path / "full.npz"), str(tmp_path / "half.npz")
    assert cli.main(["train", *CLI_DATA, "--epochs", "6", "--save", full]) == 0
    assert cli.main(["train", *CLI_DATA, "--epochs", "3", "--save", half]) == 0
    assert cli.main(["train", *CLI_DATA, "--epochs", "3", "--resume", half]) == 0
    assert "for 6 epochs" in capsys.readouterr().out
    assert_same_model(npmlp.load(full), npmlp.load(half))


def test_cli_ctrl_c_saves_a_checkpoint_and_says_how_to_resume(tmp_path, capsys, monkeypatch):
    original = Optimizer.apply
    count = {"n": 0}

    def apply(self, params, grads, **kwargs):
        count["n"] += 1
        if count["n"] == 9:
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, params, grads, **kwargs)

    monkeypatch.setattr(Optimizer, "apply", apply)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["train", *CLI_DATA, "--epochs", "6"])
    assert code == 130
    err = capsys.readouterr().err
    assert "Interrupted: 2 epoch(s) completed" in err
    line = next(x for x in err.splitlines() if x.startswith("Resume with: npmlp train"))
    saved = os.listdir(tmp_path / "runs")
    assert len(saved) == 1 and saved[0].startswith("interrupted-")
    assert f"--resume runs/{saved[0]} --epochs 4" in line
    model = npmlp.load(tmp_path / "runs" / saved[0])
    assert model.history.epoch == [0, 1] and model.optimizer.iterations == 8  # rolled back
    monkeypatch.setattr(Optimizer, "apply", original)
    args = line.split("npmlp ", 1)[1].split()
    assert cli.main(args) == 0  # the printed command works
    resumed = npmlp.load(tmp_path / "runs" / saved[0])
    assert resumed.history.epoch == list(range(6))
    # ... and it continues bit-identically: the same as 6 epochs never interrupted
    assert cli.main(["train", *CLI_DATA, "--epochs", "6", "--save", "full.npz"]) == 0
    full = npmlp.load(tmp_path / "full.npz")
    assert resumed.history.history == full.history.history
    for a, b in zip(resumed.get_weights(), full.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_cli_resume_errors(tmp_path, capsys):
    assert cli.main(["train", "--resume", str(tmp_path / "nope.npz"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("npmlp train: error:") and "nope.npz" in err
    (tmp_path / "junk.npz").write_bytes(b"junk")
    assert cli.main(["train", "--resume", str(tmp_path / "junk.npz"), "--epochs", "1"]) == 2
    assert "not a readable .npz" in capsys.readouterr().err


def test_cli_resume_keeps_the_split(tmp_path):
    """--resume passes --split on: a stratified run resumed equals the uninterrupted one."""
    data = ["--dataset", "iris", "--seed", "3", "--layers", "1", "--units", "6", "--quiet",
            "--split", "stratified", "--optimizer", "adam"]
    full, half = str(tmp_path / "full.npz"), str(tmp_path / "half.npz")
    assert cli.main(["train", *data, "--epochs", "4", "--save", full]) == 0
    assert cli.main(["train", *data, "--epochs", "2", "--save", half]) == 0
    assert cli.main(["train", *data, "--epochs", "2", "--resume", half]) == 0
    a, b = npmlp.load(full), npmlp.load(half)
    assert a.history.history == b.history.history
    for p, q in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(p, q)
