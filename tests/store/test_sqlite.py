"""What only the embedded store does: durability across reopening, migrations of older
databases, the query plans it promises. Through its public interface and the
database file."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from protocol.errors import ErrorCode
from server.store import Account
from server.store.sqlite import SqliteStore
from server.store.sqlite.groups import groups_page_query

from ..conftest import wait
from .helpers import LIMIT, T0, append, application, create, group_record, history, listed, member, refused


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


async def test_sqlite_call_after_close_raises(tmp_path: Path) -> None:
    """SQLite: a call made after close raises instead of waiting forever."""
    store = SqliteStore(str(tmp_path / "data"))
    await store.start()
    await store.close()
    with pytest.raises(RuntimeError):
        await asyncio.wait_for(store.existing_accounts(["alice"]), wait(5))


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


async def test_sqlite_group_pages_read_an_index(tmp_path: Path) -> None:
    """SQLite: a page without search, with or without a type, is an index range, never a scan of the groups."""
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
