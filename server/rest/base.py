"""The v4 REST API's plumbing: the endpoint table, authentication, body reading, and
the response envelope (Tencent Cloud Chat's wire format, /work/shared/reference/rest-api.md).

    POST /v4/<service>/<command>?sdkappid=..&identifier=..&usersig=..&random=..&contenttype=json

* The caller is the app admin (``GROUPCAST_ADMIN_IDENTIFIER``) with a UserSig for it.
* The body is read as JSON whatever the Content-Type says (real clients send none); GET
  is accepted like POST and a missing body is ``{}``; unknown fields are ignored; a
  number may come as a numeric string.
* HTTP status is 200 for every API-level outcome; the outcome is in ``ActionStatus``,
  ``ErrorCode`` and ``ErrorInfo``, always present.
* Endpoints call the same handlers as the WebSocket ops, as the app admin.

Request and response structs use Tencent's field names as their Python names
(``Owner_Account``, ``GroupId``): the wire spelling is the contract.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from protocol import usersig
from protocol.errors import ErrorCode, GroupcastError

from ..ops import Actor, Ctx

if TYPE_CHECKING:
    from ..node import Node

__all__ = ["ENDPOINTS", "Body", "Endpoint", "Reply", "admin_ctx", "authenticate", "endpoint", "read_body"]

log = logging.getLogger("groupcast.rest")

# Tencent's common-layer codes (rest-api.md 2.8) and the account layer's.
NOT_JSON = 60003
UNKNOWN_RESOURCE = 60009
ADMIN_REQUIRED = 60010
SDKAPPID_MISSING = 60012


class Body(msgspec.Struct, kw_only=True):
    """Base of request bodies: Tencent field names, unknown fields ignored."""


class Reply(msgspec.Struct, kw_only=True, omit_defaults=False):
    """Base of response bodies (the envelope's fields are added around them)."""


B = TypeVar("B", bound=Body)
Handler = Callable[[Ctx, Any], Awaitable[Reply | None]]


@dataclass(frozen=True)
class Endpoint:
    service: str
    command: str
    body: type[Body]
    reply: type[Reply] | None
    handler: Handler
    summary: str
    invalid_code: int  # the code for a field of the wrong type in this service


ENDPOINTS: dict[tuple[str, str], Endpoint] = {}
_SERVICE_INVALID = {"im_open_login_svc": int(ErrorCode.ACCOUNT_INVALID_PARAMETER)}


def endpoint(
    service: str, command: str, body: type[B], reply: type[Reply] | None = None
) -> Callable[[Callable[[Ctx, B], Awaitable[Any]]], Callable[[Ctx, B], Awaitable[Any]]]:
    """Register the decorated ``handler(ctx, body) -> reply | None`` for a path."""

    def register(fn: Callable[[Ctx, B], Awaitable[Any]]) -> Callable[[Ctx, B], Awaitable[Any]]:
        key = (service, command)
        assert key not in ENDPOINTS, f"two handlers for {service}/{command}"
        summary = (fn.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        invalid = _SERVICE_INVALID.get(service, int(ErrorCode.INVALID_PARAMETER))
        ENDPOINTS[key] = Endpoint(service, command, body, reply, fn, summary, invalid)
        return fn

    return register


def admin_ctx(node: Node) -> Ctx:
    return Ctx(node, Actor(user_id=node.config.admin_identifier, is_admin=True))


def authenticate(node: Node, query: dict[str, str]) -> None:
    """The admin identifier with a valid UserSig for this app, or a refusal."""
    config = node.config
    raw_app = query.get("sdkappid", "")
    if not raw_app:
        raise GroupcastError(SDKAPPID_MISSING, "sdkappid is missing from the query string")
    if not raw_app.isdigit() or int(raw_app) != config.sdkappid:
        raise GroupcastError(ErrorCode.SDKAPPID_UNKNOWN, f"this server serves SDKAppID {config.sdkappid}")
    identifier = query.get("identifier", "")
    usersig.verify(node.secret, config.sdkappid, identifier, query.get("usersig", ""))
    if identifier != config.admin_identifier:
        raise GroupcastError(ADMIN_REQUIRED, "the REST API is for the app admin account only")


_any = msgspec.json.Decoder()


def read_body(raw: bytes, body_type: type[B], invalid_code: int) -> B:
    """Decode JSON (any content type), then convert leniently: numeric strings become
    numbers, unknown fields are ignored. The refusal's ErrorInfo names the field."""
    try:
        data = _any.decode(raw) if raw.strip() else {}
    except msgspec.DecodeError as exc:
        raise GroupcastError(NOT_JSON, f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise GroupcastError(NOT_JSON, "the body must be a JSON object")
    try:
        return msgspec.convert(data, body_type, strict=False)
    except msgspec.ValidationError as exc:
        raise GroupcastError(invalid_code, str(exc)) from None
