"""Fixtures: a real redis-server, real uvicorn servers (in-process or as processes),
real WebSocket clients. Nothing is faked.

``GROUPCAST_TEST_SLOWDOWN`` multiplies every wait (for slow machines). No test sleeps for
a fixed time: it waits for the event, or for a fence (:func:`bus_fence`, a heartbeat's
round trip) that proves what came before has arrived, or for the clock (:func:`clock_past`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from protocol import usersig
from protocol.client import Client
from server.app import GatewayServer, GroupcastApp, uvicorn_config
from server.config import SETTINGS, Config

SLOWDOWN = float(os.environ.get("GROUPCAST_TEST_SLOWDOWN", "1"))
SDKAPPID = 1400000001
SECRET = "test-secret-" + "0" * 52
ROOT = Path(__file__).resolve().parent.parent


def wait(seconds: float) -> float:
    """A timeout, scaled for slow machines."""
    return seconds * SLOWDOWN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- redis -------------------------------------------------------------------------------


@dataclass
class RedisServer:
    url: str
    process: subprocess.Popen[bytes]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A private redis-server on a free loopback port. Missing Redis fails, never skips."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run the tests with `make test`, which installs it")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + wait(10)
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("redis-server did not start")
        time.sleep(0.05)
    yield RedisServer(f"redis://127.0.0.1:{port}/0", process)
    process.terminate()
    process.wait(timeout=10)


def unique_prefix() -> str:
    """Every test gets its own key and channel namespace in the shared Redis."""
    return f"t{uuid.uuid4().hex[:10]}:"


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_config(tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    """Build a Config for ``backend`` ("sqlite" or "redis") with test defaults."""

    def build(backend: str = "sqlite", **overrides: Any) -> Config:
        options: dict[str, Any] = dict(
            host="127.0.0.1",
            port=0,
            data_dir=str(tmp_path / f"data-{uuid.uuid4().hex[:6]}"),
            sdkappid=SDKAPPID,
            secret_key=SECRET,
            log_level="warning",
        )
        if backend == "redis":
            redis: RedisServer = request.getfixturevalue("redis_server")
            options.update(redis_url=redis.url, redis_prefix=unique_prefix())
        options.update(overrides)
        return Config(**options)

    return build


# -- servers -----------------------------------------------------------------------------

_devices = itertools.count(1)


@dataclass
class Running:
    """A running groupcast server and helpers to talk to it."""

    config: Config
    port: int
    app: GroupcastApp | None = None
    clients: list[Client] = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def node(self) -> Any:
        assert self.app is not None, "in-process servers only"
        return self.app.node

    def sig(self, user_id: str, expire: int = 3600) -> str:
        return usersig.sign(self.config.secret_key or SECRET, self.config.sdkappid, user_id, expire)

    def client(self, user_id: str, device_id: str | None = None, **options: Any) -> Client:
        options.setdefault("reconnect", False)
        client = Client(
            self.ws_url,
            sdk_app_id=self.config.sdkappid,
            user_id=user_id,
            user_sig=self.sig(user_id),
            device_id=device_id or f"dev{next(_devices)}",
            **options,
        )
        self.clients.append(client)
        return client

    async def login(self, user_id: str, device_id: str | None = None, **options: Any) -> Client:
        client = self.client(user_id, device_id, **options)
        await client.connect()
        return client

    async def close_clients(self) -> None:
        await asyncio.gather(*(c.close() for c in self.clients), return_exceptions=True)
        self.clients.clear()


async def start_in_process(config: Config) -> tuple[Running, GatewayServer, asyncio.Task[None]]:
    app = GroupcastApp(config)
    server = GatewayServer(uvicorn_config(app, config))
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + wait(10)
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server stopped while starting")
        if time.monotonic() > deadline:
            raise TimeoutError("server did not start")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return Running(config=config, port=port, app=app), server, task


@contextlib.asynccontextmanager
async def in_process_servers(make_config: Any, **defaults: Any) -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    """``start(backend, **config)`` (``defaults`` under ``config``) starts an in-process
    server; all of them stop when the context ends."""
    started: list[tuple[Running, GatewayServer, asyncio.Task[None]]] = []

    async def start(backend: str = "sqlite", **overrides: Any) -> Running:
        running = await start_in_process(make_config(backend, **{**defaults, **overrides}))
        started.append(running)
        return running[0]

    try:
        yield start
    finally:
        for running, server, task in reversed(started):
            await running.close_clients()
            server.should_exit = True
            await asyncio.wait_for(task, wait(15))


@pytest_asyncio.fixture
async def serve(make_config: Any) -> AsyncIterator[Any]:
    """``await serve(backend, **config)`` starts an in-process server; all stop at teardown."""
    async with in_process_servers(make_config) as start:
        yield start


@pytest_asyncio.fixture
async def server(serve: Any, backend: str) -> Running:
    """An in-process server on each backend (the test runs once per backend)."""
    return await serve(backend)  # type: ignore[no-any-return]


# -- processes ---------------------------------------------------------------------------


@dataclass
class NodeProcess:
    running: Running
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def groupcast_env(config: Config, **extra: str) -> dict[str, str]:
    """The environment of a `groupcast serve` child: every setting of ``config`` but the
    ones passed as flags (port, data dir, Redis URL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROUPCAST_")}
    for setting in SETTINGS:
        if setting.flag in ("--port", "--data-dir", "--redis-url", "--host"):
            continue
        value = getattr(config, setting.field)
        if value != "":
            env[setting.env] = str(value)
    env.update(GROUPCAST_LOG_LEVEL="info", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def start_process(
    config: Config, tmp_path: Path, *extra_args: str, env: dict[str, str] | None = None, port: int = 0
) -> NodeProcess:
    """``groupcast serve`` as a child process on ``port`` (default: a free one); returns
    once /healthz is 200."""
    port = port or free_port()
    args = [sys.executable, "-m", "server", "serve", "--port", str(port), "--data-dir", config.data_dir]
    if config.redis_url:
        args += ["--redis-url", config.redis_url]
    log = tmp_path / f"node-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*args, *extra_args], cwd=ROOT, env=env or groupcast_env(config), stdout=out, stderr=subprocess.STDOUT
        )
    running = Running(config=Config(**{**_fields(config), "port": port}), port=port)
    node = NodeProcess(running, process, log)
    deadline = time.monotonic() + wait(20)
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"groupcast exited with {process.returncode}:\n{node.output()}")
        try:
            if httpx.get(f"{running.http_url}/healthz", timeout=0.5).status_code == 200:
                return node
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError(f"groupcast did not become healthy:\n{node.output()}")
        time.sleep(0.05)


def stop_process(node: NodeProcess, sig: int = signal.SIGTERM) -> int:
    if node.process.poll() is None:
        node.process.send_signal(sig)
        try:
            return node.process.wait(timeout=wait(20))
        except subprocess.TimeoutExpired:
            node.process.kill()
            node.process.wait()
            raise
    return node.process.returncode


def _fields(config: Config) -> dict[str, Any]:
    import msgspec

    return msgspec.structs.asdict(config)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Any]:
    """``processes(config)`` starts a ``groupcast serve`` process; all are stopped at teardown."""
    nodes: list[NodeProcess] = []

    def start(config: Config, *extra: str, env: dict[str, str] | None = None, port: int = 0) -> NodeProcess:
        node = start_process(config, tmp_path, *extra, env=env, port=port)
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        stop_process(node)


# -- pushes ------------------------------------------------------------------------------


async def notice(client: Client, kind: Any, group_id: str = "") -> Any:
    """The next system notice of ``kind`` that ``client`` gets, about ``group_id`` when
    given (others are skipped)."""
    from protocol.groups import GroupSystemNotice

    while True:
        push = await client.next_push(GroupSystemNotice, timeout=wait(5))
        if push.operation_type == kind and group_id in ("", push.group_id):
            return push


async def tip(client: Client, kind: Any) -> Any:
    """The next group tip of ``kind`` that ``client`` gets (others are skipped)."""
    from protocol.groups import GroupTip

    while True:
        push = await client.next_push(GroupTip, timeout=wait(5))
        if push.operation_type == kind:
            return push


# -- fences --------------------------------------------------------------------------------

_fences = itertools.count(1)


async def bus_fence(server: Running, *listeners: Client) -> None:
    """Wait until every bus message published so far has been handled by each listener's
    node and written to the listener: a "nothing arrived" check is final after it.

    A marker device of the listener's user logs in on ``server`` (one more device of that
    user stays online). Its DeviceOnline is published on the user's channel after all that
    was published before, a node handles its bus messages in publish order and a
    connection delivers in write order, so once the listener has it, anything published
    earlier for the listener has arrived too."""
    from protocol.messages import DeviceOnline

    for listener in listeners:
        marker = f"fence{next(_fences)}"
        await server.login(listener.user_id, marker)
        while (await listener.next_push(DeviceOnline, timeout=wait(5))).device_id != marker:
            pass


async def clock_past(moment: float) -> None:
    """Wait until the clock passes ``moment``, the unix time a server-side deadline depends
    on (a mute's end, a recall window): the servers run on this machine, on its clock."""
    while (left := moment - time.time()) >= 0:
        await asyncio.sleep(left + 0.01)
