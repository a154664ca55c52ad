"""The embedded store: SQLite in the data dir, for one node with nothing else installed.

Durable state lives in ``<data-dir>/groupcast.db`` and is written on the database thread
(:mod:`.thread`): it runs each operation as one function inside a transaction, many
operations to a commit, so every operation is atomic and the event loop never waits on
the disk. Presence and AVChatRoom audience counts are not durable state: on one node they
are this process's memory, which is exactly as long-lived as the sessions they describe.

Layout of the package:

* :mod:`.schema`: the tables and indexes, and the migration of older databases;
* :mod:`.thread`: :class:`~.thread.DatabaseThread`, the one thread that owns the file;
* :mod:`.rows`: rows <-> records, and the reads and writes several aggregates share;
* :mod:`.core`: :class:`~.core.SqliteCore`, what every aggregate shares (the database
  thread, the memory state);
* one module per aggregate of :mod:`server.store`, each a class over ``SqliteCore`` that
  implements that aggregate's Protocol (mypy checks it at the module's end): accounts,
  presence, groups, members, history, rooms, notices, pendency, console.

:class:`SqliteStore` is those classes combined, as :class:`server.store.redis.RedisStore`
is: mixins over one core, so that an operation spanning aggregates (``delete_group``
deleting the group's members, history and applications in its transaction) stays one
function on the database thread. An aggregate class sees only the core; what two
aggregates need lives in :mod:`.rows`.
"""

from __future__ import annotations

from .. import Store
from .accounts import SqliteAccounts
from .console import SqliteConsoleSessions
from .groups import SqliteGroups
from .history import SqliteHistory
from .members import SqliteMembers
from .notices import SqliteNotices
from .pendency import SqlitePendency
from .presence import SqlitePresence
from .rooms import SqliteRooms
from .schema import prepare

__all__ = ["SqliteStore"]


class SqliteStore(
    SqliteAccounts,
    SqlitePresence,
    SqliteGroups,
    SqliteMembers,
    SqliteHistory,
    SqliteRooms,
    SqliteNotices,
    SqlitePendency,
    SqliteConsoleSessions,
):
    """Every aggregate on one SQLite file: ``SqliteStore(data_dir)`` (created if missing)."""

    async def start(self) -> None:
        await self._db.start()
        await self._db.run(prepare)

    async def close(self) -> None:
        await self._db.close()


_: type[Store] = SqliteStore  # mypy: the class implements the whole Store
