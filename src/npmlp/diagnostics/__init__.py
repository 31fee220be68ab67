"""Diagnostics: finite-difference gradient checks and ``explain`` (one step, recorded)."""
