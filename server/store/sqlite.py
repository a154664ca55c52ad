"""The embedded store: SQLite in the data dir, for one node with nothing else installed.

Durable state lives in ``<data-dir>/groupcast.db`` and is written on the database thread
(:mod:`.sqlite_thread`). Presence is not durable state: on one node it is this process's
memory, which is exactly as long-lived as the sessions it describes.

Group history is the ``messages`` table, clustered on ``(group_id, seq)`` (WITHOUT ROWID):
every read is a range of that key, oldest or newest first, and never visits another
group's rows or more rows than asked for. Retries of a send are found through the partial
index ``messages_dedupe`` on ``(group_id, sender_id, random)`` over the "msg" rows (the
table's key rides along in it): a send that is not a retry -- nearly all of them -- costs
one index probe that finds nothing, and the index is maintained by the same INSERT.
Appending a message is five statements in one function on the database thread (retry
probe, group read, group update, insert, sender update), so thousands of appends a second
share a handful of commits.

Groups are listed (``list_groups``) through their creation ordinal ``ord``, taken from the
``counters`` row "group_ord" (so a dismissed group's ordinal is never given again): a page
is a range of the index ``groups_by_ord`` (or ``groups_by_type``), and totals are the
``counters`` rows "groups:<type>", kept by the same transactions that create and delete
groups. A name search tests every row of the range (``contains_folded``, a Python function).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from protocol.errors import ErrorCode, GroupcastError

from .records import (
    Account,
    AddOutcome,
    Application,
    DeviceRecord,
    GroupChanges,
    GroupRecord,
    MemberChanges,
    MemberRecord,
    MessageRecord,
)
from .sqlite_thread import DatabaseThread

__all__ = ["SqliteStore"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    user_id    TEXT PRIMARY KEY,
    nick       TEXT NOT NULL DEFAULT '',
    face_url   TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS groups (
    group_id       TEXT PRIMARY KEY,
    type           TEXT NOT NULL,
    name           TEXT NOT NULL,
    owner_id       TEXT NOT NULL DEFAULT '',
    introduction   TEXT NOT NULL DEFAULT '',
    notification   TEXT NOT NULL DEFAULT '',
    face_url       TEXT NOT NULL DEFAULT '',
    max_members    INTEGER NOT NULL DEFAULT 0,
    join_option    TEXT NOT NULL,
    mute_all       INTEGER NOT NULL DEFAULT 0,
    custom         BLOB,                -- MessagePack map, NULL when empty
    created_at     INTEGER NOT NULL,
    info_seq       INTEGER NOT NULL DEFAULT 0,
    last_info_time INTEGER NOT NULL DEFAULT 0,
    last_msg_time  INTEGER NOT NULL DEFAULT 0,
    next_msg_seq   INTEGER NOT NULL DEFAULT 1,
    member_count   INTEGER NOT NULL DEFAULT 0,
    ord            INTEGER NOT NULL DEFAULT 0   -- creation ordinal (list_groups' cursor)
) WITHOUT ROWID;
-- (the indexes on ord, groups_by_ord and groups_by_type, are made by _migrate: a
-- database from an earlier version gets the column there first)

-- named counters: "group_ord" (the last ordinal given) and "groups:<type>" (how many
-- groups of the type exist: list_groups' totals without counting rows)
CREATE TABLE IF NOT EXISTS counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS members (
    group_id       TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    role           TEXT NOT NULL,
    join_time      INTEGER NOT NULL,
    msg_flag       TEXT NOT NULL,
    name_card      TEXT NOT NULL DEFAULT '',
    mute_until     INTEGER NOT NULL DEFAULT 0,
    last_send_time INTEGER NOT NULL DEFAULT 0,
    custom         BLOB,                -- MessagePack map, NULL when empty
    read_seq       INTEGER NOT NULL DEFAULT 0,
    join_seq       INTEGER NOT NULL DEFAULT 0,   -- the group's next_msg_seq at the join
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS members_by_user ON members(user_id);
CREATE INDEX IF NOT EXISTS members_by_join ON members(group_id, join_time, user_id);

-- group history: messages and tips, by group and seq
CREATE TABLE IF NOT EXISTS messages (
    group_id  TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    time      INTEGER NOT NULL,
    sender_id TEXT NOT NULL,
    random    INTEGER NOT NULL,
    kind      TEXT NOT NULL,                -- 'msg' or 'tip'
    body      BLOB NOT NULL,
    recalled  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, seq)
) WITHOUT ROWID;
-- retries of a send (tips are never retries, so they are not indexed)
CREATE INDEX IF NOT EXISTS messages_dedupe ON messages(group_id, sender_id, random) WHERE kind = 'msg';

-- AVChatRoom bans and mutes: until = unix time (a lifted one is deleted)
CREATE TABLE IF NOT EXISTS restrictions (
    group_id TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    kind     TEXT NOT NULL,
    until    INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id, kind)
) WITHOUT ROWID;

-- net groups created per UTC day (created minus dismissed): the daily creation cap
CREATE TABLE IF NOT EXISTS group_days (
    day INTEGER PRIMARY KEY,
    net INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS notices (
    user_id TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notice_seqs (
    user_id  TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS applications (
    application_id TEXT PRIMARY KEY,
    group_id       TEXT NOT NULL,
    kind           INTEGER NOT NULL,
    from_user      TEXT NOT NULL,
    to_user        TEXT NOT NULL,
    add_time       INTEGER NOT NULL,
    request_msg    TEXT NOT NULL,
    handled_by     TEXT NOT NULL,
    handled_msg    TEXT NOT NULL,
    result         INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS applications_by_parties ON applications(group_id, from_user, kind, to_user);

-- each user's list, ``ord`` increasing per user (newest = highest)
CREATE TABLE IF NOT EXISTS pendency (
    user_id        TEXT NOT NULL,
    ord            INTEGER NOT NULL,
    application_id TEXT NOT NULL,
    added_at       INTEGER NOT NULL,
    read           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, ord)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS pendency_item ON pendency(user_id, application_id);
CREATE INDEX IF NOT EXISTS pendency_by_application ON pendency(application_id);

-- console sessions signed out, kept until their cookie would have expired
CREATE TABLE IF NOT EXISTS console_signouts (
    session_id TEXT PRIMARY KEY,
    until      INTEGER NOT NULL
) WITHOUT ROWID;
"""

NOTICES_KEPT = 1000
_CHANGEABLE = (
    "name",
    "introduction",
    "notification",
    "face_url",
    "join_option",
    "mute_all",
    "owner_id",
    "max_members",
)
_CHUNK = 500

_GROUP_COLUMNS = (
    "group_id, type, name, owner_id, introduction, notification, face_url, max_members, join_option,"
    " mute_all, custom, created_at, info_seq, last_info_time, last_msg_time, next_msg_seq, member_count"
)
_MEMBER_COLUMNS = (
    "user_id, role, join_time, msg_flag, name_card, mute_until, last_send_time, custom, read_seq, join_seq"
)
_MESSAGE_COLUMNS = "seq, time, sender_id, random, kind, body, recalled"
_APPLICATION_COLUMNS = (
    "application_id, group_id, kind, from_user, to_user, add_time, request_msg, handled_by, handled_msg, result"
)

_pack = msgspec.msgpack.Encoder()
_unpack_custom = msgspec.msgpack.Decoder(dict[str, str])


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[start : start + _CHUNK] for start in range(0, len(items), _CHUNK)]


def _pack_custom(custom: dict[str, str]) -> bytes | None:
    return _pack.encode(custom) if custom else None


def _custom(blob: bytes | None) -> dict[str, str]:
    return _unpack_custom.decode(blob) if blob else {}


def _merge_custom(current: dict[str, str], changes: dict[str, str]) -> dict[str, str]:
    """``changes`` applied to ``current``: an empty value deletes the key."""
    merged = dict(current)
    for key, value in changes.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _group(row: Any) -> GroupRecord:
    return GroupRecord(
        group_id=row[0],
        type=row[1],
        name=row[2],
        owner_id=row[3],
        introduction=row[4],
        notification=row[5],
        face_url=row[6],
        max_members=row[7],
        join_option=row[8],
        mute_all=bool(row[9]),
        custom=_custom(row[10]),
        created_at=row[11],
        info_seq=row[12],
        last_info_time=row[13],
        last_msg_time=row[14],
        next_msg_seq=row[15],
        member_count=row[16],
    )


def _member(row: Any) -> MemberRecord:
    return MemberRecord(
        user_id=row[0],
        role=row[1],
        join_time=row[2],
        msg_flag=row[3],
        name_card=row[4],
        mute_until=row[5],
        last_send_time=row[6],
        custom=_custom(row[7]),
        read_seq=row[8],
        join_seq=row[9],
    )


def _message(row: Any) -> MessageRecord:
    return MessageRecord(
        seq=row[0],
        time=row[1],
        sender_id=row[2],
        random=row[3],
        kind=row[4],
        body=bytes(row[5]),
        recalled=bool(row[6]),
    )


def _application(row: Any) -> Application:
    return Application(
        application_id=row[0],
        group_id=row[1],
        kind=row[2],
        from_user=row[3],
        to_user=row[4],
        add_time=row[5],
        request_msg=row[6],
        handled_by=row[7],
        handled_msg=row[8],
        result=row[9],
    )


def _read_group(db: sqlite3.Connection, group_id: str) -> GroupRecord | None:
    row = db.execute(f"SELECT {_GROUP_COLUMNS} FROM groups WHERE group_id = ?", (group_id,)).fetchone()
    return None if row is None else _group(row)


def _existing_group(db: sqlite3.Connection, group_id: str) -> GroupRecord:
    group = _read_group(db, group_id)
    if group is None:
        raise GroupcastError(ErrorCode.GROUP_NOT_FOUND, f"group {group_id} does not exist")
    return group


def _read_member(db: sqlite3.Connection, group_id: str, user_id: str) -> MemberRecord | None:
    row = db.execute(
        f"SELECT {_MEMBER_COLUMNS} FROM members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
    ).fetchone()
    return None if row is None else _member(row)


def _groups_of(db: sqlite3.Connection, user_id: str) -> int:
    return int(db.execute("SELECT count(*) FROM members WHERE user_id = ?", (user_id,)).fetchone()[0])


def _insert_members(db: sqlite3.Connection, group_id: str, members: Sequence[MemberRecord], join_seq: int) -> None:
    """Insert new members; each gets ``join_seq`` (the group's next_msg_seq now)."""
    db.executemany(
        "INSERT INTO members(group_id, user_id, role, join_time, msg_flag, name_card, mute_until,"
        " last_send_time, custom, read_seq, join_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                group_id,
                m.user_id,
                m.role,
                m.join_time,
                m.msg_flag,
                m.name_card,
                m.mute_until,
                m.last_send_time,
                _pack_custom(m.custom),
                m.read_seq,
                join_seq,
            )
            for m in members
        ],
    )


def _member_ids(db: sqlite3.Connection, group_id: str) -> list[str]:
    return [
        uid
        for (uid,) in db.execute(
            "SELECT user_id FROM members WHERE group_id = ? ORDER BY join_time, user_id", (group_id,)
        )
    ]


def _read_application(db: sqlite3.Connection, application_id: str) -> Application | None:
    row = db.execute(
        f"SELECT {_APPLICATION_COLUMNS} FROM applications WHERE application_id = ?", (application_id,)
    ).fetchone()
    return None if row is None else _application(row)


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a database made by an earlier version up to SCHEMA (which only creates what
    is missing): columns added since. Members who joined before ``join_seq`` existed
    read 0 (they see the whole history). Groups made before ``ord`` existed get
    ordinals in creation order, then the counters are set from the table."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(members)")}
    if "join_seq" not in columns:
        db.execute("ALTER TABLE members ADD COLUMN join_seq INTEGER NOT NULL DEFAULT 0")
    if "ord" not in {row[1] for row in db.execute("PRAGMA table_info(groups)")}:
        db.execute("ALTER TABLE groups ADD COLUMN ord INTEGER NOT NULL DEFAULT 0")
        ordered = db.execute("SELECT group_id FROM groups ORDER BY created_at, group_id").fetchall()
        db.executemany("UPDATE groups SET ord = ? WHERE group_id = ?", [(i, g) for i, (g,) in enumerate(ordered, 1)])
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS groups_by_ord ON groups(ord)")
    db.execute("CREATE INDEX IF NOT EXISTS groups_by_type ON groups(type, ord)")
    if db.execute("SELECT 1 FROM counters WHERE name = 'group_ord'").fetchone() is None:
        db.execute("INSERT INTO counters(name, value) SELECT 'group_ord', coalesce(max(ord), 0) FROM groups")
        db.execute("INSERT INTO counters(name, value) SELECT 'groups:' || type, count(*) FROM groups GROUP BY type")


def _contains(name: str | None, needle: str | None) -> bool:
    """SQL ``contains_folded(name, needle)``: the name contains the needle, compared
    casefolded (the same test as the Redis store's; SQLite's own LIKE folds ASCII only)."""
    return name is not None and needle is not None and needle.casefold() in name.casefold()


def _prepare(db: sqlite3.Connection) -> None:
    db.create_function("contains_folded", 2, _contains, deterministic=True)
    _migrate(db)


def _count(db: sqlite3.Connection, name: str, delta: int) -> int:
    """Add ``delta`` to the counter ``name`` (created at 0); its new value."""
    row = db.execute(
        "INSERT INTO counters(name, value) VALUES (?, ?)"
        " ON CONFLICT(name) DO UPDATE SET value = value + excluded.value RETURNING value",
        (name, delta),
    ).fetchone()
    return int(row[0])


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
        f"SELECT ord, {_GROUP_COLUMNS} FROM groups WHERE {page} ORDER BY ord LIMIT ?",
        f"SELECT count(*) FROM groups WHERE {total}",
    )


def _unique_members(members: Sequence[MemberRecord]) -> list[MemberRecord]:
    """One record per user ID, the first one given."""
    seen: dict[str, MemberRecord] = {}
    for m in members:
        seen.setdefault(m.user_id, m)
    return list(seen.values())


class SqliteStore:
    def __init__(self, data_dir: str) -> None:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self._db = DatabaseThread(str(Path(data_dir) / "groupcast.db"), SCHEMA)
        self._devices: dict[str, dict[str, DeviceRecord]] = {}
        self._audience: dict[str, dict[str, tuple[int, float]]] = {}  # room -> node -> (count, as of)

    async def start(self) -> None:
        await self._db.start()
        await self._db.run(_prepare)

    async def close(self) -> None:
        await self._db.close()

    # -- accounts ---------------------------------------------------------------------

    async def import_accounts(self, accounts: Sequence[Account], now: int) -> None:
        rows = [(a.user_id, a.nick, a.face_url, now, a.nick, a.face_url) for a in accounts]

        def write(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT INTO accounts(user_id, nick, face_url, created_at)"
                " VALUES (?, coalesce(?, ''), coalesce(?, ''), ?)"
                " ON CONFLICT(user_id) DO UPDATE SET"
                " nick = coalesce(?, nick), face_url = coalesce(?, face_url)",
                rows,
            )

        await self._db.run(write)

    async def existing_accounts(self, user_ids: Sequence[str]) -> set[str]:
        return set(await self.get_accounts(user_ids))

    async def get_accounts(self, user_ids: Sequence[str]) -> dict[str, Account]:
        ids = list(dict.fromkeys(user_ids))

        def read(db: sqlite3.Connection) -> dict[str, Account]:
            found: dict[str, Account] = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for uid, nick, face, created in db.execute(
                    f"SELECT user_id, nick, face_url, created_at FROM accounts"
                    f" WHERE user_id IN ({_placeholders(len(chunk))})",
                    chunk,
                ):
                    found[uid] = Account(user_id=uid, nick=nick, face_url=face, created_at=created)
            return found

        return await self._db.run(read)

    async def delete_accounts(self, user_ids: Sequence[str]) -> set[str]:
        ids = list(dict.fromkeys(user_ids))

        def write(db: sqlite3.Connection) -> set[str]:
            gone: set[str] = set()
            for uid in ids:
                if db.execute("DELETE FROM accounts WHERE user_id = ?", (uid,)).rowcount:
                    gone.add(uid)
            return gone

        return await self._db.run(write)

    # -- presence (memory: one node) --------------------------------------------------

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

    # -- groups -----------------------------------------------------------------------

    async def create_group(
        self, group: GroupRecord, members: Sequence[MemberRecord], *, day: int, daily_cap: int, groups_per_user: int
    ) -> list[str]:
        candidates = _unique_members(members)

        def write(db: sqlite3.Connection) -> tuple[list[str], int]:
            if db.execute("SELECT 1 FROM groups WHERE group_id = ?", (group.group_id,)).fetchone():
                raise GroupcastError(ErrorCode.GROUP_ID_TAKEN, f"group ID {group.group_id} is taken")
            row = db.execute("SELECT net FROM group_days WHERE day = ?", (day,)).fetchone()
            if (row[0] if row else 0) >= daily_cap:
                raise GroupcastError(ErrorCode.RATE_LIMITED, f"the app reached its daily cap of {daily_cap} groups")
            added: list[MemberRecord] = []
            left_out: list[str] = []
            for m in candidates:
                if _groups_of(db, m.user_id) < groups_per_user:
                    added.append(m)
                elif m.user_id == group.owner_id:
                    raise GroupcastError(
                        ErrorCode.TOO_MANY_GROUPS, f"{m.user_id} already belongs to {groups_per_user} groups"
                    )
                else:
                    left_out.append(m.user_id)
            g = group
            db.execute(
                f"INSERT INTO groups({_GROUP_COLUMNS}, ord) VALUES ({_placeholders(18)})",
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
                    _pack_custom(g.custom),
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
            _insert_members(db, g.group_id, added, g.next_msg_seq)
            db.execute(
                "INSERT INTO group_days(day, net) VALUES (?, 1) ON CONFLICT(day) DO UPDATE SET net = net + 1", (day,)
            )
            return left_out, len(added)

        left_out, count = await self._db.run(write)
        group.member_count = count
        return left_out

    async def get_group(self, group_id: str) -> GroupRecord | None:
        return await self._db.run(lambda db: _read_group(db, group_id))

    async def get_group_and_member(self, group_id: str, user_id: str) -> tuple[GroupRecord | None, MemberRecord | None]:
        return await self._db.run(lambda db: (_read_group(db, group_id), _read_member(db, group_id, user_id)))

    async def get_groups(self, group_ids: Sequence[str]) -> dict[str, GroupRecord]:
        ids = list(dict.fromkeys(group_ids))

        def read(db: sqlite3.Connection) -> dict[str, GroupRecord]:
            found: dict[str, GroupRecord] = {}
            for chunk in _chunks(ids):
                for row in db.execute(
                    f"SELECT {_GROUP_COLUMNS} FROM groups WHERE group_id IN ({_placeholders(len(chunk))})", chunk
                ):
                    found[row[0]] = _group(row)
            return found

        return await self._db.run(read)

    async def update_group(self, group_id: str, changes: GroupChanges, now: int) -> GroupRecord:
        def write(db: sqlite3.Connection) -> GroupRecord:
            group = _existing_group(db, group_id)
            for field in _CHANGEABLE:
                value = getattr(changes, field)
                if value is not None:
                    setattr(group, field, value)
            if changes.custom is not None:
                group.custom = _merge_custom(group.custom, changes.custom)
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
                    _pack_custom(group.custom),
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
            group = _existing_group(db, group_id)
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
                page = [(row[0], _group(row[1:])) for row in db.execute(page_sql, [max(after, 0), *filters, limit])]
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
            group = _existing_group(db, group_id)
            if _read_member(db, group_id, new_owner_id) is None:
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

    # -- members ----------------------------------------------------------------------

    async def get_member(self, group_id: str, user_id: str) -> MemberRecord | None:
        return await self._db.run(lambda db: _read_member(db, group_id, user_id))

    async def get_members(self, group_id: str, user_ids: Sequence[str]) -> dict[str, MemberRecord]:
        ids = list(dict.fromkeys(user_ids))

        def read(db: sqlite3.Connection) -> dict[str, MemberRecord]:
            found: dict[str, MemberRecord] = {}
            for chunk in _chunks(ids):
                for row in db.execute(
                    f"SELECT {_MEMBER_COLUMNS} FROM members"
                    f" WHERE group_id = ? AND user_id IN ({_placeholders(len(chunk))})",
                    [group_id, *chunk],
                ):
                    found[row[0]] = _member(row)
            return found

        return await self._db.run(read)

    async def list_members(self, group_id: str, offset: int, limit: int) -> list[MemberRecord]:
        if limit <= 0:
            return []

        def read(db: sqlite3.Connection) -> list[MemberRecord]:
            rows = db.execute(
                f"SELECT {_MEMBER_COLUMNS} FROM members INDEXED BY members_by_join"
                " WHERE group_id = ? ORDER BY join_time, user_id LIMIT ? OFFSET ?",
                (group_id, limit, max(offset, 0)),
            )
            return [_member(row) for row in rows]

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
        candidates = _unique_members(members)

        def write(db: sqlite3.Connection) -> AddOutcome:
            group = _existing_group(db, group_id)
            outcome = AddOutcome()
            new: list[MemberRecord] = []
            for m in candidates:
                if db.execute(
                    "SELECT 1 FROM members WHERE group_id = ? AND user_id = ?", (group_id, m.user_id)
                ).fetchone():
                    outcome.existing.append(m.user_id)
                elif _groups_of(db, m.user_id) >= groups_per_user:
                    outcome.over_limit.append(m.user_id)
                else:
                    new.append(m)
            if group.max_members and group.member_count + len(new) > group.max_members:
                raise GroupcastError(
                    ErrorCode.GROUP_FULL,
                    f"group {group_id} has {group.member_count} of {group.max_members} members;"
                    f" {len(new)} more do not fit",
                )
            _insert_members(db, group_id, new, group.next_msg_seq)
            if new:
                db.execute("UPDATE groups SET member_count = member_count + ? WHERE group_id = ?", (len(new), group_id))
            outcome.added = [m.user_id for m in new]
            return outcome

        return await self._db.run(write)

    async def remove_members(self, group_id: str, user_ids: Sequence[str]) -> list[str]:
        ids = list(dict.fromkeys(user_ids))

        def write(db: sqlite3.Connection) -> list[str]:
            group = _read_group(db, group_id)
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
            member = _read_member(db, group_id, user_id)
            if member is None:
                return None
            for field in ("role", "msg_flag", "name_card", "mute_until", "read_seq", "join_seq"):
                value = getattr(changes, field)
                if value is not None:
                    setattr(member, field, value)
            if changes.custom is not None:
                member.custom = _merge_custom(member.custom, changes.custom)
            db.execute(
                "UPDATE members SET role = ?, msg_flag = ?, name_card = ?, mute_until = ?, custom = ?,"
                " read_seq = ?, join_seq = ? WHERE group_id = ? AND user_id = ?",
                (
                    member.role,
                    member.msg_flag,
                    member.name_card,
                    member.mute_until,
                    _pack_custom(member.custom),
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

    # -- history ----------------------------------------------------------------------

    async def append_message(
        self, group_id: str, message: MessageRecord, *, now: int, dedupe_since: int
    ) -> tuple[MessageRecord, bool]:
        m = message
        body = bytes(m.body)

        def write(db: sqlite3.Connection) -> tuple[MessageRecord, bool]:
            if m.kind == "msg":
                first = db.execute(
                    f"SELECT {_MESSAGE_COLUMNS} FROM messages INDEXED BY messages_dedupe"
                    " WHERE group_id = ? AND sender_id = ? AND random = ? AND kind = 'msg' AND time >= ?"
                    " ORDER BY seq LIMIT 1",
                    (group_id, m.sender_id, m.random, dedupe_since),
                ).fetchone()
                if first is not None:
                    return _message(first), True
            row = db.execute("SELECT next_msg_seq FROM groups WHERE group_id = ?", (group_id,)).fetchone()
            if row is None:
                raise GroupcastError(ErrorCode.GROUP_NOT_FOUND, f"group {group_id} does not exist")
            seq = row[0]
            db.execute(
                "UPDATE groups SET next_msg_seq = ?, last_msg_time = ? WHERE group_id = ?", (seq + 1, now, group_id)
            )
            db.execute(
                f"INSERT INTO messages(group_id, {_MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (group_id, seq, now, m.sender_id, m.random, m.kind, body, int(m.recalled)),
            )
            if m.kind == "msg":
                db.execute(
                    "UPDATE members SET last_send_time = ? WHERE group_id = ? AND user_id = ?",
                    (now, group_id, m.sender_id),
                )
            return msgspec.structs.replace(m, seq=seq, time=now, body=body), False

        return await self._db.run(write)

    async def read_messages(
        self, group_id: str, *, after: int | None = None, before: int | None = None, limit: int
    ) -> list[MessageRecord]:
        """With ``after`` (and ``before`` too): the first ones in (after, before). With
        ``before`` alone: the last ones below it. With neither: the latest. One range scan
        of the primary key, in the direction that reaches the wanted end first."""
        if limit <= 0:
            return []
        low = -1 if after is None else after
        high = 2**62 if before is None else before
        newest_first = after is None

        def read(db: sqlite3.Connection) -> list[MessageRecord]:
            rows = db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE group_id = ? AND seq > ? AND seq < ?"
                f" ORDER BY seq {'DESC' if newest_first else 'ASC'} LIMIT ?",
                (group_id, low, high, limit),
            ).fetchall()
            records = [_message(row) for row in rows]
            if newest_first:
                records.reverse()
            return records

        return await self._db.run(read)

    async def recall_message(self, group_id: str, seq: int, kept_body: bytes) -> MessageRecord | None:
        def write(db: sqlite3.Connection) -> MessageRecord | None:
            row = db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE group_id = ? AND seq = ?", (group_id, seq)
            ).fetchone()
            if row is None:
                return None
            record = _message(row)
            if record.kind != "msg":
                return None
            if not record.recalled:
                db.execute(
                    "UPDATE messages SET recalled = 1, body = ? WHERE group_id = ? AND seq = ?",
                    (kept_body, group_id, seq),
                )
                record.recalled, record.body = True, kept_body
            return record

        return await self._db.run(write)

    async def set_read_seq(self, group_id: str, user_id: str, seq: int) -> int | None:
        def write(db: sqlite3.Connection) -> int | None:
            row = db.execute(
                "SELECT read_seq FROM members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
            ).fetchone()
            if row is None:
                return None
            if seq <= row[0]:
                return int(row[0])
            db.execute("UPDATE members SET read_seq = ? WHERE group_id = ? AND user_id = ?", (seq, group_id, user_id))
            return seq

        return await self._db.run(write)

    # -- AVChatRoom restrictions --------------------------------------------------------

    async def restrict(self, group_id: str, user_id: str, kind: str, until: int) -> None:
        """``GROUP_NOT_FOUND`` if there is no such group (nothing outlives its group)."""

        def write(db: sqlite3.Connection) -> None:
            if not db.execute("SELECT 1 FROM groups WHERE group_id = ?", (group_id,)).fetchone():
                raise GroupcastError(ErrorCode.GROUP_NOT_FOUND, f"group {group_id} does not exist")
            if until:
                db.execute(
                    "INSERT INTO restrictions(group_id, user_id, kind, until) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(group_id, user_id, kind) DO UPDATE SET until = excluded.until",
                    (group_id, user_id, kind, until),
                )
            else:
                db.execute(
                    "DELETE FROM restrictions WHERE group_id = ? AND user_id = ? AND kind = ?",
                    (group_id, user_id, kind),
                )

        await self._db.run(write)

    async def restrictions(self, group_id: str, user_id: str) -> dict[str, int]:
        def read(db: sqlite3.Connection) -> dict[str, int]:
            rows = db.execute(
                "SELECT kind, until FROM restrictions WHERE group_id = ? AND user_id = ?", (group_id, user_id)
            )
            return {kind: until for kind, until in rows}

        return await self._db.run(read)

    async def restricted(self, group_id: str, kind: str) -> dict[str, int]:
        def read(db: sqlite3.Connection) -> dict[str, int]:
            rows = db.execute(
                "SELECT user_id, until FROM restrictions WHERE group_id = ? AND kind = ?", (group_id, kind)
            )
            return {user: until for user, until in rows}

        return await self._db.run(read)

    # -- AVChatRoom audience counts (memory: one node) -------------------------------

    async def set_room_audience(self, group_id: str, node_id: str, count: int, now: float) -> None:
        counts = self._audience.setdefault(group_id, {})
        if count:
            counts[node_id] = (count, now)
        else:
            counts.pop(node_id, None)
        if not counts:
            del self._audience[group_id]

    async def room_audience(self, group_id: str, since: float) -> int:
        return sum(n for n, at in self._audience.get(group_id, {}).values() if at >= since)

    # -- console sign-outs ------------------------------------------------------------

    async def end_console_session(self, session_id: str, until: int, now: int) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM console_signouts WHERE until <= ?", (now,))
            if until > now:
                db.execute("INSERT OR REPLACE INTO console_signouts VALUES (?, ?)", (session_id, until))

        await self._db.run(write)

    async def console_session_ended(self, session_id: str, now: int) -> bool:
        def read(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT until FROM console_signouts WHERE session_id = ?", (session_id,)).fetchone()
            return row is not None and row[0] > now

        return await self._db.run(read)

    # -- system notices ---------------------------------------------------------------

    async def append_notices(self, user_ids: Sequence[str], payload: bytes) -> dict[str, int]:
        ids = list(dict.fromkeys(user_ids))
        blob = bytes(payload)

        def write(db: sqlite3.Connection) -> dict[str, int]:
            seqs: dict[str, int] = {}
            for uid in ids:
                row = db.execute("SELECT last_seq FROM notice_seqs WHERE user_id = ?", (uid,)).fetchone()
                seq = (row[0] if row else 0) + 1
                db.execute(
                    "INSERT INTO notice_seqs(user_id, last_seq) VALUES (?, ?)"
                    " ON CONFLICT(user_id) DO UPDATE SET last_seq = excluded.last_seq",
                    (uid, seq),
                )
                db.execute("INSERT INTO notices(user_id, seq, payload) VALUES (?, ?, ?)", (uid, seq, blob))
                if seq > NOTICES_KEPT:
                    db.execute("DELETE FROM notices WHERE user_id = ? AND seq <= ?", (uid, seq - NOTICES_KEPT))
                seqs[uid] = seq
            return seqs

        return await self._db.run(write)

    async def notices_after(self, user_id: str, after_seq: int, limit: int) -> list[tuple[int, bytes]]:
        if limit <= 0:
            return []

        def read(db: sqlite3.Connection) -> list[tuple[int, bytes]]:
            rows = db.execute(
                "SELECT seq, payload FROM notices WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (user_id, after_seq, limit),
            )
            return [(seq, bytes(payload)) for seq, payload in rows]

        return await self._db.run(read)

    async def last_notice_seq(self, user_id: str) -> int:
        def read(db: sqlite3.Connection) -> int:
            row = db.execute("SELECT last_seq FROM notice_seqs WHERE user_id = ?", (user_id,)).fetchone()
            return int(row[0]) if row else 0

        return await self._db.run(read)

    # -- pendency ---------------------------------------------------------------------

    async def add_application(self, application: Application, recipients: Sequence[str], *, keep: int) -> None:
        a = application
        ids = list(dict.fromkeys(recipients))

        def write(db: sqlite3.Connection) -> None:
            db.execute(
                f"INSERT OR REPLACE INTO applications({_APPLICATION_COLUMNS}) VALUES ({_placeholders(10)})",
                (
                    a.application_id,
                    a.group_id,
                    a.kind,
                    a.from_user,
                    a.to_user,
                    a.add_time,
                    a.request_msg,
                    a.handled_by,
                    a.handled_msg,
                    a.result,
                ),
            )
            for uid in ids:
                # Adding an item that is already on the list moves it to the top, unread.
                db.execute("DELETE FROM pendency WHERE user_id = ? AND application_id = ?", (uid, a.application_id))
                top = db.execute("SELECT max(ord) FROM pendency WHERE user_id = ?", (uid,)).fetchone()[0]
                db.execute(
                    "INSERT INTO pendency(user_id, ord, application_id, added_at, read) VALUES (?, ?, ?, ?, 0)",
                    (uid, (top or 0) + 1, a.application_id, a.add_time),
                )
                db.execute(
                    "DELETE FROM pendency WHERE user_id = ? AND ord NOT IN"
                    " (SELECT ord FROM pendency WHERE user_id = ? ORDER BY ord DESC LIMIT ?)",
                    (uid, uid, max(keep, 0)),
                )

        await self._db.run(write)

    async def get_application(self, application_id: str) -> Application | None:
        return await self._db.run(lambda db: _read_application(db, application_id))

    async def find_pending(self, group_id: str, kind: int, from_user: str, to_user: str) -> Application | None:
        def read(db: sqlite3.Connection) -> Application | None:
            row = db.execute(
                f"SELECT {_APPLICATION_COLUMNS} FROM applications WHERE group_id = ? AND from_user = ?"
                " AND kind = ? AND to_user = ? AND result = -1 ORDER BY add_time DESC LIMIT 1",
                (group_id, from_user, kind, to_user),
            ).fetchone()
            return None if row is None else _application(row)

        return await self._db.run(read)

    async def pendency(self, user_id: str) -> list[tuple[Application, bool]]:
        columns = ", ".join(f"a.{c.strip()}" for c in _APPLICATION_COLUMNS.split(","))

        def read(db: sqlite3.Connection) -> list[tuple[Application, bool]]:
            rows = db.execute(
                f"SELECT {columns}, p.read FROM pendency p JOIN applications a USING (application_id)"
                " WHERE p.user_id = ? ORDER BY p.ord DESC",
                (user_id,),
            )
            return [(_application(row), bool(row[10])) for row in rows]

        return await self._db.run(read)

    async def mark_pendency_read(self, user_id: str) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute("UPDATE pendency SET read = 1 WHERE user_id = ? AND read = 0", (user_id,))

        await self._db.run(write)

    async def decide_application(self, application_id: str, handler_id: str, accept: bool, message: str) -> Application:
        def write(db: sqlite3.Connection) -> Application:
            application = _read_application(db, application_id)
            if application is None:
                raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"no application {application_id}")
            if application.result != -1:
                raise GroupcastError(ErrorCode.ALREADY_HANDLED, f"application {application_id} was already handled")
            application.result = 1 if accept else 0
            application.handled_by = handler_id
            application.handled_msg = message
            db.execute(
                "UPDATE applications SET result = ?, handled_by = ?, handled_msg = ? WHERE application_id = ?",
                (application.result, handler_id, message, application_id),
            )
            return application

        return await self._db.run(write)
