"""Groups in SQLite: the ``groups`` table, the day counts ``group_days`` and the
``counters`` that number and count groups.

Groups are listed (``list_groups``) through their creation ordinal ``ord``, taken from the
``counters`` row "group_ord" (so a dismissed group's ordinal is never given again): a page
is a range of the index ``groups_by_ord`` (or ``groups_by_type``), and totals are the
``counters`` rows "groups:<type>", kept by the same transactions that create and delete
groups. A name search tests every row of the range (``contains_folded``, a Python function)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from protocol.errors import ErrorCode, GroupcastError

from .. import GroupStore
from ..records import GroupChanges, GroupRecord, MemberRecord, merge_custom, unique_members
from .core import SqliteCore
from .rows import (
    GROUP_COLUMNS,
    chunks,
    existing_group,
    groups_of,
    insert_members,
    pack_custom,
    placeholders,
    read_group,
    read_member,
    to_group,
)

__all__ = ["SqliteGroups"]

# What ``update_group`` sets field by field (``custom`` merges).
_CHANGEABLE = tuple(f for f in GroupChanges.__struct_fields__ if f != "custom")


def groups_page_query(group_type: str | None, search: str) -> tuple[str, str]:
    """The SQL of a ``list_groups`` page and of its total with ``search`` (parameters:
    after, [type], [search, search], limit; the total takes them without after and
    limit). Without ``search`` the page is a range of ``groups_by_ord`` or
    ``groups_by_type``; with it every row of that range is tested."""
    where = []
    if group_type is not None:
        where.append("type = ?")
    if search:
        where.append("(group_id = ? OR contains_folded(name, ?))")
    page = " AND ".join(["ord > ?", *where])
    total = " AND ".join(where) or "1"
    return (
        f"SELECT ord, {GROUP_COLUMNS} FROM groups WHERE {page} ORDER BY ord LIMIT ?",
        f"SELECT count(*) FROM groups WHERE {total}",
    )


def _count(db: sqlite3.Connection, name: str, delta: int) -> int:
    """Add ``delta`` to the counter ``name`` (created at 0); its new value."""
    row = db.execute(
        "INSERT INTO counters(name, value) VALUES (?, ?)"
        " ON CONFLICT(name) DO UPDATE SET value = value + excluded.value RETURNING value",
        (name, delta),
    ).fetchone()
    return int(row[0])


def _member_ids(db: sqlite3.Connection, group_id: str) -> list[str]:
    return [
        uid
        for (uid,) in db.execute(
            "SELECT user_id FROM members WHERE group_id = ? ORDER BY join_time, user_id", (group_id,)
        )
    ]


class SqliteGroups(SqliteCore):
    async def create_group(
        self, group: GroupRecord, members: Sequence[MemberRecord], *, day: int, daily_cap: int, groups_per_user: int
    ) -> list[str]:
        candidates = unique_members(members)

        def write(db: sqlite3.Connection) -> tuple[list[str], int]:
            if db.execute("SELECT 1 FROM groups WHERE group_id = ?", (group.group_id,)).fetchone():
                raise GroupcastError(ErrorCode.GROUP_ID_TAKEN, f"group ID {group.group_id} is taken")
            row = db.execute("SELECT net FROM group_days WHERE day = ?", (day,)).fetchone()
            if (row[0] if row else 0) >= daily_cap:
                raise GroupcastError(ErrorCode.RATE_LIMITED, f"the app reached its daily cap of {daily_cap} groups")
            added: list[MemberRecord] = []
            left_out: list[str] = []
            for m in candidates:
                if groups_of(db, m.user_id) < groups_per_user:
                    added.append(m)
                elif m.user_id == group.owner_id:
                    raise GroupcastError(
                        ErrorCode.TOO_MANY_GROUPS, f"{m.user_id} already belongs to {groups_per_user} groups"
                    )
                else:
                    left_out.append(m.user_id)
            g = group
            db.execute(
                f"INSERT INTO groups({GROUP_COLUMNS}, ord) VALUES ({placeholders(18)})",
                (
                    g.group_id,
                    g.type,
                    g.name,
                    g.owner_id,
                    g.introduction,
                    g.notification,
                    g.face_url,
                    g.max_members,
                    g.join_option,
                    int(g.mute_all),
                    pack_custom(g.custom),
                    g.created_at,
                    g.info_seq,
                    g.last_info_time,
                    g.last_msg_time,
                    g.next_msg_seq,
                    len(added),
                    _count(db, "group_ord", 1),
                ),
            )
            _count(db, f"groups:{g.type}", 1)
            insert_members(db, g.group_id, added, g.next_msg_seq)
            db.execute(
                "INSERT INTO group_days(day, net) VALUES (?, 1) ON CONFLICT(day) DO UPDATE SET net = net + 1", (day,)
            )
            return left_out, len(added)

        left_out, count = await self._db.run(write)
        group.member_count = count
        return left_out

    async def get_group(self, group_id: str) -> GroupRecord | None:
        return await self._db.run(lambda db: read_group(db, group_id))

    async def get_group_and_member(self, group_id: str, user_id: str) -> tuple[GroupRecord | None, MemberRecord | None]:
        return await self._db.run(lambda db: (read_group(db, group_id), read_member(db, group_id, user_id)))

    async def get_groups(self, group_ids: Sequence[str]) -> dict[str, GroupRecord]:
        ids = list(dict.fromkeys(group_ids))

        def read(db: sqlite3.Connection) -> dict[str, GroupRecord]:
            found: dict[str, GroupRecord] = {}
            for chunk in chunks(ids):
                for row in db.execute(
                    f"SELECT {GROUP_COLUMNS} FROM groups WHERE group_id IN ({placeholders(len(chunk))})", chunk
                ):
                    found[row[0]] = to_group(row)
            return found

        return await self._db.run(read)

    async def update_group(self, group_id: str, changes: GroupChanges, now: int) -> GroupRecord:
        def write(db: sqlite3.Connection) -> GroupRecord:
            group = existing_group(db, group_id)
            for field in _CHANGEABLE:
                value = getattr(changes, field)
                if value is not None:
                    setattr(group, field, value)
            if changes.custom is not None:
                group.custom = merge_custom(group.custom, changes.custom)
            group.info_seq += 1
            group.last_info_time = now
            db.execute(
                "UPDATE groups SET name = ?, introduction = ?, notification = ?, face_url = ?, join_option = ?,"
                " mute_all = ?, custom = ?, info_seq = ?, last_info_time = ?, owner_id = ?, max_members = ?"
                " WHERE group_id = ?",
                (
                    group.name,
                    group.introduction,
                    group.notification,
                    group.face_url,
                    group.join_option,
                    int(group.mute_all),
                    pack_custom(group.custom),
                    group.info_seq,
                    group.last_info_time,
                    group.owner_id,
                    group.max_members,
                    group_id,
                ),
            )
            return group

        return await self._db.run(write)

    async def delete_group(self, group_id: str, *, day: int) -> tuple[GroupRecord, list[str]]:
        def write(db: sqlite3.Connection) -> tuple[GroupRecord, list[str]]:
            group = existing_group(db, group_id)
            member_ids = _member_ids(db, group_id)
            db.execute("DELETE FROM members WHERE group_id = ?", (group_id,))
            db.execute(
                "DELETE FROM pendency WHERE application_id IN"
                " (SELECT application_id FROM applications WHERE group_id = ?)",
                (group_id,),
            )
            db.execute("DELETE FROM applications WHERE group_id = ?", (group_id,))
            db.execute("DELETE FROM messages WHERE group_id = ?", (group_id,))
            db.execute("DELETE FROM restrictions WHERE group_id = ?", (group_id,))
            db.execute("DELETE FROM groups WHERE group_id = ?", (group_id,))
            _count(db, f"groups:{group.type}", -1)
            if group.created_at // 86400 == day:
                db.execute("UPDATE group_days SET net = max(net - 1, 0) WHERE day = ?", (day,))
            return group, member_ids

        deleted = await self._db.run(write)
        self._audience.pop(group_id, None)
        return deleted

    async def list_groups(
        self, *, group_type: str | None, after: int, limit: int, search: str = ""
    ) -> tuple[list[tuple[int, GroupRecord]], int]:
        page_sql, total_sql = groups_page_query(group_type, search)
        filters: list[str | int] = [] if group_type is None else [group_type]
        if search:
            filters += [search, search]

        def read(db: sqlite3.Connection) -> tuple[list[tuple[int, GroupRecord]], int]:
            page = []
            if limit > 0:
                page = [(row[0], to_group(row[1:])) for row in db.execute(page_sql, [max(after, 0), *filters, limit])]
            if search:
                total = int(db.execute(total_sql, filters).fetchone()[0])
            elif group_type is not None:
                row = db.execute("SELECT value FROM counters WHERE name = ?", (f"groups:{group_type}",)).fetchone()
                total = int(row[0]) if row else 0
            else:
                row = db.execute("SELECT sum(value) FROM counters WHERE name LIKE 'groups:%'").fetchone()
                total = int(row[0] or 0)
            return page, total

        return await self._db.run(read)

    async def transfer_owner(self, group_id: str, new_owner_id: str) -> GroupRecord:
        def write(db: sqlite3.Connection) -> GroupRecord:
            group = existing_group(db, group_id)
            if read_member(db, group_id, new_owner_id) is None:
                raise GroupcastError(ErrorCode.NO_PERMISSION, f"{new_owner_id} is not a member of {group_id}")
            if group.owner_id and group.owner_id != new_owner_id:
                db.execute(
                    "UPDATE members SET role = 'Member' WHERE group_id = ? AND user_id = ?", (group_id, group.owner_id)
                )
            db.execute("UPDATE members SET role = 'Owner' WHERE group_id = ? AND user_id = ?", (group_id, new_owner_id))
            db.execute("UPDATE groups SET owner_id = ? WHERE group_id = ?", (new_owner_id, group_id))
            group.owner_id = new_owner_id
            return group

        return await self._db.run(write)


_: type[GroupStore] = SqliteGroups  # mypy: the class implements its Protocol
