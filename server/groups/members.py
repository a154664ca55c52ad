"""Members of a group: list and read them; roles, mutes, name cards, custom fields,
each member's own receive option and read position.

Every change is checked, stored, then announced: the member it concerns gets a system
notice where their own state changed (role, receive option), the group a tip. The REST
API (``server/rest/members.py``) calls the same functions as the app admin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from protocol.chat import GroupReadUpdated
from protocol.errors import ErrorCode, GroupcastError
from protocol.groups import (
    GetGroupMemberList,
    GetGroupMemberProfile,
    GroupMemberList,
    MemberChange,
    NoticeType,
    SetGroupMemberCustomField,
    SetGroupMemberMuteTime,
    SetGroupMemberNameCard,
    SetGroupMemberRole,
    SetMessageRemindType,
    TipType,
)

from ..ops import Ctx, op
from ..store import GroupRecord, MemberChanges, MemberRecord
from . import membership
from . import rules as R
from .common import Target, custom_fields, load, member_view, notify, now, read_position, tip

__all__ = ["MUTE_FOREVER", "member_page", "modify_member", "mute", "mute_end", "set_unread"]

MUTE_FOREVER = 4294967295  # a mute of this many seconds never ends; reported as this end time
REMIND_TYPES = ("AcceptAndNotify", "AcceptNotNotify", "Discard")
_ALL = 1 << 31  # a page size meaning "all the rest"


def mute_end(seconds: int, at: int) -> int:
    """The unix time a mute of ``seconds`` from ``at`` ends: 0 unmutes; a mute of
    ``MUTE_FOREVER`` seconds (or any ending after that time) ends at ``MUTE_FOREVER``,
    which is never (in the year 2106)."""
    if seconds <= 0:
        return 0
    return min(at + seconds, MUTE_FOREVER)


def _readable(target: Target) -> None:
    """Member lists exist only where members are stored, for members (and the app admin)."""
    if not target.rules.stores_members:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "AVChatRoom keeps no member records")
    if target.rank == R.Rank.NON_MEMBER:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "only members read the member list")


async def _member_of(ctx: Ctx, target: Target, user_id: str) -> MemberRecord:
    """The stored member ``user_id``: NO_PERMISSION where there are no member records
    (or the actor asks about themself and is no member), INVALID_PARAMETER if not a member."""
    if not target.rules.stores_members:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "AVChatRoom keeps no member records")
    member = await ctx.node.store.get_member(target.group_id, user_id)
    if member is None:
        if user_id == ctx.actor.user_id:
            raise GroupcastError(ErrorCode.NO_PERMISSION, "you are not a member of this group")
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{user_id} is not a member")
    return member


def _may_edit(ctx: Ctx, target: Target, member: MemberRecord, what: str) -> None:
    """Members edit their own profile; admins (the owner where there are no admins)
    those ranked below them; the app admin anyone's."""
    if member.user_id == ctx.actor.user_id and not ctx.actor.is_admin:
        return
    R.check(R.Level.ADMIN if target.rules.has_admins else R.Level.OWNER, target.rank, what)
    R.check_target(target.rank, R.rank_of(member.role), what)


async def _other(ctx: Ctx, target: Target, user_id: str, what: str) -> MemberRecord:
    """The member ``user_id`` that the actor wants to change; checks the actor may."""
    member = await _member_of(ctx, target, user_id)
    _may_edit(ctx, target, member, what)
    return member


def _check_role(member: MemberRecord) -> None:
    if member.role == "Owner":
        raise GroupcastError(ErrorCode.NO_PERMISSION, "the owner's role changes only by transfer")


def _check_mute(target: Target, members: Mapping[str, MemberRecord]) -> None:
    for member in members.values():
        R.check_target(target.rank, R.rank_of(member.role), f"mute {member.user_id}")


def _custom_values(ctx: Ctx, fields: Mapping[str, str]) -> dict[str, str]:
    declared = ctx.node.config.member_custom_keys
    values: dict[str, str] = {}
    for key, value in fields.items():
        if key not in declared:
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"member custom field {key!r} is not declared")
        values[key] = R.validate_text(value, R.MEMBER_CUSTOM_VALUE_BYTES, f"member custom field {key}")
    return values


# -- the changes, once checked: store, then announce ------------------------------------------


async def _apply_role(ctx: Ctx, group: GroupRecord, member: MemberRecord, role: str) -> None:
    if member.role == role:
        return
    await ctx.node.store.update_member(group.group_id, member.user_id, MemberChanges(role=role))
    promoted = role == "Admin"
    await notify(ctx, [member.user_id], NoticeType.SET_ADMIN if promoted else NoticeType.CANCELED_ADMIN, group)
    await tip(ctx, group, TipType.SET_ADMIN if promoted else TipType.CANCELED_ADMIN, users=[member.user_id])


async def _apply_mute(ctx: Ctx, group: GroupRecord, user_ids: list[str], seconds: int) -> None:
    until = mute_end(seconds, now())
    for user_id in user_ids:
        await ctx.node.store.update_member(group.group_id, user_id, MemberChanges(mute_until=until))
    await tip(
        ctx,
        group,
        TipType.MEMBER_PROFILE_UPDATED,
        users=user_ids,
        changes=[MemberChange(user_id=u, mute_time=seconds) for u in user_ids],
    )


async def _apply_name_card(ctx: Ctx, group: GroupRecord, user_id: str, name_card: str) -> None:
    await ctx.node.store.update_member(group.group_id, user_id, MemberChanges(name_card=name_card))
    await tip(
        ctx,
        group,
        TipType.MEMBER_PROFILE_UPDATED,
        users=[user_id],
        changes=[MemberChange(user_id=user_id, name_card=name_card)],
    )


async def _apply_custom(ctx: Ctx, group: GroupRecord, user_id: str, values: dict[str, str]) -> None:
    await ctx.node.store.update_member(group.group_id, user_id, MemberChanges(custom=values))
    await tip(
        ctx,
        group,
        TipType.MEMBER_PROFILE_UPDATED,
        users=[user_id],
        changes=[MemberChange(user_id=user_id, member_custom_field=custom_fields(values))],
    )


async def _apply_remind(ctx: Ctx, group: GroupRecord, user_id: str, flag: str) -> None:
    """The member's devices follow the new option (and hear of it)."""
    await ctx.node.store.update_member(group.group_id, user_id, MemberChanges(msg_flag=flag))
    await ctx.node.router.membership([user_id], group.group_id, flag)
    await notify(ctx, [user_id], NoticeType.REMIND_TYPE_CHANGED, group, remind=flag)


# -- reading ------------------------------------------------------------------------------------


@op(GetGroupMemberList)
async def get_group_member_list(ctx: Ctx, req: GetGroupMemberList) -> GroupMemberList:
    target = await load(ctx, req.group_id)
    _readable(target)
    members = await ctx.node.store.list_members(req.group_id, req.offset, req.count)
    accounts = await ctx.node.store.get_accounts([m.user_id for m in members])
    end = req.offset + len(members)
    me = ctx.actor.user_id
    keys = req.member_custom_field_filter
    return GroupMemberList(
        member_list=[member_view(m, accounts.get(m.user_id), own=m.user_id == me, custom_keys=keys) for m in members],
        member_count=target.group.member_count,
        next_offset=end if end < target.group.member_count and members else 0,
    )


@op(GetGroupMemberProfile)
async def get_group_member_profile(ctx: Ctx, req: GetGroupMemberProfile) -> GroupMemberList:
    target = await load(ctx, req.group_id)
    _readable(target)
    found = await ctx.node.store.get_members(req.group_id, req.user_id_list)
    accounts = await ctx.node.store.get_accounts(list(found))
    me = ctx.actor.user_id
    keys = req.member_custom_field_filter
    return GroupMemberList(
        member_list=[
            member_view(found[u], accounts.get(u), own=u == me, custom_keys=keys)
            for u in req.user_id_list
            if u in found
        ],
        member_count=target.group.member_count,
    )


async def member_page(
    ctx: Ctx, target: Target, *, roles: Sequence[str] = (), offset: int = 0, limit: int = 0
) -> tuple[list[MemberRecord], int]:
    """A page of the members whose role is in ``roles`` (all when empty): the owner
    first, then by join time and user ID -- an order stable across pages -- from
    ``offset``, at most ``limit`` (0: all the rest). Returns the page and how many
    members match. Reads only the page (plus the owner) when every role is wanted."""
    _readable(target)
    store = ctx.node.store
    group = target.group
    owner_id = group.owner_id
    wanted = set(roles)
    if wanted and wanted != {"Owner", "Admin", "Member"}:
        ids = await store.member_ids(group.group_id, sorted(wanted))  # join order
        if owner_id in ids:
            ids.remove(owner_id)
            ids.insert(0, owner_id)
        chosen = ids[offset : offset + limit] if limit else ids[offset:]
        found = await store.get_members(group.group_id, chosen)
        return [found[u] for u in chosen if u in found], len(ids)
    total = group.member_count
    size = limit or _ALL
    owner = await store.get_member(group.group_id, owner_id) if owner_id else None
    if owner is None:
        return await store.list_members(group.group_id, offset, size), total
    # The order is [owner] + the store's order without the owner. Read the store's
    # slice one longer than needed, then drop the owner from it, or, if the owner sorts
    # before the slice, its first member (which the owner's move to the front shifted in).
    head, start, count = ([owner], 0, size - 1) if offset == 0 else ([], offset - 1, size)
    if count <= 0:
        return head, total
    fetched = await store.list_members(group.group_id, start, count + 1)
    if any(m.user_id == owner_id for m in fetched):
        rest = [m for m in fetched if m.user_id != owner_id][:count]
    elif fetched and (owner.join_time, owner.user_id) < (fetched[0].join_time, fetched[0].user_id):
        rest = fetched[1 : count + 1]
    else:
        rest = fetched[:count]
    return head + rest, total


# -- changing ---------------------------------------------------------------------------------


@op(SetGroupMemberRole)
async def set_group_member_role(ctx: Ctx, req: SetGroupMemberRole) -> None:
    target = await load(ctx, req.group_id)
    R.check(target.rules.set_admin, target.rank, "set admins")
    member = await ctx.node.store.get_member(req.group_id, req.user_id)
    if member is None:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{req.user_id} is not a member")
    _check_role(member)
    await _apply_role(ctx, target.group, member, req.role)


@op(SetGroupMemberMuteTime)
async def set_group_member_mute_time(ctx: Ctx, req: SetGroupMemberMuteTime) -> None:
    await mute(ctx, req.group_id, [req.user_id], req.mute_time)


async def mute(ctx: Ctx, group_id: str, user_ids: list[str], seconds: int) -> None:
    """Mute members for ``seconds`` from now (0 unmutes; ``MUTE_FOREVER``: for good);
    members get a tip of type 7. AVChatRoom: a restriction on each user, no record."""
    target = await load(ctx, group_id)
    R.check(target.rules.mute, target.rank, "mute members")
    user_ids = list(dict.fromkeys(user_ids))
    if not target.rules.stores_members:
        await membership.room_users(ctx, target, user_ids, "muted in")
        until = mute_end(seconds, now())
        for user_id in user_ids:
            await ctx.node.store.restrict(group_id, user_id, "mute", until)
        changes = [MemberChange(user_id=u, mute_time=seconds) for u in user_ids]
        await tip(ctx, target.group, TipType.MEMBER_PROFILE_UPDATED, users=user_ids, changes=changes)
        return
    members = await ctx.node.store.get_members(group_id, user_ids)
    strangers = [u for u in user_ids if u not in members]
    if strangers:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"not members: {', '.join(strangers)}")
    _check_mute(target, members)
    await _apply_mute(ctx, target.group, list(members), seconds)


@op(SetGroupMemberNameCard)
async def set_group_member_name_card(ctx: Ctx, req: SetGroupMemberNameCard) -> None:
    target = await load(ctx, req.group_id)
    user_id = req.user_id or ctx.actor.user_id
    R.validate_text(req.name_card, R.NAME_CARD_BYTES, "name card")
    await _other(ctx, target, user_id, "change the name card")
    await _apply_name_card(ctx, target.group, user_id, req.name_card)


@op(SetGroupMemberCustomField)
async def set_group_member_custom_field(ctx: Ctx, req: SetGroupMemberCustomField) -> None:
    target = await load(ctx, req.group_id)
    user_id = req.user_id or ctx.actor.user_id
    values = _custom_values(ctx, {f.key: f.value for f in req.member_custom_field})
    if not values:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "nothing to change")
    await _other(ctx, target, user_id, "change member custom fields")
    await _apply_custom(ctx, target.group, user_id, values)


@op(SetMessageRemindType)
async def set_message_remind_type(ctx: Ctx, req: SetMessageRemindType) -> None:
    target = await load(ctx, req.group_id)
    if not target.rules.stores_members:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "AVChatRoom keeps no member records")
    if target.member is None:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "you are not a member of this group")
    await _apply_remind(ctx, target.group, ctx.actor.user_id, req.message_remind_type)


async def modify_member(
    ctx: Ctx,
    group_id: str,
    user_id: str,
    *,
    role: str | None = None,
    msg_flag: str | None = None,
    name_card: str | None = None,
    custom: Mapping[str, str] | None = None,
    mute_seconds: int | None = None,
) -> None:
    """Change several fields of one member at once (REST ``modify_group_member_info``):
    every check of every field first -- the same checks as each field's own op -- so a
    refusal changes nothing; then each change with the events its op sends. The
    receive option is the member's own (or the app admin's) to set."""
    target = await load(ctx, group_id)
    if role is None and msg_flag is None and name_card is None and not custom and mute_seconds is None:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "nothing to change")
    member = await _member_of(ctx, target, user_id)
    if role is not None:
        if role not in ("Admin", "Member"):
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"role {role!r}: Admin or Member")
        R.check(target.rules.set_admin, target.rank, "set admins")
        _check_role(member)
    if mute_seconds is not None:
        R.check(target.rules.mute, target.rank, "mute members")
        _check_mute(target, {user_id: member})
    if msg_flag is not None:
        if msg_flag not in REMIND_TYPES:
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"receive option {msg_flag!r}: one of {REMIND_TYPES}")
        if user_id != ctx.actor.user_id and not ctx.actor.is_admin:
            raise GroupcastError(ErrorCode.NO_PERMISSION, "the receive option is the member's own")
    values: dict[str, str] = {}
    if name_card is not None or custom:
        if name_card is not None:
            R.validate_text(name_card, R.NAME_CARD_BYTES, "name card")
        values = _custom_values(ctx, custom or {})
        _may_edit(ctx, target, member, "change the member's profile")
    group = target.group
    if role is not None:
        await _apply_role(ctx, group, member, role)
    if mute_seconds is not None:
        await _apply_mute(ctx, group, [user_id], mute_seconds)
    if name_card is not None:
        await _apply_name_card(ctx, group, user_id, name_card)
    if values:
        await _apply_custom(ctx, group, user_id, values)
    if msg_flag is not None:
        await _apply_remind(ctx, group, user_id, msg_flag)


async def set_unread(ctx: Ctx, group_id: str, user_id: str, unread: int) -> int | None:
    """Set the member's read position to leave ``unread`` messages unread (capped at the
    group's message count), as another device of theirs would: their devices get the
    new count. Types without unread counts: nothing happens (None). Returns the unread
    count now in force. A count above the current one moves the read position back,
    and the member's history start with it."""
    target = await load(ctx, group_id)
    if not target.rules.unread_counts:
        return None
    member = await _member_of(ctx, target, user_id)
    last = target.group.next_msg_seq - 1
    wanted = last - min(max(unread, 0), last)
    changes = MemberChanges(read_seq=wanted, join_seq=min(member.join_seq, wanted + 1))
    updated = await ctx.node.store.update_member(group_id, user_id, changes)
    if updated is None:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{user_id} is not a member")
    count = max(0, last - read_position(updated))
    await ctx.node.router.to_users(
        [user_id], GroupReadUpdated(group_id=group_id, read_seq=last - count, unread_count=count)
    )
    return count
