"""Benchmark of shoal's WorkerPool against multiprocessing.Pool and ProcessPoolExecutor.

A program, not a test: ``python bench/parallel_bench.py [--repeat 3] [--limit N] [--workers 2]``.
Three workloads, each run by one process (the baseline, measured in the same run), by
``WorkerPool.map_reduce``, by ``multiprocessing.Pool.imap_unordered`` and by
``concurrent.futures.ProcessPoolExecutor.map`` on the same inputs:

(a) 100,000 tiny items: dispatch overhead, in items/s;
(b) a CPU-bound job over 2,000 items of uneven cost;
(c) parsing the CPython standard library with libcst, returning a per-file summary only.

Wall and CPU time (the master plus every worker, read from /proc) are medians of
``--repeat`` runs; pools are started before the clock starts. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import random
import statistics
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import libcst  # imported before any fork, so no worker pays for it

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from parallel import WorkerPool  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")


# -- the three workloads: a per-item function, and its bucket form for map_reduce ------------


def tiny(x: int) -> int:
    """(a): almost nothing per item."""
    return x * 2


def tiny_bucket(bucket: list[int]) -> int:
    """(a) for map_reduce: the sum of the doubled items."""
    return sum(x * 2 for x in bucket)


def spin(n: int) -> int:
    """(b): ``n`` rounds of pure-Python arithmetic."""
    acc = 0
    for i in range(n):
        acc = (acc * 31 + i) % 1_000_003
    return acc


def spin_bucket(bucket: list[int]) -> int:
    """(b) for map_reduce."""
    return sum(spin(n) for n in bucket)


def parse_summary(path: str) -> tuple[str, int, int]:
    """(c): parse one file with libcst; only (path, lines, top-level statements) comes back."""
    with open(path, encoding="utf-8", errors="replace") as f:
        source = f.read()
    try:
        module = libcst.parse_module(source)
    except Exception:
        return (path, source.count("\n"), -1)
    return (path, source.count("\n"), len(module.body))


def parse_bucket(bucket: list[str]) -> list[tuple[str, int, int]]:
    """(c) for map_reduce."""
    return [parse_summary(p) for p in bucket]


def add(part: int, acc: int) -> int:
    """Merge of (a) and (b)."""
    return acc + part


def extend(part: list[Any], acc: list[Any]) -> list[Any]:
    """Merge of (c)."""
    acc.extend(part)
    return acc


@dataclass
class Workload:
    """One workload: its items, per-item function, bucket job, merge and cost."""

    name: str
    items: list[Any]
    item_fn: Callable[[Any], Any]
    bucket_fn: Callable[[list[Any]], Any]
    merge: Callable[[Any, Any], Any]
    neutral: Callable[[], Any]
    fold: Callable[[list[Any]], Any]
    cost: Callable[[Any], float] | None
    #: chunksize for the peers (None: their default of 1 item per task)
    chunksize: int | None


def workloads(limit: int | None) -> list[Workload]:
    """The three workloads, with fixed inputs."""
    rng = random.Random(42)
    uneven = [int(rng.paretovariate(1.2) * 2000) for _ in range(2000)]
    uneven = [min(n, 400_000) for n in uneven]
    stdlib = sysconfig.get_paths()["stdlib"]
    files = []
    for root, dirs, names in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "__pycache__"))
        files.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(".py"))
    if limit is not None:
        files = files[:limit]
    return [
        Workload("(a) 100,000 tiny items", list(range(100_000)), tiny, tiny_bucket, add,
                 lambda: 0, sum, None, 500),
        Workload("(b) 2,000 CPU-bound items, uneven cost", uneven, spin, spin_bucket, add,
                 lambda: 0, sum, float, None),
        Workload(f"(c) libcst parse of {len(files)} stdlib files", files, parse_summary,
                 parse_bucket, extend, list, list, os.path.getsize, None),
    ]


# -- measuring ---------------------------------------------------------------------------------


def _cpu_of(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except FileNotFoundError:
            pass
    return total / _TICK


def _timed(run: Callable[[], Any], pids: Callable[[], list[int]]) -> tuple[float, float, Any]:
    cpu0, workers0, wall0 = time.process_time(), _cpu_of(pids()), time.perf_counter()
    result = run()
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0 + _cpu_of(pids()) - workers0
    return wall, cpu, result


@dataclass
class Row:
    """Medians for one runner on one workload."""

    runner: str
    wall: float
    cpu: float
    result: Any


def _median_of(runner: str, repeat: int, run: Callable[[], Any], pids: Callable[[], list[int]]) -> Row:
    samples = [_timed(run, pids) for _ in range(repeat)]
    return Row(runner, statistics.median(s[0] for s in samples),
               statistics.median(s[1] for s in samples), samples[-1][2])


def bench(w: Workload, workers: int, repeat: int) -> list[Row]:
    """Every runner on one workload; the pool of each runner is started before timing."""
    rows = [_median_of("1 process (baseline)", repeat,
                       lambda: w.fold([w.item_fn(x) for x in w.items]), list)]
    # Our pool first: it refuses to fork once the peers' helper threads exist.
    with WorkerPool(workers=workers) as pool:
        rows.append(_median_of(
            f"shoal WorkerPool ({workers})", repeat,
            lambda: pool.map_reduce(w.bucket_fn, w.items, merge=w.merge, neutral=w.neutral(),
                                    cost=w.cost),
            lambda: pool.pids))
    chunk = w.chunksize or 1
    with multiprocessing.Pool(workers) as mp:
        mp_pids = [p.pid for p in mp._pool]  # type: ignore[attr-defined]
        rows.append(_median_of(
            f"multiprocessing.Pool.imap_unordered ({workers}, chunksize={chunk})", repeat,
            lambda: w.fold(list(mp.imap_unordered(w.item_fn, w.items, chunksize=chunk))),
            lambda: mp_pids))
    with concurrent.futures.ProcessPoolExecutor(workers) as ex:
        list(ex.map(tiny, range(workers * 4)))  # start its processes before timing
        ex_pids = list(ex._processes)  # type: ignore[attr-defined]
        rows.append(_median_of(
            f"ProcessPoolExecutor.map ({workers}, chunksize={chunk})", repeat,
            lambda: w.fold(list(ex.map(w.item_fn, w.items, chunksize=chunk))),
            lambda: ex_pids))
    return rows


def _same(a: Any, b: Any) -> bool:
    return sorted(a) == sorted(b) if isinstance(a, list) else a == b


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure (median)")
    parser.add_argument("--limit", type=int, default=None, help="parse only the first N stdlib files")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=["a", "b", "c"], action="append",
                        help="run only these workloads")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.workers} workers, "
          f"medians of {args.repeat} runs\n")
    print("| workload | runner | wall s | CPU s | items/s | speed-up vs 1 process |")
    print("|---|---|---:|---:|---:|---:|")
    for w in workloads(args.limit):
        if args.only and w.name[1] not in args.only:
            continue
        rows = bench(w, args.workers, args.repeat)
        base = rows[0]
        for row in rows:
            if not _same(row.result, base.result):
                print(f"{row.runner} computed a different result on {w.name}", file=sys.stderr)
                return 1
            print(f"| {w.name} | {row.runner} | {row.wall:.3f} | {row.cpu:.3f} | "
                  f"{len(w.items) / row.wall:,.0f} | {base.wall / row.wall:.2f}x |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
