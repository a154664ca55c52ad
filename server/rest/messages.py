"""``group_open_http_svc``: the group message APIs (rest-api.md section 8) and
get_online_member_num (7.11). Each calls the domain in :mod:`server.messages.send`, the
functions the WebSocket ops use, as the app admin; what groupcast does where Tencent's
pages leave room is decided here and listed per endpoint.

Common to all of them:

* ``MsgBody`` is a list of Tencent elements (section 4), 1 to 32 of them; groupcast keeps
  ``TIMTextElem``, ``TIMCustomElem``, ``TIMFaceElem`` and ``TIMLocationElem`` (the four
  ``import_group_msg`` allows). Another ``MsgType`` is refused with 10004, naming the field.
  The size cap (80002) is ``GROUPCAST_MAX_MESSAGE_BYTES`` over the serialized ``MsgBody``
  plus ``CloudCustomData`` (section 4's groupcast note).
* ``TopicId``: groupcast has no topics, so a non-empty one is refused with 10004 rather
  than taken for the whole group.

send_group_msg (8.1): ``From_Account`` absent (or the admin's own identifier): the admin
sends, and may speak anywhere. Present: the message is that user's and the user's rules
apply: 10019 if not imported, 10007 if not a member of a group with members, 10017 if
muted, or if ``MuteAllMember`` is on and they are neither owner nor admin. An AVChatRoom
takes it from anyone (not muted) whether or not they are in the room: its audience is
per node, in memory. ``Random`` with the same sender within five minutes is a retry: the
first message's ``MsgSeq``/``MsgTime`` come back and nothing is delivered again
(``MsgDropReason`` stays ""). ``MsgPriority``: ``High``/``Normal``/``Low`` (and
``Lowest``); "" is ``Normal``. ``OnlineOnlyFlag`` (or ``MsgOnlineOnlyFlag``, 2.9.8) 1:
pushed to the members online, receive options applied, not stored: ``MsgSeq`` 0, not in
history nor unread counts; with ``SendMsgControl`` it is 10004 (8.1); in an AVChatRoom
every message is so anyway. Accepted and ignored, because groupcast has none of what they
control: ``OfflinePushInfo`` (no offline push), ``ForbidCallbackControl`` (no webhooks),
``SendMsgControl`` ``NoLastMsg``/``NoUnread`` (no conversation list; unread counts are
seq arithmetic), ``GroupAtInfo`` beyond its count (more than 30 mentions: 10053; the
mentions themselves are not carried: the message frame has no field for them),
``SupportMessageExtension``, ``NeedReadReceipt``. Refused with 10004 rather than ignored,
because ignoring it would widen the audience: a non-empty ``To_Account`` (targeted
messages do not exist here).

send_group_system_notification (8.2): a per-user notice of type 255 with ``Content`` in
``userDefinedField``, stored under each recipient's notice sequence, pushed to their
devices. ``ToMembers_Account`` (at most 500) omitted or empty: every member; otherwise the
members among them (others are skipped). An AVChatRoom: the room's audience, live only;
a recipient list there is 10007. An empty ``Content`` is 10004, an oversized one 80002.

group_msg_recall (8.3): up to 10 seqs, each answered in ``RecallRetList`` with 0 or its
code (10030 no such message, including tips and seq 0); the app admin may recall any
message at any age. An AVChatRoom is 10033 (the code the page lists for "group type does
not support recall"). ``Reason`` (at most 100 bytes) travels in ``groupMessageRecalled``.

group_msg_get_simple (8.4): newest first, ``ReqMsgSeq`` an inclusive upper bound (absent
or 0: the newest). Only messages are returned: tips (group events) are history entries of
groupcast's own shape with no ``MsgBody`` in Tencent's terms, so they are skipped, and
``IsSystemMsg`` is always 0. Recalled messages are skipped unless ``WithRecalledMsg`` is
1; then they come as ``IsPlaceMsg`` 2 with an empty ``MsgBody`` and no
``CloudCustomData``. Skipping reads further back, so a page has ``ReqMsgNumber`` entries
unless history starts first: fewer means there is nothing older. ``IsFinished`` is 1: the
whole requested range is always returned (nothing expires; no response cap is near).
``MsgPriority`` is 1 High, 2 Normal, 3 Low, 4 Lowest; ``CloudCustomData`` is present when
the message has one. An AVChatRoom is 10044 (no history).

import_group_msg (8.5): at most 20 messages (the use-limits page; 7 on the API page).
Per message ``Result``: 0, 10004 for a ``SendTime`` before the group's ``CreateTime``, its
newest history entry (tips included) or the previous message of the call, or after now
(equal seconds pass); 80002 over the size cap; 10019 for an unregistered
``From_Account`` (who need not be a member any more). Stored at ``SendTime``, pushed to
no one; afterwards every member's unread count is 0, as on Tencent. ``RecentContactFlag``
is accepted and ignored: there is no conversation list. An AVChatRoom is 10007.

delete_group_msg_by_sender (8.6): every message of ``Sender_Account`` among the last 1,000
history entries is marked recalled, with no push. An AVChatRoom: success, no effect.

get_online_member_num (7.11): the sessions in the room now, on every node; other group
types are 10007.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from protocol.chat import GroupMessage, MsgBody, MsgElement, SendGroupMessage
from protocol.errors import ErrorCode, GroupcastError

from ..messages import send
from ..ops import Ctx
from .base import Body, Reply, endpoint

SERVICE = "group_open_http_svc"
TOO_MANY_MENTIONS = 10053
MAX_MENTIONS = 30
MAX_REASON_BYTES = 100
PRIORITY_NUMBER = {"High": 1, "Normal": 2, "Low": 3, "Lowest": 4}
RECALLED_PLACEHOLDER = 2

GroupId = Annotated[str, msgspec.Meta(min_length=1)]
UInt32 = Annotated[int, msgspec.Meta(ge=0, le=4294967295)]
Flag = Annotated[int, msgspec.Meta(ge=0, le=1)]


class _InGroup(Body):
    GroupId: GroupId


def _no_topic(topic_id: str) -> None:
    if topic_id:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "topics are not supported: leave TopicId out")


# -- send_group_msg ---------------------------------------------------------------------------


class GroupAt(Body):
    GroupAtAllFlag: Flag = 0
    GroupAt_Account: str = ""


class SendGroupMsg(_InGroup):
    Random: UInt32
    MsgBody: MsgBody
    From_Account: str = ""
    MsgPriority: Literal["", "High", "Normal", "Low", "Lowest"] = "Normal"
    CloudCustomData: str = ""
    OnlineOnlyFlag: Flag = 0
    MsgOnlineOnlyFlag: Flag = 0  # the spelling some clients send (rest-api.md 2.9.8)
    OfflinePushInfo: dict[str, Any] | None = None
    ForbidCallbackControl: list[str] = []
    SendMsgControl: list[Literal["NoLastMsg", "NoUnread"]] = []
    GroupAtInfo: list[GroupAt] = []
    To_Account: list[str] = []
    TopicId: str = ""


class SendGroupMsgReply(Reply):
    MsgTime: int
    MsgSeq: int
    MsgDropReason: str


@endpoint(SERVICE, "send_group_msg", SendGroupMsg, SendGroupMsgReply)
async def send_group_msg(ctx: Ctx, body: SendGroupMsg) -> SendGroupMsgReply:
    """Send a message as the admin or as From_Account; OnlineOnlyFlag 1: online members only, not stored (MsgSeq 0)."""
    _no_topic(body.TopicId)
    online_only = bool(body.OnlineOnlyFlag or body.MsgOnlineOnlyFlag)
    if online_only and body.SendMsgControl:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "SendMsgControl does not go with OnlineOnlyFlag 1")
    if body.To_Account:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, "targeted group messages (To_Account) are not supported")
    if len(body.GroupAtInfo) > MAX_MENTIONS:
        raise GroupcastError(TOO_MANY_MENTIONS, f"at most {MAX_MENTIONS} mentions in GroupAtInfo")
    request = SendGroupMessage(
        group_id=body.GroupId,
        random=body.Random,
        msg_body=body.MsgBody,
        cloud_custom_data=body.CloudCustomData,
        priority=body.MsgPriority or "Normal",
    )
    sent = await send.send_message(ctx, request, sender=body.From_Account or None, online_only=online_only)
    return SendGroupMsgReply(MsgTime=sent.time, MsgSeq=sent.seq, MsgDropReason="")


# -- send_group_system_notification --------------------------------------------------------------


class SendGroupSystemNotification(_InGroup):
    Content: str
    ToMembers_Account: Annotated[list[str], msgspec.Meta(max_length=500)] = []
    TopicId: str = ""


@endpoint(SERVICE, "send_group_system_notification", SendGroupSystemNotification)
async def send_group_system_notification(ctx: Ctx, body: SendGroupSystemNotification) -> None:
    """Send a custom system notice (type 255) to every member, or to the listed members."""
    _no_topic(body.TopicId)
    await send.send_system_notice(ctx, body.GroupId, body.Content, body.ToMembers_Account)


# -- group_msg_recall ----------------------------------------------------------------------------


class RecallSeq(Body):
    MsgSeq: int


class GroupMsgRecall(_InGroup):
    MsgSeqList: Annotated[list[RecallSeq], msgspec.Meta(min_length=1, max_length=10)]
    Reason: str = ""
    TopicId: str = ""


class RecallRet(Reply):
    MsgSeq: int
    RetCode: int


class GroupMsgRecallReply(Reply):
    RecallRetList: list[RecallRet]


@endpoint(SERVICE, "group_msg_recall", GroupMsgRecall, GroupMsgRecallReply)
async def group_msg_recall(ctx: Ctx, body: GroupMsgRecall) -> GroupMsgRecallReply:
    """Recall up to 10 messages by seq; members online get groupMessageRecalled; a RetCode per seq."""
    _no_topic(body.TopicId)
    if len(body.Reason.encode()) > MAX_REASON_BYTES:
        raise GroupcastError(ErrorCode.INVALID_PARAMETER, f"Reason is over {MAX_REASON_BYTES} bytes")
    outcomes = await send.recall_messages(ctx, body.GroupId, [item.MsgSeq for item in body.MsgSeqList], body.Reason)
    return GroupMsgRecallReply(RecallRetList=[RecallRet(MsgSeq=seq, RetCode=code) for seq, code in outcomes])


# -- group_msg_get_simple ------------------------------------------------------------------------


class GroupMsgGetSimple(_InGroup):
    ReqMsgNumber: Annotated[int, msgspec.Meta(ge=1, le=20)]
    ReqMsgSeq: Annotated[int, msgspec.Meta(ge=0)] | None = None
    WithRecalledMsg: Flag = 0
    TopicId: str = ""


class HistoryMsg(Reply, omit_defaults=True):
    From_Account: str
    IsPlaceMsg: int
    IsSystemMsg: int
    MsgBody: list[MsgElement]
    MsgPriority: int
    MsgRandom: int
    MsgSeq: int
    MsgTimeStamp: int
    CloudCustomData: str = ""  # left out when the message has none


class GroupMsgGetSimpleReply(Reply):
    GroupId: str
    IsFinished: int
    RspMsgList: list[HistoryMsg]


def _history_msg(message: GroupMessage) -> HistoryMsg:
    return HistoryMsg(
        From_Account=message.sender_id,
        IsPlaceMsg=RECALLED_PLACEHOLDER if message.recalled else 0,
        IsSystemMsg=0,
        MsgBody=message.msg_body,
        MsgPriority=PRIORITY_NUMBER.get(message.priority, PRIORITY_NUMBER["Normal"]),
        MsgRandom=message.random,
        MsgSeq=message.seq,
        MsgTimeStamp=message.time,
        CloudCustomData=message.cloud_custom_data,
    )


@endpoint(SERVICE, "group_msg_get_simple", GroupMsgGetSimple, GroupMsgGetSimpleReply)
async def group_msg_get_simple(ctx: Ctx, body: GroupMsgGetSimple) -> GroupMsgGetSimpleReply:
    """Read history newest first: up to ReqMsgNumber (<= 20) messages with MsgSeq <= ReqMsgSeq."""
    _no_topic(body.TopicId)
    messages = await send.history_page(
        ctx,
        body.GroupId,
        upto=body.ReqMsgSeq or None,
        count=body.ReqMsgNumber,
        with_recalled=bool(body.WithRecalledMsg),
    )
    return GroupMsgGetSimpleReply(GroupId=body.GroupId, IsFinished=1, RspMsgList=[_history_msg(m) for m in messages])


# -- import_group_msg ----------------------------------------------------------------------------


class ImportedMsg(Body):
    From_Account: Annotated[str, msgspec.Meta(min_length=1)]
    SendTime: int
    MsgBody: MsgBody
    Random: UInt32 = 0
    CloudCustomData: str = ""


class ImportGroupMsg(_InGroup):
    MsgList: Annotated[list[ImportedMsg], msgspec.Meta(min_length=1, max_length=20)]
    RecentContactFlag: Flag = 0
    TopicId: str = ""


class ImportMsgRet(Reply):
    MsgSeq: int
    MsgTime: int
    Result: int


class ImportGroupMsgReply(Reply):
    ImportMsgResult: list[ImportMsgRet]


@endpoint(SERVICE, "import_group_msg", ImportGroupMsg, ImportGroupMsgReply)
async def import_group_msg(ctx: Ctx, body: ImportGroupMsg) -> ImportGroupMsgReply:
    """Import up to 20 old messages at their SendTime, in ascending order, with no notifications."""
    _no_topic(body.TopicId)
    messages = [
        GroupMessage(
            group_id=body.GroupId,
            seq=0,
            time=item.SendTime,
            sender_id=item.From_Account,
            random=item.Random,
            msg_body=item.MsgBody,
            cloud_custom_data=item.CloudCustomData,
        )
        for item in body.MsgList
    ]
    outcomes = await send.import_messages(ctx, body.GroupId, messages)
    return ImportGroupMsgReply(
        ImportMsgResult=[ImportMsgRet(MsgSeq=seq, MsgTime=at, Result=code) for code, seq, at in outcomes]
    )


# -- delete_group_msg_by_sender ------------------------------------------------------------------


class DeleteGroupMsgBySender(_InGroup):
    Sender_Account: Annotated[str, msgspec.Meta(min_length=1)]
    TopicId: str = ""


@endpoint(SERVICE, "delete_group_msg_by_sender", DeleteGroupMsgBySender)
async def delete_group_msg_by_sender(ctx: Ctx, body: DeleteGroupMsgBySender) -> None:
    """Silently recall every message of Sender_Account among the group's last 1,000 entries."""
    _no_topic(body.TopicId)
    await send.recall_by_sender(ctx, body.GroupId, body.Sender_Account)


# -- get_online_member_num -----------------------------------------------------------------------


class GetOnlineMemberNum(Body):
    GroupId: GroupId


class GetOnlineMemberNumReply(Reply):
    OnlineMemberNum: int


@endpoint(SERVICE, "get_online_member_num", GetOnlineMemberNum, GetOnlineMemberNumReply)
async def get_online_member_num(ctx: Ctx, body: GetOnlineMemberNum) -> GetOnlineMemberNumReply:
    """How many sessions are in an AVChatRoom now, on every node (other group types: 10007)."""
    return GetOnlineMemberNumReply(OnlineMemberNum=await send.online_member_count(ctx, body.GroupId, rooms_only=True))
