"""scikit-learn's own estimator checks on npmlp.sklearn.MLPClassifier and MLPRegressor."""

import os

from sklearn.utils.estimator_checks import parametrize_with_checks

from npmlp.sklearn import MLPClassifier, MLPRegressor

# Small but default-like: the checks fit dozens of times, and some demand accuracy > 0.83
# (blobs) or R^2 > 0.5 after fit. batch_size 32 is a full batch for the 15-sample
# sample-weight-equivalence check, where weights rescaled to mean 1 make a full batch with
# integer weights equal to repeating the rows.
ESTIMATORS = [
    MLPClassifier(hidden_layer_sizes=(32,), learning_rate=0.01, epochs=30, random_state=0),
    MLPRegressor(hidden_layer_sizes=(32,), learning_rate=0.01, epochs=30, random_state=0),
    # averaged members (npmlp.Ensemble) pass the same checks
    MLPClassifier(hidden_layer_sizes=(32,), learning_rate=0.01, epochs=30, random_state=0,
                  n_members=3),
    MLPRegressor(hidden_layer_sizes=(32,), learning_rate=0.01, epochs=30, random_state=0,
                 n_members=3),
]


# Checks of a method the estimators do not have: scikit-learn would skip them. Instead the
# test asserts that the method is indeed absent (its own MLPClassifier has none either).
NOT_APPLICABLE = {"check_classifiers_multilabel_output_format_decision_function":
                  "decision_function"}


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    method = NOT_APPLICABLE.get(getattr(check, "func", check).__name__)
    if method is not None:
        assert not hasattr(estimator, method)
        return
    check(estimator)


def test_the_array_api_check_is_generated_and_can_run():
    """conftest.py turns SciPy's array-API mode on for check_array_api_input: the check must
    be among those generated (NumPy namespace: the estimators are not array-API tagged) and
    the mode must be on, or the check would skip itself."""
    [mark] = [m for m in test_sklearn_estimator_checks.pytestmark if m.name == "parametrize"]
    names = [getattr(check, "func", check).__name__ for _, check in mark.args[1]]
    assert names.count("check_array_api_input") == len(ESTIMATORS)
    assert os.environ.get("SCIPY_ARRAY_API") == "1"
