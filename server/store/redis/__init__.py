"""The Redis store: state shared by many gateway nodes.

Layout of the package:

* :mod:`.keys`: where everything is kept (the key layout, hash-tagged per user, group or
  application so that a Redis Cluster can shard them), in which order an operation that
  spans slots writes, and what a crash between its steps leaves behind;
* :mod:`.scripts`: the Lua scripts, each atomic in one slot;
* :mod:`.codecs`: records <-> hash fields, JSON and MessagePack;
* :mod:`.core`: :class:`~.core.RedisCore`, what every aggregate shares (the connection,
  the keys, the scripts, the users' group index);
* one module per aggregate of :mod:`server.store`, each a class over ``RedisCore`` that
  implements that aggregate's Protocol (mypy checks it at the module's end): accounts,
  presence, groups, members, history, rooms, notices, pendency, console.

:class:`RedisStore` is those classes combined (mixins over one core: every aggregate
works on the same connection and keys, and an operation that spans aggregates, such as
``delete_group`` dropping the group's applications, stays one method). An aggregate class
sees only the core, so it cannot lean on another aggregate's methods without mypy
saying so; what two of them need lives in the core.
"""

from __future__ import annotations

from .. import Store
from .accounts import RedisAccounts
from .console import RedisConsoleSessions
from .groups import RedisGroups
from .history import RedisHistory
from .members import RedisMembers
from .notices import RedisNotices
from .pendency import RedisPendency
from .presence import RedisPresence
from .rooms import RedisRooms

__all__ = ["RedisStore"]


class RedisStore(
    RedisAccounts,
    RedisPresence,
    RedisGroups,
    RedisMembers,
    RedisHistory,
    RedisRooms,
    RedisNotices,
    RedisPendency,
    RedisConsoleSessions,
):
    """Every aggregate on one Redis (or Redis Cluster): ``RedisStore(url, prefix)``. The
    prefix starts every key, so several deployments (or tests) can share one Redis."""

    async def start(self) -> None:
        await self.redis.ping()
        if not await self.redis.exists(self.keys.app("groups_indexed")):
            await self._index_existing_groups()

    async def close(self) -> None:
        await self.redis.aclose()


_: type[Store] = RedisStore  # mypy: the class implements the whole Store
