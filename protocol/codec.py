"""The two wire encodings of the same structs: JSON text frames and MessagePack binary.

A client picks MessagePack by offering the ``groupcast.msgpack`` WebSocket subprotocol;
otherwise (no subprotocol, or ``groupcast.json``) frames are JSON text. Encoders and
decoders are built once and reused (msgspec's advice for speed).
"""

from __future__ import annotations

from typing import Any, Union

import msgspec

from . import chat, groups, messages
from .messages import Push, Reply, Request, ServerFrame

__all__ = ["JSON", "MSGPACK", "PUSHES", "REQUESTS", "SUBPROTOCOLS", "Codec", "FrameHead", "codec_for_subprotocol"]

# Every op and every push, from each module of the protocol.
REQUESTS: tuple[type[Request], ...] = messages.REQUEST_TYPES + groups.REQUEST_TYPES + chat.REQUEST_TYPES
PUSHES: tuple[type[Push], ...] = messages.PUSH_TYPES + groups.PUSH_TYPES + chat.PUSH_TYPES
RequestUnion = Union[REQUESTS]  # type: ignore[valid-type]
PushUnion = Union[PUSHES]  # type: ignore[valid-type]
ServerUnion = Union[(Reply, *PUSHES)]  # type: ignore[valid-type]


class FrameHead(msgspec.Struct):
    """Just enough of a request to answer it when the full decode failed."""

    op: Any = None
    seq: Any = 0


class Codec:
    """One encoding: how to encode any struct and decode either direction's union."""

    __slots__ = ("binary", "subprotocol", "encode", "_requests", "_server", "_head")

    def __init__(self, subprotocol: str, binary: bool, module: Any) -> None:
        self.subprotocol = subprotocol
        self.binary = binary
        self.encode = module.Encoder().encode
        self._requests = module.Decoder(RequestUnion)
        self._server = module.Decoder(ServerUnion)
        self._head = module.Decoder(FrameHead)

    def decode_request(self, data: bytes | str) -> Request:
        return self._requests.decode(data)  # type: ignore[no-any-return]

    def decode_server(self, data: bytes | str) -> ServerFrame:
        return self._server.decode(data)  # type: ignore[no-any-return]

    def decode_head(self, data: bytes | str) -> FrameHead:
        return self._head.decode(data)  # type: ignore[no-any-return]


JSON = Codec("groupcast.json", False, msgspec.json)
MSGPACK = Codec("groupcast.msgpack", True, msgspec.msgpack)
SUBPROTOCOLS = {JSON.subprotocol: JSON, MSGPACK.subprotocol: MSGPACK}


def codec_for_subprotocol(offered: list[str]) -> Codec:
    """MessagePack if the client offered it, else JSON (the default)."""
    return MSGPACK if MSGPACK.subprotocol in offered else JSON
