"""Rows <-> records for the embedded store, and the reads and writes several aggregates
share (a group and its members are read by both the group and the member operations).

Every function here that takes ``db`` runs on the database thread, inside the caller's
transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import msgspec

from protocol.errors import ErrorCode, GroupcastError

from ..records import Application, GroupRecord, MemberRecord, MessageRecord

__all__ = [
    "APPLICATION_COLUMNS",
    "GROUP_COLUMNS",
    "MEMBER_COLUMNS",
    "MESSAGE_COLUMNS",
    "chunks",
    "existing_group",
    "groups_of",
    "insert_members",
    "pack_custom",
    "placeholders",
    "read_custom",
    "read_group",
    "read_member",
    "to_application",
    "to_group",
    "to_member",
    "to_message",
]

_CHUNK = 500  # IDs per ``IN (...)``: under SQLite's limit on parameters

GROUP_COLUMNS = (
    "group_id, type, name, owner_id, introduction, notification, face_url, max_members, join_option,"
    " mute_all, custom, created_at, info_seq, last_info_time, last_msg_time, next_msg_seq, member_count"
)
MEMBER_COLUMNS = "user_id, role, join_time, msg_flag, name_card, mute_until, last_send_time, custom, read_seq, join_seq"
MESSAGE_COLUMNS = "seq, time, sender_id, random, kind, body, recalled"
APPLICATION_COLUMNS = (
    "application_id, group_id, kind, from_user, to_user, add_time, request_msg, handled_by, handled_msg, result"
)

_pack = msgspec.msgpack.Encoder()
_unpack_custom = msgspec.msgpack.Decoder(dict[str, str])


def placeholders(n: int) -> str:
    """``?,?,...``: ``n`` SQL parameters."""
    return ",".join("?" * n)


def chunks(items: list[str]) -> list[list[str]]:
    """``items`` in slices of ``_CHUNK``, one query each."""
    return [items[start : start + _CHUNK] for start in range(0, len(items), _CHUNK)]


def pack_custom(custom: dict[str, str]) -> bytes | None:
    return _pack.encode(custom) if custom else None


def read_custom(blob: bytes | None) -> dict[str, str]:
    return _unpack_custom.decode(blob) if blob else {}


def to_group(row: Any) -> GroupRecord:
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
        custom=read_custom(row[10]),
        created_at=row[11],
        info_seq=row[12],
        last_info_time=row[13],
        last_msg_time=row[14],
        next_msg_seq=row[15],
        member_count=row[16],
    )


def to_member(row: Any) -> MemberRecord:
    return MemberRecord(
        user_id=row[0],
        role=row[1],
        join_time=row[2],
        msg_flag=row[3],
        name_card=row[4],
        mute_until=row[5],
        last_send_time=row[6],
        custom=read_custom(row[7]),
        read_seq=row[8],
        join_seq=row[9],
    )


def to_message(row: Any) -> MessageRecord:
    return MessageRecord(
        seq=row[0],
        time=row[1],
        sender_id=row[2],
        random=row[3],
        kind=row[4],
        body=bytes(row[5]),
        recalled=bool(row[6]),
    )


def to_application(row: Any) -> Application:
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


def read_group(db: sqlite3.Connection, group_id: str) -> GroupRecord | None:
    row = db.execute(f"SELECT {GROUP_COLUMNS} FROM groups WHERE group_id = ?", (group_id,)).fetchone()
    return None if row is None else to_group(row)


def existing_group(db: sqlite3.Connection, group_id: str) -> GroupRecord:
    group = read_group(db, group_id)
    if group is None:
        raise GroupcastError(ErrorCode.GROUP_NOT_FOUND, f"group {group_id} does not exist")
    return group


def read_member(db: sqlite3.Connection, group_id: str, user_id: str) -> MemberRecord | None:
    row = db.execute(
        f"SELECT {MEMBER_COLUMNS} FROM members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
    ).fetchone()
    return None if row is None else to_member(row)


def groups_of(db: sqlite3.Connection, user_id: str) -> int:
    return int(db.execute("SELECT count(*) FROM members WHERE user_id = ?", (user_id,)).fetchone()[0])


def insert_members(db: sqlite3.Connection, group_id: str, members: Sequence[MemberRecord], join_seq: int) -> None:
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
                pack_custom(m.custom),
                m.read_seq,
                join_seq,
            )
            for m in members
        ],
    )
