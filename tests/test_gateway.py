"""The WebSocket gateway over a real uvicorn server, with real clients, on both stores."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgspec
import pytest
import websockets
from TLSSigAPIv2 import TLSSigAPIv2
from websockets.asyncio.client import connect

from protocol.client import RequestError
from protocol.codec import JSON, MSGPACK
from protocol.errors import CloseCode, ErrorCode
from protocol.messages import DeviceOffline, DeviceOnline, Heartbeat, HeartbeatResult, LoginResult

from .conftest import SDKAPPID, SECRET, Running, wait


def login_frame(server: Running, user: str, device: str = "d1", seq: int = 1, **fields: Any) -> str:
    frame = {
        "op": "login",
        "seq": seq,
        "sdkAppID": SDKAPPID,
        "userID": user,
        "userSig": server.sig(user),
        "deviceID": device,
        "platform": "Web",
    }
    frame.update(fields)
    return json.dumps(frame)


async def test_login_json_and_msgpack(server: Running) -> None:
    """A device logs in with JSON text frames or, asking for the subprotocol, MessagePack."""
    text = await server.login("alice", "laptop")
    binary = await server.login("alice", "phone", msgpack=True)
    assert text.session is not None and text.session.user_id == "alice"
    assert binary.session is not None and [d.device_id for d in binary.session.devices] == ["laptop"]
    assert binary._ws is not None and binary._ws.subprotocol == MSGPACK.subprotocol
    assert isinstance(await binary.heartbeat(), HeartbeatResult)
    assert isinstance(await text.heartbeat(), HeartbeatResult)


async def test_raw_json_frames_without_subprotocol(server: Running) -> None:
    """A plain WebSocket client with no subprotocol speaks JSON and gets camelCase replies."""
    async with connect(server.ws_url) as ws:
        await ws.send(login_frame(server, "bob"))
        reply = json.loads(await ws.recv())
        assert reply["type"] == "reply" and reply["seq"] == 1 and reply["code"] == 0
        assert reply["data"]["userID"] == "bob" and reply["data"]["heartbeatInterval"] > 0
        await ws.send(json.dumps({"op": "heartbeat", "seq": 2}))
        assert json.loads(await ws.recv())["data"]["serverTime"] > 0


async def test_tls_sig_api_v2_token_logs_in(server: Running) -> None:
    """A UserSig made by Tencent's public TLSSigAPIv2 signer logs a device in."""
    token = TLSSigAPIv2(SDKAPPID, SECRET).gen_sig("carol", 600)
    client = server.client("carol", "tablet")
    client.user_sig = token
    client._login.user_sig = token
    result = await client.connect()
    assert result.user_id == "carol"


@pytest.mark.parametrize(
    "frame, code",
    [
        ("{not json", ErrorCode.MALFORMED_FRAME),
        ("[1, 2, 3]", ErrorCode.MALFORMED_FRAME),
        ('"just a string"', ErrorCode.MALFORMED_FRAME),
        ('{"seq": 5}', ErrorCode.INVALID_PARAMETER),
        ('{"op": "teleport", "seq": 5}', ErrorCode.UNKNOWN_OP),
        ('{"op": 42, "seq": 5}', ErrorCode.UNKNOWN_OP),
        ('{"op": "heartbeat", "seq": "five"}', ErrorCode.INVALID_PARAMETER),
    ],
)
async def test_bad_frame_gets_error_and_session_survives(server: Running, frame: str, code: ErrorCode) -> None:
    """Malformed frames, unknown ops and invalid fields get an error reply; the session stays up."""
    client = await server.login("dave")
    reply = await client.send_raw(frame)
    assert reply.code == code, reply
    assert reply.message
    if '"seq": 5' in frame:
        assert reply.seq == 5
    assert isinstance(await client.heartbeat(), HeartbeatResult)


async def test_invalid_field_error_names_the_field(server: Running) -> None:
    """An invalid field's error says which field and why."""
    async with connect(server.ws_url) as ws:
        await ws.send(login_frame(server, "erin", userID=7, seq=3))
        reply = json.loads(await ws.recv())
        assert reply["code"] == ErrorCode.INVALID_PARAMETER and reply["seq"] == 3
        assert "$.userID" in reply["message"] and "str" in reply["message"]
        await ws.send(login_frame(server, "erin", seq=4))
        assert json.loads(await ws.recv())["code"] == 0


async def test_wrong_frame_type_is_refused(server: Running) -> None:
    """A binary frame on a JSON session (and text on MessagePack) is refused; the session goes on."""
    text = await server.login("frank", "a")
    reply = await text.send_raw(MSGPACK.encode(Heartbeat(seq=9)))
    assert reply.code == ErrorCode.WRONG_FRAME_TYPE
    binary = await server.login("frank", "b", msgpack=True)
    reply = await binary.send_raw(JSON.encode(Heartbeat(seq=9)).decode())
    assert reply.code == ErrorCode.WRONG_FRAME_TYPE
    await text.heartbeat()
    await binary.heartbeat()


async def test_ops_before_login_are_refused(server: Running) -> None:
    """Before login every op but login is refused with NOT_LOGGED_IN; login then works."""
    async with connect(server.ws_url) as ws:
        await ws.send(json.dumps({"op": "heartbeat", "seq": 1}))
        reply = json.loads(await ws.recv())
        assert reply["code"] == ErrorCode.NOT_LOGGED_IN and reply["seq"] == 1
        await ws.send(login_frame(server, "gina", seq=2))
        assert json.loads(await ws.recv())["code"] == 0
        await ws.send(login_frame(server, "gina", seq=3))
        assert json.loads(await ws.recv())["code"] == ErrorCode.ALREADY_LOGGED_IN


@pytest.mark.parametrize(
    "change, code",
    [
        ({"userSig": ""}, ErrorCode.USERSIG_EMPTY),
        ({"userSig": "!!!not-a-token!!!"}, ErrorCode.USERSIG_MALFORMED),
        ({"sdkAppID": 999}, ErrorCode.SDKAPPID_UNKNOWN),
        ("other-user", ErrorCode.USERSIG_IDENTIFIER_MISMATCH),
        ("other-app", ErrorCode.USERSIG_SDKAPPID_MISMATCH),
        ("other-key", ErrorCode.USERSIG_BAD_SIGNATURE),
        ("expired", ErrorCode.USERSIG_EXPIRED),
    ],
)
async def test_bad_logins_are_refused_with_distinct_codes(server: Running, change: Any, code: ErrorCode) -> None:
    """Each kind of bad credential has its own code, and the session may try again."""
    from protocol import usersig

    tokens = {
        "other-user": usersig.sign(SECRET, SDKAPPID, "mallory"),
        "other-app": usersig.sign(SECRET, SDKAPPID + 1, "henry"),
        "other-key": usersig.sign("another key", SDKAPPID, "henry"),
        "expired": usersig.sign(SECRET, SDKAPPID, "henry", expire=10, now=1_000_000),
    }
    fields = {"userSig": tokens[change]} if isinstance(change, str) else change
    async with connect(server.ws_url) as ws:
        await ws.send(login_frame(server, "henry", **fields))
        reply = json.loads(await ws.recv())
        assert reply["code"] == code, reply
        await ws.send(login_frame(server, "henry", seq=2))
        assert json.loads(await ws.recv())["code"] == 0


async def test_pipelined_requests_get_every_reply_in_order_and_logout_before_close(server: Running) -> None:
    """Frames sent back to back are answered one by one, in order, none lost (the
    server writes a connection's frames in batches); the reply to logout arrives before
    the close frame (1000)."""
    async with connect(server.ws_url) as ws:
        await ws.send(login_frame(server, "pipe"))
        assert json.loads(await ws.recv())["code"] == 0
        for seq in range(2, 42):
            await ws.send(json.dumps({"op": "heartbeat", "seq": seq}))
        replies = [json.loads(await asyncio.wait_for(ws.recv(), wait(5))) for _ in range(40)]
        assert [(r["seq"], r["code"]) for r in replies] == [(seq, 0) for seq in range(2, 42)]
        await ws.send(json.dumps({"op": "logout", "seq": 42}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), wait(5)))
        assert (reply["seq"], reply["code"]) == (42, 0)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), wait(5))
        assert closed.value.rcvd is not None and closed.value.rcvd.code == CloseCode.NORMAL


async def test_devices_see_each_other(server: Running) -> None:
    """Three devices of one user are online at once; each hears the others come and go."""
    phone = await server.login("ivy", "phone")
    desktop = await server.login("ivy", "desktop")
    online = await phone.next_push(DeviceOnline)
    assert (online.user_id, online.device_id) == ("ivy", "desktop")
    web = await server.login("ivy", "web")
    assert sorted(d.device_id for d in (web.session or LoginResult("", "", 0, 0, 0)).devices) == ["desktop", "phone"]
    for other in (phone, desktop):
        assert (await other.next_push(DeviceOnline)).device_id == "web"
    await web.logout()
    for other in (phone, desktop):
        assert (await other.next_push(DeviceOffline)).device_id == "web"
    assert not [p for p in desktop.drain_pushes() if isinstance(p, DeviceOnline) and p.device_id == "desktop"]


async def test_device_limit(serve: Any, backend: str) -> None:
    """Past the per-user device limit a login is refused; the same device ID logging in
    again replaces its old session, which is closed with 4100."""
    server = await serve(backend, max_devices_per_user=2)
    first = await server.login("jack", "one")
    await server.login("jack", "two")
    with pytest.raises(RequestError) as refused:
        await server.login("jack", "three")
    assert refused.value.code == ErrorCode.DEVICE_LIMIT
    again = await server.login("jack", "one")
    assert await asyncio.wait_for(first.wait_closed(), wait(5)) == CloseCode.REPLACED
    assert isinstance(await again.heartbeat(), HeartbeatResult)
    await again.logout()
    await server.login("jack", "three")


async def test_login_timeout_closes(serve: Any, backend: str) -> None:
    """A connection that does not log in in time is closed with 4000."""
    server = await serve(backend, login_timeout=1)
    async with connect(server.ws_url) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), wait(5))
        assert closed.value.rcvd is not None and closed.value.rcvd.code == CloseCode.LOGIN_TIMEOUT


async def test_idle_timeout_and_heartbeats(serve: Any, backend: str) -> None:
    """A silent session is closed with 4001; one that sends heartbeats stays."""
    server = await serve(backend, idle_timeout=1)
    silent = await server.login("kate", "silent", heartbeat=False)
    chatty = await server.login("kate", "chatty", heartbeat=False)
    closed = asyncio.ensure_future(silent.wait_closed())
    async with asyncio.timeout(wait(5)):
        while not closed.done():  # a heartbeat every 0.3 s until the silent one is closed
            await chatty.heartbeat()
            await asyncio.wait([closed], timeout=0.3)
    assert closed.result() == CloseCode.IDLE_TIMEOUT
    assert isinstance(await chatty.heartbeat(), HeartbeatResult)


async def test_oversized_frame_closes(serve: Any, backend: str) -> None:
    """A frame over the size limit closes the session with 1009."""
    server = await serve(backend, max_frame_bytes=4096)
    client = await server.login("liam")
    assert client._ws is not None
    await client._ws.send("x" * 5000)
    assert await asyncio.wait_for(client.wait_closed(), wait(5)) == CloseCode.MESSAGE_TOO_BIG


async def test_flood_closes(serve: Any, backend: str) -> None:
    """Frames past the rate limit close the session with 4002; normal use is not limited."""
    server = await serve(backend, rate_limit=20, rate_burst=30)
    calm = await server.login("mia", "calm")
    flood = await server.login("mia", "flood")
    for _ in range(10):
        await calm.heartbeat()
    assert flood._ws is not None
    for seq in range(200):
        try:
            await flood._ws.send(json.dumps({"op": "heartbeat", "seq": 1000 + seq}))
        except websockets.ConnectionClosed:
            break
    assert await asyncio.wait_for(flood.wait_closed(), wait(5)) == CloseCode.RATE_LIMITED
    assert isinstance(await calm.heartbeat(), HeartbeatResult)


async def test_slow_consumer_is_closed(serve: Any, backend: str) -> None:
    """A connection that stops reading is closed with 4003 once its buffer is full;
    the other sessions carry on."""
    server = await serve(backend, send_buffer_bytes=64 * 1024, rate_limit=1e9, rate_burst=10**9)
    healthy = await server.login("noah", "healthy")
    async with connect(server.ws_url, max_size=None) as ws:
        await ws.send(login_frame(server, "noah", "stuck"))
        assert json.loads(await ws.recv())["code"] == 0
        ws.transport.pause_reading()  # stop reading: the server's replies pile up
        frame = json.dumps({"op": "heartbeat", "seq": 1})

        def stuck_is_closing() -> bool:
            return all(s.closing for s in server.node.registry.sessions.values() if s.device_id == "stuck")

        for _ in range(100):
            if stuck_is_closing():
                break
            for _ in range(2000):
                await ws.send(frame)
            await healthy.heartbeat()  # a round trip: the server has had its turn
        assert stuck_is_closing()
        ws.transport.resume_reading()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), wait(10))
        assert closed.value.rcvd is not None and closed.value.rcvd.code == CloseCode.SLOW_CONSUMER
    assert isinstance(await healthy.heartbeat(), HeartbeatResult)


async def test_healthz_and_metrics(server: Running) -> None:
    """/healthz answers 200 while serving; /metrics exposes Prometheus counters."""
    import httpx

    await server.login("olga")
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        health = await http.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        metrics = (await http.get("/metrics")).text
        assert "groupcast_sessions" in metrics and "groupcast_bus_messages_published_total" in metrics


def test_reply_and_push_shapes() -> None:
    """Frames are tagged unions with camelCase names and Web-SDK ID spelling."""
    raw = JSON.encode(DeviceOnline(user_id="u", device_id="d", platform="iOS"))
    assert msgspec.json.decode(raw) == {"type": "deviceOnline", "userID": "u", "deviceID": "d", "platform": "iOS"}
