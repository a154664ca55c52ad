"""Profile the server under one benchmark scenario, or measure a proposed change.

    # where the server's CPU goes during a saturation window (py-spy, every thread)
    python -m loadtest.bench.profile cpu --scenario fanout --n 1000
    # the same with pyinstrument (the event loop's thread, call tree; text and HTML)
    python -m loadtest.bench.profile cpu --scenario groups --n 2000 --pyinstrument
    # what an idle logged-in connection is made of (tracemalloc, by package and line)
    python -m loadtest.bench.profile memory --connections 2000
    # a proposed change, measured against the server as it is, in alternating rounds
    python -m loadtest.bench.profile compare --scenario store_write --experiments dbcache

Servers run pinned to CPU 0 and the load generator to CPU 1, as in ``make bench``.
Outputs go to ``loadtest/results/profile-*`` (git-ignored). The experiments are described
in :mod:`loadtest.bench.instrumented`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from . import servers as S

RESULTS = S.ROOT / "loadtest" / "results"


def _spec(scenario: str, server: S.Server, args: argparse.Namespace) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "scenario": scenario,
        "dialect": "groupcast",
        "ports": [server.port],
        "pids": [server.pid],
        "size": 64,
        "secret": S.SECRET,
        "sdkappid": S.SDKAPPID,
        "warmup": 1.0,
        "duration": args.seconds,
        "rate_duration": 3.0,
        "repeats": 1,
        "rates": [],
    }
    if scenario == "fanout":
        spec.update(n=args.n, senders=4, window=4, probes=10)
    elif scenario == "groups":
        spec.update(groups=args.n, group_size=20, senders=64, window=2, probes=100, rate_fraction=0.5)
    elif scenario == "room":
        spec.update(viewers=args.n, window=16, probes=20)
    elif scenario == "store_write":
        spec.update(senders=32, window=4)
    elif scenario == "connections":
        spec.update(connections=args.n, warm=200)
    else:
        raise SystemExit(f"unknown scenario {scenario}")
    return spec


def _summarise(raw: Path, top: int = 25) -> str:
    """py-spy's collapsed stacks: the hottest lines (self) and functions (inclusive)."""
    total = 0
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for name in {f.split(" (")[0] for f in frames}:
            inclusive[name] += n
    out = [f"{total} samples", "", "self (line):"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    out += ["", "inclusive (function):"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top * 2)]
    return "\n".join(out)


def cpu(args: argparse.Namespace) -> None:
    server_cpu, gen_cpu = S.cpus()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="groupcast-profile-") as tmp:
        logdir = Path(tmp)
        instrumented = {"BENCH_EXPERIMENTS": args.experiments}
        text_report = RESULTS / f"profile-{args.scenario}-{stamp}-pyinstrument.txt"
        if args.pyinstrument:
            instrumented["BENCH_PYINSTRUMENT"] = str(text_report)
        server = S.groupcast(logdir, tempfile.mkdtemp(dir=tmp), server_cpu, instrumented=instrumented)
        generator: subprocess.Popen[str] | None = None
        try:
            spec = _spec(args.scenario, server, args)
            spec["duration"] = args.seconds + 2
            generator = subprocess.Popen(
                [sys.executable, "-m", "loadtest.bench.generator", json.dumps(spec)],
                cwd=S.ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=(lambda: os.sched_setaffinity(0, gen_cpu)) if gen_cpu else None,
            )
            assert generator.stderr is not None
            for line in generator.stderr:  # wait for the measured window
                print(line, end="", file=sys.stderr)
                if "saturation: measuring" in line:
                    break
            time.sleep(0.5)
            if args.pyinstrument:
                os.kill(server.pid, signal.SIGUSR2)
                time.sleep(args.seconds)
                os.kill(server.pid, signal.SIGUSR2)
                deadline = time.monotonic() + 60
                while not text_report.exists() and time.monotonic() < deadline:
                    time.sleep(0.2)
                time.sleep(0.5)
                output = "\n".join(text_report.read_text().splitlines()[: args.lines])
                print(f"pyinstrument: {text_report.relative_to(S.ROOT)} (and .html)")
            else:
                raw = RESULTS / f"profile-{args.scenario}-{stamp}.txt"
                spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
                subprocess.run(
                    [
                        spy,
                        "record",
                        "--pid",
                        str(server.pid),
                        "--duration",
                        str(max(1, round(args.seconds))),
                        "--rate",
                        "200",
                    ]
                    + ["--format", "raw", "--nonblocking", "--output", str(raw)],
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                output = _summarise(raw)
                print(f"raw stacks (collapsed, for flamegraph.pl or speedscope): {raw.relative_to(S.ROOT)}")
            out, err = generator.communicate(timeout=300)
            sys.stderr.write(err)
            result = json.loads(out.strip().splitlines()[-1])
            print(json.dumps(result.get("saturation", result)))
            print(output)
        finally:
            if generator is not None and generator.poll() is None:
                generator.kill()
                generator.wait(timeout=10)
            server.stop()


async def _memory_drive(port: int, pid: int, count: int) -> dict[str, Any]:
    import psutil

    from .dialects import Groupcast
    from .generator import open_peers
    from .wire import Tally

    dialect = Groupcast({"secret": S.SECRET, "sdkappid": S.SDKAPPID})
    tally = Tally()
    process = psutil.Process(pid)
    warm = await open_peers(dialect, tally, [port], [f"warm{i}" for i in range(200)])
    await asyncio.sleep(2)
    os.kill(pid, signal.SIGUSR1)
    await asyncio.sleep(2)
    before = process.memory_info().rss
    peers = await open_peers(dialect, tally, [port], [f"u{i}" for i in range(count)], 500)
    for p in warm + peers:
        p.ws.go_cheap()
    await asyncio.sleep(3)
    after = process.memory_info().rss
    os.kill(pid, signal.SIGUSR1)
    return {"rss_per_connection_kib_traced": round((after - before) / count / 1024, 2), "peers": warm + peers}


def memory(args: argparse.Namespace) -> None:
    from .generator import raise_fd_limit

    server_cpu, gen_cpu = S.cpus()
    if gen_cpu:
        os.sched_setaffinity(0, gen_cpu)
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="groupcast-profile-") as tmp:
        report = Path(tmp) / "tracemalloc.json"
        instrumented = {"BENCH_TRACEMALLOC": str(report)}
        if args.experiments:
            instrumented["BENCH_EXPERIMENTS"] = args.experiments
        server = S.groupcast(Path(tmp), tempfile.mkdtemp(dir=tmp), server_cpu, instrumented=instrumented)
        try:
            result = asyncio.run(_memory_drive(server.port, server.pid, args.n))
            deadline = time.monotonic() + 120
            while not report.exists() and time.monotonic() < deadline:
                time.sleep(0.5)
            data = json.loads(report.read_text())
        finally:
            server.stop()
    n = args.n
    print(f"{n} idle logged-in connections; Python allocations per connection (tracemalloc):")
    print(f"  total     {data['total'] / n / 1024:6.2f} KiB")
    for name, size in sorted(data["packages"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:<9} {size / n / 1024:6.2f} KiB")
    traced = result["rss_per_connection_kib_traced"]
    print(f"RSS growth per connection while tracing (tracing costs memory too): {traced} KiB")
    print("largest allocation sites (KiB for all connections, count):")
    for row in data["top"]:
        print(f"  {row['kib']:9.1f} {row['count']:7d}  {row['where']}")


def compare(args: argparse.Namespace) -> None:
    server_cpu, gen_cpu = S.cpus()
    variants = ["", args.experiments]
    results: dict[str, list[float]] = {v: [] for v in variants}
    metric = {
        "fanout": ("saturation", "deliveries_per_s"),
        "room": ("saturation", "deliveries_per_s"),
        "groups": ("saturation", "messages_per_s"),
        "store_write": ("saturation", "messages_per_s"),
        "connections": (None, "rss_per_connection_kib"),
    }[args.scenario]
    with tempfile.TemporaryDirectory(prefix="groupcast-profile-") as tmp:
        for round_ in range(args.rounds):
            for variant in variants:
                instrumented = {"BENCH_EXPERIMENTS": variant}
                server = S.groupcast(Path(tmp), tempfile.mkdtemp(dir=tmp), server_cpu, instrumented=instrumented)
                try:
                    result = S.run_generator(_spec(args.scenario, server, args), gen_cpu)
                finally:
                    server.stop()
                value = result[metric[0]][metric[1]] if metric[0] else result[metric[1]]
                results[variant].append(value)
                print(f"round {round_ + 1}, {variant or 'as is'}: {metric[1]} = {value}", flush=True)
    best = min if args.scenario == "connections" else max  # memory: less is better
    for variant, values in results.items():
        print(f"{variant or 'as is':>20}: best {best(values)}, all {values}")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest.bench.profile",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("mode", choices=["cpu", "memory", "compare"])
    parser.add_argument(
        "--scenario", default="fanout", choices=["fanout", "groups", "room", "store_write", "connections"]
    )
    parser.add_argument("--n", type=int, default=1000, help="members / groups / viewers / connections")
    parser.add_argument("--seconds", type=float, default=4.0, help="profiled (or measured) seconds")
    parser.add_argument("--experiments", default="", help="dbcache (see loadtest/bench/instrumented.py)")
    parser.add_argument("--rounds", type=int, default=2, help="compare: rounds of (as is, with experiments)")
    parser.add_argument(
        "--pyinstrument", action="store_true", help="cpu: pyinstrument (event loop thread) instead of py-spy"
    )
    parser.add_argument("--lines", type=int, default=80, help="cpu --pyinstrument: lines of the text report to print")
    args = parser.parse_args()
    if args.mode == "memory" and args.n == 1000:
        args.n = 2000
    {"cpu": cpu, "memory": memory, "compare": compare}[args.mode](args)


if __name__ == "__main__":
    main()
