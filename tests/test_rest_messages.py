"""The v4 group message endpoints (rest-api.md section 8, and 7.11) over real HTTP, on
both stores, and what WebSocket clients see of them live."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio

from protocol.chat import GroupMessage, GroupMessageRecalled
from protocol.client import Client
from protocol.groups import CreateGroup, GroupSystemNotice, GroupTypeName, NewMember, NoticeType
from server import accounts
from server.groups.manage import create_group
from server.rest.base import admin_ctx
from server.store import Account, GroupChanges, GroupRecord, MemberChanges, MemberRecord

from .conftest import Running, bus_fence, wait
from .rest_client import Rest

SVC = "group_open_http_svc"


@pytest_asyncio.fixture
async def rest(server: Running) -> AsyncIterator[Rest]:
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        yield Rest(server, http)


async def group(rest: Rest, kind: GroupTypeName, owner: str, *members: str, **fields: Any) -> str:
    """A group made through the service layer, as the app admin, with imported accounts."""
    node = rest.server.node
    await accounts.import_accounts(node, [Account(user_id=u) for u in (owner, *members)])
    request = CreateGroup(name="chat", type=kind, member_list=[NewMember(user_id=u) for u in members], **fields)
    return (await create_group(admin_ctx(node), request, owner)).group_id


def text(words: str) -> list[dict[str, Any]]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": words}}]


async def send(rest: Rest, gid: str, words: str, random: int, **fields: Any) -> dict[str, Any]:
    return await rest.ok(f"{SVC}/send_group_msg", {"GroupId": gid, "Random": random, "MsgBody": text(words), **fields})


async def history(rest: Rest, gid: str, number: int = 20, **fields: Any) -> list[dict[str, Any]]:
    body = {"GroupId": gid, "ReqMsgNumber": number, **fields}
    answer = await rest.ok(f"{SVC}/group_msg_get_simple", body)
    assert (answer["GroupId"], answer["IsFinished"]) == (gid, 1)
    return answer["RspMsgList"]  # type: ignore[no-any-return]


def texts(entries: list[dict[str, Any]]) -> list[str]:
    return [e["MsgBody"][0]["MsgContent"]["Text"] if e["MsgBody"] else "" for e in entries]


def group_messages(client: Client) -> list[GroupMessage]:
    return [p for p in client.drain_pushes() if isinstance(p, GroupMessage)]


async def custom_notice(client: Client) -> GroupSystemNotice:
    while True:
        notice = await client.next_push(GroupSystemNotice, timeout=wait(5))
        if notice.operation_type == NoticeType.CUSTOM:
            return notice


# -- send_group_msg ---------------------------------------------------------------------------


async def test_send_group_msg_reaches_members_as_from_account(rest: Rest) -> None:
    """A message sent as From_Account reaches every member's devices with that user as
    sender, with its CloudCustomData and priority; absent, the admin sends; a retried
    Random answers the first seq and delivers nothing again."""
    gid = await group(rest, "Public", "olga", "bob", "carl")
    bob = await rest.server.login("bob")
    carl = await rest.server.login("carl")
    sent = await send(
        rest,
        gid,
        "hello",
        7,
        From_Account="carl",
        MsgPriority="High",
        CloudCustomData='{"k": 1}',
        OfflinePushInfo={"PushFlag": 0, "Desc": "hello"},
        ForbidCallbackControl=["ForbidBeforeSendMsgCallback"],
        SendMsgControl=["NoUnread"],
        GroupAtInfo=[{"GroupAtAllFlag": 1}],
    )
    assert sent["MsgSeq"] >= 1 and sent["MsgTime"] > 0 and sent["MsgDropReason"] == ""
    for device in (bob, carl):
        got = await device.next_push(GroupMessage, timeout=wait(5))
        assert (got.seq, got.sender_id, got.priority, got.cloud_custom_data) == (
            sent["MsgSeq"],
            "carl",
            "High",
            '{"k": 1}',
        )
        assert got.msg_body[0].msg_content.text == "hello"  # type: ignore[union-attr]
    again = await send(rest, gid, "hello", 7, From_Account="carl")
    assert (again["MsgSeq"], again["MsgTime"]) == (sent["MsgSeq"], sent["MsgTime"])
    by_admin = await send(rest, gid, "from the app", 8)
    assert by_admin["MsgSeq"] == sent["MsgSeq"] + 1
    got = await bob.next_push(GroupMessage, timeout=wait(5))
    assert (got.seq, got.sender_id) == (by_admin["MsgSeq"], "administrator")
    await bus_fence(rest.server, bob)
    assert group_messages(bob) == []
    assert [e["From_Account"] for e in await history(rest, gid)] == ["administrator", "carl"]


async def test_send_group_msg_refusals(rest: Rest) -> None:
    """Unknown, non-member and muted senders, mute-all, bad bodies and unsupported
    fields are refused with their codes, and nothing is stored."""
    gid = await group(rest, "Public", "owen", "mia", "adam")
    await accounts.import_accounts(rest.server.node, [Account(user_id="stranger")])
    store = rest.server.node.store
    path = f"{SVC}/send_group_msg"
    ok = {"GroupId": gid, "Random": 1, "MsgBody": text("hi")}
    await rest.fail(path, {**ok, "From_Account": "nobody"}, 10019)
    await rest.fail(path, {**ok, "From_Account": "stranger"}, 10007)
    await rest.fail(path, {**ok, "GroupId": "@TGS#2NOSUCHGRP"}, 10010)
    await rest.fail(path, {**ok, "GroupId": ""}, 10004)
    await rest.fail(path, {k: v for k, v in ok.items() if k != "Random"}, 10004)
    await rest.fail(path, {**ok, "MsgBody": [{"MsgType": "TIMVoodooElem", "MsgContent": {}}]}, 10004)
    await rest.fail(path, {**ok, "MsgBody": []}, 10004)
    await rest.fail(path, {**ok, "MsgBody": text("x" * 13000)}, 80002)
    await rest.fail(path, {**ok, "MsgPriority": "high"}, 10004)
    await rest.fail(path, {**ok, "To_Account": ["mia"]}, 10004)
    await rest.fail(path, {**ok, "TopicId": "@TGS#_x@TOPIC#y"}, 10004)
    await rest.fail(path, {**ok, "OnlineOnlyFlag": 1, "SendMsgControl": ["NoLastMsg"]}, 10004)
    await rest.fail(path, {**ok, "GroupAtInfo": [{"GroupAtAllFlag": 0, "GroupAt_Account": "mia"}] * 31}, 10053)
    await store.update_member(gid, "mia", MemberChanges(mute_until=int(time.time()) + 60))
    await rest.fail(path, {**ok, "From_Account": "mia"}, 10017)
    await store.update_member(gid, "adam", MemberChanges(role="Admin"))
    await store.update_group(gid, GroupChanges(mute_all=True), int(time.time()))
    await store.update_member(gid, "mia", MemberChanges(mute_until=0))
    await rest.fail(path, {**ok, "From_Account": "mia"}, 10017)
    assert await history(rest, gid) == []
    for random, who in enumerate(("adam", "owen", ""), start=10):
        await rest.ok(path, {**ok, "Random": random, "From_Account": who})
    assert [e["From_Account"] for e in await history(rest, gid)] == ["administrator", "owen", "adam"]


async def test_online_only_message_is_pushed_not_stored(rest: Rest) -> None:
    """OnlineOnlyFlag 1 (or MsgOnlineOnlyFlag) reaches the members online with seq 0 and
    leaves no trace in history or in the group's sequence."""
    gid = await group(rest, "Work", "wes", "ann")
    ann = await rest.server.login("ann")
    first = await send(rest, gid, "kept", 1)
    await ann.next_push(GroupMessage, timeout=wait(5))
    live = await send(rest, gid, "typing...", 2, OnlineOnlyFlag=1, From_Account="wes")
    assert live["MsgSeq"] == 0 and live["MsgTime"] > 0
    got = await ann.next_push(GroupMessage, timeout=wait(5))
    assert (got.seq, got.sender_id, got.msg_body[0].msg_content.text) == (0, "wes", "typing...")  # type: ignore[union-attr]
    assert (await send(rest, gid, "again", 3, MsgOnlineOnlyFlag=1))["MsgSeq"] == 0
    await ann.next_push(GroupMessage, timeout=wait(5))
    after = await send(rest, gid, "kept too", 4)
    assert after["MsgSeq"] == first["MsgSeq"] + 1
    assert texts(await history(rest, gid)) == ["kept too", "kept"]
    refused = {"GroupId": gid, "Random": 5, "MsgBody": text("x"), "OnlineOnlyFlag": 1, "From_Account": "nobody"}
    await rest.fail(f"{SVC}/send_group_msg", refused, 10019)


async def test_send_group_msg_to_a_live_room(rest: Rest) -> None:
    """An AVChatRoom takes a message from the admin or as anyone not muted; the room's
    audience gets it with seq 0, and nothing is stored."""
    gid = await group(rest, "AVChatRoom", "host")
    await accounts.import_accounts(rest.server.node, [Account(user_id=u) for u in ("guest", "mute")])
    viewer = await rest.server.login("viewer")
    await viewer.join_group(gid)
    sent = await send(rest, gid, "welcome", 1, From_Account="guest")
    assert sent["MsgSeq"] == 0
    got = await viewer.next_push(GroupMessage, timeout=wait(5))
    assert (got.seq, got.sender_id) == (0, "guest")
    await send(rest, gid, "from the app", 2)
    assert (await viewer.next_push(GroupMessage, timeout=wait(5))).sender_id == "administrator"
    await rest.server.node.store.restrict(gid, "mute", "mute", int(time.time()) + 60)
    await rest.fail(
        f"{SVC}/send_group_msg", {"GroupId": gid, "Random": 3, "MsgBody": text("x"), "From_Account": "mute"}, 10017
    )
    await rest.fail(f"{SVC}/group_msg_get_simple", {"GroupId": gid, "ReqMsgNumber": 5}, 10044)


# -- send_group_system_notification --------------------------------------------------------------


async def test_system_notification_reaches_members_as_type_255(rest: Rest) -> None:
    """The notice reaches every member (or the listed members only) as a stored type-255
    notice carrying Content; bad requests are refused."""
    gid = await group(rest, "Public", "nora", "pia", "quin")
    pia = await rest.server.login("pia")
    quin = await rest.server.login("quin")
    path = f"{SVC}/send_group_system_notification"
    await rest.ok(path, {"GroupId": gid, "Content": '{"type": "maintenance"}'})
    for member in (pia, quin):
        notice = await custom_notice(member)
        assert (notice.user_defined_field, notice.group_id, notice.operator_id) == ('{"type": "maintenance"}', gid, "")
        assert notice.seq > 0
    await rest.ok(path, {"GroupId": gid, "Content": "just you", "ToMembers_Account": ["quin", "stranger"]})
    assert (await custom_notice(quin)).user_defined_field == "just you"
    await bus_fence(rest.server, pia)
    assert not [p for p in pia.drain_pushes() if isinstance(p, GroupSystemNotice)]
    await rest.fail(path, {"GroupId": gid, "Content": ""}, 10004)
    await rest.fail(path, {"GroupId": gid}, 10004)
    await rest.fail(path, {"GroupId": gid, "Content": "x", "ToMembers_Account": [f"u{i}" for i in range(501)]}, 10004)
    await rest.fail(path, {"GroupId": "@TGS#2NOSUCHGRP", "Content": "x"}, 10010)
    room = await group(rest, "AVChatRoom", "host")
    await rest.fail(path, {"GroupId": room, "Content": "x", "ToMembers_Account": ["pia"]}, 10007)
    viewer = await rest.server.login("viewer")
    await viewer.join_group(room)
    await rest.ok(path, {"GroupId": room, "Content": "to the room"})
    live = await custom_notice(viewer)
    assert (live.user_defined_field, live.seq) == ("to the room", 0)


# -- group_msg_recall ----------------------------------------------------------------------------


async def test_recall_reaches_members_live(rest: Rest) -> None:
    """Recalled seqs get RetCode 0 and members online get groupMessageRecalled; an unknown
    seq gets 10030; history keeps the seq as a placeholder."""
    gid = await group(rest, "Public", "rae", "sid")
    sid = await rest.server.login("sid")
    first = await send(rest, gid, "oops", 1, From_Account="sid", CloudCustomData="secret")
    await sid.next_push(GroupMessage, timeout=wait(5))
    answer = await rest.ok(
        f"{SVC}/group_msg_recall",
        {"GroupId": gid, "MsgSeqList": [{"MsgSeq": first["MsgSeq"]}, {"MsgSeq": "999"}], "Reason": "typo"},
    )
    assert answer["RecallRetList"] == [{"MsgSeq": first["MsgSeq"], "RetCode": 0}, {"MsgSeq": 999, "RetCode": 10030}]
    recalled = await sid.next_push(GroupMessageRecalled, timeout=wait(5))
    assert (recalled.group_id, recalled.seq, recalled.operator_id, recalled.reason) == (
        gid,
        first["MsgSeq"],
        "",
        "typo",
    )
    assert await history(rest, gid) == []
    placeholder = (await history(rest, gid, WithRecalledMsg=1))[0]
    assert (placeholder["MsgSeq"], placeholder["IsPlaceMsg"], placeholder["MsgBody"]) == (first["MsgSeq"], 2, [])
    assert "CloudCustomData" not in placeholder


async def test_recall_refusals(rest: Rest) -> None:
    """More than 10 seqs, an AVChatRoom, an unknown group and a long reason are refused."""
    gid = await group(rest, "Public", "ray")
    path = f"{SVC}/group_msg_recall"
    await rest.fail(path, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": i} for i in range(1, 12)]}, 10004)
    await rest.fail(path, {"GroupId": gid, "MsgSeqList": []}, 10004)
    await rest.fail(path, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": 1}], "Reason": "x" * 101}, 10004)
    await rest.fail(path, {"GroupId": "@TGS#2NOSUCHGRP", "MsgSeqList": [{"MsgSeq": 1}]}, 10010)
    room = await group(rest, "AVChatRoom", "host")
    await rest.fail(path, {"GroupId": room, "MsgSeqList": [{"MsgSeq": 1}]}, 10033)


# -- group_msg_get_simple ------------------------------------------------------------------------


async def test_get_simple_pages_newest_first(rest: Rest) -> None:
    """History comes newest first with Tencent's fields, ReqMsgSeq an inclusive upper
    bound; tips and recalled messages are skipped (recalled ones shown on request)."""
    gid = await group(rest, "Public", "hal", "ivy", join_option="FreeAccess")
    seqs = [(await send(rest, gid, f"m{i}", 100 + i, From_Account="ivy"))["MsgSeq"] for i in range(3)]
    joiner = await rest.server.login("joe")
    await joiner.join_group(gid)  # a join tip in the middle of the history
    seqs += [
        (await send(rest, gid, f"m{i}", 100 + i, CloudCustomData="cd", MsgPriority="Low"))["MsgSeq"] for i in (3, 4)
    ]
    await rest.ok(f"{SVC}/group_msg_recall", {"GroupId": gid, "MsgSeqList": [{"MsgSeq": seqs[1]}]})

    newest = await history(rest, gid, 2)
    assert newest[0] == {
        "From_Account": "administrator",
        "IsPlaceMsg": 0,
        "IsSystemMsg": 0,
        "MsgBody": text("m4"),
        "MsgPriority": 3,
        "MsgRandom": 104,
        "MsgSeq": seqs[4],
        "MsgTimeStamp": newest[0]["MsgTimeStamp"],
        "CloudCustomData": "cd",
    }
    assert newest[0]["MsgTimeStamp"] > 0 and texts(newest) == ["m4", "m3"]
    older = await history(rest, gid, 2, ReqMsgSeq=newest[-1]["MsgSeq"] - 1)
    assert texts(older) == ["m2", "m0"]  # the tip and the recalled m1 are skipped
    assert older[0]["MsgPriority"] == 2 and "CloudCustomData" not in older[0]
    assert texts(await history(rest, gid, 20, ReqMsgSeq=seqs[2])) == ["m2", "m0"]  # fewer: history starts
    every = await history(rest, gid, 20, WithRecalledMsg=1, ReqMsgSeq=0)
    assert [(e["MsgSeq"], e["IsPlaceMsg"]) for e in every] == [(s, 2 if s == seqs[1] else 0) for s in reversed(seqs)]


async def test_get_simple_refusals(rest: Rest) -> None:
    """More than 20 messages, a missing count, an unknown group and an AVChatRoom are refused."""
    gid = await group(rest, "Public", "kim")
    path = f"{SVC}/group_msg_get_simple"
    await rest.fail(path, {"GroupId": gid, "ReqMsgNumber": 21}, 10004)
    await rest.fail(path, {"GroupId": gid}, 10004)
    await rest.fail(path, {"GroupId": gid, "ReqMsgNumber": 5, "ReqMsgSeq": -1}, 10004)
    await rest.fail(path, {"GroupId": "@TGS#2NOSUCHGRP", "ReqMsgNumber": 5}, 10010)
    room = await group(rest, "AVChatRoom", "host")
    await rest.fail(path, {"GroupId": room, "ReqMsgNumber": 5}, 10044)


# -- import_group_msg ----------------------------------------------------------------------------


async def old_group(rest: Rest, gid: str, created_at: int, *members: str) -> None:
    """A group created in the past, as ``import_group`` leaves it (written to the store)."""
    node = rest.server.node
    await accounts.import_accounts(node, [Account(user_id=u) for u in members])
    records = [
        MemberRecord(user_id=u, role="Owner" if i == 0 else "Member", join_time=created_at)
        for i, u in enumerate(members)
    ]
    group_record = GroupRecord(
        group_id=gid, type="Public", name="legacy", owner_id=members[0], max_members=2000, created_at=created_at
    )
    await node.store.create_group(
        group_record, records, day=created_at // 86400, daily_cap=10**6, groups_per_user=10**6
    )


async def test_import_group_msg_stores_old_messages_quietly(rest: Rest) -> None:
    """Imported messages are stored at their SendTime in order, pushed to no one, and
    leave every member's unread count at 0; bad times, sizes and senders fail per message."""
    created = int(time.time()) - 10_000
    await old_group(rest, "legacy-42", created, "alice", "bob")
    bob = await rest.server.login("bob")
    body = {
        "GroupId": "legacy-42",
        "RecentContactFlag": 1,
        "MsgList": [
            {"From_Account": "alice", "SendTime": created + 10, "Random": 11, "MsgBody": text("welcome")},
            {"From_Account": "bob", "SendTime": created - 1, "MsgBody": text("before creation")},
            {"From_Account": "bob", "SendTime": created + 60, "MsgBody": text("thanks")},
            {"From_Account": "bob", "SendTime": created + 60, "MsgBody": text("same second")},
            {"From_Account": "alice", "SendTime": created + 30, "MsgBody": text("out of order")},
            {"From_Account": "alice", "SendTime": created + 70, "MsgBody": text("x" * 13000)},
            {"From_Account": "ghost", "SendTime": created + 70, "MsgBody": text("who?")},
            {"From_Account": "alice", "SendTime": int(time.time()) + 3600, "MsgBody": text("future")},
        ],
    }
    answer = await rest.ok(f"{SVC}/import_group_msg", body)
    results = answer["ImportMsgResult"]
    assert [r["Result"] for r in results] == [0, 10004, 0, 0, 10004, 80002, 10019, 10004]
    assert [(r["MsgSeq"], r["MsgTime"]) for r in results if r["Result"] == 0] == [
        (1, created + 10),
        (2, created + 60),
        (3, created + 60),
    ]
    entries = await history(rest, "legacy-42")
    assert [(e["From_Account"], e["MsgTimeStamp"]) for e in entries] == [
        ("bob", created + 60),
        ("bob", created + 60),
        ("alice", created + 10),
    ]
    assert entries[-1]["MsgRandom"] == 11 and texts(entries) == ["same second", "thanks", "welcome"]
    await bus_fence(rest.server, bob)
    assert group_messages(bob) == []
    counts = {c.group_id: c for c in await bob.get_unread_counts()}
    assert counts["legacy-42"].unread_count == 0 and counts["legacy-42"].last_seq == 3
    again = await rest.ok(
        f"{SVC}/import_group_msg",
        {
            "GroupId": "legacy-42",
            "MsgList": [{"From_Account": "alice", "SendTime": created + 10, "MsgBody": text("late")}],
        },
    )
    assert again["ImportMsgResult"] == [{"MsgSeq": 0, "MsgTime": 0, "Result": 10004}]  # older than the newest


async def test_import_group_msg_refusals(rest: Rest) -> None:
    """More than 20 messages, an unknown group and an AVChatRoom are refused as a whole."""
    gid = await group(rest, "Public", "imp")
    path = f"{SVC}/import_group_msg"
    item = {"From_Account": "imp", "SendTime": int(time.time()), "MsgBody": text("x")}
    await rest.fail(path, {"GroupId": gid, "MsgList": [item] * 21}, 10004)
    await rest.fail(path, {"GroupId": gid, "MsgList": []}, 10004)
    await rest.fail(path, {"GroupId": "@TGS#2NOSUCHGRP", "MsgList": [item]}, 10010)
    room = await group(rest, "AVChatRoom", "host")
    await rest.fail(path, {"GroupId": room, "MsgList": [item]}, 10007)


# -- delete_group_msg_by_sender ------------------------------------------------------------------


async def test_delete_group_msg_by_sender_recalls_silently(rest: Rest) -> None:
    """Every message of the sender is marked recalled, others are kept, and no one is
    pushed anything; an AVChatRoom answers success; bad requests are refused."""
    gid = await group(rest, "Public", "mod", "spam", "fair")
    fair = await rest.server.login("fair")
    for i in range(3):
        await send(rest, gid, f"buy {i}", i, From_Account="spam")
    await send(rest, gid, "hello", 9, From_Account="fair")
    path = f"{SVC}/delete_group_msg_by_sender"
    await rest.ok(path, {"GroupId": gid, "Sender_Account": "spam"})
    assert texts(await history(rest, gid)) == ["hello"]
    every = await history(rest, gid, WithRecalledMsg=1)
    assert [(e["From_Account"], e["IsPlaceMsg"]) for e in every] == [("fair", 0)] + [("spam", 2)] * 3
    await bus_fence(rest.server, fair)
    assert not [p for p in fair.drain_pushes() if isinstance(p, GroupMessageRecalled)]
    await rest.ok(path, {"GroupId": gid, "Sender_Account": "nobody"})
    room = await group(rest, "AVChatRoom", "host")
    await rest.ok(path, {"GroupId": room, "Sender_Account": "spam"})
    await rest.fail(path, {"GroupId": gid}, 10004)
    await rest.fail(path, {"GroupId": "@TGS#2NOSUCHGRP", "Sender_Account": "spam"}, 10010)


# -- get_online_member_num -----------------------------------------------------------------------


async def test_get_online_member_num(rest: Rest) -> None:
    """An AVChatRoom counts the sessions in it; other group types and unknown groups are refused."""
    room = await group(rest, "AVChatRoom", "host")
    path = f"{SVC}/get_online_member_num"
    assert (await rest.ok(path, {"GroupId": room}))["OnlineMemberNum"] == 0
    for name in ("v1", "v2"):
        await (await rest.server.login(name)).join_group(room)
    assert (await rest.ok(path, {"GroupId": room}))["OnlineMemberNum"] == 2
    public = await group(rest, "Public", "pub")
    await rest.fail(path, {"GroupId": public}, 10007)
    await rest.fail(path, {"GroupId": "@TGS#aNOSUCHGRP"}, 10010)
    await rest.fail(path, {}, 10004)
