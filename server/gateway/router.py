"""Between the bus and this node's sessions.

Channels: ``u:<user>`` carries what concerns one user (notices, device events, changes
of the user's memberships); ``g:<group>`` carries what goes to a group's members (tips,
later messages). A node subscribes to the channel of every user it hosts and of every
group one of them belongs to, reference-counted, and to nothing else.

Outbound: an event is wrapped in an envelope, encoded once (MessagePack) and published
on each channel it concerns.

Inbound: an envelope is decoded once; its push is encoded at most once per wire format
(:class:`Outgoing`) and written to each local session it is for: a dict lookup and a
non-blocking write per device.

Group routing: for each group with a local member online, the router keeps the local
members and their receive option (``members[group][user]``). It is loaded from the
store when a user's first session on this node logs in, and kept current by
``Membership`` envelopes that the group handlers publish on the user's channel whenever
the user joins, leaves or changes the option.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Union

import msgspec
from prometheus_client import Counter

from protocol.chat import GroupMessage
from protocol.codec import PushUnion
from protocol.errors import CloseCode

from .connection import Outgoing

if TYPE_CHECKING:
    from ..bus import Bus
    from ..messages.rooms import Rooms
    from ..store import Store
    from .registry import Registry

__all__ = [
    "CloseDevice",
    "Eject",
    "Membership",
    "Router",
    "ToGroup",
    "ToRoom",
    "ToUser",
    "group_channel",
    "room_channel",
    "user_channel",
]

log = logging.getLogger("groupcast.router")

BUS_RECEIVED = Counter("groupcast_bus_messages_received", "Bus messages received by this node")
BUS_PUBLISHED = Counter("groupcast_bus_messages_published", "Bus messages published by this node")


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


class Membership(msgspec.Struct, tag="member", array_like=True, gc=False):
    """The channel's user joined (``msg_flag`` set) or left (``msg_flag`` "") a group."""

    group_id: str
    msg_flag: str = ""


class ToGroup(msgspec.Struct, tag="group", array_like=True, gc=False):
    """Push ``push`` to every local member of the channel's group, except one session
    and the users in ``except_users`` (who get it on their own channel instead)."""

    push: PushUnion
    except_session: str = ""
    except_users: list[str] = []


class ToRoom(msgspec.Struct, tag="room", array_like=True, gc=False):
    """Push ``push`` to the local audience of the channel's live room."""

    push: PushUnion
    except_session: str = ""


class Eject(msgspec.Struct, tag="eject", array_like=True, gc=False):
    """Take every session of ``user_id`` (everyone's if empty) out of the channel's live room."""

    user_id: str


Envelope = Union[ToUser, CloseDevice, Membership, ToGroup, ToRoom, Eject]
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(Envelope).decode


def user_channel(user_id: str) -> str:
    return f"u:{user_id}"


def group_channel(group_id: str) -> str:
    return f"g:{group_id}"


def room_channel(group_id: str) -> str:
    return f"r:{group_id}"


class Router:
    def __init__(self, bus: Bus, registry: Registry, store: Store) -> None:
        self._bus = bus
        self._registry = registry
        self._store = store
        self._refs: dict[str, int] = {}
        self._subscribed: set[str] = set()
        # Subscription changes go to the bus one at a time, so an unsubscribe can never
        # overtake the subscribe that follows it.
        self._lock = asyncio.Lock()
        self.rooms: Rooms | None = None  # set by the node
        self.members: dict[str, dict[str, str]] = {}  # group -> local user -> msg_flag
        self._groups_of: dict[str, set[str]] = {}  # local user -> groups

    # -- subscriptions ----------------------------------------------------------------

    async def acquire(self, channels: Iterable[str]) -> None:
        """Hold a reference to each channel; returns once the node receives them."""
        new = []
        for channel in channels:
            self._refs[channel] = self._refs.get(channel, 0) + 1
            if channel not in self._subscribed:
                new.append(channel)
        if not new:
            return
        async with self._lock:
            wanted = [c for c in new if c not in self._subscribed and self._refs.get(c)]
            if wanted:
                await self._bus.subscribe(wanted)
                self._subscribed.update(wanted)

    async def release(self, channels: Iterable[str]) -> None:
        gone = []
        for channel in channels:
            left = self._refs.get(channel, 0) - 1
            if left > 0:
                self._refs[channel] = left
            else:
                self._refs.pop(channel, None)
                gone.append(channel)
        if not gone:
            return
        async with self._lock:
            unwanted = [c for c in gone if c in self._subscribed and not self._refs.get(c)]
            if unwanted:
                self._subscribed.difference_update(unwanted)
                await self._bus.unsubscribe(unwanted)

    # -- users arriving and leaving this node -----------------------------------------

    async def user_online(self, user_id: str) -> None:
        """The user's first session here: receive the user's and their groups' channels."""
        await self.acquire([user_channel(user_id)])
        groups = await self._store.user_groups(user_id)
        joined = [g for g, flag in groups.items() if self._add(user_id, g, flag)]
        await self.acquire(group_channel(g) for g in joined)

    async def user_offline(self, user_id: str) -> None:
        """The user's last session here ended."""
        groups = self._groups_of.pop(user_id, set())
        for group_id in groups:
            self._discard(user_id, group_id)
        await self.release([user_channel(user_id), *(group_channel(g) for g in groups)])

    def _add(self, user_id: str, group_id: str, msg_flag: str) -> bool:
        """Record a local membership; True if it is new."""
        local = self.members.setdefault(group_id, {})
        new = user_id not in local
        local[user_id] = msg_flag
        self._groups_of.setdefault(user_id, set()).add(group_id)
        return new

    def _discard(self, user_id: str, group_id: str) -> bool:
        local = self.members.get(group_id)
        if local is None or local.pop(user_id, None) is None:
            return False
        if not local:
            del self.members[group_id]
        return True

    def _membership(self, user_id: str, change: Membership) -> None:
        """Apply a membership change now (so that what the bus carries next is routed by
        it), then subscribe or unsubscribe in the background."""
        if user_id not in self._registry.users:
            return
        channel = group_channel(change.group_id)
        if change.msg_flag:
            if not self._add(user_id, change.group_id, change.msg_flag):
                return
            task = asyncio.ensure_future(self.acquire([channel]))
        else:
            if not self._discard(user_id, change.group_id):
                return
            self._groups_of.get(user_id, set()).discard(change.group_id)
            task = asyncio.ensure_future(self.release([channel]))
        task.add_done_callback(_log_failure)

    # -- outbound ---------------------------------------------------------------------

    async def publish(self, channels: Iterable[str], envelope: Envelope) -> None:
        payload = _encode(envelope)
        for channel in channels:
            BUS_PUBLISHED.inc()
            await self._bus.publish(channel, payload)

    async def to_users(self, user_ids: Iterable[str], push: msgspec.Struct, except_session: str = "") -> None:
        await self.publish((user_channel(u) for u in user_ids), ToUser(push=push, except_session=except_session))

    async def to_group(
        self, group_id: str, push: msgspec.Struct, except_session: str = "", direct: Iterable[str] = ()
    ) -> None:
        """Push to the group's members online. ``direct`` users (who just joined, so
        their node may not receive the group's channel yet) get it on their own channel."""
        direct = list(direct)
        await self.publish(
            [group_channel(group_id)], ToGroup(push=push, except_session=except_session, except_users=direct)
        )
        if direct:
            await self.to_users(direct, push, except_session)

    async def membership(self, user_ids: Iterable[str], group_id: str, msg_flag: str) -> None:
        """Tell the nodes of ``user_ids`` that they joined (``msg_flag``) or left ("")."""
        await self.publish((user_channel(u) for u in user_ids), Membership(group_id=group_id, msg_flag=msg_flag))

    # -- inbound ----------------------------------------------------------------------

    def on_message(self, channel: str, payload: bytes) -> None:
        BUS_RECEIVED.inc()
        try:
            envelope = _decode(payload)
        except msgspec.DecodeError:
            log.error("undecodable bus message on %s", channel)
            return
        kind, _, target = channel.partition(":")
        if isinstance(envelope, ToGroup) and kind == "g":
            self._deliver_to_group(target, envelope)
        elif isinstance(envelope, ToRoom | Eject) and kind == "r" and self.rooms is not None:
            self.rooms.deliver(target, envelope)
        elif kind != "u":
            log.error("%s on unexpected channel %s", type(envelope).__name__, channel)
        elif isinstance(envelope, ToUser):
            outgoing = Outgoing(envelope.push)
            for session in self._registry.of_user(target):
                if session.id != envelope.except_session:
                    session.push(outgoing)
        elif isinstance(envelope, Membership):
            self._membership(target, envelope)
        elif isinstance(envelope, CloseDevice):
            for session in list(self._registry.of_user(target)):
                if envelope.device_id in ("", session.device_id) and session.id != envelope.keep_session:
                    session.close_soon(CloseCode(envelope.code), envelope.reason)

    def _deliver_to_group(self, group_id: str, envelope: ToGroup) -> None:
        local = self.members.get(group_id)
        if not local:
            return
        push = envelope.push
        outgoing = Outgoing(push)
        quiet: Outgoing | None = None  # the no-notify variant, built on first need
        honour = isinstance(push, GroupMessage)  # receive options apply to messages
        users = self._registry.users
        skip = envelope.except_users
        for user_id, flag in local.items():
            if skip and user_id in skip:
                continue
            chosen = outgoing
            if honour and flag != "AcceptAndNotify":
                if flag == "Discard":
                    continue
                if quiet is None:
                    quiet = Outgoing(msgspec.structs.replace(push, no_notify=True))
                chosen = quiet
            for session in users.get(user_id, {}).values():
                if session.id != envelope.except_session:
                    session.push(chosen)


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("subscription change failed", exc_info=task.exception())
