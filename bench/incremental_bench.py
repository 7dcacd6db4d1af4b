"""Incremental analysis on a copy of the CPython standard library (issue 5's benchmark).

Measures, in one run: a cold check; a warm run with nothing changed (and ``ruff check
--no-cache`` on the same tree for the ratio); and in ``shoal watch``: (a) body-only edits of
a leaf module, (b) a signature change of a function imported by several modules, (c) an
edit of a hub module's interface, (d) and (e) signature changes of a function of a module
hundreds import (``os.makedirs``, ``re.compile``; p50 and p95) — for each, the time from the file write to the status
line, the modules rechecked against the minimum (the edited module plus the modules that
name the changed symbol), and a cold re-check for comparison.

Usage: ``python bench/incremental_bench.py [--edits 20] [--hub-edits 10] [--workers N] [--keep]
[--chart PNG] [--settle S] [--tree DIR]`` (``--chart``: the watch cases' p50
and p95, split into the quiet window, the recheck and the rest, as a PNG).
The tree excludes ``test/``, ``idlelib/idle_test`` and ``site-packages`` (the test suite
alone is 40% of the stdlib and is not what anyone watches). ``--tree DIR`` measures a copy
of ``DIR`` instead (``DIR`` itself is never edited; e.g. a tree ``bench/scale_tree.py``
made): the check writing the cache, the warm run and (a) only, on its ``colorsys.py`` (at
the top, else the first ``*/colorsys.py``). The watch starts from the cache and
idles ``--settle`` seconds (default 3) before the edits; the PSS of its process tree is read
then and after the edits.
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import selectors
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cold_bench import (  # this directory: the same readings as the others
    RUFF_SHOAL_RULES,
    tree_pids,
    tree_pss_kib,
)

QUIET_MS = 50  # analyzer.interfaces._watch.QUIET_WINDOW
STATUS = re.compile(r"(\d+) files? changed, (\d+) modules? rechecked in (\d+) ms")


def copy_stdlib(dest: Path) -> Path:
    src = Path(sysconfig.get_paths()["stdlib"])
    ignore = shutil.ignore_patterns("test", "idle_test", "site-packages", "__pycache__",
                                    "*.pyc", "lib2to3")
    shutil.copytree(src, dest / "lib", ignore=ignore, symlinks=True)
    (dest / "lib" / "pyproject.toml").write_text("[tool.shoal]\n", encoding="utf-8")
    return dest / "lib"


def copy_tree(src: Path, dest: Path) -> Path:
    """A copy of ``src`` to edit (caches and bytecode left out)."""
    ignore = shutil.ignore_patterns(".shoal_cache", "__pycache__", "*.pyc")
    shutil.copytree(src, dest / "tree", ignore=ignore, symlinks=True)
    if not (dest / "tree" / "pyproject.toml").exists():
        (dest / "tree" / "pyproject.toml").write_text("[tool.shoal]\n", encoding="utf-8")
    return dest / "tree"


def find_leaf(root: Path) -> Path:
    """(a)'s file: colorsys.py, at the top of ``root`` or one level down."""
    top = root / "colorsys.py"
    return top if top.exists() else sorted(root.glob("*/colorsys.py"))[0]


def timed(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def shoal(*args: str) -> list[str]:
    # The console script, not `python -m`: that would put the working directory -- the
    # stdlib copy being edited -- first on shoal's own sys.path.
    script = Path(sys.executable).parent / "shoal"
    return [str(script), *args] if script.exists() else [sys.executable, "-I", "-m",
                                                         "analyzer", *args]


def tree_cpu_ms(pid: int) -> float:
    """The CPU time run so far by ``pid``'s process tree, in ms: each thread's
    ``/proc/*/task/*/schedstat`` (nanoseconds, unlike ``stat``'s 10 ms ticks). A process
    that ended (a worker replaced) takes its time with it."""
    total = 0
    for p in tree_pids(pid):
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    return total / 1e6


class Watch:
    """A ``shoal watch`` subprocess whose status lines we wait for."""

    def __init__(self, root: Path, workers: int) -> None:
        # The screen (status line included) is on stdout, "watching" on stderr: one pipe,
        # read to the end of each screen, so the presentation is paid as a pipe reader sees it.
        self.proc = subprocess.Popen(shoal("watch", ".", "--workers", str(workers)), cwd=root,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)
        self.buffer = b""  # an unfinished line
        self.lines: collections.deque[bytes] = collections.deque()
        #: ms of CPU of the watch's process tree per edit, in order
        self.cpu: list[float] = []
        self.wait_line("watching")

    def wait_line(self, marker: str, timeout: float = 600.0) -> str:
        end = time.monotonic() + timeout
        wanted = marker.encode()
        while True:
            while self.lines:
                line = self.lines.popleft()
                if wanted in line:
                    return line.decode()
            if not self.sel.select(max(0.0, end - time.monotonic())):
                raise TimeoutError(marker)
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError("shoal watch exited")
            # Split once per chunk: a screen is thousands of lines, and splitting one line
            # at a time off the buffer copied the rest of it each time (milliseconds of
            # this process's CPU per screen, on the cores the watch runs on).
            *done, self.buffer = (self.buffer + chunk).split(b"\n")
            self.lines.extend(done)

    def edit(self, path: Path, text: str) -> tuple[float, int, float]:
        """Write ``text``; (ms from the write to the status line, modules rechecked, ms of
        the recheck itself as the status line reports it: the session's update). The CPU
        the watch's processes ran meanwhile goes to ``self.cpu`` (robust to the load)."""
        cpu = tree_cpu_ms(self.proc.pid)
        start = time.perf_counter()
        path.write_text(text, encoding="utf-8")
        line = self.wait_line("rechecked in")
        elapsed = (time.perf_counter() - start) * 1000
        self.cpu.append(tree_cpu_ms(self.proc.pid) - cpu)
        match = STATUS.search(line)
        if match is None:
            return elapsed, -1, float("nan")
        return elapsed, int(match.group(2)), float(match.group(3))

    def close(self) -> None:
        self.proc.send_signal(2)
        self.proc.wait(timeout=120)
        self.sel.close()


def _files_matching(root: Path, pattern: re.Pattern[str]) -> int:
    """How many ``.py`` files under ``root`` ``pattern`` finds something in."""
    count = 0
    for path in root.rglob("*.py"):
        try:
            if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                count += 1
        except OSError:
            pass
    return count


def readers(root: Path, module: str, name: str) -> int:
    """The minimum recheck set: the module itself plus every module naming ``name`` from it."""
    last = module.rsplit(".", 1)[-1]
    pattern = re.compile(rf"from\s+{re.escape(module)}\s+import[^\n]*\b{name}\b|\b{last}\.{name}\b")
    return 1 + _files_matching(root, pattern)


def importers(root: Path, module: str) -> int:
    """How many files import ``module`` (``import module``, ``from module import ...``)."""
    return _files_matching(root, re.compile(
        rf"^\s*(import\s+([\w.]+\s*,\s*)*{re.escape(module)}\b(?!\.)"
        rf"|from\s+{re.escape(module)}\s+import\b)", re.M))


def _pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _split(label: str, totals: list[float], updates: list[float]) -> list[tuple[str, str, str]]:
    """The recheck (the session's update, from the status line) and the rest: presenting
    the result (the screen, every finding when piped) plus the event's delivery, beyond the
    quiet window; medians."""
    update = statistics.median(updates)
    rest = statistics.median(t - u - QUIET_MS for t, u in zip(totals, updates, strict=True))
    return [(f"    {label} recheck (session) / presentation and event delivery",
             f"{update:.0f} ms / {rest:.0f} ms", "p50" if len(totals) > 1 else "")]


def _cpu_row(label: str, cpu: list[float]) -> tuple[str, str, str]:
    """The watch's CPU per edit (master and workers, write to status line): p50 / max, each."""
    if not cpu:
        return (f"    {label} CPU of the watch's processes per edit", "", "")
    return (f"    {label} CPU of the watch's processes per edit, p50 / max",
            f"{statistics.median(cpu):.0f} ms / {max(cpu):.0f} ms",
            "each: " + " ".join(f"{c:.0f}" for c in cpu))


def _outcome(proc: subprocess.CompletedProcess) -> str:
    first = (proc.stderr or "").strip().splitlines()[:1]
    return f"exit {proc.returncode}" + (f": {first[0]}" if first else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--hub-edits", type=int, default=10,
                        help="signature changes of os.makedirs and of re.compile, each "
                             "alternating with the original")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--chart", help="write the watch cases' latencies as a PNG")
    parser.add_argument("--settle", type=float, default=3.0,
                        help="seconds the watch idles after its start, before the edits")
    parser.add_argument("--tree", type=Path, help="measure a copy of this tree: (a) only")
    args = parser.parse_args()
    # label -> (ms from write to status line, ms of the recheck itself), per edit
    samples: dict[str, tuple[list[float], list[float]]] = {}
    tmp = Path(tempfile.mkdtemp(prefix="shoal-incr-"))
    rows = []
    try:
        root = copy_stdlib(tmp) if args.tree is None else copy_tree(args.tree, tmp)
        files = sum(1 for _ in root.rglob("*.py"))
        w = ["--workers", str(args.workers)]
        if args.tree is None:
            cold, _ = timed(shoal("check", ".", "--no-cache", "-q", *w), root)
            rows.append(("cold check", f"{cold:.2f} s", f"{files} files"))
        first, _ = timed(shoal("check", ".", "-q", *w), root)
        hit, _ = timed(shoal("check", ".", "-q", *w), root)
        rows.append(("cold check writing the cache", f"{first:.2f} s", f"{files} files"))
        ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
        if args.tree is not None:
            rows.append(("warm, nothing changed", f"{hit:.3f} s", ""))
        elif os.path.exists(ruff):
            # shoal's rules, as ruff selects them: its own default is over 400 since 0.16.
            ruff_s, _ = timed([ruff, "check", "--no-cache", "-q", *RUFF_SHOAL_RULES, "."],
                              root)
            rows.append(("warm, nothing changed", f"{hit:.3f} s",
                         f"ruff --no-cache, shoal's rules {ruff_s:.3f} s "
                         f"(ratio {hit / ruff_s:.2f})"))
        else:
            rows.append(("warm, nothing changed", f"{hit:.3f} s", "ruff not installed"))

        watch = Watch(root, args.workers)
        try:
            # Idle first: a watch started from the cache warms its workers then (issue 16).
            time.sleep(args.settle)
            rows.append((f"watch process tree PSS after {args.settle:g} s idle",
                         f"{tree_pss_kib(watch.proc.pid) / 1024:.0f} MiB", ""))
            leaf = find_leaf(root)
            base = leaf.read_text(encoding="utf-8")
            times, counts, updates = [], [], []
            for i in range(args.edits):
                text = base.replace("def rgb_to_yiq(r, g, b):",
                                    f"def rgb_to_yiq(r, g, b):\n    _bench = {i}", 1)
                t, n, u = watch.edit(leaf, text)
                times.append(t)
                counts.append(n)
                updates.append(u)
            leaf.write_text(base, encoding="utf-8")
            watch.wait_line("rechecked in")
            p50 = statistics.median(times)
            rows.append(("(a) body-only leaf edit, p50",
                         f"{p50:.0f} ms ({p50 - QUIET_MS:.0f} ms after the quiet window)",
                         f"rechecked {max(counts)} (minimum 1)"))
            rows.extend(_split("(a)", times, updates))
            rows.append(("    (a) recheck (session), each", "",
                         " ".join(f"{u:.0f}" for u in updates)))
            rows.append(_cpu_row("(a)", watch.cpu[-args.edits:]))
            samples["(a) leaf body edit"] = (times, updates)

            if args.tree is None:
                def one_edit(path: Path, edit: Callable[[str], str], label: str, short: str,
                             minimum: str, chart: str) -> None:
                    """One edit in the watch, then a cold re-check of the edited tree; undone."""
                    base = path.read_text(encoding="utf-8")
                    t, n, u = watch.edit(path, edit(base))
                    rows.append((f"{short} {label}", f"{t:.0f} ms", f"rechecked {n} ({minimum})"))
                    rows.extend(_split(short, [t], [u]))
                    samples[f"{short} {chart}"] = ([t], [u])
                    cold, proc = timed(shoal("check", ".", "--no-cache", "-q", *w), root)
                    rows.append(("    cold re-check", f"{cold:.2f} s", _outcome(proc)))
                    path.write_text(base, encoding="utf-8")
                    watch.wait_line("rechecked in")

                one_edit(root / "textwrap.py",
                         lambda b: b.replace("def dedent(text):", "def dedent(text, margin):", 1),
                         "signature change of textwrap.dedent", "(b)",
                         f"modules naming it, by grep: {readers(root, 'textwrap', 'dedent')}",
                         "textwrap.dedent signature")
                hub = root / "os.py"
                one_edit(hub,
                         lambda b: b + "\ndef shoal_bench_added(x):\n    return x\n",
                         "hub interface edit (os gains a public function)", "(c)",
                         "minimum: os + star importers of os", "os gains a function")

                # (d), (e) A public function's signature in a module hundreds import: every
                # module naming it is rechecked (os.makedirs: a few; re.compile: about a hundred).
                hubs = [("(d)", "os", hub, "def makedirs(name, mode=0o777, exist_ok=False):",
                         "def makedirs(name, mode=0o777, exist_ok=False, *, strict=False):",
                         "makedirs"),
                        ("(e)", "re", root / "re" / "__init__.py", "def compile(pattern, flags=0):",
                         "def compile(pattern, flags=0, *, strict=False):", "compile")]
                for label, module, path, old_sig, new_sig, name in hubs:
                    base = path.read_text(encoding="utf-8")
                    times, counts, updates = [], [], []
                    hub_start = len(watch.cpu)
                    for i in range(args.hub_edits):
                        t, n, u = watch.edit(path, base.replace(old_sig, new_sig, 1) if i % 2 == 0
                                             else base)
                        times.append(t)
                        counts.append(n)
                        updates.append(u)
                    if args.hub_edits % 2:
                        path.write_text(base, encoding="utf-8")
                        watch.wait_line("rechecked in")
                    if not times:
                        continue
                    rows.append((f"{label} signature change of {module}.{name}, p50 / p95 of "
                                 f"{len(times)}",
                                 f"{statistics.median(times):.0f} ms / {_pct(times, 0.95):.0f} ms",
                                 f"rechecked {min(counts)}-{max(counts)} ({module} imported by "
                                 f"{importers(root, module)} files; naming {name}, by grep: "
                                 f"{readers(root, module, name)})"))
                    rows.append((f"    {label} recheck (session) p50 / p95",
                                 f"{statistics.median(updates):.0f} ms / "
                                 f"{_pct(updates, 0.95):.0f} ms",
                                 # In order: the first is the workers' first read of this hub's
                                 # readers (a watch started from the cache decoded none).
                                 "each: " + " ".join(f"{u:.0f}" for u in updates)))
                    rows.extend(_split(label, times, updates))
                    rows.append(_cpu_row(label, watch.cpu[hub_start:hub_start + len(times)]))
                    samples[f"{label} {module}.{name} signature"] = (times, updates)
            rows.append(("watch process tree PSS after the edits",
                         f"{tree_pss_kib(watch.proc.pid) / 1024:.0f} MiB", ""))
        finally:
            watch.close()
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return _print(rows, args, samples)


def _print(rows: list[tuple[str, str, str]], args: argparse.Namespace,
           samples: dict[str, tuple[list[float], list[float]]]) -> int:
    print("| measure | time | notes |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if args.chart and samples:
        chart(samples, args.chart)
    return 0


def chart(samples: dict[str, tuple[list[float], list[float]]], path: str) -> None:
    """Each watch case's p50 and p95 from the write to the status line, as stacked bars: the
    quiet window, the recheck (the session's update) and the rest (presentation, delivery)."""
    import matplotlib  # the bench extra; only needed for --chart

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, parts = [], []
    for case, (totals, updates) in samples.items():
        for share, name in ((0.5, "p50"), (0.95, "p95")):
            if name == "p95" and len(totals) < 2:
                continue
            pick = statistics.median if share == 0.5 else (lambda v: _pct(v, 0.95))
            total, update = pick(totals), pick(updates)
            labels.append(f"{case}, {name}")
            parts.append((QUIET_MS, update, max(0.0, total - update - QUIET_MS)))
    fig, axis = plt.subplots(figsize=(10, 0.45 * len(labels) + 1.4))
    left = [0.0] * len(labels)
    for index, (name, colour) in enumerate((("quiet window", "#cccccc"),
                                            ("recheck", "#1f77b4"),
                                            ("presentation and delivery", "#ff7f0e"))):
        widths = [p[index] for p in parts]
        axis.barh(labels, widths, left=left, color=colour, label=name)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for y, total in enumerate(left):
        axis.text(total, y, f" {total:.0f} ms", va="center", fontsize=8)
    axis.axvline(150, color="#d62728", linestyle="--", linewidth=1)
    axis.text(150, 1.01, " hub target: p95 150 ms", color="#d62728", fontsize=8,
              transform=axis.get_xaxis_transform())
    axis.invert_yaxis()
    axis.margins(x=0.15)
    axis.set_xlabel("ms from the file write to the status line (lower is better)")
    fig.legend(fontsize=8, loc="lower center", ncol=3)
    fig.suptitle("shoal watch on a standard-library copy, 2 workers")
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=110)
    print(f"chart written to {path}")


if __name__ == "__main__":
    sys.exit(main())
