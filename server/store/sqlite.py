"""The embedded store: SQLite in the data dir, for one node with nothing else installed.

Durable state lives in ``<data-dir>/groupcast.db`` and is written on the database thread
(:mod:`.sqlite_thread`). Presence is not durable state: on one node it is this process's
memory, which is exactly as long-lived as the sessions it describes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from protocol.errors import ErrorCode, GroupcastError

from .records import Account, DeviceRecord
from .sqlite_thread import DatabaseThread

__all__ = ["SqliteStore"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    user_id    TEXT PRIMARY KEY,
    nick       TEXT NOT NULL DEFAULT '',
    face_url   TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
"""


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


class SqliteStore:
    def __init__(self, data_dir: str) -> None:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self._db = DatabaseThread(str(Path(data_dir) / "groupcast.db"), SCHEMA)
        self._devices: dict[str, dict[str, DeviceRecord]] = {}

    async def start(self) -> None:
        await self._db.start()

    async def close(self) -> None:
        await self._db.close()

    # -- accounts ---------------------------------------------------------------------

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
                    f" WHERE user_id IN ({_placeholders(len(chunk))})",
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

    # -- presence (memory: one node) --------------------------------------------------

    async def claim_device(self, user_id: str, device: DeviceRecord, limit: int, now: float) -> list[DeviceRecord]:
        devices = self._devices.setdefault(user_id, {})
        others = [d for d in devices.values() if d.expires_at > now and d.device_id != device.device_id]
        if len(others) >= limit:
            if not devices:
                del self._devices[user_id]
            raise GroupcastError(
                ErrorCode.DEVICE_LIMIT, f"{user_id} already has {len(others)} devices online (limit {limit})"
            )
        devices.clear()
        devices.update({d.device_id: d for d in others})
        devices[device.device_id] = device
        return others

    async def release_device(self, user_id: str, device_id: str, session_id: str) -> None:
        devices = self._devices.get(user_id)
        if devices and (held := devices.get(device_id)) and held.session_id == session_id:
            del devices[device_id]
            if not devices:
                del self._devices[user_id]

    async def refresh_devices(self, devices: Sequence[tuple[str, DeviceRecord]]) -> None:
        for user_id, device in devices:
            held = self._devices.get(user_id, {}).get(device.device_id)
            if held is not None and held.session_id == device.session_id:
                held.expires_at = device.expires_at

    async def online_devices(self, user_id: str, now: float) -> list[DeviceRecord]:
        return [d for d in self._devices.get(user_id, {}).values() if d.expires_at > now]
