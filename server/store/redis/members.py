"""Members in Redis: the group slot's ``:members``, ``:order`` and ``:roles``, and each
user's ``:groups`` index (steps and repairs in :mod:`.keys`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import msgspec
from redis.exceptions import WatchError

from protocol.errors import ErrorCode, GroupcastError

from .. import MemberStore
from ..records import AddOutcome, MemberChanges, MemberRecord, merge_custom, unique_members
from .codecs import MEMBER_CHANGEABLE, as_str, member_args, msg_flag_of, pack_member, read_member
from .core import CAS_ATTEMPTS, RedisCore, not_found

__all__ = ["RedisMembers"]


class RedisMembers(RedisCore):
    async def get_member(self, group_id: str, user_id: str) -> MemberRecord | None:
        return (await self.get_members(group_id, [user_id])).get(user_id)

    async def get_members(self, group_id: str, user_ids: Sequence[str]) -> dict[str, MemberRecord]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return {}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hmget(self.keys.group(group_id, "members"), ids)
            pipe.hmget(self.keys.group(group_id, "roles"), ids)
            blobs, roles = await pipe.execute()
        return {
            uid: read_member(uid, blob, role)
            for uid, blob, role in zip(ids, blobs, roles, strict=True)
            if blob is not None
        }

    async def list_members(self, group_id: str, offset: int, limit: int) -> list[MemberRecord]:
        if limit <= 0:
            return []
        start = max(offset, 0)
        flat = await self.scripts.list_members(keys=self.keys.group_all(group_id)[:4], args=[start, start + limit - 1])
        return [read_member(flat[i].decode(), flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3) if flat[i + 1]]

    async def member_ids(self, group_id: str, roles: Sequence[str] = ()) -> list[str]:
        wanted = set(roles)
        order_key, roles_key = self.keys.group(group_id, "order"), self.keys.group(group_id, "roles")
        if wanted and "Member" not in wanted:
            # Owners and admins: read the small ``:roles``, then their join times.
            held = [as_str(u) for u, r in (await self.redis.hgetall(roles_key)).items() if as_str(r) in wanted]
            if not held:
                return []
            scores = await self.redis.zmscore(order_key, held)
            return [u for s, u in sorted((s, u) for u, s in zip(held, scores, strict=True) if s is not None)]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrange(order_key, 0, -1)
            pipe.hgetall(roles_key)
            ids, role_of = await pipe.execute()
        if not wanted:
            return [u.decode() for u in ids]
        return [u.decode() for u in ids if role_of.get(u, b"Member").decode() in wanted]

    async def add_members(self, group_id: str, members: Sequence[MemberRecord], *, groups_per_user: int) -> AddOutcome:
        candidates = unique_members(members)
        ids = [m.user_id for m in candidates]
        # 1. Who is a member already, how many groups each user is in (best effort).
        blobs: list[Any] = []
        if ids:
            blobs = await self.redis.hmget(self.keys.group(group_id, "members"), ids)
        counts = await self._groups_counts(ids)
        existing = {uid for uid, blob in zip(ids, blobs, strict=True) if blob is not None}
        over = {uid for uid, n in zip(ids, counts, strict=True) if uid not in existing and n >= groups_per_user}
        fresh = [m for m in candidates if m.user_id not in existing and m.user_id not in over]
        # 2. The group slot decides: existence, capacity, who is new.
        status, *rest = await self.scripts.add_members(keys=self.keys.group_all(group_id)[:4], args=member_args(fresh))
        if status == -1:
            raise not_found(group_id)
        if status == -2:
            count, max_members, new = rest
            raise GroupcastError(
                ErrorCode.GROUP_FULL,
                f"group {group_id} has {count} of {max_members} members; {new} more do not fit",
            )
        added = {u.decode() for u in rest[0]}
        existing |= {u.decode() for u in rest[1]}
        # 3. The users' indexes (members found already there get a missing entry back).
        await self._index_groups(group_id, [m for m in fresh if m.user_id in added])
        await self._index_groups(group_id, [m for m in candidates if m.user_id in existing], keep=True)
        return AddOutcome(
            added=[u for u in ids if u in added],
            existing=[u for u in ids if u in existing],
            over_limit=[u for u in ids if u in over],
        )

    async def remove_members(self, group_id: str, user_ids: Sequence[str]) -> list[str]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return []
        removed = [
            u.decode() for u in await self.scripts.remove_members(keys=self.keys.group_all(group_id)[:4], args=ids)
        ]
        await self._unindex_groups(group_id, removed)
        return removed

    async def update_member(self, group_id: str, user_id: str, changes: MemberChanges) -> MemberRecord | None:
        keys = self.keys.group_all(group_id)[:4]
        for _ in range(CAS_ATTEMPTS):
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hget(keys[1], user_id)
                pipe.hget(keys[3], user_id)
                blob, role = await pipe.execute()
            if blob is None:
                return None
            current = read_member(user_id, blob, role)
            updated = msgspec.structs.replace(current)
            for field in MEMBER_CHANGEABLE:
                value = getattr(changes, field)
                if value is not None:
                    setattr(updated, field, value)
            if changes.custom is not None:
                updated.custom = merge_custom(current.custom, changes.custom)
            reply = await self.scripts.update_member(
                keys=keys, args=[user_id, blob, pack_member(updated), changes.role or ""]
            )
            if reply == -1:
                return None
            if reply == 0:
                continue  # changed meanwhile: read again
            updated.role = reply[1].decode()
            if changes.msg_flag is not None:
                await self.scripts.set_flag(keys=[self.keys.user(user_id, "groups")], args=[group_id, changes.msg_flag])
            return updated
        raise RuntimeError(f"member {user_id} of {group_id} kept changing; gave up after {CAS_ATTEMPTS} attempts")

    async def user_groups(self, user_id: str) -> dict[str, str]:
        # The index names the candidates; each group's member record is the truth.
        gids = [as_str(g) for g in await self.redis.hkeys(self.keys.user(user_id, "groups"))]
        blobs = await self._each([self.keys.group(g, "members") for g in gids], "HGET", user_id)
        found = {gid: msg_flag_of(blob) for gid, blob in zip(gids, blobs, strict=True) if blob}
        if len(found) < len(gids):
            await self._drop_stale(user_id, [g for g in gids if g not in found])
        return found

    async def _drop_stale(self, user_id: str, gids: Sequence[str]) -> None:
        """Drop the ``:groups`` entries of groups the user is not in. The membership is
        checked again after WATCH: a join whose index step lands meanwhile aborts this."""
        key = self.keys.user(user_id, "groups")
        async with self.redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                # Checked on the watching connection itself (immediate mode after WATCH):
                # taking a second one from the pool while holding this one could deadlock.
                stale = [g for g in gids if not await pipe.hexists(self.keys.group(g, "members"), user_id)]
                if stale:
                    cast("Callable[[], object]", pipe.multi)()  # typed here: unannotated in redis-py (so far)
                    pipe.hdel(key, *stale)
                    await pipe.execute()
            except WatchError:
                pass  # the index changed meanwhile; the next read looks again


_: type[MemberStore] = RedisMembers  # mypy: the class implements its Protocol
