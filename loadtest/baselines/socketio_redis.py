"""What a user would pick instead: python-socketio with its Redis manager, on uvicorn.

Rooms and emit, the way the python-socketio documentation shows a multi-node chat:

* event ``join`` (room): ``enter_room``; acknowledged.
* event ``msg`` (room, text): ``emit("msg", text, room=room, skip_sid=sid)`` through the
  ``AsyncRedisManager`` (so it works across nodes); acknowledged with ``true``.

Engine.IO's ping interval is raised to 10 minutes so that a benchmark run sees no pings;
everything else is python-socketio's and uvicorn's defaults.

    python -m loadtest.baselines.socketio_redis --port 9002 --redis-url redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse

import socketio
import uvicorn


def build(redis_url: str, channel: str) -> socketio.ASGIApp:
    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=socketio.AsyncRedisManager(redis_url, channel=channel),
        ping_interval=600,
        ping_timeout=600,
        cors_allowed_origins="*",
    )

    @sio.event
    async def join(sid: str, room: str) -> bool:
        await sio.enter_room(sid, room)
        return True

    @sio.event
    async def msg(sid: str, room: str, text: str) -> bool:
        await sio.emit("msg", text, room=room, skip_sid=sid)
        return True

    return socketio.ASGIApp(sio)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--channel", default="socketio-bench")
    args = parser.parse_args()
    uvicorn.run(
        build(args.redis_url, args.channel), host="127.0.0.1", port=args.port, log_level="warning", backlog=4096
    )
