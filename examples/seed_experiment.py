"""The seed's experiment: npmlp.mlp(X, y, 32, 100, 3, 0.2) on 100 x 10 random data.

3 hidden ReLU layers of 64, a sigmoid output, batch 32, 100 epochs, the last 20% held out,
SGD with learning rate 0.01; then the Loss vs Epoch and Accuracy vs Epoch plots. The labels
are random, so validation accuracy hovers around 0.5: the network can only memorise.

    python examples/seed_experiment.py            # NPMLP_EXAMPLE_QUICK=1 or --quick: 3 epochs
"""

import os
import sys
from pathlib import Path

import npmlp

QUICK = os.environ.get("NPMLP_EXAMPLE_QUICK") == "1" or "--quick" in sys.argv
OUT = Path(os.environ.get("NPMLP_EXAMPLE_OUT", "runs/examples"))
OUT.mkdir(parents=True, exist_ok=True)

X, y = npmlp.datasets.dummy(n_samples=100, n_features=10, seed=0)
history = npmlp.mlp(X, y, 32, 3 if QUICK else 100, 3, 0.2, seed=0, verbose=0 if QUICK else 1)
print(history.model.summary())
print(f"final accuracy {history.accuracy[-1]:.3f}, val_accuracy {history.val_accuracy[-1]:.3f}")
print("wrote", npmlp.plot_history(history, OUT / "seed_history.png"))
