"""Group messages: send, history, recall, read state, and the pushes that carry them.

Message bodies are Tencent's: a list of elements ``{"MsgType": ..., "MsgContent": {...}}``
with PascalCase content fields (``TIMTextElem``, ``TIMCustomElem``, ``TIMFaceElem``,
``TIMLocationElem``), so a body made for Tencent's REST API or SDK is valid here as is.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

import msgspec

from .groups import GroupTip
from .messages import Push, Request, Wire

__all__ = [
    "CustomContent",
    "CustomElem",
    "FaceContent",
    "FaceElem",
    "GetGroupHistory",
    "GetOnlineMemberCount",
    "GetUnreadCounts",
    "GroupHistory",
    "GroupMessage",
    "GroupMessageRecalled",
    "GroupReadUpdated",
    "LocationContent",
    "LocationElem",
    "MsgElement",
    "OnlineMemberCount",
    "RecallGroupMessage",
    "SendGroupMessage",
    "SendGroupMessageResult",
    "SetGroupReadSeq",
    "TextContent",
    "TextElem",
    "UnreadCount",
    "UnreadCounts",
]


class _Content(msgspec.Struct, rename="pascal", kw_only=True, gc=False):
    """Element content: Tencent's PascalCase field names."""


class TextContent(_Content):
    text: str


class CustomContent(_Content):
    data: str = ""
    desc: str = ""
    ext: str = ""
    sound: str = ""


class FaceContent(_Content):
    index: int
    data: str = ""


class LocationContent(_Content):
    latitude: float
    longitude: float
    desc: str = ""


class _Elem(msgspec.Struct, tag_field="MsgType", rename="pascal", kw_only=True, gc=False):
    pass


class TextElem(_Elem, tag="TIMTextElem"):
    msg_content: TextContent


class CustomElem(_Elem, tag="TIMCustomElem"):
    msg_content: CustomContent


class FaceElem(_Elem, tag="TIMFaceElem"):
    msg_content: FaceContent


class LocationElem(_Elem, tag="TIMLocationElem"):
    msg_content: LocationContent


MsgElement = Union[TextElem, CustomElem, FaceElem, LocationElem]
MsgBody = Annotated[list[MsgElement], msgspec.Meta(min_length=1, max_length=32)]
Seq = Annotated[int, msgspec.Meta(ge=0)]


# -- send ----------------------------------------------------------------------------------


class SendGroupMessageResult(Wire):
    group_id: str
    seq: int
    time: int
    random: int


class SendGroupMessage(Request):
    """Send a message to a group. ``random`` (uint32, chosen by the client) makes a
    retried send idempotent: the same sender and random within five minutes return the
    first send's ``seq`` and deliver nothing again."""

    result = SendGroupMessageResult
    group_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    random: Annotated[int, msgspec.Meta(ge=0, le=4294967295)]
    msg_body: MsgBody
    cloud_custom_data: str = ""
    priority: Literal["High", "Normal", "Low", "Lowest"] = "Normal"


class GroupMessage(Push):
    """A message of a group, to every member online (the sender's other devices too).
    ``seq`` is the group's sequence: a client that sees it skip a number fetches the gap
    with ``getGroupHistory``. ``noNotify``: the member asked for no notification."""

    group_id: str
    seq: int
    time: int
    sender_id: str
    random: int
    msg_body: list[MsgElement]
    cloud_custom_data: str = ""
    priority: str = "Normal"
    no_notify: bool = False
    recalled: bool = False


# -- history --------------------------------------------------------------------------------


class GroupHistory(Wire):
    """Messages and tips (``groupMessage`` / ``groupTip`` frames), oldest first."""

    messages: list[GroupMessage | GroupTip]
    is_completed: bool


class GetGroupHistory(Request):
    """A page of history: after ``afterSeq`` (oldest first), or before ``beforeSeq``
    (the newest ones before it). Neither: the latest ``count``."""

    result = GroupHistory
    group_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    after_seq: Seq | None = None
    before_seq: Seq | None = None
    count: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20


# -- recall ----------------------------------------------------------------------------------


class RecallGroupMessage(Request):
    """The sender within the recall window, or the owner or an admin at any time."""

    group_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    msg_seq: Annotated[int, msgspec.Meta(ge=1)]  # the message's seq (``seq`` is the frame's)
    reason: Annotated[str, msgspec.Meta(max_length=100)] = ""


class GroupMessageRecalled(Push):
    group_id: str
    seq: int
    operator_id: str
    reason: str = ""


# -- read state --------------------------------------------------------------------------------


class UnreadCount(Wire):
    group_id: str
    read_seq: int
    last_seq: int
    unread_count: int


class SetGroupReadSeq(Request):
    """Everything up to ``msgSeq`` is read; your other devices get ``groupReadUpdated``."""

    result = UnreadCount
    group_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    msg_seq: Seq


class UnreadCounts(Wire):
    groups: list[UnreadCount]


class GetUnreadCounts(Request):
    """Unread counts of your groups (the types that keep them: Work, Public, Community)."""

    result = UnreadCounts


class GroupReadUpdated(Push):
    group_id: str
    read_seq: int
    unread_count: int


class OnlineMemberCount(Wire):
    group_id: str
    member_count: int


class GetOnlineMemberCount(Request):
    """AVChatRoom: how many sessions are in the room now, on all nodes (fresh within
    about 15 seconds). Other types: 0."""

    result = OnlineMemberCount
    group_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


REQUEST_TYPES: tuple[type[Request], ...] = (
    SendGroupMessage,
    GetGroupHistory,
    RecallGroupMessage,
    SetGroupReadSeq,
    GetUnreadCounts,
    GetOnlineMemberCount,
)
PUSH_TYPES: tuple[type[Push], ...] = (GroupMessage, GroupMessageRecalled, GroupReadUpdated)
