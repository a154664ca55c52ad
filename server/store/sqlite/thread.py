"""One thread that owns the SQLite connection and commits in batches (group commit).

The event loop hands over plain functions ``fn(connection) -> result`` and awaits their
future. The thread takes everything queued, runs each function in its own SAVEPOINT
inside one transaction (a failing function rolls back only itself), commits once, and
then resolves the whole batch's futures with a single call into the loop. A result is
therefore never seen before it is committed, and N concurrent writes cost one commit.
If BEGIN or COMMIT fails, every function of the batch raises that error and none is
stored. A function must not end the transaction itself; one that does makes the whole
batch raise too, rather than report results that may not be stored.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["DatabaseThread"]

T = TypeVar("T")
log = logging.getLogger("groupcast.store")

_Job = tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]
_Outcome = tuple[asyncio.Future[Any], Any, BaseException | None]
_MAX_BATCH = 512


class DatabaseThread:
    def __init__(self, path: str, schema: str) -> None:
        self._path = path
        self._schema = schema
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="groupcast-sqlite", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._closing = False

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread.start()
        await asyncio.to_thread(self._ready.wait)
        if self._failure is not None:
            raise self._failure

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` on the database thread inside a transaction; its result once committed."""
        assert self._loop is not None, "start() first"
        if self._closing:  # the thread would never take the job: fail now, not hang
            raise RuntimeError("the database is closed")
        future: asyncio.Future[T] = self._loop.create_future()
        self._jobs.put((fn, future))
        return await future

    async def close(self) -> None:
        """Finish every queued job, commit, checkpoint the WAL and close the file.

        Calls to :meth:`run` made after this raise ``RuntimeError``.
        """
        self._closing = True
        if self._thread.is_alive():
            self._jobs.put(None)
            await asyncio.to_thread(self._thread.join)

    # -- on the database thread -------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives a process crash; an OS crash may lose
        # the last commits. The price of FULL is one fsync per batch.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(self._schema)
        return conn

    def _run(self) -> None:
        try:
            conn = self._open()
        except BaseException as exc:  # reported to start()
            self._failure = exc
            self._ready.set()
            return
        self._ready.set()
        stopping = False
        while not stopping:
            batch: list[_Job] = []
            item = self._jobs.get()
            while True:
                if item is None:
                    stopping = True
                    break
                batch.append(item)
                if len(batch) >= _MAX_BATCH:
                    break
                try:
                    item = self._jobs.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._commit(conn, batch)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()

    def _commit(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        try:
            outcomes = self._transaction(conn, batch)
        except sqlite3.Error as exc:
            # BEGIN or COMMIT failed (locked, disk full...), or a job ended the transaction
            # itself: no result of this batch can be vouched for, and every caller is told.
            log.exception("transaction failed; %d operations refused", len(batch))
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            outcomes = [(future, None, exc) for _, future in batch]
        assert self._loop is not None
        self._loop.call_soon_threadsafe(_resolve, outcomes)

    def _transaction(self, conn: sqlite3.Connection, batch: list[_Job]) -> list[_Outcome]:
        outcomes: list[_Outcome] = []
        conn.execute("BEGIN IMMEDIATE")
        for fn, future in batch:
            conn.execute("SAVEPOINT job")
            try:
                result = fn(conn)
            except BaseException as exc:
                conn.execute("ROLLBACK TO job")
                conn.execute("RELEASE job")
                outcomes.append((future, None, exc))
            else:
                conn.execute("RELEASE job")
                outcomes.append((future, result, None))
        conn.execute("COMMIT")
        return outcomes


def _resolve(outcomes: list[_Outcome]) -> None:
    for future, result, exc in outcomes:
        if future.cancelled():
            continue
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)
