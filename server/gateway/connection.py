"""Non-blocking writes of pre-built WebSocket frames to one connection.

The fan-out path must cost a dict lookup and a write per recipient. ASGI's ``send`` is a
coroutine per message per recipient, so instead the gateway writes whole frames straight
to the transport of uvicorn's sans-I/O WebSocket protocol -- the same technique as
``websockets.broadcast()``, one step further: server frames are unmasked and groupcast
does not negotiate permessage-deflate, so a frame's bytes are identical for every
recipient and are built once per message (:class:`Outgoing`), not once per recipient.

Failure behaviour: there is no backpressure. Each connection may buffer up to ``limit``
bytes in its transport; a write past that is refused (``write`` returns False) and the
session closes the connection (4003, slow consumer). The client reconnects and syncs.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from protocol.codec import Codec
from protocol.messages import ServerFrame

__all__ = ["Connection", "Outgoing", "ws_frame"]


def ws_frame(payload: bytes, binary: bool) -> bytes:
    """A complete, unmasked, unfragmented server frame carrying ``payload``."""
    return Frame(Opcode.BINARY if binary else Opcode.TEXT, payload).serialize(mask=False)


class Outgoing:
    """One server frame, encoded at most once per codec, as ready-to-write WS frames."""

    __slots__ = ("frame", "_wire")

    def __init__(self, frame: ServerFrame) -> None:
        self.frame = frame
        self._wire: list[bytes | None] = [None, None]

    def wire(self, codec: Codec) -> bytes:
        index = 1 if codec.binary else 0
        data = self._wire[index]
        if data is None:
            data = self._wire[index] = ws_frame(codec.encode(self.frame), codec.binary)
        return data


class Connection:
    """The transport side of one accepted WebSocket."""

    __slots__ = ("_protocol", "_transport", "limit")

    def __init__(self, send: Any, limit: int) -> None:
        protocol = getattr(send, "__self__", None)
        if not isinstance(protocol, WebSocketsSansIOProtocol):
            raise RuntimeError(
                "the groupcast gateway runs under uvicorn with ws='websockets-sansio' "
                f"(groupcast serve does this); got ASGI send {send!r}"
            )
        self._protocol = protocol
        self._transport = protocol.transport
        self.limit = limit

    def shed_handshake(self, scope: dict[str, Any]) -> None:
        """Drop the handshake's request, response and header copies, which uvicorn keeps
        for the connection's lifetime but never reads after the accept: a few KiB per
        idle connection. Call once the connection is accepted."""
        protocol: Any = self._protocol
        protocol.request = protocol.response = None
        scope["headers"] = []

    @property
    def open(self) -> bool:
        return self._protocol.conn.state is State.OPEN and not self._transport.is_closing()

    def write(self, frame: bytes) -> bool:
        """Queue ``frame`` without blocking. False if the buffer limit would be passed.

        Writes to a connection that is already closing are dropped silently.
        """
        if not self.open:
            return True
        if self._transport.get_write_buffer_size() > self.limit:
            return False
        self._transport.write(frame)
        return True

    @property
    def buffered(self) -> int:
        return int(self._transport.get_write_buffer_size())
