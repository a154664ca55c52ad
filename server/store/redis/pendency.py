"""Applications and pendency lists in Redis: the application's own slot
(``P{a:<application>}``), the group's ``:apps`` and ``:pending``, and each user's list;
the order of the steps is in :mod:`.keys`."""

from __future__ import annotations

from collections.abc import Sequence

from protocol.errors import ErrorCode, GroupcastError

from .. import PendencyStore
from ..records import Application
from .codecs import as_str, decoded, pairs, parties, read_application, text
from .core import RedisCore, chunks

__all__ = ["RedisPendency"]


class RedisPendency(RedisCore):
    async def add_application(self, application: Application, recipients: Sequence[str], *, keep: int) -> None:
        a = application
        aid = a.application_id
        ids = list(dict.fromkeys(recipients))
        fields: list[str | int] = []
        for field in Application.__struct_fields__:
            fields += [field, text(getattr(a, field))]
        # 1. The application; 2. the group's index of it; 3. each recipient's list.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.keys.application(aid), items=fields)
            if ids:
                pipe.sadd(self.keys.application(aid, "to"), *ids)
            await pipe.execute()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(self.keys.group(a.group_id, "apps"), aid)
            if a.result == -1:
                pipe.hset(self.keys.group(a.group_id, "pending"), parties(a.kind, a.from_user, a.to_user), aid)
            await pipe.execute()
        for chunk in chunks(ids):
            async with self.redis.pipeline(transaction=False) as pipe:
                for uid in chunk:
                    keys = [self.keys.user(uid, w) for w in ("pendency", "pendency_read", "pendency_ord")]
                    await self.scripts.pend(keys=keys, args=[aid, keep], client=pipe)
                await pipe.execute()

    async def get_application(self, application_id: str) -> Application | None:
        row = await self.redis.hgetall(self.keys.application(application_id))
        return read_application(decoded(row)) if row else None

    async def find_pending(self, group_id: str, kind: int, from_user: str, to_user: str) -> Application | None:
        aid = await self.redis.hget(self.keys.group(group_id, "pending"), parties(kind, from_user, to_user))
        if aid is None:
            return None
        found = await self.get_application(as_str(aid))
        if found is None or found.result != -1 or found.group_id != group_id:
            return None  # a stale entry: the application is decided or gone
        return found

    async def pendency(self, user_id: str) -> list[tuple[Application, bool]]:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrevrange(self.keys.user(user_id, "pendency"), 0, -1)
            pipe.smembers(self.keys.user(user_id, "pendency_read"))
            ids, read = await pipe.execute()
        rows = await self._each([self.keys.application(a.decode()) for a in ids], "HGETALL")
        return [(read_application(decoded(row)), aid in read) for aid, row in zip(ids, rows, strict=True) if row]

    async def mark_pendency_read(self, user_id: str) -> None:
        await self.scripts.mark_read(
            keys=[self.keys.user(user_id, "pendency"), self.keys.user(user_id, "pendency_read")]
        )

    async def decide_application(self, application_id: str, handler_id: str, accept: bool, message: str) -> Application:
        reply = await self.scripts.decide(
            keys=[self.keys.application(application_id)], args=[int(accept), handler_id, message]
        )
        if reply == 0:
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"no application {application_id}")
        if reply == 1:
            raise GroupcastError(ErrorCode.ALREADY_HANDLED, f"application {application_id} was already handled")
        a = read_application(pairs(reply))
        await self.scripts.unpend(
            keys=[self.keys.group(a.group_id, "pending")],
            args=[parties(a.kind, a.from_user, a.to_user), application_id],
        )
        return a


_: type[PendencyStore] = RedisPendency  # mypy: the class implements its Protocol
