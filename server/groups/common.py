"""What every group handler needs: the group and the actor's place in it, wire views of
records, and the two delivery channels (system notices to users, tips to a group)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import msgspec

from protocol.errors import ErrorCode, GroupcastError
from protocol.groups import (
    CustomField,
    GroupMember,
    GroupProfile,
    GroupSystemNotice,
    GroupTip,
    MemberChange,
    NoticeType,
    ProfileChange,
    SelfInfo,
    TipType,
)

from ..messages.history import encode_entry
from ..ops import Ctx
from ..store import Account, GroupRecord, MemberRecord, MessageRecord
from .rules import Rank, TypeRules, rank_of, rules_of

__all__ = [
    "Target",
    "custom_fields",
    "load",
    "member_view",
    "notify",
    "now",
    "profile_view",
    "read_position",
    "tip",
]

_notice_bytes = msgspec.msgpack.Encoder().encode
DEDUPE_SECONDS = 300  # a retried send within five minutes is the same message


def now() -> int:
    return int(time.time())


@dataclass(frozen=True, slots=True)
class Target:
    """A group as one actor sees it."""

    group: GroupRecord
    rules: TypeRules
    member: MemberRecord | None  # the actor's membership
    rank: Rank

    @property
    def group_id(self) -> str:
        return self.group.group_id


async def load(ctx: Ctx, group_id: str) -> Target:
    """The group and the actor's rank in it; ``GROUP_NOT_FOUND`` if it does not exist."""
    store = ctx.node.store
    if ctx.actor.is_admin:
        group, member = await store.get_group(group_id), None
    else:
        group, member = await store.get_group_and_member(group_id, ctx.actor.user_id)
    if group is None:
        raise GroupcastError(ErrorCode.GROUP_NOT_FOUND, f"group {group_id} does not exist or was dismissed")
    rules = rules_of(group.type)
    role = member.role if member else None
    if role is None and group.owner_id and group.owner_id == ctx.actor.user_id:
        role = "Owner"  # memberless groups (AVChatRoom) know their owner only by owner_id
    return Target(group, rules, member, rank_of(role, ctx.actor.is_admin))


def read_position(member: MemberRecord) -> int:
    """Where the member's unread count starts: their read mark, but never before their
    join (what came earlier is not theirs to read, or count)."""
    return max(member.read_seq, member.join_seq - 1, 0)


def custom_fields(values: Mapping[str, str], keys: Iterable[str] | None = None) -> list[CustomField]:
    """``values`` as wire pairs, limited to ``keys`` when given, in key order."""
    chosen = sorted(values) if keys is None else [k for k in keys if k in values]
    return [CustomField(key=k, value=values[k]) for k in chosen]


def profile_view(
    group: GroupRecord, rules: TypeRules, member: MemberRecord | None = None, custom_keys: Iterable[str] = ()
) -> GroupProfile:
    return GroupProfile(
        group_id=group.group_id,
        type=rules.wire_name,
        name=group.name,
        introduction=group.introduction,
        notification=group.notification,
        avatar=group.face_url,
        owner_id=group.owner_id,
        create_time=group.created_at,
        info_sequence=group.info_seq,
        last_info_time=group.last_info_time,
        member_count=group.member_count,
        max_member_count=group.max_members,
        join_option=group.join_option,
        mute_all_members=group.mute_all,
        group_custom_field=custom_fields(group.custom, custom_keys),
        next_message_seq=group.next_msg_seq,
        last_message_time=group.last_msg_time,
        self_info=None
        if member is None
        else SelfInfo(
            role=member.role,
            join_time=member.join_time,
            message_remind_type=member.msg_flag,
            name_card=member.name_card,
            mute_until=member.mute_until,
        ),
    )


def member_view(
    member: MemberRecord, account: Account | None, *, own: bool, custom_keys: Iterable[str] = ()
) -> GroupMember:
    return GroupMember(
        user_id=member.user_id,
        role=member.role,
        join_time=member.join_time,
        nick=(account.nick or "") if account else "",
        avatar=(account.face_url or "") if account else "",
        name_card=member.name_card,
        last_send_msg_time=member.last_send_time,
        mute_until=member.mute_until,
        member_custom_field=custom_fields(member.custom, custom_keys),
        message_remind_type=member.msg_flag if own else None,
    )


async def notify(
    ctx: Ctx,
    user_ids: Iterable[str],
    kind: NoticeType,
    group: GroupRecord,
    *,
    handle_message: str = "",
    application_id: str = "",
    remind: str = "",
    user_defined: str = "",
) -> None:
    """Store a system notice under each user's notice sequence, then push it to every
    device of theirs, the acting one included: every device keeps the same sequence."""
    users = list(dict.fromkeys(user_ids))
    if not users:
        return
    notice = GroupSystemNotice(
        seq=0,
        operation_type=int(kind),
        group_id=group.group_id,
        group_name=group.name,
        operator_id="" if ctx.actor.is_admin else ctx.actor.user_id,
        time=now(),
        handle_message=handle_message,
        application_id=application_id,
        message_remind_type=remind,
        user_defined_field=user_defined,
    )
    seqs = await ctx.node.store.append_notices(users, _notice_bytes(notice))
    for user_id, seq in seqs.items():
        await ctx.node.router.to_users([user_id], msgspec.structs.replace(notice, seq=seq))


async def tip(
    ctx: Ctx,
    group: GroupRecord,
    kind: TipType,
    *,
    users: Iterable[str] = (),
    join_type: str = "",
    profile: ProfileChange | None = None,
    changes: Iterable[MemberChange] = (),
    operator: str | None = None,
    joined: Iterable[str] = (),
) -> None:
    """Store a tip in the group's history (it takes the next ``seq``), then push it to
    the members online, on every node; ``joined`` users (new members) get it on their
    own channel, which their nodes surely receive. AVChatRoom: pushed to the room's
    audience, not stored."""
    at = now()
    event = GroupTip(
        group_id=group.group_id,
        operation_type=int(kind),
        operator_id=(("" if ctx.actor.is_admin else ctx.actor.user_id) if operator is None else operator),
        time=at,
        user_id_list=list(users),
        join_type=join_type,
        member_count=group.member_count,
        new_group_profile=profile,
        member_list=list(changes),
    )
    if not rules_of(group.type).stores_members:
        await ctx.node.rooms.publish(group.group_id, event)
        return
    record, _ = await ctx.node.store.append_message(
        # dedupe_since: a tip is never a retry, but the store trims its retry index up to
        # it, so it must not cut the window of the messages around it.
        group.group_id,
        MessageRecord(kind="tip", body=encode_entry(event)),
        now=at,
        dedupe_since=at - DEDUPE_SECONDS,
    )
    event = msgspec.structs.replace(event, seq=record.seq, time=record.time)
    await ctx.node.router.to_group(group.group_id, event, direct=joined)
