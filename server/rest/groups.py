"""``group_open_http_svc``, the group management APIs (rest-api.md section 6):
create_group, get_appid_group_list, get_group_info, modify_group_base_info,
destroy_group, get_joined_group_list, import_group; and change_group_owner (7.6).

Writes call the handlers of the WebSocket ops (``server/groups/manage.py``) as the app
admin, so devices hear of them live: the owner's devices get the "created" notice, the
members of a dismissed group the "dismissed" one, the members of a changed group a tip
of type 6. Reads take the store's records and shape Tencent's objects (3.3, 3.4).

Decisions where the reference leaves room (rest-api.md sections):

* Types (2.9 #10, 3.1): ``Work``/``Meeting`` are accepted wherever a type is, answers
  say ``Private``/``ChatRoom``. ``BChatRoom`` is a valid filter that matches nothing.
* Empty strings are "not set" (2.9 #6) for IDs, types and options (``GroupType``,
  ``Owner_Account``, ``GroupId`` in creations, ``ApplyJoinOption``, ``MuteAllMember``);
  0 is "not set" for ``Limit``, ``MaxMemberCount``, ``MaxMemberNum``, ``CreateTime``.
  Free text keeps ``""``: ``"Notification": ""`` clears the notification.
* ``dobyte/tencent-im`` sends ``Type`` for get_appid_group_list's ``GroupType`` (2.9 #8):
  both are read.
* Legacy names (3.7): ``ShutUpAllMember`` is read like ``MuteAllMember`` (a request
  giving both with different values is refused, 10004), either name in a filter selects
  both, and answers carry both ``MuteAllMember``/``ShutUpAllMember`` and
  ``MuteUntil``/``ShutUpUntil``. An expired mute reads 0.
* ResponseFilter (6.3, 6.6): without one, get_group_info answers every field (with the
  member list and all custom fields), get_joined_group_list only ``GroupId``. With one,
  only what its filters name: ``MemberList`` only if ``MemberInfoFilter`` or
  ``AppDefinedDataFilter_GroupMember`` is given (``Member_Account`` always in it),
  ``AppDefinedData`` only if ``AppDefinedDataFilter_Group`` is given (or
  ``AppDefinedData`` is named in ``GroupBaseInfoFilter``: every key). Unknown names are
  ignored. get_joined_group_list also takes the two custom-field filters.
* get_group_info (6.3): one entry per requested ID, in request order, each with
  ``GroupId``, ``ErrorCode``, ``ErrorInfo``; 10015 for an ID no group can have, 10010
  for one no group has. A group of more than 10,000 members gets 10018 (page its members
  with get_group_member_info); a whole answer over 1 MB is 10018 at the top level
  (section 5: refused, never truncated). AVChatRoom answers an empty ``MemberList``.
* get_appid_group_list (5, 6.2): groups in creation order; ``Next`` is the store's
  creation ordinal of the page's last group (0 when nothing follows), so groups created
  while a client pages come at the end and none is skipped or repeated.
* get_joined_group_list (6.6): groups by group ID. ``WithHugeGroups`` 1 adds the
  AVChatRoom groups the user owns (AVChatRoom keeps no members: the owner is the only
  member it knows); ``WithNoActiveGroups`` is accepted and changes nothing (groupcast has
  no inactive groups); ``SupportTopic`` 1 lists nothing (no topic communities); an
  unknown account has no groups (``TotalCount`` 0).
* create_group / import_group (6.1, 6.7): an unknown ``Owner_Account`` or
  ``Member_Account`` is 10019; more than 100 ``MemberList`` entries 10005; ``Role`` is
  ``Admin`` or ``Member``; ``SupportTopic`` 1 is 10004 (topics are out of scope). The app
  admin adds the members directly (no invitation, no consent), and a member already in
  too many groups is left out. ``MaxMemberCount`` above the type's ceiling is lowered to
  it (the reference client sends 500 for every type), and is ignored for AVChatRoom.
  import_group: no notice to anyone, AVChatRoom 10007, a taken ID 10021.
* modify_group_base_info (6.4): ``MaxMemberNum`` from the member count to the type's
  ceiling, else 10004 (ignored for AVChatRoom). ``InviteJoinOption``,
  ``HistoryMsgBeforeJoin`` and ``From_Account`` are ignored (the rules fix the first two
  per type; tips name the app admin as ""). Muting everyone in a Private group is 10007
  (the type has no muting).
* change_group_owner (7.6): an unknown ``NewOwner_Account`` is 10019, a non-member 10004.
  AVChatRoom ownership can be transferred: the seed rules allow the owner and the app
  admin to (they win over Tencent's 10007, DESIGN.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from protocol.errors import ErrorCode, GroupcastError
from protocol.groups import (
    ChangeGroupOwner,
    CreateGroup,
    CustomField,
    DismissGroup,
    NewMember,
    UpdateGroupProfile,
)

from ..groups import manage
from ..groups import rules as R
from ..groups.common import now, read_position
from ..ops import Ctx
from ..store import GroupRecord, MemberRecord
from .base import Body, Reply, endpoint

__all__: list[str] = []

SERVICE = "group_open_http_svc"
MAX_INITIAL_MEMBERS = 100  # create_group's MemberList (10005 past it)
APP_PAGE = 10_000  # get_appid_group_list's Limit: its default and maximum
JOINED_PAGE = 5_000  # get_joined_group_list's Limit
MEMBER_LIST_MAX = 10_000  # get_group_info lists the members of groups up to this size
RESPONSE_BYTES = 1 << 20  # answers over 1 MB are refused (section 5)
_MIN_MEMBER_BYTES = len(b'{"Member_Account":"a"},')
RESPONSE_TOO_LARGE = 10018

Natural = Annotated[int, msgspec.Meta(ge=0)]
OnOff = Literal["On", "Off", ""]
JoinOption = Literal["FreeAccess", "NeedPermission", "DisableApply", ""]


# -- shared shapes ---------------------------------------------------------------------------


class AppDataItem(msgspec.Struct):
    """One custom field (3.5), in requests and answers."""

    Key: str
    Value: str


class ResponseFilter(Body):
    GroupBaseInfoFilter: list[str] | None = None
    MemberInfoFilter: list[str] | None = None
    SelfInfoFilter: list[str] | None = None
    AppDefinedDataFilter_Group: list[str] | None = None
    AppDefinedDataFilter_GroupMember: list[str] | None = None


class MemberInfo(Reply):
    """A member (3.4), the one shape of get_group_info's and get_group_member_info's
    ``MemberList`` entries and of get_joined_group_list's ``SelfInfo`` (no ``Member_Account``)."""

    Member_Account: str | UnsetType = UNSET
    Role: str | UnsetType = UNSET
    JoinTime: int | UnsetType = UNSET
    MsgSeq: int | UnsetType = UNSET
    MsgFlag: str | UnsetType = UNSET
    LastSendMsgTime: int | UnsetType = UNSET
    NameCard: str | UnsetType = UNSET
    MuteUntil: int | UnsetType = UNSET
    ShutUpUntil: int | UnsetType = UNSET
    AppMemberDefinedData: list[AppDataItem] | UnsetType = UNSET


class GroupInfoItem(Reply):
    """A group (3.3), with the fields asked for."""

    GroupId: str
    ErrorCode: int | UnsetType = UNSET
    ErrorInfo: str | UnsetType = UNSET
    Type: str | UnsetType = UNSET
    Name: str | UnsetType = UNSET
    Introduction: str | UnsetType = UNSET
    Notification: str | UnsetType = UNSET
    FaceUrl: str | UnsetType = UNSET
    Owner_Account: str | UnsetType = UNSET
    CreateTime: int | UnsetType = UNSET
    InfoSeq: int | UnsetType = UNSET
    LastInfoTime: int | UnsetType = UNSET
    LastMsgTime: int | UnsetType = UNSET
    NextMsgSeq: int | UnsetType = UNSET
    MemberNum: int | UnsetType = UNSET
    MaxMemberNum: int | UnsetType = UNSET
    ApplyJoinOption: str | UnsetType = UNSET
    MuteAllMember: str | UnsetType = UNSET
    ShutUpAllMember: str | UnsetType = UNSET
    Appid: int | UnsetType = UNSET
    AppDefinedData: list[AppDataItem] | UnsetType = UNSET
    MemberList: list[MemberInfo] | UnsetType = UNSET
    SelfInfo: MemberInfo | UnsetType = UNSET


class GroupIdReply(Reply):
    GroupId: str


_Field = Callable[[GroupRecord, R.TypeRules], Any]
_BASE_FIELDS: dict[str, _Field] = {
    "Type": lambda g, r: r.wire_name,
    "Name": lambda g, r: g.name,
    "Introduction": lambda g, r: g.introduction,
    "Notification": lambda g, r: g.notification,
    "FaceUrl": lambda g, r: g.face_url,
    "Owner_Account": lambda g, r: g.owner_id,
    "CreateTime": lambda g, r: g.created_at,
    "InfoSeq": lambda g, r: g.info_seq,
    "LastInfoTime": lambda g, r: g.last_info_time,
    "LastMsgTime": lambda g, r: g.last_msg_time,
    "NextMsgSeq": lambda g, r: g.next_msg_seq,
    "MemberNum": lambda g, r: g.member_count,
    "MaxMemberNum": lambda g, r: g.max_members,
    "ApplyJoinOption": lambda g, r: g.join_option,
    "MuteAllMember": lambda g, r: "On" if g.mute_all else "Off",
    "ShutUpAllMember": lambda g, r: "On" if g.mute_all else "Off",
}
# What a MemberInfoFilter can name, in both endpoints that take one, read at a time (an ended mute reads 0).
MEMBER_FIELDS: dict[str, Callable[[MemberRecord, int], Any]] = {
    "Role": lambda m, t: m.role,
    "JoinTime": lambda m, t: m.join_time,
    "MsgSeq": lambda m, t: read_position(m),
    "MsgFlag": lambda m, t: m.msg_flag,
    "LastSendMsgTime": lambda m, t: m.last_send_time,
    "NameCard": lambda m, t: m.name_card,
    "MuteUntil": lambda m, t: m.mute_until if m.mute_until > t else 0,
    "ShutUpUntil": lambda m, t: m.mute_until if m.mute_until > t else 0,
}
_ALIASES = {
    "MuteAllMember": "ShutUpAllMember",
    "ShutUpAllMember": "MuteAllMember",
    "MuteUntil": "ShutUpUntil",
    "ShutUpUntil": "MuteUntil",
}


def named_fields(names: Iterable[str], known: Mapping[str, object]) -> frozenset[str]:
    """The known names among ``names``, with each legacy/current twin of one named."""
    chosen = {n for n in names if n in known}
    return frozenset(chosen | {_ALIASES[n] for n in chosen if n in _ALIASES})


@dataclass(frozen=True)
class Shape:
    """What a group object carries. ``*_keys``: custom keys, None for all of them."""

    base: frozenset[str] = frozenset()
    appid: bool = False
    group_data: bool = False
    group_keys: tuple[str, ...] | None = None
    members: frozenset[str] | None = None  # member fields; None: no member objects
    member_data: bool = False
    member_keys: tuple[str, ...] | None = None

    @classmethod
    def everything(cls) -> Shape:
        return cls(frozenset(_BASE_FIELDS), True, True, None, frozenset(MEMBER_FIELDS), True, None)

    @classmethod
    def of(cls, f: ResponseFilter, members: list[str] | None) -> Shape:
        """What ``f`` names; ``members``: the filter of the member objects
        (``MemberInfoFilter`` or ``SelfInfoFilter``)."""
        base = f.GroupBaseInfoFilter or []
        group_data = f.AppDefinedDataFilter_Group is not None or "AppDefinedData" in base
        member_keys = f.AppDefinedDataFilter_GroupMember
        member_names = members or []
        member_data = member_keys is not None or "AppMemberDefinedData" in member_names
        wants_members = members is not None or member_keys is not None
        return cls(
            base=named_fields(base, _BASE_FIELDS),
            appid="Appid" in base,
            group_data=group_data,
            group_keys=None if f.AppDefinedDataFilter_Group is None else tuple(f.AppDefinedDataFilter_Group),
            members=named_fields(member_names, MEMBER_FIELDS) if wants_members else None,
            member_data=member_data,
            member_keys=None if member_keys is None else tuple(dict.fromkeys(member_keys)),  # named twice, listed once
        )


def _data(values: Mapping[str, str], keys: tuple[str, ...] | None) -> list[AppDataItem]:
    chosen = sorted(values) if keys is None else [k for k in dict.fromkeys(keys) if k in values]
    return [AppDataItem(Key=k, Value=values[k]) for k in chosen]


def member_info(
    member: MemberRecord, fields: Iterable[str], keys: Iterable[str] | None, at: int, *, account: bool = True
) -> MemberInfo:
    """``member`` with ``fields`` (names of ``MEMBER_FIELDS``) and those of its custom
    fields named in ``keys``, in that order (None: no ``AppMemberDefinedData``)."""
    info = MemberInfo(**{name: MEMBER_FIELDS[name](member, at) for name in fields})
    if account:
        info.Member_Account = member.user_id
    if keys is not None:
        info.AppMemberDefinedData = [AppDataItem(Key=k, Value=member.custom[k]) for k in keys if k in member.custom]
    return info


def _member_info(member: MemberRecord, shape: Shape, at: int, *, account: bool) -> MemberInfo:
    """``member`` as ``shape`` asks; no custom keys named means all the member has."""
    keys = sorted(member.custom) if shape.member_keys is None else shape.member_keys
    return member_info(member, shape.members or (), keys if shape.member_data else None, at, account=account)


def _group_info(group: GroupRecord, shape: Shape, appid: int, **extra: Any) -> GroupInfoItem:
    rules = R.rules_of(group.type)
    fields: dict[str, Any] = {name: _BASE_FIELDS[name](group, rules) for name in shape.base}
    if shape.appid:
        fields["Appid"] = appid
    if shape.group_data:
        fields["AppDefinedData"] = _data(group.custom, shape.group_keys)
    return GroupInfoItem(GroupId=group.group_id, **fields, **extra)


def _group_id(value: str) -> str:
    """A group ID to act on: 10004 if missing, 10015 if no group can have it (custom IDs
    are printable ASCII of at most 48 bytes; generated ones are shorter)."""
    if not value:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "GroupId is required")
    if not _possible_id(value):
        raise GroupcastError(ErrorCode.INVALID_GROUP_ID, f"{value!r} is not a valid group ID")
    return value


def _possible_id(value: str) -> bool:
    return 0 < len(value) <= R.GROUP_ID_BYTES and value.isascii() and value.isprintable()


def _type_filter(name: str) -> str | None:
    """The canonical type a ``GroupType`` filter names; "" for BChatRoom (matches no
    group); None for no filter."""
    if not name:
        return None
    if name == "BChatRoom":
        return ""
    return R.parse_type(name).type.value


def _custom(items: Iterable[AppDataItem]) -> list[CustomField]:
    return [CustomField(key=item.Key, value=item.Value) for item in items]


# -- create_group, import_group ------------------------------------------------------------


class NewMemberItem(Body):
    Member_Account: Annotated[str, msgspec.Meta(min_length=1)]
    Role: Literal["Admin", "Member", ""] = ""
    AppMemberDefinedData: list[AppDataItem] = []


class _NewGroup(Body):
    Type: str = ""
    Name: str = ""
    Owner_Account: str = ""
    GroupId: str = ""
    Introduction: str = ""
    Notification: str = ""
    FaceUrl: str = ""
    MaxMemberCount: Natural = 0
    ApplyJoinOption: JoinOption = ""
    AppDefinedData: list[AppDataItem] = []
    SupportTopic: int = 0


class CreateGroupBody(_NewGroup):
    MemberList: list[NewMemberItem] = []


class ImportGroupBody(_NewGroup):
    CreateTime: Natural = 0


def _creation(body: _NewGroup, members: list[NewMemberItem]) -> CreateGroup:
    """The domain's request for a creation: the type checked, the cap clamped."""
    if not body.Type:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "Type is required")
    rules = R.parse_type(body.Type)
    if body.SupportTopic:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "topic-enabled communities are not supported")
    cap = body.MaxMemberCount
    if not rules.stores_members:
        cap = 0  # memberless: no cap to keep
    elif rules.default_max_members:
        cap = min(cap, rules.default_max_members)
    return CreateGroup(
        name=body.Name,
        type=rules.type.value,
        group_id=body.GroupId,
        introduction=body.Introduction,
        notification=body.Notification,
        avatar=body.FaceUrl,
        max_member_num=cap,
        join_option=body.ApplyJoinOption or None,
        member_list=[
            NewMember(
                user_id=m.Member_Account, role=m.Role or "Member", member_custom_field=_custom(m.AppMemberDefinedData)
            )
            for m in members
        ],
        group_custom_field=_custom(body.AppDefinedData),
    )


@endpoint(SERVICE, "create_group", CreateGroupBody, GroupIdReply)
async def create_group(ctx: Ctx, body: CreateGroupBody) -> GroupIdReply:
    """Create a group, with an owner (Owner_Account) or none, and up to 100 initial members added at once.

    The owner's devices get the "created" notice; the members find it in their group list."""
    if len(body.MemberList) > MAX_INITIAL_MEMBERS:
        raise GroupcastError(ErrorCode.TOO_MANY_ACCOUNTS, f"MemberList: at most {MAX_INITIAL_MEMBERS} members")
    created = await manage.create_group(ctx, _creation(body, body.MemberList), owner_id=body.Owner_Account)
    return GroupIdReply(GroupId=created.group_id)


@endpoint(SERVICE, "import_group", ImportGroupBody, GroupIdReply)
async def import_group(ctx: Ctx, body: ImportGroupBody) -> GroupIdReply:
    """Create a migrated group (not AVChatRoom) with its original CreateTime, notifying nobody."""
    imported = await manage.import_group(
        ctx, _creation(body, []), owner_id=body.Owner_Account, created_at=body.CreateTime or None
    )
    return GroupIdReply(GroupId=imported.group_id)


# -- get_appid_group_list ------------------------------------------------------------------


class GetAppidGroupList(Body):
    Limit: Annotated[int, msgspec.Meta(ge=0, le=APP_PAGE)] = 0
    Next: Natural = 0
    GroupType: str = ""
    Type: str = ""  # dobyte/tencent-im's name for GroupType


class GroupIdItem(Reply):
    GroupId: str


class AppidGroupListReply(Reply):
    TotalCount: int
    GroupIdList: list[GroupIdItem]
    Next: int


@endpoint(SERVICE, "get_appid_group_list", GetAppidGroupList, AppidGroupListReply)
async def get_appid_group_list(ctx: Ctx, body: GetAppidGroupList) -> AppidGroupListReply:
    """The IDs of all groups (of one GroupType), in creation order, paged by the Next cursor (0 at the end)."""
    group_type = _type_filter(body.GroupType or body.Type)
    if group_type == "":
        return AppidGroupListReply(TotalCount=0, GroupIdList=[], Next=0)
    limit = body.Limit or APP_PAGE
    page, total = await ctx.node.store.list_groups(group_type=group_type, after=body.Next, limit=limit + 1)
    more = len(page) > limit
    page = page[:limit]
    return AppidGroupListReply(
        TotalCount=total,
        GroupIdList=[GroupIdItem(GroupId=group.group_id) for _, group in page],
        Next=page[-1][0] if more else 0,
    )


# -- get_group_info --------------------------------------------------------------------------


class GetGroupInfo(Body):
    GroupIdList: Annotated[list[str], msgspec.Meta(min_length=1, max_length=50)]
    ResponseFilter: ResponseFilter | None = None


class GroupInfoReply(Reply):
    GroupInfo: list[GroupInfoItem]


@endpoint(SERVICE, "get_group_info", GetGroupInfo, GroupInfoReply)
async def get_group_info(ctx: Ctx, body: GetGroupInfo) -> GroupInfoReply:
    """Profiles, custom fields and member lists of up to 50 groups, each with its own ErrorCode, in request order."""
    store = ctx.node.store
    f = body.ResponseFilter
    shape = Shape.everything() if f is None else Shape.of(f, f.MemberInfoFilter)
    found = await store.get_groups([gid for gid in body.GroupIdList if _possible_id(gid)])
    at = now()
    budget = RESPONSE_BYTES
    entries: list[GroupInfoItem] = []
    for gid in body.GroupIdList:
        group = found.get(gid)
        if group is None:
            code, info = (
                (ErrorCode.GROUP_NOT_FOUND, f"group {gid} does not exist or was dismissed")
                if _possible_id(gid)
                else (ErrorCode.INVALID_GROUP_ID, f"{gid!r} is not a valid group ID")
            )
            entries.append(GroupInfoItem(GroupId=gid, ErrorCode=int(code), ErrorInfo=info))
            continue
        members: list[MemberInfo] | UnsetType = UNSET
        if shape.members is not None:
            if group.member_count > MEMBER_LIST_MAX:
                entries.append(
                    GroupInfoItem(
                        GroupId=gid,
                        ErrorCode=RESPONSE_TOO_LARGE,
                        ErrorInfo=f"{group.member_count} members: page them with get_group_member_info",
                    )
                )
                continue
            budget -= group.member_count * _MIN_MEMBER_BYTES
            if budget < 0:  # certainly over 1 MB: refuse before reading the members
                raise GroupcastError(RESPONSE_TOO_LARGE, "the answer would be over 1 MB: ask for fewer groups")
            records = await store.list_members(gid, 0, group.member_count) if group.member_count else []
            members = [_member_info(m, shape, at, account=True) for m in records]
        entries.append(
            _group_info(group, shape, ctx.node.config.sdkappid, ErrorCode=0, ErrorInfo="", MemberList=members)
        )
    reply = GroupInfoReply(GroupInfo=entries)
    if shape.members is not None and len(msgspec.json.encode(reply)) > RESPONSE_BYTES:
        raise GroupcastError(RESPONSE_TOO_LARGE, "the answer would be over 1 MB: ask for fewer groups or fields")
    return reply


# -- modify_group_base_info -------------------------------------------------------------------


class ModifyGroupBaseInfo(Body):
    GroupId: str = ""
    Name: str | None = None
    Introduction: str | None = None
    Notification: str | None = None
    FaceUrl: str | None = None
    MaxMemberNum: Natural = 0
    ApplyJoinOption: JoinOption = ""
    MuteAllMember: OnOff = ""
    ShutUpAllMember: OnOff = ""
    AppDefinedData: list[AppDataItem] = []


@endpoint(SERVICE, "modify_group_base_info", ModifyGroupBaseInfo)
async def modify_group_base_info(ctx: Ctx, body: ModifyGroupBaseInfo) -> None:
    """Change a group's profile, mute-all, member cap and custom fields ("" deletes a key); members get a tip."""
    mute = body.MuteAllMember or body.ShutUpAllMember
    if body.MuteAllMember and body.ShutUpAllMember and body.MuteAllMember != body.ShutUpAllMember:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "MuteAllMember and ShutUpAllMember disagree")
    request = UpdateGroupProfile(
        group_id=_group_id(body.GroupId),
        name=body.Name,
        introduction=body.Introduction,
        notification=body.Notification,
        avatar=body.FaceUrl,
        join_option=body.ApplyJoinOption or None,
        mute_all_members=None if not mute else mute == "On",
        group_custom_field=_custom(body.AppDefinedData) or None,
    )
    await manage.modify_group_profile(ctx, request, max_members=body.MaxMemberNum or None)


# -- destroy_group, change_group_owner ---------------------------------------------------------


class DestroyGroup(Body):
    GroupId: str = ""


@endpoint(SERVICE, "destroy_group", DestroyGroup)
async def destroy_group(ctx: Ctx, body: DestroyGroup) -> None:
    """Dismiss a group, irreversibly: every member's devices get the "dismissed" notice."""
    await manage.dismiss_group(ctx, DismissGroup(group_id=_group_id(body.GroupId)))


class ChangeGroupOwnerBody(Body):
    GroupId: str = ""
    NewOwner_Account: str = ""


@endpoint(SERVICE, "change_group_owner", ChangeGroupOwnerBody)
async def change_group_owner(ctx: Ctx, body: ChangeGroupOwnerBody) -> None:
    """Make a member the owner (the old owner becomes a Member); members get a tip."""
    group_id = _group_id(body.GroupId)
    new_owner = body.NewOwner_Account
    if not new_owner:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "NewOwner_Account is required")
    if not await ctx.node.store.existing_accounts([new_owner]):
        raise GroupcastError(ErrorCode.USER_NOT_FOUND, f"{new_owner} is not registered")
    await manage.change_group_owner(ctx, ChangeGroupOwner(group_id=group_id, new_owner_id=new_owner))


# -- get_joined_group_list ---------------------------------------------------------------------


class GetJoinedGroupList(Body):
    Member_Account: str = ""
    WithHugeGroups: int = 0
    WithNoActiveGroups: int = 0
    Limit: Annotated[int, msgspec.Meta(ge=0, le=JOINED_PAGE)] = 0
    Offset: Natural = 0
    GroupType: str = ""
    ResponseFilter: ResponseFilter | None = None
    SupportTopic: int = 0


class JoinedGroupListReply(Reply):
    TotalCount: int
    GroupIdList: list[GroupInfoItem]


@endpoint(SERVICE, "get_joined_group_list", GetJoinedGroupList, JoinedGroupListReply)
async def get_joined_group_list(ctx: Ctx, body: GetJoinedGroupList) -> JoinedGroupListReply:
    """A user's groups, by group ID, paged by Limit/Offset; AVChatRoom ones only with WithHugeGroups 1."""
    user_id = body.Member_Account
    if not user_id:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "Member_Account is required")
    group_type = _type_filter(body.GroupType)
    with_rooms = body.WithHugeGroups == 1 and group_type in (None, R.GroupType.AVCHATROOM.value)
    listed: list[GroupRecord] = []
    if group_type != "" and not body.SupportTopic:
        listed = await manage.joined_groups(ctx, user_id, with_rooms=with_rooms)
    if group_type:
        listed = [g for g in listed if g.type == group_type]
    page = listed[body.Offset :][: body.Limit or None]

    f = body.ResponseFilter
    shape = Shape() if f is None else Shape.of(f, f.SelfInfoFilter)
    selves: list[MemberRecord | None] = [None] * len(page)
    if shape.members is not None:
        found = await asyncio.gather(*(ctx.node.store.get_member(g.group_id, user_id) for g in page))
        selves = [m or _room_owner(g, user_id) for g, m in zip(page, found, strict=True)]
    at = now()
    items = []
    for group, mine in zip(page, selves, strict=True):
        extra = {} if mine is None else {"SelfInfo": _member_info(mine, shape, at, account=False)}
        items.append(_group_info(group, shape, ctx.node.config.sdkappid, **extra))
    return JoinedGroupListReply(TotalCount=len(listed), GroupIdList=items)


def _room_owner(group: GroupRecord, user_id: str) -> MemberRecord | None:
    """The owner of a memberless group, as the member it has no record of."""
    rules = R.rules_of(group.type)
    if rules.stores_members or group.owner_id != user_id:
        return None
    return MemberRecord(user_id=user_id, role="Owner", join_time=group.created_at, msg_flag=rules.default_remind)
