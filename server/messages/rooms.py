"""AVChatRoom live rooms: memberless audiences, in memory only.

A room's audience is the set of sessions that entered it, kept by each node for its own
sessions; nothing about it is stored but a count per node. A node receives the room's
channel ``r:<group>`` only while it has audience there, so a message reaches everyone
in the room at that moment, on every node, once per node. A node restart loses its
audience: clients reconnect and enter again by themselves.

Online count: each node writes its audience size per room to the store (on every
change, and every ``REFRESH`` seconds while it has audience); the count is the sum of
the entries refreshed within ``3 * REFRESH`` seconds, so a dead node drops out of it
within that time and a live one's change is seen at once.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import TYPE_CHECKING

from protocol.errors import ErrorCode, GroupcastError
from protocol.messages import Push

from ..gateway.connection import Outgoing
from ..gateway.router import Eject, ToRoom, room_channel
from ..store import GroupRecord

if TYPE_CHECKING:
    from ..gateway.session import Session
    from ..node import Node

__all__ = ["REFRESH", "Rooms"]

REFRESH = 5.0


class Rooms:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.audience: dict[str, dict[str, Session]] = {}  # room -> session id -> session
        self._rooms_of: dict[str, set[str]] = {}  # session id -> rooms
        # One count write per room at a time: two in flight on separate store connections
        # could land out of order and leave a stale count behind.
        self._report_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def has(self, session: Session, group_id: str) -> bool:
        return session.id in self.audience.get(group_id, {})

    async def enter(self, session: Session, group: GroupRecord) -> bool:
        """Put the session in the room's audience; False if it was there already."""
        group_id = group.group_id
        if self.has(session, group_id):
            return False
        now = int(time.time())
        banned = (await self.node.store.restrictions(group_id, session.user_id)).get("ban", 0)
        if banned > now:
            raise GroupcastError(ErrorCode.NO_PERMISSION, f"you are banned from this room until {banned}")
        if group.max_members and await self.online_count(group_id) >= group.max_members:
            raise GroupcastError(ErrorCode.GROUP_FULL, "the room is full")
        local = self.audience.setdefault(group_id, {})
        local[session.id] = session
        self._rooms_of.setdefault(session.id, set()).add(group_id)
        if len(local) == 1:
            await self.node.router.acquire([room_channel(group_id)])
        await self._report(group_id)
        return True

    async def leave(self, session: Session, group_id: str) -> bool:
        """Take the session out of the room; False if it was not in it."""
        local = self.audience.get(group_id)
        if local is None or local.pop(session.id, None) is None:
            return False
        self._rooms_of.get(session.id, set()).discard(group_id)
        if not local:
            del self.audience[group_id]
            await self.node.router.release([room_channel(group_id)])
        await self._report(group_id)
        return True

    async def leave_all(self, session: Session) -> None:
        """The session ended: it leaves every room it was in."""
        for group_id in list(self._rooms_of.pop(session.id, ())):
            await self.leave(session, group_id)

    async def publish(self, group_id: str, push: Push, except_session: str = "") -> None:
        """Push to everyone in the room now, on every node."""
        await self.node.router.publish([room_channel(group_id)], ToRoom(push=push, except_session=except_session))

    async def eject(self, group_id: str, user_id: str = "") -> None:
        """Take every session of the user (of everyone: "") out of the room, on every node."""
        await self.node.router.publish([room_channel(group_id)], Eject(user_id=user_id))

    async def online_count(self, group_id: str) -> int:
        return await self.node.store.room_audience(group_id, time.time() - 3 * REFRESH)

    # -- from the router (the room's channel) ----------------------------------------------

    def deliver(self, group_id: str, envelope: ToRoom | Eject) -> None:
        local = self.audience.get(group_id)
        if not local:
            return
        if isinstance(envelope, ToRoom):
            outgoing = Outgoing(envelope.push)
            for session in local.values():
                if session.id != envelope.except_session:
                    session.push(outgoing)
        else:  # eject one user, or everyone (the room was dismissed)
            for session in [s for s in local.values() if envelope.user_id in ("", s.user_id)]:
                self.node.spawn(self.leave(session, group_id))

    # -- counts ---------------------------------------------------------------------------------

    async def _report(self, group_id: str) -> None:
        lock = self._report_locks.get(group_id)
        if lock is None:
            lock = self._report_locks[group_id] = asyncio.Lock()
        async with lock:  # the count is read inside: the last write is the latest count
            count = len(self.audience.get(group_id, {}))
            await self.node.store.set_room_audience(group_id, self.node.node_id, count, time.time())

    async def refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(REFRESH)
            for group_id in list(self.audience):
                await self._report(group_id)
