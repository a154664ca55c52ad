"""This node's sessions: all of them, and the logged-in ones by user.

Pure bookkeeping, no I/O, plus one sweeper task per node (not a timer per session)
that closes sessions that did not log in in time or went silent, and refreshes the
presence entries of the live ones.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from protocol.errors import CloseCode

if TYPE_CHECKING:
    from ..node import Node
    from .session import Session

__all__ = ["Registry"]


class Registry:
    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}  # session id -> session
        self.users: dict[str, dict[str, Session]] = {}

    def connected(self, session: Session) -> None:
        self.sessions[session.id] = session

    def session(self, session_id: str) -> Session | None:
        return self.sessions.get(session_id)

    def add_user_session(self, session: Session) -> bool:
        """Index a logged-in session under its user; True if it is the user's first here."""
        devices = self.users.get(session.user_id)
        if devices is None:
            self.users[session.user_id] = {session.id: session}
            return True
        devices[session.id] = session
        return False

    def discard(self, session: Session) -> tuple[bool, bool]:
        """Forget a session: (was it logged in, was it its user's last session here)."""
        self.sessions.pop(session.id, None)
        devices = self.users.get(session.user_id)
        if devices is None or devices.pop(session.id, None) is None:
            return False, False
        if devices:
            return True, False
        del self.users[session.user_id]
        return True, True

    def of_user(self, user_id: str) -> Iterator[Session]:
        devices = self.users.get(user_id)
        return iter(devices.values()) if devices else iter(())

    async def sweep_forever(self, node: Node) -> None:
        config = node.config
        interval = max(0.2, min(config.login_timeout, config.idle_timeout) / 10)
        refresh_every = max(1.0, node.presence.ttl / 3)
        next_refresh = time.monotonic() + refresh_every
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for session in list(self.sessions.values()):
                if session.closing:
                    continue
                if not session.logged_in:
                    if now - session.connected_at > config.login_timeout:
                        session.close_soon(CloseCode.LOGIN_TIMEOUT)
                elif now - session.last_seen > config.idle_timeout:
                    session.close_soon(CloseCode.IDLE_TIMEOUT)
            if now >= next_refresh:
                next_refresh = now + refresh_every
                await node.presence.refresh(self.sessions.values())
