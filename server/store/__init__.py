"""The durable state behind the domain, behind one small interface.

Two implementations, chosen by configuration:

* :class:`~server.store.sqlite.SqliteStore` (default): SQLite in the data dir, WAL mode,
  every statement on one database thread that commits in batches (group commit), so
  the event loop never blocks on disk. One node.
* :class:`~server.store.redis.RedisStore` (``--redis-url``): Redis, keys hash-tagged per
  user (``{u:<id>}``) or group (``{g:<id>}``) so a Redis Cluster can shard them; each
  operation on one entity is atomic (MULTI or a Lua script). Many nodes.

Guarantees every implementation gives (the contract tests check them on both):

* A coroutine that returned has made its change durable (SQLite: committed to the WAL;
  Redis: acknowledged by the server). Events are published only after that.
* A refusal raises :class:`protocol.errors.GroupcastError` and changes nothing.
* Presence entries (online devices) expire ``ttl`` seconds after their last refresh, so
  a node that died does not hold device slots forever.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from .records import Account, DeviceRecord

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["Account", "DeviceRecord", "Store", "open_store"]


class Store(Protocol):
    async def start(self) -> None:
        """Open connections, create the schema."""

    async def close(self) -> None:
        """Flush what is pending and release connections."""

    # -- accounts ---------------------------------------------------------------------

    async def import_accounts(self, accounts: Sequence[Account], now: int) -> None:
        """Create missing accounts; overwrite the profile fields that are not None."""

    async def existing_accounts(self, user_ids: Sequence[str]) -> set[str]:
        """The subset of ``user_ids`` that are registered."""

    async def get_accounts(self, user_ids: Sequence[str]) -> dict[str, Account]:
        """Registered accounts among ``user_ids``, by user ID."""

    async def delete_accounts(self, user_ids: Sequence[str]) -> set[str]:
        """Delete accounts; returns the ones that existed (and are now gone)."""

    # -- presence ---------------------------------------------------------------------

    async def claim_device(self, user_id: str, device: DeviceRecord, limit: int, now: float) -> list[DeviceRecord]:
        """Register ``device`` as online; return the user's other online devices.

        A device ID that is already online is taken over (the caller closes the old
        session). Raises ``DEVICE_LIMIT`` when ``limit`` other devices are online, that
        is, when this one would be one too many.
        """

    async def release_device(self, user_id: str, device_id: str, session_id: str) -> None:
        """Forget the device, unless another session has taken it over since."""

    async def refresh_devices(self, devices: Sequence[tuple[str, DeviceRecord]]) -> None:
        """Extend the given ``(user_id, device)`` entries to their new ``expires_at``,
        where the entry is still held by the same session (others are left alone)."""

    async def online_devices(self, user_id: str, now: float) -> list[DeviceRecord]:
        """The user's devices whose entry has not expired."""


def open_store(config: Config) -> Store:
    if config.redis_url:
        from .redis import RedisStore

        return RedisStore(config.redis_url, config.redis_prefix)
    from .sqlite import SqliteStore

    return SqliteStore(config.data_dir)
