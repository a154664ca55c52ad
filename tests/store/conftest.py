"""The ``store`` fixture: every contract test runs once on each implementation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from server.store import Store
from server.store.redis import RedisStore
from server.store.sqlite import SqliteStore

from ..conftest import RedisServer, unique_prefix


@pytest_asyncio.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A started store of each kind, closed at teardown: SQLite in ``tmp_path``, Redis on
    the session's private redis-server under a fresh key prefix."""
    instance: Store
    if request.param == "sqlite":
        instance = SqliteStore(str(tmp_path / "data"))
    else:
        redis: RedisServer = request.getfixturevalue("redis_server")
        instance = RedisStore(redis.url, unique_prefix())
    await instance.start()
    yield instance
    await instance.close()
