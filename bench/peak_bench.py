"""Peak memory and CPU of cold checks, alternated: shoal builds against each other and ruff.

    python bench/peak_bench.py --tree /tmp/stdlib --rounds 3
    python bench/peak_bench.py --tree /tmp/stdlib --shoal before=/work/venv/bin/shoal \\
        --shoal after=.venv/bin/shoal --rounds 4 --no-ruff

Each round runs every command once, in turn, the order reversed every other round (so a
change in the machine's load falls on all of them alike), with ``--no-cache`` and 2 workers;
``--cache`` gives every run instead a fresh, empty cache directory, as a first run with the
defaults writes one (ruff's too). The process tree's PSS is sampled from
``/proc`` every 20 ms (``cold_bench.tree_pss_kib``); beside the tree's peak the table gives
the master's own peak and the workers' (their sum, at the sample where it was highest), and
where in the run the tree's peak fell (share of the wall time). CPU is user + sys of the
whole tree (the workers are reaped by their master, so they count). ruff gets the tree's
file list, as in ``cold_bench.py``; shoal runs inside the tree.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cold_bench import (  # noqa: E402
    RUFF_SHOAL_RULES,
    _children,
    pss_kib,
    tool,
    tree_files,
    tree_pss_kib,
)


def sample_run(cmd: list[str], cwd: str | None, cache: bool = False) -> dict[str, float]:
    """Run ``cmd`` once: wall s, CPU s, peak PSS MiB of the tree, the master and the workers,
    and when the tree's peak came (share of the wall time)."""
    if not cache:
        return _sample(cmd, cwd)
    cache_dir = tempfile.mkdtemp(prefix="peak-bench-cache-")
    try:
        return _sample([*cmd, "--cache-dir", cache_dir], cwd)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)


def _sample(cmd: list[str], cwd: str | None) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    peak = master_peak = workers_peak = 0
    peak_at = 0.0
    while proc.poll() is None:
        # The tree read once: the master's own and its descendants' (their sum, the tree's).
        own = pss_kib(proc.pid)
        kids = sum(tree_pss_kib(kid) for kid in _children(proc.pid))
        total = own + kids
        if total > peak:
            peak, peak_at = total, time.perf_counter() - start
        master_peak = max(master_peak, own)
        workers_peak = max(workers_peak, kids)
        time.sleep(0.02)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "peak": peak / 1024, "master": master_peak / 1024,
            "workers": workers_peak / 1024, "at": peak_at / wall if wall else 0.0,
            "exit": float(proc.returncode)}


def main() -> int:
    """Alternate the commands for ``--rounds`` rounds and print one row per run and medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shoal", action="append", default=[], metavar="NAME=PATH",
                        help="a shoal executable to measure (repeatable; default: this venv's)")
    parser.add_argument("--no-ruff", action="store_true")
    parser.add_argument("--cache", action="store_true",
                        help="a fresh cache directory per run instead of --no-cache")
    args = parser.parse_args()

    files = tree_files(args.tree)
    shoals = [s.split("=", 1) for s in args.shoal] or [["shoal", tool("shoal")]]
    no_cache = [] if args.cache else ["--no-cache"]
    runs: list[tuple[str, list[str], str | None]] = [
        (name, [path, "check", *no_cache, "--no-progress", "-q", "--workers",
                str(args.workers), "."], str(args.tree)) for name, path in shoals]
    if not args.no_ruff:
        runs.append(("ruff, shoal's rules", [tool("ruff"), "check", *no_cache, "--isolated",
                                             *RUFF_SHOAL_RULES, *files], None))
        runs.append(("ruff, its default", [tool("ruff"), "check", *no_cache, "--isolated",
                                           *files], None))
    print(f"tree {args.tree}: {len(files)} files; load average at start "
          f"{os.getloadavg()[0]:.1f}\n")
    print("| round | command | wall s | CPU s | peak PSS MiB | master MiB | workers MiB "
          "| peak at | exit | load |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in runs}
    for round_ in range(1, args.rounds + 1):
        for name, cmd, cwd in runs if round_ % 2 else runs[::-1]:
            res = sample_run(cmd, cwd, args.cache)
            rows[name].append(res)
            print(f"| {round_} | {name} | {res['wall']:.2f} | {res['cpu']:.2f} | "
                  f"{res['peak']:.0f} | {res['master']:.0f} | {res['workers']:.0f} | "
                  f"{res['at']:.0%} | {res['exit']:.0f} | {os.getloadavg()[0]:.1f} |",
                  flush=True)
    print("\n| command | median wall s | median CPU s | peak PSS MiB (min–max) |")
    print("|---|---:|---:|---:|")
    for name, results in rows.items():
        peaks = [r["peak"] for r in results]
        print(f"| {name} | {statistics.median(r['wall'] for r in results):.2f} | "
              f"{statistics.median(r['cpu'] for r in results):.2f} | "
              f"{statistics.median(peaks):.0f} ({min(peaks):.0f}–{max(peaks):.0f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
