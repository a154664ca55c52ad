"""System notices in Redis: per user a sorted set by notice seq and the seq counter, one
script per user and call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import NoticeStore
from .core import RedisCore, chunks

__all__ = ["RedisNotices"]

_NOTICES_KEPT = 1000


class RedisNotices(RedisCore):
    async def append_notices(self, user_ids: Sequence[str], payload: bytes) -> dict[str, int]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return {}
        blob = bytes(payload)
        seqs: list[Any] = []
        for chunk in chunks(ids):
            async with self.redis.pipeline(transaction=False) as pipe:
                for uid in chunk:
                    keys = [self.keys.user(uid, "notices"), self.keys.user(uid, "notice_seq")]
                    await self.scripts.append_notice(keys=keys, args=[blob, _NOTICES_KEPT], client=pipe)
                seqs += await pipe.execute()
        return {uid: int(seq) for uid, seq in zip(ids, seqs, strict=True)}

    async def notices_after(self, user_id: str, after_seq: int, limit: int) -> list[tuple[int, bytes]]:
        if limit <= 0:
            return []
        rows: list[Any] = await self.redis.zrangebyscore(
            self.keys.user(user_id, "notices"), f"({after_seq}", "+inf", start=0, num=limit
        )
        out: list[tuple[int, bytes]] = []
        for row in rows:
            seq, _, payload = row.partition(b":")
            out.append((int(seq), payload))
        return out

    async def last_notice_seq(self, user_id: str) -> int:
        return int(await self.redis.get(self.keys.user(user_id, "notice_seq")) or 0)


_: type[NoticeStore] = RedisNotices  # mypy: the class implements its Protocol
