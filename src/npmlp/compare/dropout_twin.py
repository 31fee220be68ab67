"""The Keras twin of npmlp's Dropout for parity runs: it multiplies by the masks npmlp drew.

TensorFlow's own dropout draws from its own generator, which npmlp cannot reproduce, so the
parity run records npmlp's mask of every training batch and this layer applies them in the
same order: training batch ``t`` (Keras's ``optimizer.iterations`` before the update) gets
``(x * M_t) * (1 / (1 - rate))``, exactly npmlp's forward; its gradient is Keras's autodiff of
that product. At inference it is the identity, as Dropout. Everything else in the model is
then compared exactly.
"""

from __future__ import annotations

import numpy as np

from npmlp.callbacks import Callback
from npmlp.nn.dropout import Dropout


class MaskRecorder(Callback):
    """Records, after each training batch, the mask of every Dropout layer (float 0/1)."""

    def __init__(self):
        self.masks: dict[int, list[np.ndarray]] = {}

    def on_batch_end(self, batch, logs=None):
        for i, layer in enumerate(self.model.layers):
            if isinstance(layer, Dropout) and layer.rate > 0:
                keep = self.model.last_pass[i].keep
                self.masks.setdefault(i, []).append(np.array(keep, dtype=self.model.dtype))


def padded(masks: list[np.ndarray]) -> np.ndarray:
    """(steps, max_rows, units): the masks of every step, a short batch padded with zeros."""
    rows = max(m.shape[0] for m in masks)
    out = np.zeros((len(masks), rows, masks[0].shape[1]), masks[0].dtype)
    for t, m in enumerate(masks):
        out[t, :m.shape[0]] = m
    return out


class StepSource:
    """Holds the Keras optimizer's ``iterations`` variable (a plain object: Keras does not
    track it as the layer's state, so the twin has no weights of its own)."""

    variable = None


def recorded_dropout(keras, masks: np.ndarray, rate: float, name: str):
    """A Keras layer applying ``masks[t][:m]`` at training step t (set
    ``layer.source.variable`` to the optimizer's ``iterations`` after compiling)."""
    import tensorflow as tf

    scale = 1.0 / (1.0 - rate)

    class RecordedDropout(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.masks = tf.constant(masks)
            self.source = StepSource()

        def call(self, x, training=False):
            if not training:
                return x
            mask = tf.gather(self.masks, self.source.variable)[:tf.shape(x)[0]]
            return (x * mask) * scale

        def compute_output_shape(self, input_shape):
            return input_shape

    return RecordedDropout(name=name)
