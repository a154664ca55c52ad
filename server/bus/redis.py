"""The Redis bus: sharded pub/sub (SPUBLISH / SSUBSCRIBE, Redis >= 7).

Sharded channels are routed by slot like keys, so on a Redis Cluster a channel's
traffic stays on one shard instead of being broadcast to all of them. One connection per
node carries all its subscriptions; a reader task hands each message to the node, unless
the channel was unsubscribed meanwhile (so nothing arrives once ``unsubscribe`` returned).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import cast

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from . import MessageHandler

__all__ = ["RedisBus"]

log = logging.getLogger("groupcast.bus")

_POOL_SIZE = 64


class RedisBus:
    def __init__(self, url: str, prefix: str) -> None:
        self._prefix = prefix
        # A blocking pool: past its size, publishers wait for a free connection instead
        # of failing (redis-py's default pool raises MaxConnectionsError at 100).
        self._redis = aioredis.Redis.from_pool(
            aioredis.BlockingConnectionPool.from_url(url, max_connections=_POOL_SIZE)
        )
        self._pubsub = self._redis.pubsub()
        self._handler: MessageHandler | None = None
        self._reader: asyncio.Task[None] | None = None
        self._confirmations: dict[bytes, asyncio.Future[None]] = {}
        self._channels: set[bytes] = set()  # prefixed names, as Redis sends them back
        self._has_subscriptions = asyncio.Event()

    async def start(self, on_message: MessageHandler) -> None:
        self._handler = on_message
        await self._redis.ping()
        self._reader = asyncio.create_task(self._read(), name="groupcast-bus-reader")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        # Typed here: some redis-py releases annotate PubSub.aclose and some do not.
        await cast("Callable[[], Awaitable[object]]", self._pubsub.aclose)()
        await self._redis.aclose()

    async def publish(self, channel: str, payload: bytes) -> None:
        await self._redis.spublish(self._prefix + channel, payload)

    async def subscribe(self, channels: Iterable[str]) -> None:
        names = [(self._prefix + c).encode() for c in channels]
        if not names:
            return
        loop = asyncio.get_running_loop()
        waits = [self._confirmations.setdefault(n, loop.create_future()) for n in names]
        self._channels.update(names)
        await self._pubsub.ssubscribe(*names)
        self._has_subscriptions.set()
        await asyncio.gather(*waits)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        names = [(self._prefix + c).encode() for c in channels]
        if names:
            self._channels.difference_update(names)
            await self._pubsub.sunsubscribe(*names)

    async def _read(self) -> None:
        strip = len(self._prefix.encode())
        while True:
            await self._has_subscriptions.wait()
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except RedisConnectionError:
                log.warning("bus connection lost; redis-py resubscribes on reconnect")
                await asyncio.sleep(0.5)
                continue
            if message is None:
                continue
            kind = message["type"]
            if kind == "smessage":
                if message["channel"] not in self._channels:
                    continue
                assert self._handler is not None
                try:
                    self._handler(message["channel"][strip:].decode(), message["data"])
                except Exception:
                    log.exception("bus message handler failed")
            elif kind == "ssubscribe":
                waiter = self._confirmations.pop(message["channel"], None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)
