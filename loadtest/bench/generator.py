"""The load generator: one process, all the client side of one scenario run.

Started by the orchestrator (``python -m loadtest.bench``) as

    python -m loadtest.bench.generator '<spec as JSON>'

it opens every connection, sets the scenario up, measures, and prints one JSON object
(the result) as its last line of stdout; progress goes to stderr. It measures its own CPU
time (``getrusage``) and the servers' (``psutil``, all threads) over each measured window,
so a report can show who was the bottleneck.

Receivers are cheap (:mod:`loadtest.bench.wire`): they count benchmark messages without
parsing frames. Senders and a few probes parse everything; probes read the send time out
of each benchmark message (sender and probes share this process's ``perf_counter``).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import psutil

from .dialects import DIALECTS, Dialect, Groupcast, Peer, message_text
from .wire import Tally, http_request

__all__ = ["main"]

Spec = dict[str, Any]
TRACE = bool(os.environ.get("BENCH_TRACE"))
# Cheap receivers' SO_RCVLOWAT during the saturation windows of the fan-out and room
# scenarios (1: off). At 4096 a receiver wakes per dozen pushes rather than per push, which
# cuts the generator's CPU from ~90% to ~25% of a core at N = 1,000 (interleaved A/B
# windows on one server: the server's deliveries/s unchanged or slightly up); at 16384,
# per fifty, it is ~18% for one node and ~30% (not ~38%) for the two of scenario 6, which
# share the two cores with the generator. Window ends are read with 1, so nothing is missed.
LOWAT = int(os.environ.get("BENCH_LOWAT", "16384"))


def log(*args: object) -> None:
    print(f"[gen {time.strftime('%H:%M:%S')}]", *args, file=sys.stderr, flush=True)


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class CpuMeter:
    """CPU seconds of this process and of the servers (every thread), between two marks."""

    def __init__(self, pids: Sequence[int]) -> None:
        self.procs = [psutil.Process(p) for p in pids]

    def _now(self) -> tuple[float, float, list[float], float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        servers = []
        for p in self.procs:
            try:
                t = p.cpu_times()
                servers.append(t.user + t.system)
            except psutil.Error:
                servers.append(0.0)
        t = psutil.cpu_times()
        busy = sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq", "steal"))
        return time.perf_counter(), usage.ru_utime + usage.ru_stime, servers, busy

    def start(self) -> None:
        self._start = self._now()

    def stop(self) -> dict[str, Any]:
        wall, own, servers, busy = self._now()
        wall0, own0, servers0, busy0 = self._start
        elapsed = wall - wall0
        return {
            "wall_s": round(elapsed, 3),
            "generator_cpu_pct": round(100 * (own - own0) / elapsed, 1),
            "server_cpu_pct": [round(100 * (b - a) / elapsed, 1) for a, b in zip(servers0, servers, strict=True)],
            # every CPU of the machine, every process and the kernel's own work (softirq):
            # 100% per CPU when the machine is saturated
            "machine_cpu_pct": round(100 * (busy - busy0) / elapsed, 1),
        }


def percentiles(samples: list[float]) -> dict[str, Any]:
    if not samples:
        return {"samples": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    s = sorted(samples)
    pick = lambda q: round(1000 * s[min(len(s) - 1, int(q * len(s)))], 2)  # noqa: E731
    return {"samples": len(s), "p50_ms": pick(0.50), "p99_ms": pick(0.99), "max_ms": round(1000 * s[-1], 2)}


async def gather_limited(factories: Sequence[Callable[[], Awaitable[Any]]], limit: int) -> list[Any]:
    """Run the coroutines, at most ``limit`` at once, results in order."""
    results: list[Any] = [None] * len(factories)
    queue = list(enumerate(factories))
    queue.reverse()

    async def worker() -> None:
        while queue:
            index, factory = queue.pop()
            results[index] = await factory()

    await asyncio.gather(*(worker() for _ in range(min(limit, len(factories)))))
    return results


async def open_peers(
    dialect: Dialect, tally: Tally, ports: Sequence[int], users: Sequence[str], limit: int = 400
) -> list[Peer]:
    """Open (and log in) one connection per user; user i goes to ports[i % len(ports)]."""
    started = time.perf_counter()
    peers = await gather_limited(
        [lambda u=u, i=i: dialect.open(tally, ports[i % len(ports)], u) for i, u in enumerate(users)], limit
    )
    log(f"{len(peers)} connections open in {time.perf_counter() - started:.1f} s")
    return peers


def spread(items: Sequence[Any], count: int) -> list[Any]:
    """``count`` items evenly spread over ``items``, the first and the last included."""
    if count >= len(items):
        return list(items)
    if count <= 1:
        return [items[-1]]
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


# -- measurement phases -----------------------------------------------------------------------


async def saturate(
    tally: Tally,
    receivers: Sequence[Peer],
    senders: Sequence[Peer],
    target: Callable[[Peer], str],
    window: int,
    warmup: float,
    seconds: float,
    size: int,
    meter: CpuMeter,
    lowat_bytes: int = 1,
    repeats: int = 1,
) -> dict[str, Any]:
    """Each sender keeps ``window`` messages unacknowledged, as fast as the server acks.
    After ``warmup``, ``repeats`` back-to-back windows of ``seconds`` each count
    deliveries and acks; the result is the window with the most deliveries/s (all are
    listed). Interference (other work on the machine, a slower shared host) only ever
    slows a window down, so the best window is the closest to what the server can do."""
    running = True

    async def pump(peer: Peer) -> None:
        dialect = peer.dialect
        ws = peer.ws
        while running and not ws.closed:
            if peer.inflight >= window:
                await peer.wait_slot(window)
                continue
            peer.inflight += 1
            ws.send(dialect.send_frame(peer, target(peer), message_text(size)))

    lowat = [p.ws for p in receivers if p.ws.cheap] if lowat_bytes > 1 else []
    tasks = [asyncio.create_task(pump(p)) for p in senders]
    await asyncio.sleep(warmup)
    log("saturation: measuring")  # loadtest.bench.profile waits for this line
    windows = []
    for _ in range(repeats):
        # Both ends of a window are read with SO_RCVLOWAT 1 (everything that arrived is
        # counted), the window itself with lowat_bytes (cheap receivers woken per few KiB).
        frames0, acked0, errors0 = tally.frames, sum(p.acked for p in senders), sum(p.errors for p in senders)
        meter.start()
        for ws in lowat:
            ws.set_lowat(lowat_bytes)
        if TRACE:
            for _ in range(int(seconds)):
                f, a = tally.frames, sum(p.acked for p in senders)
                await asyncio.sleep(1)
                log(f"trace: {tally.frames - f} deliveries/s, {sum(p.acked for p in senders) - a} acks/s")
            await asyncio.sleep(seconds - int(seconds))
        else:
            await asyncio.sleep(seconds)
        for ws in lowat:
            ws.set_lowat(1)
        if lowat:
            await asyncio.sleep(0.05)
        cpu = meter.stop()
        frames1, acked1, errors1 = tally.frames, sum(p.acked for p in senders), sum(p.errors for p in senders)
        elapsed = cpu["wall_s"]
        windows.append(
            {
                "deliveries_per_s": round((frames1 - frames0) / elapsed),
                "messages_per_s": round((acked1 - acked0) / elapsed, 1),
                "errors": errors1 - errors0,
                **cpu,
            }
        )
    running = False
    for p in senders:  # wake pumps blocked on a full window
        if p.slot is not None and not p.slot.done():
            p.slot.set_result(None)
    await asyncio.gather(*tasks)
    await asyncio.gather(*(p.drain(10) for p in senders))
    result = dict(max(windows, key=lambda w: w["deliveries_per_s"]))
    if repeats > 1:
        result["windows"] = [w["deliveries_per_s"] for w in windows]
    return result


async def fixed_rate(
    tally: Tally,
    senders: Sequence[Peer],
    target: Callable[[Peer], str],
    rate: float,
    seconds: float,
    size: int,
    meter: CpuMeter,
) -> dict[str, Any]:
    """``rate`` messages/s in total, round-robin over the senders; probes measure
    send -> receive of every benchmark message they get."""
    tally.latencies = []
    frames0 = tally.frames
    tally.record = True
    meter.start()
    started = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        peer = senders[i % len(senders)]
        peer.inflight += 1
        peer.ws.send(peer.dialect.send_frame(peer, target(peer), message_text(size)))
    await asyncio.gather(*(p.drain(10) for p in senders))
    await asyncio.sleep(0.3)
    cpu = meter.stop()
    tally.record = False
    return {
        "rate": rate,
        "deliveries_per_s": round((tally.frames - frames0) / cpu["wall_s"]),
        **percentiles(tally.latencies),
        **cpu,
    }


async def settle(tally: Tally, expected: int, timeout: float) -> int:
    """Wait until ``tally.frames`` reaches ``expected``; returns what arrived."""
    deadline = time.perf_counter() + timeout
    while tally.frames < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    return tally.frames


async def quiesce(tally: Tally, quiet: float = 0.3, timeout: float = 60) -> float:
    """Wait until no benchmark message has arrived for ``quiet`` seconds (a server's
    backlog from the previous phase must not spill into the next); returns the wait."""
    started = time.perf_counter()
    last = tally.frames
    while time.perf_counter() - started < timeout:
        await asyncio.sleep(quiet)
        if tally.frames == last:
            break
        last = tally.frames
    return round(time.perf_counter() - started, 2)


async def check_reach(
    tally: Tally, senders: Sequence[Peer], everyone: Sequence[Peer], room: str, size: int
) -> dict[str, Any]:
    """One message from the first sender: how many of the others receive it."""
    before = {id(p): p.ws.count for p in everyone}
    start = tally.frames
    peer = senders[0]
    peer.inflight += 1
    peer.ws.send(peer.dialect.send_frame(peer, room, message_text(size)))
    await peer.drain(10)
    await settle(tally, start + len(everyone) - 1, 15)
    reached = sum(1 for p in everyone if p.ws.count > before[id(p)])
    return {"reached": reached, "expected": len(everyone) - 1}


# -- scenarios ----------------------------------------------------------------------------------


async def scenario_fanout(spec: Spec) -> dict[str, Any]:
    """One group (room) of N online members, S of them senders; saturation then fixed
    rates. Deliveries count every member that gets a message (the senders included)."""
    dialect = DIALECTS[spec["dialect"]](spec)
    tally = Tally()
    meter = CpuMeter(spec["pids"])
    ports = spec["ports"]
    n, s, size = spec["n"], spec["senders"], spec["size"]
    users = [f"u{i}" for i in range(n)]
    t0 = time.perf_counter()
    peers = await open_peers(dialect, tally, ports, users)
    senders = peers[:s]
    if isinstance(dialect, Groupcast):
        owner = senders[0]
        created = await dialect.call(owner, "createGroup", name="bench", type="Community")
        room = created["groupID"]
        others = users[1:]
        for batch in range(0, len(others), 500):
            await dialect.call(owner, "addGroupMember", groupID=room, userIDList=others[batch : batch + 500])
    else:
        room = "bench"
        await gather_limited([lambda p=p: dialect.enter(p, room) for p in peers], 400)
    probes = set(map(id, spread(peers[s:], spec["probes"])))
    for p in peers[s:]:
        if id(p) in probes:
            p.ws.probe = True
        else:
            p.ws.go_cheap()
    for p in senders:
        p.ws.probe = True
    await asyncio.sleep(0.5)
    reach = await check_reach(tally, senders, peers, room, size)
    setup = time.perf_counter() - t0
    log(f"{dialect.name} N={n}: set up in {setup:.1f} s; reach {reach}")
    result: dict[str, Any] = {"setup_s": round(setup, 1), "reach": reach}
    result["saturation"] = await saturate(
        tally,
        peers,
        senders,
        lambda p: room,
        spec["window"],
        spec["warmup"],
        spec["duration"],
        size,
        meter,
        LOWAT,
        spec.get("repeats", 1),
    )
    log(f"saturation: {result['saturation']}")
    result["rates"] = []
    capacity = result["saturation"]["deliveries_per_s"]
    for rate in spec["rates"]:
        offered = rate * (n - 1)
        if offered > 1.2 * capacity:
            # Past saturation a queue only grows: its latency says how long the phase ran.
            log(f"{rate} msg/s: not measured, {offered:,} deliveries/s offered > {capacity:,} saturation")
            result["rates"].append({"rate": rate, "over_capacity": True, "p50_ms": None, "p99_ms": None})
            continue
        result["quiesce_s"] = await quiesce(tally)
        point = await fixed_rate(tally, senders, lambda p: room, rate, spec["rate_duration"], size, meter)
        log(f"{rate} msg/s: {point}")
        result["rates"].append(point)
    result["closed"] = tally.closed
    for p in peers:
        p.ws.close()
    return result


async def scenario_groups(spec: Spec) -> dict[str, Any]:
    """``groups`` groups of ``size`` members over as many users (each user owns one and
    is in ``size`` groups); random senders send to random groups of theirs."""
    dialect = Groupcast(spec)
    tally = Tally()
    meter = CpuMeter(spec["pids"])
    count, members, size = spec["groups"], spec["group_size"], spec["size"]
    users = [f"u{i}" for i in range(count)]
    t0 = time.perf_counter()
    peers = await open_peers(dialect, tally, spec["ports"], users)
    stride = spec.get("stride", 97)
    rosters = [[(k + j * stride) % count for j in range(members)] for k in range(count)]
    group_ids: list[str] = [""] * count

    async def create(k: int) -> None:
        owner = peers[k]
        listed = [{"userID": users[m]} for m in rosters[k][1:]]
        created = await dialect.call(owner, "createGroup", name=f"g{k}", type="Community", memberList=listed)
        group_ids[k] = created["groupID"]

    started = time.perf_counter()
    await gather_limited([lambda k=k: create(k) for k in range(count)], 200)
    create_s = time.perf_counter() - started
    log(f"{count} groups of {members} created in {create_s:.1f} s")
    groups_of: list[list[str]] = [[] for _ in range(count)]
    for k, roster in enumerate(rosters):
        for m in roster:
            groups_of[m].append(group_ids[k])
    rng = random.Random(7)
    chosen = rng.sample(range(count), spec["senders"] + spec["probes"])
    senders = [peers[i] for i in chosen[: spec["senders"]]]
    probe_ids = set(chosen)
    for i, p in enumerate(peers):
        if i in probe_ids:
            p.ws.probe = True
        else:
            p.ws.go_cheap()
    groups_by_peer = {id(peers[i]): groups_of[i] for i in chosen}
    pick = lambda p: rng.choice(groups_by_peer[id(p)])  # noqa: E731
    await asyncio.sleep(1.0)
    setup = time.perf_counter() - t0
    result: dict[str, Any] = {"setup_s": round(setup, 1), "create_groups_s": round(create_s, 1)}
    sat = await saturate(
        tally,
        peers,
        senders,
        pick,
        spec["window"],
        spec["warmup"],
        spec["duration"],
        size,
        meter,
        1,
        spec.get("repeats", 1),
    )
    sat["deliveries_per_message"] = round(sat["deliveries_per_s"] / max(1.0, sat["messages_per_s"]), 2)
    result["saturation"] = sat
    log(f"saturation: {sat}")
    rate = max(10.0, round(sat["messages_per_s"] * spec.get("rate_fraction", 0.5), -1))
    await quiesce(tally)
    point = await fixed_rate(tally, senders, pick, rate, spec["rate_duration"], size, meter)
    log(f"{rate} msg/s: {point}")
    result["rates"] = [point]
    result["closed"] = tally.closed
    for p in peers:
        p.ws.close()
    return result


async def scenario_room(spec: Spec) -> dict[str, Any]:
    """An AVChatRoom: V viewers enter it; the owner (who need not enter) sends."""
    dialect = Groupcast(spec)
    tally = Tally()
    meter = CpuMeter(spec["pids"])
    size = spec["size"]
    t0 = time.perf_counter()
    (owner,) = await open_peers(dialect, tally, spec["ports"], ["host"])
    room = (await dialect.call(owner, "createGroup", name="live", type="AVChatRoom"))["groupID"]
    viewers = await open_peers(dialect, tally, spec["ports"], [f"v{i}" for i in range(spec["viewers"])])
    started = time.perf_counter()
    await gather_limited([lambda p=p: dialect.enter(p, room) for p in viewers], 400)
    enter_s = time.perf_counter() - started
    online = (await dialect.call(owner, "getOnlineMemberCount", groupID=room))["memberCount"]
    log(f"{len(viewers)} viewers entered in {enter_s:.1f} s; online count {online}")
    probes = set(map(id, spread(viewers, spec["probes"])))
    for p in viewers:
        if id(p) in probes:
            p.ws.probe = True
        else:
            p.ws.go_cheap()
    owner.ws.probe = True
    reach = await check_reach(tally, [owner], [owner, *viewers], room, size)
    setup = time.perf_counter() - t0
    result: dict[str, Any] = {"setup_s": round(setup, 1), "online_count": online, "reach": reach}
    result["saturation"] = await saturate(
        tally,
        viewers,
        [owner],
        lambda p: room,
        spec["window"],
        spec["warmup"],
        spec["duration"],
        size,
        meter,
        LOWAT,
        spec.get("repeats", 1),
    )
    log(f"saturation: {result['saturation']}")
    result["rates"] = []
    for rate in spec["rates"]:
        await quiesce(tally)
        point = await fixed_rate(tally, [owner], lambda p: room, rate, spec["rate_duration"], size, meter)
        log(f"{rate} msg/s: {point}")
        result["rates"].append(point)
    result["closed"] = tally.closed
    for p in [owner, *viewers]:
        p.ws.close()
    return result


async def scenario_connections(spec: Spec) -> dict[str, Any]:
    """Server RSS per idle, logged-in connection."""
    dialect = DIALECTS[spec["dialect"]](spec)
    tally = Tally()
    server = psutil.Process(spec["pids"][0])
    warm = await open_peers(dialect, tally, spec["ports"], [f"warm{i}" for i in range(spec["warm"])])
    for p in warm:
        p.ws.go_cheap()
    await asyncio.sleep(2.0)
    before = server.memory_info().rss
    started = time.perf_counter()
    peers = await open_peers(dialect, tally, spec["ports"], [f"u{i}" for i in range(spec["connections"])], 500)
    login_s = time.perf_counter() - started
    for p in peers:
        p.ws.go_cheap()
    await asyncio.sleep(spec.get("settle", 3.0))
    after = server.memory_info().rss
    alive = sum(1 for p in peers if not p.ws.closed)
    result = {
        "connections": len(peers),
        "alive": alive,
        "logins_per_s": round(len(peers) / login_s),
        "rss_before_mib": round(before / 2**20, 1),
        "rss_after_mib": round(after / 2**20, 1),
        "rss_per_connection_kib": round((after - before) / len(peers) / 1024, 2),
    }
    log(result)
    for p in warm + peers:
        p.ws.close()
    await asyncio.sleep(0.5)
    return result


async def scenario_store_write(spec: Spec) -> dict[str, Any]:
    """S senders, each the owner of a Community group with one other (online) member,
    send as fast as their replies come back: each reply means the message is committed."""
    dialect = Groupcast(spec)
    tally = Tally()
    meter = CpuMeter(spec["pids"])
    s, size = spec["senders"], spec["size"]
    owners = await open_peers(dialect, tally, spec["ports"], [f"w{i}" for i in range(s)])
    readers = await open_peers(dialect, tally, spec["ports"], [f"r{i}" for i in range(s)])
    groups = await asyncio.gather(
        *(
            dialect.call(o, "createGroup", name=f"store{i}", type="Community", memberList=[{"userID": f"r{i}"}])
            for i, o in enumerate(owners)
        )
    )
    group_of = {id(o): g["groupID"] for o, g in zip(owners, groups, strict=True)}
    for r in readers:
        r.ws.go_cheap()
    await asyncio.sleep(0.5)
    sat = await saturate(
        tally,
        readers,
        owners,
        lambda p: group_of[id(p)],
        spec["window"],
        spec["warmup"],
        spec["duration"],
        size,
        meter,
        1,
        spec.get("repeats", 1),
    )
    log(f"store writes: {sat}")
    acked = {group_of[id(o)]: o.acked for o in owners}
    for p in owners + readers:
        p.ws.close()
    return {"saturation": sat, "acked_total": sum(acked.values()), "groups": acked}


async def scenario_store_read(spec: Spec) -> dict[str, Any]:
    """After a restart: every group's history, page by page, checked for completeness."""
    dialect = Groupcast(spec)
    tally = Tally()
    groups: dict[str, int] = spec["groups"]
    owners = await open_peers(dialect, tally, spec["ports"], [f"w{i}" for i in range(len(groups))])
    started = time.perf_counter()
    stored = complete = 0
    problems: list[str] = []

    async def read(owner: Peer, group_id: str, acked: int) -> None:
        nonlocal stored, complete
        profile = (await dialect.call(owner, "getGroupProfile", groupID=group_id))["group"]
        last = profile["nextMessageSeq"] - 1
        seqs: list[int] = []
        after = 0
        for _ in range(last // 100 + 2):  # pages of 100; bounded even if the server misbehaves
            page = await dialect.call(owner, "getGroupHistory", groupID=group_id, afterSeq=after, count=100)
            seqs += [m["seq"] for m in page["messages"] if m["type"] == "groupMessage"]
            if page["isCompleted"] or not page["messages"]:
                break
            after = page["messages"][-1]["seq"]
        stored += len(seqs)
        if last >= acked and seqs == list(range(1, last + 1)):
            complete += 1
        else:
            problems.append(f"{group_id}: acked {acked}, last seq {last}, read {len(seqs)}")

    await asyncio.gather(*(read(o, g, a) for o, (g, a) in zip(owners, groups.items(), strict=True)))
    elapsed = time.perf_counter() - started
    for p in owners:
        p.ws.close()
    return {
        "groups": len(groups),
        "groups_complete": complete,
        "messages_read": stored,
        "read_per_s": round(stored / elapsed),
        "problems": problems[:5],
    }


async def scenario_rest(spec: Spec) -> dict[str, Any]:
    """REST create_group and add_group_member calls/s over keep-alive connections."""
    from protocol import usersig

    port = spec["ports"][0]
    sdkappid = int(spec["sdkappid"])
    admin = "administrator"
    sig = usersig.sign(spec["secret"], sdkappid, admin)
    query = f"?sdkappid={sdkappid}&identifier={admin}&usersig={sig}&random=1&contenttype=json"
    concurrency, seconds = spec["concurrency"], spec["duration"]
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(concurrency)]
    meter = CpuMeter(spec["pids"])

    async def post(conn: Any, command: str, body: dict[str, Any]) -> dict[str, Any]:
        status, raw = await http_request(conn[0], conn[1], port, f"/v4/{command}{query}", json.dumps(body).encode())
        return json.loads(raw) if raw else {"HTTP": status}

    users = [f"rest{i}" for i in range(spec["users"])]
    for batch in range(0, len(users), 100):
        reply = await post(conns[0], "im_open_login_svc/multiaccount_import", {"Accounts": users[batch : batch + 100]})
        assert reply.get("ActionStatus") == "OK", reply
    probe = await post(
        conns[0], "group_open_http_svc/create_group", {"Owner_Account": users[0], "Type": "Public", "Name": "probe"}
    )
    if probe.get("ErrorCode") != 0:
        log(f"create_group is not available: {probe}")
        for _, w in conns:
            w.close()
        return {"available": False, "reply": probe}

    async def timed(
        make: Callable[[int], tuple[str, dict[str, Any]]], on_ok: Callable[[dict[str, Any]], None] | None = None
    ) -> dict[str, Any]:
        counter = iter(range(10**9))
        done = errors = 0
        failures: list[Any] = []
        deadline = 0.0

        async def worker(conn: Any) -> None:
            nonlocal done, errors
            while time.perf_counter() < deadline:
                command, body = make(next(counter))
                reply = await post(conn, command, body)
                if reply.get("ErrorCode") == 0:
                    done += 1
                    if on_ok is not None:
                        on_ok(reply)
                else:
                    errors += 1
                    if len(failures) < 3:
                        failures.append(reply)

        meter.start()
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(worker(c) for c in conns))
        cpu = meter.stop()
        return {
            "calls_per_s": round(done / cpu["wall_s"], 1),
            "calls": done,
            "errors": errors,
            "failures": failures,
            **cpu,
        }

    created: list[str] = []

    def create(i: int) -> tuple[str, dict[str, Any]]:
        owner = users[i % len(users)]
        members = [{"Member_Account": users[(i + k) % len(users)]} for k in range(1, spec["initial_members"] + 1)]
        return "group_open_http_svc/create_group", {
            "Owner_Account": owner,
            "Type": "Public",
            "Name": f"rest{i}",
            "MemberList": members,
        }

    create_result = await timed(create, lambda reply: created.append(reply["GroupId"]))
    log(f"create_group: {create_result}")
    start_member = spec["initial_members"] + 1

    def add(i: int) -> tuple[str, dict[str, Any]]:
        # each call adds one user who is not in that group yet
        group = i % len(created)
        user = users[(group + start_member + i // len(created)) % len(users)]
        return "group_open_http_svc/add_group_member", {
            "GroupId": created[group],
            "MemberList": [{"Member_Account": user}],
            "Silence": 1,
        }

    add_result = await timed(add)
    log(f"add_group_member: {add_result}")
    for _, w in conns:
        w.close()
    return {"available": True, "create_group": create_result, "add_group_member": add_result}


SCENARIOS: dict[str, Callable[[Spec], Awaitable[dict[str, Any]]]] = {
    "fanout": scenario_fanout,
    "groups": scenario_groups,
    "room": scenario_room,
    "connections": scenario_connections,
    "store_write": scenario_store_write,
    "store_read": scenario_store_read,
    "rest": scenario_rest,
}


async def run(spec: Spec) -> dict[str, Any]:
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    result = await SCENARIOS[spec["scenario"]](spec)
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    result["generator_total_cpu_s"] = round(usage1.ru_utime + usage1.ru_stime - usage0.ru_utime - usage0.ru_stime, 2)
    result["generator_wall_s"] = round(time.perf_counter() - started, 1)
    return result


def main() -> None:
    spec = json.loads(sys.argv[1])
    raise_fd_limit()
    import uvloop

    result = uvloop.run(run(spec))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
