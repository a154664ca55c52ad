"""One WebSocket session: accept, log in, decode frames, dispatch, reply.

Frames of a session are handled one at a time, in arrival order, so replies come back
in request order. A frame that cannot be decoded, names an unknown op or carries an
invalid field gets an error reply and the session goes on; only abuse closes it
(oversized frames -- 1009, by the WebSocket layer; floods -- 4002; no login -- 4000;
silence -- 4001; a full outgoing buffer -- 4003).
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import TYPE_CHECKING, Any

import msgspec

from protocol import usersig
from protocol.codec import REQUESTS, Codec, codec_for_subprotocol
from protocol.errors import CLOSE_CODE_EXPLANATIONS, CloseCode, ErrorCode, GroupcastError
from protocol.messages import Heartbeat, HeartbeatResult, Login, Logout, Reply, Request

from ..ops import OPS, Actor, Ctx
from .connection import Connection, Outgoing, ws_frame

if TYPE_CHECKING:
    from ..node import Node

__all__ = ["Session", "serve_websocket"]

log = logging.getLogger("groupcast.gateway")

KNOWN_OPS = frozenset(cls.__struct_config__.tag for cls in REQUESTS)
_serials = itertools.count(1)


class Session:
    __slots__ = (
        "id",
        "node",
        "codec",
        "conn",
        "_send",
        "user_id",
        "device_id",
        "platform",
        "login_time",
        "connected_at",
        "last_seen",
        "_tokens",
        "_tokens_at",
        "closing",
        "actor",
    )

    def __init__(self, node: Node, codec: Codec, conn: Connection, send: Any) -> None:
        now = time.monotonic()
        self.id = f"{node.node_id}/{next(_serials)}"
        self.node = node
        self.codec = codec
        self.conn = conn
        self._send = send
        self.user_id = ""
        self.device_id = ""
        self.platform = ""
        self.login_time = 0
        self.connected_at = now
        self.last_seen = now
        self._tokens = float(node.config.rate_burst)
        self._tokens_at = now
        self.closing = False
        self.actor: Actor | None = None

    @property
    def logged_in(self) -> bool:
        return self.actor is not None

    # -- output -----------------------------------------------------------------------

    def write(self, frame: bytes) -> None:
        """Queue a ready WebSocket frame; a full buffer closes the session (4003)."""
        if not self.conn.write(frame):
            self.close_soon(CloseCode.SLOW_CONSUMER)

    def push(self, outgoing: Outgoing) -> None:
        self.write(outgoing.wire(self.codec))

    def reply(self, seq: int, code: int = 0, message: str = "OK", data: Any = None) -> None:
        frame = Reply(seq=seq, code=code, message=message, data=data)
        self.write(ws_frame(self.codec.encode(frame), self.codec.binary))

    def refuse(self, seq: int, error: GroupcastError) -> None:
        self.reply(seq, int(error.code), error.message)

    def close_soon(self, code: CloseCode, reason: str = "") -> None:
        """Close from synchronous code (fan-out, sweeper): schedules :meth:`close`."""
        if not self.closing:
            self.closing = True
            self.node.spawn(self.close(code, reason))

    async def close(self, code: CloseCode, reason: str = "") -> None:
        self.closing = True
        reason = (reason or CLOSE_CODE_EXPLANATIONS.get(code, ""))[:120]
        self.conn.flush()  # uvicorn writes the close frame itself: let nothing queued follow it
        try:
            await self._send({"type": "websocket.close", "code": int(code), "reason": reason})
        except Exception:  # already gone: nothing left to close
            pass

    # -- input ------------------------------------------------------------------------

    def _admit(self, now: float) -> bool:
        """Token bucket: ``rate_limit`` frames/s sustained, ``rate_burst`` at once."""
        config = self.node.config
        self._tokens = min(float(config.rate_burst), self._tokens + (now - self._tokens_at) * config.rate_limit)
        self._tokens_at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    async def on_frame(self, data: bytes | str, binary: bool) -> None:
        if self.closing:
            return
        now = time.monotonic()
        self.last_seen = now
        if not self._admit(now):
            await self.close(CloseCode.RATE_LIMITED)
            return
        if binary != self.codec.binary:
            want = "binary (MessagePack)" if self.codec.binary else "text (JSON)"
            self.refuse(0, GroupcastError(ErrorCode.WRONG_FRAME_TYPE, f"this session speaks {want} frames"))
            return
        try:
            request = self.codec.decode_request(data)
        except msgspec.DecodeError as exc:
            seq, error = self._explain(data, exc)
            self.refuse(seq, error)
            return
        try:
            result = await self._dispatch(request)
        except GroupcastError as error:
            self.refuse(request.seq, error)
        except Exception:
            log.exception("op %s failed", type(request).__name__)
            self.refuse(request.seq, GroupcastError(ErrorCode.INTERNAL))
        else:
            self.reply(request.seq, data=result)

    def _explain(self, data: bytes | str, exc: msgspec.DecodeError) -> tuple[int, GroupcastError]:
        """Why a frame did not decode, with the seq to answer to when it can be found."""
        if not isinstance(exc, msgspec.ValidationError):
            return 0, GroupcastError(ErrorCode.MALFORMED_FRAME, f"frame is not valid: {exc}")
        try:
            head = self.codec.decode_head(data)
        except msgspec.DecodeError:
            return 0, GroupcastError(ErrorCode.MALFORMED_FRAME, "a frame must be an object with an op")
        seq = head.seq if isinstance(head.seq, int) and not isinstance(head.seq, bool) else 0
        if head.op is None:
            return seq, GroupcastError(ErrorCode.INVALID_PARAMETER, "missing op")
        if head.op not in KNOWN_OPS:
            return seq, GroupcastError(ErrorCode.UNKNOWN_OP, f"unknown op {head.op!r}")
        return seq, GroupcastError(ErrorCode.INVALID_PARAMETER, str(exc))

    async def _dispatch(self, request: Request) -> Any:
        if isinstance(request, Login):
            if self.logged_in:
                raise GroupcastError(ErrorCode.ALREADY_LOGGED_IN)
            return await self._login(request)
        if self.actor is None:
            raise GroupcastError(ErrorCode.NOT_LOGGED_IN)
        if isinstance(request, Heartbeat):
            return HeartbeatResult(server_time=int(time.time()))
        if isinstance(request, Logout):
            self.closing = True
            self.node.spawn(self.close(CloseCode.NORMAL))
            return None
        handler = OPS.get(type(request))
        if handler is None:
            raise GroupcastError(ErrorCode.UNKNOWN_OP, f"op {type(request).__name__} is not served here")
        return await handler(Ctx(self.node, self.actor), request)

    async def _login(self, request: Login) -> Any:
        node = self.node
        if request.sdk_app_id != node.config.sdkappid:
            raise GroupcastError(ErrorCode.SDKAPPID_UNKNOWN, f"this server serves SDKAppID {node.config.sdkappid}")
        usersig.verify(node.secret, node.config.sdkappid, request.user_id, request.user_sig)
        return await node.presence.log_in(self, request)

    # -- lifetime ---------------------------------------------------------------------


async def serve_websocket(node: Node, scope: Any, receive: Any, send: Any) -> None:
    """The ASGI endpoint of ``/ws``."""
    connect = await receive()
    if connect["type"] != "websocket.connect":
        return
    if not node.accepting:
        await send({"type": "websocket.close", "code": int(CloseCode.GOING_AWAY)})
        return
    offered = list(scope.get("subprotocols") or [])
    codec = codec_for_subprotocol(offered)
    accept: dict[str, Any] = {"type": "websocket.accept"}
    if codec.subprotocol in offered:
        accept["subprotocol"] = codec.subprotocol
    await send(accept)
    connection = Connection(send, node.config.send_buffer_bytes, node.flusher)
    connection.shed_handshake(scope)
    session = Session(node, codec, connection, send)
    node.registry.connected(session)
    # The receive loop lives here, not in a method: one coroutine frame less per idle
    # connection, which is most of what a connection costs.
    try:
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "websocket.receive":
                text = message.get("text")
                if text is not None:
                    await session.on_frame(text, False)
                else:
                    await session.on_frame(message.get("bytes") or b"", True)
            elif kind == "websocket.disconnect":
                break
    except Exception:
        log.exception("session %s failed", session.id)
    finally:
        await node.presence.log_out(session)
