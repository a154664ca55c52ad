"""The PresenceStore contract: device slots, their limit and their expiry, on both stores."""

from __future__ import annotations

import asyncio
import time

import msgspec
import pytest

from protocol.errors import ErrorCode, GroupcastError
from server.store import Store

from ..conftest import clock_past
from .helpers import device, ids


async def test_claim_returns_the_other_online_devices(store: Store) -> None:
    """Each claim returns the user's other online devices, not the one claiming."""
    now = time.time()
    laptop, phone = device("laptop", "s1", now + 60), device("phone", "s2", now + 60)
    assert await store.claim_device("alice", laptop, 3, now) == []
    assert await store.claim_device("alice", phone, 3, now) == [laptop]
    assert ids(await store.online_devices("alice", now)) == ["laptop", "phone"]
    assert await store.online_devices("bob", now) == []


async def test_device_limit_refuses_and_changes_nothing(store: Store) -> None:
    """With ``limit`` devices online, one more raises DEVICE_LIMIT and the online set is unchanged."""
    now = time.time()
    await store.claim_device("alice", device("a", "s1", now + 60), 2, now)
    await store.claim_device("alice", device("b", "s2", now + 60), 2, now)
    with pytest.raises(GroupcastError) as refused:
        await store.claim_device("alice", device("c", "s3", now + 60), 2, now)
    assert refused.value.code == ErrorCode.DEVICE_LIMIT
    assert ids(await store.online_devices("alice", now)) == ["a", "b"]
    with pytest.raises(GroupcastError):
        await store.claim_device("bob", device("a", "s4", now + 60), 0, now)
    assert await store.online_devices("bob", now) == []


async def test_same_device_id_takes_over(store: Store) -> None:
    """A device ID already online is taken over by the new session, even at the limit."""
    now = time.time()
    await store.claim_device("alice", device("laptop", "old", now + 60), 2, now)
    await store.claim_device("alice", device("phone", "s2", now + 60), 2, now)
    others = await store.claim_device("alice", device("laptop", "new", now + 90, platform="Mac"), 2, now)
    assert ids(others) == ["phone"]
    online = {d.device_id: d for d in await store.online_devices("alice", now)}
    assert online["laptop"] == device("laptop", "new", now + 90, platform="Mac") and len(online) == 2


async def test_expired_devices_do_not_count_and_disappear(store: Store) -> None:
    """An expired entry is not returned, does not use up the limit, and is not revived by a late refresh."""
    now = time.time()
    stale = device("old", "s1", now + 10)
    await store.claim_device("alice", stale, 1, now)
    later = now + 20
    assert await store.online_devices("alice", later) == []
    assert await store.claim_device("alice", device("new", "s2", later + 60), 1, later) == []
    await store.refresh_devices([("alice", msgspec.structs.replace(stale, expires_at=later + 60))])
    assert ids(await store.online_devices("alice", later)) == ["new"]


async def test_release_only_by_the_holding_session(store: Store) -> None:
    """Release by a session that no longer holds the device is ignored; by the holder, it frees it."""
    now = time.time()
    await store.claim_device("alice", device("laptop", "old", now + 60), 3, now)
    await store.claim_device("alice", device("laptop", "new", now + 60), 3, now)
    await store.release_device("alice", "laptop", "old")
    assert [d.session_id for d in await store.online_devices("alice", now)] == ["new"]
    await store.release_device("alice", "laptop", "new")
    assert await store.online_devices("alice", now) == []
    await store.release_device("alice", "laptop", "new")  # twice, or never claimed: no error
    await store.release_device("nobody", "x", "y")


async def test_released_slot_can_be_claimed(store: Store) -> None:
    """A released device no longer counts against the limit."""
    now = time.time()
    await store.claim_device("alice", device("a", "s1", now + 60), 1, now)
    await store.release_device("alice", "a", "s1")
    assert await store.claim_device("alice", device("b", "s2", now + 60), 1, now) == []


async def test_refresh_extends_only_the_holding_session(store: Store) -> None:
    """Refresh moves expires_at for the session holding the device and ignores any other session."""
    now = time.time()
    await store.claim_device("alice", device("laptop", "s1", now + 10), 3, now)
    await store.claim_device("bob", device("phone", "s2", now + 10), 3, now)
    await store.refresh_devices(
        [
            ("alice", device("laptop", "s1", now + 100)),
            ("bob", device("phone", "intruder", now + 100)),
            ("carol", device("tablet", "s3", now + 100)),
        ]
    )
    later = now + 50
    assert [d.expires_at for d in await store.online_devices("alice", later)] == [now + 100]
    assert await store.online_devices("bob", later) == []
    assert await store.online_devices("carol", later) == []
    await store.refresh_devices([])


async def test_online_devices_filters_expired(store: Store) -> None:
    """online_devices returns exactly the entries whose expires_at is after ``now``."""
    now = time.time()
    await store.claim_device("alice", device("short", "s1", now + 10), 3, now)
    await store.claim_device("alice", device("long", "s2", now + 60), 3, now)
    assert ids(await store.online_devices("alice", now)) == ["long", "short"]
    assert ids(await store.online_devices("alice", now + 30)) == ["long"]
    assert await store.online_devices("alice", now + 60) == []


async def test_short_entry_does_not_cut_short_the_others(store: Store) -> None:
    """A device claimed or refreshed with a short expiry does not end the user's longer-lived entries."""
    now = time.time()
    await store.claim_device("alice", device("long", "s1", now + 60), 3, now)
    await store.claim_device("alice", device("short", "s2", now + 0.1), 3, now)
    await store.refresh_devices([("alice", device("short", "s2", now + 0.2))])
    refreshed = time.time()
    await clock_past(refreshed + 1.05)  # Redis: past the shortest TTL (1 s) a claim or refresh sets on a key
    assert ids(await store.online_devices("alice", time.time())) == ["long"]


async def test_concurrent_claims_respect_the_limit(store: Store) -> None:
    """Of 10 devices claiming at once with a limit of 3, exactly 3 get in."""
    now = time.time()
    results = await asyncio.gather(
        *(store.claim_device("alice", device(f"d{i}", f"s{i}", now + 60), 3, now) for i in range(10)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, GroupcastError)]
    assert len(refused) == 7 and all(r.code == ErrorCode.DEVICE_LIMIT for r in refused)
    assert len(await store.online_devices("alice", now)) == 3
