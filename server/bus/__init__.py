"""Cross-node events behind one small interface.

A node subscribes to the channels of the users and groups it hosts, and nothing else;
``publish`` reaches every node subscribed to the channel at that moment.

Delivery is fire-and-forget, at most once, in publish order per channel: a node that is
not subscribed (yet), or that dies, misses the event. Nothing from a channel is handed
over once ``unsubscribe`` has returned. A handler that raises is logged, and delivery of
later messages goes on. Everything a client must not miss
is stored with a sequence number before it is published, and clients sync gaps.

* :class:`~server.bus.local.LocalBus` (default): in-process, for one node.
* :class:`~server.bus.redis.RedisBus` (``--redis-url``): Redis sharded pub/sub.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["Bus", "MessageHandler", "open_bus"]

MessageHandler = Callable[[str, bytes], None]
"""Called on the event loop with ``(channel, payload)`` for every message received."""


class Bus(Protocol):
    async def start(self, on_message: MessageHandler) -> None:
        """Connect; from now on ``on_message`` receives what subscribed channels carry."""

    async def close(self) -> None:
        """Unsubscribe from everything and disconnect."""

    async def publish(self, channel: str, payload: bytes) -> None:
        """Send ``payload`` to the nodes subscribed to ``channel`` now."""

    async def subscribe(self, channels: Iterable[str]) -> None:
        """Start receiving ``channels``; returns once the subscription is in effect."""

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        """Stop receiving ``channels``."""


def open_bus(config: Config) -> Bus:
    if config.redis_url:
        from .redis import RedisBus

        return RedisBus(config.redis_url, config.redis_prefix)
    from .local import LocalBus

    return LocalBus()
