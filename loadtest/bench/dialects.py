"""How the load generator talks to each server: groupcast, the websockets ceiling, and
python-socketio. Every dialect gives the same things: open a logged-in (or connected)
:class:`Peer`, put it in a group or room, and build the frame that sends one benchmark
message there; each message's acknowledgement frees a slot of the sender's window.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from typing import Any

import msgspec

from protocol import usersig

from .wire import MARKER, RawWS, Tally, connect

__all__ = ["DIALECTS", "Ceiling", "Dialect", "Groupcast", "Peer", "SocketIO", "message_text"]

_json = msgspec.json.Decoder()


def message_text(size: int) -> str:
    """A benchmark message: the marker, the send time (perf_counter), padding to ``size``."""
    head = f"{MARKER.decode()}{time.perf_counter():.6f}|"
    return head + "x" * max(0, size - len(head))


class RequestFailed(Exception):
    pass


class Peer:
    """One connection and its request state."""

    __slots__ = ("ws", "dialect", "user", "pending", "fifo", "inflight", "acked", "errors", "slot", "_seq", "random")

    def __init__(self, ws: RawWS, dialect: Dialect, user: str) -> None:
        self.ws = ws
        self.dialect = dialect
        self.user = user
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.fifo: deque[asyncio.Future[Any]] = deque()
        self.inflight = 0  # benchmark messages sent and not yet acknowledged
        self.acked = 0
        self.errors = 0
        self.slot: asyncio.Future[None] | None = None
        self._seq = itertools.count(1)
        self.random = itertools.count(1)

    def next_seq(self) -> int:
        return next(self._seq)

    def on_frame(self, payload: bytes) -> None:
        self.dialect.on_frame(self, payload)

    def ack(self, ok: bool = True) -> None:
        self.inflight -= 1
        self.acked += 1
        if not ok:
            self.errors += 1
        slot = self.slot
        if slot is not None and not slot.done():
            slot.set_result(None)

    async def wait_slot(self, window: int) -> None:
        while self.inflight >= window:
            self.slot = asyncio.get_running_loop().create_future()
            await self.slot

    async def drain(self, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while self.inflight > 0 and time.perf_counter() < deadline and not self.ws.closed:
            self.slot = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(self.slot, max(0.01, deadline - time.perf_counter()))
            except TimeoutError:
                return


class Dialect:
    name = ""
    path = "/ws"
    subprotocol: str | None = None
    eio = False

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    async def open(self, tally: Tally, port: int, user: str) -> Peer:
        ws = await connect(tally, port, self.path, subprotocol=self.subprotocol, eio=self.eio)
        peer = Peer(ws, self, user)
        self.prepare(peer)
        ws.set_handler(peer.on_frame)
        await self.hello(peer)
        return peer

    def prepare(self, peer: Peer) -> None:
        """Before any frame is handed over (the server may speak first)."""

    async def hello(self, peer: Peer) -> None:
        """Log in (groupcast) or connect (socket.io)."""

    async def enter(self, peer: Peer, room: str) -> None:
        """Join the room (baselines) or the live room (groupcast AVChatRoom)."""
        raise NotImplementedError

    def send_frame(self, peer: Peer, room: str, text: str) -> bytes:
        raise NotImplementedError

    def on_frame(self, peer: Peer, payload: bytes) -> None:
        raise NotImplementedError


class Groupcast(Dialect):
    """groupcast's JSON protocol: login, group ops, sendGroupMessage."""

    name = "groupcast"
    subprotocol = "groupcast.json"

    async def call(self, peer: Peer, op: str, timeout: float = 60.0, **fields: Any) -> Any:
        seq = peer.next_seq()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        peer.pending[seq] = future
        peer.ws.send(json.dumps({"op": op, "seq": seq, **fields}).encode())
        try:
            reply = await asyncio.wait_for(future, timeout)
        finally:
            peer.pending.pop(seq, None)
        if reply["code"] != 0:
            raise RequestFailed(f"{op}: {reply['code']} {reply['message']}")
        return reply["data"]

    async def hello(self, peer: Peer) -> None:
        sdkappid = int(self.spec["sdkappid"])
        sig = usersig.sign(self.spec["secret"], sdkappid, peer.user)
        await self.call(peer, "login", sdkAppID=sdkappid, userID=peer.user, userSig=sig, deviceID="d")

    async def enter(self, peer: Peer, room: str) -> None:
        await self.call(peer, "joinGroup", groupID=room)

    def send_frame(self, peer: Peer, room: str, text: str) -> bytes:
        # seq 0: the reply is a benchmark ack (replies come back in request order).
        return (
            b'{"op":"sendGroupMessage","seq":0,"groupID":"'
            + room.encode()
            + b'","random":'
            + str(next(peer.random)).encode()
            + b',"msgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"'
            + text.encode()
            + b'"}}]}'
        )

    def on_frame(self, peer: Peer, payload: bytes) -> None:
        if not payload.startswith(b'{"type":"reply"'):
            return  # a notice, a tip, a device event: not ours to count
        if payload.startswith(b'{"type":"reply","seq":0,'):
            peer.ack(payload.startswith(b'{"type":"reply","seq":0,"code":0,'))
            return
        reply = _json.decode(payload)
        future = peer.pending.get(reply["seq"])
        if future is not None and not future.done():
            future.set_result(reply)


class Ceiling(Dialect):
    """The websockets.broadcast baseline: "J<room>" joins (ack "j"); "M<room>\\n<text>"
    relays <text> to the room's other members (ack "a")."""

    name = "ws-ceiling"
    subprotocol = None

    async def enter(self, peer: Peer, room: str) -> None:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        peer.fifo.append(future)
        peer.ws.send(b"J" + room.encode())
        await asyncio.wait_for(future, 60)

    def send_frame(self, peer: Peer, room: str, text: str) -> bytes:
        return b"M" + room.encode() + b"\n" + text.encode()

    def on_frame(self, peer: Peer, payload: bytes) -> None:
        if payload == b"a":
            peer.ack()
        elif payload == b"j" and peer.fifo:
            peer.fifo.popleft().set_result(None)


class SocketIO(Dialect):
    """python-socketio over Engine.IO v4, WebSocket transport only: "0{...}" open, "40"
    connect, then "42" events with acknowledgements ("42<id>[...]" -> "43<id>[...]")."""

    name = "python-socketio"
    path = "/socket.io/?EIO=4&transport=websocket"
    eio = True

    def prepare(self, peer: Peer) -> None:
        loop = asyncio.get_running_loop()
        peer.pending[-1] = loop.create_future()  # "0{...}": Engine.IO open
        peer.pending[-2] = loop.create_future()  # "40{...}": namespace connected

    async def hello(self, peer: Peer) -> None:
        opened, connected = peer.pending[-1], peer.pending[-2]
        await asyncio.wait_for(opened, 30)
        peer.ws.send(b"40")
        await asyncio.wait_for(connected, 30)
        del peer.pending[-1], peer.pending[-2]

    async def enter(self, peer: Peer, room: str) -> None:
        ack = peer.next_seq()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        peer.pending[ack] = future
        peer.ws.send(b"42" + str(ack).encode() + json.dumps(["join", room]).encode())
        await asyncio.wait_for(future, 60)

    def send_frame(self, peer: Peer, room: str, text: str) -> bytes:
        return b'420["msg","' + room.encode() + b'","' + text.encode() + b'"]'

    def on_frame(self, peer: Peer, payload: bytes) -> None:
        if payload.startswith(b"430["):
            peer.ack()
        elif payload.startswith(b"43"):
            ack = int(payload[2 : payload.index(b"[")])
            future = peer.pending.pop(ack, None)
            if future is not None and not future.done():
                future.set_result(None)
        elif payload.startswith(b"0{") or payload.startswith(b"40"):
            for key in (-1, -2):
                future = peer.pending.get(key)
                if future is not None and not future.done():
                    future.set_result(payload)
                    break


DIALECTS: dict[str, type[Dialect]] = {d.name: d for d in (Groupcast, Ceiling, SocketIO)}
