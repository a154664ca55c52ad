"""Joining and leaving: apply, invite, kick, quit; the pendency list; notice catch-up.

Who may do what comes from the type's rules (:mod:`.rules`); each change is stored,
then the user it concerns gets a system notice (stored under their notice sequence) and
the group's members a tip.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from protocol.errors import ErrorCode, GroupcastError
from protocol.groups import (
    AddGroupMember,
    AddGroupMemberResult,
    DeleteGroupMember,
    GetGroupApplicationList,
    GroupApplication,
    GroupApplicationList,
    GroupSystemNotice,
    HandleGroupApplication,
    JoinGroup,
    JoinGroupResult,
    NoticeType,
    NotificationList,
    QuitGroup,
    SetGroupApplicationRead,
    SyncNotifications,
    TipType,
)

from ..ops import Ctx, op
from ..store import Application, GroupRecord, MemberChanges, MemberRecord
from . import rules as R
from .common import Target, load, notify, now, tip

__all__ = ["PENDENCY_KEEP", "Imported", "add_members", "kick"]

PENDENCY_KEEP = 50  # items per user's pendency list; a 51st drops the oldest
_notice = msgspec.msgpack.Decoder(GroupSystemNotice)


async def _join(
    ctx: Ctx,
    target: Target,
    user_ids: list[str],
    *,
    join_type: str,
    operator: str | None = None,
    records: Mapping[str, MemberRecord] | None = None,
    silent: bool = False,
) -> tuple[GroupRecord, list[str], list[str], list[str]]:
    """Add users as members, route the group to them and (unless ``silent``) tell the
    group. ``records`` gives the stored record of some users (imports); the others join
    now as plain members.

    Returns the group afterwards and who was added, already there, over their limit.
    """
    rules = target.rules
    at = now()
    given = records or {}
    outcome = await ctx.node.store.add_members(
        target.group_id,
        [
            given.get(u) or MemberRecord(user_id=u, role="Member", join_time=at, msg_flag=rules.default_remind)
            for u in user_ids
        ],
        groups_per_user=ctx.node.config.max_groups_per_user,
    )
    group = await ctx.node.store.get_group(target.group_id) or target.group
    for user_id in outcome.added:
        await ctx.node.router.membership([user_id], group.group_id, rules.default_remind)
    if outcome.added and not silent:
        await tip(
            ctx,
            group,
            TipType.MEMBER_JOIN,
            users=outcome.added,
            join_type=join_type,
            operator=operator,
            joined=outcome.added,
        )
    return group, outcome.added, outcome.existing, outcome.over_limit


@dataclass(frozen=True, slots=True)
class Imported:
    """A member brought over from another system (REST ``import_group_member``)."""

    role: str = "Member"  # or Admin, where the type has admins
    join_time: int = 0  # unix time; 0: now. Must fall between the group's creation and now.
    unread: int = 0  # messages left unread (capped at the group's message count)


async def add_members(
    ctx: Ctx,
    group_id: str,
    user_ids: list[str],
    *,
    silent: bool = False,
    refuse_unknown: bool = False,
    imported: Mapping[str, Imported] | None = None,
) -> AddGroupMemberResult:
    """Invite ``user_ids``: the shared path of ``addGroupMember`` and REST
    ``add_group_member``. Per type: added at once (invitees get notice 7), invited to
    consent (Work, by a member: notice 12 and a pendency item), or only told (AVChatRoom:
    joining a live room is the invitee's own act).

    ``silent``: the group gets no join tip (the added users still get their notice).
    ``refuse_unknown``: an unregistered user refuses the whole call (USER_NOT_FOUND)
    instead of being listed as a failure. ``imported`` (the app admin's migration): the
    users join with those records, nobody is told anything, and a user whose join time
    is not between the group's creation and now is listed as a failure."""
    target = await load(ctx, group_id)
    rules = target.rules
    R.check(rules.invite, target.rank, "invite")
    wanted = list(dict.fromkeys(user_ids))
    registered = await ctx.node.store.existing_accounts(wanted)
    unknown = [u for u in wanted if u not in registered]
    if unknown and refuse_unknown:
        raise GroupcastError(ErrorCode.USER_NOT_FOUND, f"not registered: {', '.join(unknown)}")
    candidates = [u for u in wanted if u in registered]
    result = AddGroupMemberResult(failure_user_id_list=unknown)
    if not rules.stores_members:
        await notify(ctx, candidates, NoticeType.INVITE_REQUEST, target.group)
        result.pending_user_id_list = candidates
        return result
    present = await ctx.node.store.get_members(group_id, candidates)
    newcomers = [u for u in candidates if u not in present]
    result.existed_user_id_list = [u for u in candidates if u in present]
    records: dict[str, MemberRecord] | None = None
    if imported is not None:
        records = _imported_records(target, newcomers, imported)
        result.failure_user_id_list += [u for u in newcomers if u not in records]
        newcomers = list(records)
    if rules.invitee_consents and not ctx.actor.is_admin:
        for user_id in newcomers:
            application_id, new = await _ask(ctx, target, kind=1, from_user=ctx.actor.user_id, to_user=user_id)
            if new:
                await notify(ctx, [user_id], NoticeType.INVITE_REQUEST, target.group, application_id=application_id)
        result.pending_user_id_list = newcomers
        return result
    if newcomers:
        group, added, existing, over = await _join(
            ctx, target, newcomers, join_type="Invited", records=records, silent=silent or imported is not None
        )
        if imported is None:
            await notify(ctx, added, NoticeType.INVITED, group)
        elif records is not None:
            # The store starts a new member's history and unread count at the join; an
            # imported member was there all along, with the unread count given.
            for user_id in added:
                changes = MemberChanges(read_seq=records[user_id].read_seq, join_seq=1)
                await ctx.node.store.update_member(group_id, user_id, changes)
        result.success_user_id_list = added
        result.existed_user_id_list += existing
        result.over_limit_user_id_list = over
    return result


def _imported_records(target: Target, user_ids: list[str], imported: Mapping[str, Imported]) -> dict[str, MemberRecord]:
    """The records of imported users whose join time is acceptable. A role the type
    does not have refuses the whole import."""
    rules, group = target.rules, target.group
    at = now()
    last = group.next_msg_seq - 1
    records: dict[str, MemberRecord] = {}
    for user_id in user_ids:
        item = imported.get(user_id, Imported())
        if item.role not in ("Member", "Admin"):
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{user_id}: an imported member is a Member or an Admin")
        if item.role == "Admin" and not rules.has_admins:
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{rules.type.value} groups have no admins")
        join_time = item.join_time or at
        if not group.created_at <= join_time <= at:
            continue
        records[user_id] = MemberRecord(
            user_id=user_id,
            role=item.role,
            join_time=join_time,
            msg_flag=rules.default_remind,
            read_seq=last - min(max(item.unread, 0), last),
        )
    return records


async def _ask(
    ctx: Ctx, target: Target, *, kind: int, from_user: str, to_user: str, message: str = ""
) -> tuple[str, bool]:
    """Put a pending decision on the lists of those who decide: (its ID, whether it is
    new). A second ask with the same parties while the first is pending is the first."""
    store = ctx.node.store
    pending = await store.find_pending(target.group_id, kind, from_user, to_user)
    if pending is not None:
        return pending.application_id, False
    application = Application(
        application_id=secrets.token_hex(8),
        group_id=target.group_id,
        kind=kind,
        from_user=from_user,
        to_user=to_user,
        add_time=now(),
        request_msg=message,
    )
    deciders = [to_user] if kind == 1 else await store.member_ids(target.group_id, ("Owner", "Admin"))
    await store.add_application(application, deciders, keep=PENDENCY_KEEP)
    return application.application_id, True


@op(AddGroupMember)
async def add_group_member(ctx: Ctx, req: AddGroupMember) -> AddGroupMemberResult:
    return await add_members(ctx, req.group_id, req.user_id_list)


@op(JoinGroup)
async def join_group(ctx: Ctx, req: JoinGroup) -> JoinGroupResult:
    target = await load(ctx, req.group_id)
    rules = target.rules
    if not rules.stores_members:
        return await _enter_room(ctx, target)
    if target.member is not None:
        return JoinGroupResult(status="AlreadyInGroup", group_id=req.group_id, type=rules.wire_name)
    if rules.apply is R.Apply.REFUSED:
        raise GroupcastError(
            ErrorCode.NO_PERMISSION, "Work groups cannot be joined by application: a member must invite you"
        )
    option = "FreeAccess" if rules.apply is R.Apply.FREE else target.group.join_option
    if option == "DisableApply":
        raise GroupcastError(ErrorCode.NO_PERMISSION, "this group does not accept applications")
    if option == "NeedPermission":
        user = ctx.actor.user_id
        application_id, new = await _ask(ctx, target, kind=0, from_user=user, to_user="", message=req.apply_message)
        if new:
            deciders = await ctx.node.store.member_ids(req.group_id, ("Owner", "Admin"))
            await notify(
                ctx,
                deciders,
                NoticeType.JOIN_REQUEST,
                target.group,
                handle_message=req.apply_message,
                application_id=application_id,
            )
        return JoinGroupResult(status="WaitAdminApproval", group_id=req.group_id, type=rules.wire_name)
    _, added, existing, _ = await _join(ctx, target, [ctx.actor.user_id], join_type="Apply")
    if not added and not existing:
        raise GroupcastError(ErrorCode.TOO_MANY_GROUPS, "you belong to the maximum number of groups")
    return JoinGroupResult(
        status="JoinedSuccess" if added else "AlreadyInGroup", group_id=req.group_id, type=rules.wire_name
    )


async def _enter_room(ctx: Ctx, target: Target) -> JoinGroupResult:
    """AVChatRoom: joining is the session's own online act; nothing is stored."""
    session = ctx.node.registry.session(ctx.actor.session_id)
    if session is None:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "a live room is entered by a connected session")
    if target.group.join_option == "DisableApply" and target.rank < R.Rank.OWNER:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "this room does not let anyone in")
    entered = await ctx.node.rooms.enter(session, target.group)
    return JoinGroupResult(
        status="JoinedSuccess" if entered else "AlreadyInGroup", group_id=target.group_id, type=target.rules.wire_name
    )


@op(QuitGroup)
async def quit_group(ctx: Ctx, req: QuitGroup) -> None:
    target = await load(ctx, req.group_id)
    if target.rank == R.Rank.OWNER and not target.rules.owner_can_quit:
        raise GroupcastError(ErrorCode.OWNER_CANNOT_QUIT)
    if not target.rules.stores_members:
        session = ctx.node.registry.session(ctx.actor.session_id)
        if session is None or not await ctx.node.rooms.leave(session, req.group_id):
            raise GroupcastError(ErrorCode.NO_PERMISSION, "you are not in this room")
        return
    if target.member is None:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "you are not a member of this group")
    user = ctx.actor.user_id
    await ctx.node.store.remove_members(req.group_id, [user])
    await ctx.node.router.membership([user], req.group_id, "")
    group = await ctx.node.store.get_group(req.group_id) or target.group
    await notify(ctx, [user], NoticeType.QUIT, group)
    await tip(ctx, group, TipType.MEMBER_QUIT, users=[user])


@op(DeleteGroupMember)
async def delete_group_member(ctx: Ctx, req: DeleteGroupMember) -> None:
    await kick(ctx, req.group_id, req.user_id_list, req.reason, req.duration)


async def kick(
    ctx: Ctx,
    group_id: str,
    user_ids: list[str],
    reason: str = "",
    ban_seconds: int = 0,
    *,
    silent: bool = False,
    ignore_strangers: bool = False,
) -> list[str]:
    """Remove members: each gets notice 4, the others (unless ``silent``) a tip. All or
    nothing: a non-member refuses the call, unless ``ignore_strangers``. The owner is
    never removed: only the app admin ranks above them, and is refused too (an owner
    leaves by transfer, or by quitting a Work group). AVChatRoom: the users leave the
    room on every node, banned ``ban_seconds``. Returns who was removed."""
    target = await load(ctx, group_id)
    R.check(target.rules.kick, target.rank, "remove members")
    if not target.rules.stores_members:
        return await _eject(ctx, target, list(dict.fromkeys(user_ids)), reason, ban_seconds)
    wanted = list(dict.fromkeys(user_ids))
    members = await ctx.node.store.get_members(group_id, wanted)
    strangers = [u for u in wanted if u not in members]
    if strangers and not ignore_strangers:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"not members: {', '.join(strangers)}")
    for member in members.values():
        R.check_target(target.rank, R.rank_of(member.role), f"remove {member.user_id}")
    if any(m.role == "Owner" for m in members.values()):
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "the owner cannot be removed: transfer the group first")
    if not members:
        return []
    removed = await ctx.node.store.remove_members(group_id, [u for u in wanted if u in members])
    for user_id in removed:
        await ctx.node.router.membership([user_id], group_id, "")
    group = await ctx.node.store.get_group(group_id) or target.group
    await notify(ctx, removed, NoticeType.KICKED, group, handle_message=reason)
    if removed and not silent:
        await tip(ctx, group, TipType.MEMBER_KICKED, users=removed)
    return removed


async def _eject(ctx: Ctx, target: Target, user_ids: list[str], reason: str, ban_seconds: int) -> list[str]:
    await room_users(ctx, target, user_ids, "removed from")
    until = now() + ban_seconds if ban_seconds else 0
    for user_id in user_ids:
        if until:
            await ctx.node.store.restrict(target.group_id, user_id, "ban", until)
        await ctx.node.rooms.eject(target.group_id, user_id)
    await notify(ctx, user_ids, NoticeType.KICKED, target.group, handle_message=reason)
    await tip(ctx, target.group, TipType.MEMBER_KICKED, users=user_ids)
    return user_ids


async def room_users(ctx: Ctx, target: Target, user_ids: list[str], what: str) -> None:
    """Users a live room's owner acts on: registered, and not the owner."""
    if target.group.owner_id in user_ids:
        raise GroupcastError(ErrorCode.NO_PERMISSION, f"the owner cannot be {what} the room")
    registered = await ctx.node.store.existing_accounts(user_ids)
    unknown = [u for u in user_ids if u not in registered]
    if unknown:
        raise GroupcastError(ErrorCode.USER_NOT_FOUND, f"not registered: {', '.join(unknown)}")


# -- pendency ---------------------------------------------------------------------------------


@op(GetGroupApplicationList)
async def get_group_application_list(ctx: Ctx, req: GetGroupApplicationList) -> GroupApplicationList:
    store = ctx.node.store
    me = ctx.actor.user_id
    items = await store.pendency(me)
    groups = await store.get_groups(list({a.group_id for a, _ in items}))
    views = [
        GroupApplication(
            application_id=a.application_id,
            group_id=a.group_id,
            group_name=groups[a.group_id].name if a.group_id in groups else "",
            application_type=a.kind,
            from_user=a.from_user,
            to_user=a.to_user,
            add_time=a.add_time,
            request_msg=a.request_msg,
            handled_msg=a.handled_msg,
            handle_status=0 if a.result < 0 else (2 if a.handled_by == me else 1),
            handle_result=max(a.result, 0),
            read=read,
        )
        for a, read in items
    ]
    unread = sum(1 for v in views if not v.read and v.handle_status == 0)
    return GroupApplicationList(application_list=views, unread_count=unread)


@op(SetGroupApplicationRead)
async def set_group_application_read(ctx: Ctx, req: SetGroupApplicationRead) -> None:
    await ctx.node.store.mark_pendency_read(ctx.actor.user_id)


@op(HandleGroupApplication)
async def handle_group_application(ctx: Ctx, req: HandleGroupApplication) -> None:
    store = ctx.node.store
    application = await store.get_application(req.application_id)
    if application is None:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"no application {req.application_id!r}")
    target = await load(ctx, application.group_id)
    if application.kind == 1:
        if application.to_user != ctx.actor.user_id:
            raise GroupcastError(ErrorCode.NO_PERMISSION, "only the invitee decides on an invitation")
    else:
        R.check(R.Level.ADMIN, target.rank, "handle applications")
    accept = req.handle_action == "Agree"
    joiner = application.from_user if application.kind == 0 else application.to_user
    group = target.group
    if accept:
        # Refuse now rather than record an acceptance that cannot take effect.
        if group.max_members and group.member_count >= group.max_members:
            raise GroupcastError(ErrorCode.GROUP_FULL)
        if len(await store.user_groups(joiner)) >= ctx.node.config.max_groups_per_user:
            raise GroupcastError(ErrorCode.TOO_MANY_GROUPS, f"{joiner} belongs to the maximum number of groups")
    application = await store.decide_application(req.application_id, ctx.actor.user_id, accept, req.handle_message)
    invitation = application.kind == 1
    # The applicant hears the outcome of an application, the inviter that of an invitation.
    told = application.from_user
    accepted, refused = (
        (NoticeType.INVITE_ACCEPTED, NoticeType.INVITE_REFUSED)
        if invitation
        else (NoticeType.JOIN_ACCEPTED, NoticeType.JOIN_REFUSED)
    )
    message = req.handle_message
    if accept:
        join_type, operator = ("Invited", application.from_user) if invitation else ("Apply", None)
        try:
            group, added, existing, _ = await _join(ctx, target, [joiner], join_type=join_type, operator=operator)
            if not added and not existing:
                raise GroupcastError(ErrorCode.TOO_MANY_GROUPS, f"{joiner} belongs to the maximum number of groups")
        except GroupcastError as failed:  # lost a race since the checks above
            await notify(ctx, [told], refused, group, handle_message=failed.message, application_id=req.application_id)
            raise
    await notify(
        ctx, [told], accepted if accept else refused, group, handle_message=message, application_id=req.application_id
    )


# -- notices ------------------------------------------------------------------------------------


@op(SyncNotifications)
async def sync_notifications(ctx: Ctx, req: SyncNotifications) -> NotificationList:
    store = ctx.node.store
    rows = await store.notices_after(ctx.actor.user_id, req.after_seq, req.count + 1)
    notices = [msgspec.structs.replace(_notice.decode(payload), seq=seq) for seq, payload in rows[: req.count]]
    return NotificationList(
        notices=notices, last_seq=await store.last_notice_seq(ctx.actor.user_id), complete=len(rows) <= req.count
    )
