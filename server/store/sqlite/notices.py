"""System notices in SQLite: ``notices`` by (user, seq), and ``notice_seqs``, each user's last
seq."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from .. import NoticeStore
from .core import SqliteCore

__all__ = ["SqliteNotices"]

NOTICES_KEPT = 1000


class SqliteNotices(SqliteCore):
    async def append_notices(self, user_ids: Sequence[str], payload: bytes) -> dict[str, int]:
        ids = list(dict.fromkeys(user_ids))
        blob = bytes(payload)

        def write(db: sqlite3.Connection) -> dict[str, int]:
            seqs: dict[str, int] = {}
            for uid in ids:
                row = db.execute("SELECT last_seq FROM notice_seqs WHERE user_id = ?", (uid,)).fetchone()
                seq = (row[0] if row else 0) + 1
                db.execute(
                    "INSERT INTO notice_seqs(user_id, last_seq) VALUES (?, ?)"
                    " ON CONFLICT(user_id) DO UPDATE SET last_seq = excluded.last_seq",
                    (uid, seq),
                )
                db.execute("INSERT INTO notices(user_id, seq, payload) VALUES (?, ?, ?)", (uid, seq, blob))
                if seq > NOTICES_KEPT:
                    db.execute("DELETE FROM notices WHERE user_id = ? AND seq <= ?", (uid, seq - NOTICES_KEPT))
                seqs[uid] = seq
            return seqs

        return await self._db.run(write)

    async def notices_after(self, user_id: str, after_seq: int, limit: int) -> list[tuple[int, bytes]]:
        if limit <= 0:
            return []

        def read(db: sqlite3.Connection) -> list[tuple[int, bytes]]:
            rows = db.execute(
                "SELECT seq, payload FROM notices WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (user_id, after_seq, limit),
            )
            return [(seq, bytes(payload)) for seq, payload in rows]

        return await self._db.run(read)

    async def last_notice_seq(self, user_id: str) -> int:
        def read(db: sqlite3.Connection) -> int:
            row = db.execute("SELECT last_seq FROM notice_seqs WHERE user_id = ?", (user_id,)).fetchone()
            return int(row[0]) if row else 0

        return await self._db.run(read)


_: type[NoticeStore] = SqliteNotices  # mypy: the class implements its Protocol
