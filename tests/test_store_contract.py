"""The Store contract (server/store/__init__.py), run on both implementations.

Every test takes the ``store`` fixture, so it runs once on SQLite (in ``tmp_path``) and
once on Redis (a private redis-server, a fresh key prefix per test). Tests that only
make sense for one implementation say so in their name and take what they need.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from pathlib import Path
from typing import Any

import msgspec
import pytest
import pytest_asyncio

from protocol.errors import ErrorCode, GroupcastError
from server.store import (
    Account,
    AddOutcome,
    Application,
    DeviceRecord,
    GroupChanges,
    GroupRecord,
    MemberChanges,
    MemberRecord,
    MessageRecord,
    Store,
)
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
    await first.end_console_session("signed-out", T0 + 100, T0)
    await first.close()

    second = SqliteStore(data_dir)
    await second.start()
    try:
        found = await second.get_accounts([f"u{i}" for i in range(20)])
        assert sorted(found) == sorted(f"u{i}" for i in range(1, 20))
        assert found["u7"] == Account(user_id="u7", nick="n7", face_url="", created_at=T0)
        assert await second.console_session_ended("signed-out", T0)  # a restart does not revive it
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


# -- groups ------------------------------------------------------------------------------
#
# Readings of the interface these tests pin down (where its docstrings leave room):
#
# * create_group: the owner is the member whose ID is ``group.owner_id``; "member_count is
#   set from the members added" holds for the stored record AND the ``group`` argument.
#   A refused creation does not count toward the day's cap.
# * The day's counter goes down on delete_group only when ``created_at // 86400 == day``.
# * add_members: GROUP_FULL compares ``max_members`` with the members that would really be
#   added (users already in the group, or over their limit, do not count). A user listed
#   twice in one call is added once.
# * append_notices: a user listed twice gets one notice (the result maps user -> seq).
# * member_ids / remove_members return lists whose order is not part of the contract (the
#   tests sort them); list_members' order is.
# * join_seq is set by the store: the group's next_msg_seq when the member was added (1 in a
#   group without messages), whatever the record passed in says.
# * Not pinned down: which refusal wins when several apply; whether transfer_owner bumps
#   info_seq; remove_members on a group that does not exist; whether an application that
#   fell off every pendency list can still be read.

DAY = T0 // 86400
CAP = 10_000
LIMIT = 1_000


def group_record(group_id: str = "g1", owner: str = "alice", **fields: Any) -> GroupRecord:
    fields.setdefault("created_at", T0)
    fields.setdefault("name", f"name of {group_id}")
    fields.setdefault("type", "Public")
    return GroupRecord(group_id=group_id, owner_id=owner, **fields)


def member(user_id: str, role: str = "Member", join_time: int = T0, **fields: Any) -> MemberRecord:
    """A member record; as an expected value, one that joined before any message (join_seq 1)."""
    fields.setdefault("join_seq", 1)
    return MemberRecord(user_id=user_id, role=role, join_time=join_time, **fields)


async def create(
    store: Store,
    group_id: str = "g1",
    owner: str = "alice",
    others: Sequence[str] = (),
    *,
    day: int = DAY,
    daily_cap: int = CAP,
    groups_per_user: int = LIMIT,
    **fields: Any,
) -> list[str]:
    """Create a group owned by ``owner`` (no owner if "") with ``others`` as Members."""
    members = ([member(owner, "Owner")] if owner else []) + [member(u) for u in others]
    return await store.create_group(
        group_record(group_id, owner, **fields), members, day=day, daily_cap=daily_cap, groups_per_user=groups_per_user
    )


async def refused(code: ErrorCode, call: Awaitable[object]) -> None:
    with pytest.raises(GroupcastError) as info:
        await call
    assert info.value.code == code


async def count_is_exact(store: Store, group_id: str) -> int:
    group = await store.get_group(group_id)
    assert group is not None
    assert group.member_count == len(await store.member_ids(group_id))
    return group.member_count


async def test_create_group_stores_record_and_members(store: Store) -> None:
    """A created group reads back as given, with member_count set (also on the argument) and its members stored."""
    group = group_record(custom={"k": "v"}, max_members=50, introduction="hi")
    members = [member("alice", "Owner"), member("bob", join_time=T0 + 1, custom={"m": "1"}), member("carol")]
    assert await store.create_group(group, members, day=DAY, daily_cap=CAP, groups_per_user=LIMIT) == []
    assert group.member_count == 3
    assert await store.get_group("g1") == group_record(
        custom={"k": "v"}, max_members=50, introduction="hi", member_count=3
    )
    assert await store.get_member("g1", "alice") == member("alice", "Owner")
    assert await store.get_member("g1", "bob") == member("bob", join_time=T0 + 1, custom={"m": "1"})
    assert sorted(await store.member_ids("g1")) == ["alice", "bob", "carol"]


async def test_create_group_id_taken_changes_nothing(store: Store) -> None:
    """Creating an existing group ID raises GROUP_ID_TAKEN and leaves the first group and its members alone."""
    await create(store, "g1", "alice", ["bob"])
    await refused(ErrorCode.GROUP_ID_TAKEN, create(store, "g1", "dave", ["erin"], name="other"))
    group = await store.get_group("g1")
    assert group is not None and group.owner_id == "alice" and group.name == "name of g1" and group.member_count == 2
    assert await store.user_groups("dave") == {} and await store.user_groups("erin") == {}


async def test_create_refused_at_daily_cap(store: Store) -> None:
    """At the day's net cap, creation raises RATE_LIMITED and creates nothing; other days have their own count."""
    await create(store, "g1", daily_cap=2)
    await create(store, "g2", daily_cap=2)
    await refused(ErrorCode.RATE_LIMITED, create(store, "g3", "bob", ["carol"], daily_cap=2))
    assert await store.get_group("g3") is None
    assert await store.user_groups("bob") == {} and await store.user_groups("carol") == {}
    await create(store, "g4", day=DAY + 1, created_at=T0 + 86400, daily_cap=2)


async def test_refused_create_does_not_use_the_cap(store: Store) -> None:
    """A creation refused for another reason does not count toward the day's cap."""
    await create(store, "g1", daily_cap=2)
    await refused(ErrorCode.GROUP_ID_TAKEN, create(store, "g1", daily_cap=2))
    await refused(ErrorCode.TOO_MANY_GROUPS, create(store, "g2", daily_cap=2, groups_per_user=1))
    await create(store, "g3", daily_cap=2)
    await refused(ErrorCode.RATE_LIMITED, create(store, "g4", daily_cap=2))


async def test_delete_on_creation_day_frees_a_slot(store: Store) -> None:
    """Deleting a group on its creation day frees one slot of that day's cap; deleting an older group does not."""
    await create(store, "old", day=DAY - 1, created_at=T0 - 86400, daily_cap=2)
    await create(store, "g1", daily_cap=2)
    await create(store, "g2", daily_cap=2)
    await store.delete_group("old", day=DAY)
    await refused(ErrorCode.RATE_LIMITED, create(store, "g3", daily_cap=2))
    await store.delete_group("g1", day=DAY)
    await create(store, "g3", daily_cap=2)
    await refused(ErrorCode.RATE_LIMITED, create(store, "g4", daily_cap=2))


async def test_create_refused_when_owner_at_group_limit(store: Store) -> None:
    """An owner already in ``groups_per_user`` groups gets TOO_MANY_GROUPS and nothing is created."""
    await create(store, "g1", "alice", groups_per_user=2)
    await create(store, "g2", "bob", ["alice"], groups_per_user=2)
    await refused(ErrorCode.TOO_MANY_GROUPS, create(store, "g3", "alice", ["carol"], groups_per_user=2))
    assert await store.get_group("g3") is None
    assert await store.user_groups("carol") == {}
    assert set(await store.user_groups("alice")) == {"g1", "g2"}


async def test_create_leaves_out_members_at_group_limit(store: Store) -> None:
    """Members other than the owner who are at the limit are left out and returned; the rest are added."""
    await create(store, "g1", "bob", groups_per_user=2)
    await create(store, "g2", "carol", ["bob"], groups_per_user=2)
    assert await create(store, "g3", "alice", ["bob", "dave"], groups_per_user=2) == ["bob"]
    assert sorted(await store.member_ids("g3")) == ["alice", "dave"]
    assert await count_is_exact(store, "g3") == 2
    assert set(await store.user_groups("bob")) == {"g1", "g2"}


async def test_create_ownerless_group_without_members(store: Store) -> None:
    """A group can be created without an owner or members; its member_count is 0."""
    assert await create(store, "g1", "") == []
    group = await store.get_group("g1")
    assert group is not None and group.owner_id == "" and group.member_count == 0
    assert await store.member_ids("g1") == [] and await store.list_members("g1", 0, 10) == []


async def test_get_group_and_get_groups(store: Store) -> None:
    """get_group returns None for an unknown ID; get_groups returns the existing ones, once each."""
    await create(store, "g1")
    await create(store, "g2", "bob")
    assert await store.get_group("nope") is None
    found = await store.get_groups(["g2", "nope", "g1", "g2"])
    assert sorted(found) == ["g1", "g2"] and found["g2"].owner_id == "bob"
    assert found["g1"] == await store.get_group("g1")
    assert await store.get_groups([]) == {}
    assert await store.get_groups(["nope"]) == {}


async def test_get_group_and_member_reads_both_at_once(store: Store) -> None:
    """get_group_and_member answers what get_group and get_member answer, in one read."""
    await create(store, "g1", "alice", ["bob"])
    await store.update_member("g1", "bob", MemberChanges(role="Admin", name_card="b"))
    assert await store.get_group_and_member("g1", "bob") == (
        await store.get_group("g1"),
        await store.get_member("g1", "bob"),
    )
    group, owner = await store.get_group_and_member("g1", "alice")
    assert group is not None and group.group_id == "g1" and owner == member("alice", "Owner")
    assert await store.get_group_and_member("g1", "nobody") == (group, None)
    assert await store.get_group_and_member("nope", "alice") == (None, None)


async def test_update_group_applies_changes_and_bumps_info_seq(store: Store) -> None:
    """update_group sets the given fields, leaves None ones, bumps info_seq and sets last_info_time."""
    await create(store, "g1", introduction="intro", notification="note", face_url="f.png")
    updated = await store.update_group("g1", GroupChanges(name="new", mute_all=True, join_option="FreeAccess"), T0 + 5)
    expected = group_record(
        name="new",
        introduction="intro",
        notification="note",
        face_url="f.png",
        mute_all=True,
        join_option="FreeAccess",
        info_seq=1,
        last_info_time=T0 + 5,
        member_count=1,
    )
    assert updated == expected and await store.get_group("g1") == expected
    again = await store.update_group("g1", GroupChanges(introduction="", face_url="g.png"), T0 + 9)
    assert (again.info_seq, again.last_info_time, again.introduction, again.face_url) == (2, T0 + 9, "", "g.png")
    assert (again.name, again.notification, again.mute_all) == ("new", "note", True)
    assert (await store.update_group("g1", GroupChanges(), T0 + 10)).info_seq == 3


async def test_update_group_custom_merges_and_empty_deletes(store: Store) -> None:
    """In custom, a value sets the key, "" deletes it, keys not named stay; custom None leaves all."""
    await create(store, "g1", custom={"a": "1", "b": "2"})
    updated = await store.update_group("g1", GroupChanges(custom={"b": "", "c": "3", "gone": ""}), T0)
    assert updated.custom == {"a": "1", "c": "3"}
    assert (await store.update_group("g1", GroupChanges(name="x"), T0)).custom == {"a": "1", "c": "3"}
    assert (await store.update_group("g1", GroupChanges(custom={"a": "", "c": ""}), T0)).custom == {}
    group = await store.get_group("g1")
    assert group is not None and group.custom == {}


async def test_update_group_sets_owner_of_memberless_groups(store: Store) -> None:
    """owner_id in GroupChanges moves the ownership of a memberless (AVChatRoom) group."""
    await store.create_group(
        group_record(type="AVChatRoom", owner="alice"), [], day=DAY, daily_cap=10, groups_per_user=10
    )
    assert (await store.update_group("g1", GroupChanges(owner_id="bob"), T0)).owner_id == "bob"
    group = await store.get_group("g1")
    assert group is not None and group.owner_id == "bob" and group.member_count == 0


async def test_update_group_not_found(store: Store) -> None:
    """Updating an unknown group raises GROUP_NOT_FOUND and creates nothing."""
    await refused(ErrorCode.GROUP_NOT_FOUND, store.update_group("nope", GroupChanges(name="x"), T0))
    assert await store.get_group("nope") is None


async def test_delete_group_removes_members_and_applications(store: Store) -> None:
    """delete_group returns the record and member IDs, and its members, memberships and applications are gone."""
    await create(store, "g1", "alice", ["bob", "carol"])
    await create(store, "g2", "bob")
    await store.add_application(application("a1", "g1", "dave"), ["alice"], keep=50)
    await store.add_application(application("a2", "g2", "dave"), ["alice", "bob"], keep=50)
    record, member_ids = await store.delete_group("g1", day=DAY)
    assert record == group_record(member_count=3) and sorted(member_ids) == ["alice", "bob", "carol"]
    assert await store.get_group("g1") is None
    assert await store.get_member("g1", "bob") is None and await store.get_members("g1", ["alice", "bob"]) == {}
    assert await store.member_ids("g1") == [] and await store.list_members("g1", 0, 10) == []
    assert await store.user_groups("alice") == {} and await store.user_groups("carol") == {}
    assert set(await store.user_groups("bob")) == {"g2"}
    assert await store.get_application("a1") is None
    assert await store.find_pending("g1", 0, "dave", "") is None
    assert [a.application_id for a, _ in await store.pendency("alice")] == ["a2"]
    await refused(ErrorCode.GROUP_NOT_FOUND, store.delete_group("g1", day=DAY))


async def test_deleted_group_id_can_be_reused(store: Store) -> None:
    """After delete_group the ID is free: a new group with it starts with its own members only."""
    await create(store, "g1", "alice", ["bob"])
    await store.delete_group("g1", day=DAY)
    await create(store, "g1", "carol")
    assert await store.member_ids("g1") == ["carol"] and await count_is_exact(store, "g1") == 1


async def test_transfer_owner_swaps_roles(store: Store) -> None:
    """transfer_owner makes the member Owner and owner_id, and the old owner a Member."""
    await create(store, "g1", "alice", ["bob"])
    group = await store.transfer_owner("g1", "bob")
    assert group.owner_id == "bob" and group.member_count == 2
    stored = await store.get_group("g1")
    assert stored is not None and stored.owner_id == "bob"
    roles = {u: m.role for u, m in (await store.get_members("g1", ["alice", "bob"])).items()}
    assert roles == {"alice": "Member", "bob": "Owner"}
    assert await store.member_ids("g1", ["Owner"]) == ["bob"]


async def test_transfer_owner_refusals(store: Store) -> None:
    """Transfer to a non-member raises NO_PERMISSION and changes nothing; an unknown group, GROUP_NOT_FOUND."""
    await create(store, "g1", "alice", ["bob"])
    await refused(ErrorCode.NO_PERMISSION, store.transfer_owner("g1", "dave"))
    group = await store.get_group("g1")
    assert group is not None and group.owner_id == "alice"
    owner = await store.get_member("g1", "alice")
    assert owner is not None and owner.role == "Owner"
    assert await store.get_member("g1", "dave") is None
    await refused(ErrorCode.GROUP_NOT_FOUND, store.transfer_owner("nope", "alice"))


# -- members -----------------------------------------------------------------------------


async def test_get_member_and_get_members(store: Store) -> None:
    """get_member returns the record or None; get_members returns the members among the IDs, once each."""
    await create(store, "g1", "alice", ["bob"])
    assert await store.get_member("g1", "bob") == member("bob")
    assert await store.get_member("g1", "dave") is None
    assert await store.get_member("nope", "alice") is None
    found = await store.get_members("g1", ["bob", "dave", "alice", "bob"])
    assert found == {"alice": member("alice", "Owner"), "bob": member("bob")}
    assert await store.get_members("g1", []) == {} and await store.get_members("nope", ["alice"]) == {}


async def test_list_members_stable_order_and_paging(store: Store) -> None:
    """list_members orders by join_time then user ID, and offset/limit pages through it without gaps or repeats."""
    joins = {"m5": T0 + 2, "m1": T0 + 2, "m3": T0, "m0": T0 + 1, "m4": T0, "m2": T0 + 1, "m6": T0 + 3}
    members = [member("m9", "Owner", T0 + 3)] + [member(u, join_time=t) for u, t in joins.items()]
    await store.create_group(group_record(owner="m9"), members, day=DAY, daily_cap=CAP, groups_per_user=LIMIT)
    expected = ["m3", "m4", "m0", "m2", "m1", "m5", "m6", "m9"]
    assert [m.user_id for m in await store.list_members("g1", 0, 100)] == expected
    pages = [await store.list_members("g1", offset, 3) for offset in range(0, 9, 3)]
    assert [[m.user_id for m in page] for page in pages] == [expected[0:3], expected[3:6], expected[6:8]]
    assert pages[0][0] == member("m3", join_time=T0)
    assert await store.list_members("g1", 8, 3) == [] and await store.list_members("g1", 2, 0) == []
    assert await store.list_members("nope", 0, 3) == []


async def test_member_ids_with_and_without_roles(store: Store) -> None:
    """member_ids returns every member, or only those whose role is among ``roles``."""
    members = [member("alice", "Owner"), member("bob", "Admin"), member("carol", "Admin"), member("dave")]
    await store.create_group(group_record(), members, day=DAY, daily_cap=CAP, groups_per_user=LIMIT)
    assert sorted(await store.member_ids("g1")) == ["alice", "bob", "carol", "dave"]
    assert sorted(await store.member_ids("g1", ["Admin"])) == ["bob", "carol"]
    assert sorted(await store.member_ids("g1", ["Owner", "Admin"])) == ["alice", "bob", "carol"]
    assert await store.member_ids("g1", ["Custom"]) == []
    assert await store.member_ids("nope") == []


async def test_add_members_reports_existing_and_leaves_them_unchanged(store: Store) -> None:
    """Users already in the group are reported as existing and keep their record; the others are added."""
    await store.create_group(
        group_record(),
        [member("alice", "Owner"), member("bob", name_card="B")],
        day=DAY,
        daily_cap=CAP,
        groups_per_user=LIMIT,
    )
    outcome = await store.add_members(
        "g1", [member("bob", "Admin", name_card="X"), member("carol", join_time=T0 + 7)], groups_per_user=LIMIT
    )
    assert outcome == AddOutcome(added=["carol"], existing=["bob"], over_limit=[])
    assert await store.get_member("g1", "bob") == member("bob", name_card="B")
    assert await store.get_member("g1", "carol") == member("carol", join_time=T0 + 7)
    assert await count_is_exact(store, "g1") == 3
    assert "g1" in await store.user_groups("carol")


async def test_add_members_over_limit(store: Store) -> None:
    """Users already in ``groups_per_user`` groups are reported as over the limit and not added."""
    await create(store, "g1", "alice")
    await create(store, "g2", "dave")
    await create(store, "g3", "erin", ["dave"])
    outcome = await store.add_members("g1", [member("dave"), member("bob")], groups_per_user=2)
    assert outcome == AddOutcome(added=["bob"], existing=[], over_limit=["dave"])
    assert await store.get_member("g1", "dave") is None
    assert await count_is_exact(store, "g1") == 2


async def test_add_members_group_full_changes_nothing(store: Store) -> None:
    """Members who would take the count past max_members raise GROUP_FULL and none is added."""
    await create(store, "g1", "alice", ["bob"], max_members=3)
    await refused(
        ErrorCode.GROUP_FULL, store.add_members("g1", [member("carol"), member("dave")], groups_per_user=LIMIT)
    )
    assert await store.get_members("g1", ["carol", "dave"]) == {}
    assert await store.user_groups("carol") == {}
    assert await count_is_exact(store, "g1") == 2
    assert (await store.add_members("g1", [member("carol")], groups_per_user=LIMIT)).added == ["carol"]
    # Users already in the group do not count against the limit.
    outcome = await store.add_members("g1", [member("bob"), member("carol")], groups_per_user=LIMIT)
    assert outcome.added == [] and sorted(outcome.existing) == ["bob", "carol"]
    await refused(ErrorCode.GROUP_FULL, store.add_members("g1", [member("dave")], groups_per_user=LIMIT))
    assert await count_is_exact(store, "g1") == 3


async def test_add_members_max_members_zero_is_unlimited(store: Store) -> None:
    """With max_members 0 any number of members can be added."""
    await create(store, "g1", "alice", max_members=0)
    outcome = await store.add_members("g1", [member(f"u{i:03d}") for i in range(300)], groups_per_user=LIMIT)
    assert len(outcome.added) == 300
    assert await count_is_exact(store, "g1") == 301


async def test_add_members_duplicates_in_one_call_count_once(store: Store) -> None:
    """A user listed twice in one add_members call becomes one member and member_count stays exact."""
    await create(store, "g1", "alice")
    outcome = await store.add_members("g1", [member("bob"), member("bob"), member("carol")], groups_per_user=LIMIT)
    assert sorted(set(outcome.added)) == ["bob", "carol"]
    assert await count_is_exact(store, "g1") == 3


async def test_add_members_group_not_found(store: Store) -> None:
    """Adding to an unknown group raises GROUP_NOT_FOUND and records no membership."""
    await refused(ErrorCode.GROUP_NOT_FOUND, store.add_members("nope", [member("bob")], groups_per_user=LIMIT))
    assert await store.user_groups("bob") == {} and await store.get_member("nope", "bob") is None


async def test_concurrent_adds_respect_max_members(store: Store) -> None:
    """50 concurrent single-user adds into a group of max 30 add exactly 30; the rest get GROUP_FULL."""
    await create(store, "g1", "", max_members=30)
    results = await asyncio.gather(
        *(store.add_members("g1", [member(f"u{i:02d}")], groups_per_user=LIMIT) for i in range(50)),
        return_exceptions=True,
    )
    added = [u for r in results if isinstance(r, AddOutcome) for u in r.added]
    full = [r for r in results if isinstance(r, GroupcastError)]
    assert len(added) == 30 and len(full) == 20 and all(r.code == ErrorCode.GROUP_FULL for r in full)
    assert sorted(await store.member_ids("g1")) == sorted(added)
    assert await count_is_exact(store, "g1") == 30


async def test_concurrent_adds_and_removes_keep_count_exact(store: Store) -> None:
    """Interleaved concurrent adds and removes leave member_count equal to the number of members."""
    await create(store, "g1", "alice", [f"old{i}" for i in range(20)])
    await asyncio.gather(
        *(store.add_members("g1", [member(f"new{i}"), member(f"old{i}")], groups_per_user=LIMIT) for i in range(20)),
        *(store.remove_members("g1", [f"old{i}", f"new{i}"]) for i in range(0, 20, 2)),
    )
    assert await count_is_exact(store, "g1") == len(await store.member_ids("g1"))


async def test_remove_members_returns_only_members(store: Store) -> None:
    """remove_members returns the users that were members, once each, and member_count follows exactly."""
    await create(store, "g1", "alice", ["bob", "carol", "dave"])
    removed = await store.remove_members("g1", ["bob", "nobody", "bob", "carol"])
    assert sorted(removed) == ["bob", "carol"]
    assert sorted(await store.member_ids("g1")) == ["alice", "dave"]
    assert await count_is_exact(store, "g1") == 2
    assert await store.user_groups("bob") == {}
    assert await store.remove_members("g1", ["bob", "carol"]) == []
    assert await store.remove_members("g1", []) == []
    group = await store.get_group("g1")
    assert group is not None and group.owner_id == "alice" and group.member_count == 2


async def test_remove_owner_leaves_group_ownerless(store: Store) -> None:
    """Removing the owner sets owner_id to "", and a later transfer gives the group a new owner."""
    await create(store, "g1", "alice", ["bob"])
    assert await store.remove_members("g1", ["alice"]) == ["alice"]
    group = await store.get_group("g1")
    assert group is not None and group.owner_id == "" and group.member_count == 1
    assert (await store.transfer_owner("g1", "bob")).owner_id == "bob"
    bob = await store.get_member("g1", "bob")
    assert bob is not None and bob.role == "Owner"


async def test_update_member_each_field(store: Store) -> None:
    """update_member changes exactly the fields given and returns the stored record."""
    await store.create_group(
        group_record(),
        [member("alice", "Owner"), member("bob", custom={"k": "v"})],
        day=DAY,
        daily_cap=CAP,
        groups_per_user=LIMIT,
    )
    expected = member("bob", custom={"k": "v"})
    for changes, field, value in [
        (MemberChanges(role="Admin"), "role", "Admin"),
        (MemberChanges(msg_flag="Discard"), "msg_flag", "Discard"),
        (MemberChanges(name_card="Bobby"), "name_card", "Bobby"),
        (MemberChanges(mute_until=T0 + 60), "mute_until", T0 + 60),
        (MemberChanges(name_card=""), "name_card", ""),
    ]:
        setattr(expected, field, value)
        assert await store.update_member("g1", "bob", changes) == expected
        assert await store.get_member("g1", "bob") == expected
    assert await store.update_member("g1", "bob", MemberChanges()) == expected
    assert await store.get_member("g1", "alice") == member("alice", "Owner")


async def test_update_member_custom_merges_and_empty_deletes(store: Store) -> None:
    """In member custom, a value sets the key, "" deletes it, and unnamed keys stay."""
    await store.create_group(
        group_record(),
        [member("alice", "Owner", custom={"a": "1", "b": "2"})],
        day=DAY,
        daily_cap=CAP,
        groups_per_user=LIMIT,
    )
    updated = await store.update_member("g1", "alice", MemberChanges(custom={"a": "", "c": "3"}))
    assert updated is not None and updated.custom == {"b": "2", "c": "3"}
    again = await store.update_member("g1", "alice", MemberChanges(name_card="A"))
    assert again is not None and again.custom == {"b": "2", "c": "3"}
    stored = await store.get_member("g1", "alice")
    assert stored is not None and stored.custom == {"b": "2", "c": "3"} and stored.name_card == "A"


async def test_update_member_of_non_member_returns_none(store: Store) -> None:
    """update_member of a non-member, or in an unknown group, returns None and creates no member."""
    await create(store, "g1", "alice")
    assert await store.update_member("g1", "bob", MemberChanges(name_card="x")) is None
    assert await store.update_member("nope", "alice", MemberChanges(name_card="x")) is None
    assert await store.get_member("g1", "bob") is None and await store.get_member("nope", "alice") is None
    assert await count_is_exact(store, "g1") == 1


async def test_user_groups_reflects_membership_and_msg_flag(store: Store) -> None:
    """user_groups maps each of the user's groups to its msg_flag, including after a msg_flag change."""
    await create(store, "g1", "alice", ["bob"])
    await create(store, "g2", "carol")
    await store.add_members("g2", [member("bob", msg_flag="AcceptNotNotify")], groups_per_user=LIMIT)
    assert await store.user_groups("bob") == {"g1": "AcceptAndNotify", "g2": "AcceptNotNotify"}
    await store.update_member("g1", "bob", MemberChanges(msg_flag="Discard"))
    assert await store.user_groups("bob") == {"g1": "Discard", "g2": "AcceptNotNotify"}
    assert await store.user_groups("nobody") == {}


# -- history -----------------------------------------------------------------------------
#
# Readings these tests pin down:
#
# * append_message keeps the ``recalled`` it is given and replaces only seq and time; the
#   returned record is the stored one. A retry returns the first record as stored (its seq,
#   time and body), whatever the retry's body says. Not pinned down: which record a retry
#   gets when two with its sender and random are in its window (only possible when
#   dedupe_since goes back in time between calls).
# * read_messages with both ``after`` and ``before``: the first ones in (after, before).
#   ``limit`` <= 0 reads nothing.
# * restrict on a group that does not exist raises GROUP_NOT_FOUND (nothing outlives its
#   group); restrictions of an unknown group or user is {}.


def msg(sender: str = "bob", random: int = 7, body: bytes = b"hello", kind: str = "msg") -> MessageRecord:
    return MessageRecord(sender_id=sender, random=random, body=body, kind=kind)


async def append(
    store: Store,
    group_id: str = "g1",
    sender: str = "bob",
    random: int = 7,
    *,
    at: int = T0,
    since: int | None = None,
    body: bytes = b"hello",
    kind: str = "msg",
) -> tuple[MessageRecord, bool]:
    """Append at time ``at``; the dedupe window starts at ``since`` (default: 300 s before)."""
    return await store.append_message(
        group_id, msg(sender, random, body, kind), now=at, dedupe_since=at - 300 if since is None else since
    )


async def history(store: Store, group_id: str = "g1") -> list[MessageRecord]:
    """The whole history, oldest first (the test groups are small)."""
    return await store.read_messages(group_id, after=0, limit=10_000)


async def fill(store: Store, count: int, group_id: str = "g1") -> list[MessageRecord]:
    """Append ``count`` messages from bob (random = body index, time T0 + i); the records."""
    return [(await append(store, group_id, random=i, at=T0 + i, body=f"m{i}".encode()))[0] for i in range(count)]


def seqs(records: Sequence[MessageRecord]) -> list[int]:
    return [r.seq for r in records]


async def test_append_assigns_seq_and_time(store: Store) -> None:
    """Appends get seq 1, 2, ... and time ``now``; the returned record is the stored one, the input otherwise."""
    await create(store, "g1", "alice", ["bob"])
    first, retried = await store.append_message("g1", msg(body=b"\x00\xffbin"), now=T0 + 10, dedupe_since=T0 - 290)
    assert (first, retried) == (
        MessageRecord(seq=1, time=T0 + 10, sender_id="bob", random=7, body=b"\x00\xffbin"),
        False,
    )
    tip, retried = await store.append_message("g1", MessageRecord(kind="tip", body=b"t"), now=T0 + 11, dedupe_since=T0)
    assert (tip, retried) == (MessageRecord(seq=2, time=T0 + 11, kind="tip", body=b"t"), False)
    assert await history(store) == [first, tip]


async def test_append_updates_group_and_sender(store: Store) -> None:
    """A message sets next_msg_seq, last_msg_time and the sender's last_send_time; a tip not the latter."""
    await create(store, "g1", "alice", ["bob"], custom={"k": "v"})
    await append(store, sender="bob", at=T0 + 10)
    group = await store.get_group("g1")
    assert group is not None and (group.next_msg_seq, group.last_msg_time) == (2, T0 + 10)
    assert await store.get_member("g1", "bob") == member("bob", last_send_time=T0 + 10)
    await append(store, sender="alice", at=T0 + 20, kind="tip")
    group = await store.get_group("g1")
    assert group is not None and (group.next_msg_seq, group.last_msg_time) == (3, T0 + 20)
    assert await store.get_member("g1", "alice") == member("alice", "Owner")
    # The rest of the group record is untouched.
    assert group == group_record(custom={"k": "v"}, member_count=2, next_msg_seq=3, last_msg_time=T0 + 20)


async def test_append_from_a_non_member(store: Store) -> None:
    """A message from a non-member (the app admin) is stored and makes no member record."""
    await create(store, "g1", "alice", ["bob"])
    record, _ = await append(store, sender="admin", at=T0 + 5)
    assert record.seq == 1 and await store.get_member("g1", "admin") is None
    assert sorted(await store.member_ids("g1")) == ["alice", "bob"] and await count_is_exact(store, "g1") == 2


async def test_append_keeps_member_records_whole(store: Store) -> None:
    """Updating last_send_time keeps every other field of the member, custom fields included."""
    fields = dict(name_card="B", mute_until=T0 + 1, custom={"k": "v", "é": "\x00"}, msg_flag="Discard")
    await store.create_group(
        group_record(),
        [member("alice", "Owner"), member("bob", "Admin", **fields)],
        day=DAY,
        daily_cap=CAP,
        groups_per_user=LIMIT,
    )
    await store.set_read_seq("g1", "bob", 0)
    await append(store, sender="bob", at=T0 + 3)
    await append(store, sender="alice", at=T0 + 4)
    assert await store.get_member("g1", "bob") == member("bob", "Admin", last_send_time=T0 + 3, **fields)
    assert await store.get_member("g1", "alice") == member("alice", "Owner", last_send_time=T0 + 4)
    assert await store.user_groups("bob") == {"g1": "Discard"}
    updated = await store.update_member("g1", "bob", MemberChanges(name_card="C"))
    assert updated == member("bob", "Admin", last_send_time=T0 + 3, **{**fields, "name_card": "C"})


async def test_append_to_unknown_group_refused(store: Store) -> None:
    """Appending to a group that does not exist (or no longer) raises GROUP_NOT_FOUND and stores nothing."""
    await refused(ErrorCode.GROUP_NOT_FOUND, append(store, "nope"))
    await refused(ErrorCode.GROUP_NOT_FOUND, append(store, "nope", kind="tip"))
    assert await history(store, "nope") == []
    await create(store, "g1")
    await append(store)
    await store.delete_group("g1", day=DAY)
    await refused(ErrorCode.GROUP_NOT_FOUND, append(store, random=8))
    assert await store.get_group("g1") is None and await history(store) == []


async def test_retry_within_window_returns_the_first_record(store: Store) -> None:
    """Same sender and random, first stored at or after dedupe_since: the first record, True, and nothing written."""
    await create(store, "g1", "alice", ["bob"])
    first, _ = await append(store, at=T0)
    again, retried = await append(store, at=T0 + 200, since=T0, body=b"different")
    assert (again, retried) == (first, True)
    group = await store.get_group("g1")
    assert group is not None and (group.next_msg_seq, group.last_msg_time) == (2, T0)
    bob = await store.get_member("g1", "bob")
    assert bob is not None and bob.last_send_time == T0
    assert await history(store) == [first]
    # The window's start is inclusive; a retry of a recalled message returns it recalled.
    await store.recall_message("g1", 1, b"gone")
    recalled = msgspec.structs.replace(first, recalled=True, body=b"gone")
    assert await append(store, at=T0 + 300, since=T0) == (recalled, True)


async def test_retry_outside_window_is_a_new_message(store: Store) -> None:
    """A first record stored before dedupe_since does not make a retry: a new seq; later retries find the newer one."""
    await create(store, "g1", "alice", ["bob"])
    await append(store, at=T0)
    second, retried = await append(store, at=T0 + 400, since=T0 + 1)
    assert (second.seq, second.time, retried) == (2, T0 + 400, False)
    assert await append(store, at=T0 + 402, since=T0 + 1) == (second, True)
    assert seqs(await history(store)) == [1, 2]


async def test_tips_and_other_senders_never_collide(store: Store) -> None:
    """Tips are never retries; another sender, random or group with the same values is a new message."""
    await create(store, "g1", "alice", ["bob", "carol"])
    await create(store, "g2", "alice", ["bob"])
    results = [
        await append(store, kind="tip", sender="", random=0),
        await append(store, kind="tip", sender="", random=0),
        await append(store, kind="tip", sender="bob"),
        await append(store, sender="bob"),  # a tip with the same values came first
        await append(store, sender="carol"),
        await append(store, sender="bob", random=8),
        await append(store, sender="bob", random=70),  # "bob\0" + "70" vs "bob7" + "\0" + "0" ...
        await append(store, sender="bob7", random=0),
        await append(store, "g2", sender="bob"),
    ]
    assert [(r.seq, retried) for r, retried in results] == [(i, False) for i in range(1, 9)] + [(1, False)]
    assert await append(store, sender="bob") == (results[3][0], True)
    assert await append(store, sender="bob7", random=0) == (results[7][0], True)


async def test_concurrent_appends_get_gap_free_seqs(store: Store) -> None:
    """100 concurrent appends get seqs 1..100, each once, and the history holds each record under its seq."""
    await create(store, "g1", "alice", ["bob"])
    results = await asyncio.gather(*(append(store, random=i, body=f"m{i}".encode()) for i in range(100)))
    assert sorted(r.seq for r, _ in results) == list(range(1, 101)) and not any(retried for _, retried in results)
    stored = {r.seq: r for r in await history(store)}
    assert stored == {r.seq: r for r, _ in results}
    group = await store.get_group("g1")
    assert group is not None and group.next_msg_seq == 101


async def test_concurrent_retries_store_one_message(store: Store) -> None:
    """20 concurrent sends of one message store it once; every call gets that record."""
    await create(store, "g1", "alice", ["bob"])
    results = await asyncio.gather(*(append(store) for _ in range(20)))
    assert [retried for _, retried in results].count(False) == 1
    assert {r.seq for r, _ in results} == {1} and len({msgspec.msgpack.encode(r) for r, _ in results}) == 1
    assert seqs(await history(store)) == [1]


async def test_read_messages_after(store: Store) -> None:
    """With after: the first ``limit`` records with a greater seq, oldest first."""
    await create(store, "g1", "alice", ["bob"])
    records = await fill(store, 10)
    assert await store.read_messages("g1", after=0, limit=3) == records[0:3]
    assert await store.read_messages("g1", after=3, limit=3) == records[3:6]
    assert await store.read_messages("g1", after=8, limit=5) == records[8:10]
    assert await store.read_messages("g1", after=-5, limit=2) == records[0:2]
    assert await store.read_messages("g1", after=10, limit=5) == []
    assert await store.read_messages("g1", after=50, limit=5) == []


async def test_read_messages_before(store: Store) -> None:
    """With before: the last ``limit`` records with a smaller seq, oldest first."""
    await create(store, "g1", "alice", ["bob"])
    records = await fill(store, 10)
    assert await store.read_messages("g1", before=11, limit=3) == records[7:10]
    assert await store.read_messages("g1", before=8, limit=3) == records[4:7]
    assert await store.read_messages("g1", before=4, limit=10) == records[0:3]
    assert await store.read_messages("g1", before=100, limit=2) == records[8:10]
    assert await store.read_messages("g1", before=2, limit=5) == records[0:1]
    assert await store.read_messages("g1", before=1, limit=5) == []
    assert await store.read_messages("g1", before=0, limit=5) == []


async def test_read_messages_latest_and_both_bounds(store: Store) -> None:
    """With neither bound: the latest ``limit``; with both: the first ones between them; limit 0: nothing."""
    await create(store, "g1", "alice", ["bob"])
    records = await fill(store, 10)
    assert await store.read_messages("g1", limit=3) == records[7:10]
    assert await store.read_messages("g1", limit=100) == records
    assert await store.read_messages("g1", after=2, before=9, limit=3) == records[2:5]
    assert await store.read_messages("g1", after=2, before=6, limit=10) == records[2:5]
    assert await store.read_messages("g1", after=5, before=6, limit=10) == []
    for bounds in ({}, {"after": 0}, {"before": 5}):
        assert await store.read_messages("g1", limit=0, **bounds) == []


async def test_read_messages_empty_and_unknown_groups(store: Store) -> None:
    """A group without messages, and a group that does not exist, read as empty in every direction."""
    await create(store, "g1")
    for group_id in ("g1", "nope"):
        assert await store.read_messages(group_id, limit=10) == []
        assert await store.read_messages(group_id, after=0, limit=10) == []
        assert await store.read_messages(group_id, before=5, limit=10) == []


async def test_read_messages_large_pages(store: Store) -> None:
    """Pages of more than a thousand records (past any per-command slice) are complete and in order."""
    await create(store, "g1", "alice", ["bob"])
    records = await asyncio.gather(*(append(store, random=i, at=T0, body=b"x" * (i % 7)) for i in range(2100)))
    by_seq = sorted((r for r, _ in records), key=lambda r: r.seq)
    assert await store.read_messages("g1", limit=5000) == by_seq
    assert await store.read_messages("g1", after=10, limit=2050) == by_seq[10:2060]
    assert await store.read_messages("g1", before=2090, limit=2005) == by_seq[84:2089]


async def test_recall_marks_the_message(store: Store) -> None:
    """recall_message marks a message recalled and replaces its body by the one kept;
    recalling it again changes nothing."""
    await create(store, "g1", "alice", ["bob"])
    records = await fill(store, 3)
    recalled = msgspec.structs.replace(records[1], recalled=True, body=b"kept")
    assert await store.recall_message("g1", 2, b"kept") == recalled
    assert await store.recall_message("g1", 2, b"other") == recalled
    assert await history(store) == [records[0], recalled, records[2]]


async def test_recall_of_tips_and_missing_messages(store: Store) -> None:
    """Recalling a tip, a seq that does not exist, or in an unknown group returns None and changes nothing."""
    await create(store, "g1", "alice", ["bob"])
    tip, _ = await append(store, kind="tip")
    assert await store.recall_message("g1", tip.seq, b"") is None
    assert await store.recall_message("g1", 0, b"") is None and await store.recall_message("g1", 2, b"") is None
    assert await store.recall_message("nope", 1, b"") is None
    assert await history(store) == [tip] and await history(store, "nope") == []


async def test_concurrent_recalls(store: Store) -> None:
    """Concurrent recalls of one message all return it recalled."""
    await create(store, "g1", "alice", ["bob"])
    first, _ = await append(store)
    results = await asyncio.gather(*(store.recall_message("g1", 1, b"kept") for _ in range(10)))
    assert results == [msgspec.structs.replace(first, recalled=True, body=b"kept")] * 10


async def test_set_read_seq_only_raises(store: Store) -> None:
    """set_read_seq raises the member's read_seq, never lowers it, and returns the value now held."""
    await create(store, "g1", "alice", ["bob"])
    assert await store.set_read_seq("g1", "bob", 5) == 5
    assert await store.set_read_seq("g1", "bob", 3) == 5
    assert await store.set_read_seq("g1", "bob", 5) == 5
    assert await store.set_read_seq("g1", "bob", 7) == 7
    assert await store.get_member("g1", "bob") == member("bob", read_seq=7)
    assert await store.get_member("g1", "alice") == member("alice", "Owner")


async def test_set_read_seq_of_non_members(store: Store) -> None:
    """set_read_seq of a non-member, or in an unknown group, returns None and creates no member."""
    await create(store, "g1", "alice")
    assert await store.set_read_seq("g1", "bob", 3) is None
    assert await store.set_read_seq("nope", "alice", 3) is None
    assert await store.get_member("g1", "bob") is None and await store.get_member("nope", "alice") is None
    assert await count_is_exact(store, "g1") == 1


async def test_concurrent_read_seqs_keep_the_highest(store: Store) -> None:
    """Concurrent set_read_seq calls leave the highest value, whatever order they ran in."""
    await create(store, "g1", "alice", ["bob"])
    await asyncio.gather(*(store.set_read_seq("g1", "bob", s) for s in [3, 9, 1, 7, 9, 2, 8]))
    bob = await store.get_member("g1", "bob")
    assert bob is not None and bob.read_seq == 9


async def test_join_seq_of_initial_and_later_members(store: Store) -> None:
    """Members get the group's next_msg_seq when they join: 1 at creation, later the seq after the last message."""
    await store.create_group(
        group_record(),
        [member("alice", "Owner", join_seq=99), member("bob", join_seq=99)],
        day=DAY,
        daily_cap=CAP,
        groups_per_user=LIMIT,
    )
    assert {u: m.join_seq for u, m in (await store.get_members("g1", ["alice", "bob"])).items()} == {
        "alice": 1,
        "bob": 1,
    }
    await fill(store, 3)
    outcome = await store.add_members("g1", [member("carol", join_seq=0), member("bob")], groups_per_user=LIMIT)
    assert outcome == AddOutcome(added=["carol"], existing=["bob"])
    await append(store, random=100)
    await store.add_members("g1", [member("dave"), member("erin")], groups_per_user=LIMIT)
    found = await store.get_members("g1", ["alice", "bob", "carol", "dave", "erin"])
    assert {u: m.join_seq for u, m in found.items()} == {"alice": 1, "bob": 1, "carol": 4, "dave": 5, "erin": 5}
    assert await store.list_members("g1", 0, 10) == [
        member("alice", "Owner"),
        member("bob", last_send_time=T0),  # its last message: the append at T0
        member("carol", join_seq=4),
        member("dave", join_seq=5),
        member("erin", join_seq=5),
    ]
    # Leaving and coming back is a new join.
    await store.remove_members("g1", ["carol"])
    await store.add_members("g1", [member("carol")], groups_per_user=LIMIT)
    carol = await store.get_member("g1", "carol")
    assert carol is not None and carol.join_seq == 5


async def test_join_seq_of_a_group_created_with_history_seq(store: Store) -> None:
    """A group created with next_msg_seq above 1 gives its first members that seq."""
    await create(store, "g1", "alice", ["bob"], next_msg_seq=40)
    alice = await store.get_member("g1", "alice")
    assert alice is not None and alice.join_seq == 40
    assert (await append(store))[0].seq == 40
    await store.add_members("g1", [member("carol")], groups_per_user=LIMIT)
    carol = await store.get_member("g1", "carol")
    assert carol is not None and carol.join_seq == 41
    assert seqs(await store.read_messages("g1", limit=10)) == [40]
    assert seqs(await store.read_messages("g1", before=45, limit=10)) == [40]


async def test_delete_group_removes_history(store: Store) -> None:
    """delete_group removes the history and the retry index: a group re-created with the ID starts at seq 1."""
    await create(store, "g1", "alice", ["bob"])
    await fill(store, 5)
    await store.delete_group("g1", day=DAY)
    assert await history(store) == [] and await store.read_messages("g1", limit=10) == []
    assert await store.recall_message("g1", 1, b"") is None
    await create(store, "g1", "alice", ["bob"])
    again, retried = await append(store, random=0, at=T0 + 1)  # the same sender and random as the old seq 1
    assert (again.seq, retried) == (1, False)
    assert await history(store) == [again]
    group = await store.get_group("g1")
    assert group is not None and group.next_msg_seq == 2


# -- AVChatRoom restrictions -------------------------------------------------------------


async def test_restrict_set_overwrite_and_lift(store: Store) -> None:
    """restrict sets, overwrites and (with 0) lifts each kind on its own; restrictions lists what is held."""
    await create(store, "room", "alice", type="AVChatRoom")
    assert await store.restrictions("room", "bob") == {}
    await store.restrict("room", "bob", "ban", T0 + 60)
    await store.restrict("room", "bob", "mute", T0 + 30)
    await store.restrict("room", "carol", "mute", T0 - 10)  # over already: still listed
    assert await store.restrictions("room", "bob") == {"ban": T0 + 60, "mute": T0 + 30}
    await store.restrict("room", "bob", "ban", T0 + 90)
    assert await store.restrictions("room", "bob") == {"ban": T0 + 90, "mute": T0 + 30}
    await store.restrict("room", "bob", "mute", 0)
    assert await store.restrictions("room", "bob") == {"ban": T0 + 90}
    await store.restrict("room", "bob", "ban", 0)
    await store.restrict("room", "bob", "ban", 0)  # lifting what is not held: nothing happens
    assert await store.restrictions("room", "bob") == {}
    assert await store.restrictions("room", "carol") == {"mute": T0 - 10}
    assert await store.restrictions("nope", "bob") == {}


async def test_restricted_lists_users_by_kind(store: Store) -> None:
    """restricted lists every user holding a restriction of one kind, lifted ones gone."""
    await create(store, "room", "alice", type="AVChatRoom")
    await store.restrict("room", "bob", "mute", T0 + 30)
    await store.restrict("room", "carol", "mute", T0 + 40)
    await store.restrict("room", "carol", "ban", T0 + 50)
    await store.restrict("room", "dave", "ban", T0 + 60)
    assert await store.restricted("room", "mute") == {"bob": T0 + 30, "carol": T0 + 40}
    await store.restrict("room", "bob", "mute", 0)
    assert await store.restricted("room", "mute") == {"carol": T0 + 40}
    assert await store.restricted("room", "ban") == {"carol": T0 + 50, "dave": T0 + 60}
    assert await store.restricted("nope", "ban") == {}


async def test_update_member_sets_read_and_join_seq(store: Store) -> None:
    """read_seq and join_seq in MemberChanges are set as given, lower or higher."""
    await create(store, "g1", "alice", ["bob"])
    await store.set_read_seq("g1", "bob", 5)
    updated = await store.update_member("g1", "bob", MemberChanges(read_seq=2, join_seq=1))
    assert updated is not None and (updated.read_seq, updated.join_seq) == (2, 1)
    again = await store.get_member("g1", "bob")
    assert again is not None and (again.read_seq, again.join_seq) == (2, 1)


async def test_restrictions_are_per_group_and_deleted_with_it(store: Store) -> None:
    """Restrictions are per group; restrict in an unknown group raises GROUP_NOT_FOUND; delete_group drops them."""
    await create(store, "r1", "alice", type="AVChatRoom")
    await create(store, "r2", "alice", type="AVChatRoom")
    await store.restrict("r1", "bob", "ban", T0 + 60)
    assert await store.restrictions("r2", "bob") == {}
    await refused(ErrorCode.GROUP_NOT_FOUND, store.restrict("nope", "bob", "ban", T0 + 60))
    assert await store.restrictions("nope", "bob") == {}
    await store.delete_group("r1", day=DAY)
    await refused(ErrorCode.GROUP_NOT_FOUND, store.restrict("r1", "bob", "mute", T0 + 60))
    await create(store, "r1", "alice", type="AVChatRoom")
    assert await store.restrictions("r1", "bob") == {}


async def test_room_audience_sums_recent_reports(store: Store) -> None:
    """room_audience sums the nodes' latest counts reported at or after ``since``; 0 and delete_group drop them."""
    await create(store, "room", "", type="AVChatRoom")
    now = time.time()
    await store.set_room_audience("room", "n1", 3, now - 20)
    await store.set_room_audience("room", "n2", 2, now)
    await store.set_room_audience("room", "n3", 4, now - 1)
    assert await store.room_audience("room", now - 30) == 9
    assert await store.room_audience("room", now - 10) == 6
    await store.set_room_audience("room", "n3", 1, now)
    await store.set_room_audience("room", "n2", 0, now)
    assert await store.room_audience("room", now - 10) == 1
    assert await store.room_audience("other", now - 10) == 0
    await store.delete_group("room", day=DAY)
    assert await store.room_audience("room", now - 30) == 0


async def test_redis_deleted_group_leaves_no_keys(redis_server: RedisServer) -> None:
    """Redis: after delete_group nothing is left in the group's slot (history, retry index, restrictions...)."""
    prefix = unique_prefix()
    store = RedisStore(redis_server.url, prefix)
    await store.start()
    try:
        await create(store, "g1", "alice", ["bob"], type="AVChatRoom")
        await fill(store, 3)
        await store.restrict("g1", "bob", "ban", T0 + 60)
        await store.set_room_audience("g1", "n1", 2, time.time())
        assert len(await store.redis.keys(f"{prefix}{{g:g1}}*")) >= 8
        await store.delete_group("g1", day=DAY)
        assert await store.redis.keys(f"{prefix}{{g:g1}}*") == []
    finally:
        await store.close()


async def test_redis_retry_index_is_trimmed(redis_server: RedisServer) -> None:
    """Redis: each append drops the retry entries older than its dedupe window (the index stays small)."""
    prefix = unique_prefix()
    store = RedisStore(redis_server.url, prefix)
    await store.start()
    try:
        await create(store, "g1", "alice", ["bob"])
        await fill(store, 10)  # at T0 .. T0 + 9
        await append(store, kind="tip", at=T0 + 100, since=T0 + 5)
        assert await store.redis.zcard(store.keys.group("g1", "recent")) == 5
        await append(store, random=99, at=T0 + 100, since=T0 + 50)
        assert await store.redis.zrange(store.keys.group("g1", "recent"), 0, -1) == [b"bob\x0099"]
        assert await store.redis.hgetall(store.keys.group("g1", "recent_seq")) == {b"bob\x0099": b"12"}
        assert seqs(await history(store)) == list(range(1, 13))
    finally:
        await store.close()


# -- system notices ----------------------------------------------------------------------


async def test_notice_sequences_are_per_user_and_gap_free(store: Store) -> None:
    """Each user's notices are numbered 1, 2, ... independently of other users'."""
    assert await store.append_notices(["alice", "bob"], b"one") == {"alice": 1, "bob": 1}
    assert await store.append_notices(["alice"], b"two") == {"alice": 2}
    assert await store.append_notices(["bob", "carol", "alice"], b"three") == {"bob": 2, "carol": 1, "alice": 3}
    assert await store.append_notices([], b"none") == {}
    assert [await store.last_notice_seq(u) for u in ("alice", "bob", "carol", "dave")] == [3, 2, 1, 0]
    assert await store.notices_after("alice", 0, 10) == [(1, b"one"), (2, b"two"), (3, b"three")]
    assert await store.notices_after("bob", 0, 10) == [(1, b"one"), (2, b"three")]


async def test_notice_payload_bytes_round_trip(store: Store) -> None:
    """Arbitrary payload bytes (NUL, invalid UTF-8, empty) come back exactly."""
    payloads = [bytes(range(256)), b"\xff\xfe\x00\x00", b"", msgspec.msgpack.encode({"op": 5, "g": "g1"})]
    for payload in payloads:
        await store.append_notices(["alice"], payload)
    assert await store.notices_after("alice", 0, 10) == list(enumerate(payloads, start=1))


async def test_notice_to_a_user_listed_twice_is_stored_once(store: Store) -> None:
    """A user listed twice in one append_notices call gets one notice."""
    assert await store.append_notices(["alice", "alice"], b"x") == {"alice": 1}
    assert await store.last_notice_seq("alice") == 1 and await store.notices_after("alice", 0, 10) == [(1, b"x")]


async def test_notices_after_limit_and_order(store: Store) -> None:
    """notices_after returns at most ``limit`` notices above ``after_seq``, oldest first."""
    for i in range(1, 11):
        await store.append_notices(["alice"], f"n{i}".encode())
    assert await store.notices_after("alice", 3, 4) == [(s, f"n{s}".encode()) for s in (4, 5, 6, 7)]
    assert [s for s, _ in await store.notices_after("alice", 8, 100)] == [9, 10]
    assert await store.notices_after("alice", 10, 5) == []
    assert await store.notices_after("nobody", 0, 5) == []


async def test_concurrent_notices_keep_the_latest_1000(store: Store) -> None:
    """1,005 concurrent appends number 1..1005 without gaps; only the latest 1,000 are kept, and numbering goes on."""
    results = await asyncio.gather(*(store.append_notices(["alice", "bob"], f"p{i}".encode()) for i in range(1005)))
    by_seq = {r["alice"]: f"p{i}".encode() for i, r in enumerate(results)}
    assert sorted(by_seq) == list(range(1, 1006)) and sorted(r["bob"] for r in results) == list(range(1, 1006))
    kept = await store.notices_after("alice", 0, 5000)
    assert kept == [(s, by_seq[s]) for s in range(6, 1006)]
    assert await store.last_notice_seq("alice") == 1005
    assert await store.append_notices(["alice"], b"next") == {"alice": 1006}
    assert [s for s, _ in await store.notices_after("alice", 0, 2)] == [7, 8]


# -- pendency ----------------------------------------------------------------------------


def application(application_id: str, group_id: str = "g1", from_user: str = "dave", **fields: Any) -> Application:
    fields.setdefault("add_time", T0)
    fields.setdefault("kind", 0)
    return Application(application_id=application_id, group_id=group_id, from_user=from_user, **fields)


async def test_add_and_get_application(store: Store) -> None:
    """An added application reads back as given; an unknown ID reads as None."""
    invite = application("a1", kind=1, from_user="alice", to_user="bob", request_msg="join us", add_time=T0 + 3)
    await store.add_application(invite, ["bob"], keep=50)
    assert await store.get_application("a1") == invite
    assert await store.get_application("nope") is None


async def test_find_pending_matches_parties_and_kind(store: Store) -> None:
    """find_pending finds a pending application only for the same group, kind, from_user and to_user."""
    await store.add_application(application("a1"), ["alice"], keep=50)
    await store.add_application(application("a2", kind=1, from_user="alice", to_user="bob"), ["bob"], keep=50)
    assert await store.find_pending("g1", 0, "dave", "") == application("a1")
    assert (await store.find_pending("g1", 1, "alice", "bob")) == application(
        "a2", kind=1, from_user="alice", to_user="bob"
    )
    assert await store.find_pending("g2", 0, "dave", "") is None
    assert await store.find_pending("g1", 1, "dave", "") is None
    assert await store.find_pending("g1", 0, "erin", "") is None
    assert await store.find_pending("g1", 1, "alice", "carol") is None
    await store.decide_application("a1", "alice", True, "")
    assert await store.find_pending("g1", 0, "dave", "") is None


async def test_pendency_newest_first_with_read_flags(store: Store) -> None:
    """pendency lists the user's items newest first; mark_pendency_read marks only that user's current items."""
    await store.add_application(application("a1"), ["alice", "bob"], keep=50)
    await store.add_application(application("a2", from_user="erin"), ["alice"], keep=50)
    assert await store.pendency("alice") == [(application("a2", from_user="erin"), False), (application("a1"), False)]
    await store.mark_pendency_read("alice")
    await store.add_application(application("a3", from_user="frank"), ["alice"], keep=50)
    assert [(a.application_id, read) for a, read in await store.pendency("alice")] == [
        ("a3", False),
        ("a2", True),
        ("a1", True),
    ]
    assert await store.pendency("bob") == [(application("a1"), False)]
    assert await store.pendency("nobody") == []
    await store.mark_pendency_read("nobody")


async def test_pendency_keeps_the_newest(store: Store) -> None:
    """With keep=50, the 51st and later items drop the oldest ones from the list."""
    for i in range(53):
        await store.add_application(application(f"a{i:02d}", from_user=f"u{i}"), ["alice"], keep=50)
    items = await store.pendency("alice")
    assert [a.application_id for a, _ in items] == [f"a{i:02d}" for i in range(52, 2, -1)]


async def test_decide_application_first_decision_wins(store: Store) -> None:
    """The first decision is recorded and returned; a later one raises ALREADY_HANDLED and changes nothing."""
    await store.add_application(application("a1", request_msg="please"), ["alice"], keep=50)
    decided = await store.decide_application("a1", "alice", True, "welcome")
    expected = application("a1", request_msg="please", handled_by="alice", handled_msg="welcome", result=1)
    assert decided == expected and await store.get_application("a1") == expected
    await refused(ErrorCode.ALREADY_HANDLED, store.decide_application("a1", "bob", False, "no"))
    assert await store.get_application("a1") == expected
    await store.add_application(application("a2"), ["alice"], keep=50)
    refusal = await store.decide_application("a2", "bob", False, "sorry")
    assert (refusal.result, refusal.handled_by, refusal.handled_msg) == (0, "bob", "sorry")


async def test_decide_unknown_application(store: Store) -> None:
    """Deciding an unknown application raises INVALID_PARAMETER."""
    await refused(ErrorCode.INVALID_PARAMETER, store.decide_application("nope", "alice", True, ""))
    assert await store.get_application("nope") is None


async def test_concurrent_decisions_exactly_one_wins(store: Store) -> None:
    """Of 10 concurrent decisions on one application exactly one succeeds; the rest get ALREADY_HANDLED."""
    await store.add_application(application("a1"), ["alice"], keep=50)
    results = await asyncio.gather(
        *(store.decide_application("a1", f"h{i}", i % 2 == 0, f"m{i}") for i in range(10)), return_exceptions=True
    )
    won = [r for r in results if isinstance(r, Application)]
    lost = [r for r in results if isinstance(r, GroupcastError)]
    assert len(won) == 1 and len(lost) == 9 and all(r.code == ErrorCode.ALREADY_HANDLED for r in lost)
    assert await store.get_application("a1") == won[0]
    assert won[0].result == (1 if int(won[0].handled_by[1:]) % 2 == 0 else 0)


async def test_sqlite_group_state_survives_reopen(tmp_path: Path) -> None:
    """SQLite: groups, members, history, restrictions, notices, pendency and the day's count survive reopening."""
    data_dir = str(tmp_path / "data")
    first = SqliteStore(data_dir)
    await first.start()
    await create(first, "g1", "alice", ["bob"], daily_cap=2, custom={"k": "v"})
    await first.append_notices(["alice"], b"\x00notice")
    await first.add_application(application("a1"), ["alice"], keep=50)
    stored, _ = await append(first, sender="bob", at=T0 + 5)
    await first.set_read_seq("g1", "bob", 1)
    await first.restrict("g1", "carol", "ban", T0 + 60)
    await first.close()

    second = SqliteStore(data_dir)
    await second.start()
    try:
        assert await second.get_group("g1") == group_record(
            custom={"k": "v"}, member_count=2, next_msg_seq=2, last_msg_time=T0 + 5
        )
        assert await second.list_members("g1", 0, 10) == [
            member("alice", "Owner"),
            member("bob", last_send_time=T0 + 5, read_seq=1),
        ]
        assert await history(second) == [stored] and await append(second, sender="bob", at=T0 + 6) == (stored, True)
        assert await second.restrictions("g1", "carol") == {"ban": T0 + 60}
        assert await second.notices_after("alice", 0, 10) == [(1, b"\x00notice")]
        assert await second.pendency("alice") == [(application("a1"), False)]
        await create(second, "g2", daily_cap=2)
        await refused(ErrorCode.RATE_LIMITED, create(second, "g3", daily_cap=2))
    finally:
        await second.close()


async def test_sqlite_database_without_join_seq_is_migrated(tmp_path: Path) -> None:
    """SQLite: a database made before members had join_seq opens; its members read join_seq 0, new ones get theirs."""
    data_dir = tmp_path / "data"
    first = SqliteStore(str(data_dir))
    await first.start()
    await create(first, "g1", "alice")
    await first.close()
    with sqlite3.connect(data_dir / "groupcast.db") as conn:  # the column as an earlier version left it: absent
        conn.execute("ALTER TABLE members DROP COLUMN join_seq")
    conn.close()

    second = SqliteStore(str(data_dir))
    await second.start()
    try:
        assert await second.get_member("g1", "alice") == member("alice", "Owner", join_seq=0)
        await append(second, sender="alice")
        await second.add_members("g1", [member("bob")], groups_per_user=LIMIT)
        assert await second.get_member("g1", "bob") == member("bob", join_seq=2)
    finally:
        await second.close()


# -- the group index: list_groups ---------------------------------------------------------


async def listed(store: Store, **query: Any) -> list[str]:
    """The IDs of one list_groups page (every group, from the start, by default)."""
    query.setdefault("group_type", None)
    query.setdefault("after", 0)
    query.setdefault("limit", 100)
    page, _ = await store.list_groups(**query)
    return [group.group_id for _, group in page]


async def test_list_groups_in_creation_order_with_cursors(store: Store) -> None:
    """list_groups pages groups in creation order by their growing cursors, with the total, whatever the IDs."""
    for gid in ("m", "b", "z", "a", "k"):
        await create(store, gid, owner="")
    page, total = await store.list_groups(group_type=None, after=0, limit=2)
    assert [g.group_id for _, g in page] == ["m", "b"] and total == 5
    assert page[0][0] > 0 and page[1][0] > page[0][0]
    assert page[0][1] == group_record("m", owner="")
    rest, total = await store.list_groups(group_type=None, after=page[-1][0], limit=2)
    assert [g.group_id for _, g in rest] == ["z", "a"] and total == 5
    last, _ = await store.list_groups(group_type=None, after=rest[-1][0], limit=2)
    assert [g.group_id for _, g in last] == ["k"]
    assert await listed(store, after=last[-1][0]) == []
    assert await store.list_groups(group_type=None, after=0, limit=0) == ([], 5)


async def test_list_groups_by_type(store: Store) -> None:
    """A type filter lists that type only and its total counts that type only."""
    await create(store, "p1")
    await create(store, "w1", type="Work")
    await create(store, "p2")
    await create(store, "room", type="AVChatRoom")
    page, total = await store.list_groups(group_type="Public", after=0, limit=1)
    assert [g.group_id for _, g in page] == ["p1"] and total == 2
    assert await listed(store, group_type="Public", after=page[0][0]) == ["p2"]
    assert await listed(store, group_type="AVChatRoom") == ["room"]
    assert await store.list_groups(group_type="Meeting", after=0, limit=10) == ([], 0)
    assert (await store.list_groups(group_type=None, after=0, limit=10))[1] == 4


async def test_list_groups_cursors_only_grow(store: Store) -> None:
    """A dismissed group leaves the list and the totals; its cursor is never given again, even to its reused ID."""
    await create(store, "g1")
    await create(store, "g2")
    page, _ = await store.list_groups(group_type=None, after=0, limit=10)
    cursors = {g.group_id: c for c, g in page}
    await store.delete_group("g2", day=DAY)
    assert await store.list_groups(group_type=None, after=0, limit=10) == (
        [(cursors["g1"], group_record("g1", member_count=1))],
        1,
    )
    assert (await store.list_groups(group_type="Public", after=0, limit=10))[1] == 1
    await create(store, "g3", type="Work")
    await create(store, "g2")
    page, total = await store.list_groups(group_type=None, after=cursors["g1"], limit=10)
    assert [g.group_id for _, g in page] == ["g3", "g2"] and total == 3
    assert page[0][0] > cursors["g2"] and page[1][0] > page[0][0]
    # a client holding the old cursor of g2 goes on from there: nothing skipped, nothing twice
    assert await listed(store, after=cursors["g2"]) == ["g3", "g2"]


async def test_list_groups_search(store: Store) -> None:
    """search keeps the group with that exact ID and the names containing it, casefolded; the total counts all."""
    await create(store, "g1", name="Hiking Club")
    await create(store, "g2", name="chess")
    await create(store, "g3", name="hiking-2024", type="Work")
    await create(store, "g4", name="Straße")
    await create(store, "HIK", name="other")
    page, total = await store.list_groups(group_type=None, after=0, limit=1, search="HIK")
    assert [g.group_id for _, g in page] == ["g1"] and total == 3
    assert await listed(store, after=page[0][0], search="HIK") == ["g3", "HIK"]
    assert await listed(store, search="hik") == ["g1", "g3"]  # an ID matches exactly, not in any case
    assert await listed(store, group_type="Work", search="hik") == ["g3"]
    assert (await store.list_groups(group_type="Work", after=0, limit=10, search="hik"))[1] == 1
    assert await listed(store, search="g2") == ["g2"]
    assert await listed(store, search="STRASSE") == ["g4"]
    assert await store.list_groups(group_type=None, after=0, limit=10, search="nothing") == ([], 0)


async def test_update_group_max_members(store: Store) -> None:
    """max_members in GroupChanges sets the cap, which add_members then enforces."""
    await create(store, "g1", "alice", ["bob"], max_members=10)
    assert (await store.update_group("g1", GroupChanges(max_members=3), T0)).max_members == 3
    group = await store.get_group("g1")
    assert group is not None and group.max_members == 3 and group.info_seq == 1
    assert (await store.update_group("g1", GroupChanges(name="x"), T0)).max_members == 3
    await refused(
        ErrorCode.GROUP_FULL, store.add_members("g1", [member("carol"), member("dave")], groups_per_user=LIMIT)
    )
    assert (await store.add_members("g1", [member("carol")], groups_per_user=LIMIT)).added == ["carol"]


async def test_sqlite_group_pages_read_an_index(tmp_path: Path) -> None:
    """SQLite: a page without search, with or without a type, is an index range, never a scan of the groups."""
    from server.store.sqlite.groups import groups_page_query

    store = SqliteStore(str(tmp_path / "data"))
    await store.start()
    await create(store, "g1")
    await store.close()
    with sqlite3.connect(tmp_path / "data" / "groupcast.db") as conn:
        for group_type, args in ((None, [0, 10]), ("Public", [0, "Public", 10])):
            page_sql, _ = groups_page_query(group_type, "")
            plan = " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {page_sql}", args))
            assert "SCAN" not in plan and "USING INDEX groups_by_" in plan, plan
    conn.close()


async def test_sqlite_database_without_group_ordinals_is_migrated(tmp_path: Path) -> None:
    """SQLite: groups made before ordinals existed get them in creation order; totals and new groups follow."""
    data_dir = tmp_path / "data"
    first = SqliteStore(str(data_dir))
    await first.start()
    await create(first, "late", created_at=T0 + 10)
    await create(first, "early", created_at=T0)
    await create(first, "work", type="Work", created_at=T0 + 5)
    await first.close()
    with sqlite3.connect(data_dir / "groupcast.db") as conn:  # as an earlier version left it
        conn.execute("DROP INDEX groups_by_ord")
        conn.execute("DROP INDEX groups_by_type")
        conn.execute("ALTER TABLE groups DROP COLUMN ord")
        conn.execute("DROP TABLE counters")
    conn.close()

    second = SqliteStore(str(data_dir))
    await second.start()
    try:
        assert await listed(second) == ["early", "work", "late"]
        assert (await second.list_groups(group_type="Public", after=0, limit=10))[1] == 2
        await create(second, "new")
        page, total = await second.list_groups(group_type=None, after=0, limit=10)
        assert [g.group_id for _, g in page] == ["early", "work", "late", "new"] and total == 4
        assert [c for c, _ in page] == [1, 2, 3, 4]
    finally:
        await second.close()


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


async def test_redis_index_entry_of_a_vanished_group_is_dropped(redis_server: RedisServer) -> None:
    """Redis: an index entry whose group is gone (a crash before unlisting) is skipped, removed and not counted."""
    store = RedisStore(redis_server.url, unique_prefix())
    await store.start()
    try:
        for gid in ("g1", "g2", "g3"):
            await create(store, gid)
        await store.redis.delete(*store.keys.group_all("g2"))
        page, total = await store.list_groups(group_type=None, after=0, limit=2)
        assert [g.group_id for _, g in page] == ["g1", "g3"] and total == 2
        assert await store.redis.zcard(store.keys.index(None)) == 2
    finally:
        await store.close()


# -- console sign-outs ----------------------------------------------------------------------


async def test_console_sign_outs(store: Store) -> None:
    """A signed-out console session reads as ended until its ``until``; other sessions, and
    one whose ``until`` had already passed when it was recorded, never do."""
    now = int(time.time())
    await store.end_console_session("s1", now + 100, now)
    assert await store.console_session_ended("s1", now)
    assert await store.console_session_ended("s1", now + 99)
    assert not await store.console_session_ended("s1", now + 100)
    assert not await store.console_session_ended("s2", now)
    await store.end_console_session("over", now - 1, now)
    assert not await store.console_session_ended("over", now - 5)
