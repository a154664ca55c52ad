"""The Redis store: state shared by many gateway nodes.

Key layout (``P`` = the configured prefix; the ``{...}`` part is the Redis Cluster hash
tag, so everything about one user, or one group, lives in one slot):

====================================  =====================================================
``P{u:<user>}:account``               hash: nick, face_url, created_at
``P{u:<user>}:devices``               hash: device ID -> JSON DeviceRecord (presence)
====================================  =====================================================

Each operation touches one slot and is atomic there (MULTI or a Lua script).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import msgspec
import redis.asyncio as aioredis

from protocol.errors import ErrorCode, GroupcastError

from .records import Account, DeviceRecord

__all__ = ["RedisStore"]

# One account, atomically in its slot: create with empty profile fields if missing, then
# set the given ones (an empty ARGV means "keep").
_IMPORT_ACCOUNT = """
redis.call('HSETNX', KEYS[1], 'created_at', ARGV[1])
redis.call('HSETNX', KEYS[1], 'nick', '')
redis.call('HSETNX', KEYS[1], 'face_url', '')
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'nick', ARGV[3]) end
if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'face_url', ARGV[5]) end
return 0
"""

_CLAIM_DEVICE = """
local all = redis.call('HGETALL', KEYS[1])
local now = tonumber(ARGV[4])
local others = {}
for i = 1, #all, 2 do
  local rec = cjson.decode(all[i + 1])
  if tonumber(rec.expires_at) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  elseif all[i] ~= ARGV[1] then
    table.insert(others, all[i + 1])
  end
end
if #others >= tonumber(ARGV[3]) then return {0, others} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('EXPIRE', KEYS[1], ARGV[5]) end
return {1, others}
"""

# Delete / refresh the entry only while it still belongs to the same session. The key's
# TTL only ever grows (to outlive its longest entry): a device with a short expiry must
# not take the user's other devices with it.
_RELEASE_DEVICE = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and cjson.decode(cur).session_id == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
"""

_REFRESH_DEVICE = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and cjson.decode(cur).session_id == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  if redis.call('TTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
end
return 0
"""

_POOL_SIZE = 64

_json = msgspec.json.Encoder()
_device = msgspec.json.Decoder(DeviceRecord)


class RedisStore:
    def __init__(self, url: str, prefix: str) -> None:
        self._url = url
        self._prefix = prefix
        # A blocking pool: past its size, callers wait for a free connection instead of
        # failing (redis-py's default pool raises MaxConnectionsError at 100).
        self.redis = aioredis.Redis.from_pool(aioredis.BlockingConnectionPool.from_url(url, max_connections=_POOL_SIZE))
        self._import = self.redis.register_script(_IMPORT_ACCOUNT)
        self._claim = self.redis.register_script(_CLAIM_DEVICE)
        self._release = self.redis.register_script(_RELEASE_DEVICE)
        self._refresh = self.redis.register_script(_REFRESH_DEVICE)

    def user_key(self, user_id: str, what: str) -> str:
        return f"{self._prefix}{{u:{user_id}}}:{what}"

    async def start(self) -> None:
        await self.redis.ping()

    async def close(self) -> None:
        await self.redis.aclose()

    # -- accounts ---------------------------------------------------------------------

    async def import_accounts(self, accounts: Sequence[Account], now: int) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for a in accounts:
                args: list[str | int] = [
                    now,
                    int(a.nick is not None),
                    a.nick or "",
                    int(a.face_url is not None),
                    a.face_url or "",
                ]
                await self._import(keys=[self.user_key(a.user_id, "account")], args=args, client=pipe)
            await pipe.execute()

    async def _per_account(self, user_ids: Sequence[str], command: str) -> dict[str, Any]:
        """Run ``command`` on each distinct user's account key in one round trip."""
        ids = list(dict.fromkeys(user_ids))
        async with self.redis.pipeline(transaction=False) as pipe:
            for uid in ids:
                pipe.execute_command(command, self.user_key(uid, "account"))
            return dict(zip(ids, await pipe.execute(), strict=True))

    async def existing_accounts(self, user_ids: Sequence[str]) -> set[str]:
        return {uid for uid, n in (await self._per_account(user_ids, "EXISTS")).items() if n}

    async def get_accounts(self, user_ids: Sequence[str]) -> dict[str, Account]:
        return {
            uid: Account(
                user_id=uid,
                nick=row[b"nick"].decode(),
                face_url=row[b"face_url"].decode(),
                created_at=int(row[b"created_at"]),
            )
            for uid, row in (await self._per_account(user_ids, "HGETALL")).items()
            if row
        }

    async def delete_accounts(self, user_ids: Sequence[str]) -> set[str]:
        return {uid for uid, n in (await self._per_account(user_ids, "DEL")).items() if n}

    # -- presence ---------------------------------------------------------------------

    async def claim_device(self, user_id: str, device: DeviceRecord, limit: int, now: float) -> list[DeviceRecord]:
        ttl = max(1, int(device.expires_at - now) + 1)
        ok, others = await self._claim(
            keys=[self.user_key(user_id, "devices")],
            args=[device.device_id, _json.encode(device), limit, now, ttl],
        )
        records = [_device.decode(raw) for raw in others]
        if not ok:
            raise GroupcastError(
                ErrorCode.DEVICE_LIMIT, f"{user_id} already has {len(records)} devices online (limit {limit})"
            )
        return records

    async def release_device(self, user_id: str, device_id: str, session_id: str) -> None:
        await self._release(keys=[self.user_key(user_id, "devices")], args=[device_id, session_id])

    async def refresh_devices(self, devices: Sequence[tuple[str, DeviceRecord]]) -> None:
        if not devices:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for user_id, device in devices:
                ttl = max(1, int(device.expires_at - time.time()) + 1)
                await self._refresh(
                    keys=[self.user_key(user_id, "devices")],
                    args=[device.device_id, device.session_id, _json.encode(device), ttl],
                    client=pipe,
                )
            await pipe.execute()

    async def online_devices(self, user_id: str, now: float) -> list[DeviceRecord]:
        rows = await self.redis.hvals(self.user_key(user_id, "devices"))
        return [d for d in (_device.decode(r) for r in rows) if d.expires_at > now]
