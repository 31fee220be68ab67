"""File formats other than npmlp's own ``.npz``, registered by the package that implements
them (``npmlp.export``), so that the model imports none of them: ``MLP.export`` hands over to
the registered exporter, ``npmlp.load`` to the reader whose ``sniff`` accepts the file's first
bytes. ``import npmlp`` loads ``npmlp.export``, so both are registered for every user.

Kinds of npmlp file other than one model (an ensemble) are registered the same way: the
config's ``"kind"`` names who plans the arrays and builds the object (``register_kind``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

Reader = tuple[Callable[[bytes], bool], Callable[[Path], object]]

READERS: list[Reader] = []
# kind -> (plan(config, path) -> (planned, expected arrays), finish(planned, config, arrays,
# path) -> the loaded object)
KINDS: dict[str, tuple[Callable, Callable]] = {}
_exporters: list[Callable] = []


def register_reader(sniff: Callable[[bytes], bool], read: Callable[[Path], object]) -> None:
    """Let ``load`` hand files whose first 16 bytes ``sniff`` accepts to ``read``."""
    READERS.append((sniff, read))


def register_kind(kind: str, plan: Callable, finish: Callable) -> None:
    """Let ``load`` read npmlp files whose config says ``"kind": kind``."""
    KINDS[kind] = (plan, finish)


def register_exporter(export: Callable) -> None:
    """``export(model, path, format, **options) -> Path`` serves ``MLP.export``."""
    _exporters[:] = [export]


def export(model, path, format: str, **options) -> Path:
    if not _exporters:
        raise RuntimeError("no exporter is registered: import npmlp.export")
    return _exporters[0](model, path, format, **options)
