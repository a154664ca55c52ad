"""Several gateway processes on one Redis: events cross nodes, and only where needed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import redis.asyncio as aioredis

from protocol.client import RequestError
from protocol.errors import CloseCode, ErrorCode
from protocol.messages import DeviceOffline, DeviceOnline
from server.gateway.router import group_channel

from .conftest import NodeProcess, bus_fence, wait

# What a bus_fence brings to the listener's node: the marker's login publishes CloseDevice
# (a device that logs in again replaces its old session) and DeviceOnline on its user's channel.
FENCE_MESSAGES = 2


def bus_received(node: NodeProcess) -> float:
    text = httpx.get(f"{node.running.http_url}/metrics", timeout=5).text
    match = re.search(r"^groupcast_bus_messages_received_total ([0-9.e+]+)$", text, re.M)
    assert match, text
    return float(match.group(1))


async def group_heard_by(nodes: int, group_id: str, cluster: list[NodeProcess]) -> None:
    """Wait until ``nodes`` nodes subscribe to the group's channel, as Redis counts them: a
    node (un)subscribes in the background once it learns that a local user joined or left."""
    config = cluster[0].running.config
    channel = config.redis_prefix + group_channel(group_id)
    redis = aioredis.from_url(config.redis_url)
    try:
        async with asyncio.timeout(wait(5)):
            while (await redis.execute_command("PUBSUB", "SHARDNUMSUB", channel))[1] != nodes:
                await asyncio.sleep(0.02)  # polls the condition, within the deadline
    finally:
        await redis.aclose()


@pytest_asyncio.fixture
async def cluster(make_config: Any, processes: Any) -> AsyncIterator[list[NodeProcess]]:
    """Three `groupcast serve` processes sharing one Redis and one secret."""
    config = make_config("redis", max_devices_per_user=3)
    nodes = [processes(config) for _ in range(3)]
    yield nodes
    for node in nodes:
        await node.running.close_clients()


async def test_event_on_node_a_reaches_user_on_node_b_only(cluster: list[NodeProcess]) -> None:
    """A login on node A reaches every device of the user on node B, and nothing at all
    reaches node C, which hosts no device of that user."""
    a, b, c = cluster
    phone = await b.running.login("alice", "phone")
    tablet = await b.running.login("alice", "tablet")
    await phone.next_push(DeviceOnline)  # the tablet
    bob = await c.running.login("bob", "laptop")
    await bus_fence(c.running, bob)  # C has handled what bob's login published
    before_c = bus_received(c)

    desktop = await a.running.login("alice", "desktop")
    for device in (phone, tablet):
        push = await device.next_push(DeviceOnline, timeout=wait(5))
        assert (push.user_id, push.device_id) == ("alice", "desktop")
    await desktop.logout()
    for device in (phone, tablet):
        assert (await device.next_push(DeviceOffline, timeout=wait(5))).device_id == "desktop"

    await bus_fence(c.running, bob)
    assert bus_received(c) == before_c + FENCE_MESSAGES
    assert not bob.drain_pushes()


async def test_device_limit_and_takeover_across_nodes(cluster: list[NodeProcess]) -> None:
    """The device limit counts devices on every node, and a device that logs in again on
    another node closes its old session there with 4100."""
    a, b, _ = cluster
    old = await a.running.login("carol", "phone")
    await b.running.login("carol", "web")
    await a.running.login("carol", "desktop")
    with pytest.raises(RequestError) as refused:
        await b.running.login("carol", "watch")
    assert refused.value.code == ErrorCode.DEVICE_LIMIT
    await b.running.login("carol", "phone")
    assert await asyncio.wait_for(old.wait_closed(), wait(5)) == CloseCode.REPLACED


async def test_group_events_cross_nodes(cluster: list[NodeProcess]) -> None:
    """Group changes made on node A reach members on node B (tips) and the user they
    concern on every device (notices); node C, hosting no member, receives nothing."""
    from protocol.groups import GroupSystemNotice, GroupTip, NoticeType, TipType

    a, b, c = cluster
    owner = await a.running.login("olive", "desk")
    member_phone = await b.running.login("mark", "phone")
    member_web = await b.running.login("mark", "web")
    target_phone = await b.running.login("tess", "phone")
    target_web = await c.running.login("tess", "web")  # the kicked user also has a device on C
    gid = (await owner.create_group("Crew", "Public", member_list=[{"userID": "mark"}, {"userID": "tess"}])).group_id
    for device in (member_phone, member_web, target_phone, target_web):  # initial members are told, on every node
        added = await device.next_push(GroupSystemNotice, timeout=wait(5))
        assert (added.operation_type, added.group_id, added.operator_id) == (NoticeType.INVITED, gid, "olive")
    joiner = await a.running.login("jay", "laptop")
    outsider = await c.running.login("nora", "laptop")
    await group_heard_by(3, gid, cluster)

    await owner.update_group_profile(gid, join_option="FreeAccess")
    await joiner.join_group(gid)
    for device in (member_phone, member_web, target_phone, target_web):
        changed = await device.next_push(GroupTip, timeout=wait(5))
        assert changed.operation_type == TipType.GROUP_PROFILE_UPDATED
        joined = await device.next_push(GroupTip, timeout=wait(5))
        assert (joined.operation_type, joined.user_id_list) == (TipType.MEMBER_JOIN, ["jay"])

    own_join = await joiner.next_push(GroupTip, timeout=wait(5))
    assert (own_join.operation_type, own_join.user_id_list) == (TipType.MEMBER_JOIN, ["jay"])

    await owner.delete_group_member(gid, ["tess"])
    for device in (target_phone, target_web):
        kicked = await device.next_push(GroupSystemNotice, timeout=wait(5))
        assert (kicked.operation_type, kicked.group_id) == (NoticeType.KICKED, gid)
    for device in (member_phone, member_web):
        gone = await device.next_push(GroupTip, timeout=wait(5))
        assert (gone.operation_type, gone.user_id_list) == (TipType.MEMBER_KICKED, ["tess"])
    gone = await joiner.next_push(GroupTip, timeout=wait(5))
    assert (gone.operation_type, gone.user_id_list) == (TipType.MEMBER_KICKED, ["tess"])

    await group_heard_by(2, gid, cluster)  # tess left: C hosts no member of the group any more
    await bus_fence(c.running, outsider)  # and has handled what the kick published
    before_c = bus_received(c)
    await owner.update_group_profile(gid, name="Crew 2")
    assert (await member_web.next_push(GroupTip, timeout=wait(5))).new_group_profile.name == "Crew 2"  # type: ignore[union-attr]
    await bus_fence(c.running, outsider)
    assert bus_received(c) == before_c + FENCE_MESSAGES  # nothing of the group's
    assert not [p for p in outsider.drain_pushes() if isinstance(p, GroupTip)]
    assert not [p for p in target_web.drain_pushes() if isinstance(p, GroupTip)]


async def test_messages_and_rooms_across_nodes(cluster: list[NodeProcess]) -> None:
    """A message sent on node A reaches members on nodes B and C; a live room's audience
    spans nodes, its online count sums them, and a message reaches all of it."""
    from protocol.chat import GroupMessage

    a, b, c = cluster
    sender = await a.running.login("ann", "desk")
    b_member = await b.running.login("ben", "phone")
    c_member = await c.running.login("cid", "phone")
    gid = (await sender.create_group("Talk", "Public", member_list=[{"userID": "ben"}, {"userID": "cid"}])).group_id
    await group_heard_by(3, gid, cluster)
    sent = await sender.send_group_message(gid, "across")
    for device in (b_member, c_member):
        got = await device.next_push(GroupMessage, timeout=wait(5))
        assert (got.seq, got.sender_id) == (sent.seq, "ann")

    room = (await sender.create_group("Live", "AVChatRoom")).group_id
    viewers = [await node.running.login(f"viewer{i}") for i, node in enumerate((a, b, b, c))]
    for viewer in viewers:
        await viewer.join_group(room)
    await sender.join_group(room)
    async with asyncio.timeout(wait(5)):
        while await b_member.get_online_member_count(room) != 5:
            await asyncio.sleep(0.05)
    await sender.send_group_message(room, "to everyone here")
    for viewer in viewers:
        assert (await viewer.next_push(GroupMessage, timeout=wait(5))).msg_body[
            0
        ].msg_content.text == "to everyone here"  # type: ignore[union-attr]
    await viewers[3].close()  # the only viewer on C goes
    async with asyncio.timeout(wait(5)):
        while await sender.get_online_member_count(room) != 4:
            await asyncio.sleep(0.05)
