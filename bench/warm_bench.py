"""Warm-path benchmark: what a command costs when the cache is warm and nothing changed.

    python bench/warm_bench.py TREE [--runs 10] [--command 'deps textwrap:dedent' ...]

TREE is a project already checked once (``shoal check . -q`` in it: the cache is warm). Each
command runs twice to settle (a query builds its view, a check keeps its output; the second
run leaves the front record that the next ones print, ``analyzer.interfaces._front``), then
``--runs`` times; the table gives the fastest and the median wall time and the least CPU time
(user + system of the process and its children). The fastest wall time and the least CPU are
the figures to quote on a shared machine: other load only adds to them. The first row is the
floor no command can go under: the interpreter starting and exiting (``python -I -c pass``). Without
``--command``: ``check . -q``, ``deps textwrap:dedent`` (``deps part0.textwrap:dedent`` on a
``bench/scale_tree.py`` tree) and ``graph``.

Then, unless ``--no-new``, queries *not asked before*: ``deps MODULE`` and ``graph MODULE``
for ``--runs`` top-level modules of the tree, each asked once (after one settling query of
each command: the view is built and the options' view record left once, as after any first
query; docs/contracts.md §13 "View records").
"""
from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path


def shoal() -> list[str]:
    # The console script, not `python -m`: that would put the tree first on sys.path.
    script = Path(sys.executable).parent / "shoal"
    return [str(script)] if script.exists() else [sys.executable, "-I", "-m", "analyzer"]


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one run, its output discarded."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                          - before.children_system)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--command", action="append", default=None,
                        help="a shoal command line (repeatable)")
    parser.add_argument("--no-new", action="store_true",
                        help="skip the queries not asked before")
    parser.add_argument("--no-after-change", action="store_true",
                        help="skip the first queries after a check that changed the project")
    args = parser.parse_args()
    commands = args.command
    if not commands:
        target = "part0.textwrap:dedent" if (args.tree / "part0").is_dir() else "textwrap:dedent"
        commands = ["check . -q", f"deps {target}", "graph"]
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode caching is part of start-up
    files = sum(1 for _ in args.tree.rglob("*.py"))
    print(f"{args.tree}: {files} files, {args.runs} runs each, load average "
          f"{os.getloadavg()[0]:.2f} at the start")
    print("| `shoal …` | fastest wall s | median wall s | least CPU s |")
    print("|---|---:|---:|---:|")
    floor = [timed([sys.executable, "-I", "-c", "pass"], args.tree, env)
             for _ in range(args.runs)]
    print(f"| (`python -I -c pass`, the floor) | {min(w for w, _ in floor):.3f} | "
          f"{statistics.median(w for w, _ in floor):.3f} | {min(c for _, c in floor):.3f} |")
    for command in commands:
        cmd = shoal() + shlex.split(command)
        for _ in range(2):  # settle: build the view, keep the output, leave the record
            timed(cmd, args.tree, env)
        runs = [timed(cmd, args.tree, env) for _ in range(args.runs)]
        walls = [w for w, _ in runs]
        print(f"| `{command}` | {min(walls):.3f} | {statistics.median(walls):.3f} | "
              f"{min(c for _, c in runs):.3f} |", flush=True)
    if not args.no_new:
        new_queries(args.tree, args.runs, env)
    if not args.no_after_change:
        after_change(args.tree, min(args.runs, 5), env)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


def new_queries(tree: Path, runs: int, env: dict[str, str]) -> None:
    """One row per command: each run asks about a module no earlier run named."""
    prefix = "part0." if (tree / "part0").is_dir() else ""
    base = tree / "part0" if prefix else tree
    modules = sorted(prefix + p.stem for p in base.glob("*.py")
                     if p.stem.isidentifier() and p.stem != "__init__")
    if len(modules) < 2 * runs + 2:
        print(f"(too few top-level modules for {runs} new queries)")
        return
    for command, names in (("deps", modules[:runs + 1]), ("graph", modules[runs + 1:])):
        timed(shoal() + [command, names[0]], tree, env)  # settle: the view and its record
        results = [timed(shoal() + [command, name], tree, env) for name in names[1:runs + 1]]
        walls = [w for w, _ in results]
        print(f"| `{command} MODULE`, each not asked before | {min(walls):.3f} | "
              f"{statistics.median(walls):.3f} | {min(c for _, c in results):.3f} |",
              flush=True)


def after_change(tree: Path, runs: int, env: dict[str, str]) -> None:
    """One row per command: each run follows a check that changed a leaf module's text."""
    base = tree / "part0" if (tree / "part0").is_dir() else tree
    leaf = base / "colorsys.py"
    if not leaf.is_file():
        leaf = min(p for p in base.glob("*.py") if p.stem != "__init__")
    prefix = "part0." if base != tree else ""
    original = leaf.read_bytes()
    try:
        for command, target in (("deps", f"{prefix}{leaf.stem}"), ("graph", "")):
            results = []
            for n in range(runs):
                leaf.write_bytes(original + f"# warm_bench {command} {n}\n".encode())
                time.sleep(2.1)  # past the racy window: the check can vouch for the file
                subprocess.run(shoal() + ["check", ".", "-q"], cwd=tree, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               check=False)
                results.append(timed(shoal() + [command] + ([target] if target else []),
                                     tree, env))
            walls = [w for w, _ in results]
            print(f"| `{command}`, the first after a check that changed a file | "
                  f"{min(walls):.3f} | {statistics.median(walls):.3f} | "
                  f"{min(c for _, c in results):.3f} |", flush=True)
    finally:
        leaf.write_bytes(original)


if __name__ == "__main__":
    sys.exit(main())
