"""Records the stores keep and the domain reads. Plain data, no behaviour."""

from __future__ import annotations

import msgspec

__all__ = ["Account", "DeviceRecord"]


class Account(msgspec.Struct, kw_only=True):
    """A registered user. ``None`` profile fields in an import mean "keep what is there"."""

    user_id: str
    nick: str | None = None
    face_url: str | None = None
    created_at: int = 0


class DeviceRecord(msgspec.Struct, kw_only=True):
    """One online device of a user: which session (on which node) holds it, until when."""

    device_id: str
    platform: str
    login_time: int
    session_id: str
    expires_at: float = 0.0
