"""Group history in SQLite: the ``messages`` table, clustered on ``(group_id, seq)``
(WITHOUT ROWID): every read is a range of that key, oldest or newest first, and never
visits another group's rows or more rows than asked for. Retries of a send are found
through the partial index ``messages_dedupe`` on ``(group_id, sender_id, random)`` over the
"msg" rows (the table's key rides along in it): a send that is not a retry -- nearly all
of them -- costs one index probe that finds nothing, and the index is maintained by the
same INSERT. Appending a message is five statements in one function on the database
thread (retry probe, group read, group update, insert, sender update), so thousands of
appends a second share a handful of commits."""

from __future__ import annotations

import sqlite3

import msgspec

from protocol.errors import ErrorCode, GroupcastError

from .. import HistoryStore
from ..records import MessageRecord
from .core import SqliteCore
from .rows import MESSAGE_COLUMNS, to_message

__all__ = ["SqliteHistory"]


class SqliteHistory(SqliteCore):
    async def append_message(
        self, group_id: str, message: MessageRecord, *, now: int, dedupe_since: int
    ) -> tuple[MessageRecord, bool]:
        m = message
        body = bytes(m.body)

        def write(db: sqlite3.Connection) -> tuple[MessageRecord, bool]:
            if m.kind == "msg":
                first = db.execute(
                    f"SELECT {MESSAGE_COLUMNS} FROM messages INDEXED BY messages_dedupe"
                    " WHERE group_id = ? AND sender_id = ? AND random = ? AND kind = 'msg' AND time >= ?"
                    " ORDER BY seq LIMIT 1",
                    (group_id, m.sender_id, m.random, dedupe_since),
                ).fetchone()
                if first is not None:
                    return to_message(first), True
            row = db.execute("SELECT next_msg_seq FROM groups WHERE group_id = ?", (group_id,)).fetchone()
            if row is None:
                raise GroupcastError(ErrorCode.GROUP_NOT_FOUND, f"group {group_id} does not exist")
            seq = row[0]
            db.execute(
                "UPDATE groups SET next_msg_seq = ?, last_msg_time = ? WHERE group_id = ?", (seq + 1, now, group_id)
            )
            db.execute(
                f"INSERT INTO messages(group_id, {MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (group_id, seq, now, m.sender_id, m.random, m.kind, body, int(m.recalled)),
            )
            if m.kind == "msg":
                db.execute(
                    "UPDATE members SET last_send_time = ? WHERE group_id = ? AND user_id = ?",
                    (now, group_id, m.sender_id),
                )
            return msgspec.structs.replace(m, seq=seq, time=now, body=body), False

        return await self._db.run(write)

    async def read_messages(
        self, group_id: str, *, after: int | None = None, before: int | None = None, limit: int
    ) -> list[MessageRecord]:
        """With ``after`` (and ``before`` too): the first ones in (after, before). With
        ``before`` alone: the last ones below it. With neither: the latest. One range scan
        of the primary key, in the direction that reaches the wanted end first."""
        if limit <= 0:
            return []
        low = -1 if after is None else after
        high = 2**62 if before is None else before
        newest_first = after is None

        def read(db: sqlite3.Connection) -> list[MessageRecord]:
            rows = db.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE group_id = ? AND seq > ? AND seq < ?"
                f" ORDER BY seq {'DESC' if newest_first else 'ASC'} LIMIT ?",
                (group_id, low, high, limit),
            ).fetchall()
            records = [to_message(row) for row in rows]
            if newest_first:
                records.reverse()
            return records

        return await self._db.run(read)

    async def recall_message(self, group_id: str, seq: int, kept_body: bytes) -> MessageRecord | None:
        def write(db: sqlite3.Connection) -> MessageRecord | None:
            row = db.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE group_id = ? AND seq = ?", (group_id, seq)
            ).fetchone()
            if row is None:
                return None
            record = to_message(row)
            if record.kind != "msg":
                return None
            if not record.recalled:
                db.execute(
                    "UPDATE messages SET recalled = 1, body = ? WHERE group_id = ? AND seq = ?",
                    (kept_body, group_id, seq),
                )
                record.recalled, record.body = True, kept_body
            return record

        return await self._db.run(write)

    async def set_read_seq(self, group_id: str, user_id: str, seq: int) -> int | None:
        def write(db: sqlite3.Connection) -> int | None:
            row = db.execute(
                "SELECT read_seq FROM members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
            ).fetchone()
            if row is None:
                return None
            if seq <= row[0]:
                return int(row[0])
            db.execute("UPDATE members SET read_seq = ? WHERE group_id = ? AND user_id = ?", (seq, group_id, user_id))
            return seq

        return await self._db.run(write)


_: type[HistoryStore] = SqliteHistory  # mypy: the class implements its Protocol
