"""Group lifecycle and profile: create, dismiss, transfer, read and edit the profile,
list a user's groups."""

from __future__ import annotations

import secrets
import string

from protocol.errors import ErrorCode, GroupcastError
from protocol.groups import (
    ChangeGroupOwner,
    CreateGroup,
    CreateGroupResult,
    CustomField,
    DismissGroup,
    GetGroupList,
    GetGroupProfile,
    GroupList,
    GroupProfileResult,
    GroupSystemNotice,
    NoticeType,
    ProfileChange,
    TipType,
    UpdateGroupProfile,
)

from ..ops import Ctx, op
from ..store import GroupChanges, GroupRecord, MemberRecord
from . import rules as R
from .common import custom_fields, load, notify, now, profile_view, tip

__all__ = ["create_group", "import_group", "joined_groups", "modify_group_profile"]

_ID_ALPHABET = string.ascii_uppercase + string.digits


def _validated_custom(fields: list[CustomField], declared: frozenset[str], limit: int, what: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for field in fields:
        if field.key not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise GroupcastError(
                ErrorCode.INVALID_PARAMETER, f"{what} custom field {field.key!r} is not declared (declared: {known})"
            )
        values[field.key] = R.validate_text(field.value, limit, f"{what} custom field {field.key}")
    return values


def _validate_profile_text(
    name: str | None, introduction: str | None, notification: str | None, avatar: str | None
) -> None:
    if name is not None:
        if not name.strip():
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, "group name is required")
        R.validate_text(name, R.NAME_BYTES, "group name")
    if introduction is not None:
        R.validate_text(introduction, R.INTRODUCTION_BYTES, "introduction")
    if notification is not None:
        R.validate_text(notification, R.NOTIFICATION_BYTES, "notification")
    if avatar is not None:
        R.validate_text(avatar, R.FACE_URL_BYTES, "face URL")


def _check_join_option(rules: R.TypeRules, option: str | None) -> None:
    if option is None:
        return
    if not rules.join_option_settable:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{rules.type.value} groups do not take a join option")
    if not rules.stores_members and option == "NeedPermission":
        # Entering a live room is an online act; there is no membership to approve.
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "an AVChatRoom is FreeAccess or DisableApply")


@op(CreateGroup)
async def create_group_op(ctx: Ctx, req: CreateGroup) -> CreateGroupResult:
    return await create_group(ctx, req, owner_id=ctx.actor.user_id)


async def create_group(ctx: Ctx, req: CreateGroup, owner_id: str) -> CreateGroupResult:
    """Create a group owned by ``owner_id`` (the REST API may name another owner, or
    none: an app-admin-owned group). The initial members are added at once, without
    consent; the owner's devices get a notice of type 6 (created), each initial member
    one of type 7 (added), as Tencent tells an invitee added without consent."""
    return await _create(ctx, req, owner_id, created_at=None)


async def import_group(ctx: Ctx, req: CreateGroup, owner_id: str, created_at: int | None) -> CreateGroupResult:
    """Create a group being migrated from elsewhere (REST ``import_group``, rest-api.md
    6.7): as :func:`create_group`, but created at ``created_at`` (default now; the owner
    joined then), with nobody notified, and not for memberless types (``NO_PERMISSION``).
    A taken ID is ``GROUP_ID_TAKEN`` whoever holds it (the only code the API documents).
    It counts toward today's creation cap, whatever its creation time."""
    rules = R.parse_type(req.type)
    if not rules.stores_members:
        raise GroupcastError(ErrorCode.NO_PERMISSION, f"{rules.wire_name} groups cannot be imported")
    at = now()
    if created_at is not None and created_at > at:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "the creation time is in the future")
    try:
        return await _create(ctx, req, owner_id, created_at=at if created_at is None else created_at)
    except GroupcastError as refused:
        if refused.code == ErrorCode.GROUP_ID_OWNED:
            raise GroupcastError(ErrorCode.GROUP_ID_TAKEN, refused.message) from None
        raise


async def _create(ctx: Ctx, req: CreateGroup, owner_id: str, created_at: int | None) -> CreateGroupResult:
    """Create the group; ``created_at`` given: an import (that time, no notice)."""
    node = ctx.node
    rules = R.parse_type(req.type)
    _validate_profile_text(req.name, req.introduction, req.notification, req.avatar)
    _check_join_option(rules, req.join_option)
    cap = rules.default_max_members
    if req.max_member_num and cap and req.max_member_num > cap:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{rules.type.value} groups have at most {cap} members")
    custom = _validated_custom(
        req.group_custom_field, node.config.group_custom_keys, R.GROUP_CUSTOM_VALUE_BYTES, "group"
    )

    invited = [m for m in req.member_list if m.user_id != owner_id]
    if invited and not rules.stores_members:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "AVChatRoom groups have no member list: members join online")
    if any(m.role == "Admin" for m in invited) and not rules.has_admins:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{rules.type.value} groups have no admins")
    wanted = list(dict.fromkeys(([owner_id] if owner_id else []) + [m.user_id for m in invited]))
    existing = await node.store.existing_accounts(wanted)
    unknown = [u for u in wanted if u not in existing]
    if unknown:
        raise GroupcastError(ErrorCode.USER_NOT_FOUND, f"not registered: {', '.join(unknown)}")

    if req.group_id:
        group_id = R.validate_custom_group_id(req.group_id, rules)
        taken = await node.store.get_group(group_id)
        if taken is not None:
            code = ErrorCode.GROUP_ID_OWNED if taken.owner_id == owner_id and owner_id else ErrorCode.GROUP_ID_TAKEN
            raise GroupcastError(code, f"group ID {group_id} is taken")
    else:
        group_id = rules.id_prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))

    today = now()
    at = today if created_at is None else created_at
    member_custom_keys = node.config.member_custom_keys
    members = []
    if rules.stores_members:
        if owner_id:
            members.append(MemberRecord(user_id=owner_id, role="Owner", join_time=at, msg_flag=rules.default_remind))
        seen = {owner_id}
        for m in invited:
            if m.user_id in seen:
                continue
            seen.add(m.user_id)
            fields = _validated_custom(m.member_custom_field, member_custom_keys, R.MEMBER_CUSTOM_VALUE_BYTES, "member")
            members.append(
                MemberRecord(user_id=m.user_id, role=m.role, join_time=at, msg_flag=rules.default_remind, custom=fields)
            )
    max_members = req.max_member_num or cap
    if max_members and len(members) > max_members:
        raise GroupcastError(ErrorCode.GROUP_FULL, f"{len(members)} initial members; the group takes {max_members}")
    group = GroupRecord(
        group_id=group_id,
        type=rules.type.value,
        name=req.name,
        owner_id=owner_id,
        introduction=req.introduction,
        notification=req.notification,
        face_url=req.avatar,
        max_members=max_members,
        join_option=req.join_option or rules.default_join_option,
        custom=custom,
        created_at=at,
        last_info_time=at,
    )
    left_out = await node.store.create_group(
        group,
        members,
        day=today // 86400,
        daily_cap=node.config.daily_group_limit,
        groups_per_user=node.config.max_groups_per_user,
    )
    added = [m for m in members if m.user_id not in left_out]
    for member in added:
        await node.router.membership([member.user_id], group_id, member.msg_flag)
    group.member_count = len(added)
    if owner_id and created_at is None:
        await notify(ctx, [owner_id], NoticeType.CREATED, group)
    if created_at is None:  # the initial members learn of it as added members do (type 7)
        await notify(ctx, [m.user_id for m in added if m.user_id != owner_id], NoticeType.INVITED, group)
    owner = next((m for m in added if m.user_id == owner_id), None)
    return CreateGroupResult(
        group_id=group_id, group=profile_view(group, rules, owner), over_limit_user_id_list=sorted(left_out)
    )


@op(DismissGroup)
async def dismiss_group(ctx: Ctx, req: DismissGroup) -> None:
    target = await load(ctx, req.group_id)
    R.check(target.rules.dismiss, target.rank, "dismiss")
    group, member_ids = await ctx.node.store.delete_group(req.group_id, day=now() // 86400)
    if not target.rules.stores_members:  # AVChatRoom: the audience hears it, then leaves
        await ctx.node.rooms.publish(
            group.group_id,
            GroupSystemNotice(
                seq=0,
                operation_type=int(NoticeType.DISMISSED),
                group_id=group.group_id,
                group_name=group.name,
                operator_id="" if ctx.actor.is_admin else ctx.actor.user_id,
                time=now(),
            ),
        )
        await ctx.node.rooms.eject(group.group_id)
        member_ids = [group.owner_id] if group.owner_id else []
    await notify(ctx, member_ids, NoticeType.DISMISSED, group)
    for user_id in member_ids:
        await ctx.node.router.membership([user_id], group.group_id, "")


@op(ChangeGroupOwner)
async def change_group_owner(ctx: Ctx, req: ChangeGroupOwner) -> None:
    target = await load(ctx, req.group_id)
    R.check(target.rules.transfer, target.rank, "transfer ownership")
    if req.new_owner_id == target.group.owner_id:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{req.new_owner_id} already owns the group")
    if target.rules.stores_members:
        if await ctx.node.store.get_member(req.group_id, req.new_owner_id) is None:
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"{req.new_owner_id} is not a member")
        group = await ctx.node.store.transfer_owner(req.group_id, req.new_owner_id)
    else:
        if not await ctx.node.store.existing_accounts([req.new_owner_id]):
            raise GroupcastError(ErrorCode.USER_NOT_FOUND, f"{req.new_owner_id} is not registered")
        group = await ctx.node.store.update_group(req.group_id, GroupChanges(owner_id=req.new_owner_id), now())
    await tip(ctx, group, TipType.GROUP_PROFILE_UPDATED, profile=ProfileChange(owner_id=req.new_owner_id))


@op(GetGroupProfile)
async def get_group_profile(ctx: Ctx, req: GetGroupProfile) -> GroupProfileResult:
    target = await load(ctx, req.group_id)
    if target.rank == R.Rank.NON_MEMBER and not target.rules.profile_public:
        raise GroupcastError(ErrorCode.NO_PERMISSION, f"{target.rules.type.value} group profiles are for members only")
    return GroupProfileResult(
        group=profile_view(target.group, target.rules, target.member, req.group_custom_field_filter)
    )


@op(UpdateGroupProfile)
async def update_group_profile(ctx: Ctx, req: UpdateGroupProfile) -> GroupProfileResult:
    return await modify_group_profile(ctx, req)


async def modify_group_profile(
    ctx: Ctx, req: UpdateGroupProfile, *, max_members: int | None = None
) -> GroupProfileResult:
    """Change the named fields; members get a tip of type 6 with what changed.
    ``max_members`` (the REST API's ``MaxMemberNum``; the app admin's alone) sets the
    member cap: from the current member count up to the type's ceiling. Memberless
    types have no cap: it is ignored there (alone, it changes nothing and succeeds). A
    change of the cap alone sends no tip (the tip has no field for it)."""
    target = await load(ctx, req.group_id)
    rules = target.rules
    _validate_profile_text(req.name, req.introduction, req.notification, req.avatar)
    ignored = max_members is not None and not rules.stores_members
    if ignored:
        max_members = None
    if (
        all(
            v is None
            for v in (
                req.name,
                req.introduction,
                req.notification,
                req.avatar,
                req.join_option,
                req.mute_all_members,
                max_members,
            )
        )
        and not req.group_custom_field
    ):
        if not ignored:
            raise GroupcastError(ErrorCode.INVALID_PARAMETER, "nothing to change")
        R.check(rules.edit_profile, target.rank, "edit the group profile")
        return GroupProfileResult(group=profile_view(target.group, rules, target.member))
    R.check(rules.edit_profile, target.rank, "edit the group profile")
    if req.mute_all_members is not None:
        R.check(rules.mute, target.rank, "mute all members")
    if max_members is not None:
        R.check(R.Level.APP_ADMIN, target.rank, "change the member cap")
        _check_max_members(rules, target.group, max_members)
    _check_join_option(rules, req.join_option)
    custom = None
    if req.group_custom_field:
        custom = _validated_custom(
            req.group_custom_field, ctx.node.config.group_custom_keys, R.GROUP_CUSTOM_VALUE_BYTES, "group"
        )
    changes = GroupChanges(
        name=req.name,
        introduction=req.introduction,
        notification=req.notification,
        face_url=req.avatar,
        join_option=req.join_option,
        mute_all=req.mute_all_members,
        custom=custom,
        max_members=max_members,
    )
    group = await ctx.node.store.update_group(req.group_id, changes, now())
    change = ProfileChange(
        name=req.name,
        introduction=req.introduction,
        notification=req.notification,
        avatar=req.avatar,
        join_option=req.join_option,
        mute_all_members=req.mute_all_members,
        group_custom_field=None if custom is None else custom_fields(custom),
    )
    if change != ProfileChange():
        await tip(ctx, group, TipType.GROUP_PROFILE_UPDATED, profile=change)
    return GroupProfileResult(group=profile_view(group, rules, target.member))


def _check_max_members(rules: R.TypeRules, group: GroupRecord, max_members: int) -> None:
    ceiling = rules.default_max_members
    if max_members < 1 or (ceiling and max_members > ceiling):
        raise GroupcastError(
            ErrorCode.INVALID_PARAMETER, f"{rules.wire_name} groups take a member cap of 1 to {ceiling or 'any'}"
        )
    if max_members < group.member_count:
        raise GroupcastError(
            ErrorCode.INVALID_PARAMETER, f"the group has {group.member_count} members, more than {max_members}"
        )


async def joined_groups(ctx: Ctx, user_id: str, *, with_rooms: bool = False) -> list[GroupRecord]:
    """The groups ``user_id`` is a member of, by group ID, without the types kept out of
    joined lists (AVChatRoom). ``with_rooms``: also the memberless groups the user owns
    (found by reading every group of those types: the REST API's ``WithHugeGroups``)."""
    store = ctx.node.store
    memberships = await store.user_groups(user_id)
    groups = await store.get_groups(sorted(memberships))
    listed = [g for g in groups.values() if R.rules_of(g.type).in_joined_list]
    if with_rooms:
        for rules in R.RULES.values():
            if rules.stores_members or rules.in_joined_list:
                continue
            after = 0
            while True:
                page, _ = await store.list_groups(group_type=rules.type.value, after=after, limit=1000)
                listed += [g for _, g in page if g.owner_id == user_id]
                if len(page) < 1000:
                    break
                after = page[-1][0]
    listed.sort(key=lambda g: g.group_id)
    return listed


@op(GetGroupList)
async def get_group_list(ctx: Ctx, req: GetGroupList) -> GroupList:
    store = ctx.node.store
    listed = await joined_groups(ctx, ctx.actor.user_id)
    page = listed[req.offset : req.offset + req.count]
    selves = {g.group_id: await store.get_member(g.group_id, ctx.actor.user_id) for g in page}
    end = req.offset + len(page)
    return GroupList(
        group_list=[profile_view(g, R.rules_of(g.type), selves[g.group_id]) for g in page],
        total=len(listed),
        next_offset=end if end < len(listed) else 0,
    )
