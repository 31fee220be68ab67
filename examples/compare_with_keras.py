"""Compare with Keras: the same network in both libraries, from the same weights.

``npmlp.compare.to_keras(model)`` builds the equivalent keras.Sequential and copies the
weights; ``run_parity`` trains both on the same batches in float64 and reports the largest
difference of every History entry and weight (around 1e-16: float64 rounding).

    python examples/compare_with_keras.py         # NPMLP_EXAMPLE_QUICK=1 or --quick: 2 epochs
"""

import os
import sys

import numpy as np

import npmlp

QUICK = os.environ.get("NPMLP_EXAMPLE_QUICK") == "1" or "--quick" in sys.argv
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

try:
    from npmlp.compare import keras_bridge, run_parity, to_keras

    keras = keras_bridge.require_keras()
except ImportError as exc:
    print(f"SKIPPED: comparing with Keras needs TensorFlow ({exc})")
    sys.exit(0)

X, y = npmlp.datasets.moons(n_samples=200, noise=0.2, seed=0)
model = npmlp.MLP([npmlp.Dense(16, "tanh"), npmlp.Dense(1, "sigmoid")],
                  optimizer=npmlp.SGD(learning_rate=0.1, momentum=0.9), seed=0, dtype="float64",
                  input_dim=2)

twin = to_keras(model)          # same architecture, same starting weights
twin.summary()
same = all(np.array_equal(a, b) for a, b in zip(model.get_weights(), twin.get_weights()))
print("identical starting weights:", same)

result = run_parity(model, X, y, batch_size=32, epochs=2 if QUICK else 20, validation_split=0.2)
print(result.verdict())
sys.exit(0 if result.passed else 1)
