"""The embedded store's schema, and what brings a database of an earlier version up to it.

Existing data dirs keep working: :data:`SCHEMA` only creates what is missing, and
:func:`prepare` (run once at start, on the database thread) adds the columns and indexes
added since, then registers the SQL functions the queries use.
"""

from __future__ import annotations

import sqlite3

__all__ = ["SCHEMA", "prepare"]

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


def prepare(db: sqlite3.Connection) -> None:
    """At start, on the database thread: register the SQL functions, migrate."""
    db.create_function("contains_folded", 2, _contains, deterministic=True)
    _migrate(db)
