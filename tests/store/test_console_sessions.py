"""The ConsoleSessionStore contract: console sign-outs, on both stores."""

from __future__ import annotations

import time

from server.store import Store


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
