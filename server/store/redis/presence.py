"""Online devices in Redis: one hash per user (``P{u:<user>}:devices``), changed by
scripts that check the limit, the holding session and expiry in one step. The key's TTL
only grows, to outlive its longest entry."""

from __future__ import annotations

import time
from collections.abc import Sequence

from protocol.errors import ErrorCode, GroupcastError

from .. import PresenceStore
from ..records import DeviceRecord
from .codecs import decode_device, encode_json
from .core import RedisCore

__all__ = ["RedisPresence"]


class RedisPresence(RedisCore):
    async def claim_device(self, user_id: str, device: DeviceRecord, limit: int, now: float) -> list[DeviceRecord]:
        ttl = max(1, int(device.expires_at - now) + 1)
        ok, others = await self.scripts.claim_device(
            keys=[self.keys.user(user_id, "devices")],
            args=[device.device_id, encode_json(device), limit, now, ttl],
        )
        records = [decode_device(raw) for raw in others]
        if not ok:
            raise GroupcastError(
                ErrorCode.DEVICE_LIMIT, f"{user_id} already has {len(records)} devices online (limit {limit})"
            )
        return records

    async def release_device(self, user_id: str, device_id: str, session_id: str) -> None:
        await self.scripts.release_device(keys=[self.keys.user(user_id, "devices")], args=[device_id, session_id])

    async def refresh_devices(self, devices: Sequence[tuple[str, DeviceRecord]]) -> None:
        if not devices:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for user_id, device in devices:
                ttl = max(1, int(device.expires_at - time.time()) + 1)
                await self.scripts.refresh_device(
                    keys=[self.keys.user(user_id, "devices")],
                    args=[device.device_id, device.session_id, encode_json(device), ttl],
                    client=pipe,
                )
            await pipe.execute()

    async def online_devices(self, user_id: str, now: float) -> list[DeviceRecord]:
        rows = await self.redis.hvals(self.keys.user(user_id, "devices"))
        return [d for d in (decode_device(r) for r in rows) if d.expires_at > now]


_: type[PresenceStore] = RedisPresence  # mypy: the class implements its Protocol
