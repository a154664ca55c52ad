"""Group messages end to end over /ws, on both stores: send, receive options, refusals,
history, recall, read state, and gap recovery."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from protocol.chat import CustomContent, CustomElem, GroupMessage, GroupMessageRecalled, GroupReadUpdated
from protocol.client import Client, RequestError
from protocol.errors import ErrorCode
from protocol.groups import GroupTip, TipType
from server import accounts
from server.store import Account

from .conftest import Running, bus_fence, clock_past, wait


async def refused(code: ErrorCode, call: Any) -> RequestError:
    with pytest.raises(RequestError) as caught:
        await call
    assert caught.value.code == code, caught.value
    return caught.value


async def group_with(server: Running, owner: Client, kind: str, *members: str, **fields: Any) -> str:
    await accounts.import_accounts(server.node, [Account(user_id=u) for u in members])
    result = await owner.create_group("chat", kind, member_list=[{"userID": u} for u in members], **fields)
    return result.group_id


def texts(pushes: list[Any]) -> list[str]:
    return [p.msg_body[0].msg_content.text for p in pushes if isinstance(p, GroupMessage)]


async def test_message_reaches_every_device_but_the_sending_one(server: Running) -> None:
    """A message gets the group's next seq and reaches every member's devices, the
    sender's other devices included; the sending device gets only the reply."""
    alice_phone = await server.login("alice", "phone")
    alice_web = await server.login("alice", "web")
    gid = await group_with(server, alice_phone, "Public", "bob")
    bob = await server.login("bob")
    sent = await alice_phone.send_group_message(gid, "hello")
    assert sent.seq >= 1 and sent.time > 0
    for device in (alice_web, bob):
        got = await device.next_push(GroupMessage, timeout=wait(5))
        assert (got.seq, got.sender_id, got.msg_body[0].msg_content.text) == (sent.seq, "alice", "hello")  # type: ignore[union-attr]
        assert got.no_notify is False
    await alice_phone.heartbeat()  # the push went to every local device at once: a round trip is a fence
    assert not [p for p in alice_phone.drain_pushes() if isinstance(p, GroupMessage)]
    member = (await bob.get_group_member_profile(gid, ["alice"]))[0]
    assert member.last_send_msg_time == sent.time


async def test_retried_send_is_idempotent(server: Running) -> None:
    """The same random from the same sender is one message: same seq, delivered once."""
    owner = await server.login("olga")
    gid = await group_with(server, owner, "Public", "pat")
    pat = await server.login("pat")
    first = await owner.send_group_message(gid, "once", random=42)
    again = await owner.send_group_message(gid, "once", random=42)
    assert again.seq == first.seq
    other = await owner.send_group_message(gid, "twice", random=43)
    assert other.seq == first.seq + 1
    got = [await pat.next_push(GroupMessage, timeout=wait(5)) for _ in range(2)]
    assert [m.seq for m in got] == [first.seq, other.seq]


async def test_json_wire_shape_is_tencents(server: Running) -> None:
    """Bodies travel in Tencent's element shapes, as plain JSON."""
    owner = await server.login("oscar")
    gid = await group_with(server, owner, "Public", "raw")
    raw = await server.login("raw")
    assert raw._ws is not None
    frame = {
        "op": "sendGroupMessage",
        "seq": 99,
        "groupID": gid,
        "random": 7,
        "msgBody": [
            {"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}},
            {"MsgType": "TIMFaceElem", "MsgContent": {"Index": 3, "Data": "smile"}},
            {"MsgType": "TIMLocationElem", "MsgContent": {"Desc": "here", "Latitude": 1.5, "Longitude": 2.5}},
            {"MsgType": "TIMCustomElem", "MsgContent": {"Data": "d", "Desc": "", "Ext": "", "Sound": ""}},
        ],
    }
    reply = await raw.send_raw(json.dumps(frame))
    assert reply.code == 0 and reply.seq == 99
    got = await owner.next_push(GroupMessage, timeout=wait(5))
    assert [type(e).__name__ for e in got.msg_body] == ["TextElem", "FaceElem", "LocationElem", "CustomElem"]
    bad = dict(frame, msgBody=[{"MsgType": "TIMVoodooElem", "MsgContent": {}}])
    assert (await raw.send_raw(json.dumps(bad))).code == ErrorCode.INVALID_PARAMETER


async def test_refusals(serve: Any, backend: str) -> None:
    """Non-members, muted members, mute-all, oversized and malformed bodies and a
    dismissed group are refused with their codes, and nothing is delivered."""
    server = await serve(backend, max_message_bytes=200)
    owner = await server.login("oz")
    gid = await group_with(server, owner, "Public", "mo", "ad")
    await owner.set_group_member_role(gid, "ad", "Admin")
    mo = await server.login("mo")
    ad = await server.login("ad")
    stranger = await server.login("stranger")
    await refused(ErrorCode.NO_PERMISSION, stranger.send_group_message(gid, "let me talk"))
    await refused(ErrorCode.MESSAGE_TOO_LONG, mo.send_group_message(gid, "x" * 300))
    two_custom = [CustomElem(msg_content=CustomContent(data="a")), CustomElem(msg_content=CustomContent(data="b"))]
    await refused(ErrorCode.INVALID_PARAMETER, mo.send_group_message(gid, two_custom))
    await owner.set_group_member_mute_time(gid, "mo", 60)
    await refused(ErrorCode.MUTED, mo.send_group_message(gid, "muted"))
    await owner.set_group_member_mute_time(gid, "mo", 0)
    await mo.send_group_message(gid, "free again")
    await owner.update_group_profile(gid, mute_all_members=True)
    await refused(ErrorCode.MUTED, mo.send_group_message(gid, "all muted"))
    await ad.send_group_message(gid, "admins still speak")
    await owner.send_group_message(gid, "owners too")
    await owner.dismiss_group(gid)
    await refused(ErrorCode.GROUP_NOT_FOUND, owner.send_group_message(gid, "gone"))
    delivered = texts(mo.drain_pushes())
    assert delivered == ["admins still speak", "owners too"]


async def test_receive_options(server: Running) -> None:
    """Discard is not pushed; AcceptNotNotify is pushed with noNotify."""
    owner = await server.login("ora")
    gid = await group_with(server, owner, "Public", "quiet", "deaf", "loud")
    quiet = await server.login("quiet")
    deaf = await server.login("deaf")
    loud = await server.login("loud")
    await quiet.set_message_remind_type(gid, "AcceptNotNotify")
    await deaf.set_message_remind_type(gid, "Discard")
    await owner.send_group_message(gid, "news")
    assert (await quiet.next_push(GroupMessage, timeout=wait(5))).no_notify is True
    assert (await loud.next_push(GroupMessage, timeout=wait(5))).no_notify is False
    await owner.update_group_profile(gid, notification="a tip after the message")
    assert (await deaf.next_push(GroupTip, timeout=wait(5))).operation_type == TipType.GROUP_PROFILE_UPDATED
    # The tip is the fence: a push of the message (published first, on the same channel)
    # or a fetch of the gap the tip's seq skips (made before the tip is delivered) would
    # have come before it. Neither did:
    assert not [p for p in deaf.drain_pushes() if isinstance(p, GroupMessage)]
    history = await deaf.get_group_history(gid)
    assert texts(history.messages) == ["news"]  # still readable


async def test_history_paging_and_visibility(server: Running) -> None:
    """History pages by seq both ways, includes tips, and hides what was said before a
    member joined where the type says so (Public) but not in a Community."""
    owner = await server.login("hal")
    public = await group_with(server, owner, "Public", "early", join_option="FreeAccess")
    club = (await owner.create_group("club", "Community")).group_id
    for i in range(5):
        await owner.send_group_message(public, f"p{i}")
        await owner.send_group_message(club, f"c{i}")
    early = await server.login("early")
    latest = await early.get_group_history(public, count=3)
    assert texts(latest.messages) == ["p2", "p3", "p4"] and not latest.is_completed
    older = await early.get_group_history(public, before_seq=latest.messages[0].seq, count=3)
    assert texts(older.messages) == ["p0", "p1"] and older.is_completed
    after = await early.get_group_history(public, after_seq=older.messages[0].seq, count=100)
    assert texts(after.messages) == ["p1", "p2", "p3", "p4"] and after.is_completed

    late = await server.login("late")
    await late.join_group(public)
    await late.join_group(club)
    await owner.send_group_message(public, "after you came")
    seen = await late.get_group_history(public, count=100)
    assert texts(seen.messages) == ["after you came"]
    assert [m.operation_type for m in seen.messages if isinstance(m, GroupTip)] == [TipType.MEMBER_JOIN]
    assert texts((await late.get_group_history(public, after_seq=0)).messages) == ["after you came"]
    assert texts((await late.get_group_history(club, count=100)).messages) == [f"c{i}" for i in range(5)]
    stranger = await server.login("strange")
    await refused(ErrorCode.NO_PERMISSION, stranger.get_group_history(public))


async def test_recall(serve: Any, backend: str) -> None:
    """The sender recalls within the window, admins any time; members get a recall push
    and history keeps the seq without content, which the server no longer holds."""
    server = await serve(backend, recall_window=1)
    owner = await server.login("rae")
    gid = await group_with(server, owner, "Public", "sid", "ted")
    sid = await server.login("sid")
    ted = await server.login("ted")
    mine = await sid.send_group_message(gid, "oops")
    await refused(ErrorCode.NO_PERMISSION, ted.recall_group_message(gid, mine.seq))
    await sid.recall_group_message(gid, mine.seq, "typo")
    recalled = await ted.next_push(GroupMessageRecalled, timeout=wait(5))
    assert (recalled.seq, recalled.operator_id, recalled.reason) == (mine.seq, "sid", "typo")
    entry = (await ted.get_group_history(gid, after_seq=mine.seq - 1, count=1)).messages[0]
    assert isinstance(entry, GroupMessage) and entry.recalled and entry.msg_body == []
    assert server.app is not None
    [stored] = await server.app.node.store.read_messages(gid, after=mine.seq - 1, limit=1)
    assert stored.recalled and b"oops" not in stored.body  # gone from the server, not only hidden
    late = await sid.send_group_message(gid, "too late")
    await clock_past(late.time + 1)  # the recall window (1 s from its whole-second time) has passed
    await refused(ErrorCode.RECALL_WINDOW_PASSED, sid.recall_group_message(gid, late.seq))
    await owner.recall_group_message(gid, late.seq)
    await refused(ErrorCode.MESSAGE_NOT_FOUND, owner.recall_group_message(gid, 9999))


async def test_read_state_syncs_devices(server: Running) -> None:
    """Reported read seqs give unread counts and reach the member's other devices."""
    owner = await server.login("uma")
    gid = await group_with(server, owner, "Work", "vic")
    meeting = (await owner.create_group("m", "Meeting", member_list=[{"userID": "vic"}])).group_id
    phone = await server.login("vic", "phone")
    web = await server.login("vic", "web")
    sent = [await owner.send_group_message(gid, f"m{i}") for i in range(4)]
    counts = {c.group_id: c for c in await phone.get_unread_counts()}
    assert meeting not in counts  # Meeting groups keep no unread counts
    assert counts[gid].unread_count >= 4
    result = await phone.set_group_read_seq(gid, sent[1].seq)
    assert result.unread_count == 2 and result.read_seq == sent[1].seq
    synced = await web.next_push(GroupReadUpdated, timeout=wait(5))
    assert (synced.group_id, synced.read_seq, synced.unread_count) == (gid, sent[1].seq, 2)
    assert (await phone.set_group_read_seq(gid, 1)).read_seq == sent[1].seq  # never goes back
    assert (await web.set_group_read_seq(gid, 10**6)).unread_count == 0


async def test_device_cut_off_gets_every_message_once_in_order(serve: Any, backend: str) -> None:
    """A device whose connection is cut while messages flow reconnects by itself and
    ends up with every message exactly once, in order."""
    server = await serve(backend, rate_limit=1000, rate_burst=1000)
    sender = await server.login("sam")
    gid = await group_with(server, sender, "Public", "ria")
    reader = server.client("ria", "phone", reconnect=True)
    await reader.connect()
    reconnects: list[object] = []
    reader.on_connected.append(reconnects.append)
    total = 120

    # Three cuts, each once the reader is back and the flow has reached a point; the flow
    # goes on while the reader is away.
    reached = {i: asyncio.Event() for i in (20, 50, 80)}
    was_cut = {i: asyncio.Event() for i in reached}
    back = asyncio.Event()
    reader.on_connected.append(lambda _: back.set())

    async def flow() -> None:
        for i in range(total):
            await sender.send_group_message(gid, f"n{i}")
            if i in reached:
                reached[i].set()
                await was_cut[i].wait()

    async def cut() -> None:
        back.set()  # connected at first
        for i in reached:
            await back.wait()
            await reached[i].wait()
            assert reader._ws is not None
            back.clear()
            reader._ws.transport.abort()  # the network drops, no close handshake
            was_cut[i].set()

    async with asyncio.timeout(wait(20)):
        await asyncio.gather(flow(), cut())
    received: list[str] = []
    async with asyncio.timeout(wait(20)):
        while len(received) < total:
            push = await reader.next_push(GroupMessage, timeout=wait(15))
            received.append(push.msg_body[0].msg_content.text)  # type: ignore[union-attr]
    assert received == [f"n{i}" for i in range(total)]
    assert reconnects  # the cuts did cut
    await bus_fence(server, reader)
    assert not [p for p in reader.drain_pushes() if isinstance(p, GroupMessage)]


async def test_app_admin_system_notice(server: Running) -> None:
    """The app admin's custom notice (type 255) reaches all members, or only the chosen
    ones among them, stored under each user's notice sequence."""
    from protocol.groups import GroupSystemNotice, NoticeType
    from server.messages.send import send_system_notice
    from server.ops import Actor, Ctx

    owner = await server.login("olive")
    gid = await group_with(server, owner, "Public", "pia", "quin")
    pia = await server.login("pia")
    quin = await server.login("quin")
    admin = Ctx(server.node, Actor(user_id="administrator", is_admin=True))

    async def custom(client: Client) -> GroupSystemNotice:
        while True:
            notice = await client.next_push(GroupSystemNotice, timeout=wait(5))
            if notice.operation_type == NoticeType.CUSTOM:
                return notice

    assert sorted(await send_system_notice(admin, gid, "maintenance at 2")) == ["olive", "pia", "quin"]
    for member in (owner, pia, quin):
        notice = await custom(member)
        assert (notice.user_defined_field, notice.operator_id, notice.seq > 0) == ("maintenance at 2", "", True)
    assert await send_system_notice(admin, gid, "just you", to=["pia", "stranger"]) == ["pia"]
    assert (await custom(pia)).user_defined_field == "just you"
    await bus_fence(server, quin)
    assert not [p for p in quin.drain_pushes() if isinstance(p, GroupSystemNotice)]


async def test_retry_after_a_tip_is_still_the_same_message(server: Running) -> None:
    """A tip between a send and its retry does not cut the retry window."""
    owner = await server.login("tia")
    gid = await group_with(server, owner, "Public", "uli")
    first = await owner.send_group_message(gid, "once", random=7)
    await owner.update_group_profile(gid, notification="a tip in between")
    again = await owner.send_group_message(gid, "once", random=7)
    assert again.seq == first.seq


async def test_former_members_cannot_recall_and_unread_starts_at_join(server: Running) -> None:
    """Someone who left cannot recall their message; a new member's unread count
    starts at their join, as getUnreadCounts says."""
    owner = await server.login("vera")
    gid = await group_with(server, owner, "Public", "walt", join_option="FreeAccess")
    walt = await server.login("walt")
    said = await walt.send_group_message(gid, "bye")
    await walt.quit_group(gid)
    await refused(ErrorCode.NO_PERMISSION, walt.recall_group_message(gid, said.seq))
    for i in range(3):
        await owner.send_group_message(gid, f"before {i}")
    xena = await server.login("xena")
    await xena.join_group(gid)
    await owner.send_group_message(gid, "after")
    counts = {c.group_id: c.unread_count for c in await xena.get_unread_counts()}
    result = await xena.set_group_read_seq(gid, 0)
    assert result.unread_count == counts[gid] == 2  # her join tip and "after"
