"""The admin web console at ``/console``: the group management page, served by groupcast
itself from files inside the package (plain HTML, CSS and ES modules: no build step).

    /console                the page (it shows the sign-in form when signed out)
    /console/static/<file>  its script and style sheet
    /console/api/<name>     its JSON API (:mod:`server.console.api`)

Sign-in, the session cookie and CSRF are in :mod:`server.console.auth`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..config import resolve_console_password
from .api import ConsoleApi
from .auth import ConsoleAuth

if TYPE_CHECKING:
    from ..node import Node

__all__ = ["routes"]

log = logging.getLogger("groupcast.console")

# The page may load only its own files and talk only to its own server.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


def _assets() -> dict[str, Asset]:
    """Every file of ``static/``, read once: they are small."""
    found: dict[str, Asset] = {}
    for item in (resources.files(__name__) / "static").iterdir():
        suffix = "." + item.name.rsplit(".", 1)[-1]
        if item.is_file() and suffix in TYPES:
            body = item.read_bytes()
            found[item.name] = Asset(body, TYPES[suffix], '"' + hashlib.sha256(body).hexdigest()[:20] + '"')
    return found


def _serve(asset: Asset, request: Request) -> Response:
    # no-cache: revalidated every time (a 304 when unchanged), so an upgrade is seen at once.
    headers = {**SECURITY_HEADERS, "ETag": asset.etag, "Cache-Control": "no-cache"}
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def routes(node: Node) -> list[BaseRoute]:
    password = resolve_console_password(node.config)
    api = ConsoleApi(node, ConsoleAuth(node, password))
    assets = _assets()
    page = assets["index.html"]

    async def index(request: Request) -> Response:
        return _serve(page, request)

    async def slash(request: Request) -> Response:
        return RedirectResponse("/console", status_code=308)

    async def static(request: Request) -> Response:
        asset = assets.get(request.path_params["name"])
        if asset is None or asset is page:
            return Response("not found", status_code=404, media_type="text/plain")
        return _serve(asset, request)

    return [
        Route("/console", index, methods=["GET", "HEAD"]),
        Route("/console/", slash, methods=["GET", "HEAD"]),
        Route("/console/static/{name}", static, methods=["GET", "HEAD"]),
        Route("/console/api/{name:path}", api.dispatch, methods=["GET", "POST"]),
    ]
