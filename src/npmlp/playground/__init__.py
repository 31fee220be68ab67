"""npmlp playground: a local web app to watch a network learn, change it, check it against
Keras and export it.

``serve()`` runs it (``npmlp playground``); ``create_app()`` is the ASGI app. Both need the
``playground`` extra (Starlette and uvicorn), imported only when they are called.
"""

from __future__ import annotations

from npmlp._validation import check_positive_int

INSTALL_HINT = "pip install 'npmlp[playground]'"

__all__ = ["INSTALL_HINT", "create_app", "serve"]


def _require_web():
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError as exc:
        raise ImportError(f"the playground needs Starlette and uvicorn, which are not installed "
                          f"({exc}). Install them with: {INSTALL_HINT}") from exc
    return uvicorn


def create_app(store=None):
    """The Starlette app (see ``npmlp.playground.app``)."""
    _require_web()
    from npmlp.playground.app import create_app as make

    return make(store)


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False) -> None:
    """Run the playground at http://host:port/ until Ctrl-C; print its URL first."""
    import threading
    import webbrowser

    if not isinstance(host, str) or not host:
        raise ValueError(f"host must be a non-empty string, got {host!r}")
    port = check_positive_int(port, "port", minimum=1)
    if port > 65535:
        raise ValueError(f"port must be at most 65535, got {port}")
    uvicorn = _require_web()
    app = create_app()
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    print(f"npmlp playground: {url}  (Ctrl-C stops it)", flush=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    try:  # uvicorn's WebSocket on websockets' current API (older uvicorns: their default)
        import uvicorn.protocols.websockets.websockets_sansio_impl  # noqa: F401
        ws = "websockets-sansio"
    except ImportError:
        ws = "auto"
    uvicorn.run(app, host=host, port=port, log_level="warning", ws=ws)
