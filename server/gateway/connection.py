"""Non-blocking writes of pre-built WebSocket frames to one connection.

The fan-out path must cost a dict lookup and a write per recipient. ASGI's ``send`` is a
coroutine per message per recipient, so instead the gateway writes whole frames straight
to the transport of uvicorn's sans-I/O WebSocket protocol -- the same technique as
``websockets.broadcast()``, one step further: server frames are unmasked and groupcast
does not negotiate permessage-deflate, so a frame's bytes are identical for every
recipient and are built once per message (:class:`Outgoing`), not once per recipient.

Writes are coalesced: a frame is queued on its connection, and once per event-loop
iteration the :class:`Flusher` hands each connection's queued frames to the transport in
one write. At saturation several messages reach one connection in the same iteration;
one write means one ``send()``, one TCP segment and one wake-up of the reader instead of
one each (+39% deliveries/s at 1,000 members, see loadtest/RESULTS.md). It costs at most
one loop iteration of latency. Anything else that writes to the transport (the close
frame, which uvicorn writes) must :meth:`Connection.flush` first, so that it cannot
overtake a queued frame.

Failure behaviour: there is no backpressure. Each connection may hold up to ``limit``
bytes, queued or in its transport; a write past that is refused (``write`` returns
False) and the session closes the connection (4003, slow consumer). The client
reconnects and syncs.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol, State

from protocol.codec import Codec
from protocol.messages import ServerFrame

__all__ = ["Connection", "Flusher", "Outgoing", "ws_frame"]

log = logging.getLogger("groupcast")


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


class Flusher:
    """Flushes the connections written to during one event-loop iteration, at its end
    (one callback per iteration for the whole node, not one per connection)."""

    __slots__ = ("_dirty",)

    def __init__(self) -> None:
        self._dirty: list[Connection] = []

    def mark(self, connection: Connection) -> None:
        if not self._dirty:
            asyncio.get_running_loop().call_soon(self.flush)
        self._dirty.append(connection)

    def flush(self) -> None:
        dirty, self._dirty = self._dirty, []
        for connection in dirty:
            try:
                connection.flush()
            except Exception:  # one broken transport must not cost the others their frames
                log.exception("write to a connection failed")


class Connection:
    """The transport side of one accepted WebSocket."""

    # Slots, and no list until something is queued: most connections are idle.
    __slots__ = ("_protocol", "_transport", "_flusher", "_queued", "_queued_bytes", "limit")

    def __init__(self, send: Any, limit: int, flusher: Flusher) -> None:
        protocol = getattr(send, "__self__", None)
        if not isinstance(protocol, WebSocketsSansIOProtocol):
            raise RuntimeError(
                "the groupcast gateway runs under uvicorn with ws='websockets-sansio' "
                f"(groupcast serve does this); got ASGI send {send!r}"
            )
        self._protocol = protocol
        self._transport = protocol.transport
        self._flusher = flusher
        self._queued: list[bytes] | None = None
        self._queued_bytes = 0
        self.limit = limit

    def shed_handshake(self, scope: dict[str, Any]) -> None:
        """Drop what is kept of the handshake for the connection's lifetime but never
        read after the accept: a few KiB per idle connection. Call once accepted.

        uvicorn keeps the request, the response and the scope's header list; the
        websockets parser keeps the parsed request (headers included) as a local of its
        generator, so it is replaced by a fresh frame parser -- only while nothing is
        buffered, i.e. while the old one waits for a frame header, having consumed none."""
        protocol: Any = self._protocol
        protocol.request = protocol.response = None
        scope["headers"] = []
        conn = protocol.conn
        if conn.state is State.OPEN and not conn.reader.buffer:
            conn.parser = Protocol.parse(conn)
            next(conn.parser)

    @property
    def open(self) -> bool:
        return self._protocol.conn.state is State.OPEN and not self._transport.is_closing()

    def write(self, frame: bytes) -> bool:
        """Queue ``frame`` for this iteration's flush. False if the buffer limit would be
        passed. Frames for a connection that is closing by then are dropped by the flush."""
        if self._transport.get_write_buffer_size() + self._queued_bytes > self.limit:
            return False
        if self._queued is None:
            self._queued = [frame]
            self._flusher.mark(self)
        else:
            self._queued.append(frame)
        self._queued_bytes += len(frame)
        return True

    def flush(self) -> None:
        """Hand the queued frames to the transport, in one write."""
        queued = self._queued
        if queued is None:
            return
        self._queued = None
        self._queued_bytes = 0
        if self.open:
            self._transport.write(queued[0] if len(queued) == 1 else b"".join(queued))

    @property
    def buffered(self) -> int:
        return int(self._transport.get_write_buffer_size()) + self._queued_bytes
