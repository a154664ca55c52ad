"""Accounts in SQLite: the ``accounts`` table."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from .. import AccountStore
from ..records import Account
from .core import SqliteCore
from .rows import placeholders

__all__ = ["SqliteAccounts"]


class SqliteAccounts(SqliteCore):
    async def import_accounts(self, accounts: Sequence[Account], now: int) -> None:
        rows = [(a.user_id, a.nick, a.face_url, now, a.nick, a.face_url) for a in accounts]

        def write(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT INTO accounts(user_id, nick, face_url, created_at)"
                " VALUES (?, coalesce(?, ''), coalesce(?, ''), ?)"
                " ON CONFLICT(user_id) DO UPDATE SET"
                " nick = coalesce(?, nick), face_url = coalesce(?, face_url)",
                rows,
            )

        await self._db.run(write)

    async def existing_accounts(self, user_ids: Sequence[str]) -> set[str]:
        return set(await self.get_accounts(user_ids))

    async def get_accounts(self, user_ids: Sequence[str]) -> dict[str, Account]:
        ids = list(dict.fromkeys(user_ids))

        def read(db: sqlite3.Connection) -> dict[str, Account]:
            found: dict[str, Account] = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for uid, nick, face, created in db.execute(
                    f"SELECT user_id, nick, face_url, created_at FROM accounts"
                    f" WHERE user_id IN ({placeholders(len(chunk))})",
                    chunk,
                ):
                    found[uid] = Account(user_id=uid, nick=nick, face_url=face, created_at=created)
            return found

        return await self._db.run(read)

    async def delete_accounts(self, user_ids: Sequence[str]) -> set[str]:
        ids = list(dict.fromkeys(user_ids))

        def write(db: sqlite3.Connection) -> set[str]:
            gone: set[str] = set()
            for uid in ids:
                if db.execute("DELETE FROM accounts WHERE user_id = ?", (uid,)).rowcount:
                    gone.add(uid)
            return gone

        return await self._db.run(write)


_: type[AccountStore] = SqliteAccounts  # mypy: the class implements its Protocol
