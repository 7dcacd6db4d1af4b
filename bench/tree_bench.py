"""Trees in the heap against parsing again: store cost, load cost and heap bytes per source
byte, on a tree of Python files (the standard library by default), in one run.

Run: ``python bench/tree_bench.py [ROOT] [--repeats N]`` (ROOT defaults to the running
Python's standard library; a copy such as ``/tmp/stdlib`` gives stable figures). For each
file that decodes and parses: ``ast.parse`` of its text; the store (encoding the tree as
phase 1 does — ``_trees.codec()``: pickle protocol 5 with its own node reduction, lz4 from a
kilobyte — and adding it to a shared heap); the load (reading it back as phase 2 does,
``_trees.load_tree``). Files shorter than ``_trees.PARSE_BELOW`` characters are stored as
text and parsed on load, as in a check. Each is timed in CPU seconds, the minimum of
``--repeats`` runs per file, with the cyclic garbage collector paused in both the parse and
the load (the load pauses it itself); one column loads with the collector running, for
scale. Then the same by file size, to show where parsing again would win, and other
encodings measured on the same trees: the codec without compression, with zlib level 1, and
the heap tables' default (``ast``'s own reduction, pickle protocol 5 + lz4: what the trees
used before their codec), each decoded with the collector paused. Prints markdown tables.
"""
from __future__ import annotations

import argparse
import ast
import gc
import os
import sys
import sysconfig
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import analyzer.engine._trees as trees
from analyzer.engine._tree_codec import TreeCodec
from analyzer.engine._trees import TREES_TABLE, codec, encode_tree, load_tree
from analyzer.frontend import decode_source
from heap_native import PickleCodec, SharedHeap

#: The issue's target: loading a stored tree costs at most half of parsing the file.
TARGET_LOAD = 0.5
#: Size classes of the second table (upper bounds in bytes, the last one open).
CLASSES = (250, 500, 1_000, 2_000, 10_000, 100_000)
#: The extra encodings the by-size table shows next to the load as stored.
TREE, TEXT, DEFAULT = ("the codec + lz4, small files too", "source text, parsed on load, every file",
                       "tables' default: `ast`'s reduction, pickle 5 + lz4, small files too")


@dataclass
class Totals:
    """Summed per-file minimums of one class of files."""

    files: int = 0
    source: int = 0
    stored: int = 0
    parse: float = 0.0
    parse_gc: float = 0.0
    store: float = 0.0
    load: float = 0.0
    load_gc: float = 0.0
    extra: dict[str, list[float]] = field(default_factory=dict)

    def add(self, other: Totals) -> None:
        for name in ("files", "source", "stored", "parse", "parse_gc", "store", "load",
                     "load_gc"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, (nbytes, seconds) in other.extra.items():
            mine = self.extra.setdefault(key, [0.0, 0.0])
            mine[0] += nbytes
            mine[1] += seconds


def python_files(root: str) -> Iterator[str]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "site-packages"))
        for name in sorted(names):
            if name.endswith(".py"):
                yield os.path.join(folder, name)


def best(fn: Callable[[], object], repeats: int, *, paused: bool = True) -> float:
    """Minimum CPU seconds of ``repeats`` calls of ``fn``."""
    low = float("inf")
    for _ in range(repeats):
        if paused:
            gc.disable()
        else:
            gc.enable()
        try:
            start = time.process_time()
            fn()
            low = min(low, time.process_time() - start)
        finally:
            gc.enable()
    return low


def measure(path: str, heap: SharedHeap, repeats: int) -> Totals | None:
    """One file's figures, or None when it does not decode or parse."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = decode_source(data)
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    out = Totals(files=1, source=len(data))
    out.parse = best(lambda: ast.parse(text), repeats)
    out.parse_gc = best(lambda: ast.parse(text), repeats, paused=False)
    table = heap.table(TREES_TABLE, codec=codec(), cache_size=0)
    key = path
    encoded = encode_tree(tree, text)
    assert encoded is not None
    out.stored = len(encoded)

    def store() -> None:
        # encode + add, as a phase-1 worker does; the add of an existing key is a no-op, so
        # only the first run pays the copy into the heap (the minimum is the encode + lookup)
        heap.add(table.heap_key(key), encode_tree(tree, text) or b"")

    out.store = best(store, repeats)
    out.load = best(lambda: load_tree(heap, key), repeats)
    # load_tree pauses the collector itself: the unpickling alone, with the collector running
    pickled = codec().encode(tree)
    out.load_gc = best(lambda: codec().decode(pickled), repeats, paused=False)
    plain = codec().serialize(tree)
    packed = zlib.compress(plain, 1)
    fast = TreeCodec(high_compression=False)
    quick = fast.encode(tree)
    default = PickleCodec()
    before = default.encode(tree)
    as_text = codec().encode(text)
    out.extra = {
        TREE: [len(pickled), best(lambda: codec().decode(pickled), repeats)],
        TEXT: [len(as_text), best(lambda: ast.parse(codec().decode(as_text), filename=key),
                                  repeats)],
        "the codec, no compression": [len(plain), best(
            lambda: codec().deserialize(memoryview(plain)), repeats)],
        "the codec + zlib level 1": [len(packed), best(
            lambda: codec().deserialize(memoryview(zlib.decompress(packed))), repeats)],
        "the codec + lz4's fast mode": [len(quick), best(lambda: fast.decode(quick), repeats)],
        DEFAULT: [len(before), best(lambda: default.decode(before), repeats)],
    }
    return out


def size_class(nbytes: int) -> str:
    low = 0
    for high in CLASSES:
        if nbytes < high:
            return f"{low:,}–{high:,} B"
        low = high
    return f"≥ {low:,} B"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parse-below", type=int, default=trees.PARSE_BELOW,
                        help="store files shorter than this (characters) as text, parsed on "
                        "load (default: _trees.PARSE_BELOW, %(default)s)")
    args = parser.parse_args(argv)
    trees.PARSE_BELOW = args.parse_below  # encode_tree reads it on each call
    sys.setrecursionlimit(10_000)
    files = list(python_files(args.root))
    total_bytes = sum(os.path.getsize(p) for p in files)
    heap = SharedHeap(heap_size=max(64 << 20, 4 * total_bytes), hash_slots=1 << 14,
                      dep_slots=1 << 16)
    everything = Totals()
    by_class: dict[str, Totals] = {}
    skipped = 0
    try:
        for path in files:
            figures = measure(path, heap, args.repeats)
            if figures is None:
                skipped += 1
                continue
            everything.add(figures)
            by_class.setdefault(size_class(figures.source), Totals()).add(figures)
        used = heap.stats().used_bytes
    finally:
        heap.close()
    e = everything
    print(f"{e.files:,} files, {e.source / 1e6:.1f} MB of source ({skipped} skipped: no "
          f"decode or parse); CPU seconds, minimum of {args.repeats} per file; "
          f"collector paused in parse and load\n")
    print("| | seconds | × parse |")
    print("|---|---:|---:|")
    print(f"| `ast.parse` | {e.parse:.2f} | 1.00 |")
    print(f"| `ast.parse`, collector running | {e.parse_gc:.2f} | {e.parse_gc / e.parse:.2f} |")
    print(f"| store (encode + heap add) | {e.store:.2f} | {e.store / e.parse:.2f} |")
    print(f"| load (heap get + decode) | {e.load:.2f} | {e.load / e.parse:.2f} |")
    print(f"| unpickle, collector running, every file | {e.load_gc:.2f} "
          f"| {e.load_gc / e.parse:.2f} |")
    print(f"\nheap bytes per source byte: {e.stored / e.source:.2f} (values), "
          f"{used / e.source:.2f} (the heap's used bytes, keys and headers included); "
          f"target load ≤ {TARGET_LOAD}× parse: "
          f"{'met' if e.load <= TARGET_LOAD * e.parse else 'NOT met'}\n")
    print("| file size | files | load × parse | store × parse | bytes / source byte "
          "| tree load × parse | text load × parse | default load × parse |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in sorted(by_class, key=lambda n: by_class[n].source / by_class[n].files):
        c = by_class[name]
        print(f"| {name} | {c.files:,} | {c.load / c.parse:.2f} | {c.store / c.parse:.2f} "
              f"| {c.stored / max(c.source, 1):.2f} | {c.extra[TREE][1] / c.parse:.2f} "
              f"| {c.extra[TEXT][1] / c.parse:.2f} | {c.extra[DEFAULT][1] / c.parse:.2f} |")
    print("\n| encoding | load × parse | bytes / source byte |")
    print("|---|---:|---:|")
    print(f"| as stored (text below {trees.PARSE_BELOW:,} characters, else the codec + lz4) "
          f"| {e.load / e.parse:.2f} | {e.stored / e.source:.2f} |")
    for name, (nbytes, seconds) in e.extra.items():
        print(f"| {name} | {seconds / e.parse:.2f} | {nbytes / e.source:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
