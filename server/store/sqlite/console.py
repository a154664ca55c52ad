"""Console sign-outs in SQLite: ``console_signouts``; a sign-out whose ``until`` has passed
is deleted by the next one."""

from __future__ import annotations

import sqlite3

from .. import ConsoleSessionStore
from .core import SqliteCore

__all__ = ["SqliteConsoleSessions"]


class SqliteConsoleSessions(SqliteCore):
    async def end_console_session(self, session_id: str, until: int, now: int) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM console_signouts WHERE until <= ?", (now,))
            if until > now:
                db.execute("INSERT OR REPLACE INTO console_signouts VALUES (?, ?)", (session_id, until))

        await self._db.run(write)

    async def console_session_ended(self, session_id: str, now: int) -> bool:
        def read(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT until FROM console_signouts WHERE session_id = ?", (session_id,)).fetchone()
            return row is not None and row[0] > now

        return await self._db.run(read)


_: type[ConsoleSessionStore] = SqliteConsoleSessions  # mypy: the class implements its Protocol
