"""Applications in SQLite: the ``applications`` table, and ``pendency``, each user's list
(``ord`` increasing per user, newest = highest)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from protocol.errors import ErrorCode, GroupcastError

from .. import PendencyStore
from ..records import Application
from .core import SqliteCore
from .rows import APPLICATION_COLUMNS, placeholders, to_application

__all__ = ["SqlitePendency"]


def _read_application(db: sqlite3.Connection, application_id: str) -> Application | None:
    row = db.execute(
        f"SELECT {APPLICATION_COLUMNS} FROM applications WHERE application_id = ?", (application_id,)
    ).fetchone()
    return None if row is None else to_application(row)


class SqlitePendency(SqliteCore):
    async def add_application(self, application: Application, recipients: Sequence[str], *, keep: int) -> None:
        a = application
        ids = list(dict.fromkeys(recipients))

        def write(db: sqlite3.Connection) -> None:
            db.execute(
                f"INSERT OR REPLACE INTO applications({APPLICATION_COLUMNS}) VALUES ({placeholders(10)})",
                (
                    a.application_id,
                    a.group_id,
                    a.kind,
                    a.from_user,
                    a.to_user,
                    a.add_time,
                    a.request_msg,
                    a.handled_by,
                    a.handled_msg,
                    a.result,
                ),
            )
            for uid in ids:
                # Adding an item that is already on the list moves it to the top, unread.
                db.execute("DELETE FROM pendency WHERE user_id = ? AND application_id = ?", (uid, a.application_id))
                top = db.execute("SELECT max(ord) FROM pendency WHERE user_id = ?", (uid,)).fetchone()[0]
                db.execute(
                    "INSERT INTO pendency(user_id, ord, application_id, added_at, read) VALUES (?, ?, ?, ?, 0)",
                    (uid, (top or 0) + 1, a.application_id, a.add_time),
                )
                db.execute(
                    "DELETE FROM pendency WHERE user_id = ? AND ord NOT IN"
                    " (SELECT ord FROM pendency WHERE user_id = ? ORDER BY ord DESC LIMIT ?)",
                    (uid, uid, max(keep, 0)),
                )

        await self._db.run(write)

    async def get_application(self, application_id: str) -> Application | None:
        return await self._db.run(lambda db: _read_application(db, application_id))

    async def find_pending(self, group_id: str, kind: int, from_user: str, to_user: str) -> Application | None:
        def read(db: sqlite3.Connection) -> Application | None:
            row = db.execute(
                f"SELECT {APPLICATION_COLUMNS} FROM applications WHERE group_id = ? AND from_user = ?"
                " AND kind = ? AND to_user = ? AND result = -1 ORDER BY add_time DESC LIMIT 1",
                (group_id, from_user, kind, to_user),
            ).fetchone()
            return None if row is None else to_application(row)

        return await self._db.run(read)

    async def pendency(self, user_id: str) -> list[tuple[Application, bool]]:
        columns = ", ".join(f"a.{c.strip()}" for c in APPLICATION_COLUMNS.split(","))

        def read(db: sqlite3.Connection) -> list[tuple[Application, bool]]:
            rows = db.execute(
                f"SELECT {columns}, p.read FROM pendency p JOIN applications a USING (application_id)"
                " WHERE p.user_id = ? ORDER BY p.ord DESC",
                (user_id,),
            )
            return [(to_application(row), bool(row[10])) for row in rows]

        return await self._db.run(read)

    async def mark_pendency_read(self, user_id: str) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute("UPDATE pendency SET read = 1 WHERE user_id = ? AND read = 0", (user_id,))

        await self._db.run(write)

    async def decide_application(self, application_id: str, handler_id: str, accept: bool, message: str) -> Application:
        def write(db: sqlite3.Connection) -> Application:
            application = _read_application(db, application_id)
            if application is None:
                raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"no application {application_id}")
            if application.result != -1:
                raise GroupcastError(ErrorCode.ALREADY_HANDLED, f"application {application_id} was already handled")
            application.result = 1 if accept else 0
            application.handled_by = handler_id
            application.handled_msg = message
            db.execute(
                "UPDATE applications SET result = ?, handled_by = ?, handled_msg = ? WHERE application_id = ?",
                (application.result, handler_id, message, application_id),
            )
            return application

        return await self._db.run(write)


_: type[PendencyStore] = SqlitePendency  # mypy: the class implements its Protocol
