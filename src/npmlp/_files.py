"""Writing files so that nothing is lost: a temp file beside the target, fsync, rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def check_target(path: str | os.PathLike) -> tuple[Path, Path]:
    """(path, its directory) for a file about to be written: missing folders are made (from
    Python as from the command line: --save, --plot, --out), the directory must be writable,
    and the path must not be a directory."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise NotADirectoryError(f"{str(directory)!r} is in the way: a file, not a "
                                 "directory") from None
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a directory, not a file path")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(f"directory {str(directory)!r} is not writable")
    return path, directory


def atomic_write(path: str | Path, write) -> None:
    """Call ``write(binary_file)`` on a temp file beside ``path``, fsync, then rename over it."""
    path, directory = check_target(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            # mkstemp makes the file 0600; give it the mode a plain open() would (or keep the
            # mode of the file it replaces), so a saved model is as readable as any other.
            os.fchmod(f.fileno(), path.stat().st_mode & 0o7777 if path.exists()
                      else 0o666 & ~_umask())
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
