"""'Check against Keras': the configuration retrained in npmlp and Keras side by side.

``npmlp.compare.run_parity`` trains a fresh copy of the experiment's model and its Keras twin
from the same initial weights on the same batches for the epochs the page has trained, and
reports the largest loss and weight differences (as ``npmlp compare --mode parity``). The
fresh npmlp copy must also land on the page's own weights: that shows the check is about the
model on the screen.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from npmlp.compare import run_parity
from npmlp.playground.config import LIMITS
from npmlp.playground.session import Experiment

INSTALL_HINT = "pip install 'npmlp[tensorflow]'"


def keras_available() -> bool:
    return importlib.util.find_spec("tensorflow") is not None


def check(experiment: Experiment, epochs: int, page_weights: list[np.ndarray] | None) -> dict:
    """Run the parity check for ``epochs`` epochs of a fresh copy of ``experiment``.

    ``experiment`` must be untrained (built from the same configuration); ``page_weights``
    are the page's weights after ``epochs`` epochs (None: not compared).
    """
    checked = min(epochs, LIMITS.max_check_epochs)
    model = experiment.model
    result = run_parity(model, experiment.X_train, experiment.data.y_train,
                        batch_size=experiment.batch_size, epochs=checked,
                        validation_data=(experiment.X_test, experiment.data.y_test))
    report = {
        "epochs": checked, "epochs_trained": epochs, "passed": result.passed,
        "verdict": result.verdict(), "dtype": result.dtype,
        "max_loss_delta": result.max_delta("loss"),
        "max_val_loss_delta": result.max_delta("val_loss"),
        "max_weight_delta": result.max_weight_delta(),
        "npmlp_loss": result.npmlp_history.get("loss", [None])[-1],
        "keras_loss": result.keras_history.get("loss", [None])[-1],
        "page_weight_delta": None,
        # per epoch, the largest |delta| over every weight: round-off shows as ~1e-16 growth
        "weight_delta_by_epoch": [
            max((result.abs_delta[k][e] for k in result.abs_delta if k[0] in "Wb"), default=0.0)
            for e in range(checked)],
        "failure": result.failure,
    }
    if page_weights is not None and checked == epochs:
        report["page_weight_delta"] = max(
            float(np.max(np.abs(a - b))) for a, b in zip(model.get_weights(), page_weights))
    return report
