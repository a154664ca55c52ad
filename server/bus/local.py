"""The in-process bus of a single node."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from . import MessageHandler

__all__ = ["LocalBus"]

log = logging.getLogger("groupcast.bus")


class LocalBus:
    def __init__(self) -> None:
        self._channels: set[str] = set()
        self._handler: MessageHandler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, on_message: MessageHandler) -> None:
        self._handler = on_message
        self._loop = asyncio.get_running_loop()

    async def close(self) -> None:
        self._channels.clear()
        self._handler = None

    async def publish(self, channel: str, payload: bytes) -> None:
        # Delivered on the next loop iteration, as a network bus would: the publisher
        # finishes its own step before any subscriber runs.
        if channel in self._channels and self._loop is not None:
            self._loop.call_soon(self._deliver, channel, payload)

    async def subscribe(self, channels: Iterable[str]) -> None:
        self._channels.update(channels)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        self._channels.difference_update(channels)

    def _deliver(self, channel: str, payload: bytes) -> None:
        # Checked again: nothing is delivered once unsubscribe() or close() has returned.
        if channel not in self._channels or self._handler is None:
            return
        try:
            self._handler(channel, payload)
        except Exception:
            log.exception("bus message handler failed")
