"""Groups in Redis: the group slot (``P{g:<group>}:*``), the day counters and the group
index (``P{app}:*``). ``create_group`` and ``delete_group`` span slots: their steps, and
what a crash between them leaves, are in :mod:`.keys`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from protocol.errors import ErrorCode, GroupcastError

from .. import GroupStore
from ..records import GroupChanges, GroupRecord, MemberRecord, unique_members
from .codecs import (
    GROUP_CHANGEABLE,
    GROUP_TEXT_FIELDS,
    as_str,
    decoded,
    encode_json,
    member_args,
    pairs,
    read_group,
    read_member,
    text,
)
from .core import RedisCore, chunks, not_found

__all__ = ["RedisGroups"]

_SCAN_BATCH = 1000
_DAY_TTL = 3 * 86400


class RedisGroups(RedisCore):
    async def create_group(
        self, group: GroupRecord, members: Sequence[MemberRecord], *, day: int, daily_cap: int, groups_per_user: int
    ) -> list[str]:
        gid = group.group_id
        candidates = unique_members(members)
        keys = self.keys.group_all(gid)
        day_key = self.keys.day(day)
        # 1. Reads, in the order the refusals are checked; the atomic steps below decide.
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.exists(keys[0])
            pipe.get(day_key)
            for m in candidates:
                pipe.hlen(self.keys.user(m.user_id, "groups"))
            taken, counted, *counts = await pipe.execute()
        if taken:
            raise GroupcastError(ErrorCode.GROUP_ID_TAKEN, f"group ID {gid} is taken")
        if int(counted or 0) >= daily_cap:
            raise GroupcastError(ErrorCode.RATE_LIMITED, f"the app reached its daily cap of {daily_cap} groups")
        added: list[MemberRecord] = []
        left_out: list[str] = []
        for m, n in zip(candidates, counts, strict=True):
            if int(n) < groups_per_user:
                added.append(m)
            elif m.user_id == group.owner_id:
                raise GroupcastError(
                    ErrorCode.TOO_MANY_GROUPS, f"{m.user_id} already belongs to {groups_per_user} groups"
                )
            else:
                left_out.append(m.user_id)
        # 2. The day counter: checked and counted atomically.
        if not await self.scripts.count_day(keys=[day_key], args=[daily_cap, _DAY_TTL]):
            raise GroupcastError(ErrorCode.RATE_LIMITED, f"the app reached its daily cap of {daily_cap} groups")
        ordinal = await self.redis.incr(self.keys.app("group_ord"))
        # 3. The group slot; a taken ID gives the count back.
        profile: list[str | int | bytes] = []
        for field in GROUP_TEXT_FIELDS:
            profile += [field, text(getattr(group, field))]
        profile += ["custom", encode_json(group.custom), "ord", ordinal]
        created = await self.scripts.create_group(
            keys=keys[:4], args=[len(profile) // 2, *profile, *member_args(added, group.next_msg_seq)]
        )
        if not created:
            await self.scripts.uncount_day(keys=[day_key])
            raise GroupcastError(ErrorCode.GROUP_ID_TAKEN, f"group ID {gid} is taken")
        # 4. The group index.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self.keys.index(None), {gid: ordinal})
            pipe.zadd(self.keys.index(group.type), {gid: ordinal})
            await pipe.execute()
        # 5. The members' indexes.
        await self._index_groups(gid, added)
        group.member_count = len(added)
        return left_out

    async def get_group(self, group_id: str) -> GroupRecord | None:
        return (await self.get_groups([group_id])).get(group_id)

    async def get_group_and_member(self, group_id: str, user_id: str) -> tuple[GroupRecord | None, MemberRecord | None]:
        async with self.redis.pipeline(transaction=True) as pipe:  # one slot: {g:<group>}
            pipe.hgetall(self.keys.group(group_id, "info"))
            pipe.hget(self.keys.group(group_id, "members"), user_id)
            pipe.hget(self.keys.group(group_id, "roles"), user_id)
            info, blob, role = await pipe.execute()
        group = read_group(decoded(info)) if info else None
        return group, (read_member(user_id, blob, role) if group is not None and blob is not None else None)

    async def get_groups(self, group_ids: Sequence[str]) -> dict[str, GroupRecord]:
        ids = list(dict.fromkeys(group_ids))
        rows = await self._each([self.keys.group(g, "info") for g in ids], "HGETALL")
        return {gid: read_group(decoded(row)) for gid, row in zip(ids, rows, strict=True) if row}

    async def update_group(self, group_id: str, changes: GroupChanges, now: int) -> GroupRecord:
        args: list[str | int | bytes] = [now, "" if changes.custom is None else encode_json(changes.custom)]
        for field in GROUP_CHANGEABLE:
            value = getattr(changes, field)
            if value is not None:
                args += [field, text(value)]
        row = await self.scripts.update_group(keys=[self.keys.group(group_id, "info")], args=args)
        if row is None:
            raise not_found(group_id)
        return read_group(pairs(row))

    async def delete_group(self, group_id: str, *, day: int) -> tuple[GroupRecord, list[str]]:
        # 1. The group slot: read and delete.
        found = await self.scripts.delete_group(keys=self.keys.group_all(group_id))
        if found is None:
            raise not_found(group_id)
        profile, member_ids, application_ids = found
        fields = pairs(profile)
        ordinal = int(fields.pop("ord", "0"))
        group = read_group(fields)
        members = [m.decode() for m in member_ids]
        # 2. The members' indexes.
        await self._unindex_groups(group_id, members)
        # 3. The group's applications and their places on users' lists.
        apps = [a.decode() for a in application_ids]
        recipients = await self._each([self.keys.application(a, "to") for a in apps], "SMEMBERS")
        if apps:
            async with self.redis.pipeline(transaction=False) as pipe:
                for app, users in zip(apps, recipients, strict=True):
                    pipe.delete(self.keys.application(app), self.keys.application(app, "to"))
                    for user in users:
                        pipe.zrem(self.keys.user(user.decode(), "pendency"), app)
                        pipe.srem(self.keys.user(user.decode(), "pendency_read"), app)
                await pipe.execute()
        # 4. The day's net count.
        if group.created_at // 86400 == day:
            await self.scripts.uncount_day(keys=[self.keys.day(day)])
        # 5. The group index.
        await self.scripts.unlist_group(
            keys=[self.keys.index(None), self.keys.index(group.type)], args=[group_id, ordinal]
        )
        return group, members

    async def list_groups(
        self, *, group_type: str | None, after: int, limit: int, search: str = ""
    ) -> tuple[list[tuple[int, GroupRecord]], int]:
        key = self.keys.index(group_type)
        if search:
            return await self._search_groups(key, after, limit, search)
        total = int(await self.redis.zcard(key))
        page: list[tuple[int, GroupRecord]] = []
        gone: list[tuple[str, int]] = []
        cursor = max(after, 0)
        while len(page) < limit:
            want = limit - len(page)
            entries = await self._index_range(key, f"({cursor}", want)
            records = await self.get_groups([gid for gid, _ in entries])
            for gid, ordinal in entries:
                if gid in records:
                    page.append((ordinal, records[gid]))
                else:
                    gone.append((gid, ordinal))
            if len(entries) < want:
                break
            cursor = entries[-1][1]
        for gid, ordinal in gone:  # deleted, but a crash kept it from being unlisted
            await self.scripts.unlist_group(keys=[self.keys.index(None), key], args=[gid, ordinal])
        return page, total - len(gone)

    async def _index_range(self, key: str, low: str, count: int) -> list[tuple[str, int]]:
        """Up to ``count`` (group ID, ordinal) entries of an index from the score ``low``."""
        entries = await self.redis.zrange(key, low, "+inf", byscore=True, offset=0, num=count, withscores=True)
        return [(member.decode(), int(score)) for member, score in cast(list[tuple[bytes, float]], entries)]

    async def _search_groups(
        self, key: str, after: int, limit: int, search: str
    ) -> tuple[list[tuple[int, GroupRecord]], int]:
        """Every indexed group's name, read in batches, tested in Python."""
        needle = search.casefold()
        chosen: list[tuple[int, str]] = []
        total = 0
        cursor = "-inf"
        while True:
            entries = await self._index_range(key, cursor, _SCAN_BATCH)
            names = await self._each([self.keys.group(gid, "info") for gid, _ in entries], "HGET", "name")
            for (gid, ordinal), name in zip(entries, names, strict=True):
                if name is not None and (gid == search or needle in as_str(name).casefold()):
                    total += 1
                    if ordinal > after and len(chosen) < limit:
                        chosen.append((ordinal, gid))
            if len(entries) < _SCAN_BATCH:
                break
            cursor = f"({entries[-1][1]}"
        records = await self.get_groups([gid for _, gid in chosen])
        return [(ordinal, records[gid]) for ordinal, gid in chosen if gid in records], total

    async def transfer_owner(self, group_id: str, new_owner_id: str) -> GroupRecord:
        status, *rest = await self.scripts.transfer_owner(keys=self.keys.group_all(group_id)[:4], args=[new_owner_id])
        if status == 0:
            raise not_found(group_id)
        if status == 1:
            raise GroupcastError(ErrorCode.NO_PERMISSION, f"{new_owner_id} is not a member of {group_id}")
        return read_group(pairs(rest[0]))

    async def _index_existing_groups(self) -> None:
        """Give the groups of an earlier version (no ``ord``) ordinals, in creation order,
        and put every group in the index; then mark it done. Idempotent (a group keeps
        the first ordinal it gets), so nodes starting together, or a start interrupted
        halfway, do no harm. Reads the whole keyspace once (SCAN), at the first start."""
        pattern = "".join("\\" + c if c in "*?[]\\" else c for c in self.keys.prefix) + "{g:*}:info"
        found: list[tuple[int, str, str, int]] = []  # (created_at, group ID, type, ord or 0)
        async for key in self.redis.scan_iter(match=pattern, count=_SCAN_BATCH):
            row = await self.redis.hmget(key, ["group_id", "created_at", "type", "ord"])
            if row[0] is not None:
                found.append((int(row[1] or 0), as_str(row[0]), as_str(row[2] or b""), int(row[3] or 0)))
        missing = sorted(g for g in found if not g[3])
        if missing:
            first = await self.redis.incrby(self.keys.app("group_ord"), len(missing)) - len(missing) + 1
            for i, (created, gid, group_type, _) in enumerate(missing):
                given = await self.scripts.set_ord(keys=[self.keys.group(gid, "info")], args=[first + i])
                found.append((created, gid, group_type, int(given or 0)))
        for chunk in chunks([g for g in found if g[3]]):
            async with self.redis.pipeline(transaction=False) as pipe:
                for _, gid, group_type, ordinal in chunk:
                    pipe.zadd(self.keys.index(None), {gid: ordinal})
                    pipe.zadd(self.keys.index(group_type), {gid: ordinal})
                await pipe.execute()
        await self.redis.set(self.keys.app("groups_indexed"), "1")


_: type[GroupStore] = RedisGroups  # mypy: the class implements its Protocol
