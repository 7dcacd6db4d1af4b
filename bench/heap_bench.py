"""Throughput of the shared heap against its peers, and its scaling from 1 to 2 processes.

Run: ``python bench/heap_bench.py`` (``--keys`` to change the 100k default). Prints two
markdown tables: ops/s of add and get, single and batch calls, for the shoal heap and for a
``multiprocessing.Manager`` dict, a ``multiprocessing.shared_memory`` block with a Python
offset index, and sqlite3 on /dev/shm; then the throughput of 2 processes against 1.
All stores see the same keys (~32 bytes) and values (~200 bytes), in the same order.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from multiprocessing import shared_memory

from heap_native import SharedHeap
from heap_native._tables import HeapTable

#: Keys per batch call: large enough to amortise the call, small enough to be realistic.
BATCH = 1000
#: Gets are timed this many times and the best run kept (adds mutate, so they run once).
REPEATS = 3
#: The Manager dict runs ~20k ops/s; timing it on every key would dominate the run.
MANAGER_KEYS = 10_000

TARGET_GET_BATCH = 1_500_000
TARGET_GET_SINGLE = 300_000
TARGET_SCALING = 1.7

Pairs = list[tuple[bytes, bytes]]


def make_data(n: int, seed: int = 0) -> Pairs:
    """``n`` distinct ~32-byte keys and ~200-byte values shaped like module facts."""
    rnd = random.Random(seed)
    pairs = []
    for i in range(n):
        key = b"pkg%03d/module_%07d.py:summary" % (i % 997, i + seed * 10_000_000)
        value = (b"%d|" % i + rnd.randbytes(8).hex().encode() * 12)[:200]
        pairs.append((key, value))
    return pairs


def batches(seq: Sequence, size: int = BATCH) -> list[Sequence]:
    return [seq[i : i + size] for i in range(0, len(seq), size)]


def timed(fn: Callable[[], object], ops: int, repeats: int = 1) -> float:
    """Best ops/s of ``repeats`` runs of ``fn`` (GC off: it would time the allocator)."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
    finally:
        gc.enable()
    return ops / best


def new_heap(n: int) -> SharedHeap:
    slots = 1 << max(10, (4 * n - 1).bit_length())
    return SharedHeap(heap_size=max(64 << 20, n * 1024), hash_slots=slots, dep_slots=1024)


# -- the stores ---------------------------------------------------------------------------


def bench_shoal(pairs: Pairs) -> dict[str, float]:
    keys = [k for k, _ in pairs]
    shuffled = keys[:]
    random.Random(1).shuffle(shuffled)
    out = {}
    with new_heap(len(pairs)) as heap:
        add, get = heap.add, heap.get
        out["add single"] = timed(lambda: [add(k, v) for k, v in pairs], len(pairs))
        heap.clear()
        pair_batches = batches(pairs)
        out["add batch"] = timed(lambda: [heap.add_many(b) for b in pair_batches], len(pairs))
        assert heap.get_many(keys[:3]) == [v for _, v in pairs[:3]]
        out["get single"] = timed(lambda: [get(k) for k in shuffled], len(keys), REPEATS)
        key_batches = batches(shuffled)
        out["get batch"] = timed(
            lambda: [heap.get_many(b) for b in key_batches], len(keys), REPEATS
        )
    return out


def bench_shoal_table(pairs: Pairs) -> dict[str, float]:
    """The typed-table layer (raw codec, cache off) over the same heap calls."""
    keys = [k for k, _ in pairs]
    out = {}
    with new_heap(len(pairs)) as heap:
        table = HeapTable(heap, "bench", "raw", cache_size=0)
        add, get = table.add, table.get
        out["add single"] = timed(lambda: [add(k, v) for k, v in pairs], len(pairs))
        heap.clear()
        pair_batches = batches(pairs)
        out["add batch"] = timed(lambda: [table.add_many(b) for b in pair_batches], len(pairs))
        out["get single"] = timed(lambda: [get(k) for k in keys], len(keys), REPEATS)
        key_batches = batches(keys)
        out["get batch"] = timed(
            lambda: [table.get_many(b) for b in key_batches], len(keys), REPEATS
        )
    return out


def bench_sqlite(pairs: Pairs) -> dict[str, float]:
    keys = [k for k, _ in pairs]
    shuffled = keys[:]
    random.Random(1).shuffle(shuffled)
    out = {}
    root = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        db = sqlite3.connect(os.path.join(tmp, "bench.db"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        create = "CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID"
        db.execute(create)
        insert = "INSERT OR IGNORE INTO kv VALUES (?, ?)"

        def add_single() -> None:
            # One transaction per add: the heap makes each add visible to others at once.
            for k, v in pairs:
                db.execute(insert, (k, v))

        out["add single"] = timed(add_single, len(pairs))
        db.execute("DELETE FROM kv")

        def add_batch() -> None:
            for b in batches(pairs):
                db.execute("BEGIN")
                db.executemany(insert, b)
                db.execute("COMMIT")

        out["add batch"] = timed(add_batch, len(pairs))
        select = "SELECT v FROM kv WHERE k = ?"

        def get_single() -> None:
            for k in shuffled:
                db.execute(select, (k,)).fetchone()

        out["get single"] = timed(get_single, len(keys), REPEATS)
        in_queries = {}

        def get_batch() -> None:
            for b in batches(shuffled):
                q = in_queries.get(len(b))
                if q is None:
                    marks = ",".join("?" * len(b))
                    q = in_queries[len(b)] = f"SELECT k, v FROM kv WHERE k IN ({marks})"
                found = dict(db.execute(q, b).fetchall())
                [found.get(k) for k in b]

        out["get batch"] = timed(get_batch, len(keys), REPEATS)
        db.close()
    return out


def bench_shared_memory(pairs: Pairs) -> dict[str, float]:
    """One ``SharedMemory`` block, values appended, a process-local dict key -> (offset, len)."""
    keys = [k for k, _ in pairs]
    shuffled = keys[:]
    random.Random(1).shuffle(shuffled)
    out = {}
    block = shared_memory.SharedMemory(create=True, size=sum(len(v) for _, v in pairs) + 1)
    try:
        buf = block.buf
        index: dict[bytes, tuple[int, int]] = {}
        top = 0

        def add(k: bytes, v: bytes) -> bool:
            nonlocal top
            if k in index:
                return False
            buf[top : top + len(v)] = v
            index[k] = (top, len(v))
            top += len(v)
            return True

        def get(k: bytes) -> bytes | None:
            loc = index.get(k)
            return None if loc is None else bytes(buf[loc[0] : loc[0] + loc[1]])

        out["add single"] = timed(lambda: [add(k, v) for k, v in pairs], len(pairs))
        out["get single"] = timed(lambda: [get(k) for k in shuffled], len(keys), REPEATS)
        buf.release()  # block.close() refuses while a view is exported
    finally:
        block.close()
        block.unlink()
    return out


def bench_manager(pairs: Pairs) -> dict[str, float]:
    pairs = pairs[:MANAGER_KEYS]
    keys = [k for k, _ in pairs]
    out = {}
    with multiprocessing.Manager() as manager:
        d = manager.dict()
        out["add single"] = timed(lambda: [d.setdefault(k, v) for k, v in pairs], len(pairs))
        d.clear()
        out["add batch"] = timed(
            lambda: [d.update(dict(b)) for b in batches(pairs)], len(pairs)
        )
        out["get single"] = timed(lambda: [d.get(k) for k in keys], len(keys))
    return out


# -- scaling ------------------------------------------------------------------------------


def run_parallel(heap: SharedHeap, jobs: list[Callable[[], object]]) -> float:
    """Fork one process per job, start them together, return the wall time until all end."""
    go_r, go_w = os.pipe()
    done_r, done_w = os.pipe()
    pids = []
    for job in jobs:
        pid = os.fork()
        if pid == 0:  # runs in the child
            code = 0
            try:
                gc.disable()
                os.write(done_w, b"r")
                os.read(go_r, 1)
                job()
                os.write(done_w, b"d")
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        pids.append(pid)
    for _ in jobs:
        assert os.read(done_r, 1) == b"r"
    t0 = time.perf_counter()
    os.write(go_w, b"g" * len(jobs))
    for _ in jobs:
        assert os.read(done_r, 1) == b"d", "a benchmark child failed"
    elapsed = time.perf_counter() - t0
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    for fd in (go_r, go_w, done_r, done_w):
        os.close(fd)
    return elapsed


def bench_scaling(n: int) -> list[tuple[str, float, float]]:
    """Ops/s of 1 process, then of 2 processes doing the same work each, for each operation."""
    data = [make_data(n, seed=s) for s in (1, 2)]
    rows = []
    with new_heap(2 * n) as heap:
        with heap.phase():

            def adds(p: Pairs) -> Callable[[], object]:
                return lambda: [heap.add_many(b) for b in batches(p)]

            one = n / run_parallel(heap, [adds(data[0])])
        heap.clear()
        with heap.phase():
            two = 2 * n / run_parallel(heap, [adds(data[0]), adds(data[1])])
        rows.append(("add batch", one, two))

        with heap.phase():
            for s in (0, 1):
                heap.add_many(data[s])
            key_lists = []
            for s in (0, 1):
                keys = [k for k, _ in data[s]]
                random.Random(s).shuffle(keys)
                key_lists.append(keys)

            def gets_batch(keys: list[bytes]) -> Callable[[], object]:
                kb = batches(keys)
                return lambda: [[heap.get_many(b) for b in kb] for _ in range(REPEATS)]

            def gets_single(keys: list[bytes]) -> Callable[[], object]:
                get = heap.get
                return lambda: [get(k) for k in keys]

            for name, make, reps in (("get batch", gets_batch, REPEATS), ("get single", gets_single, 1)):
                one = reps * n / run_parallel(heap, [make(key_lists[0])])
                two = 2 * reps * n / run_parallel(heap, [make(k) for k in key_lists])
                rows.append((name, one, two))
    return rows


# -- report -------------------------------------------------------------------------------

COLUMNS = ["add single", "add batch", "get single", "get batch"]


def fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100_000, help="keys per store (default 100k)")
    parser.add_argument("--skip-manager", action="store_true", help="skip the slow Manager dict")
    args = parser.parse_args(argv)
    pairs = make_data(args.keys)
    avg_key = sum(len(k) for k, _ in pairs) / len(pairs)
    avg_value = sum(len(v) for _, v in pairs) / len(pairs)

    stores: list[tuple[str, Callable[[Pairs], dict[str, float]]]] = [
        ("shoal SharedHeap", bench_shoal),
        ("shoal HeapTable (raw, no cache)", bench_shoal_table),
        ("sqlite3 on /dev/shm", bench_sqlite),
        ("shared_memory + dict index", bench_shared_memory),
    ]
    if not args.skip_manager:
        stores.append((f"Manager dict ({MANAGER_KEYS:,} keys)", bench_manager))
    results = {}
    for name, fn in stores:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results[name] = fn(pairs)
    shoal = results["shoal SharedHeap"]

    print(
        f"\n{len(pairs):,} keys (avg {avg_key:.0f} B), values avg {avg_value:.0f} B, "
        f"batches of {BATCH:,}, ops/s (shoal ÷ store in brackets)\n"
    )
    print("| store | " + " | ".join(COLUMNS) + " |")
    print("|---|" + "---:|" * len(COLUMNS))
    for name, res in results.items():
        cells = []
        for col in COLUMNS:
            v = res.get(col)
            if v is None:
                cells.append("—")
            elif res is shoal:
                cells.append(fmt(v))
            else:
                cells.append(f"{fmt(v)} ({shoal[col] / v:.1f}×)")
        print(f"| {name} | " + " | ".join(cells) + " |")

    print("\nrunning scaling ...", file=sys.stderr, flush=True)
    scaling = bench_scaling(len(pairs))
    print("\n| shoal, 1 vs 2 processes | 1 process ops/s | 2 processes ops/s | ratio |")
    print("|---|---:|---:|---:|")
    for name, one, two in scaling:
        print(f"| {name} | {fmt(one)} | {fmt(two)} | {two / one:.2f}× |")

    verdicts = [
        ("get batch", shoal["get batch"], TARGET_GET_BATCH),
        ("get single", shoal["get single"], TARGET_GET_SINGLE),
    ]
    print(f"\ntargets ({os.cpu_count()} CPUs):")
    for name, got, target in verdicts:
        status = "ok" if got >= target else f"MISSED by {100 * (1 - got / target):.0f}%"
        print(f"- {name} >= {target:,}/s: {fmt(got)} — {status}")
    for name, one, two in scaling:
        ratio = two / one
        status = "ok" if ratio >= TARGET_SCALING else f"MISSED ({ratio:.2f}×)"
        print(f"- {name} 2 processes >= {TARGET_SCALING}× 1 process: {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
