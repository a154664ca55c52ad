"""The asyncio Python client SDK.

    async with Client("ws://127.0.0.1:8080/ws", sdk_app_id=1400000000,
                      user_id="alice", user_sig=sig, device_id="laptop") as chat:
        await chat.heartbeat()
        async for push in chat.pushes():
            print(push)

``connect()`` opens the socket and logs in; the client then sends heartbeats by itself,
and, when the server closes with a code that allows it (see
:func:`protocol.errors.should_reconnect`) or the network drops, reconnects with
exponential backoff and logs in again. Requests in flight when the connection drops
fail with :class:`ConnectionLost`. Each op has one method returning its typed result;
a refusal raises :class:`RequestError` carrying the server's code and message.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .codec import JSON, MSGPACK, Codec
from .errors import GroupcastError, should_reconnect
from .messages import Heartbeat, HeartbeatResult, Login, LoginResult, Logout, Platform, Push, Reply, Request

__all__ = ["Client", "ConnectionLost", "RequestError"]

log = logging.getLogger("groupcast.client")
T = TypeVar("T")


class RequestError(GroupcastError):
    """The server refused a request."""


class ConnectionLost(ConnectionError):
    """The connection dropped before the reply arrived; the request may or may not have run."""


class Client:
    def __init__(
        self,
        url: str,
        *,
        sdk_app_id: int,
        user_id: str,
        user_sig: str,
        device_id: str,
        platform: Platform = "Unknown",
        msgpack: bool = False,
        reconnect: bool = True,
        heartbeat: bool = True,
        request_timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.user_id = user_id
        self.user_sig = user_sig
        self.device_id = device_id
        self._login = Login(
            sdk_app_id=sdk_app_id, user_id=user_id, user_sig=user_sig, device_id=device_id, platform=platform
        )
        self.codec: Codec = MSGPACK if msgpack else JSON
        self.reconnect = reconnect
        self.heartbeat_enabled = heartbeat
        self.request_timeout = request_timeout
        self.session: LoginResult | None = None
        self.close_code: int | None = None
        self.close_reason = ""
        self.on_connected: list[Callable[[LoginResult], Any]] = []
        self._ws: ClientConnection | None = None
        self._seq = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Reply]] = {}
        self._pushes: asyncio.Queue[Push] = asyncio.Queue()
        self._stray: asyncio.Queue[Reply] = asyncio.Queue()
        self._tasks: list[asyncio.Task[Any]] = []
        self._closing = False
        self._connected = asyncio.Event()
        self._gone = asyncio.Event()

    # -- lifetime ---------------------------------------------------------------------

    async def __aenter__(self) -> Client:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> LoginResult:
        """Open the connection and log in; raises :class:`RequestError` if refused."""
        result = await self._open()
        self._tasks.append(asyncio.create_task(self._supervise()))
        return result

    async def _open(self) -> LoginResult:
        ws = await connect(self.url, subprotocols=[self.codec.subprotocol], compression=None, max_size=None)  # type: ignore[list-item]
        self._ws = ws
        self.close_code = None
        self._gone.clear()
        reader = asyncio.create_task(self._read(ws))
        try:
            self.session = await self.request(self._login)
        except BaseException:
            reader.cancel()
            await ws.close()
            raise
        self._tasks = [t for t in self._tasks if not t.done()] + [reader]
        self._connected.set()
        for callback in self.on_connected:
            outcome = callback(self.session)
            if asyncio.iscoroutine(outcome):
                await outcome
        return self.session

    async def close(self) -> None:
        """Close for good: no reconnect."""
        self._closing = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._ws is not None:
            await self._ws.close()
        self._fail_pending()

    async def wait_closed(self) -> int | None:
        """Wait until the server closes the connection; returns its close code."""
        await self._gone.wait()
        return self.close_code

    async def _supervise(self) -> None:
        """Heartbeats while connected; reconnection with backoff when dropped."""
        attempt = 0
        while not self._closing:
            heartbeat = asyncio.create_task(self._heartbeat()) if self.heartbeat_enabled else None
            await self._gone.wait()
            if heartbeat is not None:
                heartbeat.cancel()
            self._connected.clear()
            self._fail_pending()
            if (
                self._closing
                or not self.reconnect
                or (self.close_code is not None and not should_reconnect(self.close_code))
            ):
                return
            while not self._closing:
                delay = min(30.0, 0.2 * 2**attempt) * (0.5 + random.random() / 2)
                attempt += 1
                await asyncio.sleep(delay)
                try:
                    await self._open()
                except (TimeoutError, OSError, ConnectionClosed, ConnectionLost) as exc:
                    log.info("reconnect failed: %s", exc)
                    continue
                except RequestError as exc:
                    log.warning("login refused on reconnect: %s", exc)
                    return
                attempt = 0
                break

    async def _heartbeat(self) -> None:
        interval = self.session.heartbeat_interval if self.session else 25
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(ConnectionLost, RequestError, asyncio.TimeoutError):
                await self.heartbeat()

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for data in ws:
                frame = self.codec.decode_server(data)
                if isinstance(frame, Reply):
                    waiter = self._pending.pop(frame.seq, None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(frame)
                    else:
                        self._stray.put_nowait(frame)
                else:
                    self._pushes.put_nowait(frame)  # type: ignore[arg-type]
        except ConnectionClosed:
            pass
        finally:
            received = ws.protocol.close_rcvd
            if received is not None:
                self.close_code, self.close_reason = received.code, received.reason
            else:
                self.close_code, self.close_reason = 1006, "connection lost"
            self._fail_pending()
            self._gone.set()

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for waiter in pending.values():
            if not waiter.done():
                waiter.set_exception(ConnectionLost(f"connection closed ({self.close_code})"))

    # -- requests ---------------------------------------------------------------------

    async def request(self, request: Request) -> Any:
        """Send ``request`` and return its typed result; raise :class:`RequestError`."""
        ws = self._ws
        if ws is None:
            raise ConnectionLost("not connected")
        request.seq = next(self._seq)
        waiter: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._pending[request.seq] = waiter
        try:
            await ws.send(self.codec.encode(request), text=not self.codec.binary)
        except ConnectionClosed:
            self._pending.pop(request.seq, None)
            raise ConnectionLost("connection closed") from None
        reply = await asyncio.wait_for(waiter, self.request_timeout)
        if reply.code != 0:
            raise RequestError(reply.code, reply.message)
        result_type = type(request).result
        if result_type is None or reply.data is None:
            return reply.data
        return msgspec.convert(reply.data, result_type)

    async def send_raw(self, data: str | bytes) -> Reply:
        """Send a frame as is and return the next reply that matches no request
        (the answer to a raw frame). For tests and debugging."""
        assert self._ws is not None
        await self._ws.send(data)
        async with asyncio.timeout(self.request_timeout):
            return await self._stray.get()

    async def heartbeat(self) -> HeartbeatResult:
        return await self.request(Heartbeat())  # type: ignore[no-any-return]

    async def logout(self) -> None:
        self._closing = True
        with contextlib.suppress(ConnectionLost):
            await self.request(Logout())
        await self.close()

    # -- pushes -----------------------------------------------------------------------

    async def pushes(self) -> AsyncIterator[Push]:
        """Every push, in arrival order, across reconnects."""
        while True:
            yield await self._pushes.get()

    async def next_push(self, kind: type[T] | None = None, timeout: float = 5.0) -> T:
        """The next push (of type ``kind``, skipping others); TimeoutError if none comes."""
        async with asyncio.timeout(timeout):
            while True:
                push = await self._pushes.get()
                if kind is None or isinstance(push, kind):
                    return push  # type: ignore[return-value]

    def drain_pushes(self) -> list[Push]:
        """Pushes received and not yet consumed, without waiting."""
        out: list[Push] = []
        while not self._pushes.empty():
            out.append(self._pushes.get_nowait())
        return out
