"""Between the bus and this node's sessions.

Outbound: events addressed to users are wrapped in an :class:`Envelope`, encoded once
(MessagePack) and published on each user's channel ``u:<user>``.

Inbound: a node is subscribed to the channel of every user it hosts (reference-counted
over that user's sessions) and nothing else. A received envelope is decoded once; its
push is encoded at most once per wire format (:class:`Outgoing`) and written to each
local session of the user: a dict lookup and a non-blocking write per device.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Union

import msgspec
from prometheus_client import Counter

from protocol.messages import PUSH_TYPES

from .connection import Outgoing

if TYPE_CHECKING:
    from ..bus import Bus
    from .registry import Registry

__all__ = ["CloseDevice", "Router", "ToUser", "user_channel"]

log = logging.getLogger("groupcast.router")

BUS_RECEIVED = Counter("groupcast_bus_messages_received", "Bus messages received by this node")
BUS_PUBLISHED = Counter("groupcast_bus_messages_published", "Bus messages published by this node")

PushUnion = Union[PUSH_TYPES]  # type: ignore[valid-type]


class ToUser(msgspec.Struct, tag="user", array_like=True, gc=False):
    """Push ``push`` to every device of the channel's user, except one session."""

    push: PushUnion
    except_session: str = ""


class CloseDevice(msgspec.Struct, tag="close", array_like=True, gc=False):
    """Close the user's sessions on ``device_id`` (all if empty) other than ``keep_session``."""

    device_id: str
    keep_session: str
    code: int
    reason: str = ""


Envelope = Union[ToUser, CloseDevice]
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(Envelope).decode


def user_channel(user_id: str) -> str:
    return f"u:{user_id}"


class Router:
    def __init__(self, bus: Bus, registry: Registry) -> None:
        self._bus = bus
        self._registry = registry
        self._refs: dict[str, int] = {}
        self._subscribed: set[str] = set()
        # Subscription changes go to the bus one at a time, so an unsubscribe can never
        # overtake the subscribe that follows it.
        self._lock = asyncio.Lock()

    # -- subscriptions ----------------------------------------------------------------

    async def acquire(self, channel: str) -> None:
        """Hold a reference to ``channel``; returns once the node receives it."""
        self._refs[channel] = self._refs.get(channel, 0) + 1
        if channel in self._subscribed:
            return
        async with self._lock:
            if channel not in self._subscribed and self._refs.get(channel):
                await self._bus.subscribe([channel])
                self._subscribed.add(channel)

    async def release(self, channel: str) -> None:
        left = self._refs.get(channel, 0) - 1
        if left > 0:
            self._refs[channel] = left
            return
        self._refs.pop(channel, None)
        async with self._lock:
            if channel in self._subscribed and not self._refs.get(channel):
                self._subscribed.discard(channel)
                await self._bus.unsubscribe([channel])

    # -- outbound ---------------------------------------------------------------------

    async def publish(self, channels: Iterable[str], envelope: ToUser | CloseDevice) -> None:
        payload = _encode(envelope)
        for channel in channels:
            BUS_PUBLISHED.inc()
            await self._bus.publish(channel, payload)

    async def to_users(self, user_ids: Iterable[str], push: msgspec.Struct, except_session: str = "") -> None:
        await self.publish((user_channel(u) for u in user_ids), ToUser(push=push, except_session=except_session))

    # -- inbound ----------------------------------------------------------------------

    def on_message(self, channel: str, payload: bytes) -> None:
        BUS_RECEIVED.inc()
        try:
            envelope = _decode(payload)
        except msgspec.DecodeError:
            log.error("undecodable bus message on %s", channel)
            return
        if not channel.startswith("u:"):
            log.error("message on unknown channel %s", channel)
            return
        user_id = channel[2:]
        if isinstance(envelope, ToUser):
            outgoing = Outgoing(envelope.push)
            for session in self._registry.of_user(user_id):
                if session.id != envelope.except_session:
                    session.push(outgoing)
        else:
            for session in list(self._registry.of_user(user_id)):
                if envelope.device_id in ("", session.device_id) and session.id != envelope.keep_session:
                    session.close_soon(envelope.code, envelope.reason)
