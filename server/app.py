"""The ASGI application: ``/ws`` straight to the gateway, everything else to Starlette.

``/ws`` bypasses Starlette's middleware on purpose: the gateway needs uvicorn's own
``send`` to write frames to the transport directly (see :mod:`server.gateway.uvicorn_ws`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .config import Config
from .console import routes as console_routes
from .demo import routes as demo_routes
from .gateway.session import serve_websocket
from .gateway.uvicorn_ws import UVICORN_WS_OPTIONS, DrainingServer
from .node import Node
from .rest.app import routes as rest_routes

__all__ = ["GatewayServer", "GroupcastApp", "uvicorn_config"]

SESSIONS = Gauge("groupcast_sessions", "Open WebSocket sessions on this node")
USERS = Gauge("groupcast_online_users", "Users with at least one logged-in session on this node")


class GroupcastApp:
    def __init__(self, config: Config, node: Node | None = None) -> None:
        self.node = node or Node(config)
        self.http = Starlette(
            routes=[
                Route("/healthz", self.healthz),
                Route("/metrics", self.metrics),
                *rest_routes(self.node),
                *console_routes(self.node),
                *demo_routes(self.node),
            ],
            lifespan=self.lifespan,
        )

    @asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        await self.node.start()
        try:
            yield
        finally:
            await self.node.going_away()
            await self.node.stop()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and scope["path"] == "/ws":
            await serve_websocket(self.node, scope, receive, send)
        else:
            await self.http(scope, receive, send)

    async def healthz(self, request: Request) -> Response:
        if not self.node.accepting:
            return JSONResponse({"status": "starting or stopping"}, status_code=503)
        return JSONResponse({"status": "ok", "node": self.node.node_id})

    async def metrics(self, request: Request) -> Response:
        SESSIONS.set(len(self.node.registry.sessions))
        USERS.set(len(self.node.registry.users))
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def uvicorn_config(app: GroupcastApp, config: Config, **overrides: Any) -> uvicorn.Config:
    options: dict[str, Any] = dict(
        host=config.host,
        port=config.port,
        # The sans-I/O protocol, without compression: every recipient gets the same bytes.
        **UVICORN_WS_OPTIONS,
        ws_max_size=config.max_frame_bytes,
        # Liveness is the gateway's own (heartbeats, idle timeout, one sweeper task);
        # uvicorn's WebSocket pings would add timers per connection to say the same.
        ws_ping_interval=None,
        lifespan="on",
        log_level=config.log_level,
        timeout_graceful_shutdown=10,
    )
    options.update(overrides)
    return uvicorn.Config(app, **options)


class GatewayServer(DrainingServer):
    """uvicorn, with sessions told "going away" (1001) before connections are dropped."""

    def __init__(self, config: uvicorn.Config) -> None:
        app = config.app
        super().__init__(config, drain=app.node.going_away if isinstance(app, GroupcastApp) else None)
