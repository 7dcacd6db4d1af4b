"""The cost of going distributed: `shoal check` with the fork pool and on a local dask cluster.

    pip install -e ".[bench]"
    python bench/distributed_bench.py [--repeat 3] [--workers 2] [--subset N]

Both runs check the same standard-library files (every ``.py`` file, or a ``--subset``) with
the same workers count, each in a fresh process, in one run of this script. For each backend
the table shows the wall time of the whole process (median of ``--repeat``), the part spent
starting the pool (forking the workers, or starting a LocalCluster and connecting to it), the
check itself, and for dask the bytes shipped: buckets sent, replies fetched and data shared
(the run context and the heap snapshot, broadcast once per worker), per worker. The JSON
output of both must be identical; the script says so, or exits 1.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cold_bench import stdlib_files, subset  # noqa: E402

CHILD = """
import hashlib, json, sys, time
start = time.perf_counter()
from analyzer.interfaces import _cli as cli
from analyzer.interfaces.output import OutputOptions, Report, render
from analyzer.engine._session import Session

args = cli.build_parser().parse_args(sys.argv[1:])
plan = cli.prepare(args)
session = Session(plan)
t0 = time.perf_counter()
session.open()
t1 = time.perf_counter()
try:
    session.check()
    t2 = time.perf_counter()
    result = session.result()
    traffic = getattr(session.pool, "traffic", None)
    workers = len(session.pool.pids) if traffic is not None else plan.workers
finally:
    session.close()
report = Report(result.diagnostics, result.registry.by_code, result.files_checked)
text = render(report, "json", OutputOptions(cwd="/", color=False))
print(json.dumps({
    "open": t1 - t0, "check": t2 - t1, "total": time.perf_counter() - start,
    "files": result.files_checked, "findings": len(result.diagnostics),
    "digest": hashlib.sha256(text.encode()).hexdigest(),
    "workers": workers,
    "traffic": vars(traffic) if traffic is not None else None,
}))
"""


def run(paths: list[str], workers: int, scheduler: str | None) -> dict:
    """One check in a fresh process; its figures as a dict."""
    cmd = [sys.executable, "-c", CHILD, "check", "--no-cache", "--workers", str(workers)]
    if scheduler:
        cmd += ["--scheduler", scheduler]
    proc = subprocess.run([*cmd, *paths], capture_output=True, text=True, cwd="/")
    if proc.returncode != 0:
        raise SystemExit(f"check failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.splitlines()[-1])


def mib(n: float) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def main() -> int:
    """Run both backends, print a markdown table, check the outputs are identical."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--subset", type=int, default=0, help="N files instead of all")
    args = parser.parse_args()
    files = stdlib_files()
    if args.subset:
        files = subset(files, args.subset)
    size = sum(os.path.getsize(f) for f in files)
    print(f"standard library: {len(files)} files, {mib(size)}; {args.workers} workers; "
          f"{os.cpu_count()} cores; median of {args.repeat}")
    results: dict[str, list[dict]] = {"fork pool": [], "dask LocalCluster": []}
    for _ in range(args.repeat):  # interleaved, so a noisy moment hits both
        results["fork pool"].append(run(files, args.workers, None))
        results["dask LocalCluster"].append(run(files, args.workers, "local"))
    digests = {r["digest"] for rs in results.values() for r in rs}
    base = statistics.median(r["total"] for r in results["fork pool"])
    print()
    print("| backend | wall | pool start | check | vs fork | shipped per worker |")
    print("|---|---|---|---|---|---|")
    for name, rs in results.items():
        total = statistics.median(r["total"] for r in rs)
        opened = statistics.median(r["open"] for r in rs)
        checked = statistics.median(r["check"] for r in rs)
        traffic = rs[-1]["traffic"]
        shipped = "(shared memory)"
        if traffic:
            n = max(1, rs[-1]["workers"])
            shipped = (f"{mib((traffic['payload_bytes'] + traffic['reply_bytes']) / n)} buckets"
                       f" + {mib(traffic['shared_bytes'] / n)} shared "
                       f"({traffic['buckets']} buckets in all)")
        print(f"| {name} | {total:.2f} s | {opened:.2f} s | {checked:.2f} s | "
              f"{total / base:.2f}x | {shipped} |")
    print()
    findings = results["fork pool"][0]["findings"]
    if len(digests) == 1:
        print(f"identical JSON output from both backends ({findings} findings)")
        return 0
    print("the outputs DIFFER between backends")
    return 1


if __name__ == "__main__":
    sys.exit(main())
