"""AVChatRoom state in Redis: ``:restrictions`` and ``:audience`` in the group slot (gone
with the group)."""

from __future__ import annotations

from .. import RoomStore
from .codecs import as_str, decode_restrictions
from .core import RedisCore, not_found

__all__ = ["RedisRooms"]

_AUDIENCE_HORIZON = 3600  # seconds: older reports (of dead nodes) are dropped


class RedisRooms(RedisCore):
    async def restrict(self, group_id: str, user_id: str, kind: str, until: int) -> None:
        """``GROUP_NOT_FOUND`` if there is no such group (nothing outlives its group)."""
        keys = [self.keys.group(group_id, "info"), self.keys.group(group_id, "restrictions")]
        if not await self.scripts.restrict(keys=keys, args=[user_id, kind, until]):
            raise not_found(group_id)

    async def restrictions(self, group_id: str, user_id: str) -> dict[str, int]:
        held = await self.redis.hget(self.keys.group(group_id, "restrictions"), user_id)
        return decode_restrictions(held) if held else {}

    async def restricted(self, group_id: str, kind: str) -> dict[str, int]:
        held = await self.redis.hgetall(self.keys.group(group_id, "restrictions"))
        found = {as_str(user): decode_restrictions(raw).get(kind, 0) for user, raw in held.items()}
        return {user: until for user, until in found.items() if until}

    # -- AVChatRoom audience counts ---------------------------------------------------

    async def set_room_audience(self, group_id: str, node_id: str, count: int, now: float) -> None:
        keys = [self.keys.group(group_id, "info"), self.keys.group(group_id, "audience")]
        await self.scripts.set_audience(keys=keys, args=[node_id, count, repr(now), _AUDIENCE_HORIZON])

    async def room_audience(self, group_id: str, since: float) -> int:
        total = 0
        for entry in (await self.redis.hgetall(self.keys.group(group_id, "audience"))).values():
            count, _, at = as_str(entry).partition(" ")
            if float(at) >= since:
                total += int(count)
        return total


_: type[RoomStore] = RedisRooms  # mypy: the class implements its Protocol
