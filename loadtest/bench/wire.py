"""A minimal WebSocket client on a plain asyncio transport, built for counting.

The load generator holds thousands of connections in one process, so a receiver must cost
almost nothing per push. :class:`RawWS` does the client handshake by hand and then works in
one of two modes:

* **full**: parses every frame header, answers pings and hands each text/binary payload to
  ``on_frame``. Used while a connection logs in and joins, for senders (which need their
  replies) and for latency probes (which read the send timestamp out of the payload).
* **cheap**: does not look at frames at all. It counts the occurrences of :data:`MARKER`
  (which every benchmark message carries once, and nothing else does) in the received
  bytes with ``bytes.count`` -- C speed, whatever the chunking -- keeping the last few bytes
  so that a marker split across two reads is counted once. Keepalive pings still get their
  pong: the server's frames are JSON text (ASCII), so a ``0x89`` byte followed by length 4
  can only be a ping; Engine.IO's ping is the one-byte text frame ``"2"``.

Client frames are masked with the all-zero key (RFC 6455 requires the mask bit, not a
random key; every server accepts it), so building one is a header plus the payload.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import Any

__all__ = ["MARKER", "RawWS", "Tally", "client_frame", "connect", "http_request"]

MARKER = b"~gcM~"
_ML = len(MARKER) - 1
_ZERO_MASK = b"\x00\x00\x00\x00"
_WS_PING = b"\x89\x04"  # uvicorn / websockets keepalive ping: 4-byte payload
_EIO_PING = b"\x81\x012"  # Engine.IO ping: text frame "2"


def client_frame(payload: bytes, opcode: int = 1) -> bytes:
    """A complete, final, masked (all-zero key) client frame."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return head + _ZERO_MASK + payload


class Tally:
    """Counters shared by every connection of the generator."""

    __slots__ = ("frames", "closed", "latencies", "record")

    def __init__(self) -> None:
        self.frames = 0  # benchmark messages received, all connections
        self.closed = 0  # connections closed by the server
        self.latencies: list[float] = []  # seconds, from probes
        self.record = False  # probes append latencies only while True


class RawWS(asyncio.Protocol):
    __slots__ = (
        "tally",
        "transport",
        "count",
        "cheap",
        "_request",
        "_upgraded",
        "_buf",
        "_tail",
        "_pend",
        "on_frame",
        "probe",
        "eio",
        "_early",
        "closed",
        "close_code",
    )

    def __init__(self, tally: Tally, request: bytes, eio: bool = False) -> None:
        self.tally = tally
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport
        self.count = 0  # benchmark messages received on this connection
        self.cheap = False
        self._request = request
        self._upgraded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._buf = bytearray()
        self._tail = b""
        self._pend = b""
        self.on_frame: Callable[[bytes], Any] | None = None
        self.probe = False  # full mode: record latencies of benchmark messages
        self.eio = eio
        self._early: list[bytes] = []  # frames that came before on_frame was set
        self.closed = False
        self.close_code = 0

    # -- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed:
            self.closed = True
            self.tally.closed += 1
        if not self._upgraded.done():
            self._upgraded.set_exception(ConnectionError("closed during the handshake"))

    def data_received(self, data: bytes) -> None:
        if self.cheap:
            self._count(data)
            return
        if not self._upgraded.done():
            self._buf += data
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buf[:end])
            del self._buf[: end + 4]
            if not head.startswith(b"HTTP/1.1 101"):
                self._upgraded.set_exception(ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace")))
                return
            self._upgraded.set_result(None)
            if not self._buf:
                return
        else:
            self._buf += data
        self._parse()

    # -- cheap mode -----------------------------------------------------------------------

    def go_cheap(self) -> None:
        """Stop parsing; count markers from now on (whatever is buffered included)."""
        self.cheap = True
        rest = bytes(self._buf)
        self._buf = bytearray()
        if rest:
            self._count(rest)

    def _count(self, data: bytes) -> None:
        if self._pend:
            data = self._pend + data
            self._pend = b""
            tail = b""
        else:
            tail = self._tail
        n = data.count(MARKER)
        if tail:
            n += (tail + data[:_ML]).count(MARKER)
        if n:
            self.count += n
            self.tally.frames += n
        if self.eio:
            if _EIO_PING in data:
                assert self.transport is not None
                self.transport.write(client_frame(b"3"))
        elif b"\x89" in data:
            self._pongs(data)
        self._tail = data[-_ML:]

    def _pongs(self, data: bytes) -> None:
        assert self.transport is not None
        at = data.find(_WS_PING)
        while at >= 0:
            if at + 6 > len(data):
                self._pend = data[at:]  # completed by the next read
                return
            self.transport.write(client_frame(data[at + 2 : at + 6], 0xA))
            at = data.find(_WS_PING, at + 6)
        if data[-1] == 0x89:
            self._pend = data[-1:]

    # -- full mode ------------------------------------------------------------------------

    def _parse(self) -> None:
        buf = self._buf
        n = len(buf)
        pos = 0
        while n - pos >= 2:
            b0 = buf[pos]
            length = buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if n - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if n - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            end = pos + head + length
            if end > n:
                break
            payload = bytes(buf[pos + head : end])
            pos = end
            opcode = b0 & 0x0F
            if opcode == 9:
                assert self.transport is not None
                self.transport.write(client_frame(payload, 0xA))
            elif opcode == 8:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            elif opcode in (0, 1, 2):
                self._message(payload)
        if pos:
            del buf[:pos]

    def _message(self, payload: bytes) -> None:
        # A groupcast reply may quote benchmark messages (getGroupHistory): not a delivery.
        at = -1 if payload.startswith(b'{"type":"reply"') else payload.find(MARKER)
        if at >= 0:
            self.count += 1
            self.tally.frames += 1
            if self.probe and self.tally.record:
                start = at + len(MARKER)
                sent = float(payload[start : payload.index(b"|", start)])
                self.tally.latencies.append(time.perf_counter() - sent)
            return
        if self.eio and payload == b"2":
            self.send(b"3")
            return
        if self.on_frame is not None:
            self.on_frame(payload)
        else:
            self._early.append(payload)

    def set_handler(self, on_frame: Callable[[bytes], Any]) -> None:
        """Hand frames to ``on_frame`` from now on, first those that came before."""
        self.on_frame = on_frame
        early, self._early = self._early, []
        for payload in early:
            on_frame(payload)

    # -- sending --------------------------------------------------------------------------

    def set_lowat(self, size: int) -> None:
        """SO_RCVLOWAT: be woken only once ``size`` bytes are waiting (1: any byte).

        Under saturation a receiver woken per pushed frame costs the generator about as
        much CPU as the server spends sending it; woken per few KiB, it reads a dozen
        frames per wakeup. Used for cheap receivers while a saturation window runs; a
        push waits in the kernel until more follow, so latency is never measured so."""
        sock = self.transport.get_extra_info("socket") if self.transport is not None else None
        if sock is not None and not self.closed:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, size)

    def send(self, payload: bytes, opcode: int = 1) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(client_frame(payload, opcode))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(
    tally: Tally,
    port: int,
    path: str = "/ws",
    *,
    subprotocol: str | None = None,
    eio: bool = False,
    timeout: float = 30.0,
) -> RawWS:
    """Open a TCP connection to 127.0.0.1:``port`` and complete the WebSocket handshake."""
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    if subprotocol:
        lines.append(f"Sec-WebSocket-Protocol: {subprotocol}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    _, proto = await asyncio.wait_for(
        loop.create_connection(lambda: RawWS(tally, request, eio), "127.0.0.1", port), timeout
    )
    await asyncio.wait_for(proto._upgraded, timeout)
    return proto


async def http_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int, path: str, body: bytes
) -> tuple[int, bytes]:
    """One POST on a keep-alive HTTP/1.1 connection; (status, body)."""
    writer.write(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
    )
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    parts = []
    while True:
        size = int((await reader.readline()).strip(), 16)
        if size == 0:
            await reader.readline()
            return status, b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readline()
