"""Pre-built WebSocket frames, encoded once for every recipient, and flushed once per
event-loop iteration.

The fan-out path must cost a dict lookup and a write per recipient. ASGI's ``send`` is a
coroutine per message per recipient, so instead the gateway writes whole frames straight
to the transport of uvicorn's sans-I/O WebSocket protocol -- the same technique as
``websockets.broadcast()``, one step further: server frames are unmasked and groupcast
does not negotiate permessage-deflate, so a frame's bytes are identical for every
recipient and are built once per message (:class:`Outgoing`), not once per recipient.
How a frame reaches a socket beneath uvicorn is :mod:`server.gateway.uvicorn_ws`'s job
(:class:`Connection`), the one module that touches uvicorn's and websockets' internals.

Writes are coalesced: a frame is queued on its connection, and once per event-loop
iteration the :class:`Flusher` hands each connection's queued frames to the transport in
one write. At saturation several messages reach one connection in the same iteration;
one write means one ``send()``, one TCP segment and one wake-up of the reader instead of
one each (+39% deliveries/s at 1,000 members, see loadtest/RESULTS.md). It costs at most
one loop iteration of latency.
"""

from __future__ import annotations

import asyncio
import logging

from protocol.codec import Codec
from protocol.messages import ServerFrame

from .uvicorn_ws import Connection, ws_frame

__all__ = ["Connection", "Flusher", "Outgoing", "ws_frame"]

log = logging.getLogger("groupcast")


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
