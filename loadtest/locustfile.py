"""Locust load test for groupcast: users log in over WebSocket (one or more devices each),
join groups, send group messages and receive the pushes.

Reported in Locust's statistics:

* ``WS login``, ``WS joinGroup``, ``WS sendGroupMessage``: request latency, from sending
  the frame to its reply;
* ``PUSH groupMessage``: push latency, from the sender's send time (carried in the
  message text) to the moment a device receives the push. Sender and receiver clocks
  must agree, which they do when every Locust worker runs on one machine.

Headless against a running server, bounded in time (the server's key signs the UserSigs:
pass the file it generated, or the key itself with ``--secret-key``):

    make serve &                                     # 127.0.0.1:8080, key in groupcast-data/
    .venv/bin/locust -f loadtest/locustfile.py --headless -u 50 -r 10 -t 30s \\
        --host ws://127.0.0.1:8080 --secret-file groupcast-data/secret.key
    # two devices per user (both receive every push but their own):
    .venv/bin/locust -f loadtest/locustfile.py --headless -u 50 -r 10 -t 30s \\
        --host ws://127.0.0.1:8080 --secret-file groupcast-data/secret.key --devices 2

Each user joins ``--groups-per-user`` of ``--groups`` shared Community groups with custom
IDs ``@TGS#_locust-<n>`` (the first user to need one creates it, the others join it) and
sends one message every 1-3 seconds (``--send-interval``) to one of them. The server's
default rate limit (50 frames/s per session) is far above that; a much faster pace needs
``GROUPCAST_RATE_LIMIT`` raised on the server.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import gevent
import websocket
from gevent.event import AsyncResult
from locust import User, events, task
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root: protocol/

from protocol import usersig

MARK = "locust|"


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    group = parser.add_argument_group("groupcast")
    group.add_argument("--devices", type=int, default=1, env_var="GROUPCAST_DEVICES", help="devices per user")
    group.add_argument("--groups", type=int, default=10, env_var="GROUPCAST_GROUPS", help="shared groups")
    group.add_argument(
        "--groups-per-user", type=int, default=2, env_var="GROUPCAST_GROUPS_PER_USER", help="groups each user joins"
    )
    group.add_argument(
        "--send-interval",
        type=str,
        default="1,3",
        env_var="GROUPCAST_SEND_INTERVAL",
        help="seconds between a user's sends: 'min,max'",
    )
    group.add_argument("--sdkappid", type=int, default=1400000000, env_var="GROUPCAST_SDKAPPID")
    group.add_argument("--secret-key", default="", env_var="GROUPCAST_SECRET_KEY", help="the server's signing key")
    group.add_argument(
        "--secret-file",
        default="groupcast-data/secret.key",
        env_var="GROUPCAST_SECRET_FILE",
        help="file holding the key (used when --secret-key is empty)",
    )


def _secret(options: Any) -> str:
    if options.secret_key:
        return str(options.secret_key)
    return Path(options.secret_file).read_text().strip()


class RequestFailed(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class Device:
    """One WebSocket session: requests matched to replies by seq, pushes timed."""

    def __init__(self, env: Environment, url: str) -> None:
        self.env = env
        self.ws = websocket.create_connection(url, subprotocols=["groupcast.json"], enable_multithread=True)
        self.seqs = itertools.count(1)
        self.waiting: dict[int, AsyncResult] = {}
        self.reader = gevent.spawn(self._read)

    def _fire(self, kind: str, name: str, started: float, length: int, error: Exception | None = None) -> None:
        self.env.events.request.fire(
            request_type=kind,
            name=name,
            response_time=(time.time() - started) * 1000,
            response_length=length,
            exception=error,
            context={},
        )

    def call(self, op: str, timeout: float = 10.0, expect: tuple[int, ...] = (), **fields: Any) -> Any:
        """A request; its latency goes to Locust's statistics as ``WS <op>``. A refusal
        raises :class:`RequestFailed`; one whose code is in ``expect`` counts as a
        success in the statistics (it is part of the plan, as "no such group" is when
        joining a group that someone must create first)."""
        seq = next(self.seqs)
        result = AsyncResult()
        self.waiting[seq] = result
        frame = json.dumps({"op": op, "seq": seq, **fields})
        started = time.time()
        try:
            self.ws.send(frame)
            reply = result.get(timeout=timeout)
        except Exception as exc:
            self._fire("WS", op, started, 0, exc)
            raise
        finally:
            self.waiting.pop(seq, None)
        if reply["code"] != 0:
            error = RequestFailed(reply["code"], reply["message"])
            self._fire("WS", op, started, len(frame), None if reply["code"] in expect else error)
            raise error
        self._fire("WS", op, started, len(frame))
        return reply["data"]

    def _read(self) -> None:
        while True:
            try:
                raw = self.ws.recv()
            except Exception:
                return  # closed
            if not raw:
                continue
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "reply":
                waiter = self.waiting.get(frame.get("seq"))
                if waiter is not None:
                    waiter.set(frame)
            elif kind == "groupMessage":
                text = frame["msgBody"][0].get("MsgContent", {}).get("Text", "") if frame.get("msgBody") else ""
                if text.startswith(MARK):
                    sent = float(text[len(MARK) :].split("|", 1)[0])
                    self._fire("PUSH", "groupMessage", sent, len(raw))

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:
            pass
        self.reader.kill(block=False)


class GroupcastUser(User):
    """A user with ``--devices`` devices; sends from the first, every device receives."""

    def wait_time(self) -> float:
        return random.uniform(self.pace[0], self.pace[1])

    def on_start(self) -> None:
        options = self.environment.parsed_options
        low, _, high = str(options.send_interval).partition(",")
        self.pace = (float(low), float(high or low))
        self.user_id = f"locust-{uuid.uuid4().hex[:10]}"
        sig = usersig.sign(_secret(options), options.sdkappid, self.user_id)
        url = self.host.rstrip("/") + "/ws"
        self.devices: list[Device] = []
        for number in range(max(1, options.devices)):
            device = Device(self.environment, url)
            self.devices.append(device)
            device.call(
                "login",
                sdkAppID=options.sdkappid,
                userID=self.user_id,
                userSig=sig,
                deviceID=f"device-{number}",
                platform="Linux",
            )
        chosen = random.sample(range(options.groups), min(options.groups, options.groups_per_user))
        self.groups = [self._join(f"@TGS#_locust-{n}") for n in chosen]
        self.random = itertools.count(random.randrange(1 << 30))

    def _join(self, group_id: str) -> str:
        device = self.devices[0]
        try:
            device.call("joinGroup", groupID=group_id, expect=(10010,))
        except RequestFailed as exc:
            if exc.code != 10010:  # anything but "no such group (yet)"
                raise
            try:
                device.call("createGroup", groupID=group_id, name=group_id[6:], type="Community", expect=(10021,))
            except RequestFailed as taken:  # another user created it meanwhile
                if taken.code != 10021:
                    raise
                device.call("joinGroup", groupID=group_id)
        return group_id

    @task
    def send_group_message(self) -> None:
        text = f"{MARK}{time.time():.6f}|{self.user_id}"
        body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]
        self.devices[0].call(
            "sendGroupMessage", groupID=random.choice(self.groups), random=next(self.random) % (1 << 32), msgBody=body
        )

    def on_stop(self) -> None:
        for device in getattr(self, "devices", []):
            device.close()
