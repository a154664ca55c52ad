"""The /v4 routes: one dispatcher over the endpoint table, and the OpenAPI document."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from protocol.errors import ErrorCode, GroupcastError

from . import accounts, groups, members, messages  # noqa: F401  (register the endpoints)
from .base import ENDPOINTS, UNKNOWN_RESOURCE, admin_ctx, authenticate, read_body

if TYPE_CHECKING:
    from ..node import Node

__all__ = ["openapi", "routes"]

log = logging.getLogger("groupcast.rest")
_encode = msgspec.json.Encoder().encode


def _envelope(code: int = 0, info: str = "", fields: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"ActionStatus": "OK" if code == 0 else "FAIL", "ErrorCode": int(code), "ErrorInfo": info}
    if fields:
        body.update(fields)
    # Tencent answers 200 for every API-level outcome.
    return Response(_encode(body), media_type="application/json")


def routes(node: Node) -> list[Route]:
    async def v4(request: Request) -> Response:
        service, command = request.path_params["service"], request.path_params["command"]
        found = ENDPOINTS.get((service, command))
        if found is None:
            # rest-api.md 2.8: the group service answers an unknown command with its own
            # 10003; anything else is an unknown resource (60009).
            if service == "group_open_http_svc":
                return _envelope(ErrorCode.UNKNOWN_OP, f"unknown command {command!r} of {service}")
            return _envelope(UNKNOWN_RESOURCE, f"unknown resource {service}/{command}")
        try:
            authenticate(node, dict(request.query_params))
            body = read_body(await request.body(), found.body, found.invalid_code)
            result = await found.handler(admin_ctx(node), body)
        except GroupcastError as refused:
            return _envelope(refused.code, refused.message)
        except Exception:
            log.exception("%s/%s failed", service, command)
            return _envelope(ErrorCode.INTERNAL, "internal server error; retry later")
        return _envelope(fields=msgspec.to_builtins(result) if result is not None else None)

    async def openapi_json(request: Request) -> Response:
        return Response(_encode(openapi()), media_type="application/json")

    return [
        Route("/v4/openapi.json", openapi_json, methods=["GET"]),
        Route("/v4/{service}/{command}", v4, methods=["GET", "POST"]),
    ]


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every endpoint, generated from its structs."""
    types: list[Any] = []
    for found in ENDPOINTS.values():
        types.append(found.body)
        if found.reply is not None:
            types.append(found.reply)
    schemas, components = msgspec.json.schema_components(types, ref_template="#/components/schemas/{name}")
    components["Envelope"] = {
        "type": "object",
        "required": ["ActionStatus", "ErrorCode", "ErrorInfo"],
        "properties": {
            "ActionStatus": {"type": "string", "enum": ["OK", "FAIL"]},
            "ErrorCode": {"type": "integer", "description": "0 on success"},
            "ErrorInfo": {"type": "string"},
        },
    }
    schema_of = dict(zip(types, schemas, strict=True))
    query = [
        {"name": name, "in": "query", "required": True, "schema": {"type": kind}, "description": text}
        for name, kind, text in (
            ("sdkappid", "integer", "the app ID"),
            ("identifier", "string", "the app admin account"),
            ("usersig", "string", "a UserSig for the admin account"),
            ("random", "integer", "any 32-bit unsigned integer"),
            ("contenttype", "string", "json"),
        )
    ]
    paths: dict[str, Any] = {}
    for (service, command), found in sorted(ENDPOINTS.items()):
        reply: dict[str, Any] = {"$ref": "#/components/schemas/Envelope"}
        if found.reply is not None:
            reply = {"allOf": [reply, schema_of[found.reply]]}
        paths[f"/v4/{service}/{command}"] = {
            "post": {
                "operationId": f"{service}.{command}",
                "summary": found.summary,
                "parameters": query,
                "requestBody": {"required": True, "content": _json_content(schema_of[found.body])},
                "responses": {"200": {"description": "the envelope", "content": _json_content(reply)}},
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "groupcast v4 REST API (Tencent Cloud Chat compatible)", "version": "1"},
        "paths": paths,
        "components": {"schemas": components},
    }


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}
