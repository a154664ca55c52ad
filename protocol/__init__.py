"""What crosses groupcast's wire, importable without the server.

* :mod:`protocol.messages` -- the frames, as msgspec structs in tagged unions
* :mod:`protocol.codec` -- JSON text and MessagePack binary encodings of them
* :mod:`protocol.errors` -- error codes, close codes, :class:`GroupcastError`
* :mod:`protocol.usersig` -- UserSig v2 tokens (TLSSigAPIv2-compatible)
* :mod:`protocol.client` -- the asyncio client SDK
"""

from .client import Client, ConnectionLost, RequestError
from .codec import JSON, MSGPACK, Codec
from .errors import CloseCode, ErrorCode, GroupcastError, should_reconnect
from .messages import *  # noqa: F403
from .messages import __all__ as _messages_all
from .usersig import sign, verify

__all__ = [
    "JSON",
    "MSGPACK",
    "Client",
    "CloseCode",
    "Codec",
    "ConnectionLost",
    "ErrorCode",
    "GroupcastError",
    "RequestError",
    "should_reconnect",
    "sign",
    "verify",
    *_messages_all,
]
