"""Sizes, exceptions across pickling, the stop flag, and memory given back to the OS."""
from __future__ import annotations

import mmap
import os
import pickle

import pytest

import heap_native
from heap_native import (
    DepTableFull,
    HashTableFull,
    HeapCorrupt,
    HeapError,
    HeapFull,
    HeapRoleError,
    SharedHeap,
    SnapshotError,
    StopRequested,
    ValueTooLarge,
    parse_size,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [(4096, 4096), ("4096", 4096), ("64K", 65536), ("512M", 512 << 20), ("2G", 2 << 30),
     ("2gib", 2 << 30), (" 1 MB ", 1 << 20)],
)
def test_parse_size(text: int | str, expected: int) -> None:
    """Integers and K/M/G/T strings (powers of 1024)."""
    assert parse_size(text) == expected


@pytest.mark.parametrize("bad", ["", "M", "1.5G", "-1", "12Q", 0, -5])
def test_parse_size_rejects(bad: int | str) -> None:
    """Anything else is a ValueError naming the setting."""
    with pytest.raises(ValueError, match="heap_size"):
        parse_size(bad, "heap_size")


def test_constructor_sizes() -> None:
    """Strings are accepted; slot counts must be powers of two."""
    with SharedHeap(heap_size="1M", hash_slots="1K", dep_slots=16) as h:
        assert h.stats().hash_capacity == 1024
    with pytest.raises(ValueError, match="power of two"):
        SharedHeap(heap_size="1M", hash_slots=1000)


@pytest.mark.parametrize(
    "cls",
    [HeapError, HeapFull, HashTableFull, DepTableFull, ValueTooLarge, HeapRoleError,
     SnapshotError, HeapCorrupt, StopRequested],
)
def test_exceptions_pickle_round_trip(cls: type[BaseException]) -> None:
    """Each class survives pickling with its message and a remote_traceback attribute."""
    exc = cls("used 10 of 20; raise heap_size")
    exc.remote_traceback = "Traceback (most recent call last): ..."
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is cls and str(back) == str(exc)
    assert back.remote_traceback == exc.remote_traceback


def test_stop_request_is_not_an_exception() -> None:
    """No `except Exception` can swallow a stop."""
    assert issubclass(StopRequested, BaseException)
    assert not issubclass(StopRequested, Exception)


def test_stop_flag_stops_every_call(heap: SharedHeap) -> None:
    """While the attached flag is nonzero every call raises StopRequested; clearing it resumes."""
    heap.add(b"k", b"v")
    page = mmap.mmap(-1, mmap.PAGESIZE)
    heap_native.attach_stop_flag(page)
    try:
        page[:4] = (1).to_bytes(4, "little")
        for call in (
            lambda: heap.get(b"k"),
            lambda: heap.get_many([b"k"]),
            lambda: heap.add(b"x", b"y"),
            lambda: heap.contains(b"k"),
            lambda: heap.add_dep(1, 2),
            lambda: heap.get_deps(1),
            lambda: heap.epoch,
            heap.collect,
        ):
            with pytest.raises(StopRequested):
                call()
        page[:4] = bytes(4)
        assert heap.get(b"k") == b"v" and heap.get(b"x") is None
    finally:
        heap_native.attach_stop_flag(None)
        page.close()
    assert heap.add(b"x", b"y")


def test_memory_is_given_back_after_collect() -> None:
    """Removing most entries and collecting really drops the region's backed pages."""
    with SharedHeap(heap_size="64M", hash_slots=1 << 14, dep_slots=16) as h:
        base = os.fstat(h.fileno()).st_blocks
        value = b"v" * 4000
        h.add_many([(b"key%d" % i, value) for i in range(8000)])
        full = os.fstat(h.fileno()).st_blocks
        assert (full - base) * 512 > 30 << 20
        for i in range(8000):
            if i % 40:
                h.remove(b"key%d" % i)
        h.collect()
        after = os.fstat(h.fileno()).st_blocks
        assert (after - base) * 512 < 4 << 20
        assert all(h.get(b"key%d" % i) == value for i in range(0, 8000, 40))
        h.verify()
