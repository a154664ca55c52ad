"""``python -m loadtest.bench``: every scenario, every baseline, one run, one report.

Each scenario runs against servers this process starts (fresh processes, pinned to one
CPU when there are two or more), with the load generator in another process pinned to
another CPU (:mod:`loadtest.bench.generator`). Results go to ``loadtest/results/``
(git-ignored): a CSV, a markdown table, a PNG plot and the raw JSON; a full run also
rewrites the measured part of ``loadtest/RESULTS.md`` (the analysis there is kept).

    python -m loadtest.bench                 # everything, under 10 minutes on 2 cores
    python -m loadtest.bench --quick         # a 1-2 minute smoke run
    python -m loadtest.bench --only fanout,store
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from . import servers as S

__all__ = ["main"]

RESULTS_DIR = S.ROOT / "loadtest" / "results"
RESULTS_MD = S.ROOT / "loadtest" / "RESULTS.md"
SERVERS = ("groupcast", "ws-ceiling", "python-socketio")
TEXT_SIZE = 64  # characters of message text: every delivered frame is the same size

PROFILES: dict[str, dict[str, Any]] = {
    "full": {
        "fanout_n": [100, 1000, 5000],
        "senders": 4,
        "window": 4,
        "warmup": 1.0,
        "duration": 3.0,
        "repeats": 3,
        "rounds_1000": 2,
        "rates": [20, 40],
        "rate_duration": 4.0,
        "probes": 20,
        "groups": 10000,
        "group_size": 20,
        "group_senders": 64,
        "viewers": 10000,
        "room_rates": [5, 10],
        "connections": 10000,
        "store_senders": 32,
        "nodes_n": 1000,
        "nodes_senders": 16,
        "rest_duration": 4.0,
        "rest_users": 5000,
    },
    "quick": {
        "fanout_n": [100, 1000],
        "senders": 4,
        "window": 4,
        "warmup": 0.5,
        "duration": 2.0,
        "repeats": 1,
        "rounds_1000": 1,
        "rates": [20, 40],
        "rate_duration": 2.0,
        "probes": 10,
        "groups": 2000,
        "group_size": 20,
        "group_senders": 32,
        "viewers": 2000,
        "room_rates": [5, 10],
        "connections": 2000,
        "store_senders": 32,
        "nodes_n": 1000,
        "nodes_senders": 16,
        "rest_duration": 2.0,
        "rest_users": 2000,
    },
}

TARGETS = {
    "ceiling_ratio": 0.8,  # groupcast / ws-ceiling deliveries/s at N = 1000
    "socketio_ratio": 3.0,  # groupcast / python-socketio deliveries/s at N = 1000
    "p99_ms": 20.0,  # at 40 messages/s into a 1000-member group
    "rss_kib": 20.0,  # per idle authenticated connection
    "store_msgs": 5000.0,  # persisted group messages/s
    "nodes_ratio": 1.6,  # two nodes / one node, scenario 1 at N = 1000
}


def log(*args: object) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}]", *args, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, profile: dict[str, Any], workdir: Path, redis: S.Redis) -> None:
        self.p = profile
        self.workdir = workdir
        self.logdir = workdir / "logs"
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.redis = redis
        self.server_cpu, self.gen_cpu = S.cpus()
        self.results: dict[str, Any] = {}

    def spec(self, scenario: str, servers: list[S.Server], **fields: Any) -> dict[str, Any]:
        pids = [s.pid for s in servers] + [p for s in servers for p in s.extra_pids]
        return {
            "scenario": scenario,
            "dialect": "groupcast",
            "ports": [s.port for s in servers],
            "pids": list(dict.fromkeys(pids)),
            "size": TEXT_SIZE,
            "secret": S.SECRET,
            "sdkappid": S.SDKAPPID,
            "warmup": self.p["warmup"],
            "duration": self.p["duration"],
            "rate_duration": self.p["rate_duration"],
            "repeats": self.p["repeats"],
            **fields,
        }

    def text_size(self, kind: str) -> int:
        """Message text length so that every server delivers frames of the same size:
        groupcast wraps the text in its groupMessage push, the ceiling relays the text as
        it is, socket.io wraps it in ``42["msg","..."]``."""
        if kind == "groupcast":
            return TEXT_SIZE
        if kind == "ws-ceiling":
            return frame_bytes()
        return frame_bytes() - len('42["msg",""]')

    def data_dir(self) -> str:
        path = self.workdir / f"data-{uuid.uuid4().hex[:6]}"
        path.mkdir()
        return str(path)

    def start(self, kind: str, **options: Any) -> S.Server:
        cpu = options.pop("cpu", self.server_cpu)
        if kind == "groupcast":
            return S.groupcast(self.logdir, options.pop("data_dir", None) or self.data_dir(), cpu, **options)
        if kind == "ws-ceiling":
            return S.ws_ceiling(self.logdir, cpu)
        return S.socketio_server(self.logdir, cpu, self.redis)

    def generate(self, spec: dict[str, Any], servers: list[S.Server], cpu: Any = "default") -> dict[str, Any]:
        try:
            return S.run_generator(spec, self.gen_cpu if cpu == "default" else cpu)
        except Exception:
            for server in servers:
                log(f"{server.name} log tail:\n{server.tail()}")
            raise

    # -- scenarios --------------------------------------------------------------------------

    def fanout(self) -> None:
        """1. One group, N online members, one device each; 4 of them send. At N = 1,000
        (the targets) the three servers take turns for several rounds and each keeps its
        best round, so that a slow spell of the machine does not land on one of them."""
        rows = self.results.setdefault("fanout", [])
        for n in self.p["fanout_n"]:
            best: dict[str, dict[str, Any]] = {}
            rounds: dict[str, list[int]] = {kind: [] for kind in SERVERS}
            for _ in range(self.p["rounds_1000"] if n == 1000 else 1):
                for kind in SERVERS:
                    server = self.start(kind)
                    try:
                        spec = self.spec(
                            "fanout",
                            [server],
                            dialect=kind,
                            size=self.text_size(kind),
                            n=n,
                            senders=self.p["senders"],
                            window=self.p["window"],
                            rates=self.p["rates"],
                            probes=self.p["probes"],
                        )
                        log(f"fan-out: {kind}, N = {n}")
                        result = self.generate(spec, [server])
                    finally:
                        server.stop()
                    sat = result["saturation"]
                    rounds[kind].append(sat["deliveries_per_s"])
                    log(f"  {sat['deliveries_per_s']:,} deliveries/s (server CPU {sat['server_cpu_pct']}%)")
                    if kind not in best or sat["deliveries_per_s"] > best[kind]["saturation"]["deliveries_per_s"]:
                        best[kind] = result
            for kind in SERVERS:
                rows.append({"server": kind, "n": n, **best[kind], "rounds": rounds[kind]})

    def groups(self) -> None:
        """2. Many small groups, random senders."""
        server = self.start("groupcast")
        try:
            spec = self.spec(
                "groups",
                [server],
                groups=self.p["groups"],
                group_size=self.p["group_size"],
                senders=self.p["group_senders"],
                window=2,
                probes=max(50, self.p["groups"] // 20),
            )
            log(f"many groups: {self.p['groups']} groups of {self.p['group_size']}")
            result = self.generate(spec, [server])
            result["params"] = {k: spec[k] for k in ("groups", "group_size", "senders")}
            self.results["groups"] = result
        finally:
            server.stop()

    def room(self) -> None:
        """3. An AVChatRoom with many viewers."""
        server = self.start("groupcast")
        try:
            spec = self.spec(
                "room", [server], viewers=self.p["viewers"], window=16, rates=self.p["room_rates"], probes=50
            )
            log(f"AVChatRoom: {self.p['viewers']} viewers")
            self.results["room"] = self.generate(spec, [server])
        finally:
            server.stop()

    def connections(self) -> None:
        """4. Server RSS per idle authenticated connection (and, for scale, per idle
        connection of the websockets ceiling server, which authenticates nothing)."""
        out: dict[str, Any] = {}
        for kind in ("groupcast", "ws-ceiling"):
            server = self.start(kind)
            try:
                spec = self.spec("connections", [server], dialect=kind, connections=self.p["connections"], warm=200)
                if kind == "ws-ceiling":
                    spec["dialect"] = "ws-ceiling"
                log(f"idle connections: {kind}, {self.p['connections']}")
                out[kind] = self.generate(spec, [server])
            finally:
                server.stop()
        self.results["connections"] = out

    def store(self) -> None:
        """5. Persisted group messages/s on the embedded store; history read back after
        a restart of the server on the same data directory."""
        data_dir = self.data_dir()
        server = self.start("groupcast", data_dir=data_dir)
        try:
            spec = self.spec("store_write", [server], senders=self.p["store_senders"], window=4)
            log(f"embedded store: {self.p['store_senders']} senders")
            written = self.generate(spec, [server])
        finally:
            server.stop()
        server = self.start("groupcast", data_dir=data_dir)
        try:
            spec = self.spec("store_read", [server], groups=written["groups"])
            read = self.generate(spec, [server])
        finally:
            server.stop()
        written.pop("groups")
        self.results["store"] = {"write": written, "read": read}

    def nodes(self) -> None:
        """6. Scenario 1 at N = 1000 on Redis: one node, then two (members and senders
        alternate between them); in turns, for as many rounds as scenario 1 at N = 1,000,
        each keeping its best round."""
        out: dict[str, Any] = {}
        for _ in range(self.p["rounds_1000"]):
            for count in (1, 2):
                S.redis_flush(self.redis)
                prefix = f"b{uuid.uuid4().hex[:6]}:"
                cpus: list[set[int] | None] = [None] * count
                if self.server_cpu is not None:
                    cpus = [{S.CPUS[i % len(S.CPUS)]} for i in range(count)]
                started: list[S.Server] = []
                try:
                    for cpu in cpus:
                        started.append(self.start("groupcast", cpu=cpu, redis_url=self.redis.url, prefix=prefix))
                    spec = self.spec(
                        "fanout",
                        started,
                        n=self.p["nodes_n"],
                        senders=self.p["nodes_senders"],
                        window=4,
                        rates=[40],
                        probes=self.p["probes"],
                    )
                    spec["pids"] = [s.pid for s in started] + [self.redis.process.pid]
                    log(f"nodes: {count} on Redis, N = {self.p['nodes_n']}")
                    # The generator floats: with two nodes there is no free CPU to give it.
                    result = self.generate(spec, started, cpu=None)
                finally:
                    for server in started:
                        server.stop()
                sat = result["saturation"]
                log(f"  {sat['deliveries_per_s']:,} deliveries/s (CPU {sat['server_cpu_pct']}%)")
                key = str(count)
                rounds = out.get(key, {}).get("rounds", []) + [sat["deliveries_per_s"]]
                if key not in out or sat["deliveries_per_s"] > out[key]["saturation"]["deliveries_per_s"]:
                    out[key] = result
                out[key]["rounds"] = rounds
        self.results["nodes"] = out

    def rest(self) -> None:
        """7. REST create_group and add_group_member calls/s."""
        server = self.start("groupcast")
        try:
            spec = self.spec(
                "rest",
                [server],
                concurrency=16,
                duration=self.p["rest_duration"],
                users=self.p["rest_users"],
                initial_members=2,
            )
            log("REST: create_group, add_group_member")
            self.results["rest"] = self.generate(spec, [server])
        finally:
            server.stop()


SCENARIOS: dict[str, Callable[[Bench], None]] = {
    "fanout": Bench.fanout,
    "groups": Bench.groups,
    "room": Bench.room,
    "connections": Bench.connections,
    "store": Bench.store,
    "nodes": Bench.nodes,
    "rest": Bench.rest,
}


def frame_bytes() -> int:
    """The payload size of every delivered frame: groupcast's groupMessage push with a
    benchmark text (the baselines' frames are padded to the same size)."""
    from protocol.chat import GroupMessage, TextContent, TextElem
    from protocol.codec import JSON

    push = GroupMessage(
        group_id="@TGS#_@TGS#cABCDEFGHIJ",
        seq=12345,
        time=int(time.time()),
        sender_id="u1",
        random=12345,
        msg_body=[TextElem(msg_content=TextContent(text="x" * TEXT_SIZE))],
    )
    return len(JSON.encode(push))


# -- the machine ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in (
        "groupcast",
        "uvicorn",
        "uvloop",
        "websockets",
        "msgspec",
        "redis",
        "python-socketio",
        "python-engineio",
        "locust",
        "matplotlib",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "-"
    redis_version = ""
    binary = shutil.which("redis-server")
    if binary:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout
        redis_version = next((w[2:] for w in out.split() if w.startswith("v=")), out.strip())
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=S.ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "server", "protocol"],
            cwd=S.ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit, dirty = "", ""
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "redis_server": redis_version,
        "versions": versions,
        "commit": commit + (" (server/ or protocol/ modified)" if dirty else ""),
        "loadavg_start": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest.bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a 1-2 minute smoke run (smaller N, shorter windows)")
    parser.add_argument("--only", default="", help=f"comma-separated scenarios: {', '.join(SCENARIOS)}")
    parser.add_argument("--no-results-md", action="store_true", help="do not rewrite loadtest/RESULTS.md")
    args = parser.parse_args(argv)
    from . import report

    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(SCENARIOS)
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    profile_name = "quick" if args.quick else "full"
    profile = PROFILES[profile_name]
    info = machine()
    info["profile"] = profile_name
    info["command"] = os.environ.get("BENCH_COMMAND") or "python -m loadtest.bench " + " ".join(argv or sys.argv[1:])
    log(f"{profile_name} run on {info['nproc']} CPUs ({info['cpu_model']}); load average {info['loadavg_start']}")
    started = time.perf_counter()
    failures: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="groupcast-bench-") as tmp, S.redis_server(Path(tmp)) as redis:
        bench = Bench(profile, Path(tmp), redis)
        for name in chosen:
            t0 = time.perf_counter()
            try:
                SCENARIOS[name](bench)
            except Exception as exc:
                traceback.print_exc()
                failures[name] = f"{type(exc).__name__}: {exc}"
                log(f"scenario {name} FAILED: {exc}")
            log(f"scenario {name}: {time.perf_counter() - t0:.0f} s")
        results = bench.results
    results["params"] = {**profile, "frame_bytes": frame_bytes()}
    info["loadavg_end"] = os.getloadavg()
    info["elapsed_s"] = round(time.perf_counter() - started)
    info["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    results["failures"] = failures
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    paths = report.write(results, info, TARGETS, RESULTS_DIR, stamp)
    if profile_name == "full" and chosen == list(SCENARIOS) and not args.no_results_md:
        report.write_results_md(results, info, TARGETS, RESULTS_MD, paths)
        log(f"wrote {RESULTS_MD.relative_to(S.ROOT)}")
    for path in paths.values():
        log(f"wrote {path.relative_to(S.ROOT)}")
    log(f"done in {info['elapsed_s']} s")
    print(paths["md"].read_text())
    return 1 if failures else 0
