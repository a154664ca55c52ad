"""Group messages: send, history, recall, read state; and the app admin's notices.

Send is the hot path: one group read, one member read, one store append (batched with
other writes by the store), one encode per wire format per node, one write per device.
"""

from __future__ import annotations

import time

import msgspec

from protocol.chat import (
    CustomElem,
    GetGroupHistory,
    GetOnlineMemberCount,
    GetUnreadCounts,
    GroupHistory,
    GroupMessage,
    GroupMessageRecalled,
    GroupReadUpdated,
    MsgElement,
    OnlineMemberCount,
    RecallGroupMessage,
    SendGroupMessage,
    SendGroupMessageResult,
    SetGroupReadSeq,
    UnreadCount,
    UnreadCounts,
)
from protocol.errors import ErrorCode, GroupcastError
from protocol.groups import GroupSystemNotice, NoticeType

from ..groups import rules as R
from ..groups.common import Target, load, notify
from ..ops import Ctx, op
from ..store import MessageRecord
from .history import encode_entry, to_push

__all__ = ["send_message", "send_system_notice"]

DEDUPE_SECONDS = 300  # a retried send within five minutes is the same message
_json = msgspec.json.Encoder()


def _check_body(ctx: Ctx, body: list[MsgElement], cloud_custom_data: str) -> None:
    size = len(_json.encode(body)) + len(cloud_custom_data.encode())
    limit = ctx.node.config.max_message_bytes
    if size > limit:
        raise GroupcastError(ErrorCode.MESSAGE_TOO_LONG, f"the message is {size} bytes; the limit is {limit}")
    if sum(isinstance(e, CustomElem) for e in body) > 1:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "a message holds at most one TIMCustomElem")


def _check_speaker(target: Target, mute_until: int, now: int) -> None:
    if mute_until > now:
        raise GroupcastError(ErrorCode.MUTED, f"you are muted until {mute_until}")
    if target.group.mute_all and target.rank < R.Rank.ADMIN:
        raise GroupcastError(ErrorCode.MUTED, "everyone but the owner and admins is muted")


@op(SendGroupMessage)
async def send_group_message(ctx: Ctx, req: SendGroupMessage) -> SendGroupMessageResult:
    return await send_message(ctx, req)


async def send_message(ctx: Ctx, req: SendGroupMessage, sender: str | None = None) -> SendGroupMessageResult:
    """Send as the actor (``sender``: the app admin sending as a member, REST's
    ``From_Account``). Stored before it is published; a retry returns the first seq."""
    _check_body(ctx, req.msg_body, req.cloud_custom_data)
    target = await load(ctx, req.group_id)
    sender_id = sender or ctx.actor.user_id
    now = int(time.time())
    message = GroupMessage(
        group_id=req.group_id,
        seq=0,
        time=now,
        sender_id=sender_id,
        random=req.random,
        msg_body=req.msg_body,
        cloud_custom_data=req.cloud_custom_data,
        priority=req.priority,
    )
    if not target.rules.stores_members:
        return await _send_to_room(ctx, target, message)
    if target.rank == R.Rank.NON_MEMBER:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "only members send messages to this group")
    _check_speaker(target, target.member.mute_until if target.member else 0, now)
    record, retried = await ctx.node.store.append_message(
        req.group_id,
        MessageRecord(sender_id=sender_id, random=req.random, body=encode_entry(message)),
        now=now,
        dedupe_since=now - DEDUPE_SECONDS,
    )
    if not retried:
        live = msgspec.structs.replace(message, seq=record.seq, time=record.time)
        await ctx.node.router.to_group(req.group_id, live, except_session=ctx.actor.session_id)
    return SendGroupMessageResult(group_id=req.group_id, seq=record.seq, time=record.time, random=req.random)


async def _send_to_room(ctx: Ctx, target: Target, message: GroupMessage) -> SendGroupMessageResult:
    """AVChatRoom: to whoever is in the room now; nothing is stored."""
    rooms = ctx.node.rooms
    session = ctx.node.registry.session(ctx.actor.session_id)
    if target.rank < R.Rank.OWNER and (session is None or not rooms.has(session, target.group_id)):
        raise GroupcastError(ErrorCode.NO_PERMISSION, "enter the room (joinGroup) before sending to it")
    muted = (await ctx.node.store.restrictions(target.group_id, message.sender_id)).get("mute", 0)
    _check_speaker(target, muted, message.time)
    await rooms.publish(target.group_id, message, except_session=ctx.actor.session_id)
    return SendGroupMessageResult(group_id=target.group_id, seq=0, time=message.time, random=message.random)


@op(GetGroupHistory)
async def get_group_history(ctx: Ctx, req: GetGroupHistory) -> GroupHistory:
    target = await load(ctx, req.group_id)
    if not target.rules.stores_members:
        raise GroupcastError(ErrorCode.NO_HISTORY, "AVChatRoom keeps no history")
    if target.rank == R.Rank.NON_MEMBER:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "only members read the history")
    # Where new members do not see what was said before they came, history starts at
    # their join; the app admin sees everything.
    floor = 1
    if target.member is not None and not target.rules.new_members_see_history:
        floor = max(1, target.member.join_seq)
    if req.after_seq is not None:
        after = max(req.after_seq, floor - 1)
        records = await ctx.node.store.read_messages(req.group_id, after=after, limit=req.count)
        complete = len(records) < req.count
    else:
        before = req.before_seq
        records = await ctx.node.store.read_messages(req.group_id, before=before, limit=req.count)
        records = [r for r in records if r.seq >= floor]
        complete = not records or records[0].seq <= floor
    return GroupHistory(messages=[to_push(r) for r in records], is_completed=complete)


@op(RecallGroupMessage)
async def recall_group_message(ctx: Ctx, req: RecallGroupMessage) -> None:
    await recall(ctx, req.group_id, req.msg_seq, req.reason)


async def recall(ctx: Ctx, group_id: str, seq: int, reason: str = "") -> None:
    """The sender within the recall window; the owner, admins and the app admin at any
    time. Members get ``groupMessageRecalled``; history keeps the seq, without content."""
    target = await load(ctx, group_id)
    if not target.rules.stores_members:
        raise GroupcastError(ErrorCode.RECALL_NOT_SUPPORTED, "AVChatRoom messages cannot be recalled")
    found = await ctx.node.store.read_messages(group_id, after=seq - 1, limit=1)
    if not found or found[0].seq != seq or found[0].kind != "msg":
        raise GroupcastError(ErrorCode.MESSAGE_NOT_FOUND, f"no message {seq} in {group_id}")
    record = found[0]
    if target.rank < R.Rank.ADMIN:
        if record.sender_id != ctx.actor.user_id:
            raise GroupcastError(ErrorCode.NO_PERMISSION, "only the sender, the owner or an admin recalls")
        if time.time() - record.time > ctx.node.config.recall_window:
            raise GroupcastError(ErrorCode.RECALL_WINDOW_PASSED)
    await ctx.node.store.recall_message(group_id, seq)
    operator = "" if ctx.actor.is_admin else ctx.actor.user_id
    await ctx.node.router.to_group(
        group_id, GroupMessageRecalled(group_id=group_id, seq=seq, operator_id=operator, reason=reason)
    )


@op(SetGroupReadSeq)
async def set_group_read_seq(ctx: Ctx, req: SetGroupReadSeq) -> UnreadCount:
    target = await load(ctx, req.group_id)
    if target.member is None:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "you are not a member of this group")
    last = target.group.next_msg_seq - 1
    read = await ctx.node.store.set_read_seq(req.group_id, ctx.actor.user_id, min(req.msg_seq, last))
    if read is None:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "you are not a member of this group")
    unread = max(0, last - read)
    await ctx.node.router.to_users(
        [ctx.actor.user_id],
        GroupReadUpdated(group_id=req.group_id, read_seq=read, unread_count=unread),
        except_session=ctx.actor.session_id,
    )
    return UnreadCount(group_id=req.group_id, read_seq=read, last_seq=last, unread_count=unread)


@op(GetUnreadCounts)
async def get_unread_counts(ctx: Ctx, req: GetUnreadCounts) -> UnreadCounts:
    store = ctx.node.store
    user = ctx.actor.user_id
    groups = await store.get_groups(sorted(await store.user_groups(user)))
    counts = []
    for group in groups.values():
        if not R.rules_of(group.type).unread_counts:
            continue
        member = await store.get_member(group.group_id, user)
        if member is None:
            continue
        last = group.next_msg_seq - 1
        read = max(member.read_seq, member.join_seq - 1)
        counts.append(
            UnreadCount(group_id=group.group_id, read_seq=read, last_seq=last, unread_count=max(0, last - read))
        )
    return UnreadCounts(groups=counts)


@op(GetOnlineMemberCount)
async def get_online_member_count(ctx: Ctx, req: GetOnlineMemberCount) -> OnlineMemberCount:
    target = await load(ctx, req.group_id)
    count = 0 if target.rules.stores_members else await ctx.node.rooms.online_count(req.group_id)
    return OnlineMemberCount(group_id=req.group_id, member_count=count)


async def send_system_notice(ctx: Ctx, group_id: str, content: str, to: list[str] | None = None) -> list[str]:
    """The app admin's custom notice (type 255) to all members or the listed ones (only
    members count). AVChatRoom: to the room's audience, live only. Returns who got it."""
    target = await load(ctx, group_id)
    group = target.group
    if not target.rules.stores_members:
        notice = GroupSystemNotice(
            seq=0,
            operation_type=int(NoticeType.CUSTOM),
            group_id=group_id,
            group_name=group.name,
            time=int(time.time()),
            user_defined_field=content,
        )
        await ctx.node.rooms.publish(group_id, notice)
        return []
    members = await ctx.node.store.member_ids(group_id)
    chosen = members if not to else [u for u in dict.fromkeys(to) if u in set(members)]
    await notify(ctx, chosen, NoticeType.CUSTOM, group, user_defined=content)
    return chosen
