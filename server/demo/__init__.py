"""The chat demo at ``/demo``: a page that uses the browser SDK (``sdk/js``, built into
``static/groupcast-chat.js`` by ``make``) to sign in, list, create and join groups, and
chat, served from files inside the package.

    /demo                  the page (``?user=<id>&group=<id>`` prefills its two fields)
    /demo/static/<file>    its script, style sheet and the SDK
    /demo/api/config       {"demo": bool, "SDKAppID": int}: what the page needs to connect
    /demo/api/usersig      POST {"userID"}: a UserSig for that user, in demo mode only

Demo mode (``groupcast serve --demo``, ``GROUPCAST_DEMO=1``; off by default) signs a
UserSig for any user ID the page names, so anyone who reaches the server can sign in as
anyone: for trying groupcast on one's own machine, never in production. Without it the
page asks for a UserSig (``groupcast usersig <user>`` prints one). The app admin's
identifier is never signed here: its UserSig would open the REST API.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from protocol import usersig
from protocol.messages import UserId

if TYPE_CHECKING:
    from ..node import Node

__all__ = ["routes"]

USERSIG_SECONDS = 86400  # a demo sign-in lasts a day
# The page may load only its own files and talk only to its own server (WebSocket included).
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # revalidated each time (a 304 when unchanged): upgrades show at once
}


class UserSigRequest(msgspec.Struct, rename="camel"):
    user_id: UserId = msgspec.field(name="userID")


_decode_request = msgspec.json.Decoder(UserSigRequest).decode


_RAW_HEADERS = [(name.lower().encode(), value.encode()) for name, value in HEADERS.items()]


class _WithHeaders:
    """An ASGI app with ``HEADERS`` added to every response of the one it wraps."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_RAW_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=HEADERS)


def routes(node: Node) -> list[BaseRoute]:
    config = node.config
    page = (resources.files(__name__) / "static" / "index.html").read_bytes()

    async def index(request: Request) -> Response:
        return Response(page, media_type="text/html; charset=utf-8", headers=HEADERS)

    async def settings(request: Request) -> Response:
        return JSONResponse({"demo": config.demo, "SDKAppID": config.sdkappid}, headers=HEADERS)

    async def sign(request: Request) -> Response:
        if not config.demo:
            return _error(404, "demo mode is off: get a UserSig with `groupcast usersig <user>`")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _error(415, 'send the user ID as JSON: {"userID": "alice"}')
        try:
            wanted = _decode_request(await request.body())
        except msgspec.ValidationError as exc:
            return _error(400, f"userID must be 1-32 printable ASCII characters without spaces ({exc})")
        except msgspec.DecodeError:
            return _error(400, 'send the user ID as JSON: {"userID": "alice"}')
        if wanted.user_id == config.admin_identifier:
            return _error(403, "the app admin cannot sign in here")
        sig = usersig.sign(node.secret, config.sdkappid, wanted.user_id, USERSIG_SECONDS)
        return JSONResponse({"userID": wanted.user_id, "userSig": sig, "SDKAppID": config.sdkappid}, headers=HEADERS)

    return [
        Route("/demo", index, methods=["GET", "HEAD"]),
        Route("/demo/api/config", settings, methods=["GET"]),
        Route("/demo/api/usersig", sign, methods=["POST"]),
        Mount("/demo/static", app=_WithHeaders(StaticFiles(packages=[(__name__, "static")]))),
    ]
