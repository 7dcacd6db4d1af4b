"""Fixit's own rules under `fixit lint` and under `shoal check`, on one standard-library subset.

    pip install -e ".[bench]"
    python bench/fixit_bench.py [--subset 300] [--repeat 1]

Both tools run Fixit's built-in rules (``fixit.rules``) on the same files, each as a separate
process: fixit with its default configuration, shoal with ``plugins = ["fixit.rules"]`` and
every built-in shoal rule ignored, so only the Fixit rules run (plus the pipeline's own
codes, which are dropped from the comparison). Findings are compared as (path, line,
column, rule name) — Fixit prints 0-based columns, shoal 1-based — and the table shows wall
times (median of ``--repeat``) and the speed-up. The target is the same findings, >= 5x
faster.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cold_bench import stdlib_files, subset, tool  # noqa: E402

PIPELINE_CODES = {"E902", "E999", "SH900", "SH003"}
SHOAL_CONFIG = """\
[tool.shoal]
plugins = ["fixit.rules"]
# Only the Fixit rules: every built-in shoal rule is switched off by prefix.
ignore = ["B", "E", "F", "SH"]
"""


def run_fixit(files: list[str]) -> tuple[float, set[tuple[str, int, int, str]]]:
    """Wall seconds and findings of `fixit lint` on ``files``."""
    template = "{path}\t{start_line}\t{start_col}\t{rule_name}"
    start = time.perf_counter()
    proc = subprocess.run([tool("fixit"), "-o", "custom", "--output-template", template,
                           "lint", *files], capture_output=True, text=True, cwd="/")
    wall = time.perf_counter() - start
    found = set()
    for line in (proc.stdout + proc.stderr).splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[1].isdigit():
            path = parts[0] if os.path.isabs(parts[0]) else os.path.join("/", parts[0])
            found.add((path, int(parts[1]), int(parts[2]) + 1, parts[3]))
    return wall, found


def run_shoal(files: list[str], config: Path, workers: int | None) -> tuple[float, set, str]:
    """Wall seconds, findings and stderr of `shoal check` with the Fixit rules on ``files``."""
    cmd = [tool("shoal"), "check", "--no-progress", "--no-cache", "--format", "json",
           "--config", str(config)]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    start = time.perf_counter()
    proc = subprocess.run([*cmd, *files], capture_output=True, text=True, cwd="/")
    wall = time.perf_counter() - start
    found = set()
    for d in json.loads(proc.stdout or "[]"):
        if d["code"] not in PIPELINE_CODES:
            found.add((os.path.join("/", d["path"]), d["line"], d["column"], d["code"]))
    return wall, found, proc.stderr


def main() -> int:
    """Run both tools, print a markdown table and the differences."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="shoal workers (default: all)")
    args = parser.parse_args()

    originals = subset(stdlib_files(), args.subset)
    print(f"standard library subset: {len(originals)} files; {os.cpu_count()} cores; "
          f"Python {sys.version.split()[0]}\n")
    with tempfile.TemporaryDirectory() as tmp:
        # Copied out: fixit skips paths under a hidden directory (~/.pyenv/... holds the
        # standard library here), and neither tool must see the other's configuration.
        root = Path(tmp) / "stdlib"
        files = []
        for index, original in enumerate(originals):
            target = root / f"{index:03d}" / Path(original).name
            target.parent.mkdir(parents=True)
            shutil.copyfile(original, target)
            files.append(str(target))
        config = Path(tmp) / "shoal" / "pyproject.toml"
        config.parent.mkdir()
        config.write_text(SHOAL_CONFIG, encoding="utf-8")
        fixit_runs = [run_fixit(files) for _ in range(args.repeat)]
        shoal_runs = [run_shoal(files, config, args.workers) for _ in range(args.repeat)]
    fixit_wall = statistics.median(w for w, _ in fixit_runs)
    shoal_wall = statistics.median(w for w, *_ in shoal_runs)
    fixit_found, shoal_found, shoal_err = fixit_runs[0][1], shoal_runs[0][1], shoal_runs[0][2]

    print("| tool | wall s | findings | vs fixit lint |")
    print("|---|---:|---:|---:|")
    print(f"| fixit lint | {fixit_wall:.2f} | {len(fixit_found)} | 1.00x |")
    print(f"| shoal check (plugins = fixit.rules) | {shoal_wall:.2f} | {len(shoal_found)} | "
          f"{fixit_wall / shoal_wall:.2f}x faster |")
    only_fixit = sorted(fixit_found - shoal_found)
    only_shoal = sorted(shoal_found - fixit_found)
    same = not only_fixit and not only_shoal
    print(f"\nsame findings: {'yes' if same else 'no'} "
          f"({len(fixit_found & shoal_found)} shared, {len(only_fixit)} only in fixit, "
          f"{len(only_shoal)} only in shoal)")
    for label, rows in (("only fixit", only_fixit), ("only shoal", only_shoal)):
        for row in rows[:10]:
            print(f"  {label}: {row[0]}:{row[1]}:{row[2]} {row[3]}")
    if shoal_err.strip():
        print("\nshoal stderr:\n" + "\n".join(shoal_err.strip().splitlines()[:10]))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
