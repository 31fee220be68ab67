"""The server's sessions and uploads, with their limits.

A session lives while its tab's WebSocket is open: when it closes, the session closes (its
worker stops). A session nobody connects to within ``UNCLAIMED_SECONDS`` is closed the next
time the store is used. Uploads are kept by id (oldest dropped first) so a configuration can
refer to one.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict

from npmlp.playground.config import LIMITS, Config, ConfigError, Limits
from npmlp.playground.data import Upload
from npmlp.playground.session import Experiment, Session

UNCLAIMED_SECONDS = 60.0


class LimitError(RuntimeError):
    """Too many sessions (answered 429)."""


class Store:
    """Sessions and uploads by id (thread-safe)."""

    def __init__(self, limits: Limits = LIMITS):
        self.limits = limits
        self._lock = threading.Lock()
        self.sessions: dict[str, Session] = {}
        self.uploads: OrderedDict[str, Upload] = OrderedDict()

    def add_upload(self, upload: Upload) -> str:
        uid = secrets.token_hex(8)
        with self._lock:
            self.uploads[uid] = upload
            while len(self.uploads) > self.limits.max_uploads:
                self.uploads.popitem(last=False)
        return uid

    def upload_for(self, config: Config) -> Upload | None:
        if config.data != "upload":
            return None
        with self._lock:
            upload = self.uploads.get(config.upload or "")
        if upload is None:
            raise ConfigError(f"unknown upload {config.upload!r}: upload the CSV file again "
                              f"(uploads are kept while the server runs)")
        return upload

    def experiment(self, config: Config) -> tuple[Experiment, Upload | None]:
        """A fresh Experiment for config (ConfigError when its upload is unknown)."""
        upload = self.upload_for(config)
        return Experiment(config, upload), upload

    def create(self, config: Config) -> Session:
        experiment, upload = self.experiment(config)
        self.reap()
        with self._lock:
            if len(self.sessions) >= self.limits.max_sessions:
                raise LimitError(f"too many sessions ({len(self.sessions)}); close other "
                                 f"playground tabs and reload")
            sid = secrets.token_hex(8)
            session = Session(sid, experiment, upload)
            self.sessions[sid] = session
        return session

    def get(self, sid: str) -> Session | None:
        with self._lock:
            return self.sessions.get(sid)

    def close(self, sid: str) -> bool:
        with self._lock:
            session = self.sessions.pop(sid, None)
        if session is not None:
            session.close()
        return session is not None

    def reap(self) -> None:
        """Close sessions that no tab connected to in time."""
        now = time.monotonic()
        with self._lock:
            stale = [s for s in self.sessions.values()
                     if s.connections == 0 and now - s.created > UNCLAIMED_SECONDS]
        for session in stale:
            self.close(session.id)

    def close_all(self) -> None:
        with self._lock:
            sessions, self.sessions = list(self.sessions.values()), {}
        for session in sessions:
            session.close(timeout=2.0)
