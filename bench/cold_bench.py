"""Cold-check benchmark: shoal against its peers on the CPython standard library, one run.

    pip install -e ".[bench]"
    python bench/cold_bench.py [--repeat 3] [--subset 300] [--skip-slow] [--chart PNG]
    python bench/cold_bench.py --tree DIR       # any tree, e.g. bench/scale_tree.py's
    python bench/cold_bench.py --split          # also shoal without its module rules

Every tool runs as a separate process on the same files; wall time is the median of
``--repeat`` runs. The runs go in rounds, every tool once per round, so that a change in the
shared machine's speed falls on all of them alike; a ratio to the parse floor is the median
of the rounds' own ratios (with their range when there are several). Memory is the peak PSS
of the tool's whole process tree (workers included), sampled from ``/proc`` every 20 ms
while it runs: the table gives the median of the runs' peaks and, when there are several,
the largest (``81 (89)``); the chart the largest. Ratios are against the *parse floor* measured in the same run: two processes
that only ``ast.parse`` every file, the least a Python-hosted analyzer that builds ``ast``
trees can do on two cores (issue 16), and against ``flake8 -j2``. pylint and Fixit only run
on the subset, once (they take minutes on the whole tree).

``--split`` adds shoal with only its default project rules (``--select
SH001,SH002,SH003,SH004``): the parse, the facts, the heap and the project phase, without
the module rules (pyflakes', pycodestyle's and bugbear's checks, Python on the public rule
API, and the scope analysis they ask for). The gap between that row and the whole check is
what the module rules cost; the row itself is what no speed-up of them can go below.
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
from collections.abc import Callable
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


PARSE_FLOOR = """
import ast, sys
from multiprocessing import Pool

def parse(chunk):
    for path in chunk:
        with open(path, "rb") as handle:
            source = handle.read()
        try:
            ast.parse(source)
        except (SyntaxError, ValueError):
            pass

if __name__ == "__main__":
    files = open(sys.argv[1], encoding="utf-8").read().split("\\n")
    with Pool(2) as pool:
        pool.map(parse, [files[0::2], files[1::2]])
"""


def _children(pid: int) -> list[int]:
    kids = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                kids.extend(int(k) for k in handle.read().split())
    except OSError:
        pass
    return kids


def tree_pids(root: int) -> list[int]:
    """``root`` and its descendants, each once (those alive now)."""
    pids, todo, seen = [], [root], set()
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            pids.append(pid)
            todo.extend(_children(pid))
    return pids


def pss_kib(pid: int) -> int:
    """One process's PSS (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss_kib(root: int) -> int:
    """The summed PSS of ``root`` and its descendants (0 where /proc cannot tell)."""
    return sum(pss_kib(pid) for pid in tree_pids(root))


def run_once(cmd: list[str], cwd: str | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak PSS MiB of the process tree, exit code) of one run of ``cmd``."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_pss_kib(proc.pid))
        time.sleep(0.02)
    return time.perf_counter() - start, peak / 1024, proc.returncode


#: One tool's runs of a table: each run's (wall seconds, peak PSS MiB, exit code), in rounds.
Runs = list[tuple[float, float, int]]


def measure_rounds(runs: list[tuple[str, list[str], str | None, int]], repeat: int,
                   ) -> dict[str, Runs | None]:
    """Each tool's runs, ``repeat`` rounds of every tool in turn (a tool asking for fewer
    runs stops early); None for a tool that is not installed."""
    results: dict[str, Runs | None] = {}
    for label, cmd, _cwd, _times in runs:
        installed = shutil.which(cmd[0]) is not None or os.path.exists(cmd[0])
        results[label] = [] if installed else None
    for round_index in range(repeat):
        for label, cmd, cwd, times in runs:
            done = results[label]
            if done is not None and round_index < times:
                done.append(run_once(cmd, cwd))
    return results


def summary(runs: Runs) -> tuple[float, float, int]:
    """(median wall seconds, largest peak PSS MiB, last exit code) of one tool's runs."""
    return (statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2])


def peak_text(runs: Runs) -> str:
    """The median of the runs' peak PSS, MiB, and the largest in parentheses when several:
    one run's peak moves by several MiB with the moment the sampling catches."""
    peaks = [r[1] for r in runs]
    text = f"{statistics.median(peaks):.0f}"
    if len(peaks) > 1:
        text += f" ({max(peaks):.0f})"
    return text


def ratio_text(runs: Runs, base: Runs) -> str:
    """The median of the rounds' ratios ``runs / base``, with their range when several."""
    ratios = [run[0] / other[0] for run, other in zip(runs, base, strict=False)]
    text = f"{statistics.median(ratios):.2f}x"
    if len(ratios) > 1:
        text += f" ({min(ratios):.2f}–{max(ratios):.2f})"
    return text


#: The rules shoal runs by default, as ruff selects them (ruff's default through 0.15, plus
#: B006): ruff 0.16 widened its own default from 59 rules to over 400, so ruff with no
#: selection does several times the work shoal does, and uses more memory doing it.
RUFF_SHOAL_RULES = ["--select", "E4,E7,E9,F,B006"]


def tool(name: str) -> str:
    """The path of a console script next to this interpreter, else on PATH."""
    local = Path(PY).with_name(name)
    return str(local) if local.exists() else name


def tree_files(root: Path) -> list[str]:
    """Every .py file under ``root``, sorted."""
    return sorted(str(p) for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def print_table(results: dict[str, Runs | None], floor: str, base: str) -> None:
    """One markdown table: wall, memory and the two ratios per tool, each ratio the median
    of the rounds' own (a tool run once is set against the first round)."""
    print("| tool | wall s | peak PSS MiB, median (largest) | exit | vs parse floor | vs flake8 -j2 |")
    print("|---|---:|---:|---:|---:|---:|")
    floor_runs, base_runs = results.get(floor), results.get(base)
    for label, runs in results.items():
        if not runs:
            print(f"| {label} | not installed | | | | |")
            continue
        wall, _largest, code = summary(runs)
        to_floor = ("1.00x" if label == floor else ratio_text(runs, floor_runs)) if floor_runs else "-"
        to_base = ("1.00x" if label == base else ratio_text(runs, base_runs)) if base_runs else "-"
        print(f"| {label} | {wall:.2f} | {peak_text(runs)} | {code} | {to_floor} | {to_base} |")


def chart(results: dict[str, Runs | None], title: str, path: str) -> None:
    """A bar chart of wall time and peak memory per tool, written as a PNG."""
    import matplotlib  # the bench extra; only needed for --chart

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(label, summary(runs)) for label, runs in results.items() if runs]
    labels = [label for label, _ in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.5 * len(rows) + 1.6))
    colours = ["#1f77b4" if label.startswith("shoal") else
               "#999999" if label == "parse floor" else "#ff7f0e" for label in labels]
    left.barh(labels, [res[0] for _, res in rows], color=colours)
    left.set_xlabel("wall time, s (lower is better)")
    left.invert_yaxis()
    right.barh(labels, [res[1] for _, res in rows], color=colours)
    right.set_xlabel("peak PSS of the process tree, MiB")
    right.invert_yaxis()
    right.set_yticklabels([])
    for axis, values, fmt in ((left, [r[0] for _, r in rows], "{:.1f}"),
                              (right, [r[1] for _, r in rows], "{:.0f}")):
        for y, value in enumerate(values):
            axis.text(value, y, " " + fmt.format(value), va="center", fontsize=8)
    left.margins(x=0.18)
    right.margins(x=0.18)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"chart written to {path}")


def main() -> int:
    """Run the benchmark and print markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--subset", type=int, default=300)
    parser.add_argument("--skip-slow", action="store_true", help="skip pylint and fixit")
    parser.add_argument("--tree", type=Path, help="check this tree instead of the stdlib "
                        "(no subset table; shoal runs inside it, so its configuration applies)")
    parser.add_argument("--chart", help="write the whole-tree results as a PNG bar chart")
    parser.add_argument("--split", action="store_true",
                        help="also run shoal with its project rules only (no module rules)")
    args = parser.parse_args()

    files = tree_files(args.tree) if args.tree else stdlib_files()
    cwd = str(args.tree) if args.tree else None
    scratch = tempfile.TemporaryDirectory()
    listing = Path(scratch.name) / "files.txt"
    listing.write_text("\n".join(files), encoding="utf-8")
    # The subset is copied out: fixit silently skips paths under a hidden directory (the
    # standard library may live in ~/.pyenv), and every tool must see the same files.
    small = []
    if not args.tree:
        for index, original in enumerate(subset(files, args.subset)):
            target = Path(scratch.name) / f"{index:03d}" / Path(original).name
            target.parent.mkdir(parents=True)
            shutil.copyfile(original, target)
            small.append(str(target))
    size = sum(os.path.getsize(f) for f in files) / 2**20
    print(f"{'tree ' + str(args.tree) if args.tree else 'standard library'}: {len(files)} files,"
          f" {size:.0f} MiB; subset: {len(small)} files; {os.cpu_count()} cores;"
          f" Python {sys.version.split()[0]}\n")

    shoal = tool("shoal")
    # On a tree, shoal is named the directory (so the tree's own configuration and project
    # root apply); the peers get the same files.
    target = ["."] if args.tree else files
    floor_script = Path(scratch.name) / "floor.py"
    floor_script.write_text(PARSE_FLOOR, encoding="utf-8")
    full_runs = [
        ("parse floor", [PY, str(floor_script), str(listing)]),
        ("shoal check, 1 worker",
         [shoal, "check", "--no-cache", "--no-progress", "-q", "--workers", "1", *target]),
        ("shoal check, 2 workers",
         [shoal, "check", "--no-cache", "--no-progress", "-q", "--workers", "2", *target]),
        *([("shoal check, 2 workers, project rules only",
            [shoal, "check", "--no-cache", "--no-progress", "-q", "--workers", "2",
             "--select", "SH001,SH002,SH003,SH004", *target])]
          if args.split else []),
        ("ruff check, shoal's rules", [tool("ruff"), "check", "--no-cache", "--isolated",
                                       *RUFF_SHOAL_RULES, *files]),
        ("ruff check, its default", [tool("ruff"), "check", "--no-cache", "--isolated", *files]),
        ("pyrefly check", [tool("pyrefly"), "check", *files]),
        ("pyflakes", [tool("pyflakes"), *files]),
        ("flake8 -j2", [tool("flake8"), "-j2", *files]),
    ]
    if args.skip_slow:
        full_runs = [run for run in full_runs if run[0] not in ("pyflakes", "flake8 -j2")]
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
    tables = [("Whole tree" if args.tree else "Whole standard library", full_runs)]
    if small:
        tables.append((f"{len(small)}-file subset", sub_runs))
    for index, (title, runs) in enumerate(tables):
        print(f"### {title}\n")
        results = measure_rounds(
            [(label, cmd, cwd if label.startswith("shoal") else None,
              1 if "pylint" in label or "fixit" in label else args.repeat)
             for label, cmd in runs],
            args.repeat)
        print_table(results, "parse floor", "flake8 -j2")
        one, two = results.get("shoal check, 1 worker"), results.get("shoal check, 2 workers")
        if one and two:
            print(f"\nshoal 2-worker speed-up over 1 worker: {ratio_text(one, two)}")
        if index == 0 and args.chart:
            chart(results, f"Cold check, {len(files)} files, 2 cores", args.chart)
        print()
    scratch.cleanup()
    return 0


def run_timed(entry: Callable[[], int]) -> None:
    """Run a benchmark's ``main``, say how long the whole benchmark took, exit with its code."""
    start = time.perf_counter()
    code = entry()
    print(f"(benchmark took {time.perf_counter() - start:.0f} s)")
    sys.exit(code)


if __name__ == "__main__":
    run_timed(main)
