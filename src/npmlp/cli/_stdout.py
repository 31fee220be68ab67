"""A closed stdout (``npmlp train ... | head -1``) must not stop the work: once the reader is
gone, further output is dropped and the run goes on to train, save and exit normally."""

from __future__ import annotations

import contextlib
import os
import sys


class PipeSafeStream:
    """Wraps a text stream; after the first BrokenPipeError every write is discarded."""

    def __init__(self, stream):
        self._stream = stream
        self.closed_by_reader = False

    def _silence(self) -> None:
        self.closed_by_reader = True
        # Point the file descriptor at /dev/null so that the interpreter's own flush at exit
        # (and any C-level write) cannot raise again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def write(self, text: str) -> int:
        if self.closed_by_reader:
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._silence()
            return len(text)

    def flush(self) -> None:
        if self.closed_by_reader:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._silence()

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def pipe_safe_stdout():
    """sys.stdout as a PipeSafeStream for the duration of the block."""
    original = sys.stdout
    if isinstance(original, PipeSafeStream) or original is None:
        yield original
        return
    sys.stdout = PipeSafeStream(original)
    try:
        yield sys.stdout
    finally:
        sys.stdout.flush()
        sys.stdout = original
