"""Shared pytest configuration."""

import os

# scikit-learn (1.9) yields check_array_api_input(array_namespace="numpy") for every
# estimator, array-API-tagged or not: it checks that turning array-API dispatch on changes
# nothing for NumPy inputs. It skips itself unless SciPy's array-API mode is on before SciPy
# is first imported, so it is turned on for the whole run (it is meant not to change results
# on NumPy arrays). tests/test_sklearn_checks.py asserts that the check is generated and runs.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

from hypothesis import HealthCheck, settings

# Hypothesis profiles: "ci" (default; a few hundred examples over the fuzz tests, no deadline
# on shared CPUs) and "fuzz" (`make fuzz`: many more). Select with HYPOTHESIS_PROFILE.
settings.register_profile("ci", deadline=None, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", deadline=None, max_examples=3000,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
