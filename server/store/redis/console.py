"""Console sign-outs in Redis: one string per signed-out session, expiring (EXAT) when
the session's cookie would."""

from __future__ import annotations

from .. import ConsoleSessionStore
from .core import RedisCore

__all__ = ["RedisConsoleSessions"]


class RedisConsoleSessions(RedisCore):
    async def end_console_session(self, session_id: str, until: int, now: int) -> None:
        if until > now:  # Redis forgets it at ``until`` (EXAT) by itself
            await self.redis.set(self.keys.app(f"signout:{session_id}"), until, exat=until)

    async def console_session_ended(self, session_id: str, now: int) -> bool:
        until = await self.redis.get(self.keys.app(f"signout:{session_id}"))
        return until is not None and int(until) > now


_: type[ConsoleSessionStore] = RedisConsoleSessions  # mypy: the class implements its Protocol
