"""Group messages: send, history, recall, read state; and the app admin's notices.

Send is the hot path: one read of the group with the sender's membership, one store
append (batched with other writes by the store), one encode per wire format per node,
one queued write per device.

The WebSocket ops and the REST API (``server/rest/messages.py``, as the app admin) share
these functions; where REST needs a variant it is a keyword parameter here, never a copy
of a rule: ``send_message(sender=, online_only=)``, ``recall_messages`` (per-seq
outcomes), ``recall_by_sender`` (silent), ``history_page`` (newest first, messages only),
``import_messages`` (given times, nothing published), ``online_member_count(rooms_only=)``.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence

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
from ..groups.common import DEDUPE_SECONDS, Target, load, notify, read_position
from ..ops import Actor, Ctx, op
from ..store import MessageRecord
from .history import encode_entry, recalled_body, to_push

__all__ = [
    "history_page",
    "import_messages",
    "online_member_count",
    "recall",
    "recall_by_sender",
    "recall_messages",
    "send_message",
    "send_system_notice",
]

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


async def send_message(
    ctx: Ctx, req: SendGroupMessage, sender: str | None = None, *, online_only: bool = False
) -> SendGroupMessageResult:
    """Send as the actor. Stored before it is published; a retry returns the first seq.

    ``sender`` (the app admin only; REST's ``From_Account``): send as that user, who is held
    to their own rules: a registered account (``USER_NOT_FOUND``), a member where the group
    has members (``NO_PERMISSION``), not muted, not silenced by mute-all unless an admin or
    the owner (``MUTED``). An AVChatRoom takes it whether or not the user is in the room
    (rooms are per node, in memory). ``sender`` equal to the actor is the actor's own send.

    ``online_only`` (REST's ``OnlineOnlyFlag``): pushed to the members online now, with
    their receive options, but not stored, so it has no seq (0), no retry detection and no
    place in history or unread counts. An AVChatRoom's messages are always so."""
    _check_body(ctx, req.msg_body, req.cloud_custom_data)
    speaker = ctx
    if sender is not None and sender != ctx.actor.user_id:
        if not ctx.actor.is_admin:
            raise GroupcastError(ErrorCode.NO_PERMISSION, "only the app admin sends as another user")
        speaker = Ctx(ctx.node, Actor(user_id=sender))
    target = await load(speaker, req.group_id)
    if speaker is not ctx and not await ctx.node.store.existing_accounts([speaker.actor.user_id]):
        raise GroupcastError(ErrorCode.USER_NOT_FOUND, f"{speaker.actor.user_id} is not registered")
    now = int(time.time())
    message = GroupMessage(
        group_id=req.group_id,
        seq=0,
        time=now,
        sender_id=speaker.actor.user_id,
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
    if online_only:
        await ctx.node.router.to_group(req.group_id, message, except_session=ctx.actor.session_id)
        return SendGroupMessageResult(group_id=req.group_id, seq=0, time=now, random=req.random)
    record, retried = await ctx.node.store.append_message(
        req.group_id,
        MessageRecord(sender_id=message.sender_id, random=req.random, body=encode_entry(message)),
        now=now,
        dedupe_since=now - DEDUPE_SECONDS,
    )
    if not retried:
        live = msgspec.structs.replace(message, seq=record.seq, time=record.time)
        await ctx.node.router.to_group(req.group_id, live, except_session=ctx.actor.session_id)
    return SendGroupMessageResult(group_id=req.group_id, seq=record.seq, time=record.time, random=req.random)


async def _send_to_room(ctx: Ctx, target: Target, message: GroupMessage) -> SendGroupMessageResult:
    """AVChatRoom: to whoever is in the room now; nothing is stored. ``target`` is the
    group as the speaker sees it; the app admin (sending as anyone) has no session."""
    rooms = ctx.node.rooms
    session = ctx.node.registry.session(ctx.actor.session_id)
    outside = session is None or not rooms.has(session, target.group_id)
    if not ctx.actor.is_admin and target.rank < R.Rank.OWNER and outside:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "enter the room (joinGroup) before sending to it")
    muted = (await ctx.node.store.restrictions(target.group_id, message.sender_id)).get("mute", 0)
    _check_speaker(target, muted, message.time)
    await rooms.publish(target.group_id, message, except_session=ctx.actor.session_id)
    return SendGroupMessageResult(group_id=target.group_id, seq=0, time=message.time, random=message.random)


async def import_messages(ctx: Ctx, group_id: str, messages: Sequence[GroupMessage]) -> list[tuple[int, int, int]]:
    """The app admin's migration of old messages (REST ``import_group_msg``): each stored
    at its own ``time``, in order, with nothing published. Per message, in order:
    ``(code, seq, time)``, code 0 when stored (a retry -- same sender and random within
    five minutes of send time -- answers the first one's seq and time).

    Group-level refusals raise: ``GROUP_NOT_FOUND``; ``NO_PERMISSION`` for an AVChatRoom
    (no history) or an actor who is not the app admin. Per message: ``INVALID_PARAMETER``
    when its time is before the group's creation, before the group's newest history entry
    or the previous message stored by this call, or after now (equal times pass: send
    times are seconds); ``MESSAGE_TOO_LONG``; ``USER_NOT_FOUND`` for an unregistered
    sender. Senders need not be members (they may have left since). A message without a
    ``random`` (0) gets a fresh one, so that it is never taken for a retry. Then, as
    Tencent does, every member has read everything (unread counts 0)."""
    target = await load(ctx, group_id)
    if not ctx.actor.is_admin:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "only the app admin imports messages")
    if not target.rules.stores_members:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "AVChatRoom keeps no history to import into")
    store = ctx.node.store
    known = await store.existing_accounts(sorted({m.sender_id for m in messages}))
    floor = max(target.group.created_at, target.group.last_msg_time)
    now = int(time.time())
    results: list[tuple[int, int, int]] = []
    last_seq = 0
    for message in messages:
        try:
            _check_body(ctx, message.msg_body, message.cloud_custom_data)
            if not floor <= message.time <= now:
                raise GroupcastError(
                    ErrorCode.INVALID_PARAMETER,
                    f"send time {message.time} is outside [{floor}, {now}]: after the group's creation"
                    " and its newest message, in ascending order, and not in the future",
                )
            if message.sender_id not in known:
                raise GroupcastError(ErrorCode.USER_NOT_FOUND, f"{message.sender_id} is not registered")
        except GroupcastError as refused:
            results.append((int(refused.code), 0, 0))
            continue
        stored = msgspec.structs.replace(
            message, group_id=group_id, seq=0, time=0, random=message.random or secrets.randbits(32)
        )
        record, _ = await store.append_message(
            group_id,
            MessageRecord(sender_id=stored.sender_id, random=stored.random, body=encode_entry(stored)),
            now=message.time,
            dedupe_since=message.time - DEDUPE_SECONDS,
        )
        floor = message.time
        last_seq = max(last_seq, record.seq)
        results.append((0, record.seq, record.time))
    if last_seq and target.rules.unread_counts:
        members = await store.member_ids(group_id)
        for chunk in range(0, len(members), 100):
            await asyncio.gather(*(store.set_read_seq(group_id, u, last_seq) for u in members[chunk : chunk + 100]))
    return results


def _history_floor(target: Target) -> int:
    """The lowest seq the actor may read; refuses where there is no history to read."""
    if not target.rules.stores_members:
        raise GroupcastError(ErrorCode.NO_HISTORY, "AVChatRoom keeps no history")
    if target.rank == R.Rank.NON_MEMBER:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "only members read the history")
    # Where new members do not see what was said before they came, history starts at
    # their join; the app admin sees everything.
    if target.member is not None and not target.rules.new_members_see_history:
        return max(1, target.member.join_seq)
    return 1


@op(GetGroupHistory)
async def get_group_history(ctx: Ctx, req: GetGroupHistory) -> GroupHistory:
    target = await load(ctx, req.group_id)
    floor = _history_floor(target)
    if req.after_seq is not None:
        after = max(req.after_seq, floor - 1)
        records = await ctx.node.store.read_messages(req.group_id, after=after, before=req.before_seq, limit=req.count)
        complete = len(records) < req.count
    else:
        before = req.before_seq
        records = await ctx.node.store.read_messages(req.group_id, before=before, limit=req.count)
        records = [r for r in records if r.seq >= floor]
        complete = not records or records[0].seq <= floor
    return GroupHistory(messages=[to_push(r) for r in records], is_completed=complete)


HISTORY_BATCH = 100  # records read per step while a history page skips tips


async def history_page(
    ctx: Ctx, group_id: str, *, upto: int | None, count: int, with_recalled: bool = False
) -> list[GroupMessage]:
    """Up to ``count`` messages with seq <= ``upto`` (None: the newest), newest first, as
    the actor may read them (``getGroupHistory``'s rules). Tips are skipped, and recalled
    messages too unless ``with_recalled`` (then they come without content): reading goes
    further back until ``count`` messages are found or history starts, so fewer than
    ``count`` means there is nothing older. REST's ``group_msg_get_simple``."""
    target = await load(ctx, group_id)
    floor = _history_floor(target)
    found: list[GroupMessage] = []
    before = None if upto is None else upto + 1
    while len(found) < count:
        records = await ctx.node.store.read_messages(group_id, before=before, limit=HISTORY_BATCH)
        records = [r for r in records if r.seq >= floor]
        for record in reversed(records):
            if record.kind == "msg" and (with_recalled or not record.recalled):
                entry = to_push(record)
                assert isinstance(entry, GroupMessage)
                found.append(entry)
                if len(found) == count:
                    break
        if not records or records[0].seq <= floor:
            break
        before = records[0].seq
    return found


@op(RecallGroupMessage)
async def recall_group_message(ctx: Ctx, req: RecallGroupMessage) -> None:
    await recall(ctx, req.group_id, req.msg_seq, req.reason)


async def recall(ctx: Ctx, group_id: str, seq: int, reason: str = "") -> None:
    """The sender within the recall window; the owner, admins and the app admin at any
    time. Members get ``groupMessageRecalled``; history keeps the seq, without content."""
    target = await load(ctx, group_id)
    _check_recallable(target)
    await _recall(ctx, target, seq, reason)


async def recall_messages(ctx: Ctx, group_id: str, seqs: Sequence[int], reason: str = "") -> list[tuple[int, int]]:
    """:func:`recall` of several messages of one group (REST ``group_msg_recall``).
    Group-level refusals raise (``GROUP_NOT_FOUND``, ``RECALL_NOT_SUPPORTED``); per
    message, in order: ``(seq, 0)`` when recalled, or ``(seq, code)`` of its refusal
    (``MESSAGE_NOT_FOUND``, ``NO_PERMISSION``, ``RECALL_WINDOW_PASSED``)."""
    target = await load(ctx, group_id)
    _check_recallable(target)
    outcomes: list[tuple[int, int]] = []
    for seq in seqs:
        try:
            await _recall(ctx, target, seq, reason)
        except GroupcastError as refused:
            outcomes.append((seq, int(refused.code)))
        else:
            outcomes.append((seq, 0))
    return outcomes


def _check_recallable(target: Target) -> None:
    if not target.rules.stores_members:
        raise GroupcastError(ErrorCode.RECALL_NOT_SUPPORTED, "AVChatRoom messages cannot be recalled")


async def _recall(ctx: Ctx, target: Target, seq: int, reason: str) -> None:
    group_id = target.group_id
    found = await ctx.node.store.read_messages(group_id, after=seq - 1, limit=1) if seq >= 1 else []
    if not found or found[0].seq != seq or found[0].kind != "msg":
        raise GroupcastError(ErrorCode.MESSAGE_NOT_FOUND, f"no message {seq} in {group_id}")
    record = found[0]
    if target.rank < R.Rank.ADMIN:
        if target.rank < R.Rank.MEMBER or record.sender_id != ctx.actor.user_id:
            raise GroupcastError(ErrorCode.NO_PERMISSION, "only the sender, the owner or an admin recalls")
        if time.time() - record.time > ctx.node.config.recall_window:
            raise GroupcastError(ErrorCode.RECALL_WINDOW_PASSED)
    if record.recalled:
        return  # recalled before: nothing new to tell
    await ctx.node.store.recall_message(group_id, seq, recalled_body(record))
    operator = "" if ctx.actor.is_admin else ctx.actor.user_id
    await ctx.node.router.to_group(
        group_id, GroupMessageRecalled(group_id=group_id, seq=seq, operator_id=operator, reason=reason)
    )


RECALL_BY_SENDER_WINDOW = 1000  # Tencent: among the group's last 1,000 messages


async def recall_by_sender(ctx: Ctx, group_id: str, sender_id: str) -> list[int]:
    """Recall, silently, every message of ``sender_id`` among the group's latest
    ``RECALL_BY_SENDER_WINDOW`` history entries (REST ``delete_group_msg_by_sender``): no
    push; clients see it when they read history. Owner, admins and the app admin only
    (``NO_PERMISSION``). An AVChatRoom keeps no history: nothing to do. The recalled seqs."""
    target = await load(ctx, group_id)
    if not target.rules.stores_members:
        return []
    if target.rank < R.Rank.ADMIN:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "only the owner, an admin or the app admin recalls")
    records = await ctx.node.store.read_messages(group_id, limit=RECALL_BY_SENDER_WINDOW)
    chosen = [r for r in records if r.kind == "msg" and r.sender_id == sender_id and not r.recalled]
    for record in chosen:
        await ctx.node.store.recall_message(group_id, record.seq, recalled_body(record))
    return [r.seq for r in chosen]


@op(SetGroupReadSeq)
async def set_group_read_seq(ctx: Ctx, req: SetGroupReadSeq) -> UnreadCount:
    target = await load(ctx, req.group_id)
    if target.member is None:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "you are not a member of this group")
    last = target.group.next_msg_seq - 1
    read = await ctx.node.store.set_read_seq(req.group_id, ctx.actor.user_id, min(req.msg_seq, last))
    if read is None:
        raise GroupcastError(ErrorCode.NO_PERMISSION, "you are not a member of this group")
    # Unread counts start at the join, as getUnreadCounts counts them.
    read = max(read, read_position(target.member))
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
        read = read_position(member)
        counts.append(
            UnreadCount(group_id=group.group_id, read_seq=read, last_seq=last, unread_count=max(0, last - read))
        )
    return UnreadCounts(groups=counts)


@op(GetOnlineMemberCount)
async def get_online_member_count(ctx: Ctx, req: GetOnlineMemberCount) -> OnlineMemberCount:
    return OnlineMemberCount(group_id=req.group_id, member_count=await online_member_count(ctx, req.group_id))


async def online_member_count(ctx: Ctx, group_id: str, *, rooms_only: bool = False) -> int:
    """AVChatRoom: the sessions in the room now, on every node. Other types: 0, or
    ``NO_PERMISSION`` with ``rooms_only`` (REST ``get_online_member_num``)."""
    target = await load(ctx, group_id)
    if target.rules.stores_members:
        if rooms_only:
            raise GroupcastError(ErrorCode.NO_PERMISSION, "the online member count is kept for AVChatRoom groups only")
        return 0
    return await ctx.node.rooms.online_count(group_id)


async def send_system_notice(ctx: Ctx, group_id: str, content: str, to: Sequence[str] = ()) -> list[str]:
    """The app admin's custom notice (type 255) to all members or the listed ones (only
    members count), stored under each one's notice sequence. AVChatRoom: to the room's
    audience, live only, and to all of it (a list: ``NO_PERMISSION``). ``content`` must not
    be empty (``INVALID_PARAMETER``) nor over the message size limit (``MESSAGE_TOO_LONG``).
    Returns who got it (an AVChatRoom: nobody in particular, [])."""
    if not content:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "the notice content is empty")
    size, limit = len(content.encode()), ctx.node.config.max_message_bytes
    if size > limit:
        raise GroupcastError(ErrorCode.MESSAGE_TOO_LONG, f"the notice is {size} bytes; the limit is {limit}")
    target = await load(ctx, group_id)
    group = target.group
    if not target.rules.stores_members:
        if to:
            raise GroupcastError(ErrorCode.NO_PERMISSION, "an AVChatRoom notice goes to the whole room, not to a list")
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
    present = set(members)
    chosen = members if not to else [u for u in dict.fromkeys(to) if u in present]
    await notify(ctx, chosen, NoticeType.CUSTOM, group, user_defined=content)
    return chosen
