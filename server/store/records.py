"""Records the stores keep and the domain reads: plain data, and the two rules about them
that every store applies the same way (:func:`unique_members`, :func:`merge_custom`)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

__all__ = [
    "Account",
    "AddOutcome",
    "Application",
    "DeviceRecord",
    "GroupChanges",
    "GroupRecord",
    "MemberChanges",
    "MemberRecord",
    "MessageRecord",
    "merge_custom",
    "unique_members",
]


class Account(msgspec.Struct, kw_only=True):
    """A registered user. ``None`` profile fields in an import mean "keep what is there"."""

    user_id: str
    nick: str | None = None
    face_url: str | None = None
    created_at: int = 0


class DeviceRecord(msgspec.Struct, kw_only=True):
    """One online device of a user: which session (on which node) holds it, until when."""

    device_id: str
    platform: str
    login_time: int
    session_id: str
    expires_at: float = 0.0


class GroupRecord(msgspec.Struct, kw_only=True):
    """A group's profile and counters. ``type`` is the canonical name (Work, Public,
    Meeting, AVChatRoom, Community); ``max_members`` 0 means unlimited."""

    group_id: str
    type: str
    name: str
    owner_id: str = ""
    introduction: str = ""
    notification: str = ""
    face_url: str = ""
    max_members: int = 0
    join_option: str = "NeedPermission"
    mute_all: bool = False
    custom: dict[str, str] = {}
    created_at: int = 0
    info_seq: int = 0
    last_info_time: int = 0
    last_msg_time: int = 0
    next_msg_seq: int = 1
    member_count: int = 0


class GroupChanges(msgspec.Struct, kw_only=True):
    """A profile update: None leaves a field alone. In ``custom`` an empty value deletes
    the key."""

    name: str | None = None
    introduction: str | None = None
    notification: str | None = None
    face_url: str | None = None
    join_option: str | None = None
    mute_all: bool | None = None
    custom: dict[str, str] | None = None
    owner_id: str | None = None  # memberless groups (AVChatRoom) change owner here
    max_members: int | None = None  # 0: unlimited


class MemberRecord(msgspec.Struct, kw_only=True):
    """One member of a group. ``msg_flag``: AcceptAndNotify, AcceptNotNotify or Discard."""

    user_id: str
    role: str = "Member"
    join_time: int = 0
    msg_flag: str = "AcceptAndNotify"
    name_card: str = ""
    mute_until: int = 0
    last_send_time: int = 0
    custom: dict[str, str] = {}
    read_seq: int = 0
    join_seq: int = 0  # the group's next_msg_seq when the member joined (set by the store)


class MemberChanges(msgspec.Struct, kw_only=True):
    """A member update: None leaves a field alone; in ``custom`` "" deletes the key."""

    role: str | None = None
    msg_flag: str | None = None
    name_card: str | None = None
    mute_until: int | None = None
    custom: dict[str, str] | None = None
    read_seq: int | None = None  # set as given (migrations may lower it; set_read_seq only raises)
    join_seq: int | None = None  # set as given (imported members' history start)


class AddOutcome(msgspec.Struct, kw_only=True):
    """What ``add_members`` did with each user it was given."""

    added: list[str] = []
    existing: list[str] = []
    over_limit: list[str] = []


class Application(msgspec.Struct, kw_only=True):
    """A decision waiting on someone: ``kind`` 0 = an application to join (decided by
    the owner and admins), 1 = an invitation (decided by the invitee ``to_user``).
    ``result`` -1 pending, 0 refused, 1 accepted."""

    application_id: str
    group_id: str
    kind: int
    from_user: str
    to_user: str = ""
    add_time: int = 0
    request_msg: str = ""
    handled_by: str = ""
    handled_msg: str = ""
    result: int = -1


class MessageRecord(msgspec.Struct, kw_only=True):
    """One entry of a group's history: a message (``kind`` "msg") or a tip ("tip").
    ``body`` is the encoded push, opaque to the store. ``seq`` and ``time`` are set by
    the store when it appends the record."""

    seq: int = 0
    time: int = 0
    sender_id: str = ""
    random: int = 0
    kind: str = "msg"
    body: bytes = b""
    recalled: bool = False


def unique_members(members: Sequence[MemberRecord]) -> list[MemberRecord]:
    """One record per user ID, the first one given."""
    seen: dict[str, MemberRecord] = {}
    for m in members:
        seen.setdefault(m.user_id, m)
    return list(seen.values())


def merge_custom(current: dict[str, str], changes: dict[str, str]) -> dict[str, str]:
    """``changes`` applied to ``current``: an empty value deletes the key."""
    merged = dict(current)
    for key, value in changes.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
