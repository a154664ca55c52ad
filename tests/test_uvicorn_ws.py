"""The fence around uvicorn's and websockets' internals (server/gateway/uvicorn_ws.py):
one test per assumption its docstring lists, named after it, so that a library upgrade
fails here, by name.

The tests run the adapter under a bare uvicorn with a minimal ASGI app (no groupcast
node), and talk to it with a real websockets client.
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import time
import tomllib
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.frames import Frame, Opcode

from server.gateway.connection import Flusher
from server.gateway.uvicorn_ws import (
    SUPPORTED,
    UVICORN_WS_OPTIONS,
    Connection,
    DrainingServer,
    UnsupportedVersion,
    check_versions,
    ws_frame,
)

from .conftest import ROOT, free_port, wait


@dataclass
class Accepted:
    """One WebSocket accepted by the harness: the adapter's connection, the ASGI scope and
    send, and what the app received on it."""

    connection: Connection
    scope: dict[str, Any]
    send: Callable[[dict[str, Any]], Awaitable[None]]
    received: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)


class Harness:
    """An ASGI app that accepts every WebSocket, wraps it in the adapter's Connection
    (without shedding the handshake: each test decides) and queues what it receives."""

    def __init__(self) -> None:
        self.flusher = Flusher()
        self.accepted: asyncio.Queue[Accepted] = asyncio.Queue()
        self.port = 0
        self.server: DrainingServer | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        accepted = Accepted(Connection(send, 1 << 20, self.flusher), scope, send)
        self.accepted.put_nowait(accepted)
        while True:
            message = await receive()
            accepted.received.put_nowait(message)
            if message["type"] == "websocket.disconnect":
                return

    async def client(self) -> tuple[ClientConnection, Accepted]:
        ws = await connect(f"ws://127.0.0.1:{self.port}/", compression=None)
        return ws, await asyncio.wait_for(self.accepted.get(), wait(5))


@pytest_asyncio.fixture
async def start_harness() -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    """``await start_harness(drain=None)``: the harness under a DrainingServer on a free port."""
    running: list[tuple[DrainingServer, asyncio.Task[None]]] = []

    async def start(drain: Callable[[], Awaitable[None]] | None = None) -> Harness:
        harness = Harness()
        config = uvicorn.Config(
            harness,
            host="127.0.0.1",
            port=0,
            lifespan="off",
            ws_ping_interval=None,
            log_level="warning",
            **UVICORN_WS_OPTIONS,
        )
        server = DrainingServer(config, drain=drain)
        task = asyncio.create_task(server.serve())
        running.append((server, task))
        deadline = time.monotonic() + wait(10)
        while not server.started:  # polls for the condition, with a deadline
            assert not task.done() and time.monotonic() < deadline, "uvicorn did not start"
            await asyncio.sleep(0.01)
        harness.port = server.servers[0].sockets[0].getsockname()[1]
        harness.server = server
        return harness

    yield start
    for server, task in running:
        server.should_exit = True
        await asyncio.wait_for(task, wait(15))


# -- versions ------------------------------------------------------------------------------


def test_versions_installed_are_within_the_tested_range() -> None:
    """What the lock installs is what the adapter was tested with."""
    check_versions()


def test_pyproject_allows_exactly_the_tested_range() -> None:
    """pyproject.toml's ranges for uvicorn and websockets are the adapter's SUPPORTED: one
    cannot be widened without the other."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    ranges = {}
    for requirement in project["dependencies"]:
        name = requirement.split(">")[0].split("<")[0].split("[")[0].strip()
        if name in SUPPORTED:
            ranges[name] = requirement[requirement.index(">") :]
    assert ranges == dict(SUPPORTED)


@pytest.mark.parametrize(
    "uvicorn_version, websockets_version, refused",
    [
        ("0.55.0", "17.4", "uvicorn"),
        ("0.53.9", "17.4", "uvicorn"),
        ("0.54.0", "18.0rc1", "websockets"),
        ("0.54.2", "17.3", "websockets"),
    ],
)
def test_a_version_outside_the_range_is_refused_by_name(
    uvicorn_version: str, websockets_version: str, refused: str
) -> None:
    installed = {"uvicorn": uvicorn_version, "websockets": websockets_version}
    with pytest.raises(UnsupportedVersion) as error:
        check_versions(installed)
    expected = f"{refused} {installed[refused]} is installed; groupcast is tested with {refused}{SUPPORTED[refused]}"
    assert expected in str(error.value) and "make serve" in str(error.value)
    assert str(error.value).count("is installed") == 1


def test_patch_releases_within_the_range_pass() -> None:
    check_versions({"uvicorn": "0.54.9", "websockets": "17.9.1"})


def test_groupcast_serve_refuses_to_start_outside_the_range(tmp_path: Any) -> None:
    """`groupcast serve` under an untested uvicorn exits 2 with the reason, before it
    listens or writes anything."""
    script = (
        "import importlib.metadata as m, sys\n"
        "real = m.version\n"
        "m.version = lambda name: '0.99.0' if name == 'uvicorn' else real(name)\n"
        "from server.cli import main\n"
        f"sys.exit(main(['serve', '--port', '{free_port()}', '--data-dir', {str(tmp_path / 'data')!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=wait(60), check=False
    )
    assert done.returncode == 2, done.stderr
    assert "groupcast: uvicorn 0.99.0 is installed; groupcast is tested with uvicorn>=0.54" in done.stderr
    assert not (tmp_path / "data").exists()


# -- 1. sansio-send ------------------------------------------------------------------------


async def test_sansio_send_is_bound_to_uvicorns_sansio_protocol(start_harness: Any) -> None:
    """Assumption 1: ws='websockets-sansio' hands the app a send bound to the sans-I/O
    protocol, so the adapter finds the connection's transport behind it."""
    harness = await start_harness()
    ws, accepted = await harness.client()
    assert accepted.connection.open
    await ws.close()


async def test_sansio_send_anything_else_is_refused() -> None:
    async def send(message: dict[str, Any]) -> None:
        pass

    with pytest.raises(RuntimeError, match="ws='websockets-sansio'"):
        Connection(send, 1024, Flusher())


# -- 2. transport-writes -------------------------------------------------------------------


async def test_transport_writes_interleave_with_uvicorns_frames_in_order(start_harness: Any) -> None:
    """Assumption 2: frames written to the transport arrive in order with the ones uvicorn
    writes for ASGI sends, and a flush before the ASGI close keeps them ahead of it."""
    harness = await start_harness()
    ws, accepted = await harness.client()
    connection = accepted.connection
    assert connection.write(ws_frame(b"one", binary=False))
    assert connection.write(ws_frame(b"\x00two", binary=True))
    connection.flush()
    await accepted.send({"type": "websocket.send", "text": "three (ASGI)"})
    assert connection.write(ws_frame(b"four", binary=False))
    assert connection.buffered >= len(ws_frame(b"four", binary=False))
    connection.flush()
    await accepted.send({"type": "websocket.close", "code": 4003, "reason": "bye"})
    assert [await ws.recv() for _ in range(4)] == ["one", b"\x00two", "three (ASGI)", "four"]
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and (closed.value.rcvd.code, closed.value.rcvd.reason) == (4003, "bye")


async def test_transport_writes_are_coalesced_by_the_flusher(start_harness: Any) -> None:
    """Frames queued in one loop iteration go out in one flush, in order."""
    harness = await start_harness()
    ws, accepted = await harness.client()
    for n in range(5):
        assert accepted.connection.write(ws_frame(str(n).encode(), binary=False))
    assert [await asyncio.wait_for(ws.recv(), wait(5)) for _ in range(5)] == ["0", "1", "2", "3", "4"]
    await ws.close()


# -- 3. open-state -------------------------------------------------------------------------


async def test_open_state_follows_the_closing_handshake(start_harness: Any) -> None:
    """Assumption 3: the connection is open until a close is sent (by the app) or received
    (from the client); frames written after that are dropped, not sent."""
    harness = await start_harness()
    ws, accepted = await harness.client()
    assert accepted.connection.open
    await accepted.send({"type": "websocket.close", "code": 1000})
    assert not accepted.connection.open
    assert accepted.connection.write(ws_frame(b"late", binary=False))
    accepted.connection.flush()
    with pytest.raises(websockets.ConnectionClosedOK):
        await ws.recv()

    ws, accepted = await harness.client()
    await ws.close(4000)
    message = await asyncio.wait_for(accepted.received.get(), wait(5))
    assert (message["type"], message["code"]) == ("websocket.disconnect", 4000)
    assert not accepted.connection.open


# -- 4. shed-handshake ---------------------------------------------------------------------


async def test_shed_handshake_frees_the_request_and_frames_still_parse(start_harness: Any) -> None:
    """Assumption 4: once uvicorn's request/response, the scope's headers and the parser
    generator are dropped, nothing keeps the handshake request alive, and the fresh
    parser reads text, binary, fragmented and control frames and the close."""
    harness = await start_harness()
    ws, accepted = await harness.client()
    protocol: Any = accepted.connection._protocol
    request = weakref.ref(protocol.request)
    old_parser = protocol.conn.parser
    accepted.connection.shed_handshake(accepted.scope)
    assert (protocol.request, protocol.response, accepted.scope["headers"]) == (None, None, [])
    assert protocol.conn.parser is not old_parser
    del old_parser
    gc.collect()
    assert request() is None, "something besides what shed_handshake drops keeps the handshake request"

    await ws.send("text")
    await ws.send(b"\x01binary")
    await ws.send(["frag", "mented"])  # one message in three frames (a final empty one)
    await asyncio.wait_for(await ws.ping(b"are you there"), wait(5))
    received = [await asyncio.wait_for(accepted.received.get(), wait(5)) for _ in range(3)]
    assert [m.get("text", m.get("bytes")) for m in received] == ["text", b"\x01binary", "fragmented"]
    await ws.close(4001, "done")
    message = await asyncio.wait_for(accepted.received.get(), wait(5))
    assert (message["type"], message["code"], message["reason"]) == ("websocket.disconnect", 4001, "done")


async def test_shed_handshake_keeps_the_parser_while_a_frame_is_half_read(start_harness: Any) -> None:
    """The parser is replaced only while it holds no partial frame: with the first byte
    of a frame buffered, the old parser stays, and the frame arrives whole."""
    harness = await start_harness()
    ws, accepted = await harness.client()
    protocol: Any = accepted.connection._protocol
    frame = Frame(Opcode.TEXT, b"whole").serialize(mask=True)  # as a client sends it
    protocol.data_received(frame[:1])
    old_parser = protocol.conn.parser
    accepted.connection.shed_handshake(accepted.scope)
    assert protocol.conn.parser is old_parser
    protocol.data_received(frame[1:])
    message = await asyncio.wait_for(accepted.received.get(), wait(5))
    assert message == {"type": "websocket.receive", "text": "whole"}
    await ws.close()


# -- 5. frame-bytes ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 5, 125, 126, 200, 65535, 65536, 70000])
@pytest.mark.parametrize("binary", [False, True])
def test_frame_bytes_are_rfc6455_unmasked_final_frames(size: int, binary: bool) -> None:
    """Assumption 5: the bytes of a server frame, per RFC 6455 section 5.2."""
    payload = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    head = bytes([0x80 | (0x2 if binary else 0x1)])
    if size < 126:
        head += bytes([size])
    elif size < 65536:
        head += bytes([126]) + size.to_bytes(2, "big")
    else:
        head += bytes([127]) + size.to_bytes(8, "big")
    assert ws_frame(payload, binary) == head + payload


# -- 6. server-shutdown --------------------------------------------------------------------


async def test_server_shutdown_drains_after_listening_stops_and_before_uvicorn_closes(start_harness: Any) -> None:
    """Assumption 6: the drain runs once uvicorn no longer accepts connections and before
    it closes the open ones itself (1012), so sessions get the app's close code."""
    seen: dict[str, Any] = {}
    harness: Harness | None = None

    async def drain() -> None:
        assert harness is not None
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", harness.port)
            writer.close()
            seen["listening"] = True
        except OSError:
            seen["listening"] = False
        await accepted.send({"type": "websocket.close", "code": 1001, "reason": "going away"})

    harness = await start_harness(drain)
    ws, accepted = await harness.client()
    assert harness.server is not None
    harness.server.should_exit = True
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), wait(10))
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    assert seen == {"listening": False}
