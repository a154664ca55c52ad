"""Records <-> what the Redis store keeps (see :mod:`.keys` for where).

Profiles (groups, applications) are hashes of text fields; devices, restrictions and
``custom`` maps are JSON; member and history records are MessagePack, the member a map
(so that scripts can edit it with cmsgpack) and the history record an array.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from ..records import Application, DeviceRecord, GroupChanges, GroupRecord, MemberRecord, MessageRecord

__all__ = [
    "GROUP_CHANGEABLE",
    "GROUP_TEXT_FIELDS",
    "MEMBER_CHANGEABLE",
    "as_str",
    "decode_device",
    "decode_restrictions",
    "decoded",
    "encode_json",
    "member_args",
    "msg_flag_of",
    "pack_member",
    "pack_message",
    "pairs",
    "parties",
    "read_application",
    "read_group",
    "read_member",
    "read_message",
    "text",
]

# The GroupRecord fields kept as text in ``:info`` (``custom`` is JSON; ``member_count``
# is written by the scripts that change members).
GROUP_TEXT_FIELDS = [f for f in GroupRecord.__struct_fields__ if f not in ("custom", "member_count")]
# What ``update_group`` sets field by field (``custom`` merges).
GROUP_CHANGEABLE = tuple(f for f in GroupChanges.__struct_fields__ if f != "custom")
# What ``update_member`` sets in the record (the role lives in ``:roles``; ``custom`` merges).
MEMBER_CHANGEABLE = ("msg_flag", "name_card", "mute_until", "read_seq", "join_seq")


class _StoredMember(msgspec.Struct, kw_only=True):
    """A member record as kept in ``:members``: the user ID is the hash field and the
    role lives in ``:roles``."""

    join_time: int = 0
    msg_flag: str = "AcceptAndNotify"
    name_card: str = ""
    mute_until: int = 0
    last_send_time: int = 0
    custom: dict[str, str] = {}
    read_seq: int = 0
    join_seq: int = 0


class _StoredMessage(msgspec.Struct, array_like=True):
    """A history record as kept in ``:history``: the seq is the hash field."""

    time: int
    sender_id: str
    random: int
    kind: str
    body: bytes
    recalled: bool = False


_json = msgspec.json.Encoder()
_msgpack = msgspec.msgpack.Encoder()
_device = msgspec.json.Decoder(DeviceRecord)
_custom = msgspec.json.Decoder(dict[str, str])
_restrictions = msgspec.json.Decoder(dict[str, int])
_stored_member = msgspec.msgpack.Decoder(_StoredMember)
_stored_message = msgspec.msgpack.Decoder(_StoredMessage)


def encode_json(value: Any) -> bytes:
    return _json.encode(value)


def decode_device(raw: bytes | str) -> DeviceRecord:
    return _device.decode(raw)


def decode_restrictions(raw: bytes | str) -> dict[str, int]:
    return _restrictions.decode(raw)


def text(value: str | int | bool) -> str | int:
    """A field value as Redis keeps it in a hash (bools as 0 / 1)."""
    return int(value) if isinstance(value, bool) else value


def pairs(flat: Sequence[bytes]) -> dict[str, str]:
    """A Lua HGETALL reply (flat field, value list) as a dict."""
    return {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}


def as_str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def decoded(row: Mapping[bytes, bytes] | Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    """An HGETALL reply with text keys and values."""
    return {as_str(k): as_str(v) for k, v in row.items()}


def read_group(row: dict[str, str]) -> GroupRecord:
    """A group from its ``:info`` fields (which it consumes)."""
    custom = _custom.decode(row.pop("custom", "{}"))
    return msgspec.convert({**row, "custom": custom}, GroupRecord, strict=False)


def read_application(row: dict[str, str]) -> Application:
    return msgspec.convert(row, Application, strict=False)


def pack_member(m: MemberRecord) -> bytes:
    fields = msgspec.structs.asdict(m)
    del fields["user_id"], fields["role"]
    return _msgpack.encode(_StoredMember(**fields))


def read_member(user_id: str, blob: bytes, role: bytes | None) -> MemberRecord:
    """A member from its ``:members`` record and its ``:roles`` entry (None: a Member)."""
    stored = msgspec.structs.asdict(_stored_member.decode(blob))
    return MemberRecord(user_id=user_id, role=as_str(role or b"Member"), **stored)


def msg_flag_of(blob: bytes) -> str:
    """The ``msg_flag`` of a ``:members`` record."""
    return _stored_member.decode(blob).msg_flag


def member_args(members: Sequence[MemberRecord], join_seq: int = 0) -> list[str | int | bytes]:
    """The (user, record, join_time, role) quadruples of the member scripts; ``join_seq``
    goes in the record (the add script sets it itself)."""
    args: list[str | int | bytes] = []
    for m in members:
        args += [m.user_id, pack_member(msgspec.structs.replace(m, join_seq=join_seq)), m.join_time, m.role]
    return args


def pack_message(m: MessageRecord, now: int) -> bytes:
    return _msgpack.encode(_StoredMessage(now, m.sender_id, m.random, m.kind, bytes(m.body), m.recalled))


def read_message(seq: int, blob: bytes) -> MessageRecord:
    s = _stored_message.decode(blob)
    return MessageRecord(
        seq=seq, time=s.time, sender_id=s.sender_id, random=s.random, kind=s.kind, body=s.body, recalled=s.recalled
    )


def parties(kind: int, from_user: str, to_user: str) -> bytes:
    """The ``:pending`` field of an application: who it is between."""
    return _json.encode([kind, from_user, to_user])
