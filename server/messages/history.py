"""A group's history: records in, pushes out.

A history record stores the encoded push itself (a ``groupMessage`` or a ``groupTip``
with ``seq`` and ``time`` left at 0); reading it back fills them in from the record. So
what a member receives live and what they read later are the same frame.
"""

from __future__ import annotations

import msgspec

from protocol.chat import GroupMessage
from protocol.groups import GroupTip

from ..store import MessageRecord

__all__ = ["encode_entry", "to_push"]

_encode = msgspec.msgpack.Encoder().encode
_message = msgspec.msgpack.Decoder(GroupMessage)
_tip = msgspec.msgpack.Decoder(GroupTip)


def encode_entry(push: GroupMessage | GroupTip) -> bytes:
    return _encode(push)


def recalled_body(record: MessageRecord) -> bytes:
    """What a recalled message's record keeps: the message without its body and its
    ``cloudCustomData`` (who sent it, when, its random), so the content is gone from the
    server, not only hidden."""
    return _encode(msgspec.structs.replace(_message.decode(record.body), msg_body=[], cloud_custom_data=""))


def to_push(record: MessageRecord) -> GroupMessage | GroupTip:
    """The frame a record stands for. A recalled message shows no content (records
    recalled by older versions still hold it: it never leaves the server again)."""
    if record.kind == "tip":
        return msgspec.structs.replace(_tip.decode(record.body), seq=record.seq, time=record.time)
    message = _message.decode(record.body)
    if record.recalled:
        return msgspec.structs.replace(
            message, seq=record.seq, time=record.time, msg_body=[], cloud_custom_data="", recalled=True
        )
    return msgspec.structs.replace(message, seq=record.seq, time=record.time)
