"""AVChatRoom live rooms over /ws, on both stores: memberless, in-memory audiences."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from protocol.chat import GroupMessage
from protocol.client import Client, RequestError
from protocol.errors import ErrorCode
from protocol.groups import DeleteGroupMember, GroupSystemNotice, GroupTip, NoticeType, TipType

from .conftest import Running, wait


async def refused(code: ErrorCode, call: Any) -> None:
    with pytest.raises(RequestError) as caught:
        await call
    assert caught.value.code == code, caught.value


async def room(server: Running, owner: Client, **fields: Any) -> str:
    return (await owner.create_group("Live", "AVChatRoom", **fields)).group_id


async def test_message_reaches_the_room_now_and_is_not_kept(server: Running) -> None:
    """Anyone enters; a message reaches every session in the room at that moment (not
    those outside, not those who left) and nothing is stored."""
    host = await server.login("host")
    gid = await room(server, host)
    assert (await host.join_group(gid)).status == "JoinedSuccess"
    viewers = [await server.login(f"v{i}") for i in range(3)]
    for viewer in viewers:
        assert (await viewer.join_group(gid)).status == "JoinedSuccess"
    assert (await viewers[0].join_group(gid)).status == "AlreadyInGroup"
    outside = await server.login("outside")
    await viewers[2].quit_group(gid)
    sent = await host.send_group_message(gid, "welcome")
    assert sent.seq == 0
    for viewer in viewers[:2]:
        got = await viewer.next_push(GroupMessage, timeout=wait(5))
        assert (got.sender_id, got.seq) == ("host", 0)
    # One delivery wrote to the whole audience: a round trip proves nothing else came.
    for client in (viewers[2], outside):
        await client.heartbeat()
    assert not [p for p in viewers[2].drain_pushes() + outside.drain_pushes() if isinstance(p, GroupMessage)]
    await refused(ErrorCode.NO_HISTORY, host.get_group_history(gid))
    await refused(ErrorCode.NO_PERMISSION, outside.send_group_message(gid, "from outside"))
    await refused(ErrorCode.NO_PERMISSION, outside.quit_group(gid))
    assert await host.get_online_member_count(gid) == 3


async def test_leaving_by_disconnect_and_counts(server: Running) -> None:
    """A session that goes away leaves its rooms; the online count follows."""
    host = await server.login("anchor")
    gid = await room(server, host)
    viewer = await server.login("watcher")
    await viewer.join_group(gid)
    assert await host.get_online_member_count(gid) == 1
    await viewer.close()
    async with asyncio.timeout(wait(5)):
        while await host.get_online_member_count(gid) != 0:
            await asyncio.sleep(0.05)


async def test_kick_bans_and_mute(server: Running) -> None:
    """The owner's kick takes a user out of the room on every device and bans them for
    the duration; a muted viewer cannot speak; others cannot kick."""
    host = await server.login("boss")
    gid = await room(server, host)
    troll_phone = await server.login("troll", "phone")
    troll_web = await server.login("troll", "web")
    fan = await server.login("fan")
    for client in (troll_phone, troll_web, fan):
        await client.join_group(gid)
    await refused(ErrorCode.NO_PERMISSION, fan.delete_group_member(gid, ["troll"]))
    await host.request(DeleteGroupMember(group_id=gid, user_id_list=["troll"], duration=600))
    kicked = await troll_web.next_push(GroupSystemNotice, timeout=wait(5))
    assert (kicked.operation_type, kicked.group_id) == (NoticeType.KICKED, gid)
    assert (await fan.next_push(GroupTip, timeout=wait(5))).operation_type == TipType.MEMBER_KICKED
    async with asyncio.timeout(wait(5)):
        while await host.get_online_member_count(gid) != 1:
            await asyncio.sleep(0.05)
    await refused(ErrorCode.NO_PERMISSION, troll_phone.join_group(gid))
    await host.set_group_member_mute_time(gid, "fan", 60)
    await refused(ErrorCode.MUTED, fan.send_group_message(gid, "hi"))
    await host.set_group_member_mute_time(gid, "fan", 0)
    await fan.send_group_message(gid, "hi")


async def test_full_room_and_closed_room(server: Running) -> None:
    """A full room refuses entry (10014); a DisableApply room lets nobody in but its owner."""
    host = await server.login("small")
    full = await room(server, host, max_member_num=1)
    first = await server.login("first")
    await first.join_group(full)
    second = await server.login("second")
    await refused(ErrorCode.GROUP_FULL, second.join_group(full))
    closed = await room(server, host, join_option="DisableApply")
    await refused(ErrorCode.NO_PERMISSION, second.join_group(closed))
    await host.join_group(closed)
    await refused(ErrorCode.INVALID_PARAMETER, host.create_group("x", "AVChatRoom", join_option="NeedPermission"))


async def test_dismiss_empties_the_room(server: Running) -> None:
    """Dismissing tells the audience (live) and the owner (stored), and empties the room."""
    host = await server.login("closer")
    gid = await room(server, host)
    viewer = await server.login("seer")
    await viewer.join_group(gid)
    await host.dismiss_group(gid)
    notice = await viewer.next_push(GroupSystemNotice, timeout=wait(5))
    assert (notice.operation_type, notice.seq) == (NoticeType.DISMISSED, 0)
    assert (await host.next_push(GroupSystemNotice, timeout=wait(5))).operation_type == NoticeType.CREATED
    assert (await host.next_push(GroupSystemNotice, timeout=wait(5))).operation_type == NoticeType.DISMISSED
    await refused(ErrorCode.GROUP_NOT_FOUND, viewer.send_group_message(gid, "anyone?"))


async def test_node_restart_loses_the_audience_and_clients_come_back(make_config: Any, processes: Any) -> None:
    """A restarted node starts with an empty room; viewers reconnect and enter again by
    themselves, and hear what is said next."""
    from .conftest import stop_process

    config = make_config("sqlite")
    node = processes(config)
    running = node.running
    host = running.client("station", "desk", reconnect=True)
    await host.connect()
    gid = (await host.create_group("Live", "AVChatRoom")).group_id
    viewer = running.client("listener", "radio", reconnect=True)
    await viewer.connect()
    await viewer.join_group(gid)
    try:
        stop_process(node)
        processes(config, port=running.port)  # the same node comes back, its audience empty
        async with asyncio.timeout(wait(15)):
            while True:
                try:
                    if await host.get_online_member_count(gid) == 1:
                        break
                except (RequestError, ConnectionError):
                    pass
                await asyncio.sleep(0.2)
        await host.join_group(gid)
        await host.send_group_message(gid, "back on air")
        heard = await viewer.next_push(GroupMessage, timeout=wait(5))
        assert heard.msg_body[0].msg_content.text == "back on air"  # type: ignore[union-attr]
    finally:
        await asyncio.gather(host.close(), viewer.close())


async def test_room_owner_acts_on_registered_others_only(server: Running) -> None:
    """The room's owner cannot mute or remove themselves, nor users who do not exist."""
    host = await server.login("keeper")
    gid = await room(server, host)
    await refused(ErrorCode.NO_PERMISSION, host.set_group_member_mute_time(gid, "keeper", 60))
    await refused(ErrorCode.NO_PERMISSION, host.delete_group_member(gid, ["keeper"]))
    await refused(ErrorCode.USER_NOT_FOUND, host.set_group_member_mute_time(gid, "nobody-at-all", 60))
    await refused(ErrorCode.USER_NOT_FOUND, host.delete_group_member(gid, ["nobody-at-all"]))
