"""Group history in Redis: ``:history`` (a hash by seq: seqs are dense, so a page is HMGET
over a computed range), ``:recent`` and ``:recent_seq`` (the dedupe window), all in the
group slot, changed by one script each."""

from __future__ import annotations

from typing import Any

import msgspec

from .. import HistoryStore
from ..records import MessageRecord
from .codecs import pack_message, read_message
from .core import CAS_ATTEMPTS, RedisCore, not_found

__all__ = ["RedisHistory"]


class RedisHistory(RedisCore):
    def _history_keys(self, group_id: str) -> list[str]:
        return [self.keys.group(group_id, w) for w in ("info", "members", "history", "recent", "recent_seq")]

    async def append_message(
        self, group_id: str, message: MessageRecord, *, now: int, dedupe_since: int
    ) -> tuple[MessageRecord, bool]:
        m = message
        status, *rest = await self.scripts.append_message(
            keys=self._history_keys(group_id),
            args=[m.sender_id, m.random, m.kind, now, dedupe_since, pack_message(m, now)],
        )
        if status == -1:
            raise not_found(group_id)
        if status == 0:
            return read_message(int(rest[0]), rest[1]), True
        return msgspec.structs.replace(m, seq=int(rest[0]), time=now, body=bytes(m.body)), False

    async def read_messages(
        self, group_id: str, *, after: int | None = None, before: int | None = None, limit: int
    ) -> list[MessageRecord]:
        """One script: the seq range from ``next_msg_seq`` and the bounds (with ``after``,
        and ``before`` too: the first ones in (after, before)), then HMGET of exactly those
        seqs (seqs are dense: see the module docstring)."""
        if limit <= 0:
            return []
        reply = await self.scripts.read_messages(
            keys=[self.keys.group(group_id, "info"), self.keys.group(group_id, "history")],
            args=["" if after is None else after, "" if before is None else before, limit],
        )
        if not reply:
            return []
        first, blobs = reply
        return [read_message(int(first) + i, blob) for i, blob in enumerate(blobs) if blob is not None]

    async def recall_message(self, group_id: str, seq: int, kept_body: bytes) -> MessageRecord | None:
        key = self.keys.group(group_id, "history")
        for _ in range(CAS_ATTEMPTS):
            blob: Any = await self.redis.hget(key, str(seq))
            if blob is None:
                return None
            record = read_message(seq, blob)
            if record.kind != "msg":
                return None
            if record.recalled:
                return record
            record.recalled, record.body = True, kept_body
            recalled = pack_message(record, record.time)
            if await self.scripts.recall(keys=[key], args=[seq, blob, recalled]):
                return record
        raise RuntimeError(f"message {seq} of {group_id} kept changing; gave up after {CAS_ATTEMPTS} attempts")

    async def set_read_seq(self, group_id: str, user_id: str, seq: int) -> int | None:
        reply = await self.scripts.set_read_seq(keys=[self.keys.group(group_id, "members")], args=[user_id, seq])
        return int(reply[0]) if reply else None


_: type[HistoryStore] = RedisHistory  # mypy: the class implements its Protocol
