"""Full heap, full hash table, full dependency table, oversized values: clear errors, no damage."""
from __future__ import annotations

import pytest

from heap_native import DepTableFull, HashTableFull, HeapError, HeapFull, ValueTooLarge


@pytest.mark.fault
def test_full_heap_keeps_reads_and_recovers_after_collect(make_heap) -> None:
    """HeapFull names the figures and the setting; reads go on; collect makes room again."""
    h = make_heap(heap_size=8192, hash_slots=64, dep_slots=8)
    stored = []
    with pytest.raises(HeapFull) as info:
        for i in range(100):
            h.add(b"k%d" % i, b"v" * 500)
            stored.append(i)
    message = str(info.value)
    assert "8192" in message and "heap_size" in message and "--heap-size" in message
    assert stored and all(h.get(b"k%d" % i) == b"v" * 500 for i in stored)
    h.verify()
    assert h.add(b"tiny", b"") is True  # a small entry still fits: the failed bump rolled back
    for i in stored[:-1]:
        h.remove(b"k%d" % i)
    assert h.collect() > 0
    assert h.add(b"again", b"v" * 500) is True
    assert h.get(b"k%d" % stored[-1]) == b"v" * 500
    h.verify()


@pytest.mark.fault
def test_full_heap_in_add_many_keeps_the_stored_prefix(make_heap) -> None:
    """add_many stops at the first pair that does not fit; earlier pairs stay readable."""
    h = make_heap(heap_size=4096, hash_slots=64, dep_slots=8)
    pairs = [(b"k%d" % i, b"v" * 1000) for i in range(10)]
    with pytest.raises(HeapFull, match="add_many"):
        h.add_many(pairs)
    got = h.get_many([k for k, _ in pairs])
    assert got[0] == b"v" * 1000 and got[-1] is None
    h.clear()
    assert h.add_many(pairs[:2]) == [True, True]


@pytest.mark.fault
def test_full_hash_table_keeps_reads_and_recovers_after_collect(make_heap) -> None:
    """HashTableFull names slots and setting; removing and collecting frees slots."""
    h = make_heap(heap_size="1M", hash_slots=8, dep_slots=8)
    for i in range(8):
        assert h.add(b"k%d" % i, b"%d" % i)
    with pytest.raises(HashTableFull) as info:
        h.add(b"one-more", b"x")
    assert "8 of 8" in str(info.value) and "hash_slots" in str(info.value)
    assert [h.get(b"k%d" % i) for i in range(8)] == [b"%d" % i for i in range(8)]
    assert h.get(b"one-more") is None and not h.contains(b"one-more")
    assert h.add(b"k3", b"dup") is False  # present keys are still answered
    h.verify()
    h.remove(b"k0")
    with pytest.raises(HashTableFull):  # a tombstone is never reused
        h.add(b"one-more", b"x")
    h.collect()
    assert h.add(b"one-more", b"x") is True
    h.verify()


@pytest.mark.fault
def test_full_dep_table_keeps_reads_and_recovers_after_clear(make_heap) -> None:
    """DepTableFull names edges and setting; existing edges stay; clear_deps makes room."""
    h = make_heap(heap_size="1M", hash_slots=8, dep_slots=4)
    h.add_deps([(1, 2), (1, 3), (2, 3), (3, 4)])
    h.add_dep(1, 2)  # an existing edge is found before the table is declared full
    with pytest.raises(DepTableFull) as info:
        h.add_dep(5, 6)
    assert "4 of 4" in str(info.value) and "dep_slots" in str(info.value)
    assert sorted(h.get_deps(1)) == [2, 3] and h.get_deps(5) == []
    h.verify()
    h.remove_dependents([3])
    h.add_dep(5, 6)
    assert h.get_deps(5) == [6]
    h.clear_deps()
    h.add_deps([(7, 8)])
    h.verify()


@pytest.mark.fault
def test_value_larger_than_the_heap(make_heap) -> None:
    """A value that can never fit is ValueTooLarge, not HeapFull, and nothing is allocated."""
    h = make_heap(heap_size=4096, hash_slots=8, dep_slots=8)
    with pytest.raises(ValueTooLarge, match="heap_size"):
        h.add(b"k", b"x" * 5000)
    with pytest.raises(ValueTooLarge):
        h.add_many([(b"a", b"1"), (b"k", b"x" * 5000)])
    assert h.get(b"a") == b"1"
    assert h.stats().used_bytes < 100
    h.verify()


def test_every_heap_exception_is_a_heap_error() -> None:
    """Callers can catch one base class."""
    for cls in (HeapFull, HashTableFull, DepTableFull, ValueTooLarge):
        assert issubclass(cls, HeapError)


@pytest.mark.fault
def test_hash_table_filling_inside_a_batch_keeps_the_stored_prefix(make_heap) -> None:
    """A batch that fills the table stores exactly what fits, in order, and the heap
    stays consistent (the run's space for the rest is accounted as waste)."""
    h = make_heap(heap_size="1M", hash_slots=64, dep_slots=8)
    h.add_many([(b"pre%d" % i, b"p") for i in range(40)])
    pairs = [(b"k%d" % i, b"v%d" % i) for i in range(50)]
    with pytest.raises(HashTableFull, match="add_many"):
        h.add_many(pairs)
    got = h.get_many([k for k, _ in pairs])
    stored = [k for (k, _), value in zip(pairs, got, strict=True) if value is not None]
    assert stored == [k for k, _ in pairs[:24]]  # 64 slots, 40 taken before
    assert h.stats().live_slots == 64
    h.verify()
