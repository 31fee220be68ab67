"""scikit-learn estimators around ``npmlp.MLP``: ``MLPClassifier`` and ``MLPRegressor``.

They follow scikit-learn's conventions (the constructor only stores parameters; ``fit``
validates them and the data; fitted attributes end in ``_``), so they work in ``Pipeline``,
``GridSearchCV``, ``cross_val_score``, ``clone`` and ``dask_ml.wrappers.Incremental``.

Sample weights (``fit``): each sample's loss is multiplied by its weight and a batch's loss is
divided by the batch size (Keras's rule). Before training, the weights (``sample_weight``
times the ``class_weight`` of each sample's class) are rescaled to mean 1 over the data given
to ``fit``, so ``learning_rate`` means the same with or without weights and multiplying every
weight by a constant changes nothing. With full-batch training (``batch_size >= n``) a weight
0 is then exactly the same as dropping that row, and an integer weight k the same as
repeating the row k times. ``partial_fit`` sees one chunk at a time and uses the weights as
given (no rescaling), so the relative weight of chunks is kept.
"""

from __future__ import annotations

try:  # validate_data is new in scikit-learn 1.6
    from sklearn.utils.validation import validate_data  # noqa: F401
except ImportError as exc:
    raise ImportError("npmlp.sklearn needs scikit-learn >= 1.6: "
                      "pip install 'npmlp[sklearn]'") from exc

from npmlp.sklearn.classifier import MLPClassifier
from npmlp.sklearn.regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
