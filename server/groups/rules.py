"""The rules of each group type, as data, and the pure checks that read them.

Rule 1: a permission is a minimum rank. Ranks, weakest first: non-member, member, admin,
owner, app admin. ``Level.NOBODY`` is above every rank (not even the app admin).
Rule 2: the app admin acts only through the REST API and the console, never as a device.
Rule 3: where the seed rules (../shared/reference/group-system.md, "Decisions") differ
from Tencent's current behaviour, the seed rules are the table below.

Nothing here awaits or touches the store: handlers load the group and the actor's
membership, ask these functions, and raise what they raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum, IntEnum, StrEnum

from protocol.errors import ErrorCode, GroupcastError

__all__ = [
    "RULES",
    "Apply",
    "GroupType",
    "Level",
    "Rank",
    "TypeRules",
    "check",
    "check_target",
    "parse_type",
    "rank_of",
    "validate_custom_group_id",
    "validate_text",
]


class GroupType(StrEnum):
    WORK = "Work"
    PUBLIC = "Public"
    MEETING = "Meeting"
    AVCHATROOM = "AVChatRoom"
    COMMUNITY = "Community"


class Rank(IntEnum):
    NON_MEMBER = 0
    MEMBER = 1
    ADMIN = 2
    OWNER = 3
    APP_ADMIN = 4


class Level(IntEnum):
    """Who may: the minimum rank."""

    ANYONE = 0
    MEMBER = 1
    ADMIN = 2
    OWNER = 3
    APP_ADMIN = 4
    NOBODY = 5


class Apply(Enum):
    """How an application to join is handled."""

    REFUSED = "refused"  # Work: join only by invitation
    FREE = "free"  # Community: joins at once
    BY_JOIN_OPTION = "by join option"  # the group's ApplyJoinOption decides


@dataclass(frozen=True)
class TypeRules:
    type: GroupType
    wire_name: str  # Tencent's type ID, emitted on the wire
    id_prefix: str  # prefix of generated group IDs
    default_max_members: int  # 0: unlimited
    has_admins: bool
    stores_members: bool  # AVChatRoom: memberless, audience in memory only
    invite: Level
    invitee_consents: bool  # Work: the invitee must accept
    apply: Apply
    default_join_option: str
    join_option_settable: bool
    dismiss: Level
    transfer: Level
    owner_can_quit: bool
    kick: Level
    edit_profile: Level
    mute: Level
    set_admin: Level
    profile_public: bool  # non-members may read the profile
    in_joined_list: bool
    new_members_see_history: bool
    default_remind: str = "AcceptAndNotify"  # a new member's receive option
    unread_counts: bool = True


_WORK = TypeRules(
    type=GroupType.WORK,
    wire_name="Private",
    id_prefix="@TGS#1",
    default_max_members=200,
    has_admins=False,
    stores_members=True,
    invite=Level.MEMBER,
    invitee_consents=True,
    apply=Apply.REFUSED,
    default_join_option="DisableApply",
    join_option_settable=False,
    dismiss=Level.APP_ADMIN,
    transfer=Level.OWNER,
    owner_can_quit=True,
    kick=Level.OWNER,
    edit_profile=Level.MEMBER,
    mute=Level.NOBODY,
    set_admin=Level.NOBODY,
    profile_public=False,
    in_joined_list=True,
    new_members_see_history=False,
)
_PUBLIC = TypeRules(
    type=GroupType.PUBLIC,
    wire_name="Public",
    id_prefix="@TGS#2",
    default_max_members=2000,
    has_admins=True,
    stores_members=True,
    invite=Level.APP_ADMIN,
    invitee_consents=False,
    apply=Apply.BY_JOIN_OPTION,
    default_join_option="NeedPermission",
    join_option_settable=True,
    dismiss=Level.OWNER,
    transfer=Level.OWNER,
    owner_can_quit=False,
    kick=Level.ADMIN,
    edit_profile=Level.ADMIN,
    mute=Level.ADMIN,
    set_admin=Level.OWNER,
    profile_public=True,
    in_joined_list=True,
    new_members_see_history=False,
)
# Meeting: as Public (the seed's decision for profile edits), joined freely by default.
_MEETING = replace(
    _PUBLIC,
    type=GroupType.MEETING,
    wire_name="ChatRoom",
    id_prefix="@TGS#3",
    default_max_members=10000,
    default_join_option="FreeAccess",
    default_remind="AcceptNotNotify",
    unread_counts=False,
)
# AVChatRoom: memberless; anyone may invite; the owner alone manages.
_AVCHATROOM = replace(
    _PUBLIC,
    type=GroupType.AVCHATROOM,
    wire_name="AVChatRoom",
    id_prefix="@TGS#a",
    default_max_members=0,
    has_admins=False,
    stores_members=False,
    invite=Level.ANYONE,
    default_join_option="FreeAccess",
    kick=Level.OWNER,
    edit_profile=Level.OWNER,
    mute=Level.OWNER,
    set_admin=Level.NOBODY,
    in_joined_list=False,
    default_remind="AcceptNotNotify",
    unread_counts=False,
)
# Community: members invite directly, anyone joins at once, history is shared.
_COMMUNITY = replace(
    _PUBLIC,
    type=GroupType.COMMUNITY,
    wire_name="Community",
    id_prefix="@TGS#_@TGS#c",
    default_max_members=100000,
    invite=Level.MEMBER,
    apply=Apply.FREE,
    default_join_option="FreeAccess",
    join_option_settable=False,
    new_members_see_history=True,
)
RULES: dict[GroupType, TypeRules] = {r.type: r for r in (_WORK, _PUBLIC, _MEETING, _AVCHATROOM, _COMMUNITY)}

# Input spellings, current and legacy (Private = Work, ChatRoom = Meeting).
_TYPE_NAMES = {r.type.value: r.type for r in RULES.values()} | {r.wire_name: r.type for r in RULES.values()}

ROLE_RANK = {"Owner": Rank.OWNER, "Admin": Rank.ADMIN, "Member": Rank.MEMBER}

# Limits, in UTF-8 bytes (group-system.md, "Decisions").
NAME_BYTES = 30
INTRODUCTION_BYTES = 240
NOTIFICATION_BYTES = 300
FACE_URL_BYTES = 100
NAME_CARD_BYTES = 50
GROUP_CUSTOM_VALUE_BYTES = 512
MEMBER_CUSTOM_VALUE_BYTES = 64
GROUP_ID_BYTES = 48
_PRINTABLE = re.compile(r"[\x20-\x7e]+")


def parse_type(name: str) -> TypeRules:
    group_type = _TYPE_NAMES.get(name)
    if group_type is None:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"unknown group type {name!r}")
    return RULES[group_type]


def rules_of(type_name: str) -> TypeRules:
    """The rules of a stored group (its canonical type name)."""
    return RULES[GroupType(type_name)]


def rank_of(role: str | None, is_app_admin: bool = False) -> Rank:
    if is_app_admin:
        return Rank.APP_ADMIN
    return ROLE_RANK.get(role or "", Rank.NON_MEMBER)


def check(level: Level, rank: Rank, what: str) -> None:
    """Refuse with NO_PERMISSION unless ``rank`` reaches ``level``."""
    if rank < level:
        if level is Level.NOBODY:
            raise GroupcastError(ErrorCode.NO_PERMISSION, f"{what}: not allowed for this group type")
        raise GroupcastError(ErrorCode.NO_PERMISSION, f"{what}: needs {level.name.lower().replace('_', ' ')} or above")


def check_target(actor: Rank, target: Rank, what: str) -> None:
    """Acting on another member: below the app admin, only on someone ranked lower
    (an admin cannot act on the owner or another admin)."""
    if actor < Rank.APP_ADMIN and target >= actor:
        raise GroupcastError(ErrorCode.NO_PERMISSION, f"{what}: only on members ranked below you")


def validate_text(value: str, limit: int, what: str) -> str:
    if len(value.encode()) > limit:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{what} is over {limit} bytes")
    return value


def validate_custom_group_id(group_id: str, rules: TypeRules) -> str:
    """Printable ASCII, at most 48 bytes; not ``@TGS#`` (Community: must be ``@TGS#_``)."""
    if not _PRINTABLE.fullmatch(group_id) or len(group_id) > GROUP_ID_BYTES:
        raise GroupcastError(
            ErrorCode.INVALID_GROUP_ID, f"group ID must be 1-{GROUP_ID_BYTES} printable ASCII characters"
        )
    if rules.type is GroupType.COMMUNITY:
        if not group_id.startswith("@TGS#_"):
            raise GroupcastError(ErrorCode.INVALID_GROUP_ID, "a Community group ID must start with @TGS#_")
    elif group_id.startswith("@TGS#"):
        raise GroupcastError(ErrorCode.INVALID_GROUP_ID, "custom group IDs must not start with @TGS#")
    return group_id
