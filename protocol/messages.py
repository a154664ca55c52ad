"""Everything that crosses ``/ws``, as msgspec structs in two tagged unions.

Client -> server: a :class:`Request` tagged by ``op`` and carrying the client's ``seq``::

    {"op": "login", "seq": 1, "sdkAppID": 1400000000, "userID": "alice", ...}

Server -> client: a :class:`ServerFrame` tagged by ``type``. A :class:`Reply` answers
exactly one request and echoes its ``seq``; every other server frame is a push::

    {"type": "reply", "seq": 1, "code": 0, "message": "OK", "data": {...}}
    {"type": "deviceOnline", "userID": "alice", "deviceID": "phone", "platform": "iOS"}

Field names are camelCase on the wire, with ``ID`` spelt as the Web SDK spells it
(``groupID``, ``userIDList``). Schema evolution: new fields get defaults, field types
never change, tags are never reused.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

import msgspec

__all__ = [
    "DeviceId",
    "DeviceInfo",
    "DeviceOffline",
    "DeviceOnline",
    "Heartbeat",
    "HeartbeatResult",
    "Login",
    "LoginResult",
    "Logout",
    "Platform",
    "Push",
    "Reply",
    "Request",
    "ServerFrame",
    "UserId",
    "wire_name",
]

_FIRST_LETTER = re.compile(r"_([a-z0-9])")
_ID = re.compile(r"Id(?=[A-Z]|$)")


def wire_name(name: str) -> str:
    """``group_id`` -> ``groupID``, ``user_id_list`` -> ``userIDList``, ``seq`` -> ``seq``."""
    camel = _FIRST_LETTER.sub(lambda m: m.group(1).upper(), name)
    return _ID.sub("ID", camel)


def _op_tag(class_name: str) -> str:
    return class_name[0].lower() + class_name[1:]


# Printable ASCII without spaces, 1-32 bytes (Tencent: UserIDs are at most 32 bytes).
UserId = Annotated[str, msgspec.Meta(pattern=r"^[\x21-\x7e]{1,32}$")]
DeviceId = Annotated[str, msgspec.Meta(pattern=r"^[\x21-\x7e]{1,64}$")]
Platform = Literal["Web", "Android", "iOS", "iPad", "Windows", "macOS", "Linux", "Unknown"]


class Wire(msgspec.Struct, rename=wire_name, kw_only=True, gc=False):
    """Base of every wire struct: camelCase names, keyword construction."""


class Request(Wire, tag_field="op", tag=_op_tag, kw_only=True):
    """A client request. ``seq`` is chosen by the client and echoed in the reply.

    ``result`` names the type of the reply's ``data`` (None: no data).
    """

    result: ClassVar[type | None] = None
    seq: int = 0


class ServerFrame(Wire, tag_field="type", tag=_op_tag, kw_only=True):
    """Anything the server sends."""


class Reply(ServerFrame):
    """The answer to one request. ``code`` 0 is success; ``data`` is the op's result."""

    seq: int
    code: int = 0
    message: str = "OK"
    data: Any = None


class Push(ServerFrame):
    """Base of server-initiated frames."""


# -- session ---------------------------------------------------------------------------


class DeviceInfo(Wire):
    device_id: str
    platform: str
    login_time: int


class LoginResult(Wire):
    user_id: str
    device_id: str
    server_time: int
    heartbeat_interval: int
    idle_timeout: int
    devices: list[DeviceInfo] = []
    notification_seq: int = 0  # the user's latest system notice; sync from yours to it


class Login(Request):
    """First frame of a session. ``devices`` in the result: the user's other devices."""

    result = LoginResult
    sdk_app_id: int
    user_id: UserId
    user_sig: Annotated[str, msgspec.Meta(max_length=4096)]
    device_id: DeviceId
    platform: Platform = "Unknown"


class HeartbeatResult(Wire):
    server_time: int


class Heartbeat(Request):
    """Keeps the session alive; send one every ``heartbeatInterval`` seconds."""

    result = HeartbeatResult


class Logout(Request):
    """Ends the session: the server replies, then closes with 1000."""


# -- pushes ----------------------------------------------------------------------------


class DeviceOnline(Push):
    """Another device of the same user logged in (on any node)."""

    user_id: str
    device_id: str
    platform: str


class DeviceOffline(Push):
    """Another device of the same user went offline."""

    user_id: str
    device_id: str
    reason: str = ""


REQUEST_TYPES: tuple[type[Request], ...] = (Login, Heartbeat, Logout)
PUSH_TYPES: tuple[type[Push], ...] = (DeviceOnline, DeviceOffline)
