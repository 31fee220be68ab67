"""The TensorBoard callback: training curves and weight histograms for ``tensorboard --logdir``.

Written through tensorboardX (``pip install 'npmlp[tensorboard]'``), imported when the
callback is created. Per epoch: one scalar per logged metric, tagged with its History key
(``loss``, ``accuracy``, ``val_loss``, ...), and ``learning_rate``
(``optimizer.current_learning_rate()`` at the epoch's end, the rate of the next step). Every
``histogram_freq`` epochs (epochs 0, f, 2f, ..., as Keras): histograms of each layer's
weights (``dense_0/kernel``, ``dense_0/bias``) and of the gradients of the epoch's last batch
(``dense_0/kernel_gradient``, ``dense_0/bias_gradient``).
"""

from __future__ import annotations

import os
from pathlib import Path

from npmlp._extras import require
from npmlp.callbacks.base import Callback
from npmlp.nn.layers import layer_name


class TensorBoard(Callback):
    """Write scalars and histograms to event files in ``log_dir`` (created if missing)."""

    def __init__(self, log_dir: str | os.PathLike = "runs/tensorboard", histogram_freq: int = 1):
        if not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(f"log_dir must be a str or os.PathLike, got {type(log_dir).__name__}")
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) or \
                histogram_freq < 0:
            raise ValueError(f"histogram_freq must be an int >= 0 (0: no histograms), got "
                             f"{histogram_freq!r}")
        self.log_dir = Path(log_dir)
        self.histogram_freq = histogram_freq
        self._tbx = require("tensorboardX", "tensorboard", "npmlp.TensorBoard")
        self.writer = None

    def on_train_begin(self, logs=None):
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.writer = self._tbx.SummaryWriter(logdir=str(self.log_dir))

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.writer.add_scalar(key, float(value), epoch)
        rate = self.model.optimizer.current_learning_rate()
        self.writer.add_scalar("learning_rate", float(rate), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._histograms(epoch)
        self.writer.flush()

    def _histograms(self, epoch: int) -> None:
        for i, layer in enumerate(self.model.layers):
            name = layer_name(i, layer)
            for tag, values in (("kernel", layer.W), ("bias", layer.b),
                                ("kernel_gradient", layer.dW), ("bias_gradient", layer.db)):
                if values is not None:
                    self.writer.add_histogram(f"{name}/{tag}", values, epoch)

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
            self.writer = None
