"""A gateway node: the store, the bus and this process's sessions, wired together."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Coroutine
from typing import Any

from protocol.errors import CloseCode

from . import groups  # noqa: F401  (registers the group handlers)
from .bus import Bus, open_bus
from .config import Config, resolve_secret
from .gateway.connection import Flusher
from .gateway.presence import Presence
from .gateway.registry import Registry
from .gateway.router import Router
from .messages import send  # noqa: F401  (registers the message handlers)
from .messages.rooms import Rooms
from .store import Store, open_store

__all__ = ["Node"]

log = logging.getLogger("groupcast")


class Node:
    def __init__(self, config: Config, store: Store | None = None, bus: Bus | None = None) -> None:
        self.config = config
        self.node_id = f"{socket.gethostname()}:{os.getpid()}:{id(self) & 0xFFFF:x}"
        self.secret = resolve_secret(config)
        self.store: Store = store or open_store(config)
        self.bus: Bus = bus or open_bus(config)
        self.registry = Registry()
        self.flusher = Flusher()
        self.router = Router(self.bus, self.registry, self.store)
        self.presence = Presence(self)
        self.rooms = Rooms(self)
        self.router.rooms = self.rooms
        self.accepting = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._rooms_refresher: asyncio.Task[None] | None = None

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run a background coroutine, keeping a reference until it ends."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def start(self) -> None:
        await self.store.start()
        await self.bus.start(self.router.on_message)
        self._sweeper = asyncio.create_task(self.registry.sweep_forever(self), name="groupcast-sweeper")
        self._rooms_refresher = asyncio.create_task(self.rooms.refresh_forever(), name="groupcast-rooms")
        self.accepting = True
        backend = "redis" if self.config.redis_url else "embedded sqlite"
        log.info("node %s ready (%s, SDKAppID %d)", self.node_id, backend, self.config.sdkappid)

    async def going_away(self) -> None:
        """Stop taking sessions and close the open ones with 1001 (going away)."""
        self.accepting = False
        sessions = list(self.registry.sessions.values())
        await asyncio.gather(*(s.close(CloseCode.GOING_AWAY, "server shutting down") for s in sessions))

    async def stop(self) -> None:
        """Flush and disconnect; sessions must be gone (see :meth:`going_away`)."""
        self.accepting = False
        for task in (self._sweeper, self._rooms_refresher):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.bus.close()
        await self.store.close()
        log.info("node %s stopped; store flushed", self.node_id)
