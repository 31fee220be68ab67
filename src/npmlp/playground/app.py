"""The playground's web app (Starlette): the page, a JSON API and one WebSocket per tab.

Endpoints (every error is JSON ``{"error": reason}`` with a 4xx status, never a traceback):

- ``GET /``: the page; ``/static/...``: its script and style (shipped in the package)
- ``GET /api/options``: choices, defaults and limits; whether Keras is available
- ``POST /api/uploads``: a CSV body (x1, x2, label) -> ``{"id", ...summary}``
- ``POST /api/sessions``: a configuration -> ``{"id", "config"}`` (201)
- ``PUT /api/sessions/{id}/config``: a new configuration (the experiment restarts)
- ``POST /api/sessions/{id}/control``: ``{"action": "play" | "pause" | "step" | "reset"}``
- ``GET /api/sessions/{id}/state``: the latest data set view and frame
- ``GET /api/sessions/{id}/model.{format}`` (npz, onnx, safetensors, keras) and
  ``GET /api/sessions/{id}/script.py``: export
- ``POST /api/sessions/{id}/check``: the Keras parity check for the epochs trained so far
- ``DELETE /api/sessions/{id}``: close it
- ``WS /api/sessions/{id}/stream``: frames as they are published; closing it ends the session
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import asdict
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from npmlp.playground import config as cfg
from npmlp.playground import export, keras_check
from npmlp.playground.data import parse_csv
from npmlp.playground.session import Experiment, Session, SessionClosed
from npmlp.playground.store import LimitError, Store

log = logging.getLogger("npmlp.playground")
STATIC = resources.files("npmlp.playground") / "static"


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (counted as it arrives)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the request body is {int(declared)} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"the request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request):
    body = await read_body(request, cfg.LIMITS.max_json_bytes)
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, f"the request body is not valid JSON: {exc}") from None


async def read_config(request: Request) -> cfg.Config:
    try:
        return cfg.parse(await read_json(request))
    except cfg.ConfigError as exc:
        raise ApiError(400, str(exc)) from None


def store_of(request) -> Store:
    return request.app.state.store


def session_of(request) -> Session:
    sid = request.path_params["sid"]
    session = store_of(request).get(sid)
    if session is None or session.closed:
        raise ApiError(404, f"no session {sid!r}: it was closed (reload the page)")
    return session


async def in_worker(session: Session, fn):
    """Run fn() in the session's worker thread (between training chunks) and await it."""
    try:
        return await asyncio.wrap_future(session.call(fn))
    except SessionClosed as exc:
        raise ApiError(404, str(exc)) from None


# --- the page and the options ------------------------------------------------------------

async def index(request: Request):
    return FileResponse(str(STATIC / "index.html"), media_type="text/html")


async def options(request: Request):
    limits = store_of(request).limits
    return JSONResponse({
        "datasets": list(cfg.DATASETS), "features": list(cfg.FEATURES),
        "activations": list(cfg.HIDDEN_ACTIVATIONS), "optimizers": list(cfg.OPTIMIZERS),
        "losses": list(cfg.LOSSES), "layer_types": list(cfg.LAYER_TYPES),
        "max_dropout": cfg.MAX_DROPOUT, "exports": export.formats(),
        "defaults": cfg.Config().to_dict(), "limits": asdict(limits),
        "keras": keras_check.keras_available(), "keras_hint": keras_check.INSTALL_HINT})


# --- uploads and sessions -------------------------------------------------------------------

async def upload(request: Request):
    limits = store_of(request).limits
    raw = await read_body(request, limits.max_upload_bytes)
    try:
        parsed = await run_in_threadpool(parse_csv, raw, limits)
    except ValueError as exc:
        raise ApiError(400, f"cannot use this CSV: {exc}") from None
    uid = store_of(request).add_upload(parsed)
    return JSONResponse({"id": uid, **parsed.summary()}, status_code=201)


async def create_session(request: Request):
    config = await read_config(request)
    try:
        session = await run_in_threadpool(store_of(request).create, config)
    except cfg.ConfigError as exc:
        raise ApiError(400, str(exc)) from None
    except LimitError as exc:
        raise ApiError(429, str(exc)) from None
    return JSONResponse({"id": session.id, "config": config.to_dict()}, status_code=201)


async def configure(request: Request):
    session = session_of(request)
    config = await read_config(request)
    try:
        experiment, upload_ = await run_in_threadpool(store_of(request).experiment, config)
    except cfg.ConfigError as exc:
        raise ApiError(400, str(exc)) from None
    try:
        await asyncio.wrap_future(session.configure(experiment, upload_))
    except SessionClosed as exc:
        raise ApiError(404, str(exc)) from None
    return JSONResponse({"id": session.id, "config": config.to_dict()})


async def control(request: Request):
    session = session_of(request)
    body = await read_json(request)
    action = body.get("action") if isinstance(body, dict) else None
    if action not in ("play", "pause", "step", "reset"):
        raise ApiError(400, f'expected {{"action": "play" | "pause" | "step" | "reset"}}, '
                            f"got {body!r}"[:300])
    session.control(action)
    return JSONResponse({"id": session.id, "action": action})


async def state(request: Request):
    session = session_of(request)
    version, data, frame = session.snapshot
    body = f'{{"version": {version}, "dataset": {data}, "frame": {frame}}}'
    return Response(body, media_type="application/json")


async def delete_session(request: Request):
    sid = request.path_params["sid"]
    if not store_of(request).close(sid):
        raise ApiError(404, f"no session {sid!r}")
    return JSONResponse({"id": sid, "closed": True})


# --- export and the Keras check ----------------------------------------------------------

async def model_file(request: Request):
    session = session_of(request)
    format = request.path_params["format"]
    if format not in export.FORMATS:
        raise ApiError(404, f"no export format {format!r}; the formats are "
                            f"{', '.join(export.FORMATS)}")
    if not export.available(format):
        raise ApiError(409, f"exporting {format} needs a package that is not installed here: "
                            f"{export.install_hint(format)}")
    data = await in_worker(session, lambda: export.model_bytes(session.experiment.model, format))
    return Response(data, media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{export.filename(format)}"'})


async def script_file(request: Request):
    session = session_of(request)

    def write():
        exp = session.experiment
        return export.script(exp.config, exp.data.kind, exp.data.n_outputs, exp.epoch)

    text = await in_worker(session, write)
    return PlainTextResponse(text, media_type="text/x-python", headers={
        "Content-Disposition": 'attachment; filename="playground_experiment.py"'})


async def check(request: Request):
    session = session_of(request)
    if not keras_check.keras_available():
        raise ApiError(409, f"TensorFlow is not installed here: {keras_check.INSTALL_HINT}")

    def snapshot():
        exp = session.experiment
        return exp.config, exp.epoch, exp.model.get_weights(), exp.status

    config, epochs, weights, status = await in_worker(session, snapshot)
    if status == "diverged":
        raise ApiError(409, "this run diverged: reset it (or change it) before checking")
    if epochs == 0:
        raise ApiError(409, "train at least one epoch first (press play or step)")
    upload_ = session.upload
    lock: asyncio.Lock = request.app.state.check_lock   # one Keras run at a time
    async with lock:
        result = await run_in_threadpool(
            lambda: keras_check.check(Experiment(config, upload_), epochs, weights))
    return JSONResponse(result)


# --- the stream ------------------------------------------------------------------------------

async def stream(websocket: WebSocket):
    """Send the session's frames (the newest only, when the tab is slower than training);
    when the tab goes away, close the session so its training stops."""
    sid = websocket.path_params["sid"]
    store = websocket.app.state.store
    session = store.get(sid)
    await websocket.accept()
    if session is None or session.closed:
        await websocket.close(code=4404, reason="unknown session")
        return
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()
    unsubscribe = session.subscribe(lambda: loop.call_soon_threadsafe(wake.set))
    session.connections += 1
    sent_version, sent_frame = None, None

    async def sender():
        nonlocal sent_version, sent_frame
        while True:
            version, data, frame = session.snapshot
            if version != sent_version:
                await websocket.send_text(data)
                sent_version = version
            if frame is not sent_frame:
                await websocket.send_text(frame)
                sent_frame = frame
            await wake.wait()
            wake.clear()

    async def receiver():   # the page sends nothing; this notices the close
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return

    tasks = [asyncio.create_task(sender()), asyncio.create_task(receiver())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        unsubscribe()
        store.close(sid)
        for task in tasks:
            try:
                await task
            except (asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                pass


# --- errors ----------------------------------------------------------------------------------

async def api_error(request, exc: ApiError):
    return JSONResponse({"error": exc.message}, status_code=exc.status)


async def http_error(request, exc: HTTPException):
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


async def server_error(request, exc: Exception):
    log.exception("playground: unexpected error on %s", request.url.path)
    return JSONResponse({"error": f"internal error ({type(exc).__name__}); see the server's "
                                  f"log"}, status_code=500)


def create_app(store: Store | None = None) -> Starlette:
    """The Starlette app (its ``state.store`` holds the sessions; closed on shutdown)."""
    sid = "/api/sessions/{sid}"
    routes = [
        Route("/", index),
        Route("/api/options", options),
        Route("/api/uploads", upload, methods=["POST"]),
        Route("/api/sessions", create_session, methods=["POST"]),
        Route(f"{sid}/config", configure, methods=["PUT"]),
        Route(f"{sid}/control", control, methods=["POST"]),
        Route(f"{sid}/state", state),
        Route(f"{sid}/model.{{format}}", model_file),
        Route(f"{sid}/script.py", script_file),
        Route(f"{sid}/check", check, methods=["POST"]),
        Route(sid, delete_session, methods=["DELETE"]),
        WebSocketRoute(f"{sid}/stream", stream),
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
    ]
    store = store or Store()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        store.close_all()   # the server stops: every worker stops

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        ApiError: api_error, HTTPException: http_error, Exception: server_error})
    app.state.store = store
    app.state.check_lock = asyncio.Lock()
    return app
