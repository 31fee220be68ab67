"""Learn the two moons and draw the decision boundary.

A 2-32-32-1 ReLU network with Adam separates two interleaving half circles that no straight
line can; the plot shows the curved boundary it found.

    python examples/moons_boundary.py             # NPMLP_EXAMPLE_QUICK=1 or --quick: 5 epochs
"""

import os
import sys
from pathlib import Path

import npmlp

QUICK = os.environ.get("NPMLP_EXAMPLE_QUICK") == "1" or "--quick" in sys.argv
OUT = Path(os.environ.get("NPMLP_EXAMPLE_OUT", "runs/examples"))
OUT.mkdir(parents=True, exist_ok=True)

X, y = npmlp.datasets.moons(n_samples=400, noise=0.15, seed=0)
model = npmlp.MLP([npmlp.Dense(32, "relu"), npmlp.Dense(32, "relu"), npmlp.Dense(1, "sigmoid")],
                  optimizer=npmlp.Adam(learning_rate=0.01), seed=0)
history = model.fit(X, y, batch_size=32, epochs=5 if QUICK else 100, validation_split=0.2,
                    verbose=0)
print(f"val_accuracy after {len(history.epoch)} epochs: {history.val_accuracy[-1]:.3f}")
print("wrote", npmlp.plot_decision_boundary(model, X, y, OUT / "moons_boundary.png"))
