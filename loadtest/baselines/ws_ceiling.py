"""The practical ceiling: the smallest relay server on the websockets library.

One text frame protocol, no JSON, no auth, no storage:

* ``J<room>``: join the room; answered ``j``.
* ``M<room>\\n<text>``: ``websockets.broadcast`` <text> to the room's other members;
  answered ``a`` (so senders can keep a bounded window, like groupcast's replies).

It runs on uvloop (as ``groupcast serve`` does through uvicorn), without compression or
keepalive pings. Nothing a real server needs is here, which is the point: what one Python
process can fan out with the best tool the ecosystem has.

    python -m loadtest.baselines.ws_ceiling --port 9001
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from websockets.asyncio.server import ServerConnection, broadcast, serve

rooms: dict[str, set[ServerConnection]] = {}


async def handler(ws: ServerConnection) -> None:
    joined: list[str] = []
    try:
        async for message in ws:
            if not isinstance(message, str):
                continue
            if message[0] == "M":
                name, _, text = message[1:].partition("\n")
                room = rooms.get(name)
                if room is not None:
                    # Everyone but the sender, without building a new set per message.
                    had = ws in room
                    room.discard(ws)
                    broadcast(room, text)
                    if had:
                        room.add(ws)
                await ws.send("a")
            elif message[0] == "J":
                name = message[1:]
                rooms.setdefault(name, set()).add(ws)
                joined.append(name)
                await ws.send("j")
    finally:
        for name in joined:
            rooms.get(name, set()).discard(ws)


async def main(port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=None, max_queue=None, backlog=4096):
        print(f"ws-ceiling listening on 127.0.0.1:{port}", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    import uvloop

    uvloop.run(main(parser.parse_args().port))
