"""Error codes and close codes: one enum each, one table of meanings.

Hierarchy (kept flat on purpose):

* ``GroupcastError(code, message)`` -- every refusal a client can act on. Raised by
  handlers, turned into a reply (WebSocket) or an envelope (REST) in one place.

Anything else raised by a handler is a bug: it becomes ``INTERNAL`` and is logged with
its traceback.

Error code ranges (numbers are Tencent Cloud Chat's where the condition exists there):

=============  ==============================================================
0              success
10000-10999    request and group errors (Tencent ``100xx``)
19000-19999    groupcast gateway errors (session state, device limits)
60000-60999    REST common layer (Tencent ``600xx``)
70000-70999    authentication and accounts (Tencent ``700xx``)
80000-80999    message content (Tencent ``800xx``)
=============  ==============================================================

Close codes: 1000-1999 are RFC 6455's. 4000-4099 mean "reconnect (with backoff) and
sync"; 4100-4199 mean "do not reconnect automatically: something must change first".
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "CLOSE_CODE_EXPLANATIONS",
    "ERROR_EXPLANATIONS",
    "CloseCode",
    "ErrorCode",
    "GroupcastError",
    "should_reconnect",
]


class ErrorCode(IntEnum):
    OK = 0
    # request and group errors (Tencent 100xx)
    INTERNAL = 10002
    UNKNOWN_OP = 10003
    INVALID_PARAMETER = 10004
    TOO_MANY_ACCOUNTS = 10005
    RATE_LIMITED = 10006
    NO_PERMISSION = 10007
    OWNER_CANNOT_QUIT = 10009
    GROUP_NOT_FOUND = 10010
    MALFORMED_FRAME = 10011
    ALREADY_MEMBER = 10013
    GROUP_FULL = 10014
    INVALID_GROUP_ID = 10015
    USER_NOT_FOUND = 10019
    MUTED = 10017
    GROUP_ID_TAKEN = 10021
    ALREADY_HANDLED = 10024
    GROUP_ID_OWNED = 10025
    MESSAGE_NOT_FOUND = 10030
    RECALL_WINDOW_PASSED = 10031
    RECALL_NOT_SUPPORTED = 10033
    TOO_MANY_GROUPS = 10037
    NO_HISTORY = 10044
    # gateway (groupcast)
    NOT_LOGGED_IN = 19001
    ALREADY_LOGGED_IN = 19002
    DEVICE_LIMIT = 19003
    WRONG_FRAME_TYPE = 19004
    # authentication and accounts (Tencent 700xx)
    USERSIG_EXPIRED = 70001
    USERSIG_EMPTY = 70002
    USERSIG_MALFORMED = 70003
    USERSIG_BAD_SIGNATURE = 70009
    USERSIG_IDENTIFIER_MISMATCH = 70013
    USERSIG_SDKAPPID_MISMATCH = 70014
    SDKAPPID_UNKNOWN = 70020
    ACCOUNT_NOT_FOUND = 70107
    ACCOUNT_INVALID_PARAMETER = 70402
    # message content (Tencent 800xx)
    MESSAGE_TOO_LONG = 80002


ERROR_EXPLANATIONS: dict[ErrorCode, str] = {
    ErrorCode.OK: "success",
    ErrorCode.INTERNAL: "internal server error; retry later",
    ErrorCode.UNKNOWN_OP: "unknown operation",
    ErrorCode.INVALID_PARAMETER: "a field is missing, of the wrong type or out of range",
    ErrorCode.TOO_MANY_ACCOUNTS: "too many accounts in one request",
    ErrorCode.RATE_LIMITED: "rate limit reached (for groups: the daily net creation cap)",
    ErrorCode.NO_PERMISSION: "not permitted: your role, or the group's type, does not allow this",
    ErrorCode.OWNER_CANNOT_QUIT: "the owner must transfer ownership before quitting",
    ErrorCode.GROUP_NOT_FOUND: "the group does not exist or was dismissed",
    ErrorCode.MALFORMED_FRAME: "the frame could not be decoded (not JSON / MessagePack, or not an object)",
    ErrorCode.ALREADY_MEMBER: "already a member of the group",
    ErrorCode.GROUP_FULL: "the group is full",
    ErrorCode.INVALID_GROUP_ID: "invalid group ID",
    ErrorCode.USER_NOT_FOUND: "the user is not registered",
    ErrorCode.MUTED: "you are muted in this group (or everyone is)",
    ErrorCode.GROUP_ID_TAKEN: "the group ID is taken",
    ErrorCode.ALREADY_HANDLED: "the application or invitation was already handled",
    ErrorCode.GROUP_ID_OWNED: "you already own a group with this ID",
    ErrorCode.MESSAGE_NOT_FOUND: "no such message",
    ErrorCode.RECALL_WINDOW_PASSED: "too late to recall this message",
    ErrorCode.RECALL_NOT_SUPPORTED: "messages of this group type cannot be recalled",
    ErrorCode.TOO_MANY_GROUPS: "the user has reached the number of groups one may belong to",
    ErrorCode.NO_HISTORY: "this group type keeps no history",
    ErrorCode.MESSAGE_TOO_LONG: "the message body is over the size limit",
    ErrorCode.NOT_LOGGED_IN: "log in first: this operation needs an authenticated session",
    ErrorCode.ALREADY_LOGGED_IN: "this session is already logged in",
    ErrorCode.DEVICE_LIMIT: "the user already has the maximum number of devices online",
    ErrorCode.WRONG_FRAME_TYPE: "text frame on a MessagePack session or binary frame on a JSON session",
    ErrorCode.USERSIG_EXPIRED: "UserSig expired; sign a new one",
    ErrorCode.USERSIG_EMPTY: "UserSig is empty",
    ErrorCode.USERSIG_MALFORMED: "UserSig is not a valid token (base64 / zlib / JSON / fields)",
    ErrorCode.USERSIG_BAD_SIGNATURE: "UserSig signature does not verify (tampered, or another key)",
    ErrorCode.USERSIG_IDENTIFIER_MISMATCH: "UserSig was issued for another user",
    ErrorCode.USERSIG_SDKAPPID_MISMATCH: "UserSig was issued for another app",
    ErrorCode.SDKAPPID_UNKNOWN: "this server does not serve that SDKAppID",
    ErrorCode.ACCOUNT_NOT_FOUND: "the account does not exist",
    ErrorCode.ACCOUNT_INVALID_PARAMETER: "invalid account data",
}


class GroupcastError(Exception):
    """A refusal with a documented code and a readable message. Changes nothing."""

    def __init__(self, code: int, message: str | None = None) -> None:
        self.code = ErrorCode(code) if code in ErrorCode._value2member_map_ else code
        self.message = message or ERROR_EXPLANATIONS.get(self.code, "error")  # type: ignore[call-overload]
        super().__init__(f"{int(code)}: {self.message}")


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001
    MESSAGE_TOO_BIG = 1009
    # 40xx: reconnect with backoff, then sync
    LOGIN_TIMEOUT = 4000
    IDLE_TIMEOUT = 4001
    RATE_LIMITED = 4002
    SLOW_CONSUMER = 4003
    # 41xx: do not reconnect automatically
    REPLACED = 4100
    ACCOUNT_DELETED = 4101


CLOSE_CODE_EXPLANATIONS: dict[CloseCode, str] = {
    CloseCode.NORMAL: "logged out",
    CloseCode.GOING_AWAY: "server shutting down; reconnect",
    CloseCode.MESSAGE_TOO_BIG: "frame over the size limit",
    CloseCode.LOGIN_TIMEOUT: "no login in time",
    CloseCode.IDLE_TIMEOUT: "no frame from the client in time (send heartbeats)",
    CloseCode.RATE_LIMITED: "too many frames; slow down",
    CloseCode.SLOW_CONSUMER: "outgoing buffer full; reconnect and sync",
    CloseCode.REPLACED: "the same device logged in again on another connection",
    CloseCode.ACCOUNT_DELETED: "the account was deleted",
}


def should_reconnect(code: int) -> bool:
    """Whether a client should reconnect by itself after a close with this code."""
    return not (4100 <= code < 4200)
