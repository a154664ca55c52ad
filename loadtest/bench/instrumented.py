"""``groupcast serve``, instrumented for profiling; used by :mod:`loadtest.bench.profile`.

    python -m loadtest.bench.instrumented --port 9000 --data-dir /tmp/d

Environment:

* ``BENCH_TRACEMALLOC=<file>``: trace allocations; each SIGUSR1 takes a snapshot, and the
  second one writes the difference (by package and by line) to ``<file>`` as JSON.
* ``BENCH_PYINSTRUMENT=<file>``: the first SIGUSR2 starts pyinstrument on the event
  loop's thread, the second stops it and writes ``<file>`` (text) and ``<file>.html``.
* ``BENCH_EXPERIMENTS=a,b``: apply experimental changes to the server's code before it
  starts, to measure a proposed fix without editing ``server/``. They are experiments
  (no invalidation, no edge cases), never how groupcast runs. (``headers``, ``parser``
  and ``coalesce``, measured here before, are now how the server works.)

  - ``dbcache``: group and member reads on the embedded store are served from memory after
    the first one (never invalidated: only for send-only load).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import tracemalloc
from collections import Counter
from typing import Any


def _package(filename: str) -> str:
    for name in ("uvicorn", "websockets", "starlette", "msgspec", "redis"):
        if f"/site-packages/{name}/" in filename:
            return name
    if "/asyncio/" in filename:
        return "asyncio"
    if "/server/" in filename or "/protocol/" in filename:
        return "groupcast"
    return "other"


def _trace(report: str) -> None:
    tracemalloc.start(1)
    snapshots: list[tracemalloc.Snapshot] = []

    def snap(*_: object) -> None:
        gc.collect()
        snapshots.append(tracemalloc.take_snapshot())
        if len(snapshots) < 2:
            return
        before, after = snapshots[-2:]
        lines = after.compare_to(before, "lineno")
        packages: Counter[str] = Counter()
        for stat in lines:
            packages[_package(stat.traceback[0].filename)] += stat.size_diff
        top = [
            {
                "kib": round(s.size_diff / 1024, 1),
                "count": s.count_diff,
                "where": f"{s.traceback[0].filename}:{s.traceback[0].lineno}",
            }
            for s in lines[:30]
        ]
        with open(report, "w") as f:
            json.dump({"total": sum(packages.values()), "packages": dict(packages), "top": top}, f)

    signal.signal(signal.SIGUSR1, snap)


def _pyinstrument(report: str) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005, async_mode="disabled")

    def toggle(*_: object) -> None:
        if not profiler.is_running:
            profiler.start()
            return
        profiler.stop()
        with open(report + ".html", "w") as f:
            f.write(profiler.output_html())
        with open(report, "w") as f:
            f.write(profiler.output_text(unicode=False, color=False))

    signal.signal(signal.SIGUSR2, toggle)


def _experiments(names: set[str]) -> None:
    if "dbcache" in names:
        from server.store.sqlite import SqliteStore

        read = SqliteStore.get_group_and_member
        cache: dict[tuple[str, str], Any] = {}

        async def cached(self: Any, group_id: str, user_id: str) -> Any:
            key = (group_id, user_id)
            if key not in cache:
                cache[key] = await read(self, group_id, user_id)
            return cache[key]

        SqliteStore.get_group_and_member = cached  # type: ignore[method-assign]


def main() -> None:
    report = os.environ.get("BENCH_TRACEMALLOC")
    if report:
        _trace(report)
    if os.environ.get("BENCH_PYINSTRUMENT"):
        _pyinstrument(os.environ["BENCH_PYINSTRUMENT"])
    names = {n.strip() for n in os.environ.get("BENCH_EXPERIMENTS", "").split(",") if n.strip()}
    if names:
        _experiments(names)
    from server.cli import main as groupcast

    raise SystemExit(groupcast(["serve", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
