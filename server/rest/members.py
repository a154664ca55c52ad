"""``group_open_http_svc``, the member APIs (rest-api.md section 7): add_group_member,
delete_group_member, get_group_member_info, modify_group_member_info, get_role_in_group,
forbid_send_msg, get_group_muted_account (and its legacy path get_group_shutted_uin),
import_group_member, set_unread_msg_num.

Each endpoint calls the group domain (``server/groups``) as the app admin, so members'
devices see REST changes live, with the same notices and tips as the WebSocket ops.
What only the REST contract says is decided here:

* AVChatRoom keeps no member records: adding, importing, listing, reading roles and
  modifying members there is 10007, deleting members 10004 (section 6's table).
* ``Silence`` 1: the group is not told (no tip); the users concerned still are.
* Legacy mute names (section 3.7): ``ShutUpTime`` is read as ``MuteTime``; member
  objects carry both ``MuteUntil`` and ``ShutUpUntil``; the legacy muted-list path
  answers ``ShuttedUinList``/``ShuttedUntil``, the current one
  ``MutedAccountList``/``MutedUntil``. A mute of 4294967295 seconds is for good and is
  reported as ending at 4294967295.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from protocol.errors import ErrorCode, GroupcastError
from protocol.groups import AddGroupMemberResult

from ..groups import members as M
from ..groups import membership
from ..groups.common import Target, load, now
from ..groups.rules import GroupType
from ..ops import Ctx
from .base import Body, Reply, endpoint
from .groups import MEMBER_FIELDS, MemberInfo, member_info, named_fields

__all__: list[str] = []

SERVICE = "group_open_http_svc"
MAX_ADD = 300  # add_group_member, import_group_member (10005 past it)
MAX_DELETE = 500  # delete_group_member: 100 on its page, 500 on the use-limits page
MAX_ACCOUNTS = 500  # get_role_in_group, forbid_send_msg
COMMUNITY_PAGE = 100  # get_group_member_info's Next paging
_MUTED_SCAN = 500  # members read per store call when listing the muted ones

Seconds = Annotated[int, msgspec.Meta(ge=0, le=M.MUTE_FOREVER)]
Count = Annotated[int, msgspec.Meta(ge=0)]
ROLES = ("Owner", "Admin", "Member")


async def _group(ctx: Ctx, group_id: str, memberless_code: ErrorCode | None = ErrorCode.NO_PERMISSION) -> Target:
    """The group, refused with ``memberless_code`` if it keeps no member records."""
    if not group_id:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "GroupId is required")
    target = await load(ctx, group_id)
    if memberless_code is not None and not target.rules.stores_members:
        raise GroupcastError(memberless_code, f"{target.rules.wire_name} groups keep no member records")
    return target


def _at_most(items: list[str], limit: int, code: ErrorCode, what: str) -> list[str]:
    """``items`` without duplicates (first occurrence kept); refused if empty or too many."""
    if not items:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{what} is required")
    if len(items) > limit:
        raise GroupcastError(code, f"{what}: at most {limit} accounts per call")
    return list(dict.fromkeys(items))


# -- add_group_member ---------------------------------------------------------------------


class AddMemberItem(Body):
    Member_Account: str


class AddGroupMemberBody(Body):
    GroupId: str
    MemberList: list[AddMemberItem]
    Silence: int = 0


class MemberResultItem(Reply):
    Member_Account: str
    Result: int  # 0 failed, 1 added (imported), 2 already a member, 3 waiting for consent


class MemberResultsReply(Reply):
    MemberList: list[MemberResultItem]


def _results(wanted: list[str], result: AddGroupMemberResult) -> MemberResultsReply:
    codes = dict.fromkeys(result.success_user_id_list, 1)
    codes |= dict.fromkeys(result.existed_user_id_list, 2)
    codes |= dict.fromkeys(result.pending_user_id_list, 3)
    return MemberResultsReply(MemberList=[MemberResultItem(Member_Account=u, Result=codes.get(u, 0)) for u in wanted])


@endpoint(SERVICE, "add_group_member", AddGroupMemberBody, MemberResultsReply)
async def add_group_member(ctx: Ctx, body: AddGroupMemberBody) -> MemberResultsReply:
    """Add users directly (no consent, no approval); Result per user: 0 failed (e.g. in
    too many groups), 1 added, 2 already a member. Unregistered users refuse the call
    (10019); AVChatRoom is 10007; more than 300 users 10005; ``Silence`` 1: only the
    added users hear of it (notice 7), the group gets no join tip."""
    wanted = _at_most([m.Member_Account for m in body.MemberList], MAX_ADD, ErrorCode.TOO_MANY_ACCOUNTS, "MemberList")
    await _group(ctx, body.GroupId)
    result = await membership.add_members(ctx, body.GroupId, wanted, silent=bool(body.Silence), refuse_unknown=True)
    return _results(wanted, result)


# -- delete_group_member --------------------------------------------------------------------


class DeleteGroupMemberBody(Body):
    GroupId: str
    MemberToDel_Account: list[str]
    Silence: int = 0
    Reason: str = ""


@endpoint(SERVICE, "delete_group_member", DeleteGroupMemberBody)
async def delete_group_member(ctx: Ctx, body: DeleteGroupMemberBody) -> None:
    """Remove members; each removed user gets notice 4 (with ``Reason``), the group a
    tip unless ``Silence`` is 1. Non-members are ignored; removing the owner is 10004,
    and so is any call on an AVChatRoom."""
    wanted = _at_most(body.MemberToDel_Account, MAX_DELETE, ErrorCode.INVALID_PARAMETER, "MemberToDel_Account")
    await _group(ctx, body.GroupId, ErrorCode.INVALID_PARAMETER)
    await membership.kick(ctx, body.GroupId, wanted, body.Reason, silent=bool(body.Silence), ignore_strangers=True)


# -- get_group_member_info ------------------------------------------------------------------


class GetGroupMemberInfoBody(Body):
    GroupId: str
    MemberInfoFilter: list[str] | None = None
    MemberRoleFilter: list[str] | None = None
    AppDefinedDataFilter_GroupMember: list[str] | None = None
    Limit: Count = 0  # 0 or absent: the whole group (Community: 100)
    Offset: Count = 0
    Next: str = ""


class GetGroupMemberInfoReply(Reply):
    MemberNum: int
    MemberList: list[MemberInfo]
    Next: str | UnsetType = UNSET  # Community groups only


@endpoint(SERVICE, "get_group_member_info", GetGroupMemberInfoBody, GetGroupMemberInfoReply)
async def get_group_member_info(ctx: Ctx, body: GetGroupMemberInfoBody) -> GetGroupMemberInfoReply:
    """The members, owner first then by join time, paged by ``Limit``/``Offset`` (absent
    ``Limit``: everyone) or, in Community groups, by ``Limit`` (at most 100) and the
    opaque ``Next`` ("" first and when done). ``MemberInfoFilter`` picks the fields
    (absent: all), ``MemberRoleFilter`` the roles, ``AppDefinedDataFilter_GroupMember``
    the custom fields returned. AVChatRoom: 10007."""
    target = await _group(ctx, body.GroupId)
    roles = body.MemberRoleFilter or []
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"MemberRoleFilter: unknown roles {bad}; use {ROLES}")
    community = target.rules.type is GroupType.COMMUNITY
    limit, offset = body.Limit, body.Offset
    if community:
        if offset:
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, "Community groups page with Next, not Offset")
        if body.Next and not body.Next.isdigit():
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"Next {body.Next!r} is not a cursor this API returned")
        offset = int(body.Next or 0)
        limit = min(limit or COMMUNITY_PAGE, COMMUNITY_PAGE)
    page, total = await M.member_page(ctx, target, roles=roles, offset=offset, limit=limit)
    declared = sorted(ctx.node.config.member_custom_keys)
    if body.MemberInfoFilter is None:
        fields = frozenset(MEMBER_FIELDS)
        custom: list[str] | None = body.AppDefinedDataFilter_GroupMember or declared
    else:
        fields = named_fields(body.MemberInfoFilter, MEMBER_FIELDS)
        custom = body.AppDefinedDataFilter_GroupMember
        if custom is None and "AppMemberDefinedData" in body.MemberInfoFilter:
            custom = declared
    at = now()
    reply = GetGroupMemberInfoReply(
        MemberNum=target.group.member_count, MemberList=[member_info(m, fields, custom, at) for m in page]
    )
    if community:
        end = offset + len(page)
        reply.Next = str(end) if page and end < total else ""
    return reply


# -- modify_group_member_info -----------------------------------------------------------------


class MemberCustomInput(Body):
    Key: str
    Value: str


class ModifyGroupMemberInfoBody(Body):
    GroupId: str
    Member_Account: str
    Role: str = ""
    MsgFlag: str = ""
    NameCard: str | None = None
    AppMemberDefinedData: list[MemberCustomInput] | None = None
    MuteTime: Seconds | None = None
    ShutUpTime: Seconds | None = None  # the pre-2022 name
    ShutUpUntil: Seconds | None = None  # what one public client sends for the duration


@endpoint(SERVICE, "modify_group_member_info", ModifyGroupMemberInfoBody)
async def modify_group_member_info(ctx: Ctx, body: ModifyGroupMemberInfoBody) -> None:
    """Change a member's role (Admin/Member), receive option, name card, custom fields
    and mute (``MuteTime``, legacy ``ShutUpTime``: seconds from now, 0 unmutes) in one
    call: all or nothing. A non-member is 10004; AVChatRoom, the owner's role, admins
    or mutes in Private groups are 10007."""
    if not body.Member_Account:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "Member_Account is required")
    await _group(ctx, body.GroupId)
    mute = next((s for s in (body.MuteTime, body.ShutUpTime, body.ShutUpUntil) if s is not None), None)
    custom = None if body.AppMemberDefinedData is None else {f.Key: f.Value for f in body.AppMemberDefinedData}
    await M.modify_member(
        ctx,
        body.GroupId,
        body.Member_Account,
        role=body.Role or None,
        msg_flag=body.MsgFlag or None,
        name_card=body.NameCard,
        custom=custom,
        mute_seconds=mute,
    )


# -- get_role_in_group --------------------------------------------------------------------------


class GetRoleInGroupBody(Body):
    GroupId: str
    User_Account: list[str]


class UserRoleItem(Reply):
    Member_Account: str
    Role: str  # Owner, Admin, Member or NotMember


class GetRoleInGroupReply(Reply):
    UserIdList: list[UserRoleItem]


@endpoint(SERVICE, "get_role_in_group", GetRoleInGroupBody, GetRoleInGroupReply)
async def get_role_in_group(ctx: Ctx, body: GetRoleInGroupBody) -> GetRoleInGroupReply:
    """Each user's role: Owner, Admin, Member or NotMember (at most 500 users).
    AVChatRoom: 10007."""
    wanted = _at_most(body.User_Account, MAX_ACCOUNTS, ErrorCode.INVALID_PARAMETER, "User_Account")
    await _group(ctx, body.GroupId)
    found = await ctx.node.store.get_members(body.GroupId, wanted)
    return GetRoleInGroupReply(
        UserIdList=[UserRoleItem(Member_Account=u, Role=found[u].role if u in found else "NotMember") for u in wanted]
    )


# -- forbid_send_msg ----------------------------------------------------------------------------


class ForbidSendMsgBody(Body):
    GroupId: str
    Members_Account: list[str]
    MuteTime: Seconds | None = None
    ShutUpTime: Seconds | None = None  # the pre-2022 name
    TopicId: str = ""


@endpoint(SERVICE, "forbid_send_msg", ForbidSendMsgBody)
async def forbid_send_msg(ctx: Ctx, body: ForbidSendMsgBody) -> None:
    """Mute members for ``MuteTime`` (legacy ``ShutUpTime``) seconds from now: 0
    unmutes, 4294967295 mutes for good. A muted member's sends fail with 10017; the
    group gets a tip. Private groups: 10007; non-members: 10004."""
    wanted = _at_most(body.Members_Account, MAX_ACCOUNTS, ErrorCode.INVALID_PARAMETER, "Members_Account")
    seconds = body.MuteTime if body.MuteTime is not None else body.ShutUpTime
    if seconds is None:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "MuteTime is required")
    if body.TopicId:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "topics are not supported")
    await _group(ctx, body.GroupId, None)
    await M.mute(ctx, body.GroupId, wanted, seconds)


# -- get_group_muted_account / get_group_shutted_uin ----------------------------------------------


class GetGroupMutedAccountBody(Body):
    GroupId: str
    TopicId: str = ""


class MutedItem(Reply):
    Member_Account: str
    MutedUntil: int


class GetGroupMutedAccountReply(Reply):
    GroupId: str
    MutedAccountList: list[MutedItem]


class ShuttedItem(Reply):
    Member_Account: str
    ShuttedUntil: int


class GetGroupShuttedUinReply(Reply):
    GroupId: str
    ShuttedUinList: list[ShuttedItem]


async def _muted(ctx: Ctx, body: GetGroupMutedAccountBody) -> list[tuple[str, int]]:
    """The members muted now, in member order, with when their mute ends."""
    if body.TopicId:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "topics are not supported")
    target = await _group(ctx, body.GroupId, None)
    at = now()
    if not target.rules.stores_members:  # AVChatRoom: mutes are restrictions on users
        held = await ctx.node.store.restricted(body.GroupId, "mute")
        return sorted((user, until) for user, until in held.items() if until > at)
    muted: list[tuple[str, int]] = []
    offset = 0
    while True:
        page = await ctx.node.store.list_members(body.GroupId, offset, _MUTED_SCAN)
        muted += [(m.user_id, m.mute_until) for m in page if m.mute_until > at]
        if len(page) < _MUTED_SCAN:
            return muted
        offset += len(page)


@endpoint(SERVICE, "get_group_muted_account", GetGroupMutedAccountBody, GetGroupMutedAccountReply)
async def get_group_muted_account(ctx: Ctx, body: GetGroupMutedAccountBody) -> GetGroupMutedAccountReply:
    """The members muted now, with the time each mute ends (4294967295: for good)."""
    return GetGroupMutedAccountReply(
        GroupId=body.GroupId,
        MutedAccountList=[MutedItem(Member_Account=u, MutedUntil=t) for u, t in await _muted(ctx, body)],
    )


@endpoint(SERVICE, "get_group_shutted_uin", GetGroupMutedAccountBody, GetGroupShuttedUinReply)
async def get_group_shutted_uin(ctx: Ctx, body: GetGroupMutedAccountBody) -> GetGroupShuttedUinReply:
    """get_group_muted_account's legacy path, answering with the legacy names."""
    return GetGroupShuttedUinReply(
        GroupId=body.GroupId,
        ShuttedUinList=[ShuttedItem(Member_Account=u, ShuttedUntil=t) for u, t in await _muted(ctx, body)],
    )


# -- import_group_member ------------------------------------------------------------------------


class ImportedMemberItem(Body):
    Member_Account: str
    Role: str = ""
    JoinTime: Count = 0
    UnreadMsgNum: Count = 0


class ImportGroupMemberBody(Body):
    GroupId: str
    MemberList: list[ImportedMemberItem]


@endpoint(SERVICE, "import_group_member", ImportGroupMemberBody, MemberResultsReply)
async def import_group_member(ctx: Ctx, body: ImportGroupMemberBody) -> MemberResultsReply:
    """Migrate members with their join time, role (Admin or ordinary) and unread count;
    nobody is notified. Result per user: 0 failed (unregistered, a join time not between
    the group's creation and now, in too many groups), 1 imported, 2 already a member.
    AVChatRoom: 10007; more than 300: 10005."""
    wanted = _at_most([m.Member_Account for m in body.MemberList], MAX_ADD, ErrorCode.TOO_MANY_ACCOUNTS, "MemberList")
    await _group(ctx, body.GroupId)
    items: dict[str, membership.Imported] = {}
    for m in body.MemberList:
        items.setdefault(
            m.Member_Account, membership.Imported(role=m.Role or "Member", join_time=m.JoinTime, unread=m.UnreadMsgNum)
        )
    result = await membership.add_members(ctx, body.GroupId, wanted, imported=items)
    return _results(wanted, result)


# -- set_unread_msg_num ---------------------------------------------------------------------------


class SetUnreadMsgNumBody(Body):
    GroupId: str
    Member_Account: str
    UnreadMsgNum: Count


@endpoint(SERVICE, "set_unread_msg_num", SetUnreadMsgNumBody)
async def set_unread_msg_num(ctx: Ctx, body: SetUnreadMsgNumBody) -> None:
    """Set a member's unread count (capped at the group's message count): their read
    position becomes the last seq minus it. ChatRoom and AVChatRoom keep no unread
    counts: success, no effect. A non-member is 10004."""
    if not body.Member_Account:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "Member_Account is required")
    await _group(ctx, body.GroupId, None)
    await M.set_unread(ctx, body.GroupId, body.Member_Account, body.UnreadMsgNum)
