"""Ctrl-C during training: stop after the current batch, never in the middle of an update.

While ``interrupt_guard`` is active (main thread, default SIGINT handler only), the first
Ctrl-C only sets a flag that the loop reads between batches; a second Ctrl-C raises
``KeyboardInterrupt`` at once (no guarantee about the batch in flight).
"""

from __future__ import annotations

import contextlib
import signal
import threading


@contextlib.contextmanager
def interrupt_guard():
    """Yield a one-item list that becomes ``[True]`` on the first Ctrl-C (deferred) and
    ``["forced"]`` on a second one, which also raises KeyboardInterrupt at once."""
    pending = [False]
    install = (threading.current_thread() is threading.main_thread()
               and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if not install:
        yield pending
        return

    def handler(signum, frame):
        if pending[0]:
            pending[0] = "forced"  # second Ctrl-C: the user insists
            raise KeyboardInterrupt
        pending[0] = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield pending
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
