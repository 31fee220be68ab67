"""The version, in one place (read by the package and by the reports)."""

__version__ = "0.1.0"
