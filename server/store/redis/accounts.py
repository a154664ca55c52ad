"""Accounts in Redis: one hash per user (``P{u:<user>}:account``), one script per
account for an import."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import AccountStore
from ..records import Account
from .core import RedisCore

__all__ = ["RedisAccounts"]


class RedisAccounts(RedisCore):
    async def import_accounts(self, accounts: Sequence[Account], now: int) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for a in accounts:
                args: list[str | int] = [
                    now,
                    int(a.nick is not None),
                    a.nick or "",
                    int(a.face_url is not None),
                    a.face_url or "",
                ]
                await self.scripts.import_account(keys=[self.keys.user(a.user_id, "account")], args=args, client=pipe)
            await pipe.execute()

    async def _per_account(self, user_ids: Sequence[str], command: str) -> dict[str, Any]:
        """Run ``command`` on each distinct user's account key, pipelined."""
        ids = list(dict.fromkeys(user_ids))
        return dict(zip(ids, await self._each([self.keys.user(u, "account") for u in ids], command), strict=True))

    async def existing_accounts(self, user_ids: Sequence[str]) -> set[str]:
        return {uid for uid, n in (await self._per_account(user_ids, "EXISTS")).items() if n}

    async def get_accounts(self, user_ids: Sequence[str]) -> dict[str, Account]:
        return {
            uid: Account(
                user_id=uid,
                nick=row[b"nick"].decode(),
                face_url=row[b"face_url"].decode(),
                created_at=int(row[b"created_at"]),
            )
            for uid, row in (await self._per_account(user_ids, "HGETALL")).items()
            if row
        }

    async def delete_accounts(self, user_ids: Sequence[str]) -> set[str]:
        return {uid for uid, n in (await self._per_account(user_ids, "DEL")).items() if n}


_: type[AccountStore] = RedisAccounts  # mypy: the class implements its Protocol
