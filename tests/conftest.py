"""Shared pytest configuration."""

import os

from hypothesis import HealthCheck, settings

# Hypothesis profiles: "ci" (default; a few hundred examples over the fuzz tests, no deadline
# on shared CPUs) and "fuzz" (`make fuzz`: many more). Select with HYPOTHESIS_PROFILE.
settings.register_profile("ci", deadline=None, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", deadline=None, max_examples=3000,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
