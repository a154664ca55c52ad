"""AVChatRoom state: bans and mutes in the ``restrictions`` table; audience counts in
memory (one node: each count is this node's own)."""

from __future__ import annotations

import sqlite3

from protocol.errors import ErrorCode, GroupcastError

from .. import RoomStore
from .core import SqliteCore

__all__ = ["SqliteRooms"]


class SqliteRooms(SqliteCore):
    async def restrict(self, group_id: str, user_id: str, kind: str, until: int) -> None:
        """``GROUP_NOT_FOUND`` if there is no such group (nothing outlives its group)."""

        def write(db: sqlite3.Connection) -> None:
            if not db.execute("SELECT 1 FROM groups WHERE group_id = ?", (group_id,)).fetchone():
                raise GroupcastError(ErrorCode.GROUP_NOT_FOUND, f"group {group_id} does not exist")
            if until:
                db.execute(
                    "INSERT INTO restrictions(group_id, user_id, kind, until) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(group_id, user_id, kind) DO UPDATE SET until = excluded.until",
                    (group_id, user_id, kind, until),
                )
            else:
                db.execute(
                    "DELETE FROM restrictions WHERE group_id = ? AND user_id = ? AND kind = ?",
                    (group_id, user_id, kind),
                )

        await self._db.run(write)

    async def restrictions(self, group_id: str, user_id: str) -> dict[str, int]:
        def read(db: sqlite3.Connection) -> dict[str, int]:
            rows = db.execute(
                "SELECT kind, until FROM restrictions WHERE group_id = ? AND user_id = ?", (group_id, user_id)
            )
            return {kind: until for kind, until in rows}

        return await self._db.run(read)

    async def restricted(self, group_id: str, kind: str) -> dict[str, int]:
        def read(db: sqlite3.Connection) -> dict[str, int]:
            rows = db.execute(
                "SELECT user_id, until FROM restrictions WHERE group_id = ? AND kind = ?", (group_id, kind)
            )
            return {user: until for user, until in rows}

        return await self._db.run(read)

    # -- AVChatRoom audience counts (memory: one node) -------------------------------

    async def set_room_audience(self, group_id: str, node_id: str, count: int, now: float) -> None:
        counts = self._audience.setdefault(group_id, {})
        if count:
            counts[node_id] = (count, now)
        else:
            counts.pop(node_id, None)
        if not counts:
            del self._audience[group_id]

    async def room_audience(self, group_id: str, since: float) -> int:
        return sum(n for n, at in self._audience.get(group_id, {}).values() if at >= since)


_: type[RoomStore] = SqliteRooms  # mypy: the class implements its Protocol
