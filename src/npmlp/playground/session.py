"""One browser tab's experiment, trained by its own worker thread off the request path.

The worker owns the model: commands (play, pause, step) set flags, and everything else that
touches the model (a new configuration, export, the Keras check's snapshot) is a job the
worker runs between training chunks, so nothing reads weights in the middle of an update.
Training goes in chunks of about ``CHUNK_SECONDS`` (one ``fit`` call each, continued with
``initial_epoch``; a Callback stops it); after each chunk the worker publishes a frame (JSON
text) and calls the subscribers, which wake the tab's WebSocket.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np

import npmlp
from npmlp.playground import views
from npmlp.playground.config import LIMITS, Config
from npmlp.playground.data import DataSet, Upload, build
from npmlp.playground.network import build_model

log = logging.getLogger("npmlp.playground")
CHUNK_SECONDS = 0.05   # ~20 frames per second while playing


class SessionClosed(RuntimeError):
    """The session was closed (its tab went away) before the request could run."""


class Experiment:
    """A configuration's data, model and training record (used by the worker thread only)."""

    def __init__(self, config: Config, upload: Upload | None = None):
        self.config = config
        self.data: DataSet = build(config, upload)
        self.X_train, self.X_test = self.data.inputs(config.features)
        self.model = build_model(config, self.data)
        self.history: dict[str, list[float]] = {}
        self.epoch = 0
        self.status = "paused"
        self.message: str | None = None

    @property
    def batch_size(self) -> int:
        return min(self.config.batch_size, len(self.X_train))

    def train(self, epochs: int | None, seconds: float,
              keep_going: Callable[[], bool] = lambda: True) -> None:
        """Train ``epochs`` epochs (None: until ``seconds`` pass or ``keep_going()`` is false)."""
        limit = LIMITS.max_epochs if epochs is None else min(self.epoch + epochs,
                                                             LIMITS.max_epochs)
        if self.epoch >= limit or self.status in ("diverged", "failed"):
            return
        budget = _Budget(self, time.perf_counter() + seconds, epochs is None, keep_going)
        try:   # overflow on the way to a NaN loss is reported as divergence, not warned
            with np.errstate(over="ignore", invalid="ignore"):
                self.model.fit(self.X_train, self.data.y_train, batch_size=self.batch_size,
                               epochs=limit, initial_epoch=self.epoch,
                               validation_data=(self.X_test, self.data.y_test), verbose=0,
                               callbacks=[budget])
        except npmlp.DivergenceError as exc:
            self.status = "diverged"
            self.message = (f"Training diverged at epoch {exc.epoch}: the loss became NaN or "
                            f"infinite. Try a smaller learning rate (now "
                            f"{self.config.learning_rate:g}), a larger batch size, L2, or "
                            f"another optimizer, then reset.")
        if self.epoch >= LIMITS.max_epochs:
            self.status, self.message = "done", f"Stopped at the limit of {self.epoch} epochs."

    def record(self, logs: dict) -> None:
        self.epoch += 1
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    def dataset_json(self) -> str:
        view = views.dataset_view(self.data, self.config.features)
        return json.dumps({"type": "dataset", "config": self.config.to_dict(), **view},
                          allow_nan=False)

    def frame_json(self) -> str:
        last = {k: (v[-1] if np.isfinite(v[-1]) else None) for k, v in self.history.items()}
        with np.errstate(all="ignore"):   # a diverged model's views are drawn blank instead
            output = views.output_view(self.model, self.data, self.config.features)
            units = views.units_view(self.model, self.config, self.data)
        frame = {"type": "frame", "epoch": self.epoch, "status": self.status,
                 "message": self.message, "last": last, "curves": views.curves(self.history),
                 "output": output, "units": units, "weights": views.weights_view(self.model)}
        return json.dumps(frame, allow_nan=False)


class _Budget(npmlp.Callback):
    """Records each epoch and stops ``fit`` when the chunk's time is up or play stopped."""

    def __init__(self, experiment: Experiment, deadline: float, timed: bool,
                 keep_going: Callable[[], bool]):
        self.experiment, self.deadline, self.timed = experiment, deadline, timed
        self.keep_going = keep_going

    def on_epoch_end(self, epoch, logs=None):
        self.experiment.record(logs or {})
        if not self.keep_going() or (self.timed and time.perf_counter() >= self.deadline):
            self.model.stop_training = True


class Session:
    """A tab's experiment and its worker thread; ``close()`` stops both."""

    def __init__(self, sid: str, experiment: Experiment, upload: Upload | None = None):
        self.id = sid
        self.upload = upload
        self.created = time.monotonic()
        self.connections = 0
        self._cond = threading.Condition()
        self._jobs: list[tuple[Callable, Future]] = []
        self._playing = False
        self._steps = 0
        self._closed = False
        self._subscribers: list[Callable[[], None]] = []
        self.experiment = experiment
        self.version = 0           # bumped with every new experiment (new data set view)
        self.snapshot: tuple[int, str, str] = (0, "", "")
        self._publish(new_data=True)
        self._thread = threading.Thread(target=self._run, name=f"npmlp-playground-{sid}",
                                        daemon=True)
        self._thread.start()

    # --- commands (any thread) ----------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    def control(self, action: str) -> None:
        """play, pause, step (one epoch) or reset (the same configuration from epoch 0)."""
        if action == "reset":
            config = self.experiment.config
            upload = self.upload
            self.call(lambda: self._install(Experiment(config, upload)))
            return
        if action not in ("play", "pause", "step"):
            raise ValueError(f"action must be play, pause, step or reset; got {action!r}")
        with self._cond:
            if action == "play":
                self._playing = True
            elif action == "pause":
                self._playing = False
                self._jobs.append((lambda: None, Future()))   # wakes the worker to say so
            else:
                self._playing = False
                self._steps += 1
            self._cond.notify()

    def configure(self, experiment: Experiment, upload: Upload | None) -> Future:
        """Replace the experiment (built by the caller) and pause."""
        self.upload = upload
        with self._cond:
            self._playing, self._steps = False, 0
        return self.call(lambda: self._install(experiment))

    def call(self, fn: Callable[[], object]) -> Future:
        """Run ``fn()`` in the worker between chunks; the Future holds its result."""
        future: Future = Future()
        with self._cond:
            if self._closed:
                future.set_exception(SessionClosed(f"session {self.id} is closed"))
            else:
                self._jobs.append((fn, future))
                self._cond.notify()
        return future

    def subscribe(self, notify: Callable[[], None]) -> Callable[[], None]:
        """Call ``notify()`` (from the worker) after each frame; returns the unsubscriber."""
        self._subscribers.append(notify)
        return lambda: self._subscribers.remove(notify)

    def close(self, timeout: float | None = None) -> None:
        with self._cond:
            self._closed = True
            jobs, self._jobs = self._jobs, []
            self._cond.notify()
        for _, future in jobs:
            future.set_exception(SessionClosed(f"session {self.id} is closed"))
        if timeout is not None and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # --- the worker ------------------------------------------------------------------------

    def _install(self, experiment: Experiment) -> None:
        self.experiment = experiment
        self._publish(new_data=True)

    def _keep_going(self) -> bool:
        return self._playing and not self._closed

    def _run(self) -> None:
        while True:
            with self._cond:
                while not (self._closed or self._jobs or self._playing or self._steps):
                    self._cond.wait()
                if self._closed:
                    return
                jobs, self._jobs = self._jobs, []
                steps, self._steps = self._steps, 0
                playing = self._playing
            for fn, future in jobs:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn())
                    except Exception as exc:  # handed to the waiting request, which answers it
                        future.set_exception(exc)
            exp = self.experiment
            try:
                if playing:
                    exp.status = "playing"
                    exp.train(None, CHUNK_SECONDS, self._keep_going)
                elif steps:
                    exp.train(steps, CHUNK_SECONDS)
                if exp.status in ("diverged", "done", "failed"):
                    with self._cond:
                        self._playing = False
                elif not self._playing:
                    exp.status = "paused"
                if playing or steps or jobs:
                    self._publish()
            except Exception as exc:  # the tab gets a message; the server's log the traceback
                log.exception("playground session %s failed", self.id)
                with self._cond:
                    self._playing = False
                exp.status = "failed"
                exp.message = (f"Training stopped on an unexpected error ({type(exc).__name__}); "
                               f"reset or change the configuration to start again.")
                self._publish_status()

    def _publish_status(self) -> None:
        """A frame that only updates the status and message (the last views stay)."""
        exp = self.experiment
        version, data, frame = self.snapshot
        try:
            previous = json.loads(frame)
        except ValueError:
            previous = {"type": "frame"}
        previous.update(status=exp.status, message=exp.message)
        self.snapshot = (version, data, json.dumps(previous))
        for notify in list(self._subscribers):
            notify()

    def _publish(self, new_data: bool = False) -> None:
        exp = self.experiment
        if new_data:
            self.version += 1
            data = exp.dataset_json()
        else:
            data = self.snapshot[1]
        self.snapshot = (self.version, data, exp.frame_json())
        for notify in list(self._subscribers):
            notify()
