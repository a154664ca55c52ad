"""Members of a group: list and read them; roles, mutes, name cards, custom fields and
each member's own receive option."""

from __future__ import annotations

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
from ..store import MemberChanges, MemberRecord
from . import rules as R
from .common import Target, custom_fields, load, member_view, notify, now, tip

__all__: list[str] = []


def _readable(target: Target) -> None:
    """Member lists exist only where members are stored, for members (and the app admin)."""
    if not target.rules.stores_members:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "AVChatRoom keeps no member records")
    if target.rank == R.Rank.NON_MEMBER:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "only members read the member list")


async def _other(ctx: Ctx, target: Target, user_id: str, what: str) -> MemberRecord:
    """The member ``user_id`` that the actor wants to change; checks the actor may."""
    if not target.rules.stores_members:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "AVChatRoom keeps no member records")
    member = await ctx.node.store.get_member(target.group_id, user_id)
    if member is None:
        if user_id == ctx.actor.user_id:
            raise GroupcastError(ErrorCode.NO_PERMISSION, "you are not a member of this group")
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{user_id} is not a member")
    if user_id == ctx.actor.user_id and not ctx.actor.is_admin:
        return member
    R.check(R.Level.ADMIN if target.rules.has_admins else R.Level.OWNER, target.rank, what)
    R.check_target(target.rank, R.rank_of(member.role), what)
    return member


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


@op(SetGroupMemberRole)
async def set_group_member_role(ctx: Ctx, req: SetGroupMemberRole) -> None:
    target = await load(ctx, req.group_id)
    R.check(target.rules.set_admin, target.rank, "set admins")
    member = await ctx.node.store.get_member(req.group_id, req.user_id)
    if member is None:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{req.user_id} is not a member")
    if member.role == "Owner":
        raise GroupcastError(ErrorCode.NO_PERMISSION, "the owner's role changes only by transfer")
    if member.role == req.role:
        return
    await ctx.node.store.update_member(req.group_id, req.user_id, MemberChanges(role=req.role))
    promoted = req.role == "Admin"
    await notify(ctx, [req.user_id], NoticeType.SET_ADMIN if promoted else NoticeType.CANCELED_ADMIN, target.group)
    await tip(ctx, target.group, TipType.SET_ADMIN if promoted else TipType.CANCELED_ADMIN, users=[req.user_id])


@op(SetGroupMemberMuteTime)
async def set_group_member_mute_time(ctx: Ctx, req: SetGroupMemberMuteTime) -> None:
    await mute(ctx, req.group_id, [req.user_id], req.mute_time)


async def mute(ctx: Ctx, group_id: str, user_ids: list[str], seconds: int) -> None:
    """Mute members for ``seconds`` from now (0 unmutes); members get a tip of type 7."""
    target = await load(ctx, group_id)
    R.check(target.rules.mute, target.rank, "mute members")
    until = now() + seconds if seconds else 0
    if not target.rules.stores_members:  # AVChatRoom: a restriction on the user, no record
        for user_id in user_ids:
            await ctx.node.store.restrict(group_id, user_id, "mute", until)
        changes = [MemberChange(user_id=u, mute_time=seconds) for u in user_ids]
        await tip(ctx, target.group, TipType.MEMBER_PROFILE_UPDATED, users=user_ids, changes=changes)
        return
    members = await ctx.node.store.get_members(group_id, user_ids)
    strangers = [u for u in user_ids if u not in members]
    if strangers:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"not members: {', '.join(strangers)}")
    for member in members.values():
        R.check_target(target.rank, R.rank_of(member.role), f"mute {member.user_id}")
    for user_id in members:
        await ctx.node.store.update_member(group_id, user_id, MemberChanges(mute_until=until))
    await tip(
        ctx,
        target.group,
        TipType.MEMBER_PROFILE_UPDATED,
        users=list(members),
        changes=[MemberChange(user_id=u, mute_time=seconds) for u in members],
    )


@op(SetGroupMemberNameCard)
async def set_group_member_name_card(ctx: Ctx, req: SetGroupMemberNameCard) -> None:
    target = await load(ctx, req.group_id)
    user_id = req.user_id or ctx.actor.user_id
    R.validate_text(req.name_card, R.NAME_CARD_BYTES, "name card")
    await _other(ctx, target, user_id, "change the name card")
    await ctx.node.store.update_member(req.group_id, user_id, MemberChanges(name_card=req.name_card))
    await tip(
        ctx,
        target.group,
        TipType.MEMBER_PROFILE_UPDATED,
        users=[user_id],
        changes=[MemberChange(user_id=user_id, name_card=req.name_card)],
    )


@op(SetGroupMemberCustomField)
async def set_group_member_custom_field(ctx: Ctx, req: SetGroupMemberCustomField) -> None:
    target = await load(ctx, req.group_id)
    user_id = req.user_id or ctx.actor.user_id
    declared = ctx.node.config.member_custom_keys
    values: dict[str, str] = {}
    for field in req.member_custom_field:
        if field.key not in declared:
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"member custom field {field.key!r} is not declared")
        values[field.key] = R.validate_text(
            field.value, R.MEMBER_CUSTOM_VALUE_BYTES, f"member custom field {field.key}"
        )
    if not values:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "nothing to change")
    await _other(ctx, target, user_id, "change member custom fields")
    await ctx.node.store.update_member(req.group_id, user_id, MemberChanges(custom=values))
    await tip(
        ctx,
        target.group,
        TipType.MEMBER_PROFILE_UPDATED,
        users=[user_id],
        changes=[MemberChange(user_id=user_id, member_custom_field=custom_fields(values))],
    )


@op(SetMessageRemindType)
async def set_message_remind_type(ctx: Ctx, req: SetMessageRemindType) -> None:
    target = await load(ctx, req.group_id)
    if not target.rules.stores_members:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "AVChatRoom keeps no member records")
    if target.member is None:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "you are not a member of this group")
    user = ctx.actor.user_id
    flag = req.message_remind_type
    await ctx.node.store.update_member(req.group_id, user, MemberChanges(msg_flag=flag))
    await ctx.node.router.membership([user], req.group_id, flag)
    await notify(ctx, [user], NoticeType.REMIND_TYPE_CHANGED, target.group, remind=flag)
