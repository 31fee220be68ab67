"""Streaming fit from disk: batches read from a memory-mapped .npy or a chunked CSV train to
the same weights as the in-memory fit over the same batches (shuffle=False)."""

import math

import numpy as np
import pandas as pd
import pytest

import npmlp

BATCH, EPOCHS = 16, 3


def _model():
    return npmlp.MLP([npmlp.Dense(12, "tanh"), npmlp.Dense(3, "softmax")],
                     optimizer=npmlp.Adam(0.01), seed=0, dtype="float64")


@pytest.fixture(scope="module")
def data():
    return npmlp.datasets.spirals(150, n_classes=3, seed=0)  # 150 = 9 batches of 16 + 6


@pytest.fixture(scope="module")
def in_memory(data):
    X, y = data
    model = _model()
    history = model.fit(X, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    return model.get_weights(), history.history


def _assert_same(model, history, in_memory):
    for W_stream, W_mem in zip(model.get_weights(), in_memory[0], strict=True):
        np.testing.assert_array_equal(W_stream, W_mem)
    assert history.history == in_memory[1]


def test_memmap_generator_equals_in_memory_fit(data, in_memory, tmp_path):
    X, y = data
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    X_disk = np.load(tmp_path / "X.npy", mmap_mode="r")
    y_disk = np.load(tmp_path / "y.npy", mmap_mode="r")
    assert isinstance(X_disk, np.memmap)
    steps = math.ceil(len(y) / BATCH)
    read = []

    def batches():  # a generator runs on across epochs, like Keras's
        while True:
            for start in range(0, len(y_disk), BATCH):
                read.append(start)
                yield X_disk[start:start + BATCH], y_disk[start:start + BATCH]

    model = _model()
    history = model.fit(batches(), steps_per_epoch=steps, epochs=EPOCHS, verbose=0)
    _assert_same(model, history, in_memory)
    assert len(read) == steps * EPOCHS  # never more than asked for


class CsvChunks:
    """A re-iterable source: each epoch re-reads the CSV in chunks of ``BATCH`` rows."""

    def __init__(self, path):
        self.path = path

    def __iter__(self):
        for chunk in pd.read_csv(self.path, chunksize=BATCH):
            yield chunk.drop(columns="label").to_numpy(), chunk["label"].to_numpy()


def test_chunked_csv_equals_in_memory_fit(data, in_memory, tmp_path):
    X, y = data
    frame = pd.DataFrame(X, columns=["x0", "x1"]).assign(label=y)
    frame.to_csv(tmp_path / "spirals.csv", index=False, float_format="%.17g")  # exact
    model = _model()
    history = model.fit(CsvChunks(tmp_path / "spirals.csv"), epochs=EPOCHS, verbose=0)
    _assert_same(model, history, in_memory)


def test_streaming_errors(data):
    X, y = data
    gen = ((X[i:i + BATCH], y[i:i + BATCH]) for i in range(0, 150, BATCH))
    with pytest.raises(ValueError, match="steps_per_epoch"):
        _model().fit(gen, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="validation_data"):
        _model().fit([(X, y)], epochs=1, validation_split=0.2, verbose=0)
    with pytest.raises(TypeError, match="batch 1"):
        _model().fit([X], epochs=1, verbose=0)
