"""Each shipped dataset trains above a stated accuracy on a held-out split, with the scaling
fitted on the training part only."""

import numpy as np
import pytest

from npmlp import datasets
from npmlp.sklearn import MLPClassifier

# name: (held-out accuracy it must reach, epochs)
TARGETS = {"iris": (0.90, 60), "wine": (0.90, 40), "breast_cancer": (0.93, 30),
           "digits": (0.93, 20)}


@pytest.mark.parametrize("name", list(TARGETS))
def test_dataset_trains_above_stated_accuracy(name):
    minimum, epochs = TARGETS[name]
    X, y = datasets.load(name)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_size=0.25, seed=0,
                                                                 stratify=True)
    scaler = datasets.Standardizer().fit(X_train)  # the test rows never touch the scaling
    est = MLPClassifier((32,), learning_rate=0.01, epochs=epochs, random_state=0)
    est.fit(scaler.transform(X_train), y_train)
    accuracy = est.score(scaler.transform(X_test), y_test)
    assert accuracy >= minimum, f"{name}: held-out accuracy {accuracy:.3f} < {minimum}"
    assert est.classes_.tolist() == np.unique(y).tolist()
