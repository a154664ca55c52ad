"""Server memory per idle authenticated connection.

Starts ``groupcast serve`` (embedded store) on a free loopback port, opens N WebSocket
connections from this process, logs each in as its own user, waits for the server to
settle and reports the server's RSS growth per connection. Bounded: N connections, one
login each, then everything is closed and the server stopped.

    .venv/bin/python -m loadtest.connections --connections 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time

import httpx
import psutil
from websockets.asyncio.client import ClientConnection, connect

from protocol import usersig

SDKAPPID = 1400000000
SECRET = "loadtest-" + "0" * 55


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, data_dir: str, **settings: str) -> subprocess.Popen[bytes]:
    """``groupcast serve`` on the embedded store; ``settings``: extra GROUPCAST_* variables."""
    env = dict(os.environ, GROUPCAST_SECRET_KEY=SECRET, GROUPCAST_SDKAPPID=str(SDKAPPID), GROUPCAST_LOG_LEVEL="warning")
    env["GROUPCAST_IDLE_TIMEOUT"] = "3600"
    env.update(settings)
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port), "--data-dir", data_dir], env=env
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("server did not start")


async def open_one(url: str, user: str) -> ClientConnection:
    ws = await connect(url, compression=None)
    await ws.send(
        json.dumps(
            {
                "op": "login",
                "seq": 1,
                "sdkAppID": SDKAPPID,
                "userID": user,
                "userSig": usersig.sign(SECRET, SDKAPPID, user),
                "deviceID": "d",
            }
        )
    )
    reply = json.loads(await ws.recv())
    assert reply["code"] == 0, reply
    return ws


async def run(count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count * 2 + 256)), hard))
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(port, data_dir)
        try:
            proc = psutil.Process(server.pid)
            url = f"ws://127.0.0.1:{port}/ws"
            # Warm up allocators and caches with a few connections first.
            warm = [await open_one(url, f"warm{i}") for i in range(50)]
            await asyncio.sleep(1)
            before = proc.memory_info().rss
            sockets: list[ClientConnection] = []
            started = time.perf_counter()
            for batch in range(0, count, 200):
                sockets += await asyncio.gather(
                    *(open_one(url, f"user{i}") for i in range(batch, min(count, batch + 200)))
                )
            elapsed = time.perf_counter() - started
            await asyncio.sleep(2)
            after = proc.memory_info().rss
            per = (after - before) / count
            print(f"connections: {count}, logins/s: {count / elapsed:,.0f}")
            print(f"server RSS: {before / 2**20:.1f} MiB -> {after / 2**20:.1f} MiB")
            print(f"RSS per idle authenticated connection: {per / 1024:.1f} KiB")
            await asyncio.gather(*(ws.close() for ws in sockets + warm))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(run(args.connections))


if __name__ == "__main__":
    main()
