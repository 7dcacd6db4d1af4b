"""Cold-check benchmark: shoal against its peers on the CPython standard library, one run.

    pip install -e ".[bench]"
    python bench/cold_bench.py [--repeat 3] [--subset 300] [--skip-slow]

Every tool runs as a separate process on the same files; wall time is the median of
``--repeat`` runs and peak memory is the largest resident set of any one process of the run
(``RUSAGE_CHILDREN``). Ratios are against ``flake8 -j2`` measured in the same run. pylint and
Fixit only run on the subset (they take minutes on the whole tree).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

PY = sys.executable


def stdlib_files() -> list[str]:
    """The standard library's .py files, without site-packages and test data that is not Python."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).parts
        if rel[0] in ("site-packages", "dist-packages") or "lib2to3" in rel and "data" in rel:
            continue
        files.append(str(path))
    return files


def subset(files: list[str], n: int) -> list[str]:
    """A deterministic spread of ``n`` files across the tree."""
    step = max(1, len(files) // n)
    return files[::step][:n]


def measure(cmd: list[str], repeat: int) -> tuple[float, float, int] | None:
    """(median wall seconds, peak RSS MiB, exit code) of ``cmd``; None when it cannot run."""
    if shutil.which(cmd[0]) is None and not os.path.exists(cmd[0]):
        return None
    times, peaks, code = [], [], 0
    probe = ("import resource, subprocess, sys, time\n"
             "t = time.perf_counter()\n"
             "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
             "w = time.perf_counter() - t\n"
             "r = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
             "print(w, r, p.returncode)\n")
    for _ in range(repeat):
        out = subprocess.run([PY, "-c", probe, *cmd], capture_output=True, text=True, check=True)
        wall, rss, code = out.stdout.split()
        times.append(float(wall))
        peaks.append(int(rss) / 1024)
    return statistics.median(times), max(peaks), int(code)


def tool(name: str) -> str:
    """The path of a console script next to this interpreter, else on PATH."""
    local = Path(PY).with_name(name)
    return str(local) if local.exists() else name


def main() -> int:
    """Run the benchmark and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--subset", type=int, default=300)
    parser.add_argument("--skip-slow", action="store_true", help="skip pylint and fixit")
    args = parser.parse_args()

    files = stdlib_files()
    # The subset is copied out: fixit silently skips paths under a hidden directory (the
    # standard library may live in ~/.pyenv), and every tool must see the same files.
    scratch = tempfile.TemporaryDirectory()
    small = []
    for index, original in enumerate(subset(files, args.subset)):
        target = Path(scratch.name) / f"{index:03d}" / Path(original).name
        target.parent.mkdir(parents=True)
        shutil.copyfile(original, target)
        small.append(str(target))
    print(f"standard library: {len(files)} files; subset: {len(small)} files; "
          f"{os.cpu_count()} cores; Python {sys.version.split()[0]}\n")

    shoal = tool("shoal")
    full_runs = [
        ("shoal check, 1 worker", [shoal, "check", "--no-cache", "--no-progress", "--workers", "1", *files]),
        ("shoal check, 2 workers", [shoal, "check", "--no-cache", "--no-progress", "--workers", "2", *files]),
        ("pyflakes", [tool("pyflakes"), *files]),
        ("flake8 -j2", [tool("flake8"), "-j2", *files]),
        ("ruff check (no cache)", [tool("ruff"), "check", "--no-cache", "--isolated", *files]),
    ]
    sub_runs = [
        ("shoal check, 2 workers", [shoal, "check", "--no-cache", "--no-progress", "--workers", "2", *small]),
        ("flake8 -j2", [tool("flake8"), "-j2", *small]),
    ]
    if not args.skip_slow:
        sub_runs += [
            ("pylint -j2", [tool("pylint"), "-j2", "--disable=all",
                            "--enable=unused-import,undefined-variable,unused-variable", *small]),
            ("fixit lint", [tool("fixit"), "lint", *small]),
        ]

    for title, runs, base in (("Whole standard library", full_runs, "flake8 -j2"),
                              (f"{len(small)}-file subset", sub_runs, "flake8 -j2")):
        print(f"### {title}\n")
        print("| tool | wall s | peak RSS MiB | exit | vs flake8 -j2 |")
        print("|---|---:|---:|---:|---:|")
        results = {}
        for label, cmd in runs:
            results[label] = measure(cmd, args.repeat if "pylint" not in label
                                     and "fixit" not in label else 1)
        baseline = results.get(base)
        for label, res in results.items():
            if res is None:
                print(f"| {label} | not installed | | | |")
                continue
            ratio = f"{res[0] / baseline[0]:.2f}x" if baseline else "-"
            print(f"| {label} | {res[0]:.2f} | {res[1]:.0f} | {res[2]} | {ratio} |")
        one, two = results.get("shoal check, 1 worker"), results.get("shoal check, 2 workers")
        if one and two:
            print(f"\nshoal 2-worker speed-up over 1 worker: {one[0] / two[0]:.2f}x")
        print()
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    start = time.perf_counter()
    code = main()
    print(f"(benchmark took {time.perf_counter() - start:.0f} s)")
    sys.exit(code)
