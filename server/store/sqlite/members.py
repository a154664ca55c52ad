"""Members in SQLite: the ``members`` table (``members_by_user`` answers ``user_groups``
and the per-user group count; ``members_by_join`` pages by join time)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from protocol.errors import ErrorCode, GroupcastError

from .. import MemberStore
from ..records import AddOutcome, MemberChanges, MemberRecord, merge_custom, unique_members
from .core import SqliteCore
from .rows import (
    MEMBER_COLUMNS,
    chunks,
    existing_group,
    groups_of,
    insert_members,
    pack_custom,
    placeholders,
    read_group,
    read_member,
    to_member,
)

__all__ = ["SqliteMembers"]


class SqliteMembers(SqliteCore):
    async def get_member(self, group_id: str, user_id: str) -> MemberRecord | None:
        return await self._db.run(lambda db: read_member(db, group_id, user_id))

    async def get_members(self, group_id: str, user_ids: Sequence[str]) -> dict[str, MemberRecord]:
        ids = list(dict.fromkeys(user_ids))

        def read(db: sqlite3.Connection) -> dict[str, MemberRecord]:
            found: dict[str, MemberRecord] = {}
            for chunk in chunks(ids):
                for row in db.execute(
                    f"SELECT {MEMBER_COLUMNS} FROM members"
                    f" WHERE group_id = ? AND user_id IN ({placeholders(len(chunk))})",
                    [group_id, *chunk],
                ):
                    found[row[0]] = to_member(row)
            return found

        return await self._db.run(read)

    async def list_members(self, group_id: str, offset: int, limit: int) -> list[MemberRecord]:
        if limit <= 0:
            return []

        def read(db: sqlite3.Connection) -> list[MemberRecord]:
            rows = db.execute(
                f"SELECT {MEMBER_COLUMNS} FROM members INDEXED BY members_by_join"
                " WHERE group_id = ? ORDER BY join_time, user_id LIMIT ? OFFSET ?",
                (group_id, limit, max(offset, 0)),
            )
            return [to_member(row) for row in rows]

        return await self._db.run(read)

    async def member_ids(self, group_id: str, roles: Sequence[str] = ()) -> list[str]:
        wanted = set(roles)

        def read(db: sqlite3.Connection) -> list[str]:
            rows = db.execute(
                "SELECT user_id, role FROM members WHERE group_id = ? ORDER BY join_time, user_id", (group_id,)
            )
            return [uid for uid, role in rows if not wanted or role in wanted]

        return await self._db.run(read)

    async def add_members(self, group_id: str, members: Sequence[MemberRecord], *, groups_per_user: int) -> AddOutcome:
        candidates = unique_members(members)

        def write(db: sqlite3.Connection) -> AddOutcome:
            group = existing_group(db, group_id)
            outcome = AddOutcome()
            new: list[MemberRecord] = []
            for m in candidates:
                if db.execute(
                    "SELECT 1 FROM members WHERE group_id = ? AND user_id = ?", (group_id, m.user_id)
                ).fetchone():
                    outcome.existing.append(m.user_id)
                elif groups_of(db, m.user_id) >= groups_per_user:
                    outcome.over_limit.append(m.user_id)
                else:
                    new.append(m)
            if group.max_members and group.member_count + len(new) > group.max_members:
                raise GroupcastError(
                    ErrorCode.GROUP_FULL,
                    f"group {group_id} has {group.member_count} of {group.max_members} members;"
                    f" {len(new)} more do not fit",
                )
            insert_members(db, group_id, new, group.next_msg_seq)
            if new:
                db.execute("UPDATE groups SET member_count = member_count + ? WHERE group_id = ?", (len(new), group_id))
            outcome.added = [m.user_id for m in new]
            return outcome

        return await self._db.run(write)

    async def remove_members(self, group_id: str, user_ids: Sequence[str]) -> list[str]:
        ids = list(dict.fromkeys(user_ids))

        def write(db: sqlite3.Connection) -> list[str]:
            group = read_group(db, group_id)
            if group is None:
                return []
            removed = [
                uid
                for uid in ids
                if db.execute("DELETE FROM members WHERE group_id = ? AND user_id = ?", (group_id, uid)).rowcount
            ]
            if removed:
                owner_id = "" if group.owner_id in removed else group.owner_id
                db.execute(
                    "UPDATE groups SET member_count = member_count - ?, owner_id = ? WHERE group_id = ?",
                    (len(removed), owner_id, group_id),
                )
            return removed

        return await self._db.run(write)

    async def update_member(self, group_id: str, user_id: str, changes: MemberChanges) -> MemberRecord | None:
        def write(db: sqlite3.Connection) -> MemberRecord | None:
            member = read_member(db, group_id, user_id)
            if member is None:
                return None
            for field in ("role", "msg_flag", "name_card", "mute_until", "read_seq", "join_seq"):
                value = getattr(changes, field)
                if value is not None:
                    setattr(member, field, value)
            if changes.custom is not None:
                member.custom = merge_custom(member.custom, changes.custom)
            db.execute(
                "UPDATE members SET role = ?, msg_flag = ?, name_card = ?, mute_until = ?, custom = ?,"
                " read_seq = ?, join_seq = ? WHERE group_id = ? AND user_id = ?",
                (
                    member.role,
                    member.msg_flag,
                    member.name_card,
                    member.mute_until,
                    pack_custom(member.custom),
                    member.read_seq,
                    member.join_seq,
                    group_id,
                    user_id,
                ),
            )
            return member

        return await self._db.run(write)

    async def user_groups(self, user_id: str) -> dict[str, str]:
        def read(db: sqlite3.Connection) -> dict[str, str]:
            rows = db.execute("SELECT group_id, msg_flag FROM members WHERE user_id = ?", (user_id,))
            return {gid: flag for gid, flag in rows}

        return await self._db.run(read)


_: type[MemberStore] = SqliteMembers  # mypy: the class implements its Protocol
