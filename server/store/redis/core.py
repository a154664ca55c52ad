"""What every aggregate of the Redis store shares: the connection, the keys, the scripts,
pipelined fan-out over many keys, and the users' group index (written by both the group
and the member operations)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import redis.asyncio as aioredis

from protocol.errors import ErrorCode, GroupcastError

from ..records import MemberRecord
from .keys import RedisKeys
from .scripts import Scripts

__all__ = ["CAS_ATTEMPTS", "RedisCore", "chunks", "not_found"]

_POOL_SIZE = 64
_PIPELINE_CHUNK = 5000
# How often a compare-and-set (read, change in Python, write if unchanged) is retried.
CAS_ATTEMPTS = 100

_T = TypeVar("_T")


def chunks(items: Sequence[_T]) -> list[Sequence[_T]]:
    """``items`` in slices of ``_PIPELINE_CHUNK``: one pipeline (round trip) each, so that
    no pipeline buffers an unbounded number of commands."""
    return [items[start : start + _PIPELINE_CHUNK] for start in range(0, len(items), _PIPELINE_CHUNK)]


def not_found(group_id: str) -> GroupcastError:
    return GroupcastError(ErrorCode.GROUP_NOT_FOUND, f"group {group_id} does not exist")


class RedisCore:
    """The base of every aggregate's class (see the package docstring)."""

    def __init__(self, url: str, prefix: str) -> None:
        # A blocking pool: past its size, callers wait for a free connection instead of
        # failing (redis-py's default pool raises MaxConnectionsError at 100).
        self.redis = aioredis.Redis.from_pool(aioredis.BlockingConnectionPool.from_url(url, max_connections=_POOL_SIZE))
        self.keys = RedisKeys(prefix)
        self.scripts = Scripts(self.redis)

    async def _each(self, keys: Sequence[str], command: str, *args: Any) -> list[Any]:
        """Run ``command key *args`` for each key, pipelined (one round trip per
        ``_PIPELINE_CHUNK`` keys); the replies in order."""
        replies: list[Any] = []
        for chunk in chunks(keys):
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in chunk:
                    pipe.execute_command(command, key, *args)
                replies += await pipe.execute()
        return replies

    # -- the users' group index (``P{u:<user>}:groups``) ---------------------------------

    async def _groups_counts(self, user_ids: Sequence[str]) -> list[int]:
        """How many groups each user is in, from their ``:groups`` index (best effort)."""
        return [int(n) for n in await self._each([self.keys.user(u, "groups") for u in user_ids], "HLEN")]

    async def _index_groups(self, group_id: str, members: Sequence[MemberRecord], *, keep: bool = False) -> None:
        """User-slot step: put ``group_id`` in each member's ``:groups`` (``keep``: only
        where it is missing)."""
        for chunk in chunks(members):
            async with self.redis.pipeline(transaction=False) as pipe:
                for m in chunk:
                    key = self.keys.user(m.user_id, "groups")
                    if keep:
                        pipe.hsetnx(key, group_id, m.msg_flag)
                    else:
                        pipe.hset(key, group_id, m.msg_flag)
                await pipe.execute()

    async def _unindex_groups(self, group_id: str, user_ids: Sequence[str]) -> None:
        await self._each([self.keys.user(u, "groups") for u in user_ids], "HDEL", group_id)
