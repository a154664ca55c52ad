"""Processes the benchmark starts: redis-server, groupcast nodes, the two baselines and
the load generator. Each server runs in a fresh process, pinned to one CPU when the
machine has two or more (the generator gets another), and is stopped by its PID.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "ROOT",
    "SDKAPPID",
    "SECRET",
    "Redis",
    "Server",
    "cpus",
    "free_port",
    "groupcast",
    "redis_server",
    "run_generator",
    "socketio_server",
    "ws_ceiling",
]

ROOT = Path(__file__).resolve().parents[2]
SDKAPPID = 1400000000
SECRET = "bench-" + "0" * 58
CPUS = sorted(os.sched_getaffinity(0))


def cpus() -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, generator CPUs): one each on a machine with two or more."""
    if len(CPUS) < 2:
        return None, None
    return {CPUS[0]}, {CPUS[1]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pinned(cpu: set[int] | None) -> Any:
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, cpu)


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    extra_pids: list[int] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout: float = 30) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _wait_port(server: Server, deadline: float, health: str | None = None) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{server.tail()}")
        try:
            if health:
                if httpx.get(f"http://127.0.0.1:{server.port}{health}", timeout=0.5).status_code == 200:
                    return
            else:
                with socket.create_connection(("127.0.0.1", server.port), timeout=0.2):
                    return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"{server.name} did not start:\n{server.tail()}")


def _spawn(
    name: str, args: list[str], env: dict[str, str], logdir: Path, cpu: set[int] | None
) -> tuple[subprocess.Popen[bytes], Path]:
    log = logdir / f"{name}-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_pinned(cpu)
        )
    return process, log


def groupcast_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROUPCAST_")}
    env.update(
        GROUPCAST_SECRET_KEY=SECRET,
        GROUPCAST_SDKAPPID=str(SDKAPPID),
        GROUPCAST_LOG_LEVEL="warning",
        # Load, not abuse: the defaults would close a benchmark sender (4002) or a
        # receiver that sends no heartbeat for a minute (4001).
        GROUPCAST_RATE_LIMIT="1000000",
        GROUPCAST_RATE_BURST="1000000",
        GROUPCAST_IDLE_TIMEOUT="3600",
        GROUPCAST_LOGIN_TIMEOUT="120",
        GROUPCAST_DAILY_GROUP_LIMIT="10000000",
        GROUPCAST_MAX_GROUPS_PER_USER="10000",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def groupcast(
    logdir: Path,
    data_dir: str,
    cpu: set[int] | None,
    redis_url: str = "",
    prefix: str = "",
    instrumented: dict[str, str] | None = None,
    **extra: str,
) -> Server:
    """``groupcast serve``; with ``instrumented`` (BENCH_* variables), the same server run
    through :mod:`loadtest.bench.instrumented`."""
    port = free_port()
    command = ["-m", "loadtest.bench.instrumented"] if instrumented is not None else ["-m", "server", "serve"]
    args = [sys.executable, *command, "--port", str(port), "--data-dir", data_dir]
    env = groupcast_env(**extra, **(instrumented or {}))
    if redis_url:
        args += ["--redis-url", redis_url]
        env["GROUPCAST_REDIS_PREFIX"] = prefix or f"b{uuid.uuid4().hex[:8]}:"
    process, log = _spawn("groupcast", args, env, logdir, cpu)
    server = Server("groupcast", port, process, log)
    _wait_port(server, time.monotonic() + 30, "/healthz")
    return server


def ws_ceiling(logdir: Path, cpu: set[int] | None) -> Server:
    port = free_port()
    args = [sys.executable, "-m", "loadtest.baselines.ws_ceiling", "--port", str(port)]
    process, log = _spawn("ws-ceiling", args, dict(os.environ, PYTHONUNBUFFERED="1"), logdir, cpu)
    server = Server("ws-ceiling", port, process, log)
    _wait_port(server, time.monotonic() + 30)
    return server


def socketio_server(logdir: Path, cpu: set[int] | None, redis: Redis) -> Server:
    port = free_port()
    channel = f"sio-{uuid.uuid4().hex[:8]}"
    args = [
        sys.executable,
        "-m",
        "loadtest.baselines.socketio_redis",
        "--port",
        str(port),
        "--redis-url",
        redis.url,
        "--channel",
        channel,
    ]
    process, log = _spawn("python-socketio", args, dict(os.environ, PYTHONUNBUFFERED="1"), logdir, cpu)
    server = Server("python-socketio", port, process, log, extra_pids=[redis.process.pid])
    _wait_port(server, time.monotonic() + 30)
    return server


@dataclass
class Redis:
    url: str
    port: int
    process: subprocess.Popen[bytes]


@contextmanager
def redis_server(logdir: Path) -> Iterator[Redis]:
    """A private redis-server on a free loopback port (no persistence), stopped at the end."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (Debian/Ubuntu: apt-get install redis-server)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="bench-redis-")
    log = logdir / "redis.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield Redis(f"redis://127.0.0.1:{port}/0", port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def redis_flush(redis: Redis) -> None:
    with socket.create_connection(("127.0.0.1", redis.port), timeout=5) as s:
        s.sendall(b"FLUSHALL\r\n")
        s.recv(64)


def run_generator(spec: dict[str, Any], cpu: set[int] | None, timeout: float = 300) -> dict[str, Any]:
    """Run the load generator in its own process; its result (last stdout line)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "loadtest.bench.generator", json.dumps(spec)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        preexec_fn=_pinned(cpu),
    )
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise RuntimeError(f"the load generator did not finish in {timeout} s") from None
    if process.returncode != 0:
        raise RuntimeError(f"the load generator failed ({process.returncode})")
    lines = out.decode().strip().splitlines()
    return json.loads(lines[-1])  # type: ignore[no-any-return]
