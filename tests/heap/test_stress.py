"""Forked writers and a reader hammer one heap on overlapping keys and edges.

Each value names its writer, so a reader can check the first-writer-wins rule: once a key
is seen, it never changes, and it always holds the value of the writer whose add returned
True. Afterwards the master compacts and everything written must still be there.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import Any

import pytest
from heap_fork import collect_child, fork_child

from heap_native import SharedHeap

pytestmark = pytest.mark.stress

N_KEYS = 20_000
WRITERS = 2
READER_OPS = 60_000
BATCH = 64
# Both writers add every edge (in different orders) so CAS races on the same edge happen.
EDGES = [(1 + i % 400, 1 + i) for i in range(8_000)]
TOTAL_OPS = WRITERS * (N_KEYS + len(EDGES)) + READER_OPS


def key_of(i: int) -> bytes:
    return b"stress/module.%08d/summary" % i  # ~32 bytes, like the benchmark's keys


def value_of(writer: int, i: int) -> bytes:
    return b"%d|%d|" % (writer, i) + (b"%08d" % i) * 12


def parse(i: int, value: bytes) -> int:
    """Return the writer id in ``value``, after checking it is a whole value for key ``i``."""
    writer, idx, body = value.split(b"|", 2)
    assert int(idx) == i and body == (b"%08d" % i) * 12, f"key {i}: torn or foreign {value!r}"
    assert int(writer) in range(WRITERS), value
    return int(writer)


def writer(heap: SharedHeap, wid: int, barrier: Callable[[], None]) -> dict[str, Any]:
    """Add every key and edge in a writer-specific order; return the keys this writer won.

    The writers meet at ``barrier`` before each batch of keys, so they really run side by side
    whatever the machine's load: without it, one could finish before the other is scheduled
    and win every key, and the test would exercise no race at all.
    """
    rnd = random.Random(wid)
    order = list(range(N_KEYS))
    rnd.shuffle(order)
    won = []
    for start in range(0, N_KEYS, BATCH):
        barrier()
        chunk = order[start : start + BATCH]
        if (start // BATCH) % 2:
            results = heap.add_many([(key_of(i), value_of(wid, i)) for i in chunk])
        else:
            results = [heap.add(key_of(i), value_of(wid, i)) for i in chunk]
        for i, stored in zip(chunk, results, strict=True):
            if stored:
                won.append(i)
            else:  # the other writer got there first, and its value is complete already
                other = heap.get(key_of(i))
                assert other is not None and parse(i, other) != wid
    edges = EDGES[:]
    rnd.shuffle(edges)
    for start in range(0, len(edges), BATCH):
        chunk = edges[start : start + BATCH]
        if (start // BATCH) % 2:
            heap.add_deps(chunk)
        else:
            for dependency, dependent in chunk:
                heap.add_dep(dependency, dependent)
    return {"won": won}


def reader(heap: SharedHeap) -> dict[str, Any]:
    """Read random keys and dependency lists while the writers run; check monotonicity."""
    rnd = random.Random(99)
    seen: dict[int, int] = {}
    deps_seen: dict[int, set[int]] = {}
    valid_edges = set(EDGES)
    ops = 0

    def check(i: int, value: bytes | None) -> None:
        if value is None:
            assert i not in seen, f"key {i} vanished after it was seen"
            return
        w = parse(i, value)
        assert seen.setdefault(i, w) == w, f"key {i} changed writer: {seen[i]} -> {w}"

    while ops < READER_OPS:
        kind = rnd.random()
        if kind < 0.45:
            i = rnd.randrange(N_KEYS)
            check(i, heap.get(key_of(i)))
            ops += 1
        elif kind < 0.9:
            idx = [rnd.randrange(N_KEYS) for _ in range(BATCH)]
            for i, value in zip(idx, heap.get_many([key_of(i) for i in idx]), strict=True):
                check(i, value)
            ops += BATCH
        else:
            dependency = rnd.randint(1, 400)
            got = set(heap.get_deps(dependency))
            assert {(dependency, d) for d in got} <= valid_edges
            assert deps_seen.setdefault(dependency, set()) <= got, "an edge disappeared"
            deps_seen[dependency] = got
            ops += 1
    return {"seen": seen, "ops": ops}


def check_everything_stored(heap: SharedHeap, winner: dict[int, int]) -> None:
    values = heap.get_many([key_of(i) for i in range(N_KEYS)])
    for i, value in enumerate(values):
        assert value is not None, f"key {i} lost"
        assert parse(i, value) == winner[i], f"key {i} holds a loser's value"
    expected: dict[int, set[int]] = {}
    for dependency, dependent in EDGES:
        expected.setdefault(dependency, set()).add(dependent)
    for dependency, dependents in expected.items():
        got = heap.get_deps(dependency)
        assert len(got) == len(set(got)), f"duplicate edge under {dependency}"
        assert set(got) == dependents, f"edges of {dependency}"
    stats = heap.stats()
    assert stats.live_slots == N_KEYS
    assert stats.dep_edges == len(EDGES)


def test_writers_and_reader_agree_then_compaction_keeps_everything() -> None:
    """>= 100k operations from 3 processes; first writer wins everywhere; collect loses nothing."""
    assert TOTAL_OPS >= 100_000
    with SharedHeap(heap_size="64M", hash_slots=1 << 16, dep_slots=1 << 15) as heap:
        # Junk that the compaction has to slide the survivors over.
        heap.add_many([(b"junk%d" % i, b"x" * 300) for i in range(2000)])
        for i in range(2000):
            heap.remove(b"junk%d" % i)
        pipes = [os.pipe() for _ in range(WRITERS)]  # pipes[w]: wakes writer w

        def barrier(w: int) -> None:
            for other in range(WRITERS):
                if other != w:
                    os.write(pipes[other][1], b"x")
            for _ in range(WRITERS - 1):
                os.read(pipes[w][0], 1)

        with heap.phase():
            children = [fork_child(lambda w=w: writer(heap, w, lambda: barrier(w)))
                        for w in range(WRITERS)]
            for r, w in pipes:
                os.close(r)
                os.close(w)
            children.append(fork_child(lambda: reader(heap)))
            results = [collect_child(pid, r) for pid, r in children]
        won = [set(res["won"]) for res in results[:WRITERS]]
        assert not won[0] & won[1], "a key was stored twice"
        assert won[0] | won[1] == set(range(N_KEYS))
        assert won[0] and won[1], "no race happened: one writer won everything"
        winner = {i: w for w, keys in enumerate(won) for i in keys}
        seen = results[WRITERS]["seen"]
        assert seen, "the reader saw nothing"
        assert all(winner[i] == w for i, w in seen.items()), "reader saw a losing value"

        heap.verify()
        check_everything_stored(heap, winner)
        assert heap.collect() > 0
        heap.verify()
        check_everything_stored(heap, winner)
        assert heap.stats().wasted_bytes == 0
