"""The Store contract (server/store/__init__.py), run on both implementations.

Every test takes the ``store`` fixture, so it runs once on SQLite (in ``tmp_path``) and
once on Redis (a private redis-server, a fresh key prefix per test). Tests that only
make sense for one implementation say so in their name and take what they need.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
import pytest_asyncio

from protocol.errors import ErrorCode, GroupcastError
from server.store import Account, DeviceRecord, Store
from server.store.redis import RedisStore
from server.store.sqlite import SqliteStore

from .conftest import RedisServer, unique_prefix, wait

T0 = 1_700_000_000


@pytest_asyncio.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A started store of each kind, closed at teardown."""
    instance: Store
    if request.param == "sqlite":
        instance = SqliteStore(str(tmp_path / "data"))
    else:
        redis: RedisServer = request.getfixturevalue("redis_server")
        instance = RedisStore(redis.url, unique_prefix())
    await instance.start()
    yield instance
    await instance.close()


def device(device_id: str, session_id: str, expires_at: float, platform: str = "Web") -> DeviceRecord:
    return DeviceRecord(
        device_id=device_id, platform=platform, login_time=T0, session_id=session_id, expires_at=expires_at
    )


def ids(devices: list[DeviceRecord]) -> list[str]:
    return sorted(d.device_id for d in devices)


# -- accounts ----------------------------------------------------------------------------


async def test_import_creates_accounts_with_empty_profile(store: Store) -> None:
    """Importing unknown IDs creates them, with '' for profile fields given as None."""
    await store.import_accounts([Account(user_id="alice", nick="Alice", face_url="a.png"), Account(user_id="bob")], T0)
    assert await store.get_accounts(["alice", "bob"]) == {
        "alice": Account(user_id="alice", nick="Alice", face_url="a.png", created_at=T0),
        "bob": Account(user_id="bob", nick="", face_url="", created_at=T0),
    }


async def test_reimport_keeps_created_at(store: Store) -> None:
    """Importing an existing account again keeps its original created_at."""
    await store.import_accounts([Account(user_id="alice")], T0)
    await store.import_accounts([Account(user_id="alice", nick="Alice")], T0 + 500)
    assert (await store.get_accounts(["alice"]))["alice"].created_at == T0


async def test_none_fields_keep_values_and_given_fields_overwrite(store: Store) -> None:
    """On re-import, None keeps a profile field, any given value (even '') overwrites it."""
    await store.import_accounts([Account(user_id="alice", nick="Alice", face_url="a.png")], T0)
    await store.import_accounts([Account(user_id="alice", face_url="b.png")], T0 + 1)
    assert (await store.get_accounts(["alice"]))["alice"] == Account(
        user_id="alice", nick="Alice", face_url="b.png", created_at=T0
    )
    await store.import_accounts([Account(user_id="alice", nick="")], T0 + 2)
    assert (await store.get_accounts(["alice"]))["alice"] == Account(
        user_id="alice", nick="", face_url="b.png", created_at=T0
    )


async def test_import_same_id_twice_in_one_call(store: Store) -> None:
    """An ID listed twice in one import ends with the later entry's profile, once."""
    await store.import_accounts([Account(user_id="alice", nick="first"), Account(user_id="alice", nick="second")], T0)
    assert await store.get_accounts(["alice"]) == {
        "alice": Account(user_id="alice", nick="second", face_url="", created_at=T0)
    }


async def test_existing_and_get_with_duplicates_and_unknown_ids(store: Store) -> None:
    """Lookups ignore unknown IDs and report a duplicated ID once."""
    await store.import_accounts([Account(user_id="alice"), Account(user_id="bob", nick="Bob")], T0)
    query = ["alice", "nobody", "alice", "bob", "ghost", "bob"]
    assert await store.existing_accounts(query) == {"alice", "bob"}
    accounts = await store.get_accounts(query)
    assert sorted(accounts) == ["alice", "bob"] and accounts["bob"].nick == "Bob"
    assert await store.existing_accounts(["nobody"]) == set()
    assert await store.get_accounts(["nobody"]) == {}


async def test_empty_arguments(store: Store) -> None:
    """Every account method accepts an empty list and does nothing."""
    await store.import_accounts([], T0)
    assert await store.existing_accounts([]) == set()
    assert await store.get_accounts([]) == {}
    assert await store.delete_accounts([]) == set()


async def test_many_ids_in_one_call(store: Store) -> None:
    """Imports and lookups of 1,200 IDs at once (more than any per-statement chunk) are complete."""
    accounts = [Account(user_id=f"user{i:04d}", nick=f"n{i}") for i in range(1200)]
    await store.import_accounts(accounts, T0)
    wanted = [a.user_id for a in accounts] + ["nobody"]
    assert await store.existing_accounts(wanted) == {a.user_id for a in accounts}
    found = await store.get_accounts(wanted)
    assert len(found) == 1200 and found["user1199"].nick == "n1199"


async def test_delete_returns_existing_ones_and_they_are_gone(store: Store) -> None:
    """Delete reports only the accounts that existed, and those no longer exist."""
    await store.import_accounts([Account(user_id=u) for u in ("alice", "bob", "carol")], T0)
    assert await store.delete_accounts(["alice", "nobody", "bob", "alice"]) == {"alice", "bob"}
    assert await store.existing_accounts(["alice", "bob", "carol"]) == {"carol"}
    assert await store.get_accounts(["alice", "bob"]) == {}
    assert await store.delete_accounts(["alice", "bob"]) == set()


async def test_reimport_after_delete_is_a_new_account(store: Store) -> None:
    """An account deleted then imported again starts over with the new created_at and profile."""
    await store.import_accounts([Account(user_id="alice", nick="Old", face_url="old.png")], T0)
    await store.delete_accounts(["alice"])
    await store.import_accounts([Account(user_id="alice")], T0 + 9)
    assert (await store.get_accounts(["alice"]))["alice"] == Account(
        user_id="alice", nick="", face_url="", created_at=T0 + 9
    )


async def test_concurrent_imports_all_land(store: Store) -> None:
    """200 imports awaited together all complete and are all visible afterwards."""
    await asyncio.gather(*(store.import_accounts([Account(user_id=f"c{i}", nick=f"n{i}")], T0 + i) for i in range(200)))
    found = await store.get_accounts([f"c{i}" for i in range(200)])
    assert found == {
        f"c{i}": Account(user_id=f"c{i}", nick=f"n{i}", face_url="", created_at=T0 + i) for i in range(200)
    }


async def test_concurrent_deletes_delete_each_account_once(store: Store) -> None:
    """Of two concurrent deletes of one account, exactly one reports it."""
    await store.import_accounts([Account(user_id=f"m{i}") for i in range(50)], T0)
    results = await asyncio.gather(
        *(store.delete_accounts([f"m{i}"]) for i in range(50)),
        *(store.delete_accounts([f"m{i}"]) for i in range(50)),
    )
    # Each account is deleted exactly once, whichever of its two deletes ran first.
    assert sorted(u for r in results for u in r) == sorted(f"m{i}" for i in range(50))
    assert await store.existing_accounts([f"m{i}" for i in range(50)]) == set()


async def test_sqlite_data_survives_reopen(tmp_path: Path) -> None:
    """SQLite: what a returned call wrote is there after closing and reopening the data dir."""
    data_dir = str(tmp_path / "data")
    first = SqliteStore(data_dir)
    await first.start()
    await asyncio.gather(*(first.import_accounts([Account(user_id=f"u{i}", nick=f"n{i}")], T0) for i in range(20)))
    await first.delete_accounts(["u0"])
    await first.close()

    second = SqliteStore(data_dir)
    await second.start()
    try:
        found = await second.get_accounts([f"u{i}" for i in range(20)])
        assert sorted(found) == sorted(f"u{i}" for i in range(1, 20))
        assert found["u7"] == Account(user_id="u7", nick="n7", face_url="", created_at=T0)
    finally:
        await second.close()


async def test_sqlite_failing_job_rolls_back_only_itself(tmp_path: Path) -> None:
    """SQLite: a job that fails in a batch undoes its own writes, not the other jobs' in that batch."""
    store = SqliteStore(str(tmp_path / "data"))
    await store.start()
    db = store._db  # the DatabaseThread: the only way to slip a failing job into a batch

    def half_done_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO accounts(user_id, created_at) VALUES ('half', 1)")
        raise ValueError("refused")

    try:
        jobs = [store.import_accounts([Account(user_id=f"g{i}")], T0) for i in range(100)]
        jobs.insert(50, db.run(half_done_then_fail))
        results = await asyncio.gather(*jobs, return_exceptions=True)
        assert [type(r) for r in results].count(ValueError) == 1 and isinstance(results[50], ValueError)
        assert len(await store.existing_accounts([f"g{i}" for i in range(100)])) == 100
        assert await store.existing_accounts(["half"]) == set()
    finally:
        await store.close()


async def test_sqlite_job_that_ends_the_transaction_fails_its_batch_not_the_thread(tmp_path: Path) -> None:
    """SQLite: a job that breaks the batch's transaction fails (never hangs) and later calls work."""
    store = SqliteStore(str(tmp_path / "data"))
    await store.start()
    db = store._db

    def rogue(conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")
        raise ValueError("rolled everything back")

    try:
        jobs = [store.import_accounts([Account(user_id=f"r{i}")], T0) for i in range(20)]
        jobs.insert(10, db.run(rogue))
        results = await asyncio.wait_for(asyncio.gather(*jobs, return_exceptions=True), wait(5))
        assert isinstance(results[10], Exception)
        # A call that reported success really is stored; the others raised.
        succeeded = {f"r{i}" for i, r in enumerate(results[:10] + results[11:]) if r is None}
        assert await store.existing_accounts([f"r{i}" for i in range(20)]) == succeeded
        await store.import_accounts([Account(user_id="after")], T0)
        assert await store.existing_accounts(["after"]) == {"after"}
    finally:
        await store.close()


async def test_sqlite_call_after_close_raises(tmp_path: Path) -> None:
    """SQLite: a call made after close raises instead of waiting forever."""
    store = SqliteStore(str(tmp_path / "data"))
    await store.start()
    await store.close()
    with pytest.raises(RuntimeError):
        await asyncio.wait_for(store.existing_accounts(["alice"]), wait(5))


# -- presence ----------------------------------------------------------------------------


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
    await asyncio.sleep(1.2)  # Redis: longer than the shortest TTL a claim can set on a key
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
