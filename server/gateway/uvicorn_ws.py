"""The fence: every use of uvicorn's and websockets' private parts, in one module.

Written and tested against **uvicorn 0.54.0** and **websockets 17.4** (:data:`SUPPORTED`
gives the ranges, the same as pyproject.toml's). The server refuses to start under
versions outside them (:func:`check_versions`), because what follows relies on internals
that no release note announces. ``tests/test_uvicorn_ws.py`` pins each assumption with a
test of its own name, so an upgrade fails there, by name, and not somewhere in fan-out.

What this module relies on, numbered as in the tests:

1. **sansio-send**: ``uvicorn.Config(ws="websockets-sansio")`` serves each WebSocket with
   ``uvicorn.protocols.websockets.websockets_sansio_impl.WebSocketsSansIOProtocol``, and
   the ASGI ``send`` it hands the app is a bound method of that protocol object.
2. **transport-writes**: the protocol's ``transport`` is the connection's asyncio
   transport, and frame bytes written to it straight away reach the client between the
   frames uvicorn writes; uvicorn writes its own frames (close, pong) synchronously, so a
   flush before asking for the close keeps every queued frame ahead of it.
3. **open-state**: the protocol's ``conn`` is websockets' sans-I/O ``ServerProtocol``,
   whose ``state`` is ``State.OPEN`` until a close is sent or received.
4. **shed-handshake**: after the accept, uvicorn never reads ``protocol.request`` or
   ``protocol.response`` again, nor the scope's ``headers``; the websockets parser keeps
   the parsed request as a local of its generator (``conn.parser``), and a fresh
   ``Protocol.parse(conn)`` generator, started while ``conn.reader.buffer`` is empty,
   reads the following frames (data, fragments, ping, close) like the old one. Nothing
   else keeps the request alive once both are dropped.
5. **frame-bytes**: ``Frame(opcode, payload).serialize(mask=False)`` is the RFC 6455
   encoding of one unmasked, final frame; with ``ws_per_message_deflate=False`` no
   extension touches it, so the same bytes are right for every recipient.
6. **server-shutdown**: ``uvicorn.Server.shutdown(sockets)`` is where uvicorn stops
   listening (``self.servers``) and then closes every connection itself (1012); running
   code before it lets the sessions be told 1001 first.

Why reach in at all: ASGI's ``send`` is one coroutine per message per recipient, while
fan-out must cost one write per recipient (docs/architecture.md, "Fan-out").
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from importlib import metadata
from typing import TYPE_CHECKING, Any, Protocol

import uvicorn
from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol as WebSocketProtocol
from websockets.protocol import State

if TYPE_CHECKING:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

__all__ = [
    "SUPPORTED",
    "UVICORN_WS_OPTIONS",
    "Connection",
    "DrainingServer",
    "UnsupportedVersion",
    "check_versions",
    "ws_frame",
]

# The versions this module was tested against, as pyproject.toml's specifiers (a test
# keeps the two equal): widen one only with the other, after tests/test_uvicorn_ws.py passes.
SUPPORTED: Mapping[str, str] = {"uvicorn": ">=0.54,<0.55", "websockets": ">=17.4,<18"}

# uvicorn's options this module needs (assumptions 1 and 5): the sans-I/O protocol, and no
# compression, which would make every recipient's bytes different.
UVICORN_WS_OPTIONS: Mapping[str, Any] = {"ws": "websockets-sansio", "ws_per_message_deflate": False}


class UnsupportedVersion(RuntimeError):
    """An installed uvicorn or websockets outside :data:`SUPPORTED`."""


def _release(version: str) -> tuple[int, ...]:
    """``"17.4.1"`` -> ``(17, 4, 1)``; a pre-release counts as its release ("18.0rc1" -> 18.0)."""
    match = re.match(r"\d+(\.\d+)*", version)
    return tuple(int(part) for part in match.group(0).split(".")) if match else ()


def _within(version: str, specifier: str) -> bool:
    """``version`` satisfies ``specifier``, a comma-separated list of ``>=X`` and ``<X``."""
    release = _release(version)
    for clause in specifier.split(","):
        clause = clause.strip()
        if clause.startswith(">="):
            if release < _release(clause[2:]):
                return False
        elif clause.startswith("<"):
            if release >= _release(clause[1:]):
                return False
        else:
            raise ValueError(f"unsupported specifier clause {clause!r} in {specifier!r}")
    return True


def check_versions(installed: Mapping[str, str] | None = None) -> None:
    """Raise :class:`UnsupportedVersion`, saying what to do, unless every library this
    module reaches into is within :data:`SUPPORTED` (``installed``: name -> version,
    default: what is installed)."""
    problems = []
    for name, specifier in SUPPORTED.items():
        version = installed[name] if installed is not None else metadata.version(name)
        if not _within(version, specifier):
            problems.append(f"{name} {version} is installed; groupcast is tested with {name}{specifier}")
    if problems:
        raise UnsupportedVersion(
            "; ".join(problems) + ". The gateway writes frames beneath uvicorn, through internals that change "
            "without notice (server/gateway/uvicorn_ws.py), so it refuses to start. Install the locked versions "
            "(`make serve` does; or `uv sync --locked`), or port server/gateway/uvicorn_ws.py to the new release "
            "and widen its SUPPORTED with pyproject.toml once tests/test_uvicorn_ws.py passes."
        )


def ws_frame(payload: bytes, binary: bool) -> bytes:
    """A complete, unmasked, unfragmented server frame carrying ``payload`` (assumption 5)."""
    return Frame(Opcode.BINARY if binary else Opcode.TEXT, payload).serialize(mask=False)


def _sansio_protocol(send: Any) -> WebSocketsSansIOProtocol:
    """The uvicorn protocol object behind an ASGI ``send`` (assumption 1)."""
    # Imported here, not at the top, so that check_versions() can speak first when a
    # newer uvicorn has moved the module.
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    protocol = getattr(send, "__self__", None)
    if not isinstance(protocol, WebSocketsSansIOProtocol):
        raise RuntimeError(
            "the groupcast gateway runs under uvicorn with ws='websockets-sansio' "
            f"(groupcast serve does this); got ASGI send {send!r}"
        )
    return protocol


class Marker(Protocol):
    """What a connection needs of the flusher: be flushed at the end of this iteration."""

    def mark(self, connection: Connection) -> None: ...


class Connection:
    """The transport side of one accepted WebSocket: non-blocking, coalesced writes of
    ready frames straight to uvicorn's transport (assumption 2).

    A frame is queued on its connection, and the flusher (once per event-loop iteration,
    see :class:`server.gateway.connection.Flusher`) hands each connection's queued frames
    to the transport in one write. Anything else that writes to the transport (the close
    frame, which uvicorn writes) must :meth:`flush` first, so that it cannot overtake a
    queued frame.

    There is no backpressure. Each connection may hold up to ``limit`` bytes, queued or
    in its transport; a write past that is refused (``write`` returns False) and the
    session closes the connection (4003, slow consumer). The client reconnects and syncs.
    """

    # Slots, and no list until something is queued: most connections are idle.
    __slots__ = ("_protocol", "_transport", "_flusher", "_queued", "_queued_bytes", "limit")

    def __init__(self, send: Any, limit: int, flusher: Marker) -> None:
        protocol = _sansio_protocol(send)
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
        buffered, i.e. while the old one waits for a frame header, having consumed none
        (assumption 4)."""
        protocol: Any = self._protocol
        protocol.request = protocol.response = None
        scope["headers"] = []
        conn = protocol.conn
        if conn.state is State.OPEN and not conn.reader.buffer:
            conn.parser = WebSocketProtocol.parse(conn)
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


class DrainingServer(uvicorn.Server):
    """uvicorn, running ``drain`` after it stops listening and before it closes the
    remaining connections itself (assumption 6). Checks the versions first."""

    def __init__(self, config: uvicorn.Config, drain: Callable[[], Awaitable[None]] | None = None) -> None:
        check_versions()
        super().__init__(config)
        self._drain = drain

    async def shutdown(self, sockets: Any = None) -> None:
        for server in self.servers:
            server.close()
        if self._drain is not None:
            await self._drain()
        await super().shutdown(sockets)
