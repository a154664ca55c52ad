"""The console's JSON API, ``/console/api/<name>``: what the page calls.

Every action calls the domain handlers the REST API and the WebSocket ops call
(``server/groups``, ``server/messages``), as the app admin, so members' devices see a
console change live, with the same notices and tips.

* ``GET`` reads, ``POST`` changes. Every POST but ``login`` needs the session's CSRF
  token in ``X-CSRF-Token``; every POST takes a JSON body (``Content-Type:
  application/json``, which a cross-site form cannot send).
* A refusal is ``{"error": {"code", "message", "field"}}`` with a 4xx status: ``code``
  the domain's error code (10004, 10019, ...) or the HTTP status for the console's own
  refusals (401 signed out, 403 CSRF, 429 too many sign-ins); ``message`` in words;
  ``field`` the input it concerns (``name``, ``owner``, ``type``, ``introduction``,
  ``user``, ``text``, ``password``) or null.
* Bulk actions (send to, dismiss several groups) answer one result per group:
  ``{"group", "ok", "error"?}``; one group's refusal does not stop the others.

Field rules checked here, before the domain checks them again: a group name is required
and at most 30 bytes of UTF-8 (``rules.NAME_BYTES``), an introduction at most 240 bytes,
a message 1 to 300 characters (code points).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from protocol.chat import SendGroupMessage, TextContent, TextElem
from protocol.errors import ErrorCode, GroupcastError
from protocol.groups import CreateGroup, DismissGroup, GroupTypeName, UpdateGroupProfile

from ..accounts import USER_ID
from ..groups import manage, membership
from ..groups import rules as R
from ..groups.common import load
from ..groups.members import member_page
from ..messages import send
from ..ops import OPS, Ctx
from ..rest.base import admin_ctx
from ..store import GroupRecord
from .auth import ConsoleAuth, Session, same_host

if TYPE_CHECKING:
    from ..node import Node

__all__ = ["MAX_TEXT", "PAGE_MAX", "ConsoleApi"]

log = logging.getLogger("groupcast.console")

TYPES = tuple(t.value for t in R.GroupType)  # Work, Public, Meeting, AVChatRoom, Community
MAX_TEXT = 300  # characters of a console message
PAGE_MAX = 100  # groups or members per page, and groups per bulk action
MAX_ADD = 300  # users added in one call (as REST add_group_member)
MAX_REMOVE = 500  # users removed in one call (as REST delete_group_member)
MAX_BODY = 64 * 1024
MAX_SEARCH = 100
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
_encode = msgspec.json.Encoder().encode
_FIELD_PATH = re.compile(r"at `\$\.(\w+)")


class Refusal(Exception):
    """A console-level refusal: HTTP status, code, words, the field it concerns."""

    def __init__(self, status: int, code: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, int(code), message, field


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        _encode(data), status_code=status, media_type="application/json", headers={**NO_STORE, **(headers or {})}
    )


def refusal_response(status: int, code: int, message: str, field: str | None = None, **headers: str) -> Response:
    return _json({"error": {"code": int(code), "message": message, "field": field}}, status, headers)


def _sentence(text: str) -> str:
    text = text.strip() or "refused"
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _words(error: GroupcastError) -> str:
    """A domain refusal in words, for an operator."""
    if error.code == ErrorCode.GROUP_NOT_FOUND:
        return "This group does not exist any more: it may have been dismissed."
    return _sentence(error.message)


# -- request bodies ---------------------------------------------------------------------------

Text = Annotated[str, msgspec.Meta(max_length=10_000)]
Ids = Annotated[list[Annotated[str, msgspec.Meta(max_length=128)]], msgspec.Meta(min_length=1)]


class LoginBody(msgspec.Struct):
    user: Text = ""
    password: Text = ""


class NewGroupBody(msgspec.Struct):
    name: Text = ""
    owner: Text = ""
    type: Text = ""


class UpdateGroupBody(msgspec.Struct):
    id: Text
    name: Text | None = None
    introduction: Text | None = None


class MembersBody(msgspec.Struct):
    group: Text
    users: Ids


class SendBody(msgspec.Struct):
    groups: Ids
    text: Text = ""


class GroupsBody(msgspec.Struct):
    groups: Ids


B = TypeVar("B", bound=msgspec.Struct)


async def _body(request: Request, body_type: type[B]) -> B:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise Refusal(415, 415, "Send the request as JSON (Content-Type: application/json).")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise Refusal(413, 413, "The request is too large.")
    try:
        return msgspec.json.decode(raw, type=body_type)
    except msgspec.ValidationError as exc:
        found = _FIELD_PATH.search(str(exc))
        raise Refusal(
            400, ErrorCode.INVALID_PARAMETER, _sentence(str(exc)), found.group(1) if found else None
        ) from None
    except msgspec.DecodeError:
        raise Refusal(400, ErrorCode.INVALID_PARAMETER, "The request is not valid JSON.") from None


# -- field checks (the page checks the same) --------------------------------------------------


def _within_bytes(text: str, limit: int, field: str) -> str:
    """``text`` if its UTF-8 is at most ``limit`` bytes; else refused in the page's words."""
    size = len(text.encode())
    if size > limit:
        raise Refusal(
            400,
            ErrorCode.INVALID_PARAMETER,
            f"The {field} is {size} bytes long; at most {limit} bytes (UTF-8) are allowed.",
            field,
        )
    return text


def check_name(name: str) -> str:
    if not name.strip():
        raise Refusal(400, ErrorCode.INVALID_PARAMETER, "Enter a group name.", "name")
    return _within_bytes(name, R.NAME_BYTES, "name")


def check_introduction(text: str) -> str:
    return _within_bytes(text, R.INTRODUCTION_BYTES, "introduction")


def check_text(text: str) -> str:
    if not text.strip():
        raise Refusal(400, ErrorCode.INVALID_PARAMETER, "Write a message.", "text")
    if len(text) > MAX_TEXT:
        raise Refusal(
            400,
            ErrorCode.INVALID_PARAMETER,
            f"The message is {len(text)} characters long; at most {MAX_TEXT} are allowed.",
            "text",
        )
    return text


def check_user(user_id: str, field: str) -> str:
    if not USER_ID.fullmatch(user_id):
        raise Refusal(
            400,
            ErrorCode.USER_NOT_FOUND,
            f"“{user_id}” is not a valid username (1-32 printable ASCII characters, no spaces).",
            field,
        )
    return user_id


def _unique(ids: list[str], most: int, what: str) -> list[str]:
    chosen = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
    if not chosen:
        raise Refusal(400, ErrorCode.INVALID_PARAMETER, f"Choose at least one {what}.")
    if len(chosen) > most:
        raise Refusal(400, ErrorCode.TOO_MANY_ACCOUNTS, f"At most {most} {what}s at a time.")
    return chosen


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name, "")
    if not raw:
        return default
    if not raw.isdigit():
        raise Refusal(400, ErrorCode.INVALID_PARAMETER, f"{name} must be a whole number.", name)
    return max(low, min(int(raw), high))


# -- shapes -----------------------------------------------------------------------------------


def group_row(group: GroupRecord) -> dict[str, Any]:
    return {
        "id": group.group_id,
        "name": group.name,
        "owner": group.owner_id,
        "type": group.type,
        "created": group.created_at,
        "members": group.member_count,
    }


# -- the endpoints ----------------------------------------------------------------------------

Handler = Callable[["ConsoleApi", Request, Session | None], Awaitable[Response]]


@dataclass(frozen=True)
class Endpoint:
    handler: Handler
    signed_in: bool = True  # needs a session (and, for POST, its CSRF token)


ENDPOINTS: dict[tuple[str, str], Endpoint] = {}


def endpoint(method: str, name: str, *, signed_in: bool = True) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ENDPOINTS[(method, name)] = Endpoint(fn, signed_in)
        return fn

    return register


class ConsoleApi:
    def __init__(self, node: Node, auth: ConsoleAuth) -> None:
        self.node = node
        self.auth = auth

    @property
    def ctx(self) -> Ctx:
        return admin_ctx(self.node)

    async def dispatch(self, request: Request) -> Response:
        name = request.path_params["name"]
        found = ENDPOINTS.get((request.method, name))
        if found is None:
            if any(n == name for _, n in ENDPOINTS):
                return refusal_response(405, 405, f"{request.method} is not allowed here.")
            return refusal_response(404, 404, f"No console API {name!r}.")
        session: Session | None = None
        if found.signed_in:
            session = await self.auth.session(request)
            if session is None:
                return refusal_response(401, 401, "You are signed out (or the session expired): sign in again.")
            if request.method != "GET" and not self.auth.csrf_ok(request, session):
                return refusal_response(403, 403, "The request lacks this session's CSRF token: reload the page.")
        try:
            return await found.handler(self, request, session)
        except Refusal as refused:
            return refusal_response(refused.status, refused.code, refused.message, refused.field)
        except GroupcastError as refused:
            status = 404 if refused.code == ErrorCode.GROUP_NOT_FOUND else 400
            return refusal_response(status, refused.code, _words(refused))
        except Exception:
            log.exception("console API %s failed", name)
            return refusal_response(500, ErrorCode.INTERNAL, "Internal server error: try again later.")

    # -- session ------------------------------------------------------------------------------

    @endpoint("GET", "session", signed_in=False)
    async def get_session(self, request: Request, _: Session | None) -> Response:
        session = await self.auth.session(request)
        if session is None:
            return refusal_response(401, 401, "Not signed in.")
        return _json({"user": session.user, "csrf": self.auth.csrf_token(session)})

    @endpoint("POST", "login", signed_in=False)
    async def login(self, request: Request, _: Session | None) -> Response:
        origin = request.headers.get("origin")
        if origin is not None and not same_host(origin, request):
            return refusal_response(403, 403, "Sign in from the console's own page.")
        client = request.client.host if request.client else "unknown"
        wait = self.auth.wait_before_login(client)
        if wait > 0:
            seconds = int(wait) + 1
            return refusal_response(
                429,
                429,
                f"Too many failed sign-ins from your address: try again in {seconds} seconds.",
                None,
                **{"Retry-After": str(seconds)},
            )
        body = await _body(request, LoginBody)
        if not self.auth.check(body.user, body.password):
            self.auth.failed_login(client)
            log.warning("console: failed sign-in from %s", client)
            return refusal_response(401, 401, "Wrong admin identifier or password.", "password")
        session = self.auth.new_session()
        response = _json({"user": session.user, "csrf": self.auth.csrf_token(session)})
        self.auth.set_cookie(response, request, session)
        log.info("console: %s signed in from %s", session.user, client)
        return response

    @endpoint("POST", "logout")
    async def logout(self, request: Request, session: Session | None) -> Response:
        assert session is not None
        response = _json({})
        await self.auth.end(session, response, request)
        return response

    # -- groups -------------------------------------------------------------------------------

    @endpoint("GET", "groups")
    async def list_groups(self, request: Request, _: Session | None) -> Response:
        """A page of groups in creation order: ``after`` the cursor of the previous page's
        last group (0: the first page), ``limit`` (1-100), ``type``, ``q`` (the exact
        group ID, or part of the name). ``next``: the cursor of the next page, or null."""
        group_type = request.query_params.get("type", "")
        if group_type and group_type not in TYPES:
            raise Refusal(400, ErrorCode.INVALID_PARAMETER, f"Unknown group type {group_type!r}.", "type")
        search = request.query_params.get("q", "").strip()[:MAX_SEARCH]
        after = _int(request, "after", 0, 0, 1 << 62)
        limit = _int(request, "limit", 20, 1, PAGE_MAX)
        page, total = await self.node.store.list_groups(
            group_type=group_type or None, after=after, limit=limit + 1, search=search
        )
        more = len(page) > limit
        page = page[:limit]
        return _json(
            {
                "groups": [group_row(group) for _, group in page],
                "total": total,
                "next": page[-1][0] if more else None,
            }
        )

    @endpoint("POST", "groups/create")
    async def create_group(self, request: Request, _: Session | None) -> Response:
        body = await _body(request, NewGroupBody)
        name = check_name(body.name)
        if body.type not in TYPES:
            raise Refusal(400, ErrorCode.INVALID_PARAMETER, "Choose a group type.", "type")
        owner = body.owner.strip()
        if owner:
            check_user(owner, "owner")
            if not await self.node.store.existing_accounts([owner]):
                raise Refusal(
                    400,
                    ErrorCode.USER_NOT_FOUND,
                    f"No user “{owner}” is registered: the owner must be a registered user.",
                    "owner",
                )
        try:
            created = await manage.create_group(
                self.ctx, CreateGroup(name=name, type=cast(GroupTypeName, body.type)), owner_id=owner
            )
        except GroupcastError as refused:
            field = "owner" if refused.code in (ErrorCode.USER_NOT_FOUND, ErrorCode.TOO_MANY_GROUPS) else None
            raise Refusal(400, refused.code, _words(refused), field) from None
        group = await self.node.store.get_group(created.group_id)
        if group is None:  # dismissed at once by someone else
            raise GroupcastError(ErrorCode.GROUP_NOT_FOUND)
        return _json({"group": group_row(group)})

    @endpoint("GET", "group")
    async def get_group(self, request: Request, _: Session | None) -> Response:
        return _json({"group": await self._details(request.query_params.get("id", ""))})

    async def _details(self, group_id: str) -> dict[str, Any]:
        target = await load(self.ctx, group_id)
        group = target.group
        details = group_row(group) | {
            "introduction": group.introduction,
            "notification": group.notification,
            "maxMembers": group.max_members,
            "hasMemberList": target.rules.stores_members,
        }
        if not target.rules.stores_members:
            details["online"] = await send.online_member_count(self.ctx, group_id)
        return details

    @endpoint("POST", "group/update")
    async def update_group(self, request: Request, _: Session | None) -> Response:
        body = await _body(request, UpdateGroupBody)
        name = None if body.name is None else check_name(body.name)
        introduction = None if body.introduction is None else check_introduction(body.introduction)
        if name is None and introduction is None:
            raise Refusal(400, ErrorCode.INVALID_PARAMETER, "Nothing to change.")
        await manage.modify_group_profile(
            self.ctx, UpdateGroupProfile(group_id=body.id, name=name, introduction=introduction)
        )
        return _json({"group": await self._details(body.id)})

    @endpoint("POST", "groups/dismiss")
    async def dismiss_groups(self, request: Request, _: Session | None) -> Response:
        """Dismiss each group (as ``destroy_group``): its members are told, all its data
        is deleted."""
        body = await _body(request, GroupsBody)
        dismiss = OPS[DismissGroup]
        results = []
        for group_id in _unique(body.groups, PAGE_MAX, "group"):
            try:
                await dismiss(self.ctx, DismissGroup(group_id=group_id))
            except GroupcastError as refused:
                results.append(_failed(group_id, refused))
            else:
                results.append({"group": group_id, "ok": True})
        return _json({"results": results})

    # -- members ------------------------------------------------------------------------------

    @endpoint("GET", "members")
    async def list_members(self, request: Request, _: Session | None) -> Response:
        """A page of members: the owner first, then by join time (``offset``, ``limit``)."""
        target = await load(self.ctx, request.query_params.get("group", ""))
        if not target.rules.stores_members:
            raise Refusal(400, ErrorCode.NO_PERMISSION, _NO_MEMBER_LIST)
        offset = _int(request, "offset", 0, 0, 1 << 31)
        limit = _int(request, "limit", 50, 1, PAGE_MAX)
        page, total = await member_page(self.ctx, target, offset=offset, limit=limit)
        accounts = await self.node.store.get_accounts([m.user_id for m in page])
        rows = []
        for member in page:
            account = accounts.get(member.user_id)
            rows.append(
                {
                    "user": member.user_id,
                    "nick": (account.nick or "") if account else "",
                    "joinTime": member.join_time,
                    "lastSpeak": member.last_send_time,
                    "role": member.role,
                }
            )
        return _json({"members": rows, "total": total, "offset": offset})

    @endpoint("POST", "members/add")
    async def add_members(self, request: Request, _: Session | None) -> Response:
        """Add registered users directly (no invitation), as ``add_group_member``."""
        body = await _body(request, MembersBody)
        users = [check_user(u, "user") for u in _unique(body.users, MAX_ADD, "user")]
        target = await load(self.ctx, body.group)
        if not target.rules.stores_members:
            raise Refusal(400, ErrorCode.NO_PERMISSION, _NO_MEMBER_LIST, "user")
        try:
            result = await membership.add_members(self.ctx, body.group, users, refuse_unknown=True)
        except GroupcastError as refused:
            if refused.code == ErrorCode.USER_NOT_FOUND:
                registered = await self.node.store.existing_accounts(users)
                unknown = [u for u in users if u not in registered]
                names = ", ".join(f"“{u}”" for u in unknown)
                message = f"No user {names} is registered." if len(unknown) == 1 else f"Not registered: {names}."
                raise Refusal(400, refused.code, message, "user") from None
            raise Refusal(400, refused.code, _words(refused), "user") from None
        return _json(
            {
                "added": result.success_user_id_list,
                "existing": result.existed_user_id_list,
                "overLimit": result.over_limit_user_id_list,
                "failed": result.failure_user_id_list,
            }
        )

    @endpoint("POST", "members/remove")
    async def remove_members(self, request: Request, _: Session | None) -> Response:
        """Remove members (as ``delete_group_member``): each is told; non-members are skipped."""
        body = await _body(request, MembersBody)
        users = _unique(body.users, MAX_REMOVE, "member")
        removed = await membership.kick(self.ctx, body.group, users, ignore_strangers=True)
        return _json({"removed": removed})

    # -- messages -----------------------------------------------------------------------------

    @endpoint("POST", "messages/send")
    async def send_messages(self, request: Request, _: Session | None) -> Response:
        """Send a text message as the app admin to each group."""
        body = await _body(request, SendBody)
        text = check_text(body.text)
        groups = _unique(body.groups, PAGE_MAX, "group")
        results = []
        for group_id in groups:
            message = SendGroupMessage(
                group_id=group_id,
                random=secrets.randbits(32),
                msg_body=[TextElem(msg_content=TextContent(text=text))],
            )
            try:
                sent = await send.send_message(self.ctx, message)
            except GroupcastError as refused:
                results.append(_failed(group_id, refused))
            else:
                results.append({"group": group_id, "ok": True, "seq": sent.seq})
        return _json({"results": results})


_NO_MEMBER_LIST = "AVChatRoom groups keep no member list: their audience is whoever is in the room."


def _failed(group_id: str, refused: GroupcastError) -> dict[str, Any]:
    return {"group": group_id, "ok": False, "error": {"code": int(refused.code), "message": _words(refused)}}
