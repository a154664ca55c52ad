"""Group ops, their results, and the group pushes (system notices and tips).

Names follow Tencent's Web SDK v3 (``createGroup``, ``joinGroup``, ``groupID``,
``avatar``, ``muteAllMembers``, ``messageRemindType``...). Group types are emitted with
Tencent's type IDs (``Private``, ``Public``, ``ChatRoom``, ``AVChatRoom``,
``Community``); ``Work`` and ``Meeting`` are accepted on input.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Literal

import msgspec

from .messages import Push, Request, UserId, Wire

__all__ = [
    "AddGroupMember",
    "AddGroupMemberResult",
    "ChangeGroupOwner",
    "CreateGroup",
    "CreateGroupResult",
    "CustomField",
    "DeleteGroupMember",
    "DismissGroup",
    "GetGroupApplicationList",
    "GetGroupList",
    "GetGroupMemberList",
    "GetGroupMemberProfile",
    "GetGroupProfile",
    "GroupApplication",
    "GroupApplicationList",
    "GroupId",
    "GroupList",
    "GroupMember",
    "GroupMemberList",
    "GroupProfile",
    "GroupProfileResult",
    "GroupSystemNotice",
    "GroupTip",
    "HandleGroupApplication",
    "JoinGroup",
    "JoinGroupResult",
    "MemberChange",
    "NewMember",
    "NoticeType",
    "NotificationList",
    "ProfileChange",
    "QuitGroup",
    "SelfInfo",
    "SetGroupApplicationRead",
    "SetGroupMemberCustomField",
    "SetGroupMemberMuteTime",
    "SetGroupMemberNameCard",
    "SetGroupMemberRole",
    "SetMessageRemindType",
    "SyncNotifications",
    "TipType",
    "UpdateGroupProfile",
]

GroupId = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
GroupTypeName = Literal["Work", "Private", "Public", "Meeting", "ChatRoom", "AVChatRoom", "Community"]
JoinOption = Literal["FreeAccess", "NeedPermission", "DisableApply"]
Role = Literal["Owner", "Admin", "Member"]
RemindType = Literal["AcceptAndNotify", "AcceptNotNotify", "Discard"]
Count = Annotated[int, msgspec.Meta(ge=1, le=100)]
Offset = Annotated[int, msgspec.Meta(ge=0)]


class NoticeType(IntEnum):
    """``operationType`` of a group system notice (Tencent Web SDK numbering)."""

    JOIN_REQUEST = 1
    JOIN_ACCEPTED = 2
    JOIN_REFUSED = 3
    KICKED = 4
    DISMISSED = 5
    CREATED = 6
    INVITED = 7
    QUIT = 8
    SET_ADMIN = 9
    CANCELED_ADMIN = 10
    INVITE_REQUEST = 12
    INVITE_ACCEPTED = 13
    INVITE_REFUSED = 14
    # groupcast extension: another device of yours changed your receive option
    REMIND_TYPE_CHANGED = 20
    CUSTOM = 255


class TipType(IntEnum):
    """``operationType`` of a group tip (Tencent Web SDK numbering)."""

    MEMBER_JOIN = 1
    MEMBER_QUIT = 2
    MEMBER_KICKED = 3
    SET_ADMIN = 4
    CANCELED_ADMIN = 5
    GROUP_PROFILE_UPDATED = 6
    MEMBER_PROFILE_UPDATED = 7


class CustomField(Wire):
    key: str
    value: str


# -- shapes ------------------------------------------------------------------------------


class SelfInfo(Wire):
    """The caller's own membership in a group."""

    role: str
    join_time: int
    message_remind_type: str
    name_card: str = ""
    mute_until: int = 0


class GroupProfile(Wire):
    group_id: str
    type: str
    name: str
    introduction: str = ""
    notification: str = ""
    avatar: str = ""
    owner_id: str = ""
    create_time: int = 0
    info_sequence: int = 0
    last_info_time: int = 0
    member_count: int = 0
    max_member_count: int = 0
    join_option: str = ""
    mute_all_members: bool = False
    group_custom_field: list[CustomField] = []
    self_info: SelfInfo | None = None
    next_message_seq: int = 1  # the seq the next message or tip will get
    last_message_time: int = 0


class GroupMember(Wire):
    user_id: str
    role: str
    join_time: int
    nick: str = ""
    avatar: str = ""
    name_card: str = ""
    last_send_msg_time: int = 0
    mute_until: int = 0
    member_custom_field: list[CustomField] = []
    message_remind_type: str | None = None  # only in the member's own profile


class NewMember(Wire):
    user_id: UserId
    role: Literal["Admin", "Member"] = "Member"
    member_custom_field: list[CustomField] = []


# -- create, dismiss, transfer -------------------------------------------------------------


class CreateGroupResult(Wire):
    group_id: str
    group: GroupProfile
    over_limit_user_id_list: list[str] = []  # initial members already in too many groups


class CreateGroup(Request):
    """Create a group; the creator owns it. The creator's other devices get a
    ``groupSystemNotice`` of type 6 (created)."""

    result = CreateGroupResult
    name: str
    type: GroupTypeName = "Work"
    group_id: str = ""
    introduction: str = ""
    notification: str = ""
    avatar: str = ""
    max_member_num: Annotated[int, msgspec.Meta(ge=0)] = 0
    join_option: JoinOption | None = None
    member_list: list[NewMember] = []
    group_custom_field: list[CustomField] = []


class DismissGroup(Request):
    """Dismiss a group: every member gets a type-5 notice; all its data is deleted."""

    group_id: GroupId


class ChangeGroupOwner(Request):
    result = None
    group_id: GroupId
    new_owner_id: UserId


# -- profile ---------------------------------------------------------------------------------


class GroupProfileResult(Wire):
    group: GroupProfile


class GetGroupProfile(Request):
    """Members always; non-members where the type's profile is public (not Work)."""

    result = GroupProfileResult
    group_id: GroupId
    group_custom_field_filter: list[str] = []


class UpdateGroupProfile(Request):
    """Change the named fields; members get a tip of type 6 with what changed."""

    result = GroupProfileResult
    group_id: GroupId
    name: str | None = None
    introduction: str | None = None
    notification: str | None = None
    avatar: str | None = None
    join_option: JoinOption | None = None
    mute_all_members: bool | None = None
    group_custom_field: list[CustomField] | None = None


class GroupList(Wire):
    group_list: list[GroupProfile]
    total: int
    next_offset: int = 0


class GetGroupList(Request):
    """The caller's groups (AVChatRoom excluded), with ``selfInfo``, paged."""

    result = GroupList
    offset: Offset = 0
    count: Count = 100


# -- membership ------------------------------------------------------------------------------


class JoinGroupResult(Wire):
    status: Literal["JoinedSuccess", "WaitAdminApproval", "AlreadyInGroup"]
    group_id: str
    type: str = ""  # the group's type: "AVChatRoom" means a live room this session entered


class JoinGroup(Request):
    result = JoinGroupResult
    group_id: GroupId
    apply_message: Annotated[str, msgspec.Meta(max_length=300)] = ""


class QuitGroup(Request):
    group_id: GroupId


class AddGroupMemberResult(Wire):
    success_user_id_list: list[str] = []
    failure_user_id_list: list[str] = []
    existed_user_id_list: list[str] = []
    pending_user_id_list: list[str] = []  # invited, awaiting their consent (Work)
    over_limit_user_id_list: list[str] = []


class AddGroupMember(Request):
    """Invite users; per type: added directly, or (Work) invited to consent."""

    result = AddGroupMemberResult
    group_id: GroupId
    user_id_list: Annotated[list[UserId], msgspec.Meta(min_length=1, max_length=500)]


class DeleteGroupMember(Request):
    """Kick members: each gets a type-4 notice, the rest a tip of type 3. AVChatRoom:
    the users leave the live room, banned for ``duration`` seconds (0: not banned)."""

    group_id: GroupId
    user_id_list: Annotated[list[UserId], msgspec.Meta(min_length=1, max_length=500)]
    reason: Annotated[str, msgspec.Meta(max_length=300)] = ""
    duration: Annotated[int, msgspec.Meta(ge=0, le=4294967295)] = 0


# -- members ---------------------------------------------------------------------------------


class GroupMemberList(Wire):
    member_list: list[GroupMember]
    member_count: int
    next_offset: int = 0


class GetGroupMemberList(Request):
    result = GroupMemberList
    group_id: GroupId
    offset: Offset = 0
    count: Count = 15
    member_custom_field_filter: list[str] = []


class GetGroupMemberProfile(Request):
    result = GroupMemberList
    group_id: GroupId
    user_id_list: Annotated[list[UserId], msgspec.Meta(min_length=1, max_length=50)]
    member_custom_field_filter: list[str] = []


class SetGroupMemberRole(Request):
    """Owner (or app admin) only: make a member an admin, or an admin a member."""

    group_id: GroupId
    user_id: UserId
    role: Literal["Admin", "Member"]


class SetGroupMemberMuteTime(Request):
    """Mute for ``muteTime`` seconds from now; 0 unmutes."""

    group_id: GroupId
    user_id: UserId
    mute_time: Annotated[int, msgspec.Meta(ge=0, le=4294967295)]


class SetGroupMemberNameCard(Request):
    group_id: GroupId
    name_card: str
    user_id: UserId | None = None  # default: yourself


class SetGroupMemberCustomField(Request):
    group_id: GroupId
    member_custom_field: list[CustomField]
    user_id: UserId | None = None  # default: yourself


class SetMessageRemindType(Request):
    """Your own receive option for one group."""

    group_id: GroupId
    message_remind_type: RemindType


# -- pendency ----------------------------------------------------------------------------------


class GroupApplication(Wire):
    """One pending decision. ``applicationType`` 0: someone applied to join a group you
    manage; 1: someone invited you. ``handleStatus`` 0 pending, 1 handled by someone
    else, 2 handled by you; ``handleResult`` 0 refused, 1 accepted."""

    application_id: str
    group_id: str
    group_name: str
    application_type: int
    from_user: str
    to_user: str
    add_time: int
    request_msg: str = ""
    handled_msg: str = ""
    handle_status: int = 0
    handle_result: int = 0
    read: bool = False


class GroupApplicationList(Wire):
    application_list: list[GroupApplication]
    unread_count: int


class GetGroupApplicationList(Request):
    result = GroupApplicationList


class SetGroupApplicationRead(Request):
    """Mark every item of your pendency list as read."""


class HandleGroupApplication(Request):
    """Accept or refuse; the applicant (or inviter) hears the outcome."""

    application_id: str
    handle_action: Literal["Agree", "Reject"]
    handle_message: Annotated[str, msgspec.Meta(max_length=300)] = ""


# -- notifications ------------------------------------------------------------------------------


class GroupSystemNotice(Push):
    """A notice to one user, stored under that user's notification sequence ``seq``."""

    seq: int
    operation_type: int
    group_id: str
    group_name: str = ""
    operator_id: str = ""
    time: int = 0
    handle_message: str = ""
    application_id: str = ""
    user_defined_field: str = ""
    message_remind_type: str = ""


class ProfileChange(Wire, omit_defaults=True):
    """The fields of a group profile that changed (absent: unchanged)."""

    name: str | None = None
    introduction: str | None = None
    notification: str | None = None
    avatar: str | None = None
    owner_id: str | None = None
    join_option: str | None = None
    mute_all_members: bool | None = None
    group_custom_field: list[CustomField] | None = None


class MemberChange(Wire, omit_defaults=True):
    user_id: str
    mute_time: int | None = None
    role: str | None = None
    name_card: str | None = None
    member_custom_field: list[CustomField] | None = None


class GroupTip(Push):
    """An event of a group, to its members. ``seq``: its place in the group's history
    (0 for groups without history, AVChatRoom)."""

    group_id: str
    operation_type: int
    seq: int = 0
    operator_id: str = ""
    time: int = 0
    user_id_list: list[str] = []
    join_type: str = ""  # "Apply" or "Invited" for joins
    member_count: int = 0
    new_group_profile: ProfileChange | None = None
    member_list: list[MemberChange] = []


class NotificationList(Wire):
    notices: list[GroupSystemNotice]
    last_seq: int
    complete: bool


class SyncNotifications(Request):
    """Your notices with ``seq`` above ``afterSeq``, oldest first. ``complete`` False:
    ask again from the last one returned."""

    result = NotificationList
    after_seq: Offset = 0
    count: Count = 100


REQUEST_TYPES: tuple[type[Request], ...] = (
    CreateGroup,
    DismissGroup,
    ChangeGroupOwner,
    GetGroupProfile,
    UpdateGroupProfile,
    GetGroupList,
    JoinGroup,
    QuitGroup,
    AddGroupMember,
    DeleteGroupMember,
    GetGroupMemberList,
    GetGroupMemberProfile,
    SetGroupMemberRole,
    SetGroupMemberMuteTime,
    SetGroupMemberNameCard,
    SetGroupMemberCustomField,
    SetMessageRemindType,
    GetGroupApplicationList,
    SetGroupApplicationRead,
    HandleGroupApplication,
    SyncNotifications,
)
PUSH_TYPES: tuple[type[Push], ...] = (GroupSystemNotice, GroupTip)
