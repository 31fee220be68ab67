"""Optional dependencies, imported only when a feature needs them.

``require("onnx", "onnx")`` returns the module, or raises ImportError naming the pip extra
that installs it (``pip install 'npmlp[onnx]'``), so ``import npmlp`` never needs them.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, extra: str, purpose: str | None = None) -> ModuleType:
    """``import module``, or ImportError saying ``pip install 'npmlp[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        what = purpose or "this feature"
        raise ImportError(f"{what} needs the {module!r} package, which is not installed "
                          f"({exc}). Install it with: pip install 'npmlp[{extra}]'") from exc
