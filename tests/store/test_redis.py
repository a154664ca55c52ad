"""What only the Redis store does: the keys it leaves, the indexes it trims and repairs,
the upgrade of an earlier version's groups. Reads keys through ``store.redis`` and
``store.keys`` (the layout of server/store/redis/keys.py)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest_asyncio

from server.store.redis import RedisStore

from ..conftest import RedisServer, unique_prefix
from .helpers import DAY, T0, append, create, fill, history, listed, seqs


@pytest_asyncio.fixture
async def store(redis_server: RedisServer) -> AsyncIterator[RedisStore]:
    """A started Redis store under a fresh prefix (this module's tests are Redis only)."""
    instance = RedisStore(redis_server.url, unique_prefix())
    await instance.start()
    yield instance
    await instance.close()


async def test_redis_deleted_group_leaves_no_keys(store: RedisStore) -> None:
    """Redis: after delete_group nothing is left in the group's slot (history, retry index, restrictions...)."""
    await create(store, "g1", "alice", ["bob"], type="AVChatRoom")
    await fill(store, 3)
    await store.restrict("g1", "bob", "ban", T0 + 60)
    await store.set_room_audience("g1", "n1", 2, time.time())
    slot = f"{store.keys.prefix}{{g:g1}}*"
    assert len(await store.redis.keys(slot)) >= 8
    await store.delete_group("g1", day=DAY)
    assert await store.redis.keys(slot) == []


async def test_redis_retry_index_is_trimmed(store: RedisStore) -> None:
    """Redis: each append drops the retry entries older than its dedupe window (the index stays small)."""
    await create(store, "g1", "alice", ["bob"])
    await fill(store, 10)  # at T0 .. T0 + 9
    await append(store, kind="tip", at=T0 + 100, since=T0 + 5)
    assert await store.redis.zcard(store.keys.group("g1", "recent")) == 5
    await append(store, random=99, at=T0 + 100, since=T0 + 50)
    assert await store.redis.zrange(store.keys.group("g1", "recent"), 0, -1) == [b"bob\x0099"]
    assert await store.redis.hgetall(store.keys.group("g1", "recent_seq")) == {b"bob\x0099": b"12"}
    assert seqs(await history(store)) == list(range(1, 13))


async def test_redis_groups_of_an_earlier_version_are_indexed(redis_server: RedisServer) -> None:
    """Redis: groups without ordinals (an earlier version's) are indexed in creation order at the first start."""
    prefix = unique_prefix()
    first = RedisStore(redis_server.url, prefix)
    await first.start()
    await create(first, "late", created_at=T0 + 10)
    await create(first, "early", created_at=T0, type="Work")
    for gid in ("late", "early"):
        await first.redis.hdel(first.keys.group(gid, "info"), "ord")
    await first.redis.delete(
        first.keys.index(None), first.keys.index("Public"), first.keys.index("Work"), first.keys.app("groups_indexed")
    )
    await first.close()

    second = RedisStore(redis_server.url, prefix)
    await second.start()
    try:
        assert await listed(second) == ["early", "late"]
        assert await listed(second, group_type="Work") == ["early"]
        await create(second, "new")
        assert await listed(second) == ["early", "late", "new"]
        await second.delete_group("early", day=DAY)
        assert await second.list_groups(group_type="Work", after=0, limit=10) == ([], 0)
    finally:
        await second.close()


async def test_redis_index_entry_of_a_vanished_group_is_dropped(store: RedisStore) -> None:
    """Redis: an index entry whose group is gone (a crash before unlisting) is skipped, removed and not counted."""
    for gid in ("g1", "g2", "g3"):
        await create(store, gid)
    await store.redis.delete(*store.keys.group_all("g2"))
    page, total = await store.list_groups(group_type=None, after=0, limit=2)
    assert [g.group_id for _, g in page] == ["g1", "g3"] and total == 2
    assert await store.redis.zcard(store.keys.index(None)) == 2
