"""Classify 8 x 8 handwritten digits: 64 pixels in, 10 classes out (softmax).

The pixels (0..16) are standardised with statistics of the training set only; a quarter of
the images is held out as a test set the network never sees while training.

    python examples/digits.py                     # NPMLP_EXAMPLE_QUICK=1 or --quick: 2 epochs
"""

import os
import sys

import numpy as np

import npmlp

QUICK = os.environ.get("NPMLP_EXAMPLE_QUICK") == "1" or "--quick" in sys.argv

X, y = npmlp.datasets.load("digits")
X_train, X_test, y_train, y_test = npmlp.datasets.train_test_split(X, y, test_size=0.25, seed=0)
mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-8   # constant pixels: avoid 0/0
X_train, X_test = (X_train - mean) / std, (X_test - mean) / std

model = npmlp.MLP([npmlp.Dense(64, "relu"), npmlp.Dense(10, "softmax")],
                  optimizer=npmlp.Adam(learning_rate=0.005), seed=0)
model.fit(X_train, y_train, batch_size=64, epochs=2 if QUICK else 30, validation_split=0.1,
          verbose=0)
print(f"test accuracy: {model.evaluate(X_test, y_test)['accuracy']:.3f}")
predicted = model.predict(X_test)
print("first 10 test images: predicted", predicted[:10].tolist(), "true", y_test[:10].tolist())
print("confusions per digit:", np.bincount(y_test[predicted != y_test], minlength=10).tolist())
