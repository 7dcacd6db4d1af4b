"""Every heap operation in one process: values, tombstones, collect, edges, phases, stats."""
from __future__ import annotations

import pytest

from heap_native import HeapClosed, HeapError, SharedHeap


def test_add_get_contains(heap: SharedHeap) -> None:
    """A stored value round-trips; a second add of the key keeps the first value."""
    assert heap.add(b"k", b"v1") is True
    assert heap.add(b"k", b"v2") is False
    assert heap.get(b"k") == b"v1"
    assert heap.contains(b"k") and b"k" in heap
    assert heap.get(b"missing") is None
    assert not heap.contains(b"missing")


def test_empty_key_and_value(heap: SharedHeap) -> None:
    """Zero-length keys and values are ordinary entries."""
    assert heap.add(b"", b"")
    assert heap.get(b"") == b""
    assert heap.add(b"e", b"")
    assert heap.get(b"e") == b""


def test_large_value_round_trips(heap: SharedHeap) -> None:
    """A value too long for a packed reference (>= 16 MiB) comes back through the slow path."""
    with SharedHeap(heap_size="40M", hash_slots=8, dep_slots=8) as big:
        value = bytes(range(256)) * (17 * 4096)
        assert big.add(b"big", value)
        assert big.get(b"big") == value
        assert big.get_many([b"x", b"big"]) == [None, value]


def test_batches_align_with_input(heap: SharedHeap) -> None:
    """add_many reports per pair; get_many is aligned with its keys."""
    heap.add(b"b", b"old")
    assert heap.add_many([(b"a", b"1"), (b"b", b"2"), (b"c", b"3"), (b"a", b"4")]) == [
        True,
        False,
        True,
        False,
    ]
    assert heap.get_many([b"c", b"zz", b"a", b"b"]) == [b"3", None, b"1", b"old"]
    assert heap.add_many([]) == [] and heap.get_many([]) == []
    assert heap.get_many(iter([b"a"])) == [b"1"]


def test_colliding_keys_never_return_a_wrong_value(make_heap) -> None:
    """In a 16-slot table every key shares probe chains; each lookup still gets its own value."""
    h = make_heap(heap_size="1M", hash_slots=16, dep_slots=8)
    keys = [b"k", b"k\0", b"k\0\0", b"kk", b"K", b"k" * 9, b"k" * 17, b"\0k"]
    for i, k in enumerate(keys):
        assert h.add(k, b"value-%d" % i)
    for i, k in enumerate(keys):
        assert h.get(k) == b"value-%d" % i
    assert h.get(b"k" * 8) is None and h.get(b"") is None
    h.verify()


def test_tombstone_semantics(heap: SharedHeap) -> None:
    """remove leaves a tombstone; a re-added key takes a fresh slot and its new value."""
    heap.add(b"k", b"first")
    assert heap.remove(b"k") is True
    assert heap.remove(b"k") is False
    assert heap.get(b"k") is None and not heap.contains(b"k")
    stats = heap.stats()
    assert (stats.used_slots, stats.live_slots) == (1, 0)
    assert heap.add(b"k", b"second") is True
    assert heap.get(b"k") == b"second"
    stats = heap.stats()
    assert (stats.used_slots, stats.live_slots) == (2, 1)
    heap.verify()


def test_collect_reclaims_and_keeps_every_live_value(heap: SharedHeap) -> None:
    """collect frees removed bytes and tombstones; every survivor keeps its value."""
    pairs = [(b"key%d" % i, bytes([i % 256]) * (i % 50 + 1)) for i in range(300)]
    heap.add_many(pairs)
    for k, _ in pairs[::2]:
        heap.remove(k)
    before = heap.stats()
    reclaimed = heap.collect()
    after = heap.stats()
    assert reclaimed == before.used_bytes - after.used_bytes > 0
    assert after.wasted_bytes == 0 and after.used_slots == after.live_slots == 150
    heap.verify()
    for i, (k, v) in enumerate(pairs):
        assert heap.get(k) == (None if i % 2 == 0 else v)
    assert heap.collect() == 0


def test_clear_drops_values_and_edges(heap: SharedHeap) -> None:
    """clear empties both tables and counters."""
    heap.add(b"a", b"1")
    heap.add_dep(1, 2)
    heap.clear()
    assert heap.get(b"a") is None and heap.get_deps(1) == []
    s = heap.stats()
    assert (s.used_bytes, s.used_slots, s.dep_edges) == (0, 0, 0)
    assert heap.add(b"a", b"2") and heap.get(b"a") == b"2"


def test_dependency_edges(heap: SharedHeap) -> None:
    """Edges are a set per dependency; remove_dependents and clear_deps take edges out."""
    heap.add_dep(7, 1)
    heap.add_dep(7, 1)
    heap.add_deps([(7, 2), (7, 3), (8, 3), (9, 4)])
    assert sorted(heap.get_deps(7)) == [1, 2, 3]
    assert heap.stats().dep_edges == 5
    heap.remove_dependents([3, 99])
    assert sorted(heap.get_deps(7)) == [1, 2]
    assert heap.get_deps(8) == [] and heap.get_deps(9) == [4]
    heap.verify()
    heap.clear_deps()
    assert heap.get_deps(7) == [] and heap.stats().dep_edges == 0
    heap.add_deps([])


def test_many_dependents_of_one_dependency(heap: SharedHeap) -> None:
    """get_deps grows its buffer past its first guess."""
    heap.add_deps((5, i) for i in range(1, 601))
    assert sorted(heap.get_deps(5)) == list(range(1, 601))


def test_get_deps_many_grows_its_buffer_and_keeps_order(heap: SharedHeap) -> None:
    """One call answers each dependency in the order asked, past its first buffer's guess,
    and refuses id 0 like get_deps."""
    heap.add_deps((5, i) for i in range(1, 601))
    heap.add_deps([(6, 7), (8, 9), (8, 10)])
    got = heap.get_deps_many([8, 4, 5, 6, 8])
    assert [sorted(g) for g in got] == [[9, 10], [], list(range(1, 601)), [7], [9, 10]]
    assert heap.get_deps_many([]) == []
    with pytest.raises(ValueError):
        heap.get_deps_many([5, 0])


def test_get_deps_flat_is_get_deps_many_in_two_arrays(heap: SharedHeap) -> None:
    """Counts aligned with the ids asked, and every dependent one after the other."""
    heap.add_deps((5, i) for i in range(1, 601))
    heap.add_deps([(6, 7), (8, 9), (8, 10)])
    asked = [8, 4, 5, 6, 8]
    counts, flat = heap.get_deps_flat(asked)
    assert list(counts) == [len(g) for g in heap.get_deps_many(asked)] == [2, 0, 600, 1, 2]
    assert len(flat) == 605 and sorted(flat[:2]) == [9, 10] and list(flat[602:603]) == [7]
    assert [len(a) for a in heap.get_deps_flat([])] == [0, 0]


@pytest.mark.parametrize("pair", [(0, 1), (1, 0), (-1, 1), (1, 2**32), (True, 1)])
def test_invalid_edge_ids_are_refused(heap: SharedHeap, pair: tuple[int, int]) -> None:
    """Id 0 is reserved and ids are 32-bit: both add paths refuse, nothing is stored."""
    with pytest.raises(ValueError):
        heap.add_dep(*pair)
    if pair[0] is not True:
        with pytest.raises(ValueError):
            heap.add_deps([pair])
    assert heap.stats().dep_edges == 0


def test_epoch_moves_on_every_master_only_change(heap: SharedHeap) -> None:
    """Adds keep the epoch; remove, collect, clear and the edge rebuilds bump it."""
    e0 = heap.epoch
    heap.add(b"a", b"1")
    heap.add_dep(1, 2)
    assert heap.epoch == e0
    epochs = [e0]
    for op in (
        lambda: heap.remove(b"a"),
        heap.collect,
        heap.clear_deps,
        lambda: heap.remove_dependents([2]),
        heap.clear,
    ):
        op()
        epochs.append(heap.epoch)
    assert epochs == sorted(set(epochs))


def test_phase_context_manager(heap: SharedHeap) -> None:
    """phase() is open inside the block and closed after it, even on error; phases do not nest."""
    with heap.phase():
        assert heap.stats().phase_open
        with pytest.raises(HeapError), heap.phase():
            pass
    assert not heap.stats().phase_open
    with pytest.raises(RuntimeError), heap.phase():
        raise RuntimeError("job failed")
    assert not heap.stats().phase_open


def test_stats_capacities(make_heap) -> None:
    """stats reports the configured capacities."""
    h = make_heap(heap_size="1M", hash_slots=64, dep_slots=32)
    s = h.stats()
    assert (s.heap_capacity, s.hash_capacity, s.dep_capacity) == (1 << 20, 64, 32)
    h.add(b"k", b"v" * 10)
    s = h.stats()
    assert s.used_bytes == s.live_bytes > 0 and s.live_slots == 1


def test_closed_heap_refuses_every_call() -> None:
    """After close, calls raise HeapClosed instead of touching unmapped memory."""
    h = SharedHeap(heap_size="1M", hash_slots=8, dep_slots=8)
    h.add(b"k", b"v")
    fd = h.fileno()
    h.close()
    h.close()
    assert h.closed
    for call in (
        lambda: h.get(b"k"),
        lambda: h.get_many([b"k"]),
        lambda: h.add(b"k", b"v"),
        lambda: h.contains(b"k"),
        lambda: h.epoch,
        h.stats,
        h.fileno,
        h.verify,
    ):
        with pytest.raises(HeapClosed):
            call()
    with pytest.raises(OSError):
        __import__("os").fstat(fd)


def test_attach_by_descriptor_sees_the_same_region(heap: SharedHeap) -> None:
    """A second mapping of the same fd shares values both ways."""
    heap.add(b"a", b"1")
    other = SharedHeap.attach(heap.fileno())
    try:
        assert other.get(b"a") == b"1"
        other.add(b"b", b"2")
        assert heap.get(b"b") == b"2"
    finally:
        other.close()
    assert heap.get(b"a") == b"1"


def test_verify_passes_on_a_busy_heap(heap: SharedHeap) -> None:
    """verify accepts a heap after adds, removes, collects and edges."""
    heap.add_many([(b"%d" % i, b"x" * i) for i in range(200)])
    heap.add_deps((i, i + 1) for i in range(1, 200))
    for i in range(0, 200, 3):
        heap.remove(b"%d" % i)
    heap.verify()
    heap.collect()
    heap.verify()


def test_verify_reports_a_corrupted_entry() -> None:
    """Flipping one key byte in the region is caught: HeapCorrupt names the slot."""
    import mmap

    from heap_native import HeapCorrupt

    with SharedHeap(heap_size="1M", hash_slots=16, dep_slots=8) as h:
        h.add(b"unique-key-0123456789", b"value")
        h.verify()
        region = mmap.mmap(h.fileno(), h.stats().region_bytes)
        try:
            at = region.find(b"unique-key-0123456789")
            assert at > 0
            region[at] ^= 0xFF
            with pytest.raises(HeapCorrupt, match="slot"):
                h.verify()
            assert h.get(b"unique-key-0123456789") is None  # compared in full, never trusted
            region[at] ^= 0xFF
            h.verify()
        finally:
            region.close()


def _entry_size(key: bytes, value: bytes) -> int:
    """Bytes one entry takes: a 16-byte header, key and value, padded to 8."""
    return (16 + len(key) + len(value) + 7) // 8 * 8


def test_a_batch_longer_than_a_run_with_repeats_and_present_keys(heap) -> None:
    """add_many allocates runs of entries at once; per-pair answers, values and counters
    are those of the same adds made one by one."""
    heap.add_many([(b"old%d" % i, b"o") for i in range(0, 300, 7)])
    before = heap.stats()
    pairs = []
    for i in range(300):
        pairs.append((b"new%d" % i, b"v%d" % i * (i % 13)))
        if i % 5 == 0:
            pairs.append((b"new%d" % i, b"repeat"))  # a repeat within the batch
        if i % 7 == 0:
            pairs.append((b"old%d" % i, b"again"))  # a key stored by an earlier call
    results = heap.add_many(pairs)
    seen: set[bytes] = {b"old%d" % i for i in range(0, 300, 7)}
    expected = []
    for key, _ in pairs:
        expected.append(key not in seen)
        seen.add(key)
    assert results == expected
    assert heap.get_many([b"new%d" % i for i in range(300)]) == [
        b"v%d" % i * (i % 13) for i in range(300)]
    after = heap.stats()
    new = [(k, v) for (k, v), stored in zip(pairs, results, strict=True) if stored]
    assert after.live_slots - before.live_slots == len(new) == 300
    assert after.used_slots - before.used_slots == 300
    assert after.live_bytes - before.live_bytes == sum(_entry_size(k, v) for k, v in new)
    # Repeats found before allocation cost nothing; the rest of the bytes are accounted.
    grown = after.used_bytes - before.used_bytes
    assert grown == (after.live_bytes - before.live_bytes) + (after.wasted_bytes - before.wasted_bytes)
    heap.verify()


@pytest.mark.parametrize("seed", range(40))
def test_remove_dependents_keeps_every_chain_in_a_crowded_table(make_heap, seed: int) -> None:
    """Removal shifts later edges back (linear probing): on a 16-slot table filled up to
    full, with chains that collide and wrap past the end, every dependency's edges stay
    reachable after any removal, and the edge count follows."""
    import random

    rng = random.Random(seed)
    heap = make_heap(heap_size="1M", hash_slots=64, dep_slots=16)
    edges: set[tuple[int, int]] = set()
    for _ in range(rng.randint(8, 16)):
        edge = (rng.randint(1, 5), rng.randint(1, 12))
        if len(edges | {edge}) <= 16:
            heap.add_dep(*edge)
            edges.add(edge)
    for _ in range(4):
        gone = rng.sample(range(1, 13), rng.randint(1, 3))
        heap.remove_dependents(gone)
        edges = {(a, b) for a, b in edges if b not in gone}
        for dependency in range(1, 6):
            assert sorted(heap.get_deps(dependency)) == sorted(
                b for a, b in edges if a == dependency), (seed, gone)
        assert heap.stats().dep_edges == len(edges)
        refill = [(rng.randint(1, 5), rng.randint(1, 12)) for _ in range(3)]
        for edge in refill:
            if len(edges | {edge}) <= 16:
                heap.add_dep(*edge)
                edges.add(edge)


def test_copy_moves_live_entries_and_edges_to_larger_tables(make_heap) -> None:
    """copy(): the live entries, compacted, and every edge, in a heap of the sizes asked
    for; the source is left as it was, and a copy that cannot fit raises and makes nothing."""
    from heap_native import DepTableFull, HashTableFull, HeapFull, HeapRoleError

    src = make_heap(heap_size="1M", hash_slots=64, dep_slots=8)
    for i in range(40):
        src.add(b"k%d" % i, b"v" * (10 * i))
    src.remove(b"k3")
    src.add_deps([(1, 2), (1, 3), (7, 2), (2**32 - 1, 5)])
    before = src.stats()
    with pytest.raises(DepTableFull):
        src.copy(dep_slots=2)
    with pytest.raises(HashTableFull):
        src.copy(hash_slots=16)
    with pytest.raises(HeapFull):
        src.copy(heap_size=4096)
    with src.phase(), pytest.raises(HeapRoleError):
        src.copy()
    assert src.stats() == before  # nothing moved out of it
    with src.copy(dep_slots=1024, hash_slots=128) as dst:
        dst.verify()
        s = dst.stats()
        assert (s.dep_capacity, s.hash_capacity, s.heap_capacity) == (1024, 128, 1 << 20)
        assert s.live_slots == 39 and s.wasted_bytes == 0 and s.dep_edges == 4
        assert dst.get(b"k3") is None and dst.get(b"k39") == b"v" * 390
        assert sorted(dst.get_deps(1)) == [2, 3] and dst.get_deps(2**32 - 1) == [5]
        # Its own heap from now on: this process is its master, the source untouched.
        assert dst.add(b"new", b"1") and dst.remove(b"k0")
        dst.add_dep(9, 9)
        assert src.get(b"new") is None and src.get(b"k0") == b"" and src.get_deps(9) == []
