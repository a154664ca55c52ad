"""Online devices, in this process's memory: presence is not durable state, and on one
node the memory lives exactly as long as the sessions it describes. Each call is one step
(nothing awaits in between), which makes it atomic per user."""

from __future__ import annotations

from collections.abc import Sequence

from protocol.errors import ErrorCode, GroupcastError

from .. import PresenceStore
from ..records import DeviceRecord
from .core import SqliteCore

__all__ = ["SqlitePresence"]


class SqlitePresence(SqliteCore):
    async def claim_device(self, user_id: str, device: DeviceRecord, limit: int, now: float) -> list[DeviceRecord]:
        devices = self._devices.setdefault(user_id, {})
        others = [d for d in devices.values() if d.expires_at > now and d.device_id != device.device_id]
        if len(others) >= limit:
            if not devices:
                del self._devices[user_id]
            raise GroupcastError(
                ErrorCode.DEVICE_LIMIT, f"{user_id} already has {len(others)} devices online (limit {limit})"
            )
        devices.clear()
        devices.update({d.device_id: d for d in others})
        devices[device.device_id] = device
        return others

    async def release_device(self, user_id: str, device_id: str, session_id: str) -> None:
        devices = self._devices.get(user_id)
        if devices and (held := devices.get(device_id)) and held.session_id == session_id:
            del devices[device_id]
            if not devices:
                del self._devices[user_id]

    async def refresh_devices(self, devices: Sequence[tuple[str, DeviceRecord]]) -> None:
        for user_id, device in devices:
            held = self._devices.get(user_id, {}).get(device.device_id)
            if held is not None and held.session_id == device.session_id:
                held.expires_at = device.expires_at

    async def online_devices(self, user_id: str, now: float) -> list[DeviceRecord]:
        return [d for d in self._devices.get(user_id, {}).values() if d.expires_at > now]


_: type[PresenceStore] = SqlitePresence  # mypy: the class implements its Protocol
