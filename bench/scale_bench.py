"""Scale benchmark: a cold and a warm check of a ~20,000-file tree against the standard library's.

    pip install -e ".[bench]"
    python bench/scale_bench.py [--files 20000] [--tree DIR] [--warm-runs 5] [--chart PNG]

Issue 16's scale targets, in one run: the cold check's time *per file* on the generated tree
(``bench/scale_tree.py``: copies of the standard library under distinct packages, imports
rewritten so the dependency table is as dense as the original's) within 1.15x of the standard
library's, peak memory beside ruff's and pyrefly's on the same files, and a warm check with
nothing changed in at most 0.25 s. Every tool runs as a separate process; the parse floor
(two processes that only ``ast.parse``, ``cold_bench.py``) is measured on both trees too, so
the per-file ratio can be read against what parsing alone does on each.

shoal's cold check writes a fresh cache (``--cache-dir`` in a scratch directory), as a CI
machine without a cache does; the warm runs reuse it. The tree is generated into a scratch
directory unless ``--tree`` names one already made (it takes a minute).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cold_bench import (  # noqa: E402
    PARSE_FLOOR,
    PY,
    RUFF_SHOAL_RULES,
    run_once,
    run_timed,
    stdlib_files,
    tool,
    tree_files,
)

Result = tuple[float, float, int]


def cold_rows(files: list[str], cwd: str | None, scratch: Path, tag: str) -> dict[str, Result]:
    """Wall s, peak PSS MiB and exit code of each tool's cold run over ``files``."""
    listing = scratch / f"{tag}.txt"
    listing.write_text("\n".join(files), encoding="utf-8")
    floor = scratch / "floor.py"
    floor.write_text(PARSE_FLOOR, encoding="utf-8")
    # shoal runs inside a tree (its configuration and project root apply) or on the files.
    target = ["."] if cwd else files
    cache = scratch / f"cache-{tag}"
    runs = {
        "parse floor": ([PY, str(floor), str(listing)], None),
        "shoal check, 2 workers": ([tool("shoal"), "check", "--no-progress", "-q", "--workers",
                                    "2", "--cache-dir", str(cache), *target], cwd),
        "ruff check, shoal's rules": ([tool("ruff"), "check", "--no-cache", "--isolated",
                                       *RUFF_SHOAL_RULES, *files], None),
        "ruff check, its default": ([tool("ruff"), "check", "--no-cache", "--isolated", *files],
                                    None),
        "pyrefly check": ([tool("pyrefly"), "check", *files], None),
    }
    results = {}
    for label, (cmd, where) in runs.items():
        if label != "parse floor" and not Path(cmd[0]).exists():
            continue
        results[label] = run_once(cmd, where)
        print(f"  {tag}: {label}: {results[label][0]:.2f} s", flush=True)
    return results


def warm(tree: Path, cache: Path, runs: int) -> list[float]:
    """Wall seconds of ``runs`` warm checks of ``tree`` with nothing changed."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([tool("shoal"), "check", ".", "-q", "--no-progress", "--cache-dir",
                        str(cache)], cwd=tree, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return times


def table(trees: dict[str, tuple[int, dict[str, Result]]]) -> None:
    """One markdown table: per tree and tool, wall, per-file ms, memory, ratio to the floor."""
    print("| tree | tool | wall s | ms per file | peak PSS MiB | exit | vs parse floor |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, (count, results) in trees.items():
        floor = results["parse floor"][0]
        for label, (wall, pss, code) in results.items():
            print(f"| {name} | {label} | {wall:.2f} | {1000 * wall / count:.2f} | {pss:.0f} |"
                  f" {code} | {wall / floor:.2f}x |")


def chart(trees: dict[str, tuple[int, dict[str, Result]]], path: str) -> None:
    """Per-file time and peak memory of each tool on each tree, as a grouped bar PNG."""
    import matplotlib  # the bench extra; only needed for --chart

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(next(iter(trees.values()))[1])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.6 * len(labels) * len(trees) + 1.6))
    height = 0.8 / len(trees)
    for i, (name, (count, results)) in enumerate(trees.items()):
        ys = [y + i * height for y in range(len(labels))]
        per_file = [1000 * results[lab][0] / count if lab in results else 0 for lab in labels]
        pss = [results[lab][1] if lab in results else 0 for lab in labels]
        left.barh(ys, per_file, height, label=name)
        right.barh(ys, pss, height, label=name)
        for y, a, b in zip(ys, per_file, pss, strict=True):
            left.text(a, y, f" {a:.2f}", va="center", fontsize=8)
            right.text(b, y, f" {b:.0f}", va="center", fontsize=8)
    ticks = [y + 0.4 - height / 2 for y in range(len(labels))]
    left.set_yticks(ticks, labels)
    right.set_yticks(ticks, [""] * len(labels))
    for axis, text in ((left, "cold wall time per file, ms (lower is better)"),
                       (right, "peak PSS of the process tree, MiB")):
        axis.set_xlabel(text)
        axis.invert_yaxis()
        axis.margins(x=0.2)
    left.legend(fontsize=8)
    fig.suptitle("Cold check: the standard library against the generated scale tree, 2 cores")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"chart written to {path}")


def main() -> int:
    """Run the benchmark and print a markdown table and the targets' ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20000, help="size of the generated tree")
    parser.add_argument("--tree", type=Path, help="a tree bench/scale_tree.py already made")
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--chart", help="write the per-file and memory results as a PNG")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        scratch = Path(name)
        tree = args.tree
        if tree is None:
            tree = scratch / "tree"
            subprocess.run([PY, str(Path(__file__).with_name("scale_tree.py")), str(tree),
                            "--files", str(args.files)], check=True, stdout=subprocess.DEVNULL)
        tree = tree.resolve()
        big = tree_files(tree)
        small = stdlib_files()
        print(f"standard library: {len(small)} files; scale tree {tree}: {len(big)} files;"
              f" Python {sys.version.split()[0]}", flush=True)
        trees = {"standard library": (len(small), cold_rows(small, None, scratch, "stdlib")),
                 f"{len(big):,} files": (len(big), cold_rows(big, str(tree), scratch, "tree"))}
        warm_times = warm(tree, scratch / "cache-tree", args.warm_runs)
        print()
        table(trees)
        (n_small, r_small), (n_big, r_big) = trees.values()
        key = "shoal check, 2 workers"
        ratio = (r_big[key][0] / n_big) / (r_small[key][0] / n_small)
        floor_ratio = (r_big["parse floor"][0] / n_big) / (r_small["parse floor"][0] / n_small)
        print(f"\nshoal's cold time per file, scale tree / standard library: {ratio:.2f}x"
              f" (target <= 1.15x; the parse floor's: {floor_ratio:.2f}x, so against what"
              f" parsing alone costs on each tree: {ratio / floor_ratio:.2f}x)")
        print(f"warm check of the scale tree, nothing changed: fastest {min(warm_times):.3f} s,"
              f" median {statistics.median(warm_times):.3f} s of {len(warm_times)}"
              " (target <= 0.25 s)")
        if args.chart:
            chart(trees, args.chart)
    return 0


if __name__ == "__main__":
    run_timed(main)
