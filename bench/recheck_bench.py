"""A leaf edit's recheck in one process, on trees of different sizes (issue 16: a recheck
whose cost follows what changed, not the tree).

    python bench/recheck_bench.py /tmp/lib:colorsys.py /tmp/scale20k:part3/colorsys.py

For each ``TREE:LEAF`` it opens a session on the tree as ``shoal watch`` would (warm from
the tree's cache when there is one, else a cold check), primes it (``Session.prime``, as an
idle watch does), then edits the leaf ``--edits`` times through an editor-buffer overlay
(the file is never written) and times each ``Session.recheck``: wall clock, and the
master's own CPU. No presentation, no file events, no quiet window: what ``incremental_bench``
reports as "recheck (session)", without the watch around it. Trees are never modified.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any


def measure(tree: str, leaf: str, edits: int, workers: int) -> tuple[float, float, float, int]:
    """(wall p50 ms, wall min ms, master CPU p50 ms, files) of ``edits`` leaf rechecks."""
    from analyzer.engine import open_session
    from analyzer.interfaces import build_parser, prepare

    here = os.getcwd()
    os.chdir(tree)
    try:
        def plan() -> Any:
            return prepare(build_parser().parse_args(["check", ".", "--workers", str(workers)]))

        session, _save = open_session(plan(), replan=plan)
        try:
            session.prime()
            path = os.path.abspath(leaf)
            with open(path, "rb") as handle:
                original = handle.read()
            walls, cpus = [], []
            for i in range(edits):
                session.overlays[path] = original + f"\n# edit {i}\n".encode()
                cpu, wall = time.process_time(), time.perf_counter()
                report = session.recheck([path])
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
                assert len(report.modules_rechecked) >= 1, "the edit rechecked nothing"
            files = len(session.state.files)
        finally:
            session.close()
    finally:
        os.chdir(here)
    return statistics.median(walls), min(walls), statistics.median(cpus), files


def main() -> int:
    """Measure each ``TREE:LEAF`` and print one table, with each tree's ratio to the first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="+", metavar="TREE:LEAF")
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for case in args.cases:
        tree, _, leaf = case.partition(":")
        rows.append((tree, leaf, *measure(tree, leaf, args.edits, args.workers)))
    print(f"load average {os.getloadavg()[0]:.1f}; {args.edits} edits each, "
          f"{args.workers} workers\n")
    print("| tree | files | leaf | recheck wall p50 / min | master CPU p50 | wall vs first |")
    print("|---|---:|---|---:|---:|---:|")
    first = rows[0][2]
    for tree, leaf, wall, low, cpu, files in rows:
        print(f"| {tree} | {files:,} | {leaf} | {wall:.2f} / {low:.2f} ms | {cpu:.2f} ms | "
              f"{wall / first:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
