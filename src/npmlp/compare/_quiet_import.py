"""Importing TensorFlow without its start-up noise.

TensorFlow's C++ libraries print lines such as "oneDNN custom operations are on" and "All log
messages before absl::InitializeLog() is called are written to STDERR" straight to file
descriptor 2 while they load, before ``TF_CPP_MIN_LOG_LEVEL`` can act. The import runs with
fd 2 captured; the known start-up lines are dropped and anything else is written back.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

NOISE = re.compile(
    r"All log messages before absl::InitializeLog|oneDNN custom operations are on"
    r"|Unable to register cu(DNN|FFT|BLAS) factory|computation placer already registered"
    r"|TF-TRT Warning|This TensorFlow binary is optimized|Could not find cuda drivers"
    r"|cuda_(dnn|fft|blas)\.cc|rebuild TensorFlow with the appropriate compiler flags")


@contextlib.contextmanager
def quiet_stderr():
    """Capture fd 2 in the block; write back every line that is not start-up noise."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (e.g. captured): as is
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), fd)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, fd)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().decode("utf-8", "replace").splitlines()
                    if line.strip() and not NOISE.search(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)
