"""An AVChatRoom with N viewers on one node: every viewer gets every message, once.

Starts ``groupcast serve`` (embedded store) on a free loopback port, connects N viewers
from this process (plain WebSocket clients, JSON), logs each in and enters the room,
then a broadcaster sends M messages at a fixed rate. Reports deliveries, deliveries/s,
end-to-end latency (send -> receive, p50/p99) and whether every viewer got every
message exactly once. Bounded: N connections, M messages, then everything is closed.

    .venv/bin/python -m loadtest.room --viewers 10000 --messages 50 --rate 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import tempfile
import time

import msgspec
from websockets.asyncio.client import ClientConnection, connect

from protocol import usersig

from .connections import SDKAPPID, SECRET, free_port, start_server

_frame = msgspec.json.Decoder()


class Viewer:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.got: list[int] = []
        self.latencies: list[float] = []

    async def receive(self, expected: int) -> None:
        async for data in self.ws:
            frame = _frame.decode(data)
            if frame.get("type") != "groupMessage":
                continue
            number, sent_at = frame["msgBody"][0]["MsgContent"]["Text"].split("@")
            self.latencies.append(time.time() - float(sent_at))
            self.got.append(int(number))
            if len(self.got) == expected:
                return


async def call(ws: ClientConnection, op: str, seq: int, **fields: object) -> dict[str, object]:
    """Send a request and return its reply's data (pushes in between are skipped)."""
    await ws.send(json.dumps({"op": op, "seq": seq, **fields}))
    while True:
        frame = json.loads(await ws.recv())
        if frame["type"] == "reply" and frame["seq"] == seq:
            assert frame["code"] == 0, frame
            return frame["data"]  # type: ignore[no-any-return]


async def log_in(url: str, user: str, room: str) -> ClientConnection:
    ws = await connect(url, compression=None, max_size=None)
    sig = usersig.sign(SECRET, SDKAPPID, user)
    await call(ws, "login", 1, sdkAppID=SDKAPPID, userID=user, userSig=sig, deviceID="d")
    if room:
        await call(ws, "joinGroup", 2, groupID=room)
    return ws


async def run(viewers: int, messages: int, rate: float) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, viewers * 2 + 256)), hard))
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(port, data_dir, GROUPCAST_RATE_LIMIT="1000", GROUPCAST_RATE_BURST="1000")
        try:
            url = f"ws://127.0.0.1:{port}/ws"
            host = await log_in(url, "host", "")
            room = str((await call(host, "createGroup", 2, name="Live", type="AVChatRoom"))["groupID"])
            await call(host, "joinGroup", 3, groupID=room)
            started = time.perf_counter()
            audience: list[Viewer] = []
            for batch in range(0, viewers, 250):
                sockets = await asyncio.gather(
                    *(log_in(url, f"viewer{i}", room) for i in range(batch, min(viewers, batch + 250)))
                )
                audience += [Viewer(ws) for ws in sockets]
            print(f"{viewers} viewers in the room after {time.perf_counter() - started:.1f} s")
            count = (await call(host, "getOnlineMemberCount", 4, groupID=room))["memberCount"]
            print("online count reported by the server:", count)

            receivers = [asyncio.create_task(v.receive(messages)) for v in audience]
            started = time.perf_counter()
            for n in range(messages):
                body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": f"{n}@{time.time()}"}}]
                await host.send(
                    json.dumps({"op": "sendGroupMessage", "seq": 10 + n, "groupID": room, "random": n, "msgBody": body})
                )
                await asyncio.sleep(max(0.0, started + (n + 1) / rate - time.perf_counter()))
            await asyncio.wait_for(asyncio.gather(*receivers), timeout=60)
            elapsed = time.perf_counter() - started
            deliveries = sum(len(v.got) for v in audience)
            exact = all(v.got == list(range(messages)) for v in audience)
            latencies = sorted(x for v in audience for x in v.latencies)
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
            print(f"messages: {messages} at {rate}/s; deliveries: {deliveries:,} in {elapsed:.1f} s")
            print(f"every viewer got every message once, in order: {exact}")
            print(f"end-to-end latency: p50 {p50:.1f} ms, p99 {p99:.1f} ms (client and server share 2 cores)")
            await asyncio.gather(*(v.ws.close() for v in audience), host.close())
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=10000)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--rate", type=float, default=5.0, help="messages per second")
    args = parser.parse_args()
    asyncio.run(run(args.viewers, args.messages, args.rate))


if __name__ == "__main__":
    main()
