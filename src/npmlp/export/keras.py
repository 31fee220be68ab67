"""Keras export: ``npmlp.compare.to_keras(model, portable=True).save(...)``, a ``.keras``
file that plain ``keras.saving.load_model`` opens (no custom objects) and that predicts what
the model predicts (float64: within 1e-12; leaky ReLU as Dense + PReLU, see ``to_keras``).

Keras writes to a file name ending in ``.keras``; npmlp lets it write into a temporary folder,
then copies the bytes to ``path`` with ``atomic_write``, so ``path`` is never half-written.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from npmlp._files import atomic_write
from npmlp.compare.keras_bridge import require_keras, to_keras
from npmlp.export._common import check_model


def write(model, path) -> None:
    """Save the Keras equivalent of ``model`` to ``path`` (a .keras file), atomically."""
    check_model(model, "export()")
    if Path(path).suffix != ".keras":
        raise ValueError(f"a Keras file name must end in .keras, got {str(path)!r}")
    require_keras()
    k_model = to_keras(model, portable=True)
    # Build the optimizer's slots now: a file saved before they exist makes load_model warn
    # that it skips the optimizer's variables.
    k_model.optimizer.build(k_model.trainable_variables)
    with tempfile.TemporaryDirectory(prefix="npmlp-keras-") as tmp:
        staged = Path(tmp) / "model.keras"
        k_model.save(staged)
        data = staged.read_bytes()
    atomic_write(path, lambda f: f.write(data))
