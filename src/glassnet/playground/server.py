"""The playground's web server: a Starlette app on uvicorn — the page, its vendored assets and one WebSocket per page.

- ``/`` is the page and ``/static/`` its files, all from the package (no network needed);
- ``/ws`` is a page's session (:class:`~glassnet.playground.session.Session`): at most ``max_sessions`` at once, one
  per page, cleaned up when the page goes away.

Bound to loopback (the default), the server answers only requests whose Host is a loopback name (no DNS
rebinding), and a WebSocket only from a page it served itself (its Origin is this server), so another web site open
in the same browser cannot drive it. Messages are bounded in size (uvicorn refuses larger ones) and in rate
(:mod:`glassnet.playground.protocol`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from . import protocol
from .data import Table
from .problem import Preset
from .session import Session, Shared

STATIC = Path(__file__).parent / "static"
LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]
#: The page's scripts, styles and connections come from this server only; data: and blob: URLs for its pictures.
HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self' "
                                      "'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'",
           "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_app(user: Table | None = None, *, host: str = "127.0.0.1", max_sessions: int = 8) -> Starlette:
    """The ASGI app. ``user`` is the ``--data`` table every page may use; ``host`` decides which Host headers are
    answered (loopback names for a loopback address, any otherwise)."""
    shared = Shared(user=user, max_sessions=max_sessions)

    async def index(request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=HEADERS)

    async def websocket(ws: WebSocket) -> None:
        origin = ws.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != ws.headers.get("host"):
            await ws.close(code=1008, reason="cross-origin connections are refused")
            return
        await ws.accept()
        if len(shared.sessions) >= shared.max_sessions:
            await ws.send_text(protocol.dumps({"type": "error", "message": (
                f"The playground already serves {shared.max_sessions} pages; close one and reload. "
                f"Received: page {shared.max_sessions + 1}"), "settings": None}))
            await ws.close(code=1013, reason="too many pages")
            return
        session = Session(ws, shared)
        shared.sessions.add(session)
        try:
            await session.run()
        finally:
            shared.sessions.discard(session)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        yield
        await asyncio.gather(*(session.close() for session in list(shared.sessions)))

    allowed = LOOPBACK_NAMES if is_loopback(host) else ["*"]
    app = Starlette(routes=[Route("/", index), Mount("/static", StaticFiles(directory=STATIC), name="static"),
                            WebSocketRoute("/ws", websocket)],
                    middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=allowed)], lifespan=lifespan)
    app.state.shared = shared
    return app


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: any free port); OSError with the reason if the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def config(app: Starlette, sock: socket.socket) -> uvicorn.Config:
    host, port = sock.getsockname()[:2]
    return uvicorn.Config(app, host=host, port=port, ws="websockets-sansio", ws_max_size=protocol.MAX_FRAME_IN,
                          ws_per_message_deflate=False, log_level="warning", access_log=False, lifespan="on",
                          timeout_graceful_shutdown=3, limit_concurrency=64)


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


class BackgroundServer:
    """The server on a thread of its own (for notebooks and tests): ``start()``, ``url``, ``presets``, ``stop()``."""

    def __init__(self, user: Table | None = None, host: str = "127.0.0.1", port: int = 0,
                 max_sessions: int = 8) -> None:
        self.app = create_app(user, host=host, max_sessions=max_sessions)
        self.sock = bind(host, port)
        self.url = url_of(self.sock)
        self.server = uvicorn.Server(config(self.app, self.sock))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="glassnet-playground-server", daemon=True)

    @property
    def shared(self) -> Shared:
        return self.app.state.shared

    def add_preset(self, key: str, preset: Preset) -> None:
        presets = self.shared.presets
        presets[key] = preset
        while len(presets) > 16:  # bounded: the oldest preset goes first
            presets.pop(next(iter(presets)))

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self.thread.start()
        for _ in range(int(timeout / 0.02)):
            if self.server.started:
                return self
            threading.Event().wait(0.02)
        raise RuntimeError(f"The playground server did not start within {timeout} s. Received: {self.url}")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
