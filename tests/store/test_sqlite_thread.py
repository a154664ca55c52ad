"""The embedded store's database thread (server/store/sqlite/thread.py): batches of jobs,
each in its own savepoint, one commit per batch. Tested through ``DatabaseThread.run``
on a database of its own."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from server.store.sqlite.thread import DatabaseThread

from ..conftest import wait

SCHEMA = "CREATE TABLE IF NOT EXISTS items (name TEXT PRIMARY KEY);"


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[DatabaseThread]:
    thread = DatabaseThread(str(tmp_path / "thread.db"), SCHEMA)
    await thread.start()
    yield thread
    await thread.close()


def insert(name: str) -> Callable[[sqlite3.Connection], None]:
    def job(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO items(name) VALUES (?)", (name,))

    return job


async def stored(db: DatabaseThread) -> set[str]:
    return await db.run(lambda conn: {name for (name,) in conn.execute("SELECT name FROM items")})


async def test_failing_job_rolls_back_only_itself(db: DatabaseThread) -> None:
    """A job that fails in a batch undoes its own writes, not the other jobs' in that batch."""

    def half_done_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO items(name) VALUES ('half')")
        raise ValueError("refused")

    jobs = [db.run(insert(f"g{i}")) for i in range(100)]
    jobs.insert(50, db.run(half_done_then_fail))
    results = await asyncio.gather(*jobs, return_exceptions=True)
    assert [type(r) for r in results].count(ValueError) == 1 and isinstance(results[50], ValueError)
    assert await stored(db) == {f"g{i}" for i in range(100)}


async def test_job_that_ends_the_transaction_fails_its_batch_not_the_thread(db: DatabaseThread) -> None:
    """A job that breaks the batch's transaction fails (never hangs) and later jobs work."""

    def rogue(conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")
        raise ValueError("rolled everything back")

    jobs = [db.run(insert(f"r{i}")) for i in range(20)]
    jobs.insert(10, db.run(rogue))
    results = await asyncio.wait_for(asyncio.gather(*jobs, return_exceptions=True), wait(5))
    assert isinstance(results[10], Exception)
    # A job that reported success really is stored; the others raised.
    succeeded = {f"r{i}" for i, r in enumerate(results[:10] + results[11:]) if r is None}
    assert await stored(db) == succeeded
    await db.run(insert("after"))
    assert "after" in await stored(db)


async def test_result_comes_after_the_commit(tmp_path: Path) -> None:
    """What a job returned is in the file for any other connection as soon as the job's await returns."""
    path = tmp_path / "thread.db"
    thread = DatabaseThread(str(path), SCHEMA)
    await thread.start()
    try:
        await thread.run(insert("seen"))
        with sqlite3.connect(path) as other:
            assert other.execute("SELECT name FROM items").fetchall() == [("seen",)]
        other.close()
    finally:
        await thread.close()


async def test_run_after_close_raises(tmp_path: Path) -> None:
    """A job given after close raises instead of waiting forever."""
    thread = DatabaseThread(str(tmp_path / "thread.db"), SCHEMA)
    await thread.start()
    await thread.close()
    with pytest.raises(RuntimeError):
        await asyncio.wait_for(thread.run(insert("late")), wait(5))
