"""The model file format (``.npz`` + JSON, never pickle)."""

from npmlp.saving.npz import FORMAT, FORMAT_VERSION, MAX_CONFIG_BYTES, ModelFileError, read, write

__all__ = ["FORMAT", "FORMAT_VERSION", "MAX_CONFIG_BYTES", "ModelFileError", "read", "write"]
